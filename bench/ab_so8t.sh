#!/usr/bin/env bash
# bench/ab_so8t.sh — A/B two so8t binaries on the same `so8t volume` problems: for each case,
# REPS runs alternating A and B, median samples/s of each and the ratio B/A.  For measuring a
# change to the CPU backend against the commit before it in one sitting (same machine, same
# load).  Usage: bench/ab_so8t.sh A_BIN B_BIN [REPS]   (cases below; 1 thread, CPU backend;
# the orientation average with |c| = 0.4)
set -u
A=${1:?usage: ab_so8t.sh A_BIN B_BIN [REPS]} B=${2:?} REPS=${3:-5}
rate() { "$1" volume "${@:2}" --backend cpu --threads 1 --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["samples_per_second"])'; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo "| method | d | quantity | A samples/s | B samples/s | B / A |"
echo "|---|---|---|---:|---:|---:|"
for m in ball radial orient-hit orient-cond; do
    for d in 3 8 16 64; do
        r=$(awk -v d="$d" 'BEGIN { print (d == 3 ? 1.2 : d == 8 ? 1.5 : d == 16 ? 2.4 : 4.6) }')
        for q in volume surface; do
            [ "$m" != ball ] && [ "$q" = surface ] && continue
            sflag=; [ "$q" = surface ] && sflag=--surface
            meth=$m
            case "$m" in
                orient-*) meth=${m#orient-}; sflag="--orient-avg --center $(awk -v d="$d" 'BEGIN { for (i = 0; i < d; i++) printf "%s%s", (i ? "," : ""), (i == 0 ? 0.4 : 0) }')" ;;
            esac
            ra=(); rb=()
            for i in $(seq "$REPS"); do
                ra+=("$(rate "$A" -d "$d" -r "$r" --method "$meth" $sflag -n 2^21)")
                rb+=("$(rate "$B" -d "$d" -r "$r" --method "$meth" $sflag -n 2^21)")
            done
            ma=$(printf '%s\n' "${ra[@]}" | median); mb=$(printf '%s\n' "${rb[@]}" | median)
            awk -v m="$m" -v d="$d" -v q="$q" -v a="$ma" -v b="$mb" \
                'BEGIN { printf "| %s | %d | %s | %.3g | %.3g | %.2f |\n", m, d, q, a, b, b / a }'
        done
    done
done
