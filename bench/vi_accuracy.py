#!/usr/bin/env python3
"""Scores the fits of bench/vi_accuracy.sh against posteriordb's reference posteriors and writes
the report (docs/vi-accuracy.md). Python's standard library only.

  vi_accuracy.py --work DIR --posteriordb DIR --out FILE --seeds "1 2 3" \
      --methods "vic-fullrank ... stan-advi-meanfield stan-pathfinder" [--command TEXT] -- POSTERIOR...

Each fit is WORK/runs/<posterior>/<method>/seed-<S>/ with run.txt (`exit N`, `wall_s X`), stdout,
stderr and fit.csv. Per fit: the worst |mean - ref mean| / ref sd over the reference quantities
(z), sd / ref sd, the Pareto k-hat of the draws' log importance ratios, the gradient evaluations
and the wall time. The first vic-* method is "vic's default".
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import re
import subprocess
import sys

INF = math.inf
NAN = math.nan

LABELS = {
    "vic-fullrank": "vic fullrank",
    "vic-meanfield": "vic meanfield",
    "vic-pathfinder": "vic Pathfinder (4 paths)",
    "vic-stan-meanfield": "vic stan-meanfield",
    "stan-advi-meanfield": "Stan ADVI meanfield",
    "stan-pathfinder": "Stan Pathfinder (4 paths)",
    "numpyro-meanfield": "NumPyro AutoNormal",
    "numpyro-fullrank": "NumPyro AutoMVN",
}
STAN_METHODS = ("stan-advi-meanfield", "stan-pathfinder")
# Methods whose CSV's first data row is the approximation's mean, not a draw.
MEAN_ROW = ("vic-fullrank", "vic-meanfield", "vic-stan-meanfield", "stan-advi-meanfield")
TIE = 0.02  # a worst z within this of Stan's best counts as no worse


# ---------------------------------------------------------------------------------------------
# PSIS k-hat: a port of runtime/psis.cpp (itself R's loo): Zhang and Stephens's generalized
# Pareto fit to the largest M = ceil(min(0.2 S, 3 sqrt(S))) ratios, with the weakly informative
# prior that pulls k towards 0.5 as if 10 more observations had k = 0.5. IEEE semantics are kept
# (C++ gives inf/nan where Python's math would raise).

def _log(x):
    if x != x or x < 0:
        return NAN
    return -INF if x == 0 else math.log(x)


def _log1p(x):
    if x != x or x < -1:
        return NAN
    return -INF if x == -1 else math.log1p(x)


def _div(a, b):
    if b == 0:
        if a != a or a == 0:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def _exp(x):
    if x != x:
        return NAN
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _log_sum_exp(xs):
    m = xs[0]
    for v in xs[1:]:  # std::max_element: keep the first largest, by operator<
        if m < v:
            m = v
    if not math.isfinite(m):
        return m
    return m + _log(sum(_exp(v - m) for v in xs))


def fit_generalized_pareto(x):
    """(k, sigma) of a generalized Pareto fitted to x, sorted ascending and positive."""
    n = len(x)
    prior = 3.0
    m = 30 + int(math.floor(math.sqrt(n)))
    first_quartile = x[int(math.floor(n / 4 + 0.5)) - 1]
    largest = x[n - 1]

    def mean_log1p(theta):
        return sum(_log1p(-theta * v) for v in x) / n

    theta = []
    log_lik = []
    for j in range(1, m + 1):
        t = _div(1.0, largest) + _div((1 - math.sqrt(m / (j - 0.5))) / prior, first_quartile)
        k = mean_log1p(t)
        theta.append(t)
        log_lik.append(n * (_log(_div(-t, k)) - k - 1))
    total = _log_sum_exp(log_lik)
    theta_hat = sum(t * _exp(ll - total) for t, ll in zip(theta, log_lik))
    k = mean_log1p(theta_hat)
    sigma = _div(-k, theta_hat)
    k = (n * k + 10 * 0.5) / (n + 10)
    if k != k:
        k = INF
    return k, sigma


def pareto_k_hat(log_ratios):
    s = len(log_ratios)
    if s == 0:
        return NAN
    lw = [-INF if v != v else v for v in log_ratios]
    mx = max(lw)
    if not math.isfinite(mx):
        return NAN
    lw = [v - mx for v in lw]
    tail = int(math.ceil(min(0.2 * s, 3 * math.sqrt(s))))
    lw.sort()
    if not (tail >= 5 and tail < s and math.isfinite(lw[s - tail - 1])):
        return NAN
    cutoff = lw[s - tail - 1]
    if lw[s - tail] == 0.0:
        return 0.0
    exp_cutoff = _exp(cutoff)
    exceedances = [_exp(v) - exp_cutoff for v in lw[s - tail:]]
    return fit_generalized_pareto(exceedances)[0]


# ---------------------------------------------------------------------------------------------
# Reading the fits.

def read_key_values(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 1)
                if len(parts) == 2 and parts[0]:
                    out.setdefault(parts[0], parts[1].strip())
    except OSError:
        pass
    return out


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def read_csv(path):
    """(header, rows of floats) of a Stan-style CSV, '#' lines skipped; None when unreadable."""
    try:
        f = open(path)
    except OSError:
        return None
    header, rows = None, []
    with f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if header is None:
                header = line.split(",")
                continue
            try:
                rows.append([float(v) for v in line.split(",")])
            except ValueError:
                return None
    if header is None:
        return None
    return header, [r for r in rows if len(r) == len(header)]


def csv_name(ref_name):
    """posteriordb's `Sigma[1,2]` -> the CSV column `Sigma.1.2`."""
    return ref_name.replace("[", ".").replace("]", "").replace(",", ".").replace(" ", "")


