"""The RNN plugin: the RNN, LSTM and GRU ops (opset 14) against onnxruntime (single ops and an
imported model), their decomposition against the fused kernel, gradient checks through time, and the PyTorch-style layers against a
numpy re-implementation of torch.nn's equations."""
import itertools
import time

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import Layer, PlexusError, Session, Tensor, gradient_check, lib, op

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
GATES_ACTIVATIONS = {"RNN": ["Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"]}
INPUT_NAMES = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]
OUTPUT_NAMES = ["Y", "Y_h", "Y_c"]


# ---------------------------------------------------------------------------------------------
# Inputs and the onnxruntime reference
# ---------------------------------------------------------------------------------------------

def make_inputs(kind, steps=4, batch=3, size=2, hidden=3, direction="forward", layout=0, bias=True, lengths=None,
                initial=False, peepholes=False, dtype=np.float32, seed=0):
    """The op's inputs in ONNX order (None for omitted ones, trailing ones dropped)."""
    rng = np.random.default_rng(seed)
    passes = 2 if direction == "bidirectional" else 1
    width = GATES[kind] * hidden

    def normal(*shape):
        return (rng.standard_normal(shape) * 0.7).astype(dtype)

    state = (batch, passes, hidden) if layout else (passes, batch, hidden)
    inputs = [normal(*((batch, steps, size) if layout else (steps, batch, size))), normal(passes, width, size),
              normal(passes, width, hidden), normal(passes, 2 * width) if bias else None,
              None if lengths is None else np.array(lengths, np.int32),
              normal(*state) if initial else None,
              normal(*state) if initial and kind == "LSTM" else None,
              normal(passes, 3 * hidden) if peepholes else None]
    while inputs[-1] is None:
        inputs.pop()
    return inputs


