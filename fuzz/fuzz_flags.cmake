# Compiler flags of the fuzz build (VIC_FUZZ=ON), included by the top-level
# CMakeLists.txt before any library is defined, so that all of vic's code gets
# libFuzzer's coverage instrumentation and AddressSanitizer and
# UndefinedBehaviorSanitizer checks. The libFuzzer binaries themselves add
# -fsanitize=fuzzer (fuzz/CMakeLists.txt). Debian's LLVM 19 and ANTLR runtime
# are linked as they are, uninstrumented.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR
    "VIC_FUZZ=ON needs clang with libFuzzer, not ${CMAKE_CXX_COMPILER_ID}: install clang-19 and "
    "libclang-rt-19-dev (scripts/install_deps.sh --fuzz) and configure with "
    "-DCMAKE_CXX_COMPILER=clang++-19, or run scripts/fuzz.sh, which does both.")
endif()
# UB aborts rather than printing and carrying on, so libFuzzer keeps the input.
# -fsanitize=function is left out: it checks a signature stored before each
# function, which the JIT-compiled model functions do not have.
add_compile_options(
  -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize=function
  -fno-sanitize-recover=all
  -fno-omit-frame-pointer
  -g)
add_link_options(-fsanitize=address,undefined)
