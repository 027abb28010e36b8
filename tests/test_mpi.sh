#!/usr/bin/env bash
# test_mpi.sh — bin/so8t-mpi (issue 15): the same bits (estimate, std_error, samples, hits)
# as 'so8t volume' for 1, 2, 3 and 4 ranks, every method, volume and surface (and the
# orientation average, the complement and a rotated cube), with and without --rel-err;
# a rank that skips or doubles its share must fail (fault injection, see mpi/so8t_mpi.c);
# checkpoint + SIGTERM under mpirun + resume with another rank count = the same bits; a
# killed rank ends the job within 10 s naming it; an injected failure names rank and cause;
# 'rotations --out' writes the same bytes as one process.
# Each rank count costs a launch (~0.6 s here), so each (case, mode) runs with one rank
# count in rotation and three cases with all four; SO8T_MPI_TEST_FULL=1 runs every case
# with 1, 2, 3 and 4 ranks.
. "$(dirname "$0")/lib.sh"
SO8T_MPI=${SO8T_MPI:-}
if [ -z "$SO8T_MPI" ] || [ ! -x "$SO8T_MPI" ] || ! command -v mpirun >/dev/null; then
    echo "SKIP: MPI tests: no bin/so8t-mpi or no mpirun (bash tools/deps.sh installs Open MPI; make builds so8t-mpi when mpicc is found)"
    echo "1 passed, 0 failed"
    exit 0
fi
# Open MPI in a container, as root, more ranks than cores (docs/cluster.md)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm=isolated
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl=self,vader
T=$SO8T_TMP
mpi() { local n=$1; shift; timeout 60 mpirun -np "$n" "$SO8T_MPI" "$@"; }
bits() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["method"], d["estimate"], d["std_error"], d["samples"], d.get("hits"), d.get("ranks"))' "$1" 2>/dev/null; }
strip_ranks() { sed -E 's/ [0-9]+$//; s/ None$//'; }

i=0
check_case() { # NAME RANKS... -- ARGS
    local name=$1; shift
    local ranks=""
    while [ "$1" != -- ]; do ranks="$ranks $1"; shift; done
    shift
    "$SO8T" volume "$@" --backend cpu --json >"$T/one.json" 2>/dev/null || { bad "$name: so8t failed"; return; }
    local want; want=$(bits "$T/one.json" | strip_ranks)
    for n in $ranks; do
        mpi "$n" volume "$@" --backend cpu --threads 1 --json >"$T/n.json" 2>"$T/n.err"
        local rc=$? got; got=$(bits "$T/n.json")
        if [ $rc -eq 0 ] && [ "${got% *}" = "$want" ] && [ "${got##* }" = "$n" ]; then ok; else
            bad "$name, $n ranks (exit $rc): '$got' vs so8t '$want'"; head -3 "$T/n.err" >&2; fi
    done
}
# the rank counts of the next case: 2, 3, 4, 1, 2, ... (all four with SO8T_MPI_TEST_FULL=1)
next_ranks() { if [ -n "${SO8T_MPI_TEST_FULL:-}" ]; then R="1 2 3 4"; else R=$((1 + (i + 1) % 4)); fi; i=$((i + 1)); }

P="-d 6 -r 1.35 --center 0.2,-0.1,0,0.3,0,0.1"
for m in hit ball cond radial qmc tilt auto; do
    next_ranks; check_case "$m" $R -- $P --method "$m" -n 2e5
    next_ranks; check_case "$m rel-err" $R -- $P --method "$m" --rel-err 5e-3 -n 3e6
done
next_ranks; check_case "surface" $R -- $P --surface --method ball -n 2e5
next_ranks; check_case "surface rel-err" $R -- $P --surface --method ball --rel-err 1e-2 -n 3e6
next_ranks; check_case "orient-avg" $R -- -d 5 -r 1.2 --orient-avg --method cond -n 2e5
next_ranks; check_case "complement" $R -- -d 5 -r 2 --complement --method tilt -n 2e5
next_ranks; check_case "rotated" $R -- -d 4 -r 1.1 --rotation haar --method hit -n 2e5 --exact
# one case on three rank counts (the rotation above gives each count several cases)
check_case "cond, 2-4 ranks" 2 3 4 -- $P --method cond -n 3e5 --rel-err 1e-2

# the JSON gains ranks and devices; only rank 0 printed (one JSON object)
expect_rc 0 mpi 3 volume -d 3 -r 1.2 -n 1e5 --backend cpu --json
expect_grep '"ranks":3,"devices":0' out
[ "$(grep -c '"quantity"' "$LAST_OUT")" = 1 ] && ok || bad "more than one rank printed"

echo "t=${SECONDS}s: cases done"
# mutation: rank 1's share dropped or counted twice must not give the reference bits
"$SO8T" volume $P --method cond -n 3e5 --backend cpu --json >"$T/one.json"
want=$(bits "$T/one.json" | strip_ranks)
for mut in skip double; do
    SO8T_MPI_TEST_MUTATE=$mut mpi 3 volume $P --method cond -n 3e5 --backend cpu --json >"$T/m.json" 2>"$T/m.err"
    rc=$?
    got=$(bits "$T/m.json")
    if [ $rc -ne 0 ] && [ "${got% *}" != "$want" ]; then ok; else bad "mutation $mut: exit $rc, '$got'"; fi
    grep -q 'the team folded [0-9]* blocks, expected' "$T/m.err" && ok || bad "mutation $mut: no block-count message"
