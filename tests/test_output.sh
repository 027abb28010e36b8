#!/usr/bin/env bash
# test_output.sh — outputs are never lost or corrupted: a failed write to stdout (/dev/full)
# is exit 1 with a message for every command; output files (rotations --out, volume --plot)
# are complete or absent — a file size limit (RLIMIT_FSIZE) or SIGINT half way leaves an
# existing file byte-identical and no temporary file; data sent to stdout is not mixed
# with the summary; a closed pipe is quiet; --plot works for qmc and --rel-err and a bad
# --plot / --out name is a usage error found before the run; volume --json --explain prints
# one JSON object. (tests/test_output.c: the same module and the JSON writer in C, and
# 'so8t run' on a tiny model.)
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
T=$SO8T_TMP
export SO8T_MODEL=/nonexistent/so8t-test-model.gguf # never pick up models/ in tests
export OMP_NUM_THREADS=2
root=$(pwd)
F="$root/tests/fixtures/explain"
case $SO8T in /*) ;; *) SO8T="$root/$SO8T" ;; esac
cd "$T" || exit 1 # a stray file (a broken build writing "-") lands here, not in the repository

# only_files DIR NAME...: DIR holds exactly these names (no temporary file left behind)
only_files() {
    local dir=$1; shift
    local want have
    want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    have=$(ls -A "$dir" | sort | tr '\n' ' ')
    if [ "$want" = "$have" ]; then ok; else bad "$dir holds '$have', want '$want'"; fi
}
same_file() { if cmp -s "$1" "$2"; then ok; else bad "$3: $1 changed"; fi; }

# ---- stdout on a full device: exit 1, a message naming standard output and the reason ----
full() {
    "$@" >/dev/full 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq 1 ] && grep -q 'standard output.*No space left on device' "$T/err"; then ok
    else bad "exit $rc with stdout on /dev/full, want 1 and a message: $*"; sed 's/^/   /' "$T/err" | head -3 >&2; fi
}
full "$SO8T" volume -d 8 -r 1.5 -n 1e5 --json
full "$SO8T" volume -d 8 -r 1.5 -n 1e5
full "$SO8T" volume -d 8 -r 1.5 -n 1e5 --explain --model none
full "$SO8T" exact -d 8 -r 1.5
full "$SO8T" exact -d 8 -r 1.5 --json
full "$SO8T" rotations -n 1000 --stats --backend cpu
full "$SO8T" rotations -n 2 --dim 3 --backend cpu
full "$SO8T" verify --quick --backend cpu
full "$SO8T" info
full "$SO8T" info --json
full "$SO8T" explain "$F/volume_d8.json" --model none
full "$SO8T" explain "$F/volume_d8.json" --model none --json
full "$SO8T" bench -n 1e4
full "$SO8T" --help
full "$SO8T" volume --help

# ---- rotations --out: a file size limit half way leaves the old file and no temporary ----
D="$T/rot"; mkdir "$D"
expect_rc 0 "$SO8T" rotations -n 3000 --seed 1 --backend cpu --out "$D/r.npy"
cp "$D/r.npy" "$T/r.orig"
# SIGXFSZ ignored: the write fails with EFBIG; exit 1 naming the file and the reason
(ulimit -f 64; trap '' XFSZ; exec "$SO8T" rotations -n 3000 --seed 2 --backend cpu --out "$D/r.npy") >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] && ok || bad "file size limit: exit $rc, want 1"
grep -q "r.npy.*File too large" "$T/err" && ok || bad "no 'File too large' message: $(cat "$T/err")"
same_file "$D/r.npy" "$T/r.orig" "file size limit (EFBIG)"
only_files "$D" r.npy
# SIGXFSZ at its default: so8t dies of it, and still leaves no temporary file
{ (ulimit -f 64; exec "$SO8T" rotations -n 3000 --seed 2 --backend cpu --out "$D/r.npy") >/dev/null; } 2>/dev/null
rc=$?
[ "$rc" -eq $((128 + 25)) ] && ok || bad "SIGXFSZ: exit $rc, want 153"
same_file "$D/r.npy" "$T/r.orig" "file size limit (SIGXFSZ)"
only_files "$D" r.npy
# the same for CSV (formatted writes) and for a file that did not exist
(ulimit -f 16; trap '' XFSZ; exec "$SO8T" rotations -n 3000 --backend cpu --out "$D/new.csv") >/dev/null 2>&1
[ $? -eq 1 ] && ok || bad "csv under a file size limit should exit 1"
only_files "$D" r.npy

# ---- SIGINT in the middle of a large write: old file intact, no temporary file ----
expect_rc 0 "$SO8T" rotations -n 1000 --backend cpu --out "$D/big.csv"
cp "$D/big.csv" "$T/big.orig"
set -m # a background job that can receive SIGINT (job control off ignores it)
"$SO8T" rotations -n 2e6 --seed 3 --backend cpu --out "$D/big.csv" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 500); do # until the new data is being written
    tmpf=$(ls -A "$D" | grep -v -x -e r.npy -e big.csv | head -1)
    [ -n "$tmpf" ] && [ -s "$D/$tmpf" ] && break
    sleep 0.01
done
kill -INT "$pid" 2>/dev/null
{ wait "$pid"; } 2>/dev/null # (no job notice)
rc=$?
set +m
[ "$rc" -eq 130 ] && ok || bad "SIGINT: exit $rc, want 130"
same_file "$D/big.csv" "$T/big.orig" "SIGINT mid-write"
only_files "$D" r.npy big.csv
# SIGTERM the same way
"$SO8T" rotations -n 2e6 --seed 3 --backend cpu --out "$D/big.csv" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 500); do
    tmpf=$(ls -A "$D" | grep -v -x -e r.npy -e big.csv | head -1)
    [ -n "$tmpf" ] && [ -s "$D/$tmpf" ] && break
    sleep 0.01
done
kill -TERM "$pid" 2>/dev/null
{ wait "$pid"; } 2>/dev/null
[ $? -eq 143 ] && ok || bad "SIGTERM: want exit 143"
same_file "$D/big.csv" "$T/big.orig" "SIGTERM mid-write"
only_files "$D" r.npy big.csv

# ---- a complete npy: the header's shape matches the file's size; mode as fopen gives ----
expect_rc 0 "$SO8T" rotations -n 777 --dim 5 --backend cpu --precision float --out "$D/c.npy"
python3 - "$D/c.npy" <<'EOF' && ok || bad "npy header shape does not match the file size"
import ast, struct, sys, os
raw = open(sys.argv[1], 'rb').read()
hlen = struct.unpack('<H', raw[8:10])[0]
d = ast.literal_eval(raw[10:10 + hlen].decode('latin1'))
n = 1
for s in d['shape']:
    n *= s
assert d['shape'] == (777, 5, 5) and len(raw) == 10 + hlen + 4 * n, (d, len(raw))
EOF
rm -f "$D/c.npy"
(umask 022; exec "$SO8T" rotations -n 10 --backend cpu --out "$D/m.bin") >/dev/null 2>&1
[ "$(stat -c %a "$D/m.bin")" = 644 ] && ok || bad "new file mode $(stat -c %a "$D/m.bin"), want 644"
chmod 640 "$D/m.bin"
(umask 022; exec "$SO8T" rotations -n 20 --backend cpu --out "$D/m.bin") >/dev/null 2>&1
[ "$(stat -c %a "$D/m.bin")" = 640 ] && ok || bad "replaced file mode $(stat -c %a "$D/m.bin"), want 640 (kept)"
[ "$(stat -c %s "$D/m.bin")" -eq $((20 * 64 * 8)) ] && ok || bad "replaced file size"
# a symbolic link: the file it points to is replaced, the link stays
ln -s m.bin "$D/link.bin"
expect_rc 0 "$SO8T" rotations -n 30 --backend cpu --out "$D/link.bin"
[ -L "$D/link.bin" ] && [ "$(stat -c %s "$D/m.bin")" -eq $((30 * 64 * 8)) ] && ok || bad "symlink target not replaced"
rm -f "$D/m.bin" "$D/link.bin"

# ---- data on stdout: nothing else there; the summary goes to stderr ----
"$SO8T" rotations -n 3 --dim 2 --backend cpu --out /dev/stdout >"$T/data" 2>"$T/err"
[ "$(stat -c %s "$T/data")" -eq $((3 * 4 * 8)) ] && ok || bad "--out /dev/stdout: $(stat -c %s "$T/data") bytes on stdout, want 96"
grep -q "3 rotations of SO(2)" "$T/err" && ok || bad "--out /dev/stdout: the summary should be on stderr"
"$SO8T" rotations -n 3 --dim 2 --backend cpu --out - --stats >"$T/data" 2>"$T/err"
[ "$(stat -c %s "$T/data")" -eq 96 ] && ok || bad "--out - --stats: stdout is not only the data"
grep -q "Haar statistics" "$T/err" && ok || bad "--out - --stats: the table should be on stderr"
expect_rc 2 "$SO8T" rotations -n 3 --backend cpu --out - --json
expect_rc 0 "$SO8T" rotations -n 3 --backend cpu --out /dev/null
only_files "$D" r.npy big.csv

# ---- a bad output name is a usage error, found before the run ----
expect_rc 2 timeout 20 "$SO8T" volume -d 8 -r 1.5 -n 2^40 --plot "$T/missing/c.svg"
expect_grep 'folder does not exist' err
expect_rc 2 timeout 20 "$SO8T" volume -d 8 -r 1.5 -n 2^40 --plot "$T"
expect_grep 'directory' err
expect_rc 2 timeout 20 "$SO8T" rotations -n 1e12 --backend cpu --out "$T/missing/r.npy"
expect_grep 'folder does not exist' err

# ---- --plot: qmc (its first checkpoint has no error bar), --rel-err, the README's line ----
P="$T/plot"; mkdir "$P"
expect_rc 0 "$SO8T" volume -d 8 -r 1.5 -n 2^16 --method qmc --plot "$P/q.svg"
grep -q '<svg' "$P/q.svg" && ok || bad "qmc --plot wrote no SVG"
expect_rc 0 "$SO8T" volume -d 8 -r 1.5 -n 2^18 --plot "$P/readme.svg"
grep -q '<svg' "$P/readme.svg" && ok || bad "the README's --plot line wrote no SVG"
expect_rc 0 "$SO8T" volume -d 8 -r 1.5 --method hit --rel-err 0.01 --plot "$P/rel.svg"
# one polyline vertex per checkpoint: a --rel-err run has several batches
npts=$(grep -o '<polyline[^>]*points="[^"]*"' "$P/rel.svg" | tail -1 | sed 's/.*points="//' | wc -w)
[ "${npts:-0}" -ge 2 ] && ok || bad "--rel-err --plot: $npts points, want >= 2"
# a file size limit leaves an existing plot as it was
cp "$P/q.svg" "$T/q.orig"
(ulimit -f 1; trap '' XFSZ; exec "$SO8T" volume -d 8 -r 1.5 -n 2^16 --method qmc --plot "$P/q.svg") >/dev/null 2>"$T/err"
[ $? -eq 1 ] && ok || bad "--plot under a file size limit should exit 1"
same_file "$P/q.svg" "$T/q.orig" "--plot under a file size limit"
only_files "$P" q.svg readme.svg rel.svg
# SIGINT during the run: the plot's temporary file (created up front) goes, the old plot stays
set -m
"$SO8T" volume -d 8 -r 1.5 -n 2^40 --method qmc --plot "$P/q.svg" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 500); do
    [ -n "$(ls -A "$P" | grep -v -x -e q.svg -e readme.svg -e rel.svg)" ] && break
    sleep 0.01
done
sleep 0.2
kill -INT "$pid" 2>/dev/null
{ wait "$pid"; } 2>/dev/null
rc=$?
set +m
[ "$rc" -eq 130 ] && ok || bad "volume --plot, SIGINT: exit $rc, want 130"
same_file "$P/q.svg" "$T/q.orig" "--plot after SIGINT"
only_files "$P" q.svg readme.svg rel.svg
expect_rc 2 "$SO8T" volume -d 8 -r 1.5 -n 1e4 --plot /dev/stdout

# ---- volume --json --explain: one JSON object, the explanation a member of it ----
expect_rc 0 "$SO8T" volume -d 8 -r 1.5 -n 1e5 --json --explain --model none
last_out | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())   # fails on a second object ("Extra data")
assert o["estimate"] > 0 and o["explanation"]["fallback"] is True, o
assert "83." in o["explanation"]["text"] or "volume" in o["explanation"]["text"]
' && ok || bad "volume --json --explain is not one JSON object with an explanation"

# ---- a closed pipe: quiet (SIGPIPE, or EPIPE when SIGPIPE is ignored) ----
# (more than a pipe's 64 KiB buffer, so the reader is gone before the writer is done)
"$SO8T" rotations -n 1000 --dim 16 --backend cpu --out - 2>"$T/err" | head -c 1 >/dev/null
[ ! -s "$T/err" ] && ok || bad "so8t | head printed: $(cat "$T/err")"
(trap '' PIPE; "$SO8T" rotations -n 1000 --dim 16 --backend cpu --out - 2>"$T/err"; echo $? >"$T/rc") | head -c 1 >/dev/null
[ "$(cat "$T/rc")" -eq 1 ] && ok || bad "EPIPE: exit $(cat "$T/rc"), want 1"
[ ! -s "$T/err" ] && ok || bad "EPIPE printed: $(cat "$T/err")"

summary
