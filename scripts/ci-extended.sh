#!/usr/bin/env bash
# The second CI script: what does not fit the test command's time. Every libFuzzer target for
# FUZZ_SECONDS (default 60) each, then the Swift test suite built and run under AddressSanitizer
# and ThreadSanitizer (scripts/sanitize.sh). Run after ./scripts/test.sh (it needs the set-up
# machine). About 25 minutes on 2 cores. Exits nonzero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
./scripts/fuzz.sh --time "${FUZZ_SECONDS:-60}" || status=1
./scripts/sanitize.sh || status=1
[ "$status" -eq 0 ] && echo "extended checks: 2 passed, 0 failed" || echo "extended checks: SOME FAILED"
exit "$status"
