#!/usr/bin/env bash
# Accuracy of vic's variational algorithms against Stan's (and NumPyro's) on posteriordb posteriors.
#
#   bench/vi_accuracy.sh [OPTIONS] [POSTERIOR...]
#
# For every examples/posteriordb/*.vmodel (or the posteriors named: `kidiq-kidscore_momiq`, with or
# without `.vmodel` or a directory) and every seed, fits the posterior with
#   - vic, each algorithm of VIC_ALGORITHMS (the first is "vic's default" in the report);
#   - Stan 2.39's mean-field ADVI and its multi-path Pathfinder (4 paths, PSIS-resampled), through
#     the Stan anchor (../shared/anchors/stan), the .vmodel built unchanged as a .stan file;
#   - NumPyro SVI, AutoNormal and AutoMultivariateNormal, through the Python anchor
#     (../shared/anchors/python), for the two posteriors it has (eight schools, kidiq momiq);
# one fit at a time, each timed from outside (wall seconds, process start included). Then
# bench/vi_accuracy.py scores the draws against posteriordb's reference posteriors and writes
# docs/vi-accuracy.md. An anchor that is not set up is skipped with a one-line message; nothing
# is installed unless --setup is given.
#
# Options:
#   --setup        run the anchors' setup.sh scripts first (Stan: httpstan from PyPI and the
#                  driver, about a minute; Python: NumPyro/PyMC from PyPI, a few minutes)
#   --no-stan      leave out Stan's methods
#   --no-numpyro   leave out NumPyro's methods
#   --resume       keep the fits an earlier run left in WORK; run only those missing
#   --report-only  fit nothing: score the fits already in WORK and write the report
#   --out FILE     the report (default: docs/vi-accuracy.md in the repository)
#   -h, --help     this text
# Environment:
#   VIC             the vic binary (default: build/vic in the repository)
#   SEEDS           seeds (default "1 2 3")
#   VIC_ALGORITHMS  vic's algorithms (default "fullrank stan-meanfield pathfinder")
#   FIT_TIMEOUT     seconds a fit may run before it is stopped and counted as failed (default 900)
#   WORK            where the fits, logs and Stan builds go (default ${TMPDIR:-/tmp}/vic-vi-accuracy);
#                   Stan models are built once, cached there by the model file's hash
#   POSTERIORDB     data and references (default ../shared/posteriordb beside the repository)
#   ANCHORS         the anchors (default ../shared/anchors beside the repository)
#   VIC_ANCHORS_HOME  where the anchors' set-ups live (default ~/.cache/vic-anchors)
#   NUMPYRO_PYTHON  the Python that runs NumPyro's fits, in place of the anchor's set-up
#                   ($VIC_ANCHORS_HOME/py-venv, whose pins need Python >= 3.12); not checked against
#                   the pins: the report names the NumPyro, JAX and Python versions it has
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
invoked_from=$PWD
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

