#!/usr/bin/env bash
# vic's VAEs side by side with PyTorch's (../shared/anchors/vae), written to docs/vae.md.
#
#   bench/vae.sh [--data digits fashion] [--epochs N] [--threads 1 2] [--seed S] [--out FILE]
#
# Needs the PyTorch reference set up once (../shared/anchors/vae/setup.sh: Debian's python3-torch,
# scikit-learn, Fashion-MNIST and OpenBLAS) and build/vic; run it on an otherwise idle machine, as
# the timings are its point. The options are bench/vae.py's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/vae.py" "$@"
