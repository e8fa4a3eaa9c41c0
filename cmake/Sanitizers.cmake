# The sanitizer build. -DVIC_SANITIZE=address,undefined (or address, or undefined
# alone) compiles all of vic (every library, the generated parser, the `vic` binary
# and every test executable) with AddressSanitizer, LeakSanitizer included, and
# UndefinedBehaviorSanitizer, at -O1 with frame pointers and line tables.
#
# Why -O1, and why everything: instrumented code compiles much slower at -O2 (GCC
# 12, runtime/advi.cpp: 2.6 s plain at -O2, 6.3 s instrumented at -O1, 10.7 s at
# -O2). At -O1 a cold build of everything costs about 1.4 times the CPU time of
# the plain build, and instrumenting ir/, stdlib/, codegen/ and the parser on top
# of the code that reads input (support/, frontend/, runtime/, tools/) costs only
# about 45 s of CPU time, so nothing is left plain. Code that vic JIT-compiles is
# not instrumented (ASan cannot see into it); the kernels it calls are.
#
# UBSan also gets float-cast-overflow (in Clang's `undefined`, not GCC's): a huge
# real converted to an int is undefined behaviour. UBSan does not recover, and
# cmake/sanitizer_options.cpp, compiled into every executable, makes any finding
# end the process with exit status 70, so a finding fails its test, also when the
# test runs the `vic` binary. The benchmarks are left out of `all`: timing
# instrumented code measures nothing.
#
# The top-level CMakeLists.txt includes this file before its add_subdirectory()
# calls; the compile and link options apply to every target defined after that,
# and vic_apply_sanitizers() runs, deferred, once every target is defined.

set(VIC_SANITIZE "" CACHE STRING
    "Build with sanitizers: address, undefined, or address,undefined (empty: none)")

set(_vic_sanitizers "")
set(VIC_SANITIZE_ADDRESS OFF)    # whether ASan (and LSan) is on, for tests/sanitize/
set(VIC_SANITIZE_UNDEFINED OFF)  # whether UBSan is on
if(VIC_SANITIZE)
  string(REPLACE "," ";" _vic_sanitizers "${VIC_SANITIZE}")
  list(REMOVE_DUPLICATES _vic_sanitizers)
  foreach(sanitizer IN LISTS _vic_sanitizers)
    if(NOT sanitizer MATCHES "^(address|undefined)$")
      message(FATAL_ERROR "VIC_SANITIZE: unknown sanitizer '${sanitizer}' "
                          "(use address, undefined or address,undefined)")
    endif()
  endforeach()
  if("address" IN_LIST _vic_sanitizers)
    set(VIC_SANITIZE_ADDRESS ON)
  endif()
  if("undefined" IN_LIST _vic_sanitizers)
    set(VIC_SANITIZE_UNDEFINED ON)
    list(APPEND _vic_sanitizers float-cast-overflow)
  endif()
  list(JOIN _vic_sanitizers "," _vic_sanitize_list)
  message(STATUS "vic: sanitizers ${_vic_sanitize_list}, at -O1")
  # These apply to every target defined after this point: all of vic's.
  add_compile_options(-fsanitize=${_vic_sanitize_list} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=${_vic_sanitize_list})
  cmake_language(DEFER CALL vic_apply_sanitizers)
endif()

# Appends to `out` every target defined in `dir` and the directories below it.
function(_vic_targets_below dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _vic_targets_below("${sub}" below)
    list(APPEND targets ${below})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Compiles the sanitizers' default options into every executable and takes the
# benchmarks out of `all`.
function(vic_apply_sanitizers)
  _vic_targets_below("${PROJECT_SOURCE_DIR}" targets)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "EXECUTABLE")
      continue()
    endif()
    target_sources(${target} PRIVATE "${PROJECT_SOURCE_DIR}/cmake/sanitizer_options.cpp")
    get_target_property(source_dir ${target} SOURCE_DIR)
    file(RELATIVE_PATH folder "${PROJECT_SOURCE_DIR}" "${source_dir}")
    if(folder MATCHES "^bench(/|$)")
      set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL ON)
    endif()
  endforeach()
endfunction()
