#!/usr/bin/env bash
# test_checkpoint.sh — so8t volume --checkpoint / --resume (issue 15, item 4): a run killed
# by SIGKILL or stopped by SIGTERM/SIGINT at several points and resumed ends with the same
# bits (estimate, std_error, samples) as an uninterrupted run, fixed-N and --rel-err;
# SIGTERM exits as killed by it with the state saved; a checkpoint of another seed, method,
# problem or -n is refused naming the field (exit 2); corrupt, truncated, empty and foreign
# files are refused (exit 1); the file is never left half-written (only complete states).
. "$(dirname "$0")/lib.sh"
T=$SO8T_TMP

# the numbers that must match: estimate, std_error, samples, hits (read as text: the
# shortest round-trip digits, so equal text is equal bits)
bits() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["estimate"], d["std_error"], d["samples"], d.get("hits"))' "$1" 2>/dev/null; }

# wait until the checkpoint exists (the run is past its first save), then a bit more
wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && break; sleep 0.05; done; sleep "$2"; }
# wait until the checkpoint differs from what it was (the running process saved anew)
wait_new() { for _ in $(seq 1 400); do [ -s "$1" ] && [ "$(cksum <"$1")" != "$2" ] && break; sleep 0.025; done; }

check_resume_cycle() { # NAME ARGS... : kills at several points, resumes, compares
    local name=$1; shift
    "$SO8T" volume "$@" --json >"$T/ref.json" 2>/dev/null || { bad "$name: reference run failed"; return; }
    local want; want=$(bits "$T/ref.json")
    local ck="$T/cyc/$name.ck" mid=0
    mkdir -p "$T/cyc"
    rm -f "$ck"
    # 1: SIGKILL after the first save; 2: SIGTERM later; 3: SIGINT; then run to the end
    local sigs="KILL TERM INT"
    for s in $sigs; do
        local res="" before=""
        [ -s "$ck" ] && res="--resume $ck" && before=$(cksum <"$ck")
        "$SO8T" volume "$@" --json --checkpoint "$ck" --checkpoint-every 0.05 $res \
            >"$T/part.json" 2>"$T/part.err" &
        local pid=$!
        wait_new "$ck" "$before" # mid-run: this process has saved at least once
        kill -s "$s" "$pid" 2>/dev/null
        wait "$pid"
        local rc=$?
        case "$s:$rc" in
            KILL:137|TERM:143|INT:130) mid=$((mid + 1)); ok ;;
            *:0) ok ;; # finished before the signal: still a valid state to resume
            *) bad "$name: exit $rc after SIG$s"; sed 's/^/   /' "$T/part.err" | head -3 >&2 ;;
        esac
        if [ "$s" != KILL ] && [ "$rc" -ne 0 ]; then
            grep -q "stopped by a signal after [0-9]* samples; state saved to" "$T/part.err" && ok ||
                bad "$name: SIG$s without the 'state saved' message"
            [ -s "$T/part.json" ] && bad "$name: a stopped run printed a result" || ok
        fi
    done
    [ "$mid" -ge 2 ] && ok || bad "$name: only $mid of 3 signals landed mid-run (machine too fast?)"
    expect_rc 0 "$SO8T" volume "$@" --json --resume "$ck"
    last_out >"$T/got.json"
    local got; got=$(bits "$T/got.json")
    [ -n "$want" ] && [ "$got" = "$want" ] && ok || bad "$name: resumed '$got' != uninterrupted '$want'"
}

# fixed N (a continuous estimator: the exact sum must survive the cut) and --rel-err
check_resume_cycle cond -d 8 -r 1.5 -n 2e7 --method cond --threads 1 --backend cpu
check_resume_cycle hit_relerr -d 6 -r 1.3 --method hit --rel-err 3e-4 -n 1e9 --threads 1 --backend cpu
check_resume_cycle qmc -d 5 -r 1.2 -n 3e6 --method qmc --threads 1 --backend cpu

# a finished checkpoint resumes to the same result at once
A="-d 4 -r 1.1 -n 3e5 --method tilt --backend cpu"
expect_rc 0 "$SO8T" volume $A --json --checkpoint "$T/done.ck"
last_out >"$T/done1.json"
expect_rc 0 "$SO8T" volume $A --json --resume "$T/done.ck"
last_out >"$T/done2.json"
[ "$(bits "$T/done1.json")" = "$(bits "$T/done2.json")" ] && ok || bad "finished checkpoint: different result"

