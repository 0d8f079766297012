#!/usr/bin/env bash
# Installs Plexus for C users under PREFIX (default /usr/local): headers, libplexus.so, the
# plugins (in lib/plugins, where discovery finds them), the Swift runtime libraries they need
# (so nothing points into the toolchain: RUNPATH is $ORIGIN-relative), and lib/pkgconfig/plexus.pc.
#   usage: scripts/install.sh [PREFIX]      (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(realpath -m "${1:-${PREFIX:-/usr/local}}")
build=.build/release
[ -f "$build/libplexus.so" ] || { echo "install: build first (scripts/build.sh)" >&2; exit 1; }
command -v patchelf >/dev/null || { echo "install: patchelf is needed (apt-get install patchelf)" >&2; exit 1; }
mkdir -p "$prefix/include/plexus" "$prefix/lib/plugins" "$prefix/lib/pkgconfig"
install -m 644 include/plexus/plexus.h include/plexus/plexus_plugin.h "$prefix/include/plexus/"
install -m 755 "$build/libplexus.so" "$prefix/lib/"
for plugin in "$build"/libplexus-*.so; do install -m 755 "$plugin" "$prefix/lib/plugins/"; done
# The Swift runtime libraries libplexus and the plugins use, once, beside libplexus.so.
toolchain=$(dirname "$(command -v swift)")/../lib/swift/linux
for library in $(ldd "$build"/libplexus.so "$build"/libplexus-*.so | awk '/\/lib\/swift\/linux\// { print $3 }' | sort -u); do
    install -m 755 "$library" "$prefix/lib/"
done
patchelf --set-rpath '$ORIGIN' "$prefix"/lib/lib*.so
for plugin in "$prefix"/lib/plugins/*.so; do patchelf --set-rpath '$ORIGIN/..' "$plugin"; done
"$build/plexus" plugins --write-index "$prefix/lib/plugins/index.json"
cat > "$prefix/lib/pkgconfig/plexus.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib
plugindir=\${libdir}/plugins

Name: plexus
Description: Plexus deep-learning framework: C ABI and plugin ABI
Version: $(sed -n 's/^let plexusVersion: StaticString = "\(.*\)"/\1/p' Sources/Plexus/Library.swift)
Cflags: -I\${includedir}
Libs: -L\${libdir} -lplexus -Wl,-rpath,\${libdir}
PC
echo "installed Plexus in $prefix (pkg-config: PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs plexus)"
