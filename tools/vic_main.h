// The whole `vic` command as a function: main() (tools/main.cpp) runs it, and
// the command-line fuzz target (fuzz/harness_cli.cpp) calls it too.
#pragma once

namespace vic::tools {

// Parses `argv`, runs the subcommand, checks standard output; returns the exit
// status (tools/exit_status.h). Never throws and never aborts on bad input.
int vic_main(int argc, char** argv);

}  // namespace vic::tools
