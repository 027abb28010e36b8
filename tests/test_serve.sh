#!/usr/bin/env bash
# test_serve.sh — `so8t serve` end to end on loopback: tiny models written by tests/test_store
# (--write-model) into a temporary store, two servers on free ports, driven by curl and by
# the real PyPI clients (ollama, openai; pinned, in a venv under build/) through
# tests/serve/drive.py, which prints the "N passed, M failed" line. Without PyPI the client
# part prints SKIP and the curl part still runs.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$SO8T_TMP
pids=""
on_exit 'for p in $pids; do { kill -KILL "$p"; wait "$p"; } 2>/dev/null; done'
export SO8T_MODELS=$tmp/store
export SO8T_MODEL=/nonexistent/so8t-test-model.gguf
unset SO8T_HOST SO8T_API_KEY OLLAMA_HOST OPENAI_API_KEY OPENAI_BASE_URL

tiny_model "$tmp/tiny.gguf"
command -v curl >/dev/null || { echo "SKIP: no curl (tools/deps.sh installs it)"; ok; summary; exit 0; }

# The clients, pinned (docs/serve.md names the versions tested).
venv=$root/build/serve-venv
py=python3
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import ollama, openai' 2>/dev/null; then
    py=$venv/bin/python
elif python3 -m venv "$venv" >/dev/null 2>&1 &&
     timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check \
         ollama==0.6.3 openai==3.63.0 >"$tmp/pip.log" 2>&1; then
    py=$venv/bin/python
else
    echo "SKIP: the ollama/openai clients (PyPI unreachable: $(tail -n 1 "$tmp/pip.log" 2>/dev/null))"
fi

# A Modelfile with Ollama's removed `numa` parameter, as in the report that started issue 14.
printf 'FROM %s\nPARAMETER numa true\nPARAMETER temperature 0\nPARAMETER num_ctx 64\n' \
    "$tmp/tiny.gguf" >"$tmp/Modelfile"
expect_rc 0 "$SO8T" create tiny -f "$tmp/Modelfile"
expect_grep "parameter 'numa' has no effect" err

# start_server NAME ARGS...: prints the port once it listens
start_server() {
    local name=$1; shift
    "$SO8T" serve --host 127.0.0.1:0 --models "$tmp/store" --threads 1 "$@" 2>"$tmp/$name.log" &
    local pid=$!
    pids="$pids $pid"
    echo "$pid" >"$tmp/$name.pid"
    local port
    port=$(wait_listening "$tmp/$name.log" "$pid") && { echo "$port" >"$tmp/$name.port"; return 0; }
    cat "$tmp/$name.log" >&2
    return 1
}
# main: the functional tests; slow: a small queue, an API key, a token delay and short
# timeouts for the queue, cancellation, slow-client and drain tests
start_server main --token-delay-ms 2 || { bad "server 'main' did not start"; summary; exit 1; }
start_server slow --token-delay-ms 40 --max-queue 1 --api-key sekret --timeout 2 --drain 20 ||
    { bad "server 'slow' did not start"; summary; exit 1; }

"$py" "$root/tests/serve/drive.py" --so8t "$SO8T" --tmp "$tmp" --pre "$pass" "$fail" \
    --main "$(cat "$tmp/main.port")" --main-log "$tmp/main.log" --main-pid "$(cat "$tmp/main.pid")" \
    --slow "$(cat "$tmp/slow.port")" --slow-log "$tmp/slow.log" --slow-pid "$(cat "$tmp/slow.pid")"
rc=$?
# stop the main server the normal way too; under ASan both exits run LeakSanitizer, and any
# sanitizer report in a server log fails the test
main_pid=$(cat "$tmp/main.pid")
kill -TERM "$main_pid" 2>/dev/null
for _ in $(seq 100); do kill -0 "$main_pid" 2>/dev/null || break; sleep 0.1; done
wait "$main_pid" 2>/dev/null
main_rc=$?
slow_pid=$(cat "$tmp/slow.pid")
# drive.py stops the slow server itself (its drain test); if drive.py died before that,
# stop it here rather than wait for ever
[ $rc -eq 0 ] || kill -TERM "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null
slow_rc=$?
pids=""
extra=0
if [ "$main_rc" -ne 0 ] || [ "$slow_rc" -ne 0 ]; then
    echo "FAIL: the servers exit with $main_rc and $slow_rc after SIGTERM (want 0)"; extra=1
fi
if grep -lE 'Sanitizer|runtime error:' "$tmp/main.log" "$tmp/slow.log"; then
    echo "FAIL: a sanitizer report in a server log"; extra=1
    grep -hE -A12 'Sanitizer|runtime error:' "$tmp/main.log" "$tmp/slow.log" | head -60
fi
if [ $rc -ne 0 ] || [ $extra -ne 0 ]; then
    echo "--- main server log (tail)"; tail -n 30 "$tmp/main.log"
    echo "--- slow server log (tail)"; tail -n 30 "$tmp/slow.log"
    echo "0 passed, 1 failed"
    exit 1
fi
exit 0
