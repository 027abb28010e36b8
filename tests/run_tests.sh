#!/usr/bin/env bash
# Runs every test executable and shell test given on the command line, adds up
# their "N passed, M failed" lines and prints the total as the last line,
# "N passed, M failed, K skipped", K = the SKIP lines the tests printed (a part of a test
# that could not run here: no GPU, no model, ...), each named just above the total.
# SO8T_TEST_FILTER=REGEX (make test T=REGEX) runs only the tests whose file name matches.
# Exit status: non-zero if any check failed, any test crashed (exited non-zero
# or printed no summary), or no check ran at all.
set -u
total_pass=0
total_fail=0
total_skip=0
skipped=""
logdir=$(mktemp -d "${TMPDIR:-/tmp}/so8t_run_tests.XXXXXX") || exit 1
trap 'rm -rf "$logdir"' EXIT
for t in "$@"; do
    if [ -n "${SO8T_TEST_FILTER:-}" ] && ! basename "$t" | grep -qE -- "$SO8T_TEST_FILTER"; then
        continue
    fi
    log=$logdir/log
    case "$t" in
        *.sh) bash "$t" >"$log" 2>&1 ;;
        *) "$t" >"$log" 2>&1 ;;
    esac
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "== $t: no summary line (exit $rc)"
        tail -n 20 "$log"
        total_fail=$((total_fail + 1))
    else
        p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        total_pass=$((total_pass + p))
        total_fail=$((total_fail + f))
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            total_fail=$((total_fail + 1))
            echo "== $t: exit $rc despite 0 failed checks"
        fi
        if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
            echo "== $t:"
            grep -E 'FAIL|SKIP|error' "$log" | head -n 40
        fi
        printf '%-40s %s\n' "$(basename "$t")" "$line"
        while IFS= read -r sk; do
            total_skip=$((total_skip + 1))
            skipped="$skipped$(basename "$t"): ${sk#SKIP: }
"
        done < <(grep -E '^SKIP' "$log")
    fi
done
if [ "$total_skip" -gt 0 ]; then
    echo "skipped here:"
    printf '%s' "$skipped" | sed 's/^/  /'
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
