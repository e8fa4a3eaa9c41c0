#!/usr/bin/env bash
# One line per posteriordb posterior: does vic's model of it compile, pass `vic gradcheck` and fit
# it with the default algorithm, how long that takes and how close it gets.
#
#   bench/posteriordb_report.sh [--out FILE]
#
# For every examples/posteriordb/*.vmodel whose posterior has data.json and reference.json in
# POSTERIORDB/<posterior>/, runs `vic gradcheck` on the data (seed 1; its table gives the
# dimension; where it fails, again with --epsilon 1e-4) and `vic fit` with the default algorithm at
# seed 1 with --timings, one command at a time. bench/posteriordb_report.py then scores the draws
# against reference.json with bench/vi_accuracy.py's scoring (worst |mean - reference mean| /
# reference sd) and writes docs/posteriordb.md; posteriors of POSTERIORDB without a model are
# listed as failures.
#
# Options:
#   --out FILE     the report (default: docs/posteriordb.md in the repository)
#   -h, --help     this text
# Environment:
#   VIC          the vic binary (default: build/vic in the repository)
#   POSTERIORDB  data and references (default ../shared/posteriordb beside the repository)
#   WORK         where the runs go (default ${TMPDIR:-/tmp}/vic-posteriordb-report)
#   FIT_TIMEOUT  seconds a command may run before it is stopped and counted as failed (default 600)
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
invoked_from=$PWD
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

report=$root/docs/posteriordb.md
args_given=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || { echo "posteriordb_report.sh: --out needs a file" >&2; exit 2; }
           report=$2; shift ;;
    --out=*) report=${1#--out=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "posteriordb_report.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

abspath() { (cd "$invoked_from" && realpath -m -- "$1"); }
if [ -n "${VIC:-}" ]; then vic=$(abspath "$VIC"); else vic=$root/build/vic; fi
report=$(abspath "$report")
pdb=$(abspath "${POSTERIORDB:-$root/../shared/posteriordb}")
work=$(abspath "${WORK:-${TMPDIR:-/tmp}/vic-posteriordb-report}")
fit_timeout=${FIT_TIMEOUT:-600}
models_dir=$root/examples/posteriordb
[ -x "$vic" ] || { echo "posteriordb_report.sh: no vic binary at $vic (build it, or set VIC)" >&2; exit 1; }
[ -d "$pdb" ] || { echo "posteriordb_report.sh: no posteriordb at $pdb (set POSTERIORDB)" >&2; exit 1; }

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'; }

# Runs a command in DIR with stdout, stderr and run.txt (exit status, wall seconds) there.
run_in() {
  local dir=$1 t0 rc=0
  shift
  rm -rf "$dir"; mkdir -p "$dir"
  t0=$(now)
  (cd "$dir" && exec timeout --kill-after=10 "$fit_timeout" "$@") >"$dir/stdout" 2>"$dir/stderr" </dev/null || rc=$?
  printf 'exit %s\nwall_s %s\ncommand %s\n' "$rc" "$(elapsed "$t0" "$(now)")" "$*" >"$dir/run.txt"
  echo "$rc"
}

load_before=$(cut -d' ' -f1 /proc/loadavg)
posteriors=()
for model in "$models_dir"/*.vmodel; do
  p=$(basename "$model" .vmodel)
  if [ ! -f "$pdb/$p/data.json" ] || [ ! -f "$pdb/$p/reference.json" ]; then
    echo "$p: no data or reference in $pdb, left out"
    continue
  fi
  posteriors+=("$p")
  data=$pdb/$p/data.json
  g=$(run_in "$work/$p/gradcheck" "$vic" gradcheck "$model" --data "$data" --seed 1)
  # Where |lp| is large, round-off in the central differences alone can pass the threshold at
  # Stan's step 1e-6; the same check with a larger step tells that from a wrong gradient.
  rm -rf "$work/$p/gradcheck-1e-4"
  [ "$g" = 0 ] || run_in "$work/$p/gradcheck-1e-4" "$vic" gradcheck "$model" --data "$data" --seed 1 --epsilon 1e-4 >/dev/null
  f=$(run_in "$work/$p/fit" "$vic" fit "$model" --data "$data" --seed 1 --output fit.csv --timings --quiet)
  echo "$p: gradcheck exit $g, fit exit $f"
done
load_after=$(cut -d' ' -f1 /proc/loadavg)

cmdline="bench/posteriordb_report.sh"
for a in "${args_given[@]}"; do cmdline+=" $a"; done
python3 "$root/bench/posteriordb_report.py" --work "$work" --posteriordb "$pdb" --out "$report" \
  --vic "$vic" --command "$cmdline" --load "$load_before" --load "$load_after" -- "${posteriors[@]}"
