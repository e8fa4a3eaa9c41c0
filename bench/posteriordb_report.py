#!/usr/bin/env python3
"""Scores the runs of bench/posteriordb_report.sh and writes docs/posteriordb.md. Python's standard
library only; the scoring (worst |mean - ref mean| / ref sd over reference.json) is
bench/vi_accuracy.py's, imported.

  posteriordb_report.py --work DIR --posteriordb DIR --out FILE [--vic BIN] [--command TEXT]
      [--load X --load Y] -- POSTERIOR...

Each posterior has WORK/<posterior>/gradcheck/ and WORK/<posterior>/fit/, each with run.txt
(`exit N`, `wall_s X`), stdout and stderr; the fit also fit.csv.
"""
import argparse
import datetime
import json
import math
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vi_accuracy  # noqa: E402  (beside this file)

PASS_Z = 0.5  # a fit passes with exit 0 and a worst z below this
# The stages of `vic fit --timings` before the fit that compile the model (reading the data is not one).
COMPILE_STAGES = ("parse", "lower", "passes+AD", "LLVM emit", "optimise", "JIT")


def timings(stdout):
    """{stage: ms} from the `timings (ms): parse 0.98, ..., fit 16.39 (4971 gradients, ...), total 46.56` line."""
    m = re.search(r"^timings \(ms\): (.*)$", stdout, re.M)
    if not m:
        return {}
    return {name: float(v) for name, v in re.findall(r"(?:^|, )([A-Za-z][A-Za-z+ ]*?) ([0-9.]+)", m.group(1))}


