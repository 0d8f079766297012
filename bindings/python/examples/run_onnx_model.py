"""Runs an ONNX model with plexus.InferenceSession (the onnxruntime API) on random inputs and,
when onnxruntime is installed, compares the outputs with it.

    python run_onnx_model.py [model.onnx]

Without a model path it first exports a small CNN with plexus.onnx.export and runs that.
"""
import pathlib
import sys
import tempfile
import time

import numpy as np

import plexus


def example_model(folder):
    """Exports a small CNN to ``folder`` and returns its path."""
    plexus.manual_seed(0)
    model = plexus.nn.Sequential(plexus.nn.Conv2d(1, 8, 3, padding=1), plexus.nn.ReLU(), plexus.nn.MaxPool2d(2),
                                 plexus.nn.Flatten(), plexus.nn.Linear(8 * 4 * 4, 10), plexus.nn.Softmax(dim=1))
    path = pathlib.Path(folder) / "cnn.onnx"
    plexus.onnx.export(model, plexus.randn(1, 1, 8, 8), path, input_names=["image"], output_names=["probabilities"],
                       dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}})
    return path


def random_feeds(session, batch=4):
    """Random inputs matching the declared types and shapes (symbolic dims become ``batch``)."""
    rng = np.random.default_rng(0)
    feeds = {}
    for arg in session.get_inputs():
        shape = [d if isinstance(d, int) else batch for d in (arg.shape or [])]
        numpy_type = plexus.as_dtype(arg.type).numpy
        if numpy_type.kind == "f":
            feeds[arg.name] = rng.standard_normal(shape).astype(numpy_type)
        elif numpy_type.kind == "b":
            feeds[arg.name] = rng.random(shape) > 0.5
        else:
            feeds[arg.name] = rng.integers(0, 4, shape).astype(numpy_type)
    return feeds


def main(argv):
    """Runs the model given on the command line (or an exported example) and compares."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(argv[1]) if len(argv) > 1 else example_model(folder)
        session = plexus.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for arg in session.get_inputs():
            print(f"input  {arg.name}: {arg.type} {arg.shape}")
        for arg in session.get_outputs():
            print(f"output {arg.name}: {arg.type} {arg.shape}")
        feeds = random_feeds(session)
        start = time.perf_counter()
        outputs = session.run(None, feeds)
        elapsed = (time.perf_counter() - start) * 1000
        for arg, value in zip(session.get_outputs(), outputs):
            print(f"{arg.name}: shape {value.shape}, dtype {value.dtype}")
        print(f"plexus run: {elapsed:.2f} ms")
        try:
            import onnxruntime
        except ImportError:
            print("onnxruntime is not installed: no comparison")
            return 0
        reference = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
        worst = max(float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) if a.size else 0.0
                    for a, b in zip(outputs, reference))
        print(f"max abs difference vs onnxruntime: {worst:.3g}")
        return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
