#!/usr/bin/env bash
# README command 1: installs what is missing, builds vic and fits eight schools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh vic
./build/vic fit examples/eight_schools/model.vmodel --data examples/eight_schools/data.json \
  --seed 1 --output fit.csv --quiet --timings
