#!/usr/bin/env bash
# test_so8t_api.sh — so8t's own API under /so8t/ in `so8t serve`: each endpoint's reply is
# byte for byte the CLI's --json output for the same options (timing fields aside: their
# numbers are replaced by T in both before cmp); NDJSON streams (partial lines first, in
# order, then the same final object); per-request limits; unknown keys, wrong types and
# out-of-range values are 400s naming the key; the page's files; / stays Ollama's.
. "$(dirname "$0")/lib.sh"
tmp=$SO8T_TMP
pid=""
on_exit '[ -n "$pid" ] && { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null'
command -v curl >/dev/null || { echo "SKIP: no curl (tools/deps.sh installs it)"; ok; summary; exit 0; }
unset SO8T_HOST SO8T_API_KEY
export SO8T_MODEL=/nonexistent/so8t-test-model.gguf

: >"$tmp/log"
"$SO8T" serve --host 127.0.0.1:0 --models "$tmp/store" --max-samples 2000000 \
    --max-rotations 5000 --max-seconds 20 2>"$tmp/log" &
pid=$!
port=$(wait_listening "$tmp/log" "$pid")
[ -n "$port" ] || { bad "the server did not start: $(cat "$tmp/log")"; summary; exit 1; }
base=http://127.0.0.1:$port

# post PATH BODY → body in $tmp/body, status in $tmp/code
post() { curl -s -o "$tmp/body" -w '%{http_code}' "$base$1" -d "$2" >"$tmp/code"; }
code() { cat "$tmp/code"; }
# the timing fields' numbers → T (everything else must be the same bytes)
untime() { sed -E 's/"([a-z_]*seconds|[a-z_]*per_second)":[-+0-9.eE]+/"\1":T/g' "$@"; }

# same NAME BODY CLI-ARGS...: /so8t/NAME with BODY vs `so8t CLI-ARGS --json`
same() {
    local name=$1 body=$2; shift 2
    post "/so8t/$name" "$body"
    "$SO8T" "$@" --json >"$tmp/cli" 2>"$tmp/cli.err"
    untime "$tmp/body" >"$tmp/a"; untime "$tmp/cli" >"$tmp/b"
    if [ "$(code)" = 200 ] && [ -s "$tmp/b" ] && cmp -s "$tmp/a" "$tmp/b"; then ok; else
        bad "/so8t/$name $body (HTTP $(code)) differs from so8t $*:"
        diff <(tr ',' '\n' <"$tmp/a") <(tr ',' '\n' <"$tmp/b") | head -6 >&2
        head -c 300 "$tmp/body" >&2; echo >&2
    fi
}

same volume '{"dim":8,"radius":1.5,"method":"hit","samples":262144,"seed":7,"backend":"cpu","exact":true,"verify":true}' \
    volume -d 8 -r 1.5 --method hit -n 262144 --seed 7 --backend cpu --exact --verify
same volume '{"dim":5,"half_side":0.5,"radius":0.8,"center":[0.1,0,0,-0.25,0.3],"rotation":"haar","seed":"0x2a","samples":100000,"backend":"cpu","exact":true}' \
    volume -d 5 -a 0.5 -r 0.8 --center 0.1,0,0,-0.25,0.3 --rotation haar --seed 0x2a -n 100000 --backend cpu --exact
same volume '{"dim":4,"radius":1.2,"quantity":"surface","rel_err":0.01,"backend":"cpu"}' \
    volume -d 4 -r 1.2 --surface --rel-err 0.01 --backend cpu
same volume '{"dim":3,"radius":1.1,"quantity":"orient_avg","samples":50000,"backend":"cpu","center":0}' \
    volume -d 3 -r 1.1 --orient-avg -n 50000 --backend cpu --center 0
same exact '{"dim":8,"radius":1.5}' exact -d 8 -r 1.5
same exact '{"dim":6,"radius":1.3,"quantity":"surface","center":0.2}' exact -d 6 -r 1.3 --surface --center 0.2
same exact '{"dim":64,"radius":6,"quantity":"complement"}' exact -d 64 -r 6 --complement
# every digit of a double reaches the command (a number printed short would change it)
same exact '{"dim":3,"half_side":0.7071067811865476,"radius":1.2345678901234567,"center":[0.1234567890123456,0,-3.3333333333333335e-05]}' \
    exact -d 3 -a 0.7071067811865476 -r 1.2345678901234567 --center 0.1234567890123456,0,-3.3333333333333335e-05
