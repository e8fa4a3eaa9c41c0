#!/usr/bin/env bash
# Builds vic's fuzz build (build-fuzz/: clang-19, libFuzzer, AddressSanitizer,
# UndefinedBehaviorSanitizer) and runs each fuzz target for a bounded time, one
# after the other, on one core. See fuzz/README.md.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Default: 60 seconds each for frontend, data, cli and compile. Corpora grow in
# build-fuzz/corpus/<target>/ (git-ignored; seeded from examples/, tests/ and
# fuzz/seeds/ on the first run); crashes, hangs, leaks and sanitizer reports are
# saved in fuzz/crashes/<target>/; each run's log is build-fuzz/logs/<target>.log.
# Exit status 1 when any target found something.
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

# Seeds for an empty corpus: the repository's models, data and command lines.
seed_corpus() {
  local target=$1 corpus=$2
  case $target in
    frontend) cp examples/*/*.vmodel tests/e2e/models/*.vmodel tests/*/golden/*.vmodel "$corpus"/ ;;
    data) cp fuzz/seeds/data/*.json examples/*/data.json tests/e2e/models/*.json "$corpus"/ ;;
    cli) cp fuzz/seeds/cli/* "$corpus"/ ;;
    compile) ;;  # the generator makes a program of any bytes
  esac
}

# Per-input time limits (seconds): a fit or a JIT compile takes longer than a parse.
declare -A timeout=([frontend]=10 [data]=10 [cli]=30 [compile]=30)

mkdir -p build-fuzz/logs
found=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  crashes=fuzz/crashes/$t
  log=build-fuzz/logs/$t.log
  mkdir -p "$corpus" "$crashes"
  [ -z "$(ls -A "$corpus")" ] && seed_corpus "$t" "$corpus"
  options=(-max_total_time="$seconds" -timeout="${timeout[$t]}" -rss_limit_mb=4096
           -artifact_prefix="$crashes/" -print_final_stats=1)
  [ -f "fuzz/dictionaries/$t.dict" ] && options+=(-dict="fuzz/dictionaries/$t.dict")
  # vic's own output would drown libFuzzer's; crash reports still come through.
  [ "$t" = cli ] && options+=(-close_fd_mask=3)
  echo "== $t: ${seconds}s, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
  status=0
  UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/fuzz/fuzz_"$t" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
  # libFuzzer's last status line (executions, cov, ft, corpus, exec/s) and final stats.
  grep -E '^#[0-9]+ +(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true
  grep -E '^stat::' "$log" || true
  echo "corpus size: $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
  if [ $status -ne 0 ]; then
    found=1
    echo "$t: libFuzzer stopped with status $status; see $log and $crashes/:"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|vic fuzz: bug|.*runtime error|ALARM|artifact_prefix|Test unit written)' "$log" | head -8
  fi
done
exit $found
