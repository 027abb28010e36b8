#!/usr/bin/env bash
# fuzz.sh — `make fuzz`: build the GGUF reader's libFuzzer target with clang
# (-fsanitize=fuzzer,address,undefined) and run it from the seed corpus.
#   FUZZ_SECONDS=600 (default) bounds the run; FUZZ_RUNS=N stops after N executions instead.
#   Extra arguments go to libFuzzer (e.g. -jobs=2).
# New inputs go to build/fuzz-clang/corpus (not committed); crashes to build/fuzz-clang/.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
OUT=build/fuzz-clang
if ! command -v "$CLANG" >/dev/null; then
    echo "fuzz.sh: clang not found (apt-get install clang)" >&2
    exit 1
fi
mkdir -p "$OUT/corpus"
"$CLANG" -g -O1 -std=c11 -D_GNU_SOURCE -I. \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    tests/fuzz/fuzz_gguf.c llm/gguf/gguf.c -o "$OUT/fuzz_gguf"
cp -n tests/fuzz/corpus/gguf/* "$OUT/corpus/" 2>/dev/null || true
limit=(-max_total_time="${FUZZ_SECONDS:-600}")
if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); fi
exec "$OUT/fuzz_gguf" "${limit[@]}" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$OUT/" "$@" "$OUT/corpus"