# mismatches: refused, the field named, exit 2
expect_rc 2 "$SO8T" volume $A --seed 7 --resume "$T/done.ck"
expect_grep 'different seed' err
expect_rc 2 "$SO8T" volume -d 4 -r 1.1 -n 3e5 --method hit --backend cpu --resume "$T/done.ck"
expect_grep 'different method' err
expect_rc 2 "$SO8T" volume -d 4 -r 1.2 -n 3e5 --method tilt --backend cpu --resume "$T/done.ck"
expect_grep 'different radius' err
expect_rc 2 "$SO8T" volume -d 5 -r 1.1 -n 3e5 --method tilt --backend cpu --resume "$T/done.ck"
expect_grep 'different dimension' err
expect_rc 2 "$SO8T" volume $A --center 0.1 --resume "$T/done.ck"
expect_grep 'different centre' err
expect_rc 2 "$SO8T" volume -d 4 -r 1.1 -n 4e5 --method tilt --backend cpu --resume "$T/done.ck"
expect_grep 'different samples' err
expect_rc 2 "$SO8T" volume $A --surface --method ball --resume "$T/done.ck"
expect_grep 'different quantity' err
# the backend and threads may change: the numbers do not depend on them
expect_rc 0 "$SO8T" volume $A --threads 1 --resume "$T/done.ck"

# corrupt, truncated, empty, foreign: refused (exit 1), never trusted
sz=$(stat -c %s "$T/done.ck")
for off in 3 30 $((sz / 2)) $((sz - 3)); do
    cp "$T/done.ck" "$T/flip.ck"
    printf '\xa5' | dd of="$T/flip.ck" bs=1 seek="$off" conv=notrunc 2>/dev/null
    cmp -s "$T/done.ck" "$T/flip.ck" && printf '\x5a' | dd of="$T/flip.ck" bs=1 seek="$off" conv=notrunc 2>/dev/null
    expect_rc 1 "$SO8T" volume $A --resume "$T/flip.ck"
    expect_grep 'corrupt|not a so8t checkpoint|version' err
done
head -c $((sz - 8)) "$T/done.ck" >"$T/trunc.ck"
expect_rc 1 "$SO8T" volume $A --resume "$T/trunc.ck"
expect_grep 'truncated' err
: >"$T/empty.ck"
expect_rc 1 "$SO8T" volume $A --resume "$T/empty.ck"
expect_grep 'not a so8t checkpoint, or truncated' err
echo '{"estimate": 1}' >"$T/foreign.ck"
expect_rc 1 "$SO8T" volume $A --resume "$T/foreign.ck"
expect_rc 1 "$SO8T" volume $A --resume "$T/missing.ck"
expect_grep 'No such file' err
# an unwritable checkpoint folder fails the run (exit 1), it does not run without saves
expect_rc 1 "$SO8T" volume $A --checkpoint "$T/nofolder/x.ck"
expect_grep 'checkpoint .*nofolder' err
# usage: combinations that cannot checkpoint, a bad interval
expect_rc 2 "$SO8T" volume $A --checkpoint "$T/v.ck" --verify
expect_rc 2 "$SO8T" volume $A --checkpoint "$T/v.ck" --checkpoint-every 0
expect_rc 2 "$SO8T" volume $A --checkpoint-every 5
expect_grep 'needs --checkpoint' err
# no temporary files left next to the checkpoints (SIGKILL during a save may leave one:
# the cycles above write in $T/cyc; here only clean exits and SIGTERM)
"$SO8T" volume -d 8 -r 1.5 -n 1e9 --method cond --threads 1 --backend cpu \
    --checkpoint "$T/term.ck" --checkpoint-every 0.01 >/dev/null 2>&1 &
pid=$!
wait_file "$T/term.ck" 0.3
kill -TERM "$pid"
wait "$pid"
[ $? -eq 143 ] && ok || bad "SIGTERM: not exit 143"
ls -a "$T" | grep -q '\.tmp\.' && bad "temporary checkpoint files left behind" || ok
summary
