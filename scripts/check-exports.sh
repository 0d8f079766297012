#!/usr/bin/env bash
# Fails when libplexus.so's exported plx_* functions differ from the committed list
# (include/plexus/exports.txt) or from the functions declared in plexus.h: an accidental ABI
# change must be a deliberate edit of the list. `--update` rewrites the list.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=.build/release/libplexus.so
list=include/plexus/exports.txt
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 ~ /^plx_/ { print $3 }' | sort)
declared=$(grep -oE '\bplx_[a-z0-9_]+\(' include/plexus/plexus.h | tr -d '(' | sort -u)
if [ "${1:-}" = "--update" ]; then
    echo "$exported" > "$list"
    echo "wrote $list ($(wc -l < "$list") symbols)"
    exit 0
fi
passed=0 failed=0
check() { # name, expected, actual
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1))
        echo "FAIL: $1"
        diff <(echo "$2") <(echo "$3") | sed 's/^/    /' || true
    fi
}
check "exports of $lib match $list (run scripts/check-exports.sh --update after a deliberate ABI change)" "$(cat "$list")" "$exported"
check "every function declared in plexus.h is exported, and nothing else" "$declared" "$exported"
echo "exports: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
