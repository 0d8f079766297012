"""plexus.onnx.export: every model (plugin layers, Sequentials, Python-defined modules mixing
layers and tensor ops) traced by the C exporter; every file passes the ONNX checker and matches
onnxruntime and the eager model."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import plexus  # noqa: E402
import plexus.nn as nn  # noqa: E402


def _check_and_run(data, feeds):
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    return model, ort.InferenceSession(data).run(None, feeds)


def _export(model, args, **kwargs):
    buffer = io.BytesIO()
    plexus.onnx.export(model, args, buffer, **kwargs)
    return buffer.getvalue()


class Mixed(nn.Module):
    """Plugin layers mixed with Python tensor ops, a Parameter, a buffer and indexing."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(6, 8)
        self.encoder = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        self.gate = nn.Parameter(plexus.full((8,), 0.5))
        self.register_buffer("shift", plexus.arange(8, dtype="float32") / 10)
        self.head = nn.Sequential(nn.LayerNorm(8), nn.Linear(8, 3))

    def forward(self, x, bias):
        h = self.encoder(self.embed(x).relu())
        sequence, _ = self.lstm(h)
        pooled = sequence.mean(1) * self.gate.sigmoid() + self.shift + sequence[:, -1]
        logits = self.head(pooled) + bias[:, :3]
        return logits.softmax(-1), logits.max(dim=1)[0]


