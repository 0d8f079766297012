#!/usr/bin/env bash
# Sets up, builds in release mode and runs every test: Swift tests, C tests (with valgrind),
# the exported-symbol check, the golden-file freshness check, the Python package's suite, the
# ONNX conformance regression check and the fuzz smoke run (every seed and regression input of
# the libFuzzer targets, replayed under AddressSanitizer). Exits nonzero on any failure.
# Longer fuzzing and the sanitizer builds of the Swift tests: scripts/ci-extended.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH=/opt/swift/usr/bin:$PATH
status=0
run() { echo "== $*"; "$@" || status=1; }

run swift build -c release --build-tests
run swift test -c release --skip-build
run ./scripts/run-c-tests.sh
run ./scripts/check-exports.sh
run ./scripts/check-goldens.sh
run .venv/bin/python -m pytest -q Tests/python
run .venv/bin/python -m pytest -q bindings/python/tests
run .venv/bin/python Tests/conformance/run_conformance.py --check
run ./scripts/fuzz.sh --smoke

[ "$status" -eq 0 ] && echo "all test suites passed" || echo "SOME TEST SUITES FAILED"
exit "$status"
