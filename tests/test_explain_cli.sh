#!/usr/bin/env bash
# test_explain_cli.sh — 'so8t explain' end to end without a model (fast): template output,
# --json fields, stdin, Modelfiles (warnings, errors with line numbers), usage errors.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
F=tests/fixtures/explain
T=$SO8T_TMP
export SO8T_MODEL=/nonexistent/so8t-test-model.gguf # never pick up models/ in tests

expect_rc 0 "$SO8T" explain --help
expect_grep 'Usage: so8t explain' out

# Template explanations of every fixture, with the one line saying no model was used.
for f in "$F"/*.json; do
    expect_rc 0 "$SO8T" explain "$f" --model none
    expect_grep "^\(No language model was used: the template was asked for \(model 'none'\)" out
done
expect_rc 0 "$SO8T" explain "$F/volume_d8.json" --model none
expect_grep '83\.169 ± 0\.038' out
expect_grep 'identical numbers of hits \(3,248,801\)' out
expect_grep '0\.14 standard errors away, so the estimate agrees' out
expect_rc 0 "$SO8T" explain "$F/rotations_fail.json" --model none
expect_grep 'Only 3 of 4 statistical tests' out

# --json: the documented fields, valid JSON.
expect_rc 0 "$SO8T" explain "$F/volume_d8_bad.json" --model none --json
if last_out | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert set(["text", "model", "fallback", "unverified_numbers"]) <= set(o), o.keys()
assert o["model"] is None and o["fallback"] is True and o["unverified_numbers"] == []
assert "7.7 standard errors" in o["text"] and "does not agree" in o["text"]
assert o["result_kind"] == "volume" and o["attempts"] == []
'; then ok; else bad "explain --json fields"; fi

# stdin, and '-'.
expect_rc 0 sh -c "cat $F/exact_d8.json | \"$SO8T\" explain --model none"
expect_grep 'deterministically: it is 83\.16398' out
expect_rc 0 sh -c "\"$SO8T\" explain - --model none < $F/verify.json"
expect_grep 'ran 2 cases' out

# A missing model file: template, and the reason names the file.
expect_rc 0 "$SO8T" explain "$F/volume_d8.json" --model "$T/missing.gguf"
expect_grep "the model file $T/missing.gguf does not exist" out
expect_rc 0 "$SO8T" explain "$F/volume_d8.json"  # default: $SO8T_MODEL
expect_grep 'so8t-test-model.gguf does not exist' out
# A broken model file: template, reason says it could not be loaded.
printf 'GGUF\003\000\000\000broken' >"$T/broken.gguf"
expect_rc 0 "$SO8T" explain "$F/volume_d8.json" --model "$T/broken.gguf"
expect_grep 'could not be loaded' out

# Broken input: exit 1 with a message.
expect_rc 1 "$SO8T" explain "$T/nope.json" --model none
expect_grep 'cannot open' err
printf '{"estimate": ' >"$T/trunc.json"
expect_rc 1 "$SO8T" explain "$T/trunc.json" --model none
expect_grep 'not valid JSON' err
printf '{"hello": 1}' >"$T/other.json"
expect_rc 1 "$SO8T" explain "$T/other.json" --model none
expect_grep 'not a so8t result' err
printf '{"estimate": 1, "std_error": 0.1}\000junk' >"$T/nul.json"
expect_rc 1 "$SO8T" explain "$T/nul.json" --model none
expect_grep 'NUL byte' err

# Usage errors: exit 2.
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --bogus
expect_grep "unknown option '--bogus'" err
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --seed
expect_grep "option '--seed' needs a value" err
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --seed abc
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --attempts 0
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" "$F/exact_d8.json"

# Modelfiles.
cat >"$T/Modelfile" <<'EOF'
# an old-Ollama Modelfile
FROM ./model.gguf
PARAMETER numa true
PARAMETER temperature 0.2
PARAMETER num_gpu 99
PARAMETER stop "<end_of_turn>"
SYSTEM """Explain briefly."""
EOF
expect_rc 0 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Modelfile"
expect_grep "Modelfile:3: warning: parameter 'numa' has no effect" err
# num_gpu is applied when a model is loaded (llm_model_offload): no warning about it here
if grep -q 'num_gpu' "$LAST_ERR"; then bad "a note about num_gpu without a model"; else ok; fi
expect_grep "the model file $T/./model.gguf does not exist \(Modelfile FROM" out
printf 'FROM ./m.gguf\n\nPARAMETER foo 1\n' >"$T/Bad1"
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Bad1"
expect_grep "Bad1:3: unknown parameter 'foo'" err
printf 'FROM ./m.gguf\nPARAMETER top_k many\n' >"$T/Bad2"
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Bad2"
expect_grep "Bad2:2: PARAMETER top_k: invalid int value 'many'" err
printf 'FROM ./m.gguf\nADAPTER ./lora.gguf\n' >"$T/Bad3"
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Bad3"
expect_grep 'ADAPTER is not supported' err
printf 'PARAMETER top_k 5\n' >"$T/Bad4"
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Bad4"
expect_grep 'no FROM line' err
printf 'FROM ./m.gguf\nTEMPLATE {{ range .Messages }}{{ end }}\n' >"$T/Bad5"
expect_rc 2 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Bad5"
expect_grep "'\{\{ range .Messages \}\}' is not supported" err
expect_rc 1 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/none"
expect_grep 'cannot open' err
# --model overrides FROM.
expect_rc 0 "$SO8T" explain "$F/volume_d8.json" --modelfile "$T/Modelfile" --model none
expect_grep "the template was asked for" out

# two result files, and an empty option value, are usage errors (getopt_long parsing)
expect_rc 2 "$SO8T" explain a.json b.json --model none
expect_grep 'one result file at a time' err
expect_rc 2 "$SO8T" explain --model '' a.json
expect_grep "option '--model' needs a value" err
summary
