#!/usr/bin/env bash
# test_run_gpu_cli.sh — num_gpu / main_gpu from every CLI entry point (issue 17): `so8t run
# --num-gpu/--main-gpu`, Modelfile and store PARAMETERs (the option overrides them), the
# --json fields and the stderr line, `so8t info` saying where layers would run, usage errors.
# On a machine without a GPU (or a CUDA=0 build) every request is 0 layers with a note, never
# an error; with a GPU the layers asked for are there. What "a GPU is there" means comes from
# `so8t info --json`, the layer count from the file's tensor names.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
T=$SO8T_TMP
export SO8T_MODELS=$T/store
command -v python3 >/dev/null || { echo "SKIP: no python3 (reads the JSON)"; ok; summary; exit 0; }
writer=
for w in "$(dirname "$(dirname "$SO8T")")/tests/test_store" "$root/build/cuda/tests/test_store" \
         "$root/build/cpu/tests/test_store"; do
    [ -x "$w" ] && { writer=$w; break; }
done
if [ -z "$writer" ] || ! "$writer" --write-model "$T/tiny.gguf"; then
    bad "cannot write the tiny model (build tests/test_store first)"; summary; exit 1
fi
M=$T/tiny.gguf
# jget KEY...: a value of the last command's JSON stdout (Python's repr; None for null)
jget() { python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[k]
print(v)' "$LAST_OUT" "$@"; }
# expect_eq WHAT GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }
nogrep() { if grep -qE -- "$1" "$LAST_ERR"; then bad "stderr has '$1'"; sed 's/^/   /' "$LAST_ERR" | head -3 >&2; else ok; fi; }

expect_rc 0 "$SO8T" info --json
have_gpu=$(jget gpu available)
expect_rc 0 "$SO8T" info --json "$M"
n_layer=$(python3 -c 'import json,sys
print(len({t["name"].split(".")[1] for t in json.load(open(sys.argv[1]))["tensors"] if t["name"].startswith("blk.")}))' "$LAST_OUT")
expect_eq "the tiny model's layer count" "$n_layer" 6
expect_eq "info --json FILE: gpu.available as without a file" "$(jget gpu available)" "$have_gpu"
expect_rc 0 "$SO8T" info "$M"
if [ "$have_gpu" = True ]; then expect_grep '^GPU: +0: .* MiB free' out
else expect_grep '^GPU: +none \(.+\): the layers run on the CPU' out; fi
expect_rc 0 "$SO8T" info
expect_grep '^GPU: ' out
expect_rc 2 "$SO8T" info --main-gpu abc
expect_grep "main-gpu" err
expect_rc 2 "$SO8T" info "$M" "$M"
expect_grep 'only one FILE' err

run() { expect_rc 0 "$SO8T" run -m "$@" -p 'the ball' -n 6 --temperature 0 --threads 1 --json; }
# default: the CPU, nothing said about the GPU
run "$M"
cpu_text=$(jget text)
expect_eq "default num_gpu" "$(jget num_gpu)" 0
expect_eq "default gpu_layers" "$(jget gpu_layers)" 0
expect_eq "default gpu_device" "$(jget gpu_device)" None
expect_eq "default gpu_memory_bytes" "$(jget gpu_memory_bytes)" 0
expect_eq "default gpu_note" "$(jget gpu_note)" None
nogrep '^gpu:'
# -1, 3 and 999 (more than the model has): the layers asked for, or 0 and why
for n in -1 3 999; do
    run "$M" --num-gpu "$n"
    want=0
    [ "$have_gpu" = True ] && want=$([ "$n" = 3 ] && echo 3 || echo "$n_layer")
    expect_eq "--num-gpu $n: num_gpu" "$(jget num_gpu)" "$n"
    expect_eq "--num-gpu $n: gpu_layers" "$(jget gpu_layers)" "$want"
    expect_eq "--num-gpu $n: the same greedy text" "$(jget text)" "$cpu_text"
    expect_grep "^gpu: $want of $n_layer layers offloaded" err
    if [ "$have_gpu" != True ]; then
        expect_grep '^gpu: 0 of 6 layers offloaded \(.+; the model runs on the CPU\)$' err
        case "$(jget gpu_note)" in *"the model runs on the CPU") ok ;; *) bad "--num-gpu $n: gpu_note '$(jget gpu_note)'" ;; esac
        expect_eq "--num-gpu $n: gpu_device" "$(jget gpu_device)" None
    fi
