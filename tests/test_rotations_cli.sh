#!/usr/bin/env bash
# test_rotations_cli.sh — end-to-end checks of 'so8t rotations': usage errors (exit 2),
# output formats (.npy header and payload, raw bin, CSV), thread and --first determinism,
# the statistics table / JSON, and exit status 1 for a deliberately non-Haar sampler.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$SO8T_TMP

# usage errors
expect_rc 2 "$SO8T" rotations
expect_grep "required" err
expect_rc 2 "$SO8T" rotations -n 0
expect_rc 2 "$SO8T" rotations -n abc
expect_rc 2 "$SO8T" rotations -n 10 --dim 1
expect_rc 2 "$SO8T" rotations -n 10 --dim 17
expect_rc 2 "$SO8T" rotations -n 10 --backend gpu
expect_rc 2 "$SO8T" rotations -n 10 --precision half
expect_rc 2 "$SO8T" rotations -n 10 --out "$tmp/x" --format xyz
expect_rc 2 "$SO8T" rotations -n 10 --format npy
expect_grep "needs --out" err
expect_rc 2 "$SO8T" rotations -n 10 --bogus
expect_rc 2 "$SO8T" rotations -n 10 --seed -3
expect_rc 2 "$SO8T" rotations -n 10 --sampler magic
expect_rc 2 "$SO8T" rotations -n 10 --seed
expect_rc 0 "$SO8T" rotations --help
expect_grep "Usage: so8t rotations" out

# text output for a few rotations
expect_rc 0 "$SO8T" rotations -n 2 --dim 3 --backend cpu
expect_grep "^rotation 1:" out
[ "$(last_out | grep -c '^  ')" -eq 6 ] && ok || bad "2 rotations of SO(3) should print 6 rows"

# formats: bin = npy payload; sizes; CSV shape
expect_rc 0 "$SO8T" rotations -n 100 --dim 5 --seed 7 --backend cpu --out "$tmp/r.bin"
[ "$(stat -c %s "$tmp/r.bin")" -eq $((100 * 25 * 8)) ] && ok || bad "bin size"
expect_rc 0 "$SO8T" rotations -n 100 --dim 5 --seed 7 --backend cpu --out "$tmp/r.npy"
npy_size=$(stat -c %s "$tmp/r.npy")
hdr=$((npy_size - 100 * 25 * 8))
[ $((hdr % 64)) -eq 0 ] && ok || bad "npy header length $hdr not a multiple of 64"
tail -c $((100 * 25 * 8)) "$tmp/r.npy" | cmp -s - "$tmp/r.bin" && ok || bad "npy payload != bin"
python3 - "$tmp/r.npy" "$tmp/r.bin" <<'EOF' && ok || bad "npy header / orthogonality"
import ast, struct, sys
raw = open(sys.argv[1], 'rb').read()
assert raw[:6] == b'\x93NUMPY' and raw[6] == 1 and raw[7] == 0, raw[:8]
hlen = struct.unpack('<H', raw[8:10])[0]
d = ast.literal_eval(raw[10:10 + hlen].decode('latin1'))
assert d == {'descr': '<f8', 'fortran_order': False, 'shape': (100, 5, 5)}, d
assert raw[10 + hlen - 1:10 + hlen] == b'\n'
vals = struct.unpack('<2500d', raw[10 + hlen:])
for r in range(100):
    m = vals[25 * r:25 * r + 25]
    for i in range(5):
        for j in range(5):
            dot = sum(m[5 * k + i] * m[5 * k + j] for k in range(5))
            assert abs(dot - (i == j)) < 1e-13, (r, i, j, dot)
EOF
expect_rc 0 "$SO8T" rotations -n 10 --dim 4 --precision float --backend cpu --out "$tmp/f.npy"
python3 - "$tmp/f.npy" <<'EOF' && ok || bad "float npy header"
import ast, struct, sys
raw = open(sys.argv[1], 'rb').read()
hlen = struct.unpack('<H', raw[8:10])[0]
d = ast.literal_eval(raw[10:10 + hlen].decode('latin1'))
assert d['descr'] == '<f4' and d['shape'] == (10, 4, 4), d
assert len(raw) == 10 + hlen + 10 * 16 * 4
EOF
expect_rc 0 "$SO8T" rotations -n 30 --dim 3 --backend cpu --out "$tmp/r.csv"
[ "$(wc -l <"$tmp/r.csv")" -eq 31 ] && ok || bad "csv lines"
[ "$(sed -n 2p "$tmp/r.csv" | tr ',' '\n' | wc -l)" -eq 9 ] && ok || bad "csv columns"
expect_rc 0 "$SO8T" rotations -n 30 --dim 3 --backend cpu --out "$tmp/r.dat" --format csv
cmp -s "$tmp/r.dat" "$tmp/r.csv" && ok || bad "--format csv differs from .csv"

