#!/usr/bin/env bash
# tools/gpu_check.sh — the whole GPU check as one prepared script, for a lent GPU machine
# that has no Debian packages of ours: run it on binaries built elsewhere (CUDA=1 build,
# static cudart) and gathered by `tools/gpu_check.sh --pack DIR`, which also copies the
# shared libraries they need. Usage there:  tools/gpu_check.sh DIR [OUTDIR]
# Steps (each under its own timeout, so one hang cannot eat the lease): the GPU tests,
# `so8t verify --backend auto` (GPU == CPU counts on every case), bench_mc with its CUDA
# column, bench_so8 (its GPU column when there is one), the LLM runner (gpu_llm: tiny models
# of every architecture × type, all layers and one layer on the GPU against the CPU, and the
# default model; bench_llm_gpu: prompt / generation tokens/s GPU vs CPU and the decode bound
# of the device's memory bandwidth; `so8t run --num-gpu -1` against the CPU when the CLI has
# the option), and last a short table of what passed and the headline rates.
# GPU_CHECK_QUICK=1 leaves out bench_mc (the longest step). --pack copies the default model
# (models/gemma-3-270m-q4_k_m.gguf, 253 MB) into DIR/models unless GPU_CHECK_NO_MODEL=1;
# without it the default-model steps print SKIP.
set -u
if [ "${1:-}" = "--pack" ]; then
    dir=${2:?usage: tools/gpu_check.sh --pack DIR}
    b=${BUILD:-build/cuda}
    mkdir -p "$dir/lib"
    cp bin/so8t "$b"/tests/gpu_* "$b"/bench/bench_mc "$b"/bench/bench_so8 "$b"/bench/bench_llm_gpu "$dir"/ || exit 1
    rm -f "$dir"/*.d
    if [ -z "${GPU_CHECK_NO_MODEL:-}" ] && [ -r models/gemma-3-270m-q4_k_m.gguf ]; then
        mkdir -p "$dir/models" && cp -L models/gemma-3-270m-q4_k_m.gguf "$dir/models/" || exit 1
    fi
    for f in "$dir"/so8t "$dir"/gpu_* "$dir"/bench_mc "$dir"/bench_so8 "$dir"/bench_llm_gpu; do
        ldd "$f" | awk '/=> \//{print $3}'
    done | sort -u | grep -E 'libcerf|libcjson|libgomp|libcurand' | xargs -r -I{} cp -L {} "$dir/lib/"
    ls -la "$dir" "$dir/lib"
    exit 0
fi
dir=${1:?usage: tools/gpu_check.sh DIR [OUTDIR]}
out=${2:-${OUT:-/tmp/gpu_check_out}}
mkdir -p "$out"
export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
summary="$out/summary.txt"
: >"$summary"
nvidia-smi -L 2>&1 | tee -a "$summary"
lscpu | sed -n 's/^Model name: *//p' | head -n 1 | sed "s/^/cpu: /;s/\$/, $(nproc) cores/" | tee -a "$summary"

step() { # name timeout command...
    local name=$1 t=$2
    shift 2
    local t0=$(date +%s%N)
    timeout "$t" "$@" >"$out/$name.log" 2>&1
    local rc=$?
    local ms=$((($(date +%s%N) - t0) / 1000000))
    printf '%-12s rc=%-3s %4d.%01d s  %s\n' "$name" "$rc" $((ms / 1000)) $((ms % 1000 / 100)) \
        "$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/$name.log" | tail -n 1)" >>"$summary"
    echo "== $name (rc $rc)"
    tail -n 40 "$out/$name.log"
}
for t in gpu_philox gpu_mc gpu_so8; do
    step "$t" 100 "$dir/$t"
done
step verify 90 "$dir/so8t" verify --backend auto
# the LLM runner: agreement with the CPU, then speed (the model from --pack, if it came)
model="$dir/models/gemma-3-270m-q4_k_m.gguf"
export SO8T_GPU_MODEL="$model"
step gpu_llm 300 "$dir/gpu_llm"
step bench_llm_gpu 240 "$dir/bench_llm_gpu" --model "$model" --reps 5
if [ -r "$model" ] && "$dir/so8t" run --help 2>&1 | grep -q -- --num-gpu; then
    for ng in 0 -1; do # CPU in exact numerics (what the GPU computes), then every layer on the GPU
        step "run_gpu$ng" 120 "$dir/so8t" run -m "$model" --num-gpu "$ng" --exact --temperature 0 \
            --repeat-penalty 1 -n 32 --json -p "The capital of France is"
    done
    a=$(grep -o '"tokens":\[[^]]*\]' "$out/run_gpu0.log"); b=$(grep -o '"tokens":\[[^]]*\]' "$out/run_gpu-1.log")
    [ -n "$a" ] && [ "$a" = "$b" ] && r="equal" || r="DIFFER"
    echo "so8t run --num-gpu -1 vs 0 (--exact, 32 greedy tokens): $r" | tee -a "$summary"
fi
[ -n "${GPU_CHECK_QUICK:-}" ] || step bench_mc 240 "$dir/bench_mc" --reps 3 --csv "$out/bench_mc_gpu.csv"
[ -x "$dir/bench_so8" ] && step bench_so8 90 "$dir/bench_so8"
echo
echo "==== summary"
grep -hE 'GPU|rotations/s|max \|' "$out"/gpu_*.log | head -n 30 >>"$summary"
grep -hE '^(engine|bound)' "$out"/bench_llm_gpu.log >>"$summary" 2>/dev/null
cat "$summary"
