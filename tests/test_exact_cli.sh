#!/usr/bin/env bash
# test_exact_cli.sh — 'so8t exact': outputs, JSON fields, rotation files, bad input (exit 2
# with a message naming the option).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$SO8T_TMP

# the classic case: vol([-1,1]^8 ∩ B(0, 1.5)) = 83.164051417189215 (reference table, c25_d8)
expect_rc 0 "$SO8T" exact -d 8 -r 1.5
# printed with 17 digits; the last two are rounding noise, so compare as numbers (1e-13 relative)
near() { # field reference
    awk -v f="$1" -v ref="$2" '$1 == f { d = $2 - ref; if (d < 0) d = -d; ok = d <= 1e-13 * ref }
        END { exit ok ? 0 : 1 }' "$LAST_OUT"
}
if near value 83.164051417189215; then ok; else bad "value is not 83.164051417189215 to 1e-13"; fi
if near fraction_of_cube 0.32485957584839537; then ok; else bad "fraction_of_cube is off"; fi
if near fraction_of_ball 0.79949788047769133; then ok; else bad "fraction_of_ball is off"; fi
# companion: the same comparison rejects a value 1e-12 away
if near value 83.164051417272; then bad "near() accepts a wrong value"; else ok; fi
expect_grep '^error_bound ' out
expect_grep '^seconds ' out
# seconds < 10 ms for the classic case (best of 3 wall-clock runs: the machine may be busy)
best=1
for i in 1 2 3; do
    s=$("$SO8T" exact -d 8 -r 1.5 | awk '$1 == "seconds" {print $2}')
    best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
done
if awk -v s="$best" 'BEGIN { exit !(s < 0.010) }'; then ok; else bad "exact -d 8 -r 1.5 took $best s"; fi

# JSON fields fixed by DESIGN.md
expect_rc 0 "$SO8T" exact -d 8 -r 1.5 --json
for f in quantity dim half_side radius center value log_value error_bound fraction_of_cube \
    fraction_of_ball seconds log_fraction_of_cube log_fraction_of_ball method; do
    expect_grep "\"$f\":" out
done
expect_grep '"quantity":"volume"' out
if command -v python3 >/dev/null 2>&1; then
    if last_out | python3 -c 'import json,sys; d=json.load(sys.stdin); assert abs(d["value"]-83.164051417189215) < 1e-9 and len(d["center"]) == 8' 2>/dev/null; then ok; else bad "JSON does not parse or has wrong values"; fi
fi

# which method answered (docs/math.md): the orthant caps for 4 <= d <= 10, the transform beyond,
# the closed forms for d <= 3, exact cases without numerics
expect_grep '"method":"orthant-caps"' out
expect_rc 0 "$SO8T" exact -d 16 -r 2
expect_grep '^method +laplace-inversion$' out
expect_rc 0 "$SO8T" exact -d 3 -r 1.2
expect_grep '^method +closed-form$' out
expect_rc 0 "$SO8T" exact -d 8 -r 0.5
expect_grep '^method +exact-case$' out

# the 3-sphere inside the 4-cube: 2π² r³ - 8 · 2π r³ (θ - sin θ cos θ), cos θ = 1/r, r = 1.2
expect_rc 0 "$SO8T" exact -d 4 -r 1.2 --surface
expect_grep '^quantity +surface' out
expect_grep '^value +23\.24825530550' out

# exact cases
expect_rc 0 "$SO8T" exact -d 3 -r 2
expect_grep '^value +8$' out
expect_rc 0 "$SO8T" exact -d 2 -r 0.5 --center 5,5
expect_grep '^value +0$' out
expect_rc 0 "$SO8T" exact -d 1 -r 0.5 --center 0.75
expect_grep '^value +0\.75' out
# one number for every coordinate; vertex-centred ball = ball / 2^d
expect_rc 0 "$SO8T" exact -d 3 -r 1 --center 1 --json
expect_grep '"fraction_of_ball":0\.12(49999999|5000000000|5,)' out
# tiny values survive through the log: d = 128, ball on a vertex, r = 0.02
expect_rc 0 "$SO8T" exact -d 128 -r 0.02 --center 1 --json
expect_grep '"log_fraction_of_cube":-8[0-9][0-9]\.' out

