#!/usr/bin/env python3
"""posteriordb's Stan models as written, through vic: `vic check` on each of them,
and for each posterior with a reference posterior a default `vic fit` on its data.

    bench/posteriordb_stan_models.py POSTERIORDB_CHECKOUT [--out docs/posteriordb-stan-models.md]

POSTERIORDB_CHECKOUT is a checkout of https://github.com/stan-dev/posteriordb (its
posterior_database/ folder: models/stan/*.stan, posteriors/*.json, data/data/*.json.zip).
A fit passes when vic exits 0 or 3 (3: it ran and says the fit cannot be trusted,
which the VI accuracy report covers) and every draw is finite. The environment
variable VIC names the binary (default build/vic), FIT_TIMEOUT the seconds a fit may run
(default 300).
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.split("error: ", 1)[-1].strip()
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no message)"


def finite_draws(csv_path):
    with open(csv_path) as f:
        rows = [l for l in f if not l.startswith("#")]
    if len(rows) < 2:
        return False
    for row in rows[1:]:
        for v in row.strip().split(","):
            try:
                if not math.isfinite(float(v)):
                    return False
            except ValueError:
                return False
    return True


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("posteriordb")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "posteriordb-stan-models.md"))
    args = parser.parse_args()
    db = os.path.join(args.posteriordb, "posterior_database")
    vic = os.environ.get("VIC", os.path.join(ROOT, "build", "vic"))
    timeout = float(os.environ.get("FIT_TIMEOUT", "300"))
    models_dir = os.path.join(db, "models", "stan")
    models = sorted(f[:-5] for f in os.listdir(models_dir) if f.endswith(".stan"))

    checks = {}
    for m in models:
        r = subprocess.run([vic, "check", os.path.join(models_dir, m + ".stan")], capture_output=True, text=True)
        checks[m] = (r.returncode == 0, "" if r.returncode == 0 else first_error(r.stderr))
        print(f"check {m}: {'ok' if checks[m][0] else checks[m][1]}", file=sys.stderr)

    fits = []
    work = tempfile.mkdtemp(prefix="vic-pdb-")
    posteriors_dir = os.path.join(db, "posteriors")
    for p in sorted(os.listdir(posteriors_dir)):
        info = json.load(open(os.path.join(posteriors_dir, p)))
        if not info.get("reference_posterior_name"):
            continue
        name, model, data = p[:-5], info["model_name"], info["data_name"]
        row = {"posterior": name, "model": model}
        data_zip = os.path.join(db, "data", "data", data + ".json.zip")
        if not checks.get(model, (False, ""))[0]:
            row.update(status="not checked", why=checks.get(model, (False, "no Stan model"))[1])
        elif not os.path.exists(data_zip):
            row.update(status="no data", why=f"{data}.json.zip is not in the checkout")
        else:
            data_path = os.path.join(work, data + ".json")
            with zipfile.ZipFile(data_zip) as z:
                with open(data_path, "wb") as f:
                    f.write(z.read(z.namelist()[0]))
            out = os.path.join(work, name + ".csv")
            start = time.time()
            try:
                r = subprocess.run([vic, "fit", os.path.join(models_dir, model + ".stan"), "--data", data_path,
                                    "--output", out, "--seed", "1", "--quiet"], capture_output=True, text=True,
                                   timeout=timeout)
                seconds = time.time() - start
                ok = r.returncode in (0, 3) and os.path.exists(out) and finite_draws(out)
                why = "" if ok else (first_error(r.stderr) if r.returncode not in (0, 3) else "draws not finite")
                row.update(status="fits" if ok else "fails", exit=r.returncode, seconds=seconds, why=why)
            except subprocess.TimeoutExpired:
                row.update(status="fails", exit="timeout", seconds=timeout, why=f"still running after {timeout:.0f} s")
        print(f"fit {name}: {row['status']} {row.get('why', '')}", file=sys.stderr)
        fits.append(row)

    passed = sum(ok for ok, _ in checks.values())
    fitted = sum(r["status"] == "fits" for r in fits)
    lines = [
        "# posteriordb's Stan models through vic",
        "",
        f"Generated by `bench/posteriordb_stan_models.py POSTERIORDB_CHECKOUT` (a checkout of stan-dev/posteriordb)",
        f"on {cpu_model()}, {time.strftime('%Y-%m-%d')}.",
        "",
        f"- **`vic check`**: {passed} of {len(models)} models pass as written.",
        f"- **Fits**: of the {len(fits)} posteriors with a reference posterior, {fitted} compile and fit with the "
        "default algorithm at seed 1 with finite draws (vic's exit 0, or 3 when it says the fit cannot be trusted; "
        "accuracy is `docs/vi-accuracy.md`'s subject).",
        "",
        "## Models that do not pass `vic check`",
        "",
    ]
    failing = [m for m in models if not checks[m][0]]
    if failing:
        lines += ["| model | first error |", "| --- | --- |"]
        lines += [f"| {m} | {checks[m][1].replace('|', '/')} |" for m in failing]
    else:
        lines.append("None.")
    lines += ["", "## Posteriors with a reference posterior", "",
              "| posterior | model | result | exit | seconds | why not |", "| --- | --- | --- | --- | --- | --- |"]
    for r in fits:
        seconds = f"{r['seconds']:.1f}" if "seconds" in r else ""
        lines.append(f"| {r['posterior']} | {r['model']} | {r['status']} | {r.get('exit', '')} | {seconds} | "
                     f"{r.get('why', '').replace('|', '/')} |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}: check {passed}/{len(models)}, fits {fitted}/{len(fits)}", file=sys.stderr)


if __name__ == "__main__":
    main()