def test_sequential_keeps_a_dynamic_batch():
    plexus.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 5))
    data = _export(model, plexus.randn(2, 1, 8, 8), input_names=["img"], output_names=["out"],
                   dynamic_axes={"img": {0: "N"}, "out": [0]})
    x = np.random.default_rng(0).standard_normal((6, 1, 8, 8)).astype(np.float32)
    exported, (got,) = _check_and_run(data, {"img": x})
    np.testing.assert_allclose(got, model(plexus.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-6)
    assert exported.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    assert exported.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert {i.name for i in exported.graph.initializer} >= {"0.weight", "0.bias", "4.weight", "4.bias"}
    assert model.training  # the mode is restored


def test_nested_sequentials_and_python_children():
    plexus.manual_seed(3)
    nested = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU(), nn.Linear(4, 2)))
    exported, (got,) = _check_and_run(_export(nested, plexus.ones(1, 3)), {"input_0": np.ones((1, 3), np.float32)})
    assert {"0.weight", "1.1.weight"} <= {i.name for i in exported.graph.initializer}
    np.testing.assert_allclose(got, nested(plexus.ones(1, 3)).numpy(), rtol=1e-6)

    class Doubler(nn.Module):
        def forward(self, x):
            return x * 2

    mixed = nn.Sequential(nn.Linear(3, 2), Doubler())
    exported, (got,) = _check_and_run(_export(mixed, plexus.ones(1, 3)), {"input_0": np.ones((1, 3), np.float32)})
    assert "Mul" in [n.op_type for n in exported.graph.node]
    np.testing.assert_allclose(got, mixed(plexus.ones(1, 3)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("opset", [13, 17, 20])
def test_python_module_mixing_layers_and_tensor_ops(opset):
    plexus.manual_seed(1)
    model = Mixed()
    model.eval()
    x, bias = plexus.randn(2, 5, 6), plexus.randn(2, 4)
    data = _export(model, (x, bias), input_names=["x", "bias"], output_names=["probs", "best"], opset_version=opset,
                   dynamic_batch=True)
    x2 = np.random.default_rng(2).standard_normal((3, 5, 6)).astype(np.float32)
    b2 = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    exported, outputs = _check_and_run(data, {"x": x2, "bias": b2})
    eager = model(plexus.from_numpy(x2), plexus.from_numpy(b2))
    for got, want in zip(outputs, eager):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)
    names = {i.name for i in exported.graph.initializer}
    assert {"gate", "shift", "embed.weight", "head.1.weight", "lstm.weight_ih_l0"} <= names
    assert [o.name for o in exported.graph.output] == ["probs", "best"]
    assert exported.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert {o.version for o in exported.opset_import if o.domain == ""} == {opset}
    session = plexus.InferenceSession(data)
    for got, want in zip(session.run(None, {"x": x2, "bias": b2}), outputs):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_every_layer_output_exports():
    """A layer's extra outputs (a GRU's last hidden state) are traced like any other value."""
    class LastState(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(2, 3)

        def forward(self, x):
            _, hidden = self.rnn(x)
            return hidden

    plexus.manual_seed(4)
    model = LastState()
    x = np.random.default_rng(4).standard_normal((4, 1, 2)).astype(np.float32)
    _, (got,) = _check_and_run(_export(model, plexus.ones(4, 1, 2)), {"input_0": x})
    np.testing.assert_allclose(got, model(plexus.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_outputs_that_are_inputs_or_repeated():
    class PassThrough(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            y = self.fc(x)
            return x, y, y

    data = _export(PassThrough(), plexus.ones(1, 2))
    x = np.array([[1.0, 2.0]], np.float32)
    _, (a, b, c) = _check_and_run(data, {"input_0": x})
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(b, c)


def test_file_targets_and_errors(tmp_path):
    model = nn.Sequential(nn.Linear(3, 1))
    path = tmp_path / "m.onnx"
    plexus.onnx.export(model, plexus.ones(1, 3), str(path))
    with open(tmp_path / "f.onnx", "wb") as stream:
        plexus.onnx.export(model, [np.ones((1, 3), np.float32)], stream)
    assert path.read_bytes() == (tmp_path / "f.onnx").read_bytes()
    with pytest.raises(plexus.UnsupportedError, match="axis 0"):
        plexus.onnx.export(model, plexus.ones(1, 3), path, dynamic_axes={"input_0": {1: "features"}})
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.onnx.export(lambda x: x, plexus.ones(1), path)
    with pytest.raises(plexus.UnsupportedError):
        plexus.onnx.export(model, plexus.ones(1, 3), path, export_params=False)
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.onnx.export(model, plexus.ones(1, 3), 42)

    class WithLoss(nn.Module):
        def forward(self, x):
            return nn.functional.mse_loss(x, x)

    with pytest.raises(plexus.UnsupportedError, match="loss"):
        plexus.onnx.export(WithLoss(), plexus.ones(2), path)

    class NewOp(nn.Module):
        def forward(self, x):
            return nn.functional.gelu(x)

    # Gelu (opset 20) is written as its definition before 20, as itself from 20 on.
    for opset, has_gelu in ((17, False), (20, True)):
        exported, (got,) = _check_and_run(_export(NewOp(), plexus.ones(2), opset_version=opset), {"input_0": np.ones(2, np.float32)})
        assert ("Gelu" in [n.op_type for n in exported.graph.node]) == has_gelu
        np.testing.assert_allclose(got, nn.functional.gelu(plexus.ones(2)).numpy(), rtol=1e-6)

    class NoDefinition(nn.Module):
        def forward(self, x):
            return plexus.op("BitwiseNot", x)

    with pytest.raises(plexus.UnsupportedError, match="opset 18"):
        plexus.onnx.export(NoDefinition(), plexus.tensor([1, 2], dtype="int32"), path, opset_version=17)

    class TwoOutputs(nn.Module):
        def forward(self, x):
            return x + 1, x * 2

    with pytest.raises(plexus.InvalidArgumentError, match="output names"):
        plexus.onnx.export(TwoOutputs(), plexus.ones(2), path, output_names=["only"])
    with pytest.raises(plexus.InvalidArgumentError, match="input names"):
        plexus.onnx.export(TwoOutputs(), plexus.ones(2), path, input_names=["a", "b"])

    class NotTensors(nn.Module):
        def forward(self, x):
            return {"x": x}

    with pytest.raises(plexus.InvalidArgumentError, match="dict"):
        plexus.onnx.export(NotTensors(), plexus.ones(2), path)


def test_imported_and_fine_tuned_model_exports(tmp_path):
    plexus.manual_seed(2)
    original = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    path = tmp_path / "base.onnx"
    plexus.onnx.export(original, plexus.ones(1, 3), path)
    tuned = plexus.InferenceSession(path).to_module()
    optimizer = plexus.optim.SGD(tuned.parameters(), lr=0.1)
    x = plexus.randn(8, 3)
    nn.functional.mse_loss(tuned(x), plexus.zeros(8, 2)).backward()
    optimizer.step()
    data = _export(tuned, x)
    _, (got,) = _check_and_run(data, {"input_0": x.numpy()})
    np.testing.assert_allclose(got, tuned(x).numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(got, original(x).numpy())


def test_attribute_kinds_round_trip():
    class Attributes(nn.Module):
        def forward(self, x):
            cast = plexus.op("Cast", x, to=plexus.float64)  # a DType attribute
            padded = plexus.op("Pad", x, plexus.tensor([0, 1, 0, 1]), mode="constant")  # a string
            filled = plexus.op("ConstantOfShape", plexus.tensor([2]), value=np.array([3.0], np.float32))  # a tensor
            second = plexus.op("Split", x, plexus.tensor([1, 1]), axis=1, outputs=2)[1]  # a multi-output op
            normalised = plexus.op("LpNormalization", x, axis=1, p=2)
            return cast, padded, filled, second, normalised, x.T, plexus.op("LeakyRelu", x, alpha=0.5)

    x = np.arange(4, dtype=np.float32).reshape(2, 2) - 1
    _, outputs = _check_and_run(_export(Attributes(), plexus.ones(2, 2)), {"input_0": x})
    for got, want in zip(outputs, Attributes()(plexus.tensor(x))):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)