# rotation from a file: a rotation by 90° in the (x1, x2) plane maps centre (0.5, 0, 0)
# to (0, -0.5, 0); the value equals the axis-aligned one
printf '0 -1 0\n1 0 0\n0 0 1\n' >"$tmp/rot.txt"
expect_rc 0 "$SO8T" exact -d 3 -r 1.1 --center 0.5,0,0 --rotation "$tmp/rot.txt"
v1=$(last_out | awk '$1 == "value" {print $2}')
expect_rc 0 "$SO8T" exact -d 3 -r 1.1 --center 0,0.5,0
v2=$(last_out | awk '$1 == "value" {print $2}')
if [ -n "$v1" ] && [ "$v1" = "$v2" ]; then ok; else bad "rotated $v1 vs axis-aligned $v2"; fi
# a reflection and a non-orthogonal matrix are refused
printf '1 0 0\n0 1 0\n0 0 -1\n' >"$tmp/refl.txt"
expect_rc 2 "$SO8T" exact -d 3 -r 1 --rotation "$tmp/refl.txt"
expect_grep 'rotation' err
printf '1 0 0 0 1 0 0 0 1.1\n' >"$tmp/bad.txt"
expect_rc 2 "$SO8T" exact -d 3 -r 1 --rotation "$tmp/bad.txt"
expect_grep 'orthogonal' err
printf '1 0 0 0 1 0\n' >"$tmp/short.txt"
expect_rc 2 "$SO8T" exact -d 3 -r 1 --rotation "$tmp/short.txt"
expect_grep 'd\*d' err
expect_rc 1 "$SO8T" exact -d 3 -r 1 --rotation "$tmp/missing.txt"
expect_grep 'cannot open' err

# Haar rotation (so8/): a centred ball is rotation invariant, an off-centre one is not
expect_rc 0 "$SO8T" exact -d 8 -r 1.5 --rotation haar --seed 7
expect_grep '^value +83\.16405141718' out
expect_grep '^rotation +haar \(seed 7\)' out
expect_rc 0 "$SO8T" exact -d 5 -r 1.3 --center 0.9,0,0,0,0 --rotation haar --json
expect_grep '"rotation":"haar"' out
expect_rc 2 "$SO8T" exact -d 20 --rotation haar
expect_grep '--rotation haar' err

# issue 16: tiny radii keep the log (the ball is inside: log vol B_8(1e-170) = -3130.1148607588525
# by mpmath), huge cubes keep the ball's volume (pi^4/24 1.5^8 = 104.0203525836735)
fieldnear() { # field reference relative-tolerance
    awk -v f="$1" -v ref="$2" -v tol="$3" '$1 == f { d = $2 - ref; if (d < 0) d = -d; r = ref < 0 ? -ref : ref
        ok = d <= tol * r } END { exit ok ? 0 : 1 }' "$LAST_OUT"
}
expect_rc 0 "$SO8T" exact -d 8 -r 1e-170
if fieldnear log_value -3130.1148607588525 1e-14; then ok; else bad "log_value of -r 1e-170 lost"; fi
expect_grep '^fraction_of_ball +1$' out
expect_rc 0 "$SO8T" exact -a 1e200 -d 8 -r 1.5
if fieldnear value 104.0203525836735 1e-13; then ok; else bad "-a 1e200 -r 1.5 is not the ball"; fi
# near the corner: never above the cube (d = 100: 2^100 = 1.2676506002282294e30), fraction <= 1,
# and a bound of at least a few ulp × |log_value|
expect_rc 0 "$SO8T" exact -d 100 -r 9.99 --json
if command -v python3 >/dev/null 2>&1; then
    if last_out | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["value"] <= 2.0**100 and d["fraction_of_cube"] <= 1 and d["fraction_of_ball"] <= 1 and d["rel_error_bound"] >= 1e-14' 2>/dev/null; then ok; else bad "d = 100 near the corner breaks a limit or claims too much"; fi
fi
# d = 128 near the corner answered (was: no stable period, NaN, exit 1)
expect_rc 0 "$SO8T" exact -d 128 -r 11.3
expect_grep '^method +corner-series$' out