def mean_sd(values):
    n = len(values)
    mu = sum(values) / n
    if n < 2:
        return mu, NAN
    return mu, math.sqrt(sum((v - mu) ** 2 for v in values) / (n - 1))


def median(xs):
    xs = sorted(x for x in xs if x == x)
    if not xs:
        return NAN
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def score_run(method, run_dir, reference):
    """One fit: a dict with ok (draws to score), exit, wall, grads, z, sd_lo, sd_hi, khat, why."""
    info = read_key_values(os.path.join(run_dir, "run.txt"))
    r = {"ok": False, "exit": info.get("exit", "?"), "wall": NAN, "grads": NAN, "khat": NAN,
         "z": NAN, "sd_lo": NAN, "sd_hi": NAN, "why": info.get("note", "")}
    try:
        r["wall"] = float(info.get("wall_s", "nan"))
    except ValueError:
        pass
    out = read_text(os.path.join(run_dir, "stdout"))
    if method.startswith("vic-"):
        m = re.search(r"\bfit [0-9.]+ \((\d+) gradients", out)
        if m:
            r["grads"] = int(m.group(1))
        m = re.search(r"Pareto k-hat = (\S+):", out)
        if m:
            try:
                r["khat"] = float(m.group(1))
            except ValueError:
                pass
        exit_ok = r["exit"] in ("0", "3")
    elif method.startswith("stan-"):
        kv = read_key_values(os.path.join(run_dir, "stdout"))
        if "grad_evals" in kv:
            r["grads"] = int(kv["grad_evals"])
        exit_ok = r["exit"] == "0" and kv.get("rc", "0") == "0"
    else:  # numpyro: one gradient per SVI iteration (one particle)
        kv = read_key_values(os.path.join(run_dir, "stdout"))
        if "iterations" in kv:
            r["grads"] = int(float(kv["iterations"]))
        exit_ok = r["exit"] == "0"
    if not exit_ok:
        if not r["why"]:
            err = [l for l in read_text(os.path.join(run_dir, "stderr")).splitlines() if l.strip()]
            r["why"] = err[-1][:200] if err else f"exit {r['exit']}"
        return r
    csv = read_csv(os.path.join(run_dir, "fit.csv"))
    if csv is None:
        r["why"] = "no CSV"
        return r
    header, rows = csv
    if method in MEAN_ROW:
        rows = rows[1:]
    if len(rows) < 2:
        r["why"] = "no draws in the CSV"
        return r
    col = {name: i for i, name in enumerate(header)}
    zs, ratios = [], []
    for name, ref in reference.items():
        c = col.get(csv_name(name))
        if c is None:
            r["why"] = f"no column {csv_name(name)} in the CSV"
            return r
        mu, sd = mean_sd([row[c] for row in rows])
        zs.append(abs(mu - ref["mean"]) / ref["sd"])
        ratios.append(sd / ref["sd"])
    r["ok"] = True
    r["z"] = max(zs, key=lambda v: INF if v != v else v)
    if any(v != v for v in zs):
        r["z"] = INF
    r["sd_lo"], r["sd_hi"] = min(ratios), max(ratios)
    if method == "stan-advi-meanfield" and "log_p__" in col and "log_g__" in col:
        r["khat"] = pareto_k_hat([row[col["log_p__"]] - row[col["log_g__"]] for row in rows])
    elif method == "stan-pathfinder" and "lp__" in col and "lp_approx__" in col:
        r["khat"] = pareto_k_hat([row[col["lp__"]] - row[col["lp_approx__"]] for row in rows])
    if method == "stan-pathfinder":
        # Stan's own k-hat over the pooled draws of the paths, which it prints only above 0.7.
        m = re.search(r"Pareto k value \(([^)]*)\) is greater than 0\.7",
                      read_text(os.path.join(run_dir, "stderr")))
        if m:
            try:
                r["stan_k"] = float(m.group(1))
            except ValueError:
                pass
    return r