done

# usage errors end every rank (exit 2, no hang)
expect_rc 2 mpi 3 volume -d 3 --bogus
expect_grep 'unknown or incomplete option' err

# a failure of rank 0 alone before the run (its --plot folder): every rank ends, no hang
# (the exit status is the first rank's to end: rank 0's 2 or another rank's 1)
mpi 3 volume -d 3 -r 1.2 -n 1e5 --backend cpu --plot "$T/nofolder/p.svg" >"$T/p.out" 2>"$T/p.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && ok || bad "rank 0 alone failing: exit $rc (124: a hang)"
grep -q 'folder does not exist' "$T/p.err" && ok || bad "rank 0 alone failing: its message is missing"

# an injected failure on one rank: named, with its cause, exit != 0
SO8T_MPI_TEST_FAIL_RANK=2 mpi 3 volume -d 6 -r 1.3 -n 1e6 --backend cpu --json >"$T/f.json" 2>"$T/f.err"
[ $? -ne 0 ] && ok || bad "injected failure: exit 0"
grep -q 'rank 2 of 3 on .* failed: injected failure' "$T/f.err" && ok || bad "injected failure: rank and cause not named"
[ -s "$T/f.json" ] && bad "injected failure: a result was printed" || ok

echo "t=${SECONDS}s: faults"
# a rank killed mid-run: the job ends within 10 s, the rank named, exit != 0
mpirun -np 3 "$SO8T_MPI" volume -d 8 -r 1.5 -n 1e12 --method cond --backend cpu --threads 1 \
    --json >"$T/k.json" 2>"$T/k.err" &
mp=$!
victim=""
for _ in $(seq 1 100); do
    for p in $(pgrep -P "$mp" 2>/dev/null); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && victim=$p
    done
    [ -n "$victim" ] && break
    sleep 0.1
done
sleep 0.5
t0=$(date +%s.%N)
[ -n "$victim" ] && kill -9 "$victim"
for _ in $(seq 1 150); do kill -0 "$mp" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$mp" 2>/dev/null; then bad "killed rank: the job still runs after 15 s"; kill -9 "$mp"; fi
wait "$mp"
rc=$?
t1=$(date +%s.%N)
[ -n "$victim" ] && ok || bad "killed rank: rank 1 not found"
[ $rc -ne 0 ] && ok || bad "killed rank: exit 0"
python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < 10 else 1)" "$t0" "$t1" && ok ||
    bad "killed rank: the job took more than 10 s to end"
grep -q 'rank 1 .*signal 9' "$T/k.err" && ok || { bad "killed rank: rank 1 not named"; head -5 "$T/k.err" >&2; }
[ -s "$T/k.json" ] && bad "killed rank: a result was printed" || ok

echo "t=${SECONDS}s: checkpoints"
# checkpoint under mpirun: SIGTERM to mpirun stops the ranks with the state saved; the
# resume with another rank count (and plain so8t) ends with the uninterrupted bits
A="-d 8 -r 1.5 -n 5e7 --method cond --backend cpu"
"$SO8T" volume $A --threads 2 --json >"$T/ref.json" # threads never change the bits
want=$(bits "$T/ref.json" | strip_ranks)
mpirun -np 3 "$SO8T_MPI" volume $A --threads 1 --json --checkpoint "$T/ck" --checkpoint-every 0.05 >"$T/c.json" 2>"$T/c.err" &
mp=$!
for _ in $(seq 1 200); do [ -s "$T/ck" ] && break; sleep 0.05; done
kill -TERM "$mp"
wait "$mp"
rc=$?
if grep -q 'stopped by a signal after' "$T/c.err"; then
    [ $rc -ne 0 ] && ok || bad "mpi checkpoint: stopped but exit 0"
    [ -s "$T/c.json" ] && bad "mpi checkpoint: a stopped run printed a result" || ok
else
    echo "note: the run finished before SIGTERM (exit $rc)"
fi
mpi 2 volume $A --threads 1 --json --resume "$T/ck" --checkpoint "$T/ck" >"$T/r.json" 2>"$T/r.err"
got=$(bits "$T/r.json")
[ "${got% *}" = "$want" ] && ok || bad "mpi resume on 2 ranks: '$got' vs '$want'"
expect_rc 0 "$SO8T" volume $A --threads 2 --json --resume "$T/ck"
last_out >"$T/r1.json"
[ "$(bits "$T/r1.json" | strip_ranks)" = "$want" ] && ok || bad "so8t resume of an so8t-mpi checkpoint differs"
expect_rc 2 mpi 2 volume $A --seed 5 --json --resume "$T/ck"
expect_grep 'different seed' err

# rotations: rank 0 writes the same bytes as one process
expect_rc 0 "$SO8T" rotations -n 300 --seed 4 --out "$T/one.npy" --backend cpu
expect_rc 0 mpi 2 rotations -n 300 --seed 4 --out "$T/two.npy" --backend cpu
cmp -s "$T/one.npy" "$T/two.npy" && ok || bad "rotations --out: different bytes"
echo "t=${SECONDS}s: done"
summary
