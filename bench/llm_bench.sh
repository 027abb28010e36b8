#!/usr/bin/env bash
# llm_bench.sh — so8t against llama.cpp on the same model, same prompt (>= 128 tokens), same
# thread counts, 128 greedy tokens, one warm-up and REPS repetitions (medians), plus the
# machine's memory bandwidth measured in the same run; prints one table (paste it into
# docs/performance.md with the lscpu line it prints).
#   MODEL=models/gemma-3-270m-q4_k_m.gguf  THREADS="1 2"  REPS=5  GEN=128
#   VENV=build/llamacpp-venv  (llama-cpp-python 0.3.36 built from source; made if missing)
#   LLAMACPP_CMAKE_ARGS=...   (CMake flags for that build, e.g. an AVX2-only llama.cpp to compare
#                              with SO8T_ISA=avx2: "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON
#                              -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"; use its own VENV)
# so8t runs bench_llm (bench/bench_llm.c), llama.cpp runs bench/llm_bench_llamacpp.py: both
# time the prompt as one evaluation and then GEN × (greedy pick, evaluate that token).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-models/gemma-3-270m-q4_k_m.gguf}
THREADS=${THREADS:-1 2}
REPS=${REPS:-5}
GEN=${GEN:-128}
VENV=${VENV:-build/llamacpp-venv}
BUILD=${BUILD:-build/cpu}
[ -f "$MODEL" ] || { echo "SKIP: llm_bench: $MODEL missing (make model)"; exit 0; }
make -s CUDA=0 BUILD="$BUILD" "$BUILD/bench/bench_llm" >/dev/null
if ! "$VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
    echo "llm_bench: building llama-cpp-python 0.3.36 (llama.cpp from source) into $VENV ..." >&2
    python3 -m venv "$VENV"
    CMAKE_ARGS="${LLAMACPP_CMAKE_ARGS:-}" CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 10 \
        "$VENV/bin/pip" install --no-cache-dir llama-cpp-python==0.3.36
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/bench/bench_llm" --print-prompt > "$tmp/prompt.txt"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "flags: $(lscpu | sed -n 's/^Flags: *//p' | tr ' ' '\n' | grep -E '^(avx|fma|f16c)' | tr '\n' ' ')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
out="$tmp/results.txt"
for t in $THREADS; do
    "$BUILD/bench/bench_llm" --triad --threads "$t" >> "$out"
    "$BUILD/bench/bench_llm" --model "$MODEL" --prompt-file "$tmp/prompt.txt" --threads "$t" \
        --reps "$REPS" --gen "$GEN" >> "$out"
    "$VENV/bin/python" bench/llm_bench_llamacpp.py "$MODEL" "$tmp/prompt.txt" "$t" "$REPS" "$GEN" \
        >> "$out" 2> "$tmp/llamacpp.log" || { tail -5 "$tmp/llamacpp.log" >&2; exit 1; }
    "$BUILD/bench/bench_llm" --triad --threads "$t" >> "$out"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'PY'
import sys
rows = [dict(kv.split("=", 1) for kv in line.split()) for line in open(sys.argv[1]) if "=" in line]
for t in sorted({r["threads"] for r in rows}, key=int):
    s = next(r for r in rows if r["engine"] == "so8t" and r["threads"] == t)
    l = next(r for r in rows if r["engine"] == "llama.cpp" and r["threads"] == t)
    tri = [float(r["triad_gbs"]) for r in rows if r["engine"] == "triad" and r["threads"] == t]
    rd = [float(r["read_gbs"]) for r in rows if r["engine"] == "triad" and r["threads"] == t]
    bw = sum(tri) / len(tri)
    bound = bw * 1e9 / float(s["weight_bytes"])
    print(f"\nthreads {t}: prompt {s['prompt_tokens']} tokens (llama.cpp: {l['prompt_tokens']}), "
          f"{s['gen_tokens']} generated; so8t ISA {s['isa']}")
    print(f"  bandwidth: triad {' / '.join(f'{x:.1f}' for x in tri)} GB/s (before / after), "
          f"read-only {' / '.join(f'{x:.1f}' for x in rd)} GB/s; bound = {bw:.1f} GB/s / "
          f"{float(s['weight_bytes']) / 1e6:.1f} MB per token = {bound:.1f} tok/s")
    print(f"  | engine    | prompt tok/s | gen tok/s | ms/token | peak RSS MiB | gen / bound |")
    print(f"  |-----------|--------------|-----------|----------|--------------|-------------|")
    for name, r in (("llama.cpp", l), ("so8t", s)):
        print(f"  | {name:<9} | {float(r['prompt_tps']):12.1f} | {float(r['gen_tps']):9.2f} | "
              f"{float(r['ms_per_token']):8.2f} | {float(r['peak_rss_mib']):12.1f} | "
              f"{100 * float(r['gen_tps']) / bound:10.0f}% |")
    print(f"  | so8t / llama.cpp | prompt {float(s['prompt_tps']) / float(l['prompt_tps']):.2f}x | "
          f"gen {float(s['gen_tps']) / float(l['gen_tps']):.2f}x | "
          f"RSS {float(s['peak_rss_mib']) / float(l['peak_rss_mib']):.2f}x |")
PY
