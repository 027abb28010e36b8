#!/usr/bin/env bash
# tools/mc_instr_ab.sh OLD_SO8T NEW_SO8T — instruction counts (valgrind callgrind) of one
# single-thread CPU `so8t volume` run per estimator and dimension, old vs new: a comparison of
# two builds that the machine's load does not blur (docs/performance.md, issue 19).
set -u
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
echo "| case (1 thread, CPU backend) | old instructions | new instructions | new / old |"
echo "|---|---:|---:|---:|"
for d in 3 8 16 64; do
  r=$(awk -v d="$d" 'BEGIN { print (d == 3 ? 1.2 : d == 8 ? 1.5 : d == 16 ? 2.4 : 4.6) }')
  n=$([ $d = 64 ] && echo 2^16 || echo 2^18)
  for m in hit cond ball radial qmc tilt ball-surface orient-hit orient-cond complement-tilt; do
    args="-d $d -r $r -n $n"
    case $m in
      ball-surface) args="$args --method ball --surface" ;;
      orient-*) args="$args --method ${m#orient-} --orient-avg --center 0.4$(printf ',0%.0s' $(seq 2 $d))" ;;
      complement-tilt) args="-d $d -r $(awk -v d=$d 'BEGIN{print 0.9*sqrt(d)}') -n $n --method tilt --complement" ;;
      *) args="$args --method $m" ;;
    esac
    a=$(ir $1 volume $args --backend cpu --threads 1); b=$(ir $2 volume $args --backend cpu --threads 1)
    awk -v c="$m d=$d" -v a="$a" -v b="$b" 'BEGIN { printf "| %s | %.4g | %.4g | %.4f |\n", c, a, b, b / a }'
  done
done
