"""`plexus check`: Debian's ONNX checker through the COnnxCheck shim."""
import pathlib
import subprocess

import onnx
from onnx import TensorProto, helper

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "fixtures"


def check(path):
    return subprocess.run([str(ROOT / ".build/release/plexus"), "check", str(path)], capture_output=True, text=True, timeout=60)


def test_valid_invalid_and_out_of_range_models(tmp_path):
    result = check(FIXTURES / "affine_relu.onnx")
    assert result.returncode == 0 and "valid" in result.stdout
    result = check(FIXTURES / "cycle.onnx")
    assert result.returncode == 1 and "invalid" in result.stdout
    bad_attr = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"], alpha=2.0)], "g",
                                                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                                                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])]),
                                 opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(bad_attr, tmp_path / "bad.onnx")
    result = check(tmp_path / "bad.onnx")
    assert result.returncode == 1 and "alpha" in result.stdout
    newer = helper.make_model(helper.make_graph([], "g", [], []), opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
    onnx.save(newer, tmp_path / "newer.onnx")
    result = check(tmp_path / "newer.onnx")
    assert result.returncode == 0 and "not checked" in result.stdout
    result = check(FIXTURES / "make_models.py")
    assert result.returncode == 1 and "not a valid ONNX" in result.stdout
