#!/usr/bin/env bash
# Builds and runs the plain-C tests of the public ABI (Tests/CTests) against the release build.
# Run from anywhere; it works in the repository root. Needs .build/release/libplexus.so and the
# cpu plugin in .build/release/plugins (swift build -c release), a C compiler and valgrind.
# Ends with "C tests: N passed, N failed" and exits nonzero when anything failed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
LIB=$ROOT/.build/release
OUT=$ROOT/.build/ctests
SRC=$ROOT/Tests/CTests
CC=${CC:-cc}
CFLAGS=(-std=c11 -Wall -Wextra -Werror -I"$ROOT/include")

if [[ ! -f $LIB/libplexus.so ]]; then
    echo "error: $LIB/libplexus.so not found; build first: swift build -c release" >&2
    exit 1
fi
if ! compgen -G "$LIB/plugins/*.so" >/dev/null; then
    echo "error: no plugins in $LIB/plugins; the release build should put libplexus-cpu.so there" >&2
    exit 1
fi

# A clean environment: only what each test sets decides which plugins load.
unset PLEXUS_PLUGIN_PATH PLEXUS_BACKENDS PLEXUS_AUTOLOAD

rm -rf "$OUT"
mkdir -p "$OUT/fixtures"

echo "== building fixtures and tests in $OUT"
for src in "$SRC"/fixtures/*.c; do
    name=$(basename "$src" .c)
    "$CC" "${CFLAGS[@]}" -shared -fPIC -o "$OUT/fixtures/$name.so" "$src"
done
# The plugin-ABI fixtures (test_plugin_abi): one built against the frozen ABI 1.1 headers, the
# others against today's; deps/ holds a plugin and, after it in discovery order, the one it requires.
ABI=$OUT/plugin-abi
mkdir -p "$ABI/deps"
"$CC" -std=c11 -Wall -Wextra -Werror -I"$SRC/plugin-abi/abi-1.1" -shared -fPIC -o "$ABI/abi11_plugin.so" "$SRC/plugin-abi/abi11_plugin.c"
for name in rewrite_plugin rewrite_fails; do
    "$CC" "${CFLAGS[@]}" -shared -fPIC -o "$ABI/$name.so" "$SRC/plugin-abi/$name.c"
done
requires() { "$CC" "${CFLAGS[@]}" -shared -fPIC "$@" "$SRC/plugin-abi/requires_plugin.c"; }
requires -DNAME='"test-dependent"' -DREQUIRES='"test-provider"' -DOP='"Dependent"' -o "$ABI/deps/a_dependent.so"
requires -DNAME='"test-provider"' -DOP='"Provided"' -o "$ABI/deps/b_provider.so"
requires -DNAME='"test-needs-missing"' -DREQUIRES='"no-such-plugin"' -DOP='"NeedsMissing"' -o "$ABI/needs_missing.so"
for src in "$SRC"/test_*.c; do
    name=$(basename "$src" .c)
    [[ $name == test_example_plugins ]] && continue  # built against the installed tree below
    "$CC" "${CFLAGS[@]}" -o "$OUT/$name" "$src" -L"$LIB" -lplexus -lm -Wl,-rpath,"$LIB"
done

# The example plugins and their test are built as a C user would: against an installed tree,
# with pkg-config and make, and nothing from the Swift build.
echo "== installing into $OUT/install and building the example plugins"
"$ROOT/scripts/install.sh" "$OUT/install" >/dev/null
export PKG_CONFIG_PATH="$OUT/install/lib/pkgconfig"
for example in "$ROOT"/Plugins/examples/*/; do
    make -s -C "$example" clean
    make -s -C "$example"
done
# shellcheck disable=SC2046
"$CC" -std=c11 -Wall -Wextra -Werror -I"$SRC" -o "$OUT/test_example_plugins" "$SRC/test_example_plugins.c" \
    $(pkg-config --cflags --libs plexus) -lm
unset PKG_CONFIG_PATH

passed=0
failed=0

# run_test NAME COMMAND...: runs a test program, shows its output and adds its counts. A program
# that dies without its summary line, or exits nonzero with no failed check, counts one failure.
run_test() {
    local name=$1 log="$OUT/${1// /_}.log" rc=0 line
    shift
    echo "== $name"
    "$@" >"$log" 2>&1 || rc=$?
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
    if [[ -z $line ]]; then
        echo "!! $name exited with status $rc without a summary line"
        failed=$((failed + 1))
        return
    fi
    local p f
    read -r p _ f _ <<<"$line"
    passed=$((passed + p))
    failed=$((failed + f))
    if [[ $rc -ne 0 && $f -eq 0 ]]; then
        echo "!! $name exited with status $rc"
        failed=$((failed + 1))
    fi
}

run_test test_abi_layout "$OUT/test_abi_layout"
run_test test_c_api "$OUT/test_c_api"
run_test test_prepared_op "$OUT/test_prepared_op"
run_test test_export_trace "$OUT/test_export_trace" "$OUT"
run_test test_plugin_loader "$OUT/test_plugin_loader" "$OUT/fixtures"
run_test test_no_backend env PLEXUS_AUTOLOAD=0 "$OUT/test_no_backend"
run_test test_missing_plugin env PLEXUS_AUTOLOAD=0 "$OUT/test_missing_plugin" "$LIB/plugins"
run_test test_training "$OUT/test_training" "$OUT"
run_test test_session "$OUT/test_session" "$ROOT/Tests/fixtures"
run_test test_example_plugins "$OUT/test_example_plugins" "$ROOT/Plugins/examples/swish/libplexus-example-swish.so" \
    "$ROOT/Plugins/examples/rmsnorm/libplexus-example-rmsnorm.so" "$OUT"
run_test "test_example_plugins (not loaded)" env PLEXUS_AUTOLOAD=0 "$OUT/test_example_plugins" --missing "$OUT/examples.onnx"
run_test test_plugin_abi env PLEXUS_PLUGIN_PATH="$ABI/deps" "$OUT/test_plugin_abi" "$ABI" "$ROOT/Tests/fixtures"
run_test test_backend_order "$OUT/test_backend_order" "$OUT/fixtures" -1
run_test "test_backend_order (PLEXUS_BACKENDS=alt)" env PLEXUS_BACKENDS=alt "$OUT/test_backend_order" "$OUT/fixtures" 42

# The C API and training tests once more under valgrind: no memory errors and no definite
# leaks. Each run counts as one check; the programs' own checks were counted above.
if ! command -v valgrind >/dev/null 2>&1; then
    echo "!! valgrind is not installed (apt-get install valgrind); the leak checks cannot run"
    failed=$((failed + 1))
else
    for program in "test_c_api" "test_prepared_op" "test_export_trace $OUT" "test_training $OUT" "test_session $ROOT/Tests/fixtures"; do
        name=${program%% *}
        echo "== $name under valgrind"
        VG_LOG=$OUT/$name.valgrind.log
        # shellcheck disable=SC2086
        valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 --suppressions=Tests/CTests/valgrind.supp \
            --log-file="$VG_LOG" $OUT/$program >"$OUT/$name.valgrind.out" 2>&1 || true
        grep -E 'definitely lost|ERROR SUMMARY' "$VG_LOG" | sed 's/^==[0-9]*== */   /' || true
        if grep -qE 'ERROR SUMMARY: 0 errors' "$VG_LOG"; then
            passed=$((passed + 1))
        else
            grep -E '^==[0-9]+==' "$VG_LOG" || true
            echo "!! valgrind found memory errors or definite leaks in $name (log: $VG_LOG)"
            failed=$((failed + 1))
        fi
    done
fi

echo "C tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