def aggregate(runs):
    """A method on a posterior over the seeds. complete: every seed wrote draws."""
    ok = [r for r in runs if r["ok"]]
    a = {"runs": runs, "n_ok": len(ok), "complete": bool(runs) and len(ok) == len(runs)}
    a["z"] = sum(r["z"] for r in ok) / len(ok) if ok else NAN
    a["sd_lo"] = min((r["sd_lo"] for r in ok), default=NAN)
    a["sd_hi"] = max((r["sd_hi"] for r in ok), default=NAN)
    a["khat"] = median([r["khat"] for r in ok])
    a["grads"] = median([r["grads"] for r in ok])
    a["wall"] = median([r["wall"] for r in ok])
    a["exits"] = [r["exit"] for r in runs]
    a["stan_k"] = [r["stan_k"] for r in ok if "stan_k" in r]
    a["timed_out"] = sum(r["exit"] in ("124", "137") for r in runs)
    return a


# ---------------------------------------------------------------------------------------------
# Formatting.

def fz(x):
    if x != x:
        return "nan"
    if x == INF:
        return "inf"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:.3g}"


def fk(x):
    return "-" if x != x else "inf" if x == INF else f"{x:.2f}"


def ftime(s):
    if s != s:
        return "-"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s" if s < 100 else f"{s:.0f} s"


def fgrads(g):
    return "-" if g != g else f"{g:.0f}"


def cell(a):
    if a is None:
        return "n/a"
    if a["n_ok"] == 0:
        bad = sorted(set(a["exits"]))
        return "**failed** (exit " + ", ".join(bad) + (", timed out" if a["timed_out"] else "") + ")"
    lines = [f"z {fz(a['z'])}", f"sd {fz(a['sd_lo'])}-{fz(a['sd_hi'])}", f"k {fk(a['khat'])}",
             f"{fgrads(a['grads'])} grad", ftime(a["wall"])]
    if a["stan_k"]:
        lines.insert(3, f"Stan's k {fk(median(a['stan_k']))} ({len(a['stan_k'])} of {len(a['runs'])})")
    nonzero = [e for e in a["exits"] if e != "0"]
    if not a["complete"]:
        lines.append(f"**{len(a['runs']) - a['n_ok']} of {len(a['runs'])} failed**")
    if nonzero:
        lines.append("exit " + ",".join(a["exits"]))
    return "<br>".join(lines)


def short(a):
    return (f"z {fz(a['z'])}, sd {fz(a['sd_lo'])}-{fz(a['sd_hi'])}, k-hat {fk(a['khat'])}, "
            f"{fgrads(a['grads'])} gradients, {ftime(a['wall'])}")


