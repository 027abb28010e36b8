#!/usr/bin/env python3
"""llm_fixtures.py — generate the quantization fixtures of tests/test_quant.c with an
independent implementation: the PyPI `gguf` package (gguf-py, `gguf.quants`).

Run once (the outputs are committed; tests never need Python):
    python3 -m venv build/fxvenv && build/fxvenv/bin/pip install gguf==0.19.0 numpy
    build/fxvenv/bin/python tools/llm_fixtures.py
With GGML_LIB=<folder with libggml-base.so and libggml-cpu.so> (e.g. llama-cpp-python's
llama_cpp/lib) it also writes the fixtures made by ggml itself, through ctypes:
  qggml_in.f32, qggml_<TYPE>.raw/.f32   ggml_quantize_chunk of 512 floats for every block
                                        type, and gguf.quants.dequantize of those bytes
  act_in.f32, act_<Q8_x>_{ref,cpu}.raw  ggml's quantize_row_q8_{0,1,K}_ref and the CPU
                                        backend's from_float for Q8_0/Q8_1/Q8_K
  vecdot.txt                            "id name vec_dot_type" from ggml_get_type_traits_cpu

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
    if qtype in (T.Q8_0, T.Q4_0, T.Q5_0, T.IQ4_NL, T.IQ4_XS):
        set_f16(b, 0, rand_f16(nblocks))
    elif qtype in (T.Q4_1, T.Q5_1, T.Q5_K):
        set_f16(b, 0, rand_f16(nblocks))      # d
        set_f16(b, 2, rand_f16(nblocks))      # m / dmin
    elif qtype == T.Q2_K:
        set_f16(b, 80, rand_f16(nblocks))     # d
        set_f16(b, 82, rand_f16(nblocks))     # dmin
    elif qtype == T.Q3_K:
        set_f16(b, 108, rand_f16(nblocks))    # d
    elif qtype == T.Q4_K:
        set_f16(b, 0, rand_f16(nblocks))      # d
        set_f16(b, 2, rand_f16(nblocks))      # dmin
    elif qtype == T.Q6_K:
        set_f16(b, 208, rand_f16(nblocks))    # d at the end
    return b


BLOCK_TYPES = (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K,
               T.Q6_K, T.IQ4_NL, T.IQ4_XS)


def ggml_fixtures(libdir):
    """Blocks and activations made by ggml itself (llama-cpp-python's build), via ctypes."""
    import ctypes as C
    base = C.CDLL(os.path.join(libdir, "libggml-base.so"), mode=C.RTLD_GLOBAL)
    cpu = C.CDLL(os.path.join(libdir, "libggml-cpu.so"), mode=C.RTLD_GLOBAL)
    cpu.ggml_cpu_init()
    base.ggml_quantize_chunk.restype = C.c_size_t
    base.ggml_quantize_chunk.argtypes = [C.c_int, C.c_void_p, C.c_void_p, C.c_int64, C.c_int64,
                                         C.c_int64, C.c_void_p]
    fp = lambda a: a.ctypes.data_as(C.c_void_p)
    g = np.random.default_rng(20261208)
    n = 512
    x = (g.standard_normal(n) * np.exp(g.uniform(-2, 2, n))).astype(np.float32)
    x[256:288] = 0                         # an all-zero 32-block
    x[300] = 25.0                          # an outlier
    x.astype("<f4").tofile(os.path.join(OUT, "qggml_in.f32"))
    for qtype in BLOCK_TYPES:
        blck, size = GGML_QUANT_SIZES[qtype]
        out = np.zeros(n // blck * size, dtype=np.uint8)
        got = base.ggml_quantize_chunk(int(qtype), fp(x), fp(out), 0, 1, n, None)
        assert got == out.size, (qtype.name, got)
        if qtype in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0):   # gguf-py's quantizer agrees
            assert np.array_equal(np.asarray(quants.quantize(x.reshape(1, -1), qtype)).ravel(), out)
        deq = quants.dequantize(out.reshape(1, -1), qtype).astype("<f4")
        out.tofile(os.path.join(OUT, f"qggml_{qtype.name}.raw"))
        deq.tofile(os.path.join(OUT, f"qggml_{qtype.name}.f32"))
    # activations: ties at multiplier 1 (a block with amax 127), zeros, tiny values
    a = (g.standard_normal(n) * 3).astype(np.float32)
    a[0:32] = np.arange(32, dtype=np.float32) - 16.5
    a[31] = 127.0
    a[64:96] = 0
    a[96:128] *= 1e-6
    a.astype("<f4").tofile(os.path.join(OUT, "act_in.f32"))

    class Traits(C.Structure):
        _fields_ = [("from_float", C.c_void_p), ("vec_dot", C.c_void_p),
                    ("vec_dot_type", C.c_int), ("nrows", C.c_int64)]
    cpu.ggml_get_type_traits_cpu.restype = C.POINTER(Traits)
    row_fn = C.CFUNCTYPE(None, C.c_void_p, C.c_void_p, C.c_int64)
    for qtype, ref in ((T.Q8_0, "quantize_row_q8_0_ref"), (T.Q8_1, "quantize_row_q8_1_ref"),
                       (T.Q8_K, "quantize_row_q8_K_ref")):
        size = {T.Q8_0: 34, T.Q8_1: 36, T.Q8_K: 292}[qtype]   # ggml-common.h
        blck = 256 if qtype == T.Q8_K else 32
        for tag, fn in (("ref", getattr(base, ref)),
                        ("cpu", row_fn(cpu.ggml_get_type_traits_cpu(int(qtype)).contents.from_float))):
            out = np.zeros(n // blck * size, dtype=np.uint8)
            fn.argtypes = [C.c_void_p, C.c_void_p, C.c_int64]
            fn(fp(a), fp(out), n)
            out.tofile(os.path.join(OUT, f"act_{qtype.name}_{tag}.raw"))
    with open(os.path.join(OUT, "vecdot.txt"), "w") as f:
        for qtype in (T.F32, T.F16, T.BF16) + BLOCK_TYPES:
            vt = cpu.ggml_get_type_traits_cpu(int(qtype)).contents.vec_dot_type
            f.write(f"{int(qtype)} {qtype.name} {vt} {T(vt).name}\n")


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
    # the types added later: their own generator, so the files above stay as they were
    rng.bit_generator.state = np.random.default_rng(20261207).bit_generator.state
    for qtype, nb in ((T.Q4_1, 8), (T.Q5_1, 8), (T.IQ4_NL, 8), (T.Q2_K, 2), (T.Q3_K, 2),
                      (T.Q5_K, 2), (T.IQ4_XS, 2)):
        b = make_blocks(qtype, nb)
        deq = quants.dequantize(b.reshape(1, -1), qtype).astype("<f4")
        b.tofile(os.path.join(OUT, f"quant_{qtype.name}.raw"))
        deq.tofile(os.path.join(OUT, f"quant_{qtype.name}.f32"))
    if os.environ.get("GGML_LIB"):
        ggml_fixtures(os.environ["GGML_LIB"])
    else:
        print("GGML_LIB not set: the ggml-made fixtures were not (re)written")
    print("fixtures written to", os.path.normpath(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