setup=0 use_stan=1 use_numpyro=1 resume=0 report_only=0
report=$root/docs/vi-accuracy.md
posteriors=()
args_given=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --setup) setup=1 ;;
    --no-stan) use_stan=0 ;;
    --no-numpyro) use_numpyro=0 ;;
    --resume) resume=1 ;;
    --report-only) report_only=1 ;;
    --out) [ $# -ge 2 ] || { echo "vi_accuracy.sh: --out needs a file" >&2; exit 2; }
           report=$2; shift ;;
    --out=*) report=${1#--out=} ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "vi_accuracy.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) p=$(basename "$1"); posteriors+=("${p%.vmodel}") ;;
  esac
  shift
done

abspath() { (cd "$invoked_from" && realpath -m -- "$1"); }
if [ -n "${VIC:-}" ]; then vic=$(abspath "$VIC"); else vic=$root/build/vic; fi
report=$(abspath "$report")
seeds=${SEEDS:-1 2 3}
fit_timeout=${FIT_TIMEOUT:-900}
if ! [[ $fit_timeout =~ ^[0-9]+$ ]] || [ "$fit_timeout" -eq 0 ]; then
  echo "vi_accuracy.sh: FIT_TIMEOUT must be a positive number of seconds" >&2; exit 2
fi
read -r -a vic_algorithms <<<"${VIC_ALGORITHMS:-fullrank stan-meanfield pathfinder}"
work=$(abspath "${WORK:-${TMPDIR:-/tmp}/vic-vi-accuracy}")
pdb=$(abspath "${POSTERIORDB:-$root/../shared/posteriordb}")
anchors=$(abspath "${ANCHORS:-$root/../shared/anchors}")
anchors_home=${VIC_ANCHORS_HOME:-$HOME/.cache/vic-anchors}
models_dir=$root/examples/posteriordb

[ ${#vic_algorithms[@]} -gt 0 ] || { echo "vi_accuracy.sh: VIC_ALGORITHMS is empty" >&2; exit 2; }
for a in "${vic_algorithms[@]}"; do
  case $a in fullrank|meanfield|pathfinder|stan-meanfield) ;;
    *) echo "vi_accuracy.sh: unknown vic algorithm '$a' in VIC_ALGORITHMS" >&2; exit 2 ;; esac
done
for s in $seeds; do
  [[ $s =~ ^[0-9]+$ ]] || { echo "vi_accuracy.sh: SEEDS must be integers, not '$s'" >&2; exit 2; }
done
[ -n "${seeds// /}" ] || { echo "vi_accuracy.sh: SEEDS is empty" >&2; exit 2; }

if [ ${#posteriors[@]} -eq 0 ]; then
  for f in "$models_dir"/*.vmodel; do p=$(basename "$f"); posteriors+=("${p%.vmodel}"); done
fi
for p in "${posteriors[@]}"; do
  [ -f "$models_dir/$p.vmodel" ] || { echo "vi_accuracy.sh: no model $models_dir/$p.vmodel" >&2; exit 2; }
  for f in data.json reference.json; do
    [ -f "$pdb/$p/$f" ] || { echo "vi_accuracy.sh: no $pdb/$p/$f" >&2; exit 2; }
  done
done
if [ $report_only -eq 0 ] && [ ! -x "$vic" ]; then
  echo "vi_accuracy.sh: no vic binary at $vic (build it, or set VIC)" >&2; exit 1
fi

# The NumPyro anchor's name for a posterior, or nothing where it lacks the model.
numpyro_model() {
  case $1 in
    eight_schools-eight_schools_noncentered) echo eight_schools ;;
    kidiq-kidscore_momiq) echo kidiq ;;
  esac
}

has_numpyro_model=0
for p in "${posteriors[@]}"; do [ -z "$(numpyro_model "$p")" ] || has_numpyro_model=1; done
[ $has_numpyro_model -eq 1 ] || use_numpyro=0   # none of the posteriors asked for is NumPyro's

if [ $setup -eq 1 ] && [ $report_only -eq 0 ]; then
  if [ $use_stan -eq 1 ]; then echo "setting up the Stan anchor ..."; bash "$anchors/stan/setup.sh"; fi
  if [ $use_numpyro -eq 1 ]; then echo "setting up the Python anchor ..."; bash "$anchors/python/setup.sh"; fi
fi

# Which anchors are there. Each check runs in a subshell: common.sh sets variables of its own.
# (--report-only checks nothing: the report shows whichever methods WORK has fits of.)
notes=()
# shellcheck source=/dev/null
if [ $use_stan -eq 1 ] && [ $report_only -eq 0 ]; then
  if [ ! -f "$anchors/stan/common.sh" ]; then
    use_stan=0; notes+=("Stan: skipped, no anchor at $anchors/stan")
  elif ! (export VIC_ANCHORS_HOME="$anchors_home"; . "$anchors/stan/common.sh"; stan_home >/dev/null); then
    use_stan=0; notes+=("Stan: skipped, not set up (run with --setup, or $anchors/stan/setup.sh)")
  fi
fi
numpyro_python=$anchors_home/py-venv/bin/python
if [ -n "${NUMPYRO_PYTHON:-}" ]; then   # a relative path as from where the script was started
  numpyro_python=$NUMPYRO_PYTHON
  [[ $numpyro_python != */* || $numpyro_python == /* ]] || numpyro_python=$invoked_from/$numpyro_python
fi
if [ $use_numpyro -eq 1 ] && [ $report_only -eq 0 ]; then
  if [ ! -f "$anchors/python/numpyro_run.py" ]; then
    use_numpyro=0; notes+=("NumPyro: skipped, no anchor at $anchors/python")
  elif [ -n "${NUMPYRO_PYTHON:-}" ]; then
    if v=$("$numpyro_python" -c 'import jax, numpyro, platform
print(f"NumPyro {numpyro.__version__}, JAX {jax.__version__} on Python {platform.python_version()}")' 2>/dev/null)
    then
      pin=$(sed -n 's/^jax==//p' "$anchors/python/requirements.txt" 2>/dev/null || true)
      notes+=("$v (NUMPYRO_PYTHON; the anchor pins JAX ${pin:-?} on Python >= 3.12)")
    else
      use_numpyro=0; notes+=("NumPyro: skipped, NUMPYRO_PYTHON ($NUMPYRO_PYTHON) cannot import jax and numpyro")
    fi
  elif [ ! -x "$numpyro_python" ] || [ ! -f "$anchors_home/py-venv/requirements.installed" ]; then
    use_numpyro=0; notes+=("NumPyro: skipped, not set up (run with --setup, or $anchors/python/setup.sh)")
  fi
fi
for n in "${notes[@]}"; do echo "$n"; done

methods=()
for a in "${vic_algorithms[@]}"; do methods+=("vic-$a"); done
[ $use_stan -eq 1 ] && methods+=(stan-advi-meanfield stan-pathfinder)
[ $use_numpyro -eq 1 ] && methods+=(numpyro-meanfield numpyro-fullrank)

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'; }

# Builds the Stan program of a posterior once per model file (the nes posteriors share one) and
# prints the directory holding its harness; fails when stanc or g++ does (the log stays there).
stan_build() {
  local p=$1 model key dir tmp
  model=$models_dir/$p.vmodel
  key=$(sha1sum "$model" | cut -c1-16)
  dir=$work/stan-models/$key
  if [ -x "$dir/harness" ]; then echo "$dir"; return 0; fi   # a failed build is tried again
  mkdir -p "$work/stan-models"
  tmp=$dir.tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  cp "$model" "$tmp/model.stan"
  echo "  building $p.vmodel with Stan (stanc + g++) ..." >&2
  local t0 ok=0
  t0=$(now)
  VIC_ANCHORS_HOME="$anchors_home" bash "$anchors/stan/build.sh" "$tmp/model.stan" "$pdb/$p/data.json" "$tmp" \
    >"$tmp/build.txt" 2>"$tmp/build.log" || ok=$?
  elapsed "$t0" "$(now)" >>"$build_times"
  if [ $ok -eq 0 ]; then
    rm -rf "$dir"; mv "$tmp" "$dir"
    echo "$dir"
  else
    touch "$tmp/failed"; rm -rf "$dir"; mv "$tmp" "$dir"
    echo "  Stan could not build $p.vmodel: see $dir/build.log" >&2
    return 1
  fi
}

total=0
for p in "${posteriors[@]}"; do
  for m in "${methods[@]}"; do
    case $m in numpyro-*) [ -n "$(numpyro_model "$p")" ] || continue ;; esac
    for s in $seeds; do total=$((total + 1)); done
  done
done

t_start=$(now)
build_times=$work/.build-seconds   # the seconds of each Stan build this run made
if [ $report_only -eq 0 ]; then
  mkdir -p "$work/runs"
  : >"$build_times"
  kept=0
  echo "vic: $vic ($("$vic" --version 2>/dev/null || echo "version unknown"))"
  echo "$total fits, one at a time; outputs in $work"
  i=0
  for p in "${posteriors[@]}"; do
    data=$pdb/$p/data.json
    stan_dir='' stan_failed=0
    for m in "${methods[@]}"; do
      np=
      case $m in numpyro-*) np=$(numpyro_model "$p"); [ -n "$np" ] || continue ;; esac
      if [[ $m == stan-* ]] && [ -z "$stan_dir" ] && [ $stan_failed -eq 0 ]; then
        stan_dir=$(stan_build "$p") || stan_failed=1
      fi
      for s in $seeds; do
        i=$((i + 1))
        dir=$work/runs/$p/$m/seed-$s
        if [ $resume -eq 1 ] && [ -f "$dir/run.txt" ]; then kept=$((kept + 1)); continue; fi
        rm -rf "$dir"; mkdir -p "$dir"
        csv=$dir/fit.csv
        case $m in
          vic-*) cmd=("$vic" fit "$models_dir/$p.vmodel" --data "$data" --algorithm "${m#vic-}"
                      --seed "$s" --output "$csv" --timings --quiet) ;;
          stan-advi-meanfield) cmd=("$stan_dir/harness" "$data" advi meanfield "$s" "$csv") ;;
          stan-pathfinder) cmd=("$stan_dir/harness" "$data" pathfinder "$s" "$csv" 4) ;;
          numpyro-*) cmd=("$numpyro_python" "$anchors/python/numpyro_run.py" "$np" --method "${m#numpyro-}"
                          --data "$data" --seed "$s" --out "$csv" --no-grad --quiet) ;;
        esac
        if [[ $m == stan-* ]] && [ $stan_failed -eq 1 ]; then
          printf 'exit build-failed\nwall_s 0\nnote Stan could not build the model\n' >"$dir/run.txt"
          echo "[$i/$total] $p $m seed $s: Stan build failed"
          continue
        fi
        t0=$(now)
        rc=0
        (cd "$dir" && exec timeout --kill-after=10 "$fit_timeout" "${cmd[@]}") \
          >"$dir/stdout" 2>"$dir/stderr" </dev/null || rc=$?
        t1=$(now)
        wall=$(elapsed "$t0" "$t1")
        printf 'exit %s\nwall_s %s\ncommand %s\n' "$rc" "$wall" "${cmd[*]}" >"$dir/run.txt"
        note=
        case $rc in 124|137) note=" (timed out after $fit_timeout s)"
                             echo "note timed out after $fit_timeout s" >>"$dir/run.txt" ;; esac
        printf '[%d/%d] %s %s seed %s: exit %s, %s s%s\n' "$i" "$total" "$p" "$m" "$s" "$rc" "$wall" "$note"
      done
    done
  done
  [ $kept -eq 0 ] || echo "kept $kept fits of an earlier run (--resume)"
fi
t_end=$(now)

# The command as given, with the settings that differ from the defaults.
cmdline="bench/vi_accuracy.sh"
for a in "${args_given[@]}"; do cmdline+=" $a"; done
envs=
[ "${SEEDS:-1 2 3}" != "1 2 3" ] && envs+="SEEDS=\"$SEEDS\" "
[ "${VIC_ALGORITHMS:-fullrank stan-meanfield pathfinder}" != "fullrank stan-meanfield pathfinder" ] &&
  envs+="VIC_ALGORITHMS=\"$VIC_ALGORITHMS\" "
[ "$fit_timeout" != 900 ] && envs+="FIT_TIMEOUT=$fit_timeout "
[ -n "${NUMPYRO_PYTHON:-}" ] && envs+="NUMPYRO_PYTHON=${NUMPYRO_PYTHON/#$HOME/\~} "
cmdline=$envs$cmdline

note_args=()
for n in "${notes[@]}"; do note_args+=(--note "$n"); done
seconds_arg=()
if [ $report_only -eq 0 ]; then
  seconds_arg=(--seconds "$(elapsed "$t_start" "$t_end")"
               --build-seconds "$(awk '{ s += $1 } END { printf "%.1f", s }' "$build_times")")
  [ $resume -eq 0 ] || seconds_arg+=(--resumed "$kept")
fi
python3 "$root/bench/vi_accuracy.py" --work "$work" --posteriordb "$pdb" --out "$report" --anchors "$anchors" \
  --repo "$root" --vic "$vic" --seeds "$seeds" --methods "${methods[*]}" --command "$cmdline" \
  "${seconds_arg[@]}" "${note_args[@]}" -- "${posteriors[@]}"
