"""Session graph rewrites (Conv+BatchNormalization folding, Conv+activation fusion, Identity and
Dropout elimination): results match the unoptimised session and onnxruntime; each rewrite fires
only where it is safe, can be turned off alone, and shows in `plexus bench --profile`."""
import ctypes
import pathlib
import subprocess

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import PlexusError, Session, SessionOptions, bench

ROOT = pathlib.Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(21)
ALL_OFF = 1 | 2 | 4 | 8


def conv_block(activation=None, dtype=np.float32, conv_bias=True, extra_reader=False, clip_min_input=False):
    """x → Conv → BatchNormalization → activation → y (and optionally the conv output as a second output)."""
    tensor_type = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [numpy_helper.from_array(RNG.standard_normal((6, 3, 3, 3)).astype(dtype), "w"),
             numpy_helper.from_array((RNG.random(6) + 0.5).astype(dtype), "scale"),
             numpy_helper.from_array(RNG.standard_normal(6).astype(dtype), "beta"),
             numpy_helper.from_array(RNG.standard_normal(6).astype(dtype), "mean"),
             numpy_helper.from_array((RNG.random(6) + 0.2).astype(dtype), "var")]
    conv_inputs = ["x", "w"]
    if conv_bias:
        inits.append(numpy_helper.from_array(RNG.standard_normal(6).astype(dtype), "b"))
        conv_inputs.append("b")
    nodes = [helper.make_node("Conv", conv_inputs, ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "scale", "beta", "mean", "var"], ["n"], epsilon=1e-3)]
    inputs = [helper.make_tensor_value_info("x", tensor_type, [1, 3, 8, 8])]
    last = "n"
    if activation == "Clip":
        if clip_min_input:
            inputs.append(helper.make_tensor_value_info("low", tensor_type, []))
            nodes.append(helper.make_node("Clip", ["n", "low", "high"], ["y"]))
        else:
            inits.append(numpy_helper.from_array(np.array(0, dtype), "low"))
            nodes.append(helper.make_node("Clip", ["n", "low", "high"], ["y"]))
        inits.append(numpy_helper.from_array(np.array(1.5, dtype), "high"))
        last = "y"
    elif activation == "LeakyRelu":
        nodes.append(helper.make_node("LeakyRelu", ["n"], ["y"], alpha=0.2))
        last = "y"
    elif activation is not None:
        nodes.append(helper.make_node(activation, ["n"], ["y"]))
        last = "y"
    outputs = [helper.make_tensor_value_info(last, tensor_type, None)]
    if extra_reader:
        outputs.append(helper.make_tensor_value_info("c", tensor_type, None))
    graph = helper.make_graph(nodes, "g", inputs, outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model, feeds, disabled=0):
    return Session(model.SerializeToString(), SessionOptions(disabled_optimizations=disabled)).run(feeds)


def profile(model, tmp_path, *arguments):
    """The op names `plexus bench --profile` reports for the model (filter packing off: it turns
    every remaining Conv into a FusedConv, which would hide what the fusions did)."""
    return bench(model.SerializeToString(), tmp_path, "--disable", "packing", *arguments)[1]


