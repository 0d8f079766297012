"""plexus.nn: every plugin layer type by class and by name, Module registration, state dicts,
train/eval, containers."""
import json

import numpy as np
import pytest

import plexus
import plexus.nn as nn
import plexus.nn.functional as F

# (constructor, inputs, expected output shape(s)) for every plugin layer type.
R = np.random.default_rng(0)


def _x(*shape):
    return plexus.tensor(R.standard_normal(shape).astype(np.float32))


LAYERS = {
    "Linear": (lambda: nn.Linear(4, 3), lambda: [_x(2, 4)], (2, 3)),
    "Identity": (lambda: nn.Identity(7, unused=1), lambda: [_x(2, 4)], (2, 4)),
    "Dropout": (lambda: nn.Dropout(0.5), lambda: [_x(2, 4)], (2, 4)),
    "ReLU": (lambda: nn.ReLU(), lambda: [_x(2, 4)], (2, 4)),
    "Sigmoid": (lambda: nn.Sigmoid(), lambda: [_x(2, 4)], (2, 4)),
    "Tanh": (lambda: nn.Tanh(), lambda: [_x(2, 4)], (2, 4)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda: [_x(2, 4)], (2, 4)),
    "GELU": (lambda: nn.GELU("tanh"), lambda: [_x(2, 4)], (2, 4)),
    "SiLU": (lambda: nn.SiLU(), lambda: [_x(2, 4)], (2, 4)),
    "Softmax": (lambda: nn.Softmax(dim=1), lambda: [_x(2, 4)], (2, 4)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), lambda: [_x(2, 4)], (2, 4)),
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3, padding=1), lambda: [_x(1, 2, 5)], (1, 3, 5)),
    "Conv2d": (lambda: nn.Conv2d(1, 2, (3, 3), padding="same"), lambda: [_x(1, 1, 5, 5)], (1, 2, 5, 5)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 1, 2, stride=2), lambda: [_x(1, 2, 3, 3)], (1, 1, 6, 6)),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), lambda: [_x(1, 1, 4)], (1, 1, 2)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda: [_x(1, 1, 4, 4)], (1, 1, 2, 2)),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), lambda: [_x(1, 1, 4)], (1, 1, 2)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2, stride=1), lambda: [_x(1, 1, 4, 4)], (1, 1, 3, 3)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(1), lambda: [_x(1, 2, 4, 4)], (1, 2, 1, 1)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: [_x(4, 3)], (4, 3)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(2), lambda: [_x(2, 2, 3, 3)], (2, 2, 3, 3)),
    "Flatten": (lambda: nn.Flatten(), lambda: [_x(2, 3, 4)], (2, 12)),
    "Upsample": (lambda: nn.Upsample(scale_factor=2), lambda: [_x(1, 1, 2, 2)], (1, 1, 4, 4)),
    "RNN": (lambda: nn.RNN(3, 4), lambda: [_x(5, 2, 3)], [(5, 2, 4), (1, 2, 4)]),
    "LSTM": (lambda: nn.LSTM(3, 4, batch_first=True), lambda: [_x(2, 5, 3)], [(2, 5, 4), [(1, 2, 4), (1, 2, 4)]]),
    "GRU": (lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True), lambda: [_x(5, 2, 3)], [(5, 2, 8), (4, 2, 4)]),
    "Embedding": (lambda: nn.Embedding(10, 4, padding_idx=0), lambda: [plexus.tensor([[1, 2, 0]])], (1, 3, 4)),
    "LayerNorm": (lambda: nn.LayerNorm(4), lambda: [_x(2, 4)], (2, 4)),
    "MultiHeadAttention": (lambda: nn.MultiheadAttention(4, 2), lambda: [_x(3, 2, 4)] * 3, [(3, 2, 4), (2, 3, 3)]),
    "PositionalEncoding": (lambda: nn.PositionalEncoding(4, max_len=10), lambda: [_x(3, 2, 4)], (3, 2, 4)),
    "LearnedPositionalEmbedding": (lambda: nn.LearnedPositionalEmbedding(10, 4), lambda: [_x(3, 2, 4)], (3, 2, 4)),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0),
                                lambda: [_x(3, 2, 8)], (3, 2, 8)),
    "TransformerDecoderLayer": (lambda: nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0),
                                lambda: [_x(3, 2, 8), _x(4, 2, 8)], (3, 2, 8)),
}


