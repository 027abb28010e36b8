#!/usr/bin/env bash
# test_docs.sh — docs/cli.md is exactly what the binary's --help texts say now.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$SO8T_TMP/cli.md
if bash "$root/tools/gen_cli_doc.sh" "$SO8T" >"$tmp" 2>/dev/null; then ok; else bad "gen_cli_doc.sh failed"; fi
if diff -u "$root/docs/cli.md" "$tmp" >/dev/null; then
    ok
else
    bad "docs/cli.md is out of date: run tools/gen_cli_doc.sh bin/so8t > docs/cli.md"
    diff -u "$root/docs/cli.md" "$tmp" | head -20 >&2
fi
rm -f "$tmp"
# every subcommand in the top-level help has a section
for c in volume exact rotations verify info run explain bench create list show rm cp serve; do
    grep -q "^## so8t $c\$" "$root/docs/cli.md" && ok || bad "no section for $c"
done
summary
