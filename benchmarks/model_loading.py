"""How long loading a 100 MB ONNX model takes beyond reading the file: Plexus session creation
next to onnxruntime's, on the same machine in the same run.

    .venv/bin/python benchmarks/model_loading.py [--megabytes 100]
"""
import argparse
import pathlib
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "Tests" / "python"))
from plexus_c import Session  # noqa: E402


def best_of(repeats, function):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    side = int((args.megabytes * 1e6 / 4) ** 0.5)
    weights = np.random.default_rng(0).standard_normal((side, side)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "big",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, side])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, side])],
                              [numpy_helper.from_array(weights, "w")])
    path = pathlib.Path(tempfile.mkdtemp()) / "big.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    size = path.stat().st_size / 1e6
    read = best_of(args.repeats, lambda: path.read_bytes())
    plexus = best_of(args.repeats, lambda: Session(path))
    print(f"model: {size:.0f} MB ({side}x{side} float32 weights)")
    print(f"  reading the file:        {read * 1000:7.1f} ms")
    print(f"  plexus session create:   {plexus * 1000:7.1f} ms  ({(plexus - read) * 1000:.1f} ms beyond reading)")
    try:
        import onnxruntime
        ort = best_of(args.repeats, lambda: onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]))
        print(f"  onnxruntime session:     {ort * 1000:7.1f} ms")
    except ImportError:
        print("  onnxruntime not installed")
    path.unlink()


if __name__ == "__main__":
    main()
