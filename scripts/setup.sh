#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks (system libraries and tools, a Python virtual
# environment with the test references) and builds Plexus in release mode. Quick when
# everything is present. Run from anywhere; needs root (or sudo) only to install packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev libonnx-dev libprotobuf-dev protobuf-compiler patchelf valgrind pkg-config python3-venv)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv=.venv
if [ ! -x "$venv/bin/python" ]; then
    echo "setup: creating $venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import numpy, onnx, onnxruntime, pytest, safetensors, torch" 2>/dev/null; then
    echo "setup: installing Python test references into $venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -r requirements-dev.txt
fi

export PATH=/opt/swift/usr/bin:$PATH
./scripts/build.sh