@pytest.mark.parametrize("activation", [None, "Relu", "LeakyRelu", "Clip", "Sigmoid"])
@pytest.mark.parametrize("conv_bias", [True, False])
def test_folded_and_fused_results_match_unoptimised_and_onnxruntime(activation, conv_bias):
    model = conv_block(activation, conv_bias=conv_bias)
    x = RNG.standard_normal((1, 3, 8, 8)).astype(np.float32)
    optimised, plain = run(model, {"x": x})[0], run(model, {"x": x}, ALL_OFF)[0]
    reference = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(optimised, plain, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(optimised, reference, rtol=1e-4, atol=1e-5)


def test_rewrites_show_in_the_profile_and_each_can_be_turned_off(tmp_path):
    model = conv_block("Relu")
    assert profile(model, tmp_path) == {"ai.plexus:FusedConv"}
    assert profile(model, tmp_path, "--disable", "activations") == {"Conv", "Relu"}
    assert profile(model, tmp_path, "--disable", "batchnorm") == {"Conv", "BatchNormalization", "Relu"}
    assert profile(model, tmp_path, "--disable", "all") == {"Conv", "BatchNormalization", "Relu"}


def test_a_conv_output_read_elsewhere_is_neither_folded_nor_fused(tmp_path):
    model = conv_block("Relu", extra_reader=True)
    assert profile(model, tmp_path) == {"Conv", "BatchNormalization", "Relu"}
    x = RNG.standard_normal((1, 3, 8, 8)).astype(np.float32)
    for got, want in zip(run(model, {"x": x}), run(model, {"x": x}, ALL_OFF)):
        np.testing.assert_array_equal(got, want)


def test_clip_with_a_fed_bound_is_not_fused(tmp_path):
    model = conv_block("Clip", clip_min_input=True)
    assert "Clip" in profile(model, tmp_path)
    x = RNG.standard_normal((1, 3, 8, 8)).astype(np.float32)
    got = run(model, {"x": x, "low": np.float32(-0.5)})[0]
    np.testing.assert_allclose(got, run(model, {"x": x, "low": np.float32(-0.5)}, ALL_OFF)[0], rtol=1e-5, atol=1e-5)
    assert got.min() >= -0.5


def test_half_precision_fused_conv_goes_through_float32():
    model = conv_block("Relu", dtype=np.float16)
    x = RNG.standard_normal((1, 3, 8, 8)).astype(np.float16)
    got, plain = run(model, {"x": x})[0], run(model, {"x": x}, ALL_OFF)[0]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), plain.astype(np.float32), rtol=1e-2, atol=1e-2)


def identity_model(training_mode=None, mask_output=False):
    nodes = [helper.make_node("Identity", ["x"], ["a"]),
             helper.make_node("Dropout", ["a", "ratio"] + (["training"] if training_mode is not None else []),
                              ["d"] + (["mask"] if mask_output else []), seed=3),
             helper.make_node("Relu", ["d"], ["y"])]
    inits = [numpy_helper.from_array(np.array(0.5, np.float32), "ratio")]
    if training_mode is not None:
        inits.append(numpy_helper.from_array(np.array(training_mode), "training"))
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    if mask_output:
        outputs.append(helper.make_tensor_value_info("mask", TensorProto.BOOL, None))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 5])], outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_identity_and_inference_dropout_are_skipped(tmp_path):
    assert profile(identity_model(), tmp_path) == {"Relu"}
    assert profile(identity_model(training_mode=False), tmp_path) == {"Relu"}
    assert profile(identity_model(), tmp_path, "--disable", "identities") == {"Identity", "Dropout", "Relu"}
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_array_equal(run(identity_model(), {"x": x})[0], np.maximum(x, 0))


def test_training_dropout_and_a_used_mask_stay(tmp_path):
    assert "Dropout" in profile(identity_model(training_mode=True), tmp_path)
    assert "Dropout" in profile(identity_model(mask_output=True), tmp_path)
    x = np.ones((4, 5), np.float32)
    y, mask = run(identity_model(mask_output=True), {"x": x})
    assert mask.all() and (y == 1).all()


def test_old_struct_size_is_accepted_and_unknown_bits_are_refused():
    model = identity_model().SerializeToString()
    old = SessionOptions()
    old.struct_size = SessionOptions.disabled_optimizations.offset  # a caller compiled against ABI 1.0
    old.disabled_optimizations = 0xFF  # beyond its struct_size: must be ignored
    Session(model, old)
    with pytest.raises(PlexusError, match="unknown bits"):
        Session(model, SessionOptions(disabled_optimizations=256))  # 128 is PLX_OPTIMIZE_BACKEND_REWRITES
    assert ctypes.sizeof(SessionOptions) > SessionOptions.disabled_optimizations.offset