# determinism: threads, --first
expect_rc 0 "$SO8T" rotations -n 3000 --seed 11 --threads 1 --backend cpu --out "$tmp/t1.bin"
expect_rc 0 "$SO8T" rotations -n 3000 --seed 11 --threads 2 --backend cpu --out "$tmp/t2.bin"
cmp -s "$tmp/t1.bin" "$tmp/t2.bin" && ok || bad "threads 1 and 2 differ"
SO8T_NO_AVX2=1 "$SO8T" rotations -n 3000 --seed 11 --threads 2 --backend cpu --out "$tmp/p.bin" >/dev/null 2>&1
cmp -s "$tmp/t1.bin" "$tmp/p.bin" && ok || bad "portable (SO8T_NO_AVX2=1) and default paths differ"
expect_rc 0 "$SO8T" rotations -n 1000 --first 2000 --seed 11 --backend cpu --out "$tmp/tail.bin"
tail -c $((1000 * 64 * 8)) "$tmp/t1.bin" | cmp -s - "$tmp/tail.bin" && ok || bad "--first"
expect_rc 0 "$SO8T" rotations -n 3000 --seed 12 --backend cpu --out "$tmp/s12.bin"
cmp -s "$tmp/t1.bin" "$tmp/s12.bin" && bad "seeds 11 and 12 gave the same rotations" || ok

# statistics: table, JSON with the fixed names, and failure on a non-Haar sampler
expect_rc 0 "$SO8T" rotations -n 20000 --dim 8 --stats --backend cpu
expect_grep "^trace_moment_8 +106 " out
expect_grep "all 16 statistics pass" out
expect_rc 0 "$SO8T" rotations -n 20000 --dim 4 --stats --json --backend cpu
last_out | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("dim", "samples", "seed", "backend", "max_orthogonality_error", "min_det", "max_det", "tests", "pass"):
    assert k in d, k
assert d["dim"] == 4 and d["samples"] == 20000 and d["pass"] is True
names = [t["name"] for t in d["tests"]]
assert "trace_moment_4" in names and "eigen_angle_ks" in names and "entry_ks_00" in names
for t in d["tests"]:
    assert set(t) == {"name", "expected", "value", "std_error", "z", "pass"}, t
    assert t["pass"] is True, t
e4 = [t for t in d["tests"] if t["name"] == "trace_moment_4"][0]
assert e4["expected"] == 4, e4   # SO(4): Catalan(2)^2
' && ok || bad "rotations --stats --json"
expect_rc 1 "$SO8T" rotations -n 20000 --dim 8 --stats --sampler torus --backend cpu
expect_grep "FAILED" out
expect_rc 1 "$SO8T" rotations -n 20000 --dim 3 --stats --json --sampler nosignfix --backend cpu
last_out | grep -q '"pass":false}$' && ok || bad "JSON pass should be false"

# backends and files
if "$SO8T" info 2>/dev/null | grep -q "not compiled in"; then
    expect_rc 2 "$SO8T" rotations -n 10 --backend cuda
    expect_grep "without CUDA" err
fi
# a bad output name is a usage error, found before any rotation is made
expect_rc 2 "$SO8T" rotations -n 10 --backend cpu --out "$tmp/no/such/dir/x.bin"
expect_grep "cannot write .*x.bin.*folder does not exist" err
# option parsing (getopt_long): usage errors exit 2 and say what is wrong
expect_rc 2 "$SO8T" rotations -n
expect_grep "option '-n' needs a value" err
expect_rc 2 "$SO8T" rotations -n 10 --dim
expect_grep "option '--dim' needs a value" err
expect_rc 2 "$SO8T" rotations -n 10 --bogus
expect_grep "unknown option '--bogus'" err
expect_rc 2 "$SO8T" rotations -n 10 stray
expect_grep "unexpected argument 'stray'" err
expect_rc 0 "$SO8T" rotations -n 4 --dim=3 --backend=cpu --stats
summary
