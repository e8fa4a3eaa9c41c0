#!/usr/bin/env bash
# Installs what is missing and builds vic into build/ (Release, Ninja).
#   build.sh vic          only the vic binary (no GoogleTest needed)
#   build.sh --tests ...  with the tests and benchmarks (every target when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."
tests=OFF
if [ "${1:-}" = "--tests" ]; then
  tests=ON
  shift
fi
if [ $tests = ON ]; then bash scripts/install_deps.sh --tests; else bash scripts/install_deps.sh; fi
# Configure on the first build, and again when the tests are wanted but were left out.
if [ ! -f build/build.ninja ] || { [ $tests = ON ] && ! grep -q '^VIC_BUILD_TESTS:BOOL=ON' build/CMakeCache.txt; }; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIC_BUILD_TESTS=$tests >/dev/null
fi
ninja -C build --quiet "$@"
