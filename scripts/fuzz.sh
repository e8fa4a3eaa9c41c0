#!/usr/bin/env bash
# Builds vic's fuzz build (build-fuzz/: clang-19, libFuzzer, AddressSanitizer,
# UndefinedBehaviorSanitizer) and runs each fuzz target for a bounded time, one
# after the other, on one core. See fuzz/README.md.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Default: 60 seconds each for frontend, data, cli and compile. Corpora grow in
# build-fuzz/corpus/<target>/ (git-ignored; seeded from examples/, tests/ and
# fuzz/seeds/ on the first run). libFuzzer runs in fork mode with one job, so a
# crash does not end the run: crashes, hangs, leaks and sanitizer reports are
# saved in fuzz/crashes/<target>/ and listed at the end, each with the first
# line of its report, from running it again. Each run's log is
# build-fuzz/logs/<target>.log. Exit status 1 when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(frontend data cli compile)
seconds=${1:-60}
[ $# -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a positive whole number, not '$seconds'" >&2
  exit 2
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " =~ " $t " ]]; then
    echo "fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done

bash scripts/install_deps.sh --fuzz
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-19 \
    -DVIC_FUZZ=ON -DVIC_BUILD_TESTS=OFF >/dev/null
fi
ninja -C build-fuzz --quiet $(printf 'fuzz_%s ' "${targets[@]}")

# Seeds for an empty corpus: the repository's models, data and command lines,
# each named after its path (examples_garch_model.vmodel).
seed_corpus() {
  local target=$1 corpus=$2 files=()
  case $target in
    frontend) files=(examples/*/*.vmodel tests/e2e/models/*.vmodel tests/*/golden/*.vmodel) ;;
    data) files=(fuzz/seeds/data/*.json examples/*/data.json tests/e2e/models/*.json tests/ir/golden/*.json) ;;
    cli) files=(fuzz/seeds/cli/*) ;;
    compile)
      # The generator makes a program of any bytes; long ones make big programs.
      for i in $(seq 1 32); do head -c $((512 + 112 * i)) /dev/urandom >"$corpus/random_$i"; done ;;
  esac
  for f in "${files[@]}"; do cp "$f" "$corpus/${f//\//_}"; done
}

# Per-input time limits (seconds): a fit or a JIT compile takes longer than a parse.
declare -A timeout=([frontend]=10 [data]=10 [cli]=30 [compile]=30)

# The first line that says what went wrong in a crash report.
crash_summary() {
  grep -m1 -E 'internal error|vic fuzz: bug|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|terminate called' \
    | cut -c1-200
}

mkdir -p build-fuzz/logs
found=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  crashes=fuzz/crashes/$t
  log=build-fuzz/logs/$t.log
  mkdir -p "$corpus" "$crashes"
  [ -z "$(ls -A "$corpus")" ] && seed_corpus "$t" "$corpus"
  before=$(ls "$crashes" | wc -l)
  options=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
           -max_total_time="$seconds" -timeout="${timeout[$t]}" -rss_limit_mb=4096
           -artifact_prefix="$crashes/" -print_final_stats=1)
  [ -f "fuzz/dictionaries/$t.dict" ] && options+=(-dict="fuzz/dictionaries/$t.dict")
  # vic's own output would drown libFuzzer's; crash reports still come through.
  [ "$t" = cli ] && options+=(-close_fd_mask=3)
  # Short inputs exhaust the generator's choices early: allow long ones from the start.
  [ "$t" = compile ] && options+=(-len_control=0 -max_len=4096)
  echo "== $t: ${seconds}s, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
  UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/fuzz/fuzz_"$t" "${options[@]}" "$corpus" >"$log" 2>&1 || true
  # libFuzzer's last status line: executions, cov, ft, corpus, exec/s, crashes.
  grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true
  echo "corpus size: $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
  if [ "$(ls "$crashes" | wc -l)" -gt "$before" ]; then
    found=1
    echo "$t: $(( $(ls "$crashes" | wc -l) - before )) new in $crashes/ (first line of each report):"
    for f in $(ls -t "$crashes" | head -n $(( $(ls "$crashes" | wc -l) - before ))); do
      echo "  $f: $(timeout 60 build-fuzz/fuzz/fuzz_"$t" "$crashes/$f" 2>&1 | crash_summary)"
    done
  fi
done
exit $found
