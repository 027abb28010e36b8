#!/usr/bin/env bash
# test_store_cli.sh — the local model store from the command line: so8t create / list /
# show / rm / cp and run -m NAME, on tiny GGUF models written by tests/test_store
# (--write-model) into a temporary folder that SO8T_MODELS points at.
. "$(dirname "$0")/lib.sh"
tmp=$SO8T_TMP
export SO8T_MODELS=$tmp/store
export SO8T_MODEL=/nonexistent/so8t-test-model.gguf # never pick up models/ in tests

tiny_model "$tmp/tiny.gguf"
echo "FUGG this is not a GGUF file" >"$tmp/garbage.gguf"
mkdir "$tmp/folder"
mf() { printf '%b' "$2" >"$tmp/$1"; }
# create NAME from the Modelfile FILE holding TEXT: exit RC and PATTERN on stderr
create_expect() { # RC NAME FILE TEXT PATTERN
    mf "$3" "$4"
    expect_rc "$1" "$SO8T" create "$2" -f "$tmp/$3"
    expect_grep "$5" err
}

# --- create: Ollama-era parameters accepted with a note; unknown ones named with their line
mf Modelfile 'FROM tiny.gguf\nPARAMETER numa true\nPARAMETER temperature 0\nPARAMETER stop "<end_of_turn>"\nSYSTEM """Be brief."""\n'
expect_rc 0 "$SO8T" create tiny:v1 -f "$tmp/Modelfile"
expect_grep "^created tiny:v1: $tmp/tiny.gguf" out
expect_grep "Modelfile:2: warning: parameter 'numa' has no effect" err
[ -f "$tmp/store/manifests/tiny:v1.json" ] && ok || bad "no manifest file"
create_expect 2 x unknown 'FROM tiny.gguf\n# comment\nPARAMETER temperature 0\nPARAMETER bogus 1\n' \
    "unknown:4: unknown parameter 'bogus'"
mf oldparams 'FROM tiny.gguf\nPARAMETER use_mlock true\nPARAMETER mirostat 2\nPARAMETER tfs_z 1\nPARAMETER penalize_newline false\n'
expect_rc 0 "$SO8T" create old -f "$tmp/oldparams"
expect_grep "'tfs_z' has no effect" err
expect_grep "'penalize_newline' has no effect" err

# --- FROM that is not a model: exit 1 and why; nothing recorded
create_expect 1 g fromgarbage 'FROM garbage.gguf\n' "FROM garbage.gguf: not a usable model"
create_expect 1 g fromfolder 'FROM folder\n' "is a folder"
create_expect 1 g frommissing 'FROM missing.gguf\n' "no such file"
[ ! -e "$tmp/store/manifests/g:latest.json" ] && ok || bad "a manifest for a bad FROM"
expect_rc 1 "$SO8T" create g -f "$tmp/nonexistent-Modelfile"

# --- names: Ollama's rules; hostile ones are usage errors (exit 2)
for n in 'a/b' '../x' '..' '.hidden' '-x' 'x:y:z' 'x y' '' 'x:' "$(printf 'a\001b')" \
         "$(head -c 81 /dev/zero | tr '\0' m)" "x:$(head -c 81 /dev/zero | tr '\0' t)" \
         "$(head -c 100000 /dev/zero | tr '\0' a)"; do
    expect_rc 2 "$SO8T" create "$n" -f "$tmp/Modelfile"
done
expect_grep "invalid model name" err
expect_rc 2 "$SO8T" show 'a/b'
expect_rc 2 "$SO8T" rm '../x'
expect_rc 2 "$SO8T" cp tiny:v1 'x/y'
n80=$(head -c 80 /dev/zero | tr '\0' m)
expect_rc 0 "$SO8T" create "$n80:$(head -c 80 /dev/zero | tr '\0' t)" -f "$tmp/Modelfile"
expect_rc 0 "$SO8T" rm "$n80:$(head -c 80 /dev/zero | tr '\0' t)"
ls -A "$tmp/store" | grep -qv '^manifests$\|^blobs$' && bad "stray files in the store" || ok

