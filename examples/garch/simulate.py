"""Simulates the GARCH(1,1) returns in data.json: python3 simulate.py [T] [seed] > data.json"""
import json
import math
import random
import sys

T = int(sys.argv[1]) if len(sys.argv) > 1 else 200
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
mu, alpha0, alpha1, beta1, sigma1 = 0.1, 0.05, 0.15, 0.8, 0.5
r, sigma2 = [], sigma1 ** 2
for t in range(T):
    if t > 0:
        sigma2 = alpha0 + alpha1 * (r[-1] - mu) ** 2 + beta1 * sigma2
    r.append(mu + math.sqrt(sigma2) * rng.gauss(0, 1))
json.dump({"T": T, "r": [round(x, 6) for x in r], "sigma1": sigma1}, sys.stdout)
