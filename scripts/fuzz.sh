#!/usr/bin/env bash
# Builds the libFuzzer targets (Tests/Fuzz) with AddressSanitizer in their own scratch path,
# .build-fuzz, and runs them. See docs/fuzzing.md.
#
#   scripts/fuzz.sh                  every target for 60 s each
#   scripts/fuzz.sh --time 600 numpy one target for 10 minutes
#   scripts/fuzz.sh --smoke          replay the committed corpora and regression cases only (CI)
#   scripts/fuzz.sh --build-only     build, run nothing
#   scripts/fuzz.sh --keep-going     go on after a finding (libFuzzer's fork mode), to collect several
#
# Targets: onnx_loader safetensors numpy session_run. New corpus units go to
# .build-fuzz/fuzz-work/<target>/corpus (the committed seeds in Tests/Fuzz/corpus/<target> are
# only read). A finding (crash, ASan report, leak, timeout, out-of-memory) is copied to
# Tests/Fuzz/crashes/<target>/ — commit it as a regression case once it is fixed — and the script
# exits nonzero.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

seconds=60
mode=fuzz
keep_going=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) seconds="$2"; shift 2 ;;
        --smoke) mode=smoke; shift ;;
        --build-only) mode=build; shift ;;
        --keep-going) keep_going=1; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(onnx_loader safetensors numpy session_run)

scratch=.build-fuzz
out=$scratch/release
# target -> executable product, and the longest input libFuzzer makes for it.
product() {
    case "$1" in
        onnx_loader) echo FuzzONNXLoader ;;
        safetensors) echo FuzzSafetensors ;;
        numpy) echo FuzzNumpy ;;
        session_run) echo FuzzSessionRun ;;
        *) echo "fuzz.sh: unknown target $1 (onnx_loader safetensors numpy session_run)" >&2; exit 2 ;;
    esac
}
max_len() {
    case "$1" in
        onnx_loader) echo 16384 ;;
        session_run) echo 2048 ;;
        *) echo 4096 ;;
    esac
}
for target in "${targets[@]}"; do product "$target" >/dev/null; done

# One sanitized build: the core and PlexusONNX linked into each fuzz executable, the plugins as the
# same shared libraries as usual (instrumented too, so libFuzzer sees their coverage and ASan their
# memory), found at run time in plugins/ beside the executable — the layout scripts/build.sh makes
# beside libplexus.so. The plugins use the executable's ASan runtime and the one Swift runtime, as
# the real library does. Product by product: a plain `swift build` would also build plexus-cli
# (whose main clashes with libFuzzer's) and swift-protobuf's protoc. `--sanitize fuzzer` makes
# SwiftPM leave main to libFuzzer; `-sanitize=fuzzer,address` comes after it because the driver
# keeps only the last -sanitize flag.
echo "== building the fuzz targets in $scratch (sanitize: fuzzer, address)"
start=$(date +%s)
mkdir -p "$scratch"
flags=(-c release --scratch-path "$scratch" --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address)
products=(plexus-cpu plexus-mlp plexus-cnn plexus-rnn plexus-transformer plexus-openblas)
for target in "${targets[@]}"; do products+=("$(product "$target")"); done
for name in "${products[@]}"; do
    if ! PLEXUS_FUZZ=1 swift build "${flags[@]}" --product "$name" >"$scratch/build-$name.log" 2>&1; then
        grep -v "Cannot export local symbol" "$scratch/build-$name.log" | tail -30
        echo "fuzz.sh: building $name failed (log: $scratch/build-$name.log)"
        exit 1
    fi
done
mkdir -p "$out/plugins"
for lib in "$out"/libplexus-*.so; do
    ln -sf "../$(basename "$lib")" "$out/plugins/$(basename "$lib")"
done
echo "   built in $(( $(date +%s) - start )) s"
[ "$mode" = build ] && exit 0

# The plugins beside the executable, not some other build's; allocation failures are reported as
# libFuzzer findings (the targets cap Plexus's own allocations far below -rss_limit_mb).
unset PLEXUS_PLUGIN_PATH PLEXUS_AUTOLOAD
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
# A Swift trap goes straight to libFuzzer's handler, which prints the stack; Swift's own backtracer
# would read memory in a way ASan reports as a heap overflow of its own, hiding the real cause.
export SWIFT_BACKTRACE=enable=no
common=(-rss_limit_mb=2048 -timeout=10)
status=0

if [ "$mode" = smoke ]; then
    for target in "${targets[@]}"; do
        files=()
        while IFS= read -r -d '' file; do files+=("$file"); done < <(
            find "Tests/Fuzz/corpus/$target" "Tests/Fuzz/crashes/$target" -type f ! -name '*.md' -print0 2>/dev/null | sort -z)
        log=$scratch/fuzz-work/$target.smoke.log
        mkdir -p "$(dirname "$log")"
        t0=$(date +%s)
        if "$out/$(product "$target")" "${common[@]}" "${files[@]}" >"$log" 2>&1; then
            echo "fuzz smoke $target: ${#files[@]} inputs replayed, no finding ($(( $(date +%s) - t0 )) s)"
        else
            echo "fuzz smoke $target: FAILED (see $log)"; grep -m1 -B2 -A12 "ERROR\|Fatal error\|==ERROR" "$log" || tail -20 "$log"
            status=1
        fi
    done
    [ "$status" -eq 0 ] && echo "fuzz smoke: ${#targets[@]} passed, 0 failed"
    exit "$status"
fi

printf '%-12s %8s %10s %8s %s\n' target seconds "exec/s" corpus result
for target in "${targets[@]}"; do
    work=$scratch/fuzz-work/$target
    mkdir -p "$work/corpus" "$work/artifacts"
    log=$work/fuzz.log
    touch "$log.start"
    options=(-max_len="$(max_len "$target")" -max_total_time="$seconds" -print_final_stats=1
             -artifact_prefix="$work/artifacts/")
    [ -f "Tests/Fuzz/$target.dict" ] && options+=(-dict="Tests/Fuzz/$target.dict")
    [ "$keep_going" = 1 ] && options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    set +e
    "$out/$(product "$target")" "${common[@]}" "${options[@]}" "$work/corpus" "Tests/Fuzz/corpus/$target" >"$log" 2>&1
    code=$?
    set -e
    # Speed and corpus size: from the final stats, or from fork mode's last progress line.
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    [ -n "$speed" ] || speed=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    findings=$(find "$work/artifacts" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$log.start" 2>/dev/null)
    result=ok
    if [ "$code" -ne 0 ] || [ -n "$findings" ]; then
        result="FINDING (exit $code, log $log)"
        status=1
        mkdir -p "Tests/Fuzz/crashes/$target"
        for artifact in $findings; do
            cp "$artifact" "Tests/Fuzz/crashes/$target/"
            result="$result; saved Tests/Fuzz/crashes/$target/$(basename "$artifact")"
        done
    fi
    printf '%-12s %8s %10s %8s %s\n' "$target" "$seconds" "${speed:-?}" "${corpus:-?}" "$result"
done
exit "$status"