# --- list / show / cp / rm round trip
expect_rc 0 "$SO8T" list
expect_grep '^NAME +ID +SIZE +MODIFIED$' out
expect_grep '^tiny:v1 +[0-9a-f]{12} +2\.6 MB +(Less than a second ago|[0-9]+ seconds ago)' out
expect_rc 0 "$SO8T" list --json
expect_grep '"models":\[\{"name":"(tiny:v1|old:latest)"' out
expect_grep '"errors":\[\]' out
expect_rc 0 "$SO8T" show TINY:V1
expect_grep 'architecture +gemma3' out
expect_grep 'temperature +0' out
expect_grep 'stop +"<end_of_turn>"' out
expect_grep 'Be brief\.' out
expect_rc 0 "$SO8T" show tiny:v1 --json
expect_grep '"name":"tiny:v1".*"sha256":"[0-9a-f]{64}"' out
if command -v python3 >/dev/null; then
    last_out | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["details"]["family"]=="gemma3" and "stop" in d["parameters"]' && ok || bad "show --json"
fi
sha=$(sha256sum "$tmp/tiny.gguf" | cut -d' ' -f1)
expect_grep "\"sha256\":\"$sha\"" out
expect_rc 0 "$SO8T" show tiny:v1 --modelfile
expect_grep "^FROM $tmp/tiny.gguf\$" out
last_out >"$tmp/roundtrip"
expect_rc 0 "$SO8T" create tiny:v2 -f "$tmp/roundtrip"
id1=$("$SO8T" list | awk '$1=="tiny:v1"{print $2}')
id2=$("$SO8T" list | awk '$1=="tiny:v2"{print $2}')
[ -n "$id1" ] && [ "$id1" = "$id2" ] && ok || bad "show --modelfile does not re-create the same model ($id1 vs $id2)"
expect_rc 0 "$SO8T" cp tiny:v1 copy
expect_grep "^copied 'tiny:v1' to 'copy'" out
expect_rc 0 "$SO8T" show copy:latest --system
expect_grep '^Be brief\.$' out
expect_rc 1 "$SO8T" cp nope copy2
expect_grep "model 'nope' not found" err
expect_rc 0 "$SO8T" rm copy tiny:v2
expect_grep "^deleted 'tiny:v2'" out
expect_rc 1 "$SO8T" show copy
expect_grep "^so8t show: model 'copy' not found" err
expect_rc 1 "$SO8T" rm copy
[ -f "$tmp/tiny.gguf" ] && ok || bad "rm removed a GGUF recorded by path"
# FROM a store name, and --copy
mf derived 'FROM tiny:v1\nPARAMETER temperature 0.5\n'
expect_rc 0 "$SO8T" create derived -f "$tmp/derived" --copy
expect_rc 0 "$SO8T" show derived --parameters
expect_grep '^temperature +0.5$' out
expect_grep '^stop +"<end_of_turn>"$' out
mf copied 'FROM tiny.gguf\n'
expect_rc 0 "$SO8T" create copied -f "$tmp/copied" --copy
[ -f "$tmp/store/blobs/sha256-$sha" ] && ok || bad "--copy made no blob"
expect_rc 0 "$SO8T" rm copied
[ ! -e "$tmp/store/blobs/sha256-$sha" ] && ok || bad "rm left an unused blob"

# --- run -m NAME gives the same tokens as run -m PATH
expect_rc 0 "$SO8T" run -m "$tmp/tiny.gguf" -p "hello world" -n 8 --temperature 0 --seed 3 --json
by_path=$(last_out | grep -o '"tokens":\[[0-9,]*\]')
expect_rc 0 "$SO8T" run -m tiny:v1 -p "hello world" -n 8 --seed 3 --json
by_name=$(last_out | grep -o '"tokens":\[[0-9,]*\]')
[ -n "$by_path" ] && [ "$by_path" = "$by_name" ] && ok || bad "run -m NAME: $by_name, by path: $by_path"
expect_rc 1 "$SO8T" run -m nosuch -p hi -n 1
expect_grep "model 'nosuch' not found \(no such file either" err
echo '{"quantity":"volume"}' >"$tmp/r.json"
expect_rc 1 "$SO8T" explain --model nosuch "$tmp/r.json"
expect_grep "model 'nosuch' not found" err

