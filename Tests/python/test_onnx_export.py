"""ONNX export: every layer type exports a model that passes the ONNX checker and gives the
same outputs in onnxruntime (rtol 1e-4, atol 1e-5); export → import in Plexus gives identical
outputs, and import → export → import is stable; imported models fine-tune and export again."""
import pathlib
import subprocess

import numpy as np
import onnx
import onnxruntime
import pytest

from plexus_c import Layer, Session, Tensor, backends, lib, op

ROOT = pathlib.Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(3)
MAX_DIFFERENCES = {}


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def batch_norm_with_statistics(name, features, shape):
    """A batch-norm layer whose running statistics moved away from (0, 1) in a training step."""
    layer = Layer(name, {"num_features": features})
    layer.train(True)
    layer(3 + 2 * f32(*shape))
    return [layer]


# (name, layers, example inputs, export opset)
CASES = [
    ("Linear", lambda: [Layer("Linear", {"in_features": 6, "out_features": 4})], lambda: [f32(3, 6)], 17),
    ("Linear-rank3-nobias", lambda: [Layer("Linear", {"in_features": 6, "out_features": 4, "bias": 0})], lambda: [f32(2, 3, 6)], 17),
    ("ReLU", lambda: [Layer("ReLU")], lambda: [f32(3, 5)], 17),
    ("LeakyReLU", lambda: [Layer("LeakyReLU", {"negative_slope": 0.2})], lambda: [f32(3, 5)], 17),
    ("GELU", lambda: [Layer("GELU")], lambda: [f32(3, 5)], 17),
    ("GELU-tanh-opset20", lambda: [Layer("GELU", {"approximate": "tanh"})], lambda: [f32(3, 5)], 20),
    ("SiLU", lambda: [Layer("SiLU")], lambda: [f32(3, 5)], 17),
    ("Sigmoid", lambda: [Layer("Sigmoid")], lambda: [f32(3, 5)], 17),
    ("Tanh", lambda: [Layer("Tanh")], lambda: [f32(3, 5)], 17),
    ("Softmax", lambda: [Layer("Softmax", {"dim": 1})], lambda: [f32(3, 5)], 17),
    ("LogSoftmax", lambda: [Layer("LogSoftmax")], lambda: [f32(3, 5)], 17),
    ("Dropout-eval+Identity", lambda: [Layer("Dropout", {"p": 0.5}), Layer("Identity"), Layer("Linear", {"in_features": 5, "out_features": 2})],
     lambda: [f32(3, 5)], 17),
    ("MLP", lambda: [Layer("Linear", {"in_features": 8, "out_features": 16}), Layer("ReLU"),
                     Layer("Linear", {"in_features": 16, "out_features": 3}), Layer("Softmax")], lambda: [f32(4, 8)], 17),
    ("LSTM", lambda: [Layer("LSTM", {"input_size": 4, "hidden_size": 5, "batch_first": 1})], lambda: [f32(2, 3, 4)], 17),
    ("GRU-bidirectional", lambda: [Layer("GRU", {"input_size": 4, "hidden_size": 3, "bidirectional": 1})], lambda: [f32(3, 2, 4)], 17),
    ("RNN-2layers", lambda: [Layer("RNN", {"input_size": 4, "hidden_size": 3, "num_layers": 2})], lambda: [f32(3, 2, 4)], 17),
    ("Embedding", lambda: [Layer("Embedding", {"num_embeddings": 10, "embedding_dim": 4})], lambda: [np.array([[1, 2], [9, 0]], np.int64)], 17),
    ("LayerNorm", lambda: [Layer("LayerNorm", {"normalized_shape": [6]})], lambda: [f32(2, 3, 6)], 17),
    ("MultiHeadAttention", lambda: [Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "batch_first": 1})], lambda: [f32(2, 5, 8)], 17),
    ("TransformerEncoderLayer", lambda: [Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16,
                                                                          "batch_first": 1, "activation": "gelu"})], lambda: [f32(2, 5, 8)], 17),
    ("TransformerEncoderLayer-opset23", lambda: [Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16,
                                                                                  "batch_first": 1, "norm_first": 1})], lambda: [f32(2, 5, 8)], 23),
    ("TransformerDecoderLayer", lambda: [Layer("TransformerDecoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "batch_first": 1})],
     lambda: [f32(2, 4, 8), f32(2, 5, 8)], 17),
    ("PositionalEncoding", lambda: [Layer("PositionalEncoding", {"d_model": 8, "max_len": 20, "batch_first": 1})], lambda: [f32(2, 5, 8)], 17),
    ("Conv1d", lambda: [Layer("Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": [3], "padding": [1]})], lambda: [f32(2, 2, 7)], 17),
    ("Conv2d-strided-grouped", lambda: [Layer("Conv2d", {"in_channels": 4, "out_channels": 6, "kernel_size": [3, 3], "stride": [2, 2],
                                                         "padding": [1, 1], "dilation": [1, 2], "groups": 2})], lambda: [f32(2, 4, 9, 9)], 17),
    ("ConvTranspose2d", lambda: [Layer("ConvTranspose2d", {"in_channels": 3, "out_channels": 2, "kernel_size": [3, 3], "stride": [2, 2],
                                                           "padding": [1, 1], "output_padding": [1, 1]})], lambda: [f32(2, 3, 4, 5)], 17),
    ("MaxPool2d-ceil", lambda: [Layer("MaxPool2d", {"kernel_size": [3, 3], "stride": [2, 2], "ceil_mode": 1})], lambda: [f32(2, 3, 8, 8)], 17),
    ("MaxPool1d", lambda: [Layer("MaxPool1d", {"kernel_size": [2]})], lambda: [f32(2, 3, 8)], 17),
    ("AvgPool2d-exclude-pad", lambda: [Layer("AvgPool2d", {"kernel_size": [3, 3], "padding": [1, 1], "count_include_pad": 0})],
     lambda: [f32(2, 3, 6, 6)], 17),
    ("AvgPool1d", lambda: [Layer("AvgPool1d", {"kernel_size": [3], "stride": [1]})], lambda: [f32(2, 3, 8)], 17),
    ("AdaptiveAvgPool2d", lambda: [Layer("AdaptiveAvgPool2d", {"output_size": [1, 1]})], lambda: [f32(2, 3, 5, 5)], 17),
    ("BatchNorm2d-eval", lambda: batch_norm_with_statistics("BatchNorm2d", 3, (4, 3, 4, 4)), lambda: [f32(2, 3, 4, 4)], 17),
    ("BatchNorm1d-eval", lambda: batch_norm_with_statistics("BatchNorm1d", 5, (8, 5)), lambda: [f32(4, 5)], 17),
    ("Upsample-nearest", lambda: [Layer("Upsample", {"scale_factor": [2.0, 2.0]})], lambda: [f32(1, 2, 3, 3)], 17),
    ("Upsample-bilinear", lambda: [Layer("Upsample", {"size": [5, 7], "mode": "bilinear", "align_corners": 1})], lambda: [f32(1, 2, 3, 4)], 17),
    ("CNN", lambda: [Layer("Conv2d", {"in_channels": 1, "out_channels": 4, "kernel_size": [3, 3], "padding": [1, 1]}), Layer("ReLU"),
                     Layer("MaxPool2d", {"kernel_size": [2, 2]}), Layer("Flatten"), Layer("Linear", {"in_features": 64, "out_features": 10})],
     lambda: [f32(2, 1, 8, 8)], 17),
    ("LearnedPositionalEmbedding", lambda: [Layer("LearnedPositionalEmbedding", {"max_len": 20, "d_model": 8})], lambda: [f32(5, 2, 8)], 17),
]


