#!/usr/bin/env bash
# Installs the Debian packages vic builds against, when any is missing.
# Idempotent and quiet when everything is already there; called by both README commands.
set -euo pipefail

packages=(
  cmake ninja-build g++
  llvm-19-dev
  antlr4 libantlr4-runtime-dev
  libboost-math-dev libboost-dev
  googletest
  nlohmann-json3-dev libcli11-dev
)

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
