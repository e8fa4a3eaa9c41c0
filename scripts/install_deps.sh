#!/usr/bin/env bash
# Installs the Debian packages vic builds against, when any is missing.
# Idempotent and quiet when everything is already there; called by both README commands.
#   install_deps.sh           what building and running vic needs
#   install_deps.sh --tests   also GoogleTest and LLVM's FileCheck (the tests and benchmarks)
#   install_deps.sh --fuzz    also clang-19 with libFuzzer (scripts/fuzz.sh; optional)
set -euo pipefail

packages=(
  cmake ninja-build g++
  llvm-19-dev
  antlr4 libantlr4-runtime-dev uuid-dev  # the ANTLR runtime's CMake package links -luuid
  libboost-math-dev libboost-dev
  nlohmann-json3-dev libcli11-dev
  libpng-dev zlib1g-dev  # runtime/: PNG grids of images (libpng), gzipped IDX files such as MNIST's (zlib)
  libopenblas-dev  # BLAS and LAPACK (OpenBLAS bundles both) behind the Cholesky and triangular-solve kernels
)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(libgtest-dev llvm-19-tools) ;;  # llvm-19-tools: FileCheck for tests/ir/filecheck
    --fuzz) packages+=(libgtest-dev clang-19 libclang-rt-19-dev) ;;
    *) echo "install_deps.sh: unknown option '$arg' (--tests, --fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "vic: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
