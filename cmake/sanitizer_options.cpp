// The sanitizers' default options, compiled into every executable of the
// sanitizer build (-DVIC_SANITIZE=..., see cmake/Sanitizers.cmake) so that the
// test binaries, the `vic` the end-to-end tests spawn and a `vic` run by hand
// all behave alike. A finding of any sanitizer ends the process with exit
// status 70 (EX_SOFTWARE), which vic itself never uses (0 fine, 1 model or
// data error, 2 usage, 3 an untrusted fit), so a test that checks only the
// status still tells a sanitizer report from a user error. ASAN_OPTIONS,
// UBSAN_OPTIONS and LSAN_OPTIONS in the environment override these.

// The runtimes look these functions up by name when they start.
extern "C" {

/// AddressSanitizer: also report stack use after return and globals read
/// before their initialisation ran.
__attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "exitcode=70:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1";
}

/// UndefinedBehaviorSanitizer: print where, and stop at the first finding.
__attribute__((used, visibility("default"))) const char* __ubsan_default_options() {
  return "exitcode=70:print_stacktrace=1:halt_on_error=1";
}

/// LeakSanitizer (part of ASan): a leak at exit fails the process too.
__attribute__((used, visibility("default"))) const char* __lsan_default_options() { return "exitcode=70"; }
}
