#!/usr/bin/env bash
# The compiled ELBO against the loop of lp_grad calls it replaces, on every posteriordb posterior
# vic compiles (examples/posteriordb) and the examples.
#
#   bench/elbo_bench.sh [DRAWS]
#
# Runs build/bench/elbo_bench (built with the project: `ninja -C build elbo_bench`) on each model
# with DRAWS draws per gradient estimate (default 4, vic's VI setting) and prints one markdown
# table: per model and family, nanoseconds per estimate by the loop and by the compiled ELBO,
# their ratio (above 1: the compiled ELBO is faster), and the compile time the ELBO adds.
# Nothing else should run meanwhile: the timings are wall-clock medians.
# Environment: POSTERIORDB (default ../shared/posteriordb beside the repository).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$root/build/bench/elbo_bench
posteriordb=${POSTERIORDB:-$root/../shared/posteriordb}
draws=${1:-4}
if [ ! -x "$bench" ]; then
  echo "elbo_bench.sh: $bench is missing; build it with: ninja -C build elbo_bench" >&2
  exit 1
fi

echo "Compiled ELBO vs a loop of lp_grad calls, $draws draws per estimate (commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "| model | family | dim | loop ns | compiled ns | loop / compiled | compile +ms |"
echo "|---|---|---|---|---|---|---|"
run() {
  local name=$1 model=$2 data=$3
  "$bench" "$model" "$data" "$draws" 2>/dev/null | awk -v name="$name" 'NR > 1 {
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, $1, $2, $3, $4, $5, $7 }' ||
    echo "| $name | (failed) | | | | | |"
}
for dir in "$root"/examples/*/; do
  [ -f "$dir/model.vmodel" ] || continue   # examples/posteriordb holds models, not one example
  name=$(basename "$dir")
  run "$name" "$dir/model.vmodel" "$dir/data.json"
done
for model in "$root"/examples/posteriordb/*.vmodel; do
  name=$(basename "$model" .vmodel)
  [ -f "$posteriordb/$name/data.json" ] || continue
  run "$name" "$model" "$posteriordb/$name/data.json"
done
