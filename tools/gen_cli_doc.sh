#!/usr/bin/env bash
# Writes the CLI reference (docs/cli.md) from the binary's own --help texts, so the two
# cannot drift: tests/test_docs.sh regenerates it and fails on any difference.
# Usage: tools/gen_cli_doc.sh [path/to/so8t] > docs/cli.md
set -eu
so8t=${1:-bin/so8t}
echo "# so8t command-line reference"
echo
echo "Generated from \`so8t --help\` and \`so8t COMMAND --help\` by \`tools/gen_cli_doc.sh\`;"
echo "\`make test\` checks that this file matches the binary. JSON output fields: docs/json.md."
echo
echo '```'
"$so8t" --help
echo '```'
for c in volume exact rotations verify info run explain bench create list show rm cp serve; do
    echo
    echo "## so8t $c"
    echo
    echo '```'
    "$so8t" "$c" --help
    echo '```'
done
