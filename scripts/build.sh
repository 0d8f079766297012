#!/usr/bin/env bash
# Release build of every product, then arranges the plugin layout that discovery expects:
# plugin libraries in a `plugins/` folder beside libplexus.so.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release "$@"
out=.build/release
mkdir -p "$out/plugins"
# Every dynamic library product except libplexus itself is a plugin.
for lib in "$out"/libplexus-*.so; do
    ln -sf "../$(basename "$lib")" "$out/plugins/$(basename "$lib")"
done
ln -sf plexus-cli "$out/plexus"
# What each plugin provides, so a missing plugin can be named in errors.
"$out/plexus" plugins --write-index "$out/plugins/index.json"
