// Source files and locations. A SourceLoc is a (file, line, column) triple that
// every AST node and IR op carries, so diagnostics and run-time domain errors can
// name the place in the user's model.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vic {

// A loaded source file: its name as the user gave it and its text.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  // The text of a 1-based line, without its newline; empty if out of range.
  std::string_view line(int line) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<size_t> line_starts_;
};

// A 1-based line and column in a source file. line 0 means "no location".
struct SourceLoc {
  const SourceFile* file = nullptr;
  int line = 0;
  int column = 0;
  bool valid() const { return line > 0; }
  // "file:line:col", or "<unknown>".
  std::string str() const;
};

}  // namespace vic