def run_onnxruntime(kind, inputs, attrs, outputs):
    """Runs the single op in onnxruntime (opset 14). onnxruntime refuses layout = 1, whose
    definition is only a transposition, so those calls run as layout 0 on transposed tensors."""
    if attrs.get("layout") == 1:
        swapped = [x.transpose(1, 0, 2) if i in (0, 5, 6) and x is not None else x for i, x in enumerate(inputs)]
        results = run_onnxruntime(kind, swapped, {**attrs, "layout": 0}, outputs)
        return [y.transpose(2, 0, 1, 3) if i == 0 else y.transpose(1, 0, 2) for i, y in enumerate(results)]
    names, feeds, infos = [], {}, []
    for name, value in zip(INPUT_NAMES, inputs):
        if value is None:
            names.append("")
            continue
        names.append(name)
        feeds[name] = value
        element = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
                   np.dtype(np.int32): TensorProto.INT32}[value.dtype]
        infos.append(helper.make_tensor_value_info(name, element, value.shape))
    node = helper.make_node(kind, names, OUTPUT_NAMES[:outputs], **attrs)
    results = [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in OUTPUT_NAMES[:outputs]]
    model = helper.make_model(helper.make_graph([node], "g", infos, results), opset_imports=[helper.make_opsetid("", 14)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def run_plexus(kind, inputs, attrs, outputs, record=False):
    """Runs the op; with `record`, X requires grad so the host runs the decomposition."""
    tensors = [None if x is None else Tensor.of(x, requires_grad=record and i == 0) for i, x in enumerate(inputs)]
    return [t.numpy() for t in op(kind, tensors, attrs, outputs=outputs)]


# Configurations shared by the onnxruntime, decomposition and gradient tests:
# (op, make_inputs keywords, attributes).
CASES = [
    ("RNN", {}, {}),
    ("RNN", {"direction": "reverse", "initial": True}, {"direction": "reverse"}),
    ("RNN", {"direction": "bidirectional", "layout": 1, "lengths": [4, 2, 3]}, {"direction": "bidirectional", "layout": 1}),
    ("RNN", {"bias": False}, {"activations": ["Relu"]}),
    ("RNN", {"direction": "bidirectional"}, {"direction": "bidirectional", "activations": ["Sigmoid", "Tanh"], "clip": 0.8}),
    ("LSTM", {}, {}),
    ("LSTM", {"initial": True, "peepholes": True}, {}),
    ("LSTM", {"direction": "reverse", "lengths": [1, 4, 0], "initial": True}, {"direction": "reverse"}),
    ("LSTM", {"direction": "bidirectional", "layout": 1, "initial": True, "lengths": [2, 3, 4], "peepholes": True},
     {"direction": "bidirectional", "layout": 1}),
    ("LSTM", {"peepholes": True}, {"input_forget": 1, "clip": 0.5}),
    ("LSTM", {"bias": False}, {"activations": ["Sigmoid", "Relu", "Tanh"]}),
    ("GRU", {}, {}),
    ("GRU", {"initial": True}, {"linear_before_reset": 1, "clip": 0.7}),
    ("GRU", {"direction": "bidirectional", "lengths": [3, 0, 4], "initial": True},
     {"direction": "bidirectional", "linear_before_reset": 1}),
    ("GRU", {"direction": "reverse", "layout": 1, "lengths": [2, 4, 1]}, {"direction": "reverse", "layout": 1}),
    ("GRU", {"bias": False}, {"clip": 0.6, "activations": ["Sigmoid", "Relu"]}),
]


def case_id(case):
    kind, options, attrs = case
    return kind + "-" + "-".join(f"{k}={v}" for k, v in {**options, **attrs}.items())


def with_hidden(attrs, hidden=3):
    return {"hidden_size": hidden, **attrs}


# ---------------------------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_op_matches_onnxruntime(case):
    kind, options, attrs = case
    inputs = make_inputs(kind, **options)
    outputs = 3 if kind == "LSTM" else 2
    expected = run_onnxruntime(kind, inputs, with_hidden(attrs), outputs)
    for got, want in zip(run_plexus(kind, inputs, with_hidden(attrs), outputs), expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", GATES)
def test_fewer_outputs_and_hidden_size_taken_from_r(kind):
    inputs = make_inputs(kind, direction="bidirectional")
    attrs = {"direction": "bidirectional"}
    (expected,) = run_onnxruntime(kind, inputs, with_hidden(attrs), 1)
    (got,) = run_plexus(kind, inputs, attrs, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", GATES)
def test_large_batch_splits_across_threads(kind):
    inputs = make_inputs(kind, steps=3, batch=96, size=5, hidden=48, direction="bidirectional", lengths=[3, 1] * 48, initial=True)
    attrs = {"hidden_size": 48, "direction": "bidirectional"}
    outputs = 3 if kind == "LSTM" else 2
    for got, want in zip(run_plexus(kind, inputs, attrs, outputs), run_onnxruntime(kind, inputs, attrs, outputs)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", GATES)
def test_one_sequence_with_a_large_state_splits_r_between_threads(kind):
    """A batch of up to 8 in float32 takes dot products with R's rows, split between threads once
    R is large (hidden 128: 512 LSTM rows, 256 + 128 GRU rows); a batch of 9 takes MatMul."""
    for batch in (2, 9):
        inputs = make_inputs(kind, steps=4, batch=batch, size=7, hidden=128, direction="bidirectional",
                             lengths=[4, 2, 3, 1, 4, 3, 2, 4, 1][:batch], initial=True)
        attrs = {"hidden_size": 128, "direction": "bidirectional", **({"linear_before_reset": 0} if kind == "GRU" else {})}
        outputs = 3 if kind == "LSTM" else 2
        for got, want in zip(run_plexus(kind, inputs, attrs, outputs), run_onnxruntime(kind, inputs, attrs, outputs)):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_decomposition_matches_kernel(case):
    kind, options, attrs = case
    inputs = make_inputs(kind, dtype=np.float64, **options)
    outputs = 3 if kind == "LSTM" else 2
    kernel = run_plexus(kind, inputs, with_hidden(attrs), outputs)
    decomposed = run_plexus(kind, inputs, with_hidden(attrs), outputs, record=True)
    for got, want in zip(decomposed, kernel):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_onnx_model_node_runs_in_a_session():
    """An imported LSTM node with weights as initializers, sequence_lens fed and Y omitted."""
    x, w, r, b = make_inputs("LSTM", direction="bidirectional")
    lengths = np.array([4, 2, 3], np.int32)
    node = helper.make_node("LSTM", ["X", "W", "R", "B", "lengths"], ["", "Y_h"], hidden_size=3, direction="bidirectional")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x.shape),
                                            helper.make_tensor_value_info("lengths", TensorProto.INT32, lengths.shape)],
                              [helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, None)],
                              initializer=[numpy_helper.from_array(value, name) for value, name in [(w, "W"), (r, "R"), (b, "B")]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]).SerializeToString()
    expected = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"X": x, "lengths": lengths})[0]
    np.testing.assert_allclose(Session(model).run({"X": x, "lengths": lengths})[0], expected, rtol=1e-5, atol=1e-5)


