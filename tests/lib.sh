# lib.sh — helpers for shell tests (tests/test_*.sh). Source it, call the checks,
# end with `summary`. SO8T points at the binary under test (make sets it).
# Every temporary file lives in SO8T_TMP, one `mktemp -d` folder per test that the EXIT
# trap removes (also after a failure or ^C); a test needing its own files puts them there
# rather than setting a trap of its own, which would replace this one.
SO8T=${SO8T:-bin/so8t}
SO8T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/so8t_test.XXXXXX") || { echo "FAIL: mktemp -d" >&2; exit 1; }
# on_exit 'CMD': CMD runs at exit before the folder goes (stop a server the test started);
# a test never sets an EXIT trap of its own
LIB_ON_EXIT=""
on_exit() { LIB_ON_EXIT="$LIB_ON_EXIT$1
"; }
# chmod first: a test may leave read-only folders behind (the store tests do)
lib_cleanup() { eval "$LIB_ON_EXIT"; chmod -R u+w "$SO8T_TMP" 2>/dev/null; rm -rf "$SO8T_TMP"; }
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# the last expect_rc's stdout and stderr
LAST_OUT=$SO8T_TMP/last.out
LAST_ERR=$SO8T_TMP/last.err
# expect_rc RC CMD... : run CMD, check its exit status
expect_rc() {
    local want=$1; shift
    "$@" >"$LAST_OUT" 2>"$LAST_ERR"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "exit $rc, want $want: $*"; sed 's/^/   /' "$LAST_ERR" | head -5 >&2; fi
}
# last_out / last_err: what the last expect_rc printed
last_out() { cat "$LAST_OUT"; }
last_err() { cat "$LAST_ERR"; }
# expect_grep PATTERN WHERE(out|err) : the last command's output matches PATTERN
expect_grep() {
    local pat=$1 f
    if [ "$2" = out ]; then f=$LAST_OUT; else f=$LAST_ERR; fi
    if grep -qE -- "$pat" "$f"; then ok; else bad "no '$pat' in std$2"; sed 's/^/   /' "$f" | head -5 >&2; fi
}
# tiny_model FILE: writes the tiny gemma3 test model there with `test_store --write-model`
# (the test_store of the same build as $SO8T, else $SO8T_TEST_STORE or build/*/tests);
# without one the test fails and ends here.
tiny_model() {
    local root w writer=${SO8T_TEST_STORE:-}
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    if [ -z "$writer" ]; then
        for w in "$(dirname "$(dirname "$SO8T")")/tests/test_store" "$root/build/cuda/tests/test_store" \
                 "$root/build/cpu/tests/test_store"; do
            [ -x "$w" ] && { writer=$w; break; }
        done
    fi
    if [ -z "$writer" ] || ! "$writer" --write-model "$1"; then
        bad "cannot write the tiny model (build tests/test_store first, or set SO8T_TEST_STORE)"
        summary
        exit 1
    fi
}
# wait_listening LOG PID: waits up to 10 s for `so8t serve`'s "listening on" line in LOG and
# prints its port; fails when PID exits first or the line does not come.
wait_listening() {
    local port
    for _ in $(seq 100); do
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
        [ -n "$port" ] && { echo "$port"; return 0; }
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
