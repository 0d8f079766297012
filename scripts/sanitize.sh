#!/usr/bin/env bash
# Builds the Swift test suite with a sanitizer in its own scratch path and runs a subset of it.
# See docs/fuzzing.md for what runs and how long it takes.
#
#   scripts/sanitize.sh                    AddressSanitizer, then ThreadSanitizer
#   scripts/sanitize.sh address            AddressSanitizer only (.build-asan)
#   scripts/sanitize.sh thread             ThreadSanitizer only (.build-tsan)
#   scripts/sanitize.sh address --filter 'DataTests|SessionTests'   another subset (swift test --filter)
#
# The plugins are built with the same sanitizer and found in plugins/ beside the test bundle, as
# scripts/build.sh lays them out, so every kernel runs instrumented. Exits nonzero when a build
# fails, a test fails or a sanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

# The default subsets. AddressSanitizer: every Swift test but the big-tensor kernel tests (minutes
# under ASan, and their memory is what libFuzzer's targets and the normal suite already cover).
# ThreadSanitizer: the tests that run work on several threads — the worker pool, parallel kernels,
# concurrent session runs, plugin discovery.
address_filter='PlexusCoreTests\.(AutogradTests|CPUKernelGoldenTests|DataTests|DispatchTests|GradientCheckTests|LayerTests|LossTests|OptimizerTests|ParallelTests|TensorTests)|PlexusONNXTests'
thread_filter='ParallelTests|SessionTests|DispatchTests'

sanitizers=()
filter=
while [ $# -gt 0 ]; do
    case "$1" in
        address|thread) sanitizers+=("$1"); shift ;;
        --filter) filter="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "sanitize.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)

unset PLEXUS_PLUGIN_PATH PLEXUS_AUTOLOAD
# Swift's backtracer reads memory in ways the sanitizers report; a trap is reported by them anyway.
export SWIFT_BACKTRACE=enable=no
status=0
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
        address) scratch=.build-asan; subset=${filter:-$address_filter}
                 export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" ;;
        thread) scratch=.build-tsan; subset=${filter:-$thread_filter}
                export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}" ;;
    esac
    flags=(-c release --scratch-path "$scratch" --sanitize "$sanitizer")
    # The test program links TSan's runtime statically and exports only the runtime members it
    # uses itself; the plugins need more (Swift's access checks, atomics), so the program is
    # linked again exporting every __tsan_ symbol they import (the list is kept in the scratch path).
    exports=$scratch/tsan-exports.txt
    if [ "$sanitizer" = thread ] && [ -s "$exports" ]; then
        while read -r symbol; do flags+=(-Xlinker "--undefined=$symbol" -Xlinker "--export-dynamic-symbol=$symbol"); done <"$exports"
    fi
    echo "== $sanitizer: building in $scratch"
    start=$(date +%s)
    if ! swift build "${flags[@]}" --build-tests; then
        echo "sanitize $sanitizer: BUILD FAILED"; status=1; continue
    fi
    if [ "$sanitizer" = thread ] && [ ! -s "$exports" ]; then
        nm -D --undefined-only "$scratch"/release/libplexus-*.so | grep -o '__tsan_[a-z0-9_]*' | sort -u >"$exports"
        while read -r symbol; do flags+=(-Xlinker "--undefined=$symbol" -Xlinker "--export-dynamic-symbol=$symbol"); done <"$exports"
        swift build "${flags[@]}" --build-tests || { echo "sanitize $sanitizer: BUILD FAILED"; status=1; continue; }
    fi
    mkdir -p "$scratch/release/plugins"
    for lib in "$scratch"/release/libplexus-*.so; do
        ln -sf "../$(basename "$lib")" "$scratch/release/plugins/$(basename "$lib")"
    done
    built=$(date +%s)
    echo "== $sanitizer: swift test --filter '$subset'"
    if swift test "${flags[@]}" --skip-build --filter "$subset"; then result=passed; else result=FAILED; status=1; fi
    echo "sanitize $sanitizer: $result (build $(( built - start )) s, tests $(( $(date +%s) - built )) s)"
done
exit "$status"