def flattened(tensors):
    """The outputs joined into one vector (recorded, so one gradient check covers them all)."""
    return op("Concat", [op("Reshape", [t, np.array([-1], np.int64)])[0] for t in tensors], {"axis": 0})[0]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_gradient_through_time(case):
    kind, options, attrs = case
    if "lengths" in options:
        options = {**options, "lengths": [min(length, 3) for length in options["lengths"]]}
    inputs = make_inputs(kind, steps=3, batch=3, size=2, hidden=2, dtype=np.float64, seed=1, **options)
    tensors = [None if x is None else Tensor.of(x, requires_grad=x.dtype == np.float64) for x in inputs]
    outputs = 3 if kind == "LSTM" else 2
    gradient_check(lambda: flattened(op(kind, tensors, with_hidden(attrs, 2), outputs=outputs)),
                   [t for t, x in zip(tensors, inputs) if x is not None and x.dtype == np.float64], max_elements=24)


@pytest.mark.parametrize("kind", GATES)
def test_bad_calls_raise(kind):
    inputs = make_inputs(kind)
    attrs = with_hidden({})
    bad = [
        ([inputs[0][0]] + inputs[1:], attrs, "rank 3"),
        ([inputs[0], inputs[1][:, :, :1]] + inputs[2:], attrs, "W must have shape"),
        (inputs, with_hidden({"direction": "sideways"}), "direction"),
        (inputs, with_hidden({"layout": 2}), "layout"),
        (inputs, with_hidden({"activations": ["LeakyRelu"] * len(GATES_ACTIVATIONS[kind])}), "not supported"),
        (inputs, with_hidden({"activations": ["Tanh"] * 5}), "activations needs"),
        (inputs, with_hidden({"activation_alpha": [0.5]}), "activation_alpha"),
        (inputs, with_hidden({"clip": -1.0}), "clip"),
        (inputs[:4] + [np.array([5, 1, 1], np.int32)], attrs, "sequence_lens"),
        ([inputs[0].astype(np.int32)] + inputs[1:], attrs, "float"),
        (inputs, {"hidden_size": 4}, "must have shape"),
    ]
    for operands, attributes, message in bad:
        with pytest.raises(PlexusError, match=message):
            op(kind, operands, attributes)


# ---------------------------------------------------------------------------------------------
# Layers: numpy re-implementation of torch.nn.RNN / LSTM / GRU
# ---------------------------------------------------------------------------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def torch_cell(kind, nonlinearity):
    """PyTorch's cell equations: (x, h, c, w_ih, w_hh, b_ih, b_hh) -> (h, c)."""
    def rnn(x, h, c, w_ih, w_hh, b_ih, b_hh):
        pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        return (np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)), c

    def lstm(x, h, c, w_ih, w_hh, b_ih, b_hh):
        i, f, g, o = np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c

    def gru(x, h, c, w_ih, w_hh, b_ih, b_hh):
        ir, iz, in_ = np.split(x @ w_ih.T + b_ih, 3, axis=-1)
        hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = sigmoid(ir + hr), sigmoid(iz + hz)
        n = np.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, c

    return {"RNN": rnn, "LSTM": lstm, "GRU": gru}[kind]


def torch_reference(kind, params, x, h0=None, c0=None, num_layers=1, bidirectional=False, batch_first=False,
                    nonlinearity="tanh"):
    """output, h_n, c_n of torch.nn.<kind> for batched input x (numpy)."""
    cell = torch_cell(kind, nonlinearity)
    if batch_first:
        x = x.transpose(1, 0, 2)
    steps, batch, _ = x.shape
    passes = 2 if bidirectional else 1
    hidden = params["weight_hh_l0"].shape[1]
    h0 = np.zeros((num_layers * passes, batch, hidden)) if h0 is None else h0
    c0 = np.zeros_like(h0) if c0 is None else c0
    h_n, c_n = [], []
    for layer in range(num_layers):
        outputs = []
        for pass_ in range(passes):
            suffix = f"l{layer}" + ("_reverse" if pass_ else "")
            w_ih, w_hh = params[f"weight_ih_{suffix}"], params[f"weight_hh_{suffix}"]
            b_ih = params.get(f"bias_ih_{suffix}", np.zeros(w_ih.shape[0]))
            b_hh = params.get(f"bias_hh_{suffix}", np.zeros(w_ih.shape[0]))
            h, c = h0[layer * passes + pass_], c0[layer * passes + pass_]
            ys = [None] * steps
            for t in (reversed(range(steps)) if pass_ else range(steps)):
                h, c = cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
                ys[t] = h
            outputs.append(np.stack(ys))
            h_n.append(h)
            c_n.append(c)
        x = np.concatenate(outputs, axis=-1)
    output = x.transpose(1, 0, 2) if batch_first else x
    return output, np.stack(h_n), np.stack(c_n)


