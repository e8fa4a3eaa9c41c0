#!/usr/bin/env python3
"""Writes train.json and test.json beside this script from scikit-learn's digits.csv.gz.

    python3 convert_digits.py DIGITS_CSV_GZ

DIGITS_CSV_GZ holds 1797 rows of 65 integers: 64 pixels (0..16, an 8x8 image row by row)
then the label (0..9). The first 1500 rows in file order become train.json, the last 297
test.json: the split of ../shared/anchors/vae/vae.py (digits[:1500], digits[1500:]). Each is
Stan JSON {"N": n, "D": 64, "x": [[64 reals], ...], "label": [ints]} with x = pixel / 16,
one image per line. Standard library only, so it runs without scikit-learn.
"""
import csv
import gzip
import os
import sys

ROWS = 1797
TRAIN_ROWS = 1500
PIXELS = 64


def read_digits(path):
    """Returns [(pixels, label)] with pixels 64 ints in 0..16 and label in 0..9, checked."""
    digits = []
    with gzip.open(path, "rt", newline="") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if len(row) != PIXELS + 1:
                sys.exit(f"{path}:{line}: {len(row)} values, expected {PIXELS} pixels and a label")
            try:
                values = [int(v) for v in row]
            except ValueError:
                sys.exit(f"{path}:{line}: a value is not an integer")
            pixels, label = values[:PIXELS], values[PIXELS]
            if any(p < 0 or p > 16 for p in pixels):
                sys.exit(f"{path}:{line}: a pixel outside 0..16")
            if not 0 <= label <= 9:
                sys.exit(f"{path}:{line}: label {label} outside 0..9")
            digits.append((pixels, label))
    if len(digits) != ROWS:
        # The split is by position, so another row count would not be the reference's split.
        sys.exit(f"{path}: {len(digits)} rows, expected {ROWS}")
    return digits


def intensity(pixel):
    """pixel / 16 in its shortest exact spelling: 0, 1, 0.5, 0.0625 (k/16 is exact in binary)."""
    if pixel == 0:
        return "0"
    if pixel == 16:
        return "1"
    return repr(pixel / 16)


def write_stan_json(path, digits):
    rows = ",\n  ".join("[" + ",".join(intensity(p) for p in pixels) + "]" for pixels, _ in digits)
    labels = ",".join(str(label) for _, label in digits)
    text = f'{{"N": {len(digits)}, "D": {PIXELS},\n "x": [\n  {rows}\n ],\n "label": [{labels}]\n}}\n'
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: convert_digits.py DIGITS_CSV_GZ")
    digits = read_digits(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    write_stan_json(os.path.join(here, "train.json"), digits[:TRAIN_ROWS])
    write_stan_json(os.path.join(here, "test.json"), digits[TRAIN_ROWS:])


if __name__ == "__main__":
    main()