def outputs_of(layer, inputs):
    lib.plx_no_grad_begin()
    try:
        layer.train(False)
        result = layer(*inputs)
        return [result.numpy()]
    finally:
        lib.plx_no_grad_end()


@pytest.mark.parametrize("name, make_layers, make_inputs, opset", CASES, ids=[c[0] for c in CASES])
def test_layer_exports_and_matches_onnxruntime(tmp_path, name, make_layers, make_inputs, opset):
    # Attention runs as one fused kernel live but as MatMul/Softmax ops from the file, and the
    # GEMM kernels use fused multiply-adds where the fused kernel does not: equal to rounding.
    check_export(tmp_path, name, make_layers, make_inputs, opset, exact_round_trip=not any(
        word in name for word in ("Attention", "Transformer")))


@pytest.mark.parametrize("name, make_layers, make_inputs", [c[:3] for c in CASES], ids=[c[0] for c in CASES])
def test_layer_exports_at_the_oldest_opset(tmp_path, name, make_layers, make_inputs):
    """Opset 13: newer ops (LayerNormalization, Gelu, ...) are written as their definitions and
    changed attributes (Reshape allowzero, BatchNormalization training_mode) in the old form."""
    check_export(tmp_path, f"{name}-opset13", make_layers, make_inputs, 13, exact_round_trip=False)


