# lib.sh — helpers for shell tests (tests/test_*.sh). Source it, call the checks,
# end with `summary`. SO8T points at the binary under test (make sets it).
SO8T=${SO8T:-bin/so8t}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect_rc RC CMD... : run CMD, check its exit status
expect_rc() {
    local want=$1; shift
    "$@" >/tmp/so8t_t_out.$$ 2>/tmp/so8t_t_err.$$
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "exit $rc, want $want: $*"; sed 's/^/   /' /tmp/so8t_t_err.$$ | head -5 >&2; fi
}
# last_out / last_err: what the last expect_rc printed
last_out() { cat /tmp/so8t_t_out.$$; }
last_err() { cat /tmp/so8t_t_err.$$; }
# expect_grep PATTERN WHERE(out|err) : the last command's output matches PATTERN
expect_grep() {
    local pat=$1 where=$2
    if grep -qE -- "$pat" /tmp/so8t_t_$where.$$; then ok; else bad "no '$pat' in std$where"; sed 's/^/   /' /tmp/so8t_t_$where.$$ | head -5 >&2; fi
}
summary() {
    rm -f /tmp/so8t_t_out.$$ /tmp/so8t_t_err.$$
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