# the complement: the cube outside the ball, with relative accuracy (d = 64, r = 6:
# 4.04025151267099473485264e+10 = 2.19e-9 of the cube, by mpmath in tests/fixtures/exact_refs.csv)
expect_rc 0 "$SO8T" exact -d 64 -r 6 --complement
expect_grep '^quantity +complement$' out
if fieldnear value 4.04025151267099473485264e+10 1e-11; then ok; else bad "complement d=64 r=6 is off"; fi
if last_out | grep -q fraction_of_ball; then bad "complement prints a fraction of the ball"; else ok; fi
expect_rc 0 "$SO8T" exact -d 64 -r 6 --complement --json
expect_grep '"quantity":"complement"' out
expect_grep '"rel_error_bound":' out
if last_out | grep -q fraction_of_ball; then bad "complement JSON has fraction_of_ball"; else ok; fi
expect_rc 2 "$SO8T" exact -d 4 -r 1 --complement --surface
expect_grep 'complement' err
# exact cases: disjoint gives the whole cube, a covered cube gives 0
expect_rc 0 "$SO8T" exact -d 2 -r 0.5 --center 5,5 --complement
expect_grep '^value +4$' out
expect_rc 0 "$SO8T" exact -d 3 -r 2 --complement
expect_grep '^value +0$' out

# a result that missed its accuracy target is an error (exit 1, "error:" on stderr, converged
# false), not a warning; this complement's honest bound is 1.1e-9 (> the 1e-9 target: the
# transform's exponents cancel from ~1e4 at d = 75 near the corner).  If a better method
# makes it converge, pick another such case (tests/test_geom_bounds.c has none to offer).
c75=-0.047608729753461088,0.42932130556056347,0,0.30649522659671258,-0.10131010147803932,0,0.26167262665073976,0,0.10653774361430557,-0.040836720280738814,0,-0.21747211311826115,0.086306670813964148,-0.12332250863468391,0.49620028748000056,-0.36985296149265623,0,0.435408018452771,0.0062881364516393923,0,-0.13965898768029128,-0.32863498727261786,0.35889205288090376,-0.038850712701143042,0,0.26701210069796633,0,-0.37382462014156609,0,0.0087032667401727437,0.13479967598561182,0,0,-0.45781972718323566,0.45995480132287125,-0.55574405247147385,0,0.050544083980165411,0.587936738127813,0.13300665278593393,-0.21120749880150308,0,0,0.51246338408089398,0,0,0.42639132916293632,0.29015247229959462,0,0.24790323229874645,-0.10218747831051583,0,0.039992794506248486,0,0,-0.4830534874848339,0,0.16749059649533149,0.53851495438186203,0,0,0.46716819399370257,0.32636021362913781,-0.59501736592269383,0,-0.55545156037223131,0.47719314018133707,0,0,-0.017395855773890356,0,0.064935627889323722,-0.53316900894659058,0,-0.0056577435720980285
expect_rc 1 "$SO8T" exact -d 75 -r 10.306853839688712 --center "$c75" --complement
expect_grep '^so8t exact: error: ' err
if last_err | grep -q warning; then bad "a failed exact value is called a warning"; else ok; fi
expect_grep '^rel_error_bound +1\.[0-9]+e-09$' out

# bad input: exit 2, the message names the option
expect_rc 2 "$SO8T" exact -r -1
expect_grep '-r/--radius' err
expect_rc 2 "$SO8T" exact -r nan
expect_grep '-r/--radius' err
expect_rc 2 "$SO8T" exact -d 3 --center 1,2
expect_grep '--center' err
expect_rc 2 "$SO8T" exact -d 0
expect_grep '-d/--dim' err
expect_rc 2 "$SO8T" exact -d 129
expect_grep '-d/--dim' err
expect_rc 2 "$SO8T" exact -a 0
expect_grep '-a/--half-side' err
expect_rc 2 "$SO8T" exact --center 1,nan
expect_grep '--center' err
expect_rc 2 "$SO8T" exact --bogus
expect_grep 'bogus' err
expect_rc 2 "$SO8T" exact -r
expect_rc 2 "$SO8T" exact extra
expect_rc 0 "$SO8T" exact --help
expect_grep 'Usage: so8t exact' out
summary
