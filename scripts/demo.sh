#!/usr/bin/env bash
# Sets up and builds Plexus, then trains an MLP on the bundled 8x8 digits (extra arguments go
# to `plexus train`, e.g. --epochs 10 --optimizer sgd).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.build/release/plexus plugins
.build/release/plexus train "$@"