def test_bench_refuses_bad_arguments_clearly(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(identity_model().SerializeToString())
    plexus = str(ROOT / ".build/release/plexus")
    for arguments, message in [(["--disable", "everything"], "--disable takes"), (["--repeats", "0"], "--repeats >= 1"),
                               (["--dim", "batch"], "--dim takes name=size"),
                               # A backend no plugin provides would be skipped, benching the default order.
                               (["--backends", "bogus"], "'bogus'"), (["--backends", "cpu,openbla"], "'openbla'"),
                               (["--backends", "cpu,"], "''"),
                               (["--threads", str(2 ** 40)], "at most 1024"), (["--threads", str(2 ** 63 - 1)], "at most 1024")]:
        result = subprocess.run([plexus, "bench", str(path), *arguments], capture_output=True, text=True)
        assert result.returncode != 0 and message in result.stderr, result.stderr
    for arguments in (["--backends", "openblas,cpu"], ["--backends", "cpu"], ["--threads", "1024"]):
        subprocess.run([plexus, "bench", str(path), "--repeats", "1", *arguments], capture_output=True, text=True, check=True)
    missing = subprocess.run([plexus, "bench", str(tmp_path / "missing.onnx")], capture_output=True, text=True)
    assert missing.returncode != 0 and "missing.onnx" in missing.stderr


def test_the_node_profile_lists_every_node_in_run_order(tmp_path):
    """`--profile-nodes` prints one row per node — its name, else its first output's — in the
    order the session runs them, next to the per-op table of `--profile`."""
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="first"), helper.make_node("Sigmoid", ["r"], ["s"]),
             helper.make_node("Add", ["s", "r"], ["y"], name="sum")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64, 64])])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "bench", str(path), "--repeats", "3", "--disable", "all",
                             "--profile", "--profile-nodes"], capture_output=True, text=True, check=True)
    lines = result.stderr.splitlines()
    split = next(i for i, line in enumerate(lines) if line.split()[:2] == ["node", "op"])
    assert lines[0].split() == ["op", "nodes", "ms/run", "%"] and {line.split()[0] for line in lines[1:split]} == {"Relu", "Sigmoid", "Add"}
    rows = [line.split() for line in lines[split + 1:]]
    assert [row[:2] for row in rows] == [["first", "Relu"], ["s", "Sigmoid"], ["sum", "Add"]]
    assert all(float(row[2]) >= 0 for row in rows) and abs(sum(float(row[3]) for row in rows) - 100) < 0.5


def chain_model(count, make):
    """`count` nodes made by make(previous, name) -> [nodes], each reading the previous value."""
    nodes, previous = [], "x"
    for index in range(count):
        nodes += make(previous, f"v{index}")
        previous = f"v{index}"
    weight = numpy_helper.from_array(np.ones((1, 1, 1, 1), np.float32), "w")
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 2])],
                              [helper.make_tensor_value_info(previous, TensorProto.FLOAT, [1, 1, 2, 2])], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


@pytest.mark.parametrize("make", [
    lambda previous, name: [helper.make_node("Add", [previous, "w"], [name])],
    lambda previous, name: [helper.make_node("Relu", [previous], [name])],
    lambda previous, name: [helper.make_node("Identity", [previous], [name])],
    lambda previous, name: [helper.make_node("Conv", [previous, "w"], [name + "c"]), helper.make_node("Relu", [name + "c"], [name])],
], ids=["add", "relu", "identity", "conv-relu"])
def test_rewrites_stay_linear_on_long_chains(make, tmp_path):
    # A hang guard, not a benchmark: these took 11-45 s when each rewrite scanned the graph, under 1 s since.
    path = tmp_path / "chain.onnx"
    path.write_bytes(chain_model(10_000 if make("p", "n")[0].op_type == "Conv" else 40_000, make))
    result = subprocess.run([str(pathlib.Path(__file__).resolve().parents[2] / ".build/release/plexus"), "bench", str(path),
                             "--repeats", "1", "--warmup", "0"], capture_output=True, timeout=5)
    assert result.returncode == 0, result.stderr.decode()[-500:]


def test_a_nondeterministic_op_is_never_folded_into_a_constant():
    """Dropout's schema carries PLX_OP_NONDETERMINISTIC: with every input constant (training on)
    it still runs on each call, while the deterministic Relu after a constant is folded."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    from plexus_c import Session

    c = numpy_helper.from_array(np.ones((64, 64), np.float32), "c")
    ratio = numpy_helper.from_array(np.array(0.5, np.float32), "ratio")
    training = numpy_helper.from_array(np.array(True), "training")
    nodes = [helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Dropout", ["r", "ratio", "training"], ["y"]),
             helper.make_node("Add", ["x", "y"], ["z"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 64])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, [64, 64])], [c, ratio, training])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    session = Session(model)
    x = np.zeros((64, 64), np.float32)
    first, second = session.run({"x": x})[0], session.run({"x": x})[0]
    assert set(np.unique(first)) <= {0.0, 2.0} and not np.array_equal(first, second)
