#!/usr/bin/env bash
# test_ui_browser.sh — the /ui/ page in a real browser: headless Chromium (Debian chromium +
# chromium-driver, installed by tools/deps.sh) driven by PyPI selenium (pinned, in a venv
# under build/) through tests/serve/ui_browser.py: a d = 8, r = 1.5 run whose estimate, hits
# and z on the page equal /so8t/volume's JSON, the plot's points, the explanation (template
# mode, no model), the SO(8) table, no console error; screenshot build/ui-screenshot.png.
# Named SKIP without Chromium, its driver, or selenium (PyPI unreachable).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$SO8T_TMP
pid=""
on_exit '[ -n "$pid" ] && { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null'
chromium=$(command -v chromium || true)
driver=$(command -v chromedriver || true)
if [ -z "$chromium" ] || [ -z "$driver" ]; then
    echo "SKIP: no chromium/chromedriver (Debian chromium, chromium-driver: bash tools/deps.sh)"
    ok; summary; exit 0
fi
venv=$root/build/ui-venv
if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import selenium' 2>/dev/null; }; then
    if ! { python3 -m venv "$venv" >/dev/null 2>&1 &&
           timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check selenium==4.50.0 \
               >"$tmp/pip.log" 2>&1; }; then
        echo "SKIP: selenium (PyPI unreachable: $(tail -n 1 "$tmp/pip.log" 2>/dev/null))"
        ok; summary; exit 0
    fi
fi
unset SO8T_HOST SO8T_API_KEY
export SO8T_MODEL=/nonexistent/so8t-test-model.gguf
: >"$tmp/log"
"$SO8T" serve --host 127.0.0.1:0 --models "$tmp/store" 2>"$tmp/log" &
pid=$!
port=$(wait_listening "$tmp/log" "$pid")
[ -n "$port" ] || { bad "the server did not start: $(cat "$tmp/log")"; summary; exit 1; }
mkdir -p "$root/build"
timeout 120 "$venv/bin/python" "$root/tests/serve/ui_browser.py" --port "$port" \
    --chromium "$chromium" --driver "$driver" --screenshot "$root/build/ui-screenshot.png" >"$tmp/out" 2>&1
rc=$?
grep -v -e '^ok ' -e ' passed, ' "$tmp/out" >&2
if [ "$rc" = 77 ]; then
    echo "SKIP: chromium does not start here: $(tail -n 1 "$tmp/out")"
    ok
elif [ "$rc" = 0 ] && grep -q '^[0-9]* passed, 0 failed' "$tmp/out"; then
    pass=$((pass + $(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$tmp/out")))
else
    bad "the browser test (exit $rc): $(grep -c '^FAIL' "$tmp/out") check(s) failed"
fi
[ -s "$root/build/ui-screenshot.png" ] && ok || bad "no screenshot"
# the downloaded SVG stands alone: librsvg renders it
if command -v rsvg-convert >/dev/null && [ -s "$root/build/ui-screenshot-plot.svg" ]; then
    rsvg-convert "$root/build/ui-screenshot-plot.svg" -o "$tmp/plot.png" 2>"$tmp/rsvg.err" && [ -s "$tmp/plot.png" ] &&
        ok || bad "the plot's SVG does not render: $(head -c 200 "$tmp/rsvg.err")"
fi
kill -TERM "$pid"; wait "$pid"; pid=""
summary
