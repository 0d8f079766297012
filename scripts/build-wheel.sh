#!/usr/bin/env bash
# Builds a self-contained wheel of the Python package (bindings/python): libplexus.so, its
# plugins (in plexus/lib/plugins, where libplexus discovers them) and the Swift runtime
# libraries they need (the transitive NEEDED entries found in the toolchain) are copied into a
# staged copy of the package, every RUNPATH is set to $ORIGIN-relative paths with patchelf (no
# path into the toolchain is left), and `pip wheel` builds a linux_x86_64 wheel.
#
#   scripts/build-wheel.sh [OUT_DIR]        wheel into OUT_DIR (default bindings/python/dist)
#
# Environment: PLEXUS_BUILD_DIR (built libraries, default .build/release; run ./scripts/build.sh
# first), SWIFT_RUNTIME_DIR (default /opt/swift/usr/lib/swift/linux), PLEXUS_WHEEL_STAGING
# (staging folder, default bindings/python/build/wheel), PYTHON (default .venv/bin/python, else
# python3). The source tree is not modified.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/bindings/python/dist}")
built=$(realpath -m "${PLEXUS_BUILD_DIR:-$root/.build/release}")
runtime=$(realpath -m "${SWIFT_RUNTIME_DIR:-/opt/swift/usr/lib/swift/linux}")
stage=$(realpath -m "${PLEXUS_WHEEL_STAGING:-$root/bindings/python/build/wheel}")
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3

[ -f "$built/libplexus.so" ] || { echo "build-wheel: $built/libplexus.so is missing; run ./scripts/build.sh first" >&2; exit 1; }
[ -d "$runtime" ] || { echo "build-wheel: Swift runtime folder $runtime does not exist (set SWIFT_RUNTIME_DIR)" >&2; exit 1; }
command -v patchelf >/dev/null || { echo "build-wheel: patchelf is required (apt-get install patchelf)" >&2; exit 1; }

# A clean copy of the package to put the libraries in.
rm -rf "$stage"
mkdir -p "$stage"
cp "$root/bindings/python/pyproject.toml" "$root/bindings/python/setup.py" "$root/bindings/python/README.md" "$stage/"
(cd "$root/bindings/python" && find plexus -name '*.py' -not -path '*/__pycache__/*' -print0 | xargs -0 cp --parents -t "$stage")
lib="$stage/plexus/lib"
mkdir -p "$lib/plugins"
cp "$root/bindings/python/plexus/lib/README.md" "$lib/"

cp -L "$built/libplexus.so" "$lib/"
plugins=("$built"/plugins/*.so)
[ -e "${plugins[0]}" ] || plugins=("$built"/libplexus-*.so)
for plugin in "${plugins[@]}"; do cp -L "$plugin" "$lib/plugins/"; done
[ -f "$built/plugins/index.json" ] && cp "$built/plugins/index.json" "$lib/plugins/"

# The Swift runtime libraries needed, transitively.
queue=("$lib"/*.so "$lib"/plugins/*.so)
while [ ${#queue[@]} -gt 0 ]; do
    file=${queue[0]}
    queue=("${queue[@]:1}")
    while read -r needed; do
        if [ -f "$runtime/$needed" ] && [ ! -f "$lib/$needed" ]; then
            cp -L "$runtime/$needed" "$lib/$needed"
            queue+=("$lib/$needed")
        fi
    done < <(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done

for file in "$lib"/*.so*; do patchelf --set-rpath '$ORIGIN' "$file"; done
for file in "$lib"/plugins/*.so; do patchelf --set-rpath '$ORIGIN/..' "$file"; done

# No library may still look into the toolchain.
for file in "$lib"/*.so* "$lib"/plugins/*.so; do
    if readelf -d "$file" | grep -E 'R(UN)?PATH' | grep -q -v -F -e '[$ORIGIN]' -e '[$ORIGIN/..]'; then
        echo "build-wheel: $file still has a non-\$ORIGIN RUNPATH" >&2
        exit 1
    fi
done

# Build in this interpreter when it can make wheels itself (works offline); else pip fetches
# setuptools and wheel into an isolated build environment.
isolation=()
if "$python" -c 'from setuptools.command.bdist_wheel import bdist_wheel' 2>/dev/null \
    || "$python" -c 'import setuptools, wheel.bdist_wheel' 2>/dev/null; then
    isolation=(--no-build-isolation)
fi
mkdir -p "$out"
"$python" -m pip wheel --no-deps --quiet "${isolation[@]}" -w "$out" "$stage"
ls "$out"/plexus-*.whl