def sh(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model():
    text = read_text("/proc/cpuinfo")
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    cores = len(re.findall(r"^processor\s*:", text, re.M))
    name = m.group(1).strip() if m else "unknown CPU"
    return f"{name}, {cores} logical CPUs" if cores else name


def stan_build(work, model):
    """stanc + g++ seconds of the Stan build of a model file (vi_accuracy.sh's cache), or why not."""
    try:
        with open(model, "rb") as f:
            key = hashlib.sha1(f.read()).hexdigest()[:16]
    except OSError:
        return "-"
    d = os.path.join(work, "stan-models", key)
    if os.path.exists(os.path.join(d, "failed")):
        return "failed"
    kv = read_key_values(os.path.join(d, "build.txt"))
    try:
        return f"{float(kv['stanc_seconds']) + float(kv['cxx_seconds']):.1f} s"
    except (KeyError, ValueError):
        return "-"


def stan_version(work):
    d = os.path.join(work, "stan-models")
    try:
        for entry in sorted(os.listdir(d)):
            v = read_key_values(os.path.join(d, entry, "build.txt")).get("stan_version")
            if v:
                return v
    except OSError:
        pass
    return ""


# ---------------------------------------------------------------------------------------------

# The posteriors of the anchors' NumPyro table, in its column order, as posteriordb names them.
NUMPYRO_TABLE_POSTERIORS = ["eight_schools-eight_schools_noncentered", "kidiq-kidscore_momiq"]


def numpyro_quoted(anchors, results, default):
    """Lines quoting NumPyro's accuracy as ../shared/anchors/README.md measured it (its SVI
    AutoNormal and AutoMultivariateNormal rows "worst z; sd ratio" and "draws; whole command"), beside
    vic's default from this run, for when NumPyro could not run here."""
    path = os.path.join(anchors, "README.md")
    text = read_text(path)
    if not text:
        return []
    rows = {"worst z; sd ratio": [], "draws; whole command": []}
    # NumPyro's table is the first under the Python anchor's heading (Stan's comes before it).
    start = text.find("## python/")
    if start < 0:
        return [f"- NumPyro was not run, and {path} has no NumPyro table to quote."]
    for line in text[start:].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] in rows:
            rows[cells[0]].append(cells[1:3])
    z, times = rows["worst z; sd ratio"], rows["draws; whole command"]
    if len(z) < 2 or len(times) < 2:
        return [f"- NumPyro was not run, and {path} has no NumPyro table to quote."]
    out = ["- NumPyro was not run here (its anchor pins need Python >= 3.12; this machine has "
           f"{sys.version.split()[0]}). Quoted from the anchors' own measurement (`{path}`, seeds 1-3, "
           "worst z per seed; sd ratio range; the whole command) beside vic's default from this run:"]
    for k, post in enumerate(NUMPYRO_TABLE_POSTERIORS):
        v = results.get(post, {}).get(default)
        mine = f"vic's default: {short(v)}" if v else "vic's default: not run"
        out.append(f"  - {post}: NumPyro AutoNormal {z[0][k]}, {times[0][k].split(';')[-1].strip()}; "
                   f"AutoMVN {z[1][k]}, {times[1][k].split(';')[-1].strip()}; {mine}.")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", required=True)
    p.add_argument("--posteriordb", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seeds", default="1 2 3")
    p.add_argument("--methods", required=True)
    p.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p.add_argument("--vic", default="")
    p.add_argument("--command", default="bench/vi_accuracy.sh")
    p.add_argument("--seconds", type=float, help="how long the fits took, for the header")
    p.add_argument("--build-seconds", type=float, default=0.0, help="of it, Stan's builds")
    p.add_argument("--resumed", type=int, default=0, help="fits kept from an earlier run")
    p.add_argument("--note", action="append", default=[])
    p.add_argument("--anchors", default="", help="../shared/anchors, for NumPyro's figures when it was not run")
    p.add_argument("posteriors", nargs="+")
    args = p.parse_args()

    seeds = args.seeds.split()
    methods = args.methods.split()
    vic_methods = [m for m in methods if m.startswith("vic-")]
    default = vic_methods[0]
    stan = [m for m in methods if m in STAN_METHODS]

    # results[posterior][method] = aggregate, or None where the method has no such model.
    results = {}
    nquant = {}
    for post in args.posteriors:
        with open(os.path.join(args.posteriordb, post, "reference.json")) as f:
            reference = json.load(f)
        reference = {k: v for k, v in reference.items() if v["sd"] > 0}
        nquant[post] = len(reference)
        results[post] = {}
        for m in methods:
            mdir = os.path.join(args.work, "runs", post, m)
            if not os.path.isdir(mdir):
                results[post][m] = None
                continue
            runs = [score_run(m, os.path.join(mdir, f"seed-{s}"), reference) for s in seeds]
            results[post][m] = aggregate(runs)
    # Leave out a method no posterior has a run of (say, a report of fits made without it).
    methods = [m for m in methods if any(results[q][m] is not None for q in results)]
    stan = [m for m in stan if m in methods]

    commit = sh(["git", "-C", args.repo, "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = sh(["git", "--no-optional-locks", "-C", args.repo, "status", "--porcelain",
                "--untracked-files=no"])
    vic_version = sh([args.vic, "--version"]) if args.vic and os.access(args.vic, os.X_OK) else ""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    L = []
    L.append("# Variational inference accuracy: vic against Stan on posteriordb")
    L.append("")
    L.append("Written by `bench/vi_accuracy.py`; regenerate with the command below.")
    L.append("")
    L.append(f"- Commit: `{commit}`" + (" (with uncommitted changes in the working tree)" if dirty else ""))
    L.append(f"- Date: {now}")
    L.append(f"- CPU: {cpu_model()}")
    L.append(f"- Command: `{args.command}`")
    versions = [v for v in (vic_version, f"Stan {stan_version(args.work)}" if stan_version(args.work) else "")
                if v]
    if versions:
        L.append(f"- Versions: {', '.join(versions)}")
    took = ""
    if args.seconds is not None:
        took = f"; the run took {args.seconds:.0f} s, one fit at a time"
        if args.build_seconds:
            took += f", {args.build_seconds:.0f} s of it building Stan's models"
        if args.resumed:
            took += f" ({args.resumed} fits kept from an earlier run)"
    L.append(f"- Seeds: {' '.join(seeds)}; posteriors: {len(args.posteriors)}" + took)
    for n in args.note:
        L.append(f"- {n}")
    L.append("")
    L.append("Methods: " + "; ".join(f"**{LABELS.get(m, m)}**" + (" (vic's default)" if m == default else "")
                                     for m in methods) + ".")
    L.append("")
    L.append("Each cell sums up the seeds' fits:")
    L.append("")
    L.append("- **z**: the worst |mean - reference mean| / reference sd over the posterior's reference "
             "quantities (posteriordb's `reference.json`, from NUTS) in one fit, averaged over the seeds. "
             "**sd**: the range of sd / reference sd over the quantities and the seeds.")
    L.append("- **k**: the median Pareto k-hat of the draws' log importance ratios (below 0.5 good, "
             "above 0.7 far from the posterior). vic's as it prints it (for its Pathfinder: over the "
             "paths' pooled draws, before resampling); Stan's ADVI: `log_p__ - log_g__` over the "
             "draws; Stan's Pathfinder: `lp__ - lp_approx__` over its 1000 PSIS-resampled draws, a "
             "rough figure, as the resampled draws repeat (0 or inf can come from the repeats alone); "
             "\"Stan's k\": the k-hat Stan itself computes over the pooled draws, which it prints only "
             "above 0.7 (median over the seeds where it did). Stan's figures come from a port of "
             "`runtime/psis.cpp`. NumPyro's CSV has no log densities.")
    L.append("- **grad**: the median gradient evaluations (vic: `--timings`; Stan: `grad_evals`; "
             "NumPyro: SVI iterations, one particle each). **time**: the median wall time of the "
             "command, timed from outside: process start, data, vic's JIT compilation, NumPyro's "
             "imports and XLA compile and the CSV included; Stan's C++ build is not (its own column).")
    L.append("- **failed**: no draws (an error exit or Stan's rc 70, no CSV, or no draw in it). vic's exit 3 "
             "(draws written, the fit not to be trusted) counts as completed; non-zero exits are listed "
             "per seed.")
    L.append("")
    build = " Stan build |" if stan else ""
    L.append("| posterior | quantities |" + build + " " + " | ".join(LABELS.get(m, m) for m in methods) + " |")
    L.append("| --- | ---: |" + (" ---: |" if stan else "") + " " + " | ".join("---" for _ in methods) + " |")
    for post in args.posteriors:
        b = f" {stan_build(args.work, os.path.join(args.repo, 'examples', 'posteriordb', post + '.vmodel'))} |" if stan else ""
        L.append(f"| {post} | {nquant[post]} |{b} " + " | ".join(cell(results[post][m]) for m in methods) + " |")
    L.append("")

    # Summary.
    S = []
    compared = 0
    no_worse = 0
    stan_failed = 0
    worse = []
    for post in args.posteriors:
        v = results[post][default]
        if not stan:
            break
        compared += 1
        done = [(results[post][m]["z"], m) for m in stan
                if results[post][m] is not None and results[post][m]["complete"]]
        best = min(done) if done else None
        if v is None or not v["complete"]:
            worse.append((post, v, best, "vic's default failed"))
        elif best is None or v["z"] <= best[0] + TIE:
            no_worse += 1
            stan_failed += best is None
        else:
            worse.append((post, v, best, ""))
    S.append("## Summary")
    S.append("")
    if stan:
        S.append(f"- vic's default ({LABELS.get(default, default)}) has a worst z no worse than the better of "
                 f"{' and '.join(LABELS[m] for m in stan)} (the lower averaged worst z; within "
                 f"{TIE} counts as a tie) on **{no_worse} of {compared}** posteriors"
                 + (f" ({stan_failed} of them where Stan's methods all failed)" if stan_failed else "")
                 + ". A method that failed on any seed counts as failed on the posterior.")
    else:
        S.append("- Stan's methods were not run: no comparison with Stan.")

    def average_line(posts, ms, what):
        if not posts:
            return f"- Average worst z over {what}: none."
        parts = []
        for m in ms:
            avg = sum(results[q][m]["z"] for q in posts) / len(posts)
            parts.append(f"{LABELS.get(m, m)} {fz(avg)}")
        return f"- Average worst z over {what} ({len(posts)}): " + "; ".join(parts) + "."

    core = [m for m in methods if not m.startswith("numpyro-")]
    common = [q for q in args.posteriors
              if all(results[q][m] is not None and results[q][m]["complete"] for m in core)]
    S.append(average_line(common, core, "the posteriors where every method in the table"
                          + (" but NumPyro's" if any(m.startswith("numpyro-") for m in methods) else "")
                          + " completed every seed"))
    npy = [m for m in methods if m.startswith("numpyro-")]
    if npy:
        posts = [q for q in args.posteriors
                 if all(results[q][m] is not None and results[q][m]["complete"] for m in methods)]
        S.append(average_line(posts, methods, "the posteriors NumPyro has, where every method completed every seed"))
    if not npy and args.anchors:
        S.extend(numpyro_quoted(args.anchors, results, default))
    failed = [(q, m) for q in args.posteriors for m in methods
              if results[q][m] is not None and not results[q][m]["complete"]]
    if failed:
        S.append("- Failed runs: " + "; ".join(
            f"{q} {LABELS.get(m, m)} ({len(results[q][m]['runs']) - results[q][m]['n_ok']} of "
            f"{len(results[q][m]['runs'])}: {next(r['why'] for r in results[q][m]['runs'] if not r['ok'])})"
            for q, m in failed) + ".")
    if stan:
        if worse:
            S.append(f"- Where vic's default is worse than Stan's better method ({len(worse)}):")
            for post, v, best, why in worse:
                vs = (f"Stan's better: {LABELS[best[1]]}, {short(results[post][best[1]])}" if best
                      else "Stan failed too")
                if why:
                    S.append(f"  - {post}: {why}; {vs}.")
                else:
                    S.append(f"  - {post}: {short(v)}; {vs}.")
        else:
            S.append("- vic's default is worse than Stan's better method on none of them.")
    S.append("")

    text = "\n".join(L + S)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print("\n".join(S).rstrip())
    print(f"report written to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
