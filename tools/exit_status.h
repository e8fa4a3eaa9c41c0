// The exit statuses of `vic`, one meaning each, so a script can tell a bad
// model from a bad command line from a fit that ran but cannot be trusted.
// `vic --help` lists them; README.md's "Errors and exit codes" explains them.
#pragma once

namespace vic::tools {

enum ExitStatus : int {
  // Success.
  kExitOk = 0,
  // A problem with the model, the data or a file (reported with its place),
  // an output that cannot be written, a gradient check that fails.
  kExitError = 1,
  // A bad command line: an unknown command or option, a value out of range,
  // an output file that is one of the inputs.
  kExitUsage = 2,
  // `vic fit` ran and wrote its draws, but the fit cannot be trusted (it did
  // not converge, it was diverging, its ELBO is not finite, or it converged
  // well below the best ELBO it saw); the reason is printed on stderr.
  kExitUntrustedFit = 3,
};

// The text `vic --help` ends with.
inline constexpr const char* kExitStatusHelp =
    "Exit status:\n"
    "  0  success\n"
    "  1  an error in the model, the data or a file (the message names it)\n"
    "  2  a bad command line\n"
    "  3  the fit ran and wrote its draws, but cannot be trusted (the reason is on stderr)";

}  // namespace vic::tools
