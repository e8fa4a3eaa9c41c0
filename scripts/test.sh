#!/usr/bin/env bash
# README command 2: installs what is missing, builds vic and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --tests
cd build
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
