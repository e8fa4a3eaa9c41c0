// vic's version, written into CSV headers and printed by `vic --version`.
#pragma once

namespace vic::tools {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace vic::tools