def check_export(tmp_path, name, make_layers, make_inputs, opset, exact_round_trip=True):
    """Exports, checks the model, compares onnxruntime with Plexus, and runs the file in Plexus
    again: identically, unless ops were rewritten as their definitions (then to rounding)."""
    layers = make_layers()
    layer = layers[0] if len(layers) == 1 else Layer.sequential(layers)
    inputs = make_inputs()
    path = tmp_path / f"{name}.onnx"
    layer.export(path, inputs, {"opset": opset})
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.producer_name == "plexus"
    assert model.opset_import[0].version == opset
    expected = outputs_of(layer, inputs)
    feeds = {i.name: x for i, x in zip(model.graph.input, inputs)}
    ort = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    np.testing.assert_allclose(ort[0], expected[0], rtol=1e-4, atol=1e-5)
    MAX_DIFFERENCES[name] = float(np.max(np.abs(ort[0] - expected[0]))) if expected[0].size else 0.0
    # Round trip: Plexus runs its own export identically. (On the CPU backend: OpenBLAS may round
    # a product differently when the file spells it with another batch layout.)
    with backends("cpu"):
        again = Session(path).run(feeds)[0]
        live = outputs_of(layer, inputs)[0]
    if exact_round_trip:
        np.testing.assert_array_equal(again, live)
    else:
        np.testing.assert_allclose(again, live, rtol=1e-5, atol=1e-6)
    if opset <= 17:  # Debian's libonnx checker (IR 8, opset 17) agrees too
        result = subprocess.run([str(ROOT / ".build/release/plexus"), "check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0 and "valid" in result.stdout, result.stdout


def test_import_export_import_is_stable(tmp_path):
    layer = Layer.sequential([Layer("Linear", {"in_features": 4, "out_features": 3}), Layer("Tanh")])
    x = f32(2, 4)
    layer.export(tmp_path / "first.onnx", [x])
    imported = Session(tmp_path / "first.onnx").to_layer()
    imported.export(tmp_path / "second.onnx", [x])
    a, b = onnx.load(tmp_path / "first.onnx"), onnx.load(tmp_path / "second.onnx")
    assert [n.op_type for n in a.graph.node] == [n.op_type for n in b.graph.node]
    np.testing.assert_array_equal(Session(tmp_path / "first.onnx").run({"input_0": x})[0], Session(tmp_path / "second.onnx").run({"input_0": x})[0])


def test_dynamic_batch_and_names(tmp_path):
    layer = Layer("Linear", {"in_features": 4, "out_features": 2})
    layer.export(tmp_path / "m.onnx", [f32(3, 4)], {"input_names": ["features"], "output_names": ["scores"], "dynamic_batch": 1})
    model = onnx.load(tmp_path / "m.onnx")
    assert model.graph.input[0].name == "features" and model.graph.output[0].name == "scores"
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    out = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"]).run(None, {"features": f32(7, 4)})
    assert out[0].shape == (7, 2)


def test_fine_tuning_an_imported_model(tmp_path):
    """Import an ONNX model, train its initializers with Adam, export, and run it in onnxruntime."""
    teacher = Layer.sequential([Layer("Linear", {"in_features": 3, "out_features": 8}), Layer("Tanh"),
                                Layer("Linear", {"in_features": 8, "out_features": 1})])
    teacher.export(tmp_path / "start.onnx", [f32(4, 3)], {"dynamic_batch": 1})
    student = Session(tmp_path / "start.onnx").to_layer({"frozen": ["0.bias"]})
    names = [n for n, _ in student.parameters()]
    assert "0_weight" in names and "0_bias" not in names
    x = f32(64, 3)
    y = np.sin(x.sum(1, keepdims=True)).astype(np.float32)
    params = [t for _, t in student.parameters()]
    from plexus_c import P, attributes, check
    import ctypes
    optimizer = P()
    options = attributes({"lr": 0.05})
    check(lib.plx_optimizer_create(b"adam", (P * len(params))(*[p.handle for p in params]), len(params), options, ctypes.byref(optimizer)))
    losses = []
    for _ in range(60):
        lib.plx_optimizer_zero_grad(optimizer)
        (loss,) = op("ReduceMean", [op("Mul", [d := op("Sub", [student(x), y])[0], d])[0]], {"keepdims": 0})
        loss.backward()
        check(lib.plx_optimizer_step(optimizer))
        losses.append(float(loss.numpy()))
    lib.plx_optimizer_release(optimizer)
    lib.plx_attrs_release(options)
    assert losses[-1] < 0.5 * losses[0]
    student.export(tmp_path / "tuned.onnx", [x], {"dynamic_batch": 1})
    onnx.checker.check_model(onnx.load(tmp_path / "tuned.onnx"))
    ort = onnxruntime.InferenceSession(str(tmp_path / "tuned.onnx"), providers=["CPUExecutionProvider"]).run(None, {"input_0": x})[0]
    np.testing.assert_allclose(ort, outputs_of(student, [x])[0], rtol=1e-4, atol=1e-5)


def test_report_max_differences():
    """Prints each layer type's largest difference against onnxruntime (for the closing note)."""
    for name, value in sorted(MAX_DIFFERENCES.items()):
        print(f"{name}: {value:.2e}")


def train_with_adam(layer, batches, loss_of, lr):
    """Runs one Adam step per batch on `layer`'s parameters; returns the losses."""
    from plexus_c import P, attributes, check
    import ctypes
    params = [t for _, t in layer.parameters()]
    optimizer, options = P(), attributes({"lr": lr})
    check(lib.plx_optimizer_create(b"adam", (P * len(params))(*[p.handle for p in params]), len(params), options, ctypes.byref(optimizer)))
    losses = []
    try:
        for batch in batches:
            lib.plx_optimizer_zero_grad(optimizer)
            loss = loss_of(*batch)
            loss.backward()
            check(lib.plx_optimizer_step(optimizer))
            losses.append(float(loss.numpy()))
    finally:
        lib.plx_optimizer_release(optimizer)
        lib.plx_attrs_release(options)
    return losses


def test_fine_tuning_an_imported_cnn_on_digits(tmp_path):
    """The issue's demo: import an ONNX CNN, fine-tune it on digits, export, check in onnxruntime."""
    cnn = Layer.sequential([Layer("Conv2d", {"in_channels": 1, "out_channels": 8, "kernel_size": [3, 3], "padding": [1, 1]}),
                            Layer("ReLU"), Layer("MaxPool2d", {"kernel_size": [2, 2]}), Layer("Flatten"),
                            Layer("Linear", {"in_features": 128, "out_features": 10})])
    cnn.export(tmp_path / "cnn.onnx", [f32(2, 1, 8, 8)], {"dynamic_batch": 1})
    student = Session(tmp_path / "cnn.onnx").to_layer()
    digits = np.load(ROOT / "data/digits.npz")
    images = lambda split: (digits[f"x_{split}"].astype(np.float32) / 16).reshape(-1, 1, 8, 8)
    x_train, y_train, x_test, y_test = images("train"), digits["y_train"].astype(np.int64), images("test"), digits["y_test"]
    order = np.random.default_rng(0).permutation(len(x_train))
    batches = [(x_train[order[i:i + 32]], y_train[order[i:i + 32]]) for epoch in range(4) for i in range(0, len(x_train), 32)]
    losses = train_with_adam(student, batches, lambda x, y: op("SoftmaxCrossEntropyLoss", [student(x), y])[0], lr=0.01)
    assert np.mean(losses[-10:]) < 0.3 * np.mean(losses[:10])
    student.export(tmp_path / "tuned.onnx", [x_test[:4]], {"dynamic_batch": 1})
    onnx.checker.check_model(onnx.load(tmp_path / "tuned.onnx"), full_check=True)
    ort = onnxruntime.InferenceSession(str(tmp_path / "tuned.onnx"), providers=["CPUExecutionProvider"]).run(None, {"input_0": x_test})[0]
    np.testing.assert_allclose(ort, outputs_of(student, [x_test])[0], rtol=1e-4, atol=1e-4)
    assert np.mean(ort.argmax(1) == y_test) >= 0.9


@pytest.mark.parametrize("model", ["mlp", "cnn", "lstm", "transformer"])
def test_demo_models_export_and_match_onnxruntime(tmp_path, model):
    """`plexus train --export` for each demo: the checkers accept it and onnxruntime agrees with Plexus."""
    path = tmp_path / f"{model}.onnx"
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--model", model, "--epochs", "1", "--export", str(path),
                             "--checkpoint", str(tmp_path / "c.safetensors"), "--data", str(ROOT / "data/digits.npz")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    graph = onnx.load(path)
    onnx.checker.check_model(graph, full_check=True)
    feeds = {}
    for value in graph.graph.input:
        shape = [d.dim_value if d.HasField("dim_value") else 3 for d in value.type.tensor_type.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type)
        feeds[value.name] = RNG.integers(0, 3, shape).astype(dtype) if np.issubdtype(dtype, np.integer) else RNG.random(shape).astype(dtype)
    expected = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    actual = Session(path).run(feeds)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-5)
    check = subprocess.run([str(ROOT / ".build/release/plexus"), "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout


BATCH_FIRST = ["Linear", "Linear-rank3-nobias", "MLP", "LSTM", "Embedding", "LayerNorm", "MultiHeadAttention", "TransformerEncoderLayer",
               "TransformerEncoderLayer-opset23", "TransformerDecoderLayer", "PositionalEncoding", "Conv2d-strided-grouped",
               "BatchNorm2d-eval", "Upsample-bilinear", "CNN"]


@pytest.mark.parametrize("name", BATCH_FIRST)
def test_dynamic_batch_export_runs_other_batch_sizes(tmp_path, name):
    """Exported with batch 2 and a symbolic batch dim, the model runs a batch of 3 in onnxruntime."""
    _, make_layers, make_inputs, opset = next(case for case in CASES if case[0] == name)
    layers = make_layers()
    layer = layers[0] if len(layers) == 1 else Layer.sequential(layers)
    inputs = make_inputs()
    layer.export(tmp_path / "m.onnx", inputs, {"opset": opset, "dynamic_batch": 1})
    bigger = [np.concatenate([x, x[:1] if x.dtype.kind in "iu" else 0.5 * x[:1]]) for x in inputs]
    model = onnx.load(tmp_path / "m.onnx")
    feeds = {i.name: x for i, x in zip(model.graph.input, bigger)}
    ort = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"]).run(None, feeds)
    np.testing.assert_allclose(ort[0], outputs_of(layer, bigger)[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_space_to_depth_mode_is_written_only_where_onnx_has_it(tmp_path, mode):
    from onnx import TensorProto, helper
    node = helper.make_node("SpaceToDepth", ["x"], ["y"], blocksize=2, mode=mode)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    layer = Session(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)]).SerializeToString()).to_layer()
    x = f32(1, 2, 4, 4)
    if mode == "CRD":  # only opset 25 has the mode; the exporter writes up to 23
        with pytest.raises(Exception, match="opset 25"):
            layer.export(tmp_path / "old.onnx", [x], {"opset": 23})
        return
    layer.export(tmp_path / "old.onnx", [x], {"opset": 17})
    written = onnx.load(tmp_path / "old.onnx").graph.node
    assert [a.name for n in written if n.op_type == "SpaceToDepth" for a in n.attribute] == ["blocksize"]
    np.testing.assert_array_equal(Session(tmp_path / "old.onnx").run({"input_0": x})[0], layer(x).numpy())