def gradcheck(run_dir):
    """(dimension, failures, exit, log density) from `vic gradcheck`'s output: `Log density = X` and the
    last line, `F of D gradient entries differ ...`."""
    info = vi_accuracy.read_key_values(os.path.join(run_dir, "run.txt"))
    out = vi_accuracy.read_text(os.path.join(run_dir, "stdout"))
    m = re.search(r"^(\d+) of (\d+) gradient entries", out, re.M)
    lp = re.search(r"^Log density = (\S+)", out, re.M)
    lp = float(lp.group(1)) if lp else math.nan
    if not m:
        return None, None, info.get("exit", "?"), lp
    return int(m.group(2)), int(m.group(1)), info.get("exit", "?"), lp


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", required=True)
    p.add_argument("--posteriordb", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p.add_argument("--vic", default="")
    p.add_argument("--command", default="bench/posteriordb_report.sh")
    p.add_argument("--load", action="append", default=[], help="1-minute load average before, after")
    p.add_argument("posteriors", nargs="*")
    args = p.parse_args()

    rows = []
    passed = 0
    gradcheck_failed = 0
    for post in args.posteriors:
        with open(os.path.join(args.posteriordb, post, "reference.json")) as f:
            reference = {k: v for k, v in json.load(f).items() if v["sd"] > 0}
        dim, failures, g_exit, lp = gradcheck(os.path.join(args.work, post, "gradcheck"))
        fit_dir = os.path.join(args.work, post, "fit")
        # vic's default is fullrank, whose CSV starts with the approximation's mean row.
        r = vi_accuracy.score_run("vic-fullrank", fit_dir, reference)
        t = timings(vi_accuracy.read_text(os.path.join(fit_dir, "stdout")))
        compile_ms = sum(t[s] for s in COMPILE_STAGES) if all(s in t for s in COMPILE_STAGES) else math.nan
        fit_s = t["fit"] / 1000 if "fit" in t else math.nan
        ok = r["exit"] == "0" and r["ok"] and r["z"] < PASS_Z
        passed += ok
        why = []
        if r["exit"] == "3":
            # vic's first reason: "error: the fit cannot be trusted: Pareto k-hat is 0.71, above 0.7: ..."
            m = re.search(r"cannot be trusted: ([^:;]*)", vi_accuracy.read_text(os.path.join(fit_dir, "stderr")))
            why.append("fit exit 3" + (f": {m.group(1).strip()}" if m else ""))
        elif r["exit"] != "0":
            why.append(f"fit exit {r['exit']}" + (f": {r['why']}" if r["why"] else ""))
        elif not r["ok"]:
            why.append(r["why"] or "no draws")
        elif r["z"] >= PASS_Z:
            why.append(f"worst z {vi_accuracy.fz(r['z'])} >= {PASS_Z}")
        if g_exit == "0":
            grad = "ok"
        elif failures is None:
            grad = f"**exit {g_exit}**"
        else:
            _, failures_4, _, _ = gradcheck(os.path.join(args.work, post, "gradcheck-1e-4"))
            grad = (f"**{failures} of {dim} off** (lp {lp:.3g})" +
                    (f"; {failures_4} off at 1e-4" if failures_4 is not None else ""))
            gradcheck_failed += 1
        rows.append((post, "-" if dim is None else str(dim), grad,
                     "-" if compile_ms != compile_ms else f"{compile_ms:.0f}",
                     "-" if fit_s != fit_s else f"{fit_s:.2f}", vi_accuracy.fz(r["z"]) if r["ok"] else "-",
                     vi_accuracy.fk(r["khat"]), "pass" if ok else "**fail**" + (f" ({'; '.join(why)})" if why else "")))
    # Posteriors of POSTERIORDB with no model in examples/posteriordb.
    missing = sorted(d for d in os.listdir(args.posteriordb)
                     if os.path.isfile(os.path.join(args.posteriordb, d, "reference.json")) and d not in args.posteriors)
    for post in missing:
        rows.append((post, "-", "-", "-", "-", "-", "-", "**fail** (no model in examples/posteriordb)"))
    rows.sort()

    commit = vi_accuracy.sh(["git", "-C", args.repo, "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = vi_accuracy.sh(["git", "--no-optional-locks", "-C", args.repo, "status", "--porcelain",
                            "--untracked-files=no"])
    version = vi_accuracy.sh([args.vic, "--version"]) if args.vic and os.access(args.vic, os.X_OK) else ""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cores = os.cpu_count() or 0
    loads = []
    for v in args.load:
        try:
            loads.append(float(v))
        except ValueError:
            pass

    L = ["# posteriordb: vic's models, gradients and fits", ""]
    L.append("Written by `bench/posteriordb_report.sh` (scored by `bench/posteriordb_report.py`); regenerate "
             "with the command below.")
    L.append("")
    L.append(f"- Commit: `{commit}`" + (" (with uncommitted changes in the working tree)" if dirty else ""))
    L.append(f"- Date: {now}")
    L.append(f"- CPU: {vi_accuracy.cpu_model()}" + (f" ({version})" if version else ""))
    L.append(f"- Command: `{args.command}`")
    if loads:
        busy = max(loads) > 0.5
        L.append("- Load average (1 minute) before and after the runs: " + ", ".join(f"{v:.2f}" for v in loads) +
                 (f" on {cores} CPUs: the machine was not idle (it is shared with other builds and tests), "
                  "so the times are upper bounds, not quiet-machine figures." if busy else f" on {cores} CPUs."))
    L.append(f"- Passed: {passed} of {len(rows)} posteriors; `vic gradcheck` off at step 1e-6 on {gradcheck_failed}.")
    L.append("")
    L.append("Every posterior of `../shared/posteriordb/`, with its model in `examples/posteriordb/`, written from "
             "its `SPEC.md`; `tests/e2e/posteriordb_closed_form_test.cpp` checks each model's log density "
             "against the SPEC's closed form. Per posterior, one `vic gradcheck` (seed 1) and one `vic fit` with "
             "the default algorithm (`fullrank`, seed 1, 1000 draws, `--timings`) on posteriordb's data:")
    L.append("")
    L.append("- **dim**: the number of unconstrained parameters (the rows of `vic gradcheck`'s table).")
    L.append("- **gradcheck**: `vic gradcheck` (Stan's `diagnose` settings: step 1e-6, error 1e-6) at the "
             "random point of seed 1; where entries are off, the log density there and how many are off "
             "with step 1e-4. Fewer at the larger step means round-off in the central differences of a "
             "large |lp|, not a wrong gradient; the closed-form test also runs `vic gradcheck` on each "
             "model with small synthetic data.")
    L.append("- **compile ms**: parse, lowering, passes and differentiation, LLVM emission, optimisation and "
             "JIT as `--timings` prints them (reading the data is left out). **fit s**: the fit stage of "
             "`--timings` (the draws and the CSV are left out).")
    L.append("- **worst z**: the worst |mean - reference mean| / reference sd over the posterior's reference "
             "quantities (posteriordb's `reference.json`, from long NUTS runs), the mean over the 1000 draws "
             "(scored by `bench/vi_accuracy.py`). **k-hat**: the draws' Pareto k-hat as vic prints it.")
    L.append(f"- **result**: pass when `vic fit` exits 0 (a fit it does not trust, by k-hat above 0.7 or a "
             f"second mode, exits 3) and the worst z is below {PASS_Z}; the gradcheck column does not count.")
    L.append("")
    L.append("| posterior | dim | gradcheck | compile ms | fit s | worst z | k-hat | result |")
    L.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(L))
    print(f"{passed} of {len(rows)} passed; report written to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