def _shapes(value):
    if isinstance(value, plexus.Tensor):
        return value.shape
    return [_shapes(v) for v in value]


def _registered_layer_types():
    index = plexus.library_path.parent / "plugins" / "index.json"
    if not index.is_file():
        pytest.skip(f"no plugin index at {index}")
    return {layer for plugin in json.loads(index.read_text())["plugins"] for layer in plugin["layers"]}


def test_every_plugin_layer_type_has_a_class():
    registered = _registered_layer_types()
    assert registered <= set(nn.LAYER_CLASSES), registered - set(nn.LAYER_CLASSES)
    assert registered <= set(LAYERS)


@pytest.mark.parametrize("type_name", sorted(LAYERS))
def test_layer_classes_run(type_name):
    build, inputs, expected = LAYERS[type_name]
    layer = build().eval()
    assert isinstance(layer, nn.LAYER_CLASSES[type_name]) and layer.type_name == type_name
    out = layer(*inputs())
    got = _shapes(out)
    want = [tuple(e) if isinstance(e, tuple) else [tuple(x) for x in e] for e in expected] if isinstance(expected, list) else expected
    assert got == want
    assert type(layer).__name__ in repr(layer)


def test_numerics_of_simple_layers():
    linear = nn.Linear(4, 3)
    x = _x(5, 4)
    want = x.numpy() @ linear.weight.numpy().T + linear.bias.numpy()
    np.testing.assert_allclose(linear(x).numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(linear(x.reshape(1, 5, 4)).numpy()[0], want, rtol=1e-5, atol=1e-6)
    norm = nn.LayerNorm(4, eps=1e-5)
    values = x.numpy()
    expected = (values - values.mean(1, keepdims=True)) / np.sqrt(values.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(norm(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    table = nn.Embedding(6, 2)
    np.testing.assert_array_equal(table(plexus.tensor([4, 1])).numpy(), table.weight.numpy()[[4, 1]])
    double = nn.Linear(2, 2, dtype=plexus.float64)
    assert double.weight.dtype == plexus.float64


def test_generic_layer_by_name():
    plexus.manual_seed(7)
    by_name = nn.Layer("Linear", in_features=3, out_features=2, bias=False)
    plexus.manual_seed(7)
    by_class = nn.Linear(3, 2, bias=False)
    np.testing.assert_array_equal(by_name.weight.numpy(), by_class.weight.numpy())
    assert [n for n, _ in by_name.named_parameters()] == ["weight"]
    assert "Layer('Linear', in_features=3" in repr(by_name)
    lstm = nn.Layer("LSTM", num_outputs=3, input_size=2, hidden_size=3)
    output, h, c = lstm(_x(4, 1, 2))
    assert output.shape == (4, 1, 3) and h.shape == c.shape == (1, 1, 3)
    conv = nn.Layer("Conv2d", in_channels=1, out_channels=1, kernel_size=(2, 2), stride=[1, 1])
    assert conv(_x(1, 1, 3, 3)).shape == (1, 1, 2, 2)
    with pytest.raises(plexus.NotFoundError, match="unknown layer type"):
        nn.Layer("NoSuchLayer")
    with pytest.raises(plexus.InvalidArgumentError, match="in_features"):
        nn.Layer("Linear", out_features=2)
    with pytest.raises(plexus.InvalidArgumentError):
        nn.Layer("Linear", in_features=2, out_features=2, colour="red")


def test_recurrent_and_attention_arguments():
    lstm = nn.LSTM(2, 3)
    x = _x(4, 1, 2)
    out, (h, c) = lstm(x)
    out2, (h2, c2) = lstm(x, (h, c))
    assert out2.shape == out.shape and not np.allclose(out2.numpy(), out.numpy())
    gru = nn.GRU(2, 3)
    _, hidden = gru(x)
    assert gru(x, hidden)[1].shape == (1, 1, 3)
    attention = nn.MultiheadAttention(4, 2, batch_first=True)
    q = _x(2, 3, 4)
    output, weights = attention(q, q, q, need_weights=False)
    assert weights is None and output.shape == (2, 3, 4)
    mask = plexus.tensor(np.triu(np.ones((3, 3), bool), 1))
    masked, masked_weights = attention(q, q, q, attn_mask=mask)
    assert np.allclose(np.triu(masked_weights.numpy()[0], 1), 0)
    with pytest.raises(plexus.UnsupportedError, match="is_causal"):
        attention(q, q, q, is_causal=True)
    encoder = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True)
    padding = plexus.tensor(np.array([[False, False, True], [False, False, False]]))
    assert encoder(q, src_key_padding_mask=padding).shape == (2, 3, 4)
    with pytest.raises(plexus.UnsupportedError):
        nn.LSTM(2, 3, proj_size=2)
    with pytest.raises(plexus.UnsupportedError):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(plexus.UnsupportedError):
        nn.Conv2d(1, 1, 2, padding="same")


class Net(nn.Module):
    """A Python module mixing plugin layers, a Parameter, a buffer and tensor ops."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.norm = nn.BatchNorm2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
        self.scale = nn.Parameter(plexus.ones(3))
        self.register_buffer("offset", plexus.zeros(3))
        self.note = "not a tensor"

    def forward(self, x):
        return self.head(self.norm(self.conv(x)).relu()) * self.scale + self.offset


def test_module_registration_and_state_dict():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["scale", "conv.weight", "conv.bias", "norm.weight", "norm.bias", "head.1.weight", "head.1.bias"]
    buffers = [n for n, _ in net.named_buffers()]
    assert len(net.parameters()) == 7 and buffers == ["offset", "norm.running_mean", "norm.running_var"]
    assert [n for n, _ in net.named_children()] == ["conv", "norm", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "conv", "norm", "head", "head.0", "head.1"]
    state = net.state_dict()
    assert list(state)[:2] == ["scale", "offset"] and set(state) == set(names + buffers)  # PyTorch order: per module
    assert net.note == "not a tensor" and "head" in repr(net) and "scale" in dir(net)
    with pytest.raises(AttributeError):
        net.missing


def test_load_state_dict_round_trip():
    source, target = Net(), Net()
    x = _x(2, 1, 4, 4)
    source.train()
    source(x)  # moves the batch-norm statistics
    source.eval()
    target.eval()
    assert not np.allclose(source(x).numpy(), target(x).numpy())
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_allclose(target(x).numpy(), source(x).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(target.state_dict()["norm.running_mean"].numpy(), source.state_dict()["norm.running_mean"].numpy())
    partial = {k: v for k, v in source.state_dict().items() if k != "scale"}
    partial["extra"] = plexus.ones(1)
    with pytest.raises(plexus.NotFoundError, match="scale"):
        target.load_state_dict(partial)
    keys = target.load_state_dict(partial, strict=False)
    assert keys.missing_keys == ["scale"] and keys.unexpected_keys == ["extra"]
    wrong = dict(source.state_dict())
    wrong["scale"] = plexus.ones(4)
    with pytest.raises(plexus.ShapeMismatchError):
        target.load_state_dict(wrong)


def test_train_eval_reach_plugin_layers():
    model = nn.Sequential(nn.Dropout(0.5))
    x = plexus.ones(1000)
    assert model.training
    assert (model(x).numpy() == 0).sum() > 300
    model.eval()
    assert not model.training and not model[0].training
    np.testing.assert_array_equal(model(x).numpy(), x.numpy())
    model.train()
    assert (model(x).numpy() == 0).sum() > 300


def test_freezing_and_zero_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model[0].requires_grad_(False)
    model(plexus.ones(3, 2)).sum().backward()
    assert model[0].weight.grad is None and model[1].weight.grad is not None
    model.zero_grad()
    assert model[1].weight.grad is None


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3))
    seq.append(nn.ReLU())
    assert len(seq) == 2 and isinstance(seq[-1], nn.ReLU) and isinstance(seq[0:1], nn.Sequential)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU"]
    import collections
    named = nn.Sequential(collections.OrderedDict(first=nn.Linear(2, 2), act=nn.Tanh()))
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias"]
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)]).extend([nn.Linear(2, 2)])
    assert len(blocks) == 4 and len(list(blocks.parameters())) == 8 and blocks[1] is list(blocks)[1]
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 1)
    assert list(heads) == ["a", "b"] and len(heads) == 2 and len(heads.parameters()) == 4
    assert list(heads.keys()) == ["a", "b"] and len(list(heads.values())) == 2 and len(list(heads.items())) == 2
    with pytest.raises(plexus.InvalidArgumentError):
        blocks(plexus.ones(2))
    with pytest.raises(plexus.InvalidArgumentError):
        heads(plexus.ones(2))
    applied = []
    seq.apply(lambda m: applied.append(type(m).__name__))
    assert applied[-1] == "Sequential"

    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(plexus.InvalidArgumentError, match="super"):
        Broken()
    with pytest.raises(NotImplementedError):
        nn.Module()(plexus.ones(1))


def test_closed_layers_raise():
    layer = nn.Linear(2, 2)
    layer.close()
    with pytest.raises(plexus.ClosedError):
        layer(plexus.ones(1, 2))
    with pytest.raises(plexus.ClosedError):
        layer.parameters()
    layer.close()


def test_functional_matches_numpy():
    x = _x(3, 4)
    v = x.numpy()
    np.testing.assert_allclose(F.relu(x).numpy(), np.maximum(v, 0))
    np.testing.assert_allclose(F.softmax(x, dim=1).numpy(), np.exp(v) / np.exp(v).sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy(), v - np.log(np.exp(v).sum(1, keepdims=True)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(F.sigmoid(x).numpy(), 1 / (1 + np.exp(-v)), rtol=1e-6)
    np.testing.assert_allclose(F.tanh(x).numpy(), np.tanh(v), rtol=1e-6)
    np.testing.assert_allclose(F.silu(x).numpy(), v / (1 + np.exp(-v)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).numpy(), np.where(v > 0, v, 0.1 * v), rtol=1e-6)
    np.testing.assert_allclose(F.elu(x).numpy(), np.where(v > 0, v, np.exp(v) - 1), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(F.softplus(x).numpy(), np.log1p(np.exp(v)), rtol=1e-5)
    np.testing.assert_allclose(F.gelu(x).numpy(), nn.GELU()(x).numpy(), rtol=1e-5, atol=1e-6)
    w, b = _x(2, 4), _x(2)
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), v @ w.numpy().T + b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(F.linear(x.reshape(1, 3, 4), w).numpy()[0], v @ w.numpy().T, rtol=1e-5, atol=1e-6)
    image = _x(1, 1, 4, 4)
    conv = nn.Conv2d(1, 2, 3, padding=1)
    np.testing.assert_allclose(F.conv2d(image, conv.weight, conv.bias, padding=1).numpy(), conv(image).numpy(), rtol=1e-5)
    signal = _x(1, 1, 6)
    conv1 = nn.Conv1d(1, 1, 3)
    np.testing.assert_allclose(F.conv1d(signal, conv1.weight, conv1.bias).numpy(), conv1(signal).numpy(), rtol=1e-5)
    np.testing.assert_allclose(F.max_pool2d(image, 2).numpy(), nn.MaxPool2d(2)(image).numpy())
    np.testing.assert_allclose(F.avg_pool2d(image, 2).numpy(), nn.AvgPool2d(2)(image).numpy(), rtol=1e-6)
    assert F.flatten(image, 1).shape == (1, 16)
    np.testing.assert_allclose(F.layer_norm(x, 4).numpy(), nn.LayerNorm(4)(x).numpy(), rtol=1e-5, atol=1e-6)
    table = _x(5, 2)
    np.testing.assert_array_equal(F.embedding(plexus.tensor([3, 0]), table).numpy(), table.numpy()[[3, 0]])
    assert F.one_hot(plexus.tensor([0, 2])).tolist() == [[1, 0, 0], [0, 0, 1]]
    dropped = F.dropout(plexus.ones(1000), 0.5)
    assert 300 < (dropped.numpy() == 0).sum() < 700 and set(np.unique(dropped.numpy())) <= {0.0, 2.0}
    assert F.dropout(x, 0.5, training=False) is x
