#!/usr/bin/env bash
# test_cli.sh — the so8t front end: help for every command, version, usage errors (exit 2,
# message naming the option), number formats, volume/verify output and JSON fields.
. "$(dirname "$0")/lib.sh"

expect_rc 0 "$SO8T" --help
expect_grep 'volume' out
expect_rc 0 "$SO8T" --version
expect_grep '^so8t [0-9]' out
expect_rc 2 "$SO8T"
expect_rc 2 "$SO8T" frobnicate
expect_grep "unknown command 'frobnicate'" err
for c in volume exact rotations verify info run explain bench; do
    expect_rc 0 "$SO8T" "$c" --help
    expect_grep 'Usage: so8t' out
done

# counts: negatives, garbage, NaN and fractions are usage errors naming the option
expect_rc 2 "$SO8T" volume -n -5
expect_grep '\-n' err
expect_rc 2 "$SO8T" volume -n abc
expect_grep '\-n' err
expect_rc 2 "$SO8T" volume -n 1.5
expect_rc 2 "$SO8T" volume -n nan
expect_rc 2 "$SO8T" volume -r nan
expect_grep 'radius|-r' err
expect_rc 2 "$SO8T" volume -r -1
expect_rc 2 "$SO8T" volume -a 0
expect_rc 2 "$SO8T" volume -d 0
expect_rc 2 "$SO8T" volume -d 3 --center 1,2
expect_grep 'center' err
expect_rc 2 "$SO8T" volume --method nope
expect_grep 'method' err
expect_rc 2 "$SO8T" volume --backend quantum
expect_rc 2 "$SO8T" volume --rel-err 0
expect_rc 2 "$SO8T" volume --rel-err inf
expect_rc 2 "$SO8T" volume --surface --method hit -n 1000
expect_grep "does not apply" err
expect_rc 2 "$SO8T" volume --orient-avg --surface
expect_rc 2 "$SO8T" volume extra-argument
# 1e6 and 2^20 style counts are accepted
expect_rc 0 "$SO8T" volume -d 3 -r 1 -n 1e5 --method hit --json
expect_grep '"samples":100000' out
expect_rc 0 "$SO8T" volume -d 3 -r 1 -n 2^16 --method hit --json
expect_grep '"samples":65536' out

# the classic case: JSON fields from docs/design.md, and the exact value within 5 se
expect_rc 0 "$SO8T" volume -d 8 -r 1.5 -n 2^20 --exact --verify --json --seed 7
for f in quantity dim half_side radius center method backend seed samples estimate std_error ci95 rel_error seconds samples_per_second exact '"z"' cpu identical; do
    expect_grep "\"?$f\"?:" out
done
z=$(last_out | sed -E 's/.*"z":([-0-9.eE+]+).*/\1/')
if awk -v z="$z" 'BEGIN{exit !(z >= -5 && z <= 5)}'; then ok; else bad "classic case z = $z"; fi
# a plain run prints the estimate and the exact line
expect_rc 0 "$SO8T" volume -d 4 -r 1.2 --surface -n 2^18 --exact
expect_grep 'surface measure' out
expect_grep 'exact' out

# a CUDA-enabled build without a GPU says once that it uses the CPU; cuda on request fails
if "$SO8T" info 2>/dev/null | grep -q 'CUDA: compiled in'; then
    expect_rc 0 "$SO8T" volume -d 3 -n 1e4
    n=$(last_err | grep -c 'using the CPU')
    [ "$n" -eq 1 ] && ok || bad "expected one 'using the CPU' note, got $n"
fi
if ! (command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q GPU); then
    expect_rc 2 "$SO8T" volume -d 3 -n 1e4 --backend cuda
    expect_grep 'CUDA' err
fi

# --plot writes an SVG that a real renderer turns into a PNG
svg=$SO8T_TMP/plot.svg; png=$SO8T_TMP/plot.png
expect_rc 0 "$SO8T" volume -d 8 -r 1.5 -n 2^18 --method hit --plot "$svg"
if grep -q '<svg' "$svg" && grep -q 'exact' "$svg"; then ok; else bad "--plot wrote no SVG with the exact line"; fi
if command -v rsvg-convert >/dev/null; then
    if rsvg-convert "$svg" -o "$png" && [ -s "$png" ]; then ok; else bad "rsvg-convert could not render the plot"; fi
fi
expect_rc 2 "$SO8T" volume -d 3 -n 1e4 --plot /nonexistent-dir/x.svg  # found before the run
rm -f "$svg" "$png"

# so8t run --modelfile: a bad Modelfile is a usage error naming the line, a missing one exit 1
mf=$SO8T_TMP/Modelfile
printf 'FROM ./none.gguf\nPARAMETER bogus 1\n' >"$mf"
expect_rc 2 "$SO8T" run --modelfile "$mf" -p hi
expect_grep ":2: unknown parameter 'bogus'" err
expect_rc 1 "$SO8T" run --modelfile /nonexistent/Modelfile -p hi
rm -f "$mf"

# verify --quick passes and its JSON says so
expect_rc 0 "$SO8T" verify --quick --json -n 2^14
expect_grep '"pass":true' out
expect_grep '"cases":\[' out
summary