# --- a corrupt manifest is reported, never skipped or overwritten
echo '{"version":1,"name":"broken","gguf":7}' >"$tmp/store/manifests/broken:latest.json"
cp "$tmp/store/manifests/broken:latest.json" "$tmp/broken.saved"
expect_rc 1 "$SO8T" list
expect_grep '^tiny:v1 ' out
expect_grep "corrupt manifest $tmp/store/manifests/broken:latest.json: field 'gguf' must be an object" err
expect_rc 1 "$SO8T" list --json
expect_grep "\"errors\":\[\{\"file\":\"$tmp/store/manifests/broken:latest.json\"" out
expect_rc 1 "$SO8T" show broken
expect_grep "corrupt manifest $tmp/store/manifests/broken:latest.json" err
expect_rc 1 "$SO8T" create broken -f "$tmp/Modelfile"
expect_rc 1 "$SO8T" cp tiny:v1 broken
cmp -s "$tmp/broken.saved" "$tmp/store/manifests/broken:latest.json" && ok || bad "a corrupt manifest was overwritten"
expect_rc 1 "$SO8T" run -m broken -p hi -n 1
expect_grep "corrupt manifest" err
expect_rc 0 "$SO8T" rm broken
expect_rc 0 "$SO8T" list

# --- atomic writes: a file size limit or an unwritable store leaves the old manifest intact
cp "$tmp/store/manifests/tiny:v1.json" "$tmp/v1.saved"
mf longer 'FROM tiny.gguf\nSYSTEM """a new system text, long enough that the manifest cannot be written under the limit"""\n'
# (stderr through a pipe: the size limit applies to files only)
msg=$( (ulimit -f 0; trap '' XFSZ; exec "$SO8T" create tiny:v1 -f "$tmp/longer") 2>&1 >/dev/null)
rc=$?
[ "$rc" -eq 1 ] && [[ "$msg" == *"File too large (the old file, if any, is unchanged)"* ]] && ok ||
    bad "ulimit -f with SIGXFSZ ignored: exit $rc: $msg"
(ulimit -f 0; exec "$SO8T" create tiny:v1 -f "$tmp/longer") >/dev/null 2>&1 | cat
rc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && ok || bad "ulimit -f: exit 0"
cmp -s "$tmp/v1.saved" "$tmp/store/manifests/tiny:v1.json" && ok || bad "a failed write changed the manifest"
expect_rc 0 "$SO8T" show tiny:v1 --system
expect_grep '^Be brief\.$' out
expect_rc 0 "$SO8T" list
if [ "$(id -u)" -ne 0 ]; then
    chmod a-w "$tmp/store/manifests"
    expect_rc 1 "$SO8T" create tiny:v1 -f "$tmp/longer"
    chmod u+w "$tmp/store/manifests"
    cmp -s "$tmp/v1.saved" "$tmp/store/manifests/tiny:v1.json" && ok || bad "read-only store: manifest changed"
fi

# --- the default store is ~/.so8t/models
mkdir -p "$tmp/home"
expect_rc 0 env -u SO8T_MODELS HOME="$tmp/home" "$SO8T" create dflt -f "$tmp/Modelfile"
[ -f "$tmp/home/.so8t/models/manifests/dflt:latest.json" ] && ok || bad "default store not under HOME"

# --- usage
for c in create list show rm cp; do
    expect_rc 0 "$SO8T" $c --help
    expect_grep "^Usage: so8t $c" out
    expect_rc 2 "$SO8T" $c --bogus
done
expect_rc 2 "$SO8T" create
expect_rc 2 "$SO8T" show
expect_rc 2 "$SO8T" show tiny:v1 --json --modelfile
expect_rc 2 "$SO8T" cp onlyone
expect_rc 0 "$SO8T" run --help
expect_grep 'NAME\[:TAG\]' out
summary
