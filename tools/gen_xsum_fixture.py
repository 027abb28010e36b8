#!/usr/bin/env python3
"""Writes tests/fixtures/xsum_fsum.txt: sums of doubles and their exactly rounded value from
Python's math.fsum (correct rounding, ties to even), the reference for mc/mc_xsum.c.

One case per line: the fsum, then the values, all as float.hex(). The cases mix magnitudes
from subnormals to near DBL_MAX, signs, exact cancellations and ties."""
import math
import random
import sys

def case_values(rng, k):
    kind = k % 6
    n = rng.randint(2, 120)
    if kind == 0:   # ordinary block sums of one sign
        return [rng.random() * 1024 for _ in range(n)]
    if kind == 1:   # wide exponents, both signs
        return [rng.choice((-1, 1)) * rng.random() * 2.0 ** rng.randint(-1074, 1000) for _ in range(n)]
    if kind == 2:   # heavy cancellation: x, -x and a tiny remainder
        xs = [rng.random() * 2.0 ** rng.randint(-30, 60) for _ in range(n)]
        return xs + [-x for x in xs] + [rng.random() * 2.0 ** -1060]
    if kind == 3:   # ties: 2^53 + 1 shapes that round to even
        return [2.0 ** 53, 1.0, rng.choice((1.0, -1.0, 0.5)), 2.0 ** -20 * rng.randint(0, 3)]
    if kind == 4:   # subnormals only
        return [rng.randint(-50, 50) * 2.0 ** -1074 for _ in range(n)]
    # near the top of the range, without overflowing the sum
    return [rng.choice((-1, 1)) * rng.random() * 2.0 ** 1018 for _ in range(n)]

def main():
    rng = random.Random(20261207)
    lines = []
    for k in range(120):
        vals = case_values(rng, k)
        rng.shuffle(vals)
        lines.append(" ".join([math.fsum(vals).hex()] + [v.hex() for v in vals]))
    sys.stdout.write("\n".join(lines) + "\n")

if __name__ == "__main__":
    main()
