"""An onnxruntime script runs unchanged with ``import plexus as ort`` on a real exported model."""
import os
import subprocess
import sys

import numpy as np
import pytest

import plexus
import plexus.nn as nn
from conftest import PACKAGE_ROOT

pytest.importorskip("onnxruntime")

SCRIPT = '''
import sys
import numpy as np
import onnxruntime as ort

model_path, out_path = sys.argv[1], sys.argv[2]
print("providers:", ort.get_available_providers())
so = ort.SessionOptions()
so.intra_op_num_threads = 2
so.inter_op_num_threads = 1
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.log_severity_level = 3
providers = [p for p in ["CUDAExecutionProvider", "CPUExecutionProvider"] if p in ort.get_available_providers()]
sess = ort.InferenceSession(model_path, sess_options=so, providers=providers)
input_meta = sess.get_inputs()[0]
print("input:", input_meta.name, input_meta.shape, input_meta.type)
for output in sess.get_outputs():
    print("output:", output.name, output.shape, output.type)
shape = [d if isinstance(d, int) else 5 for d in input_meta.shape]
x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
outputs = sess.run(None, {input_meta.name: x})
probabilities = outputs[0]
print("predictions:", probabilities.argmax(axis=1).tolist())
(again,) = sess.run([sess.get_outputs()[0].name], {input_meta.name: x})
assert np.array_equal(again, probabilities)
np.save(out_path, probabilities)
'''


def test_onnxruntime_script_runs_with_plexus(tmp_path):
    plexus.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10),
                          nn.Softmax(dim=1))
    model_path = tmp_path / "digits.onnx"
    plexus.onnx.export(model, plexus.randn(1, 1, 8, 8), model_path, input_names=["pixels"], output_names=["probabilities"],
                       dynamic_axes={"pixels": {0: "batch"}, "probabilities": {0: "batch"}})
    scripts = {"onnxruntime": SCRIPT, "plexus": SCRIPT.replace("import onnxruntime as ort", "import plexus as ort")}
    assert scripts["plexus"].count("import plexus as ort") == 1
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    printed, results = {}, {}
    for name, text in scripts.items():
        script = tmp_path / f"{name}_script.py"
        script.write_text(text)
        out = tmp_path / f"{name}.npy"
        run = subprocess.run([sys.executable, str(script), str(model_path), str(out)], env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        printed[name] = [line for line in run.stdout.splitlines() if not line.startswith("providers:")]
        results[name] = np.load(out)
    assert printed["plexus"] == printed["onnxruntime"]
    np.testing.assert_allclose(results["plexus"], results["onnxruntime"], rtol=1e-5, atol=1e-6)
