#!/usr/bin/env bash
# Installs what is missing and builds vic into build/ (Release, Ninja).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C build --quiet "$@"
