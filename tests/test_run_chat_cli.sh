#!/usr/bin/env bash
# test_run_chat_cli.sh — 'so8t run --chat' end to end on the tiny gemma3 model (written by
# tests/test_store --write-model; its chat template has <start_of_turn>, so the Gemma format
# applies: its rendering rules are checked against llama.cpp and jinja2 in tests/test_chat.c).
# The prompt text is compared byte for byte through --show-prompt: -p, a JSON conversation
# and plain text on stdin, Modelfile SYSTEM + MESSAGE (MESSAGE without TEMPLATE implies
# --chat), and the refusals (bad role, bad JSON, --json on a terminal without -p).
. "$(dirname "$0")/lib.sh"
tmp=$SO8T_TMP
export SO8T_MODELS=$tmp/store
tiny_model "$tmp/tiny.gguf"
run() { "$SO8T" run -m "$tmp/tiny.gguf" -n 2 --temperature 0 --show-prompt "$@"; }
# the text between the prompt markers of the last command's stderr
shown() { sed -n '/^--- prompt/,/^--- end of prompt ---$/p' "$LAST_ERR" | sed '1d;$d'; }
expect_prompt() {
    local want=$1
    if [ "$(shown)" = "$(printf "$want")" ]; then ok; else bad "prompt differs: got [$(shown)] want [$(printf "$want")]"; fi
}

expect_rc 0 run --chat -p "Hello there"
expect_prompt '<start_of_turn>user\nHello there<end_of_turn>\n<start_of_turn>model\n'
expect_grep '^--- prompt \(gemma\) ---$' err

printf '[{"role":"system","content":"Sys."},{"role":"user","content":"Hi"},{"role":"assistant","content":" A. "},{"role":"user","content":"Q2"}]' >"$tmp/conv.json"
expect_rc 0 run --chat <"$tmp/conv.json"
expect_prompt '<start_of_turn>user\nSys.\n\nHi<end_of_turn>\n<start_of_turn>model\nA.<end_of_turn>\n<start_of_turn>user\nQ2<end_of_turn>\n<start_of_turn>model\n'
printf 'Just text\n' >"$tmp/plain.txt"
expect_rc 0 run --chat --json <"$tmp/plain.txt"
expect_prompt '<start_of_turn>user\nJust text<end_of_turn>\n<start_of_turn>model\n'
expect_grep '"prompt_tokens":' out

# Modelfile SYSTEM + MESSAGE without TEMPLATE: a conversation in the model's format
printf 'FROM %s\nSYSTEM Be brief.\nMESSAGE user Hi\nMESSAGE assistant Hello!\n' "$tmp/tiny.gguf" >"$tmp/Modelfile"
expect_rc 0 "$SO8T" run --modelfile "$tmp/Modelfile" -p "Q?" -n 2 --temperature 0 --show-prompt
expect_prompt '<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nQ?<end_of_turn>\n<start_of_turn>model\n'
# the same Modelfile recorded in the model store: run -m NAME renders its conversation too
expect_rc 0 "$SO8T" create chatty -f "$tmp/Modelfile"
expect_rc 0 "$SO8T" run -m chatty -p "Q?" -n 2 --temperature 0 --show-prompt
expect_prompt '<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nQ?<end_of_turn>\n<start_of_turn>model\n'
# with a TEMPLATE the MESSAGE lines need --chat (and --chat does not use the TEMPLATE)
printf 'FROM %s\nTEMPLATE "[{{ .Prompt }}]"\nMESSAGE user Hi\n' "$tmp/tiny.gguf" >"$tmp/Modelfile2"
expect_rc 0 "$SO8T" run --modelfile "$tmp/Modelfile2" -p "Q?" -n 2 --temperature 0 --show-prompt
expect_grep 'MESSAGE lines are used only with --chat' err
expect_prompt '[Q?]'
expect_rc 0 "$SO8T" run --modelfile "$tmp/Modelfile2" -p "Q?" -n 2 --temperature 0 --show-prompt --chat
expect_grep 'TEMPLATE is not used with --chat' err
expect_prompt '<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>user\nQ?<end_of_turn>\n<start_of_turn>model\n'

# a terminal (script(1) gives the command one): a dialogue of two turns, the second prompt
# holding the first question and answer
if command -v script >/dev/null 2>&1; then
    printf 'Hi\nAgain\n/bye\n' | timeout 120 script -qec "$SO8T run -m $tmp/tiny.gguf --chat -n 2 --temperature 0 --show-prompt" /dev/null >"$tmp/tty.out" 2>&1
    tr -d '\r' <"$tmp/tty.out" >"$tmp/tty.txt"
    if [ "$(grep -c '^>>> --- prompt ---$' "$tmp/tty.txt")" = 2 ] &&
       tr '\n' '|' <"$tmp/tty.txt" | grep -qF '<start_of_turn>user|Hi<end_of_turn>|<start_of_turn>model|<end_of_turn>|<start_of_turn>user|Again<end_of_turn>|<start_of_turn>model|'; then
        ok
    else
        bad "terminal dialogue: $(head -c 600 "$tmp/tty.txt")"
    fi
else
    echo "SKIP: run --chat on a terminal: script(1) is not installed"
fi

# refusals
printf '[{"role":"tool","content":"x"}]' >"$tmp/bad.json"
expect_rc 2 run --chat <"$tmp/bad.json"
expect_grep "role 'tool'" err
printf '[{"role":"user"' >"$tmp/broken.json"
expect_rc 2 run --chat <"$tmp/broken.json"
expect_grep 'not a JSON array' err
expect_rc 2 run --chat </dev/null
expect_grep 'no message on stdin' err
expect_rc 2 "$SO8T" run -m "$tmp/tiny.gguf"
expect_grep 'missing -p PROMPT' err
summary