done
# -v says it also for num_gpu 0; streaming (no --json) prints the same line
expect_rc 0 "$SO8T" run -m "$M" -p 'the ball' -n 2 --threads 1 -v
expect_grep '^gpu: 0 of 6 layers offloaded \(num_gpu 0: the model runs on the CPU\)$' err
expect_rc 0 "$SO8T" run -m "$M" -p 'the ball' -n 2 --threads 1 --num-gpu=-1 --main-gpu 0
expect_grep "^gpu: [0-9]+ of 6 layers offloaded" err

# usage errors: exit 2, the option named
for v in -2 abc '' 1.5 2147483648; do
    expect_rc 2 "$SO8T" run -m "$M" -p x --num-gpu "$v"
    expect_grep "num-gpu" err
done
for v in -1 1025 x; do
    expect_rc 2 "$SO8T" run -m "$M" -p x --main-gpu "$v"
    expect_grep "main-gpu" err
done
expect_rc 2 "$SO8T" run -m "$M" -p x --num-gpu
expect_grep "option '--num-gpu' needs a value" err
expect_rc 2 "$SO8T" run -m "$M" -p x stray
expect_grep "unexpected argument 'stray'" err
expect_rc 2 "$SO8T" run -m "$M" -p x -q
expect_grep "unknown option '-q'" err

# Modelfile PARAMETER num_gpu / main_gpu: applied; the command line overrides them
printf 'FROM %s\nPARAMETER num_gpu 3\nPARAMETER main_gpu 0\n' "$M" >"$T/Modelfile"
run "$M" --modelfile "$T/Modelfile"
expect_eq "Modelfile num_gpu 3" "$(jget num_gpu)" 3
expect_grep '^gpu: [0-9]+ of 6 layers offloaded' err
nogrep 'no effect|main_gpu'            # both are used now: no "has no effect" warning
run "$M" --modelfile "$T/Modelfile" --num-gpu 0
expect_eq "--num-gpu 0 overrides the Modelfile" "$(jget num_gpu)" 0
nogrep '^gpu:'
printf 'FROM %s\nPARAMETER num_gpu -2\n' "$M" >"$T/Bad"
expect_rc 2 "$SO8T" run --modelfile "$T/Bad" -p x
expect_grep 'Bad:2: PARAMETER num_gpu: -2 is out of range \[-1, ' err
printf 'FROM %s\nPARAMETER main_gpu 2000\n' "$M" >"$T/Bad"
expect_rc 2 "$SO8T" run --modelfile "$T/Bad" -p x
expect_grep 'Bad:2: PARAMETER main_gpu: 2000 is out of range' err

# the store: `so8t create` keeps num_gpu, `so8t run NAME` applies it, the option overrides it
expect_rc 0 "$SO8T" create gpu3 -f "$T/Modelfile"
expect_rc 0 "$SO8T" show gpu3 --parameters
expect_grep '^num_gpu +3$' out
run gpu3
expect_eq "store model num_gpu 3" "$(jget num_gpu)" 3
expect_eq "store model: the same greedy text" "$(jget text)" "$cpu_text"
run gpu3 --num-gpu -1
expect_eq "--num-gpu -1 overrides the store model's" "$(jget num_gpu)" -1

# explain loads a model too: the same options, Modelfile and line
expect_rc 0 "$SO8T" exact -d 3 -r 1 --json
cp "$LAST_OUT" "$T/r.json"
ex() { expect_rc 0 "$SO8T" explain "$T/r.json" --attempts 1 --max-tokens 8 --threads 1 "$@"; }
ex --model "$M"
nogrep '^gpu:'
ex --model "$M" --num-gpu -1
expect_grep "^gpu: $([ "$have_gpu" = True ] && echo 6 || echo 0) of 6 layers offloaded" err
ex --modelfile "$T/Modelfile"
expect_grep "^gpu: $([ "$have_gpu" = True ] && echo 3 || echo 0) of 6 layers offloaded" err
ex --modelfile "$T/Modelfile" --num-gpu 0
nogrep '^gpu:'
ex --model "$M" -v
expect_grep '^gpu: 0 of 6 layers offloaded \(num_gpu 0: the model runs on the CPU\)$' err
expect_rc 2 "$SO8T" explain "$T/r.json" --model "$M" --num-gpu abc
expect_grep "num-gpu" err
expect_rc 2 "$SO8T" explain "$T/r.json" --model "$M" --main-gpu -1
expect_grep "main-gpu" err
summary
