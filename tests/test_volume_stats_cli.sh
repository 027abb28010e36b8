#!/usr/bin/env bash
# test_volume_stats_cli.sh — what 'so8t volume' says about its statistics (issue 16):
# an unmet --rel-err target is said (JSON target_met, a stderr warning with the target, the
# achieved relative error and the samples it would need); z for a se = 0 result is decided
# by the rounding bound, not printed as "inf (more than 5 se away!)"; the interval holds the
# exact value of the d = 1 qmc example; rounding_bound is in the JSON.
. "$(dirname "$0")/lib.sh"

# --rel-err not met within -n: false + warning naming target, achieved, samples needed
expect_rc 0 "$SO8T" volume -d 3 -r 1.2 --method hit --rel-err 1e-4 -n 16384 --backend cpu --json
expect_grep '"target_met":false' out
expect_grep '"rel_err_target":0.0001' out
expect_grep 'warning: --rel-err 0.0001 not met: the 95% half-width is [0-9.e-]+ of the estimate after 16384 samples; about [0-9.e+]+ samples' err
# met: true, no warning
expect_rc 0 "$SO8T" volume -d 3 -r 1.2 --method hit --rel-err 0.05 --backend cpu --json
expect_grep '"target_met":true' out
if grep -q 'not met' "$LAST_ERR"; then bad "warning for a met target"; else ok; fi
# no target: no field
expect_rc 0 "$SO8T" volume -d 3 -r 1.2 --method hit -n 4096 --backend cpu --json
if grep -q 'target_met' "$LAST_OUT"; then bad "target_met without --rel-err"; else ok; fi
expect_grep '"rounding_bound":' out
expect_grep '"ci_method":"clopper-pearson"' out

# the issue's d = 1 qmc example: exact inside the interval, z = 0 within the rounding bound
expect_rc 0 "$SO8T" volume -d 1 -r 0.8 --center 0.5 --method qmc --exact --backend cpu
expect_grep 'z = 0.00  \(within the rounding bound\)' out
if grep -q 'more than 5 se' "$LAST_OUT"; then bad "se = 0 called more than 5 se away"; else ok; fi
expect_rc 0 "$SO8T" volume -d 1 -r 0.8 --center 0.5 --method qmc --exact --backend cpu --json
expect_grep '"z":0,' out
expect_grep '"exact_in_ci95":true' out
# the d = 64, r = 6 example: auto finishes in its pilot-sized first batch and says why
expect_rc 0 "$SO8T" volume -d 64 -r 6 --rel-err 0.01 --backend cpu --json
expect_grep '"target_met":true' out
expect_grep 'rule of three' out
if grep -q '"method":"radial"' "$LAST_OUT"; then bad "auto picked radial at d = 64, r = 6"; else ok; fi
# nothing contributes: a one-sided interval, not [0, 0]
expect_rc 0 "$SO8T" volume -d 3 -r 0.500001 --center 1.5,0,0 --method cond -n 4096 --backend cpu --json
expect_grep '"ci_one_sided":true' out
if grep -q '"ci95":\[0,0\]' "$LAST_OUT"; then bad "[0, 0] interval with no contribution"; else ok; fi
summary