LAYER_CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bias": 0}),
    ("RNN", {"bidirectional": 1, "batch_first": 1}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": 1}),
    ("LSTM", {"batch_first": 1, "bias": 0}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "batch_first": 1}),
    ("GRU", {"bidirectional": 1, "bias": 0}),
]


def layer_id(case):
    return case[0] + "-" + "-".join(f"{k}={v}" for k, v in case[1].items())


def make_layer(kind, options, size=3, hidden=4, dtype=11):
    return Layer(kind, {"input_size": size, "hidden_size": hidden, "dtype": dtype, **options})


def reference_options(options):
    return {"num_layers": options.get("num_layers", 1), "bidirectional": bool(options.get("bidirectional")),
            "batch_first": bool(options.get("batch_first")), "nonlinearity": options.get("nonlinearity", "tanh")}


@pytest.mark.parametrize("case", LAYER_CASES, ids=layer_id)
def test_layer_matches_pytorch_equations(case):
    kind, options = case
    layer = make_layer(kind, options)
    params = {name: tensor.numpy() for name, tensor in layer.parameters()}
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 3) if options.get("batch_first") else (5, 2, 3))
    expected, _, _ = torch_reference(kind, params, x, **reference_options(options))
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", GATES)
def test_layer_initial_states_and_unbatched_input(kind):
    options = {"num_layers": 2, "bidirectional": 1}
    layer = make_layer(kind, options)
    params = {name: tensor.numpy() for name, tensor in layer.parameters()}
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 2, 3))
    states = [rng.standard_normal((4, 2, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    expected, _, _ = torch_reference(kind, params, x, *states, **reference_options(options))
    np.testing.assert_allclose(layer(x, *states).numpy(), expected, rtol=1e-10, atol=1e-10)
    unbatched, _, _ = torch_reference(kind, params, x[:, :1], *[s[:, :1] for s in states], **reference_options(options))
    np.testing.assert_allclose(layer(x[:, 0], *[s[:, 0] for s in states]).numpy(), unbatched[:, 0], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", GATES)
def test_layer_parameters_follow_pytorch(kind):
    layer = make_layer(kind, {"num_layers": 2, "bidirectional": 1}, size=3, hidden=5, dtype=1)
    width = GATES[kind] * 5
    names = []
    for layer_index, suffix in itertools.product(range(2), ["", "_reverse"]):
        inputs = 3 if layer_index == 0 else 10
        names += [(f"weight_ih_l{layer_index}{suffix}", (width, inputs)), (f"weight_hh_l{layer_index}{suffix}", (width, 5)),
                  (f"bias_ih_l{layer_index}{suffix}", (width,)), (f"bias_hh_l{layer_index}{suffix}", (width,))]
    parameters = [(name, tensor.numpy()) for name, tensor in layer.parameters()]
    assert [(name, value.shape) for name, value in parameters] == names
    values = np.concatenate([value.ravel() for _, value in parameters])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= 1 / np.sqrt(5) and np.abs(values).max() > 0.8 / np.sqrt(5)


@pytest.mark.parametrize("case", LAYER_CASES, ids=layer_id)
def test_layer_gradients(case):
    kind, options = case
    layer = make_layer(kind, options, size=2, hidden=2)
    x = Tensor.of(np.random.default_rng(4).standard_normal((3, 2, 2)), requires_grad=True)
    parameters = [tensor for _, tensor in layer.parameters()]
    gradient_check(lambda: layer(x), [x] + parameters, max_elements=12)


def test_layer_gradients_with_initial_states():
    layer = make_layer("LSTM", {"num_layers": 2}, size=2, hidden=2)
    rng = np.random.default_rng(5)
    x, h0, c0 = (Tensor.of(rng.standard_normal(shape), requires_grad=True) for shape in [(3, 2, 2), (2, 2, 2), (2, 2, 2)])
    gradient_check(lambda: layer(x, h0, c0), [x, h0, c0])


def test_layer_dropout_between_layers_only_in_training():
    layer = make_layer("LSTM", {"num_layers": 2, "dropout": 0.5})
    params = {name: tensor.numpy() for name, tensor in layer.parameters()}
    x = np.random.default_rng(6).standard_normal((5, 2, 3))
    expected, _, _ = torch_reference("LSTM", params, x, num_layers=2)
    layer.train(False)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-10, atol=1e-10)
    layer.train(True)
    assert not np.allclose(layer(x).numpy(), expected)


def test_layer_bad_arguments_raise():
    with pytest.raises(PlexusError, match="nonlinearity"):
        Layer("RNN", {"input_size": 2, "hidden_size": 2, "nonlinearity": "gelu"})
    with pytest.raises(PlexusError, match="dropout"):
        Layer("GRU", {"input_size": 2, "hidden_size": 2, "dropout": 1.5})
    with pytest.raises(PlexusError, match="positive"):
        Layer("LSTM", {"input_size": 2, "hidden_size": 0})
    with pytest.raises(PlexusError, match="dtype"):
        Layer("LSTM", {"input_size": 2, "hidden_size": 2, "dtype": 7})
    layer = make_layer("LSTM", {})
    with pytest.raises(PlexusError, match="input must be"):
        layer(np.zeros((4, 2, 5)))
    with pytest.raises(PlexusError, match="initial states"):
        layer(np.zeros((4, 2, 3)), np.zeros((2, 2, 4)))


def test_lstm_classifier_training_step_is_fast():
    """The lead's demo size: batch 32, 8 steps of 8 features, hidden 64; one recorded forward
    and backward (BPTT through the decomposition) must be quick."""
    layer = Layer("LSTM", {"input_size": 8, "hidden_size": 64, "batch_first": 1})
    x = np.random.default_rng(7).standard_normal((32, 8, 8)).astype(np.float32)
    parameters = [tensor for _, tensor in layer.parameters()]
    start = time.perf_counter()
    for _ in range(5):
        out = layer(x)
        out.backward(Tensor.of(np.ones((32, 8, 64), np.float32)))
    elapsed = (time.perf_counter() - start) / 5
    assert all(p.grad is not None and np.isfinite(p.grad).all() for p in parameters)
    assert elapsed < 0.5, f"one training step took {elapsed:.3f} s"
    lib.plx_no_grad_begin()
    try:
        start = time.perf_counter()
        layer(x)
        assert time.perf_counter() - start < 0.1
    finally:
        lib.plx_no_grad_end()


@pytest.mark.parametrize("op,gates", [("GRU", 3), ("LSTM", 4), ("RNN", 1)])
def test_short_sequences_match_onnxruntime_with_and_without_bias(op, gates):
    """Up to 16 steps × batch, the fused kernel projects the inputs itself (the register-blocked
    row kernel over Wᵀ on AVX-512, dot products elsewhere) instead of calling Gemm: every cell,
    both directions, with and without B, at sizes that are not multiples of a vector."""
    rng = np.random.default_rng(5)
    for seq, batch, size, hidden in ((5, 2, 7, 9), (16, 1, 32, 64), (3, 3, 20, 16), (1, 1, 5, 3)):
        for direction in ("forward", "bidirectional"):
            for bias in (True, False):
                passes = 2 if direction == "bidirectional" else 1
                w = (rng.standard_normal((passes, gates * hidden, size)) * 0.3).astype(np.float32)
                r = (rng.standard_normal((passes, gates * hidden, hidden)) * 0.3).astype(np.float32)
                b = (rng.standard_normal((passes, 2 * gates * hidden)) * 0.3).astype(np.float32)
                inits = [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R")]
                inits += [numpy_helper.from_array(b, "B")] if bias else []
                node = helper.make_node(op, ["x", "W", "R"] + (["B"] if bias else []), ["y"], hidden_size=hidden, direction=direction)
                graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, batch, size])],
                                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
                model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
                x = rng.standard_normal((seq, batch, size)).astype(np.float32)
                expected = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
                session = Session(model)
                for _ in range(2):  # the traced run and a planned one
                    np.testing.assert_allclose(session.run({"x": x})[0], expected, rtol=1e-4, atol=1e-4)