same rotations '{"samples":3000,"dim":8,"seed":3,"backend":"cpu"}' rotations -n 3000 --dim 8 --seed 3 --backend cpu --stats
same verify '{"quick":true,"samples":4096,"seed":2,"backend":"cpu"}' verify --quick -n 4096 --seed 2 --backend cpu
"$SO8T" exact -d 8 -r 1.5 --json >"$tmp/exact.json"
same explain "{\"model\":\"none\",\"result\":$(cat "$tmp/exact.json")}" explain "$tmp/exact.json" --model none
"$SO8T" volume -d 8 -r 1.5 -n 65536 --method hit --backend cpu --exact --json >"$tmp/vol.json"
same explain "{\"model\":\"none\",\"seed\":4,\"result\":$(cat "$tmp/vol.json")}" explain "$tmp/vol.json" --model none --seed 4
same explain "{\"model\":\"none\",\"num_gpu\":-1,\"main_gpu\":0,\"result\":$(cat "$tmp/exact.json")}" \
    explain "$tmp/exact.json" --model none --num-gpu -1 --main-gpu 0

# ---- streams ----
expect_rc 2 "$SO8T" volume --stream -n 1000
expect_grep "so8t volume: --stream needs --json" err
curl -sN "$base/so8t/volume" -d '{"dim":8,"radius":1.5,"method":"hit","samples":1000000,"seed":7,"backend":"cpu","stream":true,"exact":true}' >"$tmp/stream"
"$SO8T" volume -d 8 -r 1.5 --method hit -n 1000000 --seed 7 --backend cpu --exact --json >"$tmp/cli"
n=$(wc -l <"$tmp/stream")
if [ "$n" -ge 4 ] && head -n $((n - 1)) "$tmp/stream" | grep -vq '^{"partial":true,"samples":[0-9]*,"estimate":'; then
    bad "a partial line is not {\"partial\":true,\"samples\":...}"; else ok; fi
# samples grow batch by batch; the last partial is the whole run
head -n $((n - 1)) "$tmp/stream" | sed -E 's/.*"samples":([0-9]+).*/\1/' >"$tmp/ns"
if [ "$n" -ge 4 ] && sort -n -c "$tmp/ns" 2>/dev/null && [ "$(tail -n 1 "$tmp/ns")" = 1000000 ] &&
   [ "$(sort -u "$tmp/ns" | wc -l)" = "$((n - 1))" ]; then ok; else bad "stream's samples not increasing to 1000000: $(tr '\n' ' ' <"$tmp/ns")"; fi
tail -n 1 "$tmp/stream" | untime >"$tmp/a"; untime "$tmp/cli" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "the stream's final line differs from the CLI's result"
curl -sN "$base/so8t/explain" -d "{\"model\":\"none\",\"stream\":true,\"result\":$(cat "$tmp/exact.json")}" >"$tmp/stream"
"$SO8T" explain "$tmp/exact.json" --model none --json >"$tmp/cli"
[ "$(wc -l <"$tmp/stream")" = 2 ] && head -n 1 "$tmp/stream" | grep -q '^{"partial":true,"text":"so8t computed' &&
    tail -n 1 "$tmp/stream" | cmp -s - "$tmp/cli" && ok || { bad "explain stream: text line, then the CLI's object"; head -c 400 "$tmp/stream" >&2; }
# an error in a stream is its last line (the status was sent)
curl -sN "$base/so8t/volume" -d '{"dim":2,"radius":1,"method":"qmc","quantity":"complement","stream":true}' >"$tmp/stream"
grep -q '^{"error":"so8t volume: .*","status":400}$' "$tmp/stream" && ok || bad "stream error line: $(cat "$tmp/stream")"

# a client that leaves a stream stops its run (d = 128 radial: ~2 s of batches here)
curl -sN --max-time 0.5 "$base/so8t/volume" -d '{"dim":128,"radius":6,"method":"radial","samples":2000000,"backend":"cpu","stream":true}' >/dev/null
for _ in $(seq 50); do grep -q 'volume stopped: the client left' "$tmp/log" && break; sleep 0.1; done
grep -q 'volume stopped: the client left' "$tmp/log" && ok || bad "a stream's run goes on after its client left: $(tail -n 3 "$tmp/log")"

# ---- limits (this server: 2e6 samples, 5000 rotations, 20 s) ----
expect400() { # BODY-PATH BODY PATTERN
    post "$1" "$2"
    if [ "$(code)" = 400 ] && grep -qE -- "$3" "$tmp/body"; then ok; else bad "$1 $2: HTTP $(code) $(cat "$tmp/body"), want 400 /$3/"; fi
}
expect400 /so8t/volume '{"samples":2000001}' "'samples' is 2000001; this server allows at most 2000000 per request \(so8t serve --max-samples\)"
expect400 /so8t/verify '{"samples":4000000}' "'samples' .*--max-samples"
expect400 /so8t/rotations '{"samples":5001}' "'samples' is 5001; .*at most 5000 .*--max-rotations"
expect400 /so8t/volume '{"seconds":21}' "'seconds' is 21; this server allows at most 20 s"
post /so8t/verify '{"samples":1000000,"backend":"cpu","seconds":0.3}'
[ "$(code)" = 504 ] && grep -q "budget of 0.3 s" "$tmp/body" && ok || bad "a run past its 'seconds' is stopped: HTTP $(code) $(cat "$tmp/body")"
post /so8t/exact '{"dim":8}'
[ "$(code)" = 200 ] && ok || bad "the server works after a killed run: HTTP $(code)"

