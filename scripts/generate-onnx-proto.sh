#!/usr/bin/env bash
# Regenerates Sources/PlexusONNX/Generated/onnx-ml.pb.swift from the onnx-ml.proto that the pip
# `onnx` package ships (the newest ONNX data model), with Debian's protoc and swift-protobuf's
# protoc-gen-swift. The result is committed; builds and CI never run this.
#   usage: scripts/generate-onnx-proto.sh [path/to/onnx-ml.proto]
set -euo pipefail
cd "$(dirname "$0")/.."
proto=${1:-$(.venv/bin/python -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "onnx-ml.proto"))')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# protoc-gen-swift from the same swift-protobuf version the package depends on, built apart
# from the project's .build (a release build takes about a minute).
mkdir -p "$work/gen/Sources/dummy"
cat > "$work/gen/Package.swift" <<'SWIFT'
// swift-tools-version:6.2
import PackageDescription
let package = Package(name: "gen", dependencies: [.package(url: "https://github.com/apple/swift-protobuf", from: "1.30.0")],
  targets: [.target(name: "dummy", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")])])
SWIFT
echo "import SwiftProtobuf" > "$work/gen/Sources/dummy/dummy.swift"
swift build -c release --package-path "$work/gen" --product protoc-gen-swift >/dev/null
cp "$proto" "$work/onnx-ml.proto"
protoc --plugin=protoc-gen-swift="$work/gen/.build/release/protoc-gen-swift" --proto_path="$work" \
    --swift_opt=Visibility=Public --swift_out="$work" "$work/onnx-ml.proto"
mkdir -p Sources/PlexusONNX/Generated
cp "$work/onnx-ml.pb.swift" Sources/PlexusONNX/Generated/onnx-ml.pb.swift
echo "wrote Sources/PlexusONNX/Generated/onnx-ml.pb.swift from $proto"
