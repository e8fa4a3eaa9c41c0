#!/usr/bin/env python3
"""vic's VAEs side by side with PyTorch's, in one run: writes docs/vae.md.

    bench/vae.py [--data digits fashion] [--epochs N] [--threads 1 2] [--seeds 1 2 ...] [--out docs/vae.md]

For each data set and thread count, trains the same VAE (same architecture, initialisation
scheme, optimiser, minibatches and data) with the PyTorch reference
(../shared/anchors/vae/vae.py, PyTorch 1.13 on OpenBLAS) and with `vic train`
(examples/vae/DATA/model.vmodel), one after the other on an otherwise idle machine, and reports
the median seconds per epoch (the training pass), the held-out ELBO per item after the last epoch
and the IWAE bound with k = 100, with vic's ratios to PyTorch. With several seeds (--seeds) the
ELBO and IWAE are means over them (a VAE's end point varies from seed to seed, a 2-D latent's by
0.5 nats between two modes) and the timings the median over every epoch. A data set whose files are
missing, or a missing PyTorch (run ../shared/anchors/vae/setup.sh), is skipped with a message.
The environment variable VIC names the binary (default build/vic).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

from machine import cpu_model, vector_width  # bench/machine.py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANCHOR = os.path.join(os.path.dirname(ROOT), "shared", "anchors", "vae", "vae.py")
DEFAULT_EPOCHS = {"digits": 50, "fashion": 10}
VIC_DATA = {  # data set -> (model, train, test) under examples/vae/
    "digits": ("digits/model.vmodel", "digits/train.json", "digits/test.json"),
    "fashion": ("fashion/model.vmodel", "fashion/train.json", "fashion/test.json"),
}


def run_pytorch(data, epochs, threads, seed, out_dir):
    if not os.path.exists(ANCHOR):
        return None, f"no PyTorch reference at {ANCHOR}"
    cmd = ["/usr/bin/python3", ANCHOR, "--data", data, "--epochs", str(epochs), "--threads", str(threads),
           "--seed", str(seed), "--iwae-k", "100", "--out", out_dir]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, "PyTorch reference failed: " + (p.stderr.strip().splitlines() or ["?"])[-1]
    with open(os.path.join(out_dir, "metrics.json")) as f:
        m = json.load(f)
    return {
        "seconds": [h["seconds"] for h in m["history"]],
        "test_elbo": -m["final_test_loss"],
        "iwae": m["test_log_likelihood_iwae"],
        "blas": m.get("blas_config") or m.get("blas"),
        "torch": m["versions"]["torch"],
    }, None


def run_vic(data, epochs, threads, seed, out_dir):
    vic = os.environ.get("VIC", os.path.join(ROOT, "build", "vic"))
    model, train, test = (os.path.join(ROOT, "examples", "vae", p) for p in VIC_DATA[data])
    for path in (model, train, test):
        if not os.path.exists(path):
            return None, f"no {os.path.relpath(path, ROOT)}"
    cmd = [vic, "train", model, "--data", train, "--test", test, "--epochs", str(epochs), "--threads", str(threads),
           "--seed", str(seed), "--iwae", "100", "--output", os.path.join(out_dir, "weights.json")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, "vic train failed: " + (p.stderr.strip().splitlines() or ["?"])[-1]
    seconds, test_elbo, iwae = [], None, None
    for line in p.stdout.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[0].isdigit():
            seconds.append(float(fields[1]))
            test_elbo = float(fields[3])
        m = re.search(r"IWAE bound, k=100\): (-?[0-9.]+)", line)
        if m:
            iwae = float(m.group(1))
    return {"seconds": seconds, "test_elbo": test_elbo, "iwae": iwae}, None


def pooled(runs):
    """Every epoch's seconds, and the mean and sd over the runs of the ELBO and IWAE."""
    if not runs:
        return None
    out = {"seconds": [x for r in runs for x in r["seconds"]], "runs": len(runs)}
    for key in ("test_elbo", "iwae"):
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = statistics.mean(values) if values else None
        out[key + "_sd"] = statistics.stdev(values) if len(values) > 1 else None
    for key in ("blas", "torch"):
        if key in runs[0]:
            out[key] = runs[0][key]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", nargs="+", default=["digits", "fashion"], choices=sorted(VIC_DATA))
    p.add_argument("--epochs", type=int, help="default: 50 for digits, 10 for fashion")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "vae.md"))
    a = p.parse_args()

    rows, notes = [], []
    for data in a.data:
        epochs = a.epochs or DEFAULT_EPOCHS[data]
        for threads in a.threads:
            runs = {"torch": [], "vic": []}
            for seed in a.seeds:
                with tempfile.TemporaryDirectory() as work:
                    torch, why = run_pytorch(data, epochs, threads, seed, os.path.join(work, "torch"))
                    if why:
                        notes.append(f"{data}, {threads} thread(s), seed {seed}: skipped PyTorch: {why}")
                    vic, why_vic = run_vic(data, epochs, threads, seed, work)
                    if why_vic:
                        notes.append(f"{data}, {threads} thread(s), seed {seed}: skipped vic: {why_vic}")
                print(f"{data} threads={threads} seed={seed}: torch={torch and (torch['test_elbo'], torch['iwae'])} "
                      f"vic={vic and (vic['test_elbo'], vic['iwae'])}", file=sys.stderr)
                if torch:
                    runs["torch"].append(torch)
                if vic:
                    runs["vic"].append(vic)
            rows.append((data, epochs, threads, pooled(runs["torch"]), pooled(runs["vic"])))

    def fmt(x, digits=3):
        return "n/a" if x is None else f"{x:.{digits}f}"

    lines = [
        "# vic's VAEs and PyTorch's",
        "",
        f"Generated by `bench/vae.sh` on {cpu_model()} ({vector_width()}, {os.cpu_count()} cores), "
        f"seed{'s' if len(a.seeds) > 1 else ''} {', '.join(map(str, a.seeds))}. "
        "Each row trains the same VAE with the PyTorch reference (`../shared/anchors/vae/vae.py`) and with "
        "`vic train`, one after the other: the median seconds per epoch (training pass), the held-out ELBO per "
        "item after the last epoch (nats; one draw per item, the KL term in closed form in both) and the held-out "
        "IWAE bound with k = 100; over several seeds, their means (± the sd over seeds).",
        "",
        "| data | epochs | threads | PyTorch s/epoch | vic s/epoch | vic / PyTorch | PyTorch ELBO | vic ELBO "
        "| ELBO gap | PyTorch IWAE | vic IWAE | IWAE gap |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for data, epochs, threads, torch, vic in rows:
        t_med = statistics.median(torch["seconds"]) if torch and torch["seconds"] else None
        v_med = statistics.median(vic["seconds"]) if vic and vic["seconds"] else None
        ratio = v_med / t_med if t_med and v_med else None

        def gap(key):
            if not torch or not vic or torch[key] is None or vic[key] is None:
                return "n/a"
            return f"{100 * (vic[key] - torch[key]) / abs(torch[key]):+.2f}%"

        def figure(run, key):
            if not run or run[key] is None:
                return "n/a"
            sd = run.get(key + "_sd")
            return fmt(run[key]) + (f" ± {sd:.2f}" if sd is not None else "")

        lines.append(
            f"| {data} | {epochs} | {threads} | {fmt(t_med, 4)} | {fmt(v_med, 4)} | {fmt(ratio, 2)} | "
            f"{figure(torch, 'test_elbo')} | {figure(vic, 'test_elbo')} | {gap('test_elbo')} | "
            f"{figure(torch, 'iwae')} | {figure(vic, 'iwae')} | {gap('iwae')} |")
    versions = next((t for _, _, _, t, _ in rows if t), None)
    if versions:
        lines += ["", f"PyTorch {versions['torch']}, BLAS: {versions['blas']}."]
    if notes:
        lines += ["", "Skipped:", ""] + [f"- {n}" for n in notes]
    lines += ["", "A gap is vic's figure minus PyTorch's, relative to PyTorch's: positive is better for vic."]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