# ---- bad requests: 400 naming the key ----
expect400 /so8t/volume '{"dimm":8}' "unknown key 'dimm' for /so8t/volume \(known: dim, "
expect400 /so8t/volume '{"dim":"8"}' "'dim' must be an integer"
expect400 /so8t/volume '{"dim":8.5}' "'dim' must be an integer"
expect400 /so8t/volume '{"dim":129}' "'dim' is 129; it must be in \[1, 128\]"
expect400 /so8t/volume '{"radius":-1}' "'radius' is -1; it must be in \[0, "
expect400 /so8t/volume '{"half_side":0}' "'half_side' is 0; it must be in \(0, "
expect400 /so8t/volume '{"rel_err":1.5}' "'rel_err' is 1.5"
expect400 /so8t/volume '{"rotation":"/etc/passwd"}' "'rotation' must be one of none, haar"
expect400 /so8t/volume '{"method":"magic"}' "'method' must be one of auto, hit, "
expect400 /so8t/volume '{"verify":1}' "'verify' must be true or false"
expect400 /so8t/volume '{"center":[0,"x"]}' "'center' must hold finite numbers"
expect400 /so8t/volume '{"seed":-1}' "'seed' must be an integer"
expect400 /so8t/volume '{"seed":"12x"}' "'seed' must be an integer"
expect400 /so8t/volume '{"dim":8,"dim":9}' "key 'dim' given twice"
expect400 /so8t/exact '{"quantity":"orient_avg"}' "'quantity' must be one of volume, surface, complement"
expect400 /so8t/explain '{"model":"none"}' "'result' is missing"
expect400 /so8t/explain '{"result":{},"num_gpu":-2}' "'num_gpu' is -2; it must be in \[-1, 1048576\]"
expect400 /so8t/explain '{"result":{},"main_gpu":1.5}' "'main_gpu' must be an integer"
expect400 /so8t/explain '{"result":{},"model":"../../etc/x.gguf"}' "'model' must be ..none"
expect400 /so8t/rotations '{"dim":8}' "'samples' is missing"
expect400 /so8t/rotations '{"samples":10,"dim":17}' "'dim' is 17; it must be in \[2, 16\]"
# what only the command can judge: its own usage message
expect400 /so8t/volume '{"dim":3,"center":[1,2]}' "^\{\"error\":\"so8t volume: "
expect400 /so8t/volume '[1]' "must be a JSON object"

# ---- the page, and / ----
[ "$(curl -s "$base/")" = "Ollama is running" ] && ok || bad "GET / is not Ollama's heartbeat"
curl -s -D "$tmp/h" "$base/ui/" >"$tmp/page"
grep -qi '^content-type: text/html' "$tmp/h" && grep -q '<form id="form"' "$tmp/page" && ok || bad "GET /ui/ is not the page"
curl -s -D "$tmp/h" "$base/ui/app.js" >"$tmp/js"
grep -qi '^content-type: text/javascript' "$tmp/h" && grep -q "postStream('/so8t/volume'" "$tmp/js" && ok || bad "GET /ui/app.js"
[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/ui")" = "301 $base/ui/" ] && ok || bad "/ui does not redirect to /ui/"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ui/nope.js")" = 404 ] && ok || bad "/ui/nope.js is not 404"
# no CDN, no network: nothing loaded from another origin (the SVG namespace URI is a name)
grep -Eq '(src|href)=["'"'"']?(https?:)?//|fetch\(["'"'"'`]https?:' "$tmp/page" "$tmp/js" && bad "the page refers to the network" || ok
curl -s "$base/so8t/info" | grep -q '"limits":{"samples":2000000,"rotations":5000,"seconds":20}' && ok || bad "/so8t/info limits"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/so8t/volume")" = 405 ] && ok || bad "GET /so8t/volume is not 405"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
[ "$rc" = 0 ] && ok || bad "serve exit $rc on SIGTERM"
grep -q "AddressSanitizer\|LeakSanitizer\|runtime error" "$tmp/log" && bad "sanitizer report in the log" || ok
summary
