"""plexus.plugins() and plexus.load_plugin(): the first-party plugins are listed, and the
third-party example plugin (C, built here against include/) trains, exports and re-imports."""
import io

import numpy as np
import pytest

import plexus
import plexus.nn as nn
from conftest import REPO_ROOT, build_c_plugin


def test_first_party_plugins_are_listed():
    found = {info.name: info for info in plexus.plugins()}
    assert {"cpu", "mlp", "cnn", "rnn", "transformer"} <= set(found)
    assert found["cpu"].op_count > 100 and found["cpu"].path.endswith(".so") and found["cpu"].version


@pytest.fixture(scope="module")
def swish(tmp_path_factory):
    source = REPO_ROOT / "Plugins" / "examples" / "swish" / "swish.c"
    if not source.is_file():
        pytest.skip("the swish example plugin source is missing")
    target = build_c_plugin(source, tmp_path_factory.mktemp("swish") / "libplexus-example-swish-test.so")
    info = plexus.load_plugin(target)
    assert plexus.load_plugin(target) == info  # loading twice is harmless
    return info


def test_example_plugin_trains_and_exports(swish):
    assert swish.name in [info.name for info in plexus.plugins()]
    plexus.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Layer("Swish"), nn.Linear(8, 1))
    rng = np.random.default_rng(1)
    x = plexus.tensor(rng.standard_normal((32, 3)).astype(np.float32))
    y = x[:, :1] * 2 - x[:, 1:2]
    optimizer = plexus.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
    buffer = io.BytesIO()
    plexus.onnx.export(model, x, buffer)
    session = plexus.InferenceSession(buffer.getvalue())
    model.eval()
    with plexus.no_grad():
        np.testing.assert_allclose(session.run(None, {"input_0": x.numpy()})[0], model(x).numpy(), rtol=1e-5, atol=1e-6)
    custom = plexus.op("Swish", x, plexus.ones(1), domain="org.plexus.examples")
    assert custom.shape == x.shape
