#!/usr/bin/env python3
"""llm_fixtures.py — generate the quantization fixtures of tests/test_quant.c with an
independent implementation: the PyPI `gguf` package (gguf-py, `gguf.quants`).

Run once (the outputs are committed; tests never need Python):
    python3 -m venv build/fxvenv && build/fxvenv/bin/pip install gguf numpy
    build/fxvenv/bin/python tools/llm_fixtures.py

Writes into tests/fixtures/llm/:
  quant_<TYPE>.raw   random but valid blocks (scale fields forced to finite fp16 values)
  quant_<TYPE>.f32   gguf.quants.dequantize of those blocks (little-endian float32)
  q8_0_in.f32 / q8_0_out.raw           gguf.quants.quantize(Q8_0) of a float vector
  q4_0_out.raw / q5_0_out.raw          the same vector quantized to Q4_0 / Q5_0
  types.txt          "id name block_size type_size" for every type gguf-py knows
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants
from gguf.constants import GGML_QUANT_SIZES

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "llm")
rng = np.random.default_rng(20260101)


def rand_f16(n, lo=1e-3, hi=1.0):
    """n finite fp16 values with |v| in [lo, hi], random sign, as raw uint16."""
    mag = np.exp(rng.uniform(np.log(lo), np.log(hi), n)).astype(np.float16)
    sign = np.where(rng.random(n) < 0.5, -1, 1).astype(np.float16)
    return (mag * sign).view(np.uint16)


def set_f16(blocks, offset, vals):
    blocks[:, offset:offset + 2] = vals.astype("<u2").view(np.uint8).reshape(-1, 2)


def make_blocks(qtype, nblocks):
    blck, size = GGML_QUANT_SIZES[qtype]
    b = rng.integers(0, 256, size=(nblocks, size), dtype=np.uint8)
    if qtype in (T.Q8_0, T.Q4_0, T.Q5_0):
        set_f16(b, 0, rand_f16(nblocks))
    elif qtype == T.Q4_K:
        set_f16(b, 0, rand_f16(nblocks))      # d
        set_f16(b, 2, rand_f16(nblocks))      # dmin
    elif qtype == T.Q6_K:
        set_f16(b, 208, rand_f16(nblocks))    # d at the end
    return b


def main():
    os.makedirs(OUT, exist_ok=True)
    # F16 / BF16: random finite bit patterns (no inf/nan: exponent field not all ones)
    for qtype, name in ((T.F16, "F16"), (T.BF16, "BF16")):
        raw = rng.integers(0, 1 << 16, size=256, dtype=np.uint32).astype(np.uint16)
        if qtype == T.F16:
            raw[(raw & 0x7C00) == 0x7C00] &= 0xBFFF
        else:
            raw[(raw & 0x7F80) == 0x7F80] &= 0xBFFF
        raw[:4] = [0x0000, 0x8000, 0x0001, 0x03FF]  # zeros and subnormals
        data = raw.astype("<u2").view(np.uint8).reshape(1, -1)
        deq = quants.dequantize(data, qtype).astype("<f4")
        raw.astype("<u2").tofile(os.path.join(OUT, f"quant_{name}.raw"))
        deq.tofile(os.path.join(OUT, f"quant_{name}.f32"))
    for qtype, name, nb in ((T.Q8_0, "Q8_0", 16), (T.Q4_0, "Q4_0", 16), (T.Q5_0, "Q5_0", 16),
                            (T.Q4_K, "Q4_K", 4), (T.Q6_K, "Q6_K", 4)):
        b = make_blocks(qtype, nb)
        deq = quants.dequantize(b.reshape(1, -1), qtype).astype("<f4")
        b.tofile(os.path.join(OUT, f"quant_{name}.raw"))
        deq.tofile(os.path.join(OUT, f"quant_{name}.f32"))
    # quantization of a float vector (256 values; block 2 all zeros, block 5 one large value)
    x = rng.normal(0, 1, 256).astype(np.float32)
    x[64:96] = 0
    x[160] = 40.0
    x.astype("<f4").tofile(os.path.join(OUT, "q8_0_in.f32"))
    for qtype, fname in ((T.Q8_0, "q8_0_out.raw"), (T.Q4_0, "q4_0_out.raw"), (T.Q5_0, "q5_0_out.raw")):
        q = quants.quantize(x.reshape(1, -1), qtype)
        np.asarray(q, dtype=np.uint8).tofile(os.path.join(OUT, fname))
    with open(os.path.join(OUT, "types.txt"), "w") as f:
        for t in T:
            if t in GGML_QUANT_SIZES:
                blck, size = GGML_QUANT_SIZES[t]
                f.write(f"{int(t)} {t.name} {blck} {size}\n")
    print("fixtures written to", os.path.normpath(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
