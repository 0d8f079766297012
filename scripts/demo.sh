#!/usr/bin/env bash
# Sets up and builds Plexus, then runs the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.build/release/plexus plugins
.build/release/plexus demo
