"""One ONNX exporter: for every layer type the loaded plugins register (listed through
plx_layer_type_count / plx_layer_type_name, so a new type without an example here fails) and
every opset the exporter accepts (probed through plx_onnx_trace_begin), ``plexus.onnx.export``
from Python writes the same bytes as ``plx_onnx_export`` called directly through ctypes. Each file
passes the ONNX checker, and onnxruntime agrees with the eager layer where the file uses only
standard ops."""
import ctypes
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import plexus  # noqa: E402
import plexus.nn as nn  # noqa: E402
from plexus._attrs import attributes  # noqa: E402
from plexus._lib import check, lib  # noqa: E402

RNG = np.random.default_rng(7)


def f32(*shape):
    return lambda: RNG.standard_normal(shape).astype(np.float32)


# Layer type → (constructor attributes, example inputs). Every registered type needs one.
EXAMPLES = {
    "AdaptiveAvgPool2d": ({"output_size": [1, 1]}, [f32(2, 3, 5, 5)]),
    "AvgPool1d": ({"kernel_size": [3], "stride": [1]}, [f32(2, 3, 8)]),
    "AvgPool2d": ({"kernel_size": [3, 3], "padding": [1, 1], "count_include_pad": 0}, [f32(2, 3, 6, 6)]),
    "BatchNorm1d": ({"num_features": 5}, [f32(4, 5)]),
    "BatchNorm2d": ({"num_features": 3}, [f32(2, 3, 4, 4)]),
    "Conv1d": ({"in_channels": 2, "out_channels": 3, "kernel_size": [3], "padding": [1]}, [f32(2, 2, 7)]),
    "Conv2d": ({"in_channels": 4, "out_channels": 6, "kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "groups": 2},
               [f32(2, 4, 9, 9)]),
    "ConvTranspose2d": ({"in_channels": 3, "out_channels": 2, "kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
                         "output_padding": [1, 1]}, [f32(2, 3, 4, 5)]),
    "Flatten": ({}, [f32(2, 3, 4)]),
    "MaxPool1d": ({"kernel_size": [2]}, [f32(2, 3, 8)]),
    "MaxPool2d": ({"kernel_size": [3, 3], "stride": [2, 2], "ceil_mode": 1}, [f32(2, 3, 8, 8)]),
    "Upsample": ({"size": [5, 7], "mode": "bilinear", "align_corners": 1}, [f32(1, 2, 3, 4)]),
    "Dropout": ({"p": 0.5}, [f32(3, 5)]),
    "GELU": ({"approximate": "tanh"}, [f32(3, 5)]),
    "Identity": ({}, [f32(3, 5)]),
    "LeakyReLU": ({"negative_slope": 0.2}, [f32(3, 5)]),
    "Linear": ({"in_features": 6, "out_features": 4}, [f32(2, 3, 6)]),
    "LogSoftmax": ({}, [f32(3, 5)]),
    "ReLU": ({}, [f32(3, 5)]),
    "SiLU": ({}, [f32(3, 5)]),
    "Sigmoid": ({}, [f32(3, 5)]),
    "Softmax": ({"dim": 1}, [f32(3, 5)]),
    "Tanh": ({}, [f32(3, 5)]),
    "GRU": ({"input_size": 4, "hidden_size": 3, "bidirectional": 1}, [f32(3, 2, 4)]),
    "LSTM": ({"input_size": 4, "hidden_size": 5, "batch_first": 1}, [f32(2, 3, 4)]),
    "RNN": ({"input_size": 4, "hidden_size": 3, "num_layers": 2}, [f32(3, 2, 4)]),
    "Embedding": ({"num_embeddings": 10, "embedding_dim": 4}, [lambda: np.array([[1, 2], [9, 0]], np.int64)]),
    "LayerNorm": ({"normalized_shape": [6]}, [f32(2, 3, 6)]),
    "LearnedPositionalEmbedding": ({"max_len": 20, "d_model": 8}, [f32(5, 2, 8)]),
    "MultiHeadAttention": ({"embed_dim": 8, "num_heads": 2, "batch_first": 1}, [f32(2, 5, 8)]),
    "PositionalEncoding": ({"d_model": 8, "max_len": 20, "batch_first": 1}, [f32(2, 5, 8)]),
    "TransformerDecoderLayer": ({"d_model": 8, "nhead": 2, "dim_feedforward": 16, "batch_first": 1}, [f32(2, 4, 8), f32(2, 5, 8)]),
    "TransformerEncoderLayer": ({"d_model": 8, "nhead": 2, "dim_feedforward": 16, "batch_first": 1, "norm_first": 1,
                                 "activation": "gelu"}, [f32(2, 5, 8)]),
    # The example plugins (Plugins/examples), when a test loaded them.
    "Swish": ({}, [f32(3, 4)]),
    "RMSNorm": ({"normalized_size": 4}, [f32(3, 4)]),
}


def registered_layer_types():
    return [lib.plx_layer_type_name(i).decode() for i in range(lib.plx_layer_type_count())]


def supported_opsets():
    """The opsets the C exporter accepts, asked of it (a trace begun and released per opset)."""
    found = []
    example = plexus.ones(1)
    for opset in range(1, 64):
        trace = ctypes.c_void_p()
        with attributes({"opset": opset}) as attrs:
            status = lib.plx_onnx_trace_begin((ctypes.c_void_p * 1)(example._ptr()), 1, attrs, ctypes.byref(trace))
        lib.plx_onnx_trace_release(trace)
        if status == 0:
            found.append(opset)
    return found


def make_layer(type_name):
    attrs, _ = EXAMPLES[type_name]
    plexus.manual_seed(11)
    layer = nn.Layer(type_name, **attrs)
    if type_name.startswith("BatchNorm"):  # running statistics away from (0, 1): buffers must travel
        layer.train()
        layer(plexus.from_numpy(3 + 2 * EXAMPLES[type_name][1][0]()))
    return layer


def c_export(layer, inputs, opset, path):
    """plx_onnx_export on the layer's handle, directly: (bytes, None) or (None, error)."""
    handles = (ctypes.c_void_p * len(inputs))(*[t._ptr() for t in inputs])
    try:
        with attributes({"opset": opset}) as attrs:
            check(lib.plx_onnx_export(layer.handle, handles, len(inputs), str(path).encode(), attrs))
    except plexus.PlexusError as error:
        return None, error
    return path.read_bytes(), None


def python_export(layer, inputs, opset):
    buffer = io.BytesIO()
    try:
        plexus.onnx.export(layer, tuple(inputs), buffer, opset_version=opset)
    except plexus.PlexusError as error:
        return None, error
    return buffer.getvalue(), None


def test_every_registered_layer_type_has_an_example():
    missing = sorted(set(registered_layer_types()) - set(EXAMPLES))
    assert not missing, f"add export examples for the layer types {missing}"
    assert len(registered_layer_types()) >= 30


def test_the_supported_opsets_are_a_range_from_13():
    opsets = supported_opsets()
    assert opsets[0] == 13 and opsets == list(range(13, opsets[-1] + 1)) and opsets[-1] >= 23


@pytest.mark.parametrize("type_name", sorted(EXAMPLES))
def test_python_and_c_exports_are_the_same_bytes(tmp_path, type_name):
    if type_name not in registered_layer_types():
        pytest.skip(f"no loaded plugin registers {type_name}")
    layer = make_layer(type_name)
    inputs = [plexus.from_numpy(make()) for make in EXAMPLES[type_name][1]]
    layer.eval()
    with plexus.no_grad():
        expected = layer(*inputs).numpy()
    written = 0
    for opset in supported_opsets():
        from_c, c_error = c_export(layer, inputs, opset, tmp_path / f"{opset}.onnx")
        from_python, python_error = python_export(layer, inputs, opset)
        if c_error or python_error:  # refused alike, with the same message
            assert type(c_error) is type(python_error) and str(c_error) == str(python_error), (opset, c_error, python_error)
            continue
        assert from_python == from_c, f"{type_name} at opset {opset}: the Python and C exports differ"
        written += 1
        model = onnx.load_from_string(from_c)
        assert [o.version for o in model.opset_import if o.domain == ""] == [opset]
        onnx.checker.check_model(model, full_check=True)
        if all(node.domain in ("", "ai.onnx") for node in model.graph.node):
            feeds = {info.name: value.numpy() for info, value in zip(model.graph.input, inputs)}
            (got,) = ort.InferenceSession(from_c, providers=["CPUExecutionProvider"]).run(None, feeds)
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=f"{type_name} at opset {opset}")
    assert written >= 5, f"{type_name} exported at only {written} opsets"


def test_exporting_at_an_old_opset_leaves_later_exports_alone():
    """Export rewrites node attributes for old opsets on its own copies: a prepared op's
    attributes (ReduceMean's) stay as they were for the next export and for eager calls."""
    class Mean(nn.Module):
        def forward(self, x):
            return x.mean(1)

    x = plexus.randn(2, 3)
    python_export(Mean(), [x], 13)
    data, error = python_export(Mean(), [x], 20)
    assert error is None
    reduce = [n for n in onnx.load_from_string(data).graph.node if n.op_type == "ReduceMean"]
    assert [a.name for a in reduce[0].attribute] == ["keepdims"] and len(reduce[0].input) == 2
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
