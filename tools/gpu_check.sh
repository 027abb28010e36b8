#!/usr/bin/env bash
# tools/gpu_check.sh — the whole GPU check as one prepared script, for a lent GPU machine
# that has no Debian packages of ours: run it on binaries built elsewhere (CUDA=1 build,
# static cudart) and gathered by `tools/gpu_check.sh --pack DIR`, which also copies the
# shared libraries they need. Usage there:  tools/gpu_check.sh DIR [OUTDIR]
# Steps (each under its own timeout, so one hang cannot eat the lease): the GPU tests,
# `so8t verify --backend auto` (GPU == CPU counts on every case), bench_mc with its CUDA
# column, bench_so8 (its GPU column when there is one), and last a short table of what passed
# and the headline rates.  GPU_CHECK_QUICK=1 leaves out bench_mc (the longest step).
set -u
if [ "${1:-}" = "--pack" ]; then
    dir=${2:?usage: tools/gpu_check.sh --pack DIR}
    b=${BUILD:-build/cuda}
    mkdir -p "$dir/lib"
    cp bin/so8t "$b"/tests/gpu_* "$b"/bench/bench_mc "$b"/bench/bench_so8 "$dir"/ || exit 1
    rm -f "$dir"/*.d
    for f in "$dir"/so8t "$dir"/gpu_* "$dir"/bench_mc "$dir"/bench_so8; do
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
[ -n "${GPU_CHECK_QUICK:-}" ] || step bench_mc 240 "$dir/bench_mc" --reps 3 --csv "$out/bench_mc_gpu.csv"
[ -x "$dir/bench_so8" ] && step bench_so8 90 "$dir/bench_so8"
echo
echo "==== summary"
grep -hE 'GPU|rotations/s|max \|' "$out"/gpu_*.log | head -n 20 >>"$summary"
cat "$summary"
