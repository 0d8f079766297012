#!/usr/bin/env bash
# Regenerates the golden files from their scripts and fails if they differ from the committed
# ones, so a golden can never drift from the reference that produced it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" Tests/goldens/make_cpu_goldens.py "$tmp/cpu_goldens.json" >/dev/null
if cmp -s "$tmp/cpu_goldens.json" Tests/PlexusCoreTests/Resources/cpu_goldens.json; then
    echo "goldens: 1 passed, 0 failed"
else
    echo "goldens: cpu_goldens.json is stale: run $python Tests/goldens/make_cpu_goldens.py"
    echo "goldens: 0 passed, 1 failed"
    exit 1
fi
