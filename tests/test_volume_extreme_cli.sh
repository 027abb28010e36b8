#!/usr/bin/env bash
# test_volume_extreme_cli.sh — 'so8t volume' at extreme scales (never NaN, never a hang:
# an answer or exit 2 with a message) and --complement (JSON "quantity": "complement",
# no fraction_of_ball, the methods it takes, the combinations it refuses).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# no output of these has a NaN/inf number, and each finishes (timeout: the tilt at a = 1e300
# used to loop forever)
for args in "-a 1e40 -r 1.5 --method hit" "-a 1e40 -r 1.5 --method cond" \
    "-a 1e40 -r 1.5 --method qmc" "-a 1e300 -r 1.5 --method tilt" "-a 1e300 -r 1.5" \
    "-r 1e-300" "-r 1e-300 --method radial" "-r 1e-300 --center 1,0,0,0,0,0,0,0 --method tilt"; do
    expect_rc 0 timeout 60 "$SO8T" volume -d 8 $args -n 20000 --backend cpu --json
    # (JSON writes NaN and inf as null)
    if last_out | grep -qE '"(estimate|std_error|log_estimate)":null|"ci95":\[[^]]*null'; then
        bad "NaN/inf in: volume -d 8 $args"
    else
        ok
    fi
done
# the huge cube's small ball: the exact value vol(B) = π^4/24 · 1.5^8 = 104.0203525836734
expect_rc 0 "$SO8T" volume -d 8 -a 1e40 -r 1.5 --method hit -n 1000 --backend cpu --json
expect_grep '"estimate":104\.0203525836734' out
# r = 1e-300: the ball is inside the cube (not "do not overlap"); the log value keeps its digits
expect_rc 0 "$SO8T" volume -d 8 -r 1e-300 -n 1000 --backend cpu --json
expect_grep '"log_estimate":-5524\.80335747' out
if last_out | grep -q 'do not overlap'; then bad "r = 1e-300 called disjoint"; else ok; fi
# a value beyond the double range: exit 2 and a message, not inf
expect_rc 2 "$SO8T" volume -d 8 -a 1e300 -r 1e300 -n 1000 --backend cpu
expect_grep 'beyond the largest double' err

# --complement
expect_rc 0 "$SO8T" volume --complement -d 3 -r 1.5 --method cond -n 100000 --backend cpu --json
expect_grep '"quantity":"complement"' out
if last_out | grep -q fraction_of_ball; then bad "complement JSON has fraction_of_ball"; else ok; fi
expect_rc 0 "$SO8T" volume --complement -d 3 -r 1.5 --method hit -n 100000 --backend cpu --exact
expect_grep 'complement' out
expect_grep '^  exact ' out
expect_rc 2 "$SO8T" volume --complement --method ball -n 1000 --backend cpu
expect_grep 'does not apply to the complement' err
expect_rc 2 "$SO8T" volume --complement --surface -n 1000
expect_rc 2 "$SO8T" volume --complement --orient-avg -n 1000
expect_rc 2 "$SO8T" volume --complement --explain --model none -n 1000
# the tiny complement of d = 64, r = 6 (2.19e-9 of the cube): auto takes the corner tilt
expect_rc 0 "$SO8T" volume --complement -d 64 -r 6 -n 20000 --backend cpu --json
expect_grep '"method":"tilt"' out
expect_grep '"fraction_of_cube":2\.[0-3][0-9]*e-09' out
summary
