#!/usr/bin/env bash
# The sanitizer build: configures build-asan/ with ASan and UBSan
# (-DVIC_SANITIZE=address,undefined; see cmake/Sanitizers.cmake for what is
# instrumented and why), builds it (the benchmarks are left out) and runs every
# test under the sanitizers. A finding fails its test (exit status 70).
#   test_sanitized.sh [ctest options...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh --tests
# Configure on the first run, and again when build-asan/ was configured otherwise.
if [ ! -f build-asan/build.ninja ] || ! grep -q '^VIC_SANITIZE:STRING=address,undefined$' build-asan/CMakeCache.txt \
  || ! grep -q '^VIC_BUILD_TESTS:BOOL=ON$' build-asan/CMakeCache.txt; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIC_BUILD_TESTS=ON \
    -DVIC_SANITIZE=address,undefined >/dev/null
fi
ninja -C build-asan --quiet
cd build-asan
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
