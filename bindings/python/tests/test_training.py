"""Training: losses fall for an MLP and a small CNN on the digits; optimizers follow PyTorch's
formulas; schedulers set the C optimizer's rate; losses match their definitions."""
import math

import numpy as np
import pytest

import plexus
import plexus.nn as nn
import plexus.nn.functional as F
import plexus.optim as optim
from conftest import REPO_ROOT


def test_mlp_loss_falls():
    plexus.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.5 * x[:, 2:3] * x[:, 3:4]).astype(np.float32)
    model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    inputs, targets = plexus.from_numpy(x), plexus.from_numpy(y)
    losses = []
    for _ in range(150):
        optimizer.zero_grad()
        loss = F.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0]


class DigitsNet(nn.Module):
    """A Python-defined CNN: plugin layers plus tensor ops in forward."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 10)
        self.temperature = nn.Parameter(plexus.ones(1))

    def forward(self, x):
        features = self.pool(self.conv(x).relu())
        return self.fc(features.reshape(features.shape[0], -1)) * self.temperature


def _digits():
    path = REPO_ROOT / "data" / "digits.npz"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    data = np.load(path)
    images = (data["x_train"][:512].astype(np.float32) / 16).reshape(-1, 1, 8, 8)
    return images, data["y_train"][:512].astype(np.int64)


def test_cnn_on_digits_learns():
    plexus.manual_seed(0)
    images, labels = _digits()
    model = DigitsNet()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    epoch_losses = []
    for _ in range(6):
        total = 0.0
        for start in range(0, len(images), 64):
            x = plexus.from_numpy(images[start:start + 64])
            y = plexus.from_numpy(labels[start:start + 64])
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        epoch_losses.append(total)
    assert epoch_losses[-1] < 0.3 * epoch_losses[0]
    assert model.temperature.grad is not None
    model.eval()
    with plexus.no_grad():
        predictions = model(plexus.from_numpy(images)).argmax(dim=1).numpy()
    assert (predictions == labels).mean() > 0.85


def _quadratic_steps(optimizer_factory, steps=3):
    w = plexus.tensor([1.0, -2.0, 3.0], requires_grad=True)
    optimizer = optimizer_factory([w])
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        (w * w * plexus.tensor([1.0, 2.0, 3.0])).sum().backward()
        optimizer.step()
        history.append(w.numpy().copy())
    return history


def _reference(update, steps=3):
    w = np.array([1.0, -2.0, 3.0])
    state = {}
    history = []
    for step in range(1, steps + 1):
        grad = 2 * w * np.array([1.0, 2.0, 3.0])
        w = update(w, grad, state, step)
        history.append(w.copy())
    return history


def test_optimizers_follow_pytorch_formulas():
    def sgd(w, g, s, t, lr=0.1, momentum=0.9, decay=0.01):
        g = g + decay * w
        s["b"] = g if "b" not in s else momentum * s["b"] + g
        return w - lr * (g + momentum * s["b"])  # nesterov

    def adam(w, g, s, t, lr=0.05, b1=0.8, b2=0.9, eps=1e-8, decay=0.0, decoupled=False):
        if decoupled:
            w = w * (1 - lr * decay)
        else:
            g = g + decay * w
        s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
        return w - lr * (s["m"] / (1 - b1 ** t)) / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)

    def rmsprop(w, g, s, t, lr=0.01, alpha=0.9, eps=1e-8):
        s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
        return w - lr * g / (np.sqrt(s["v"]) + eps)

    cases = [
        (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), sgd),
        (lambda p: optim.Adam(p, lr=0.05, betas=(0.8, 0.9)), adam),
        (lambda p: optim.AdamW(p, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
         lambda w, g, s, t: adam(w, g, s, t, decay=0.1, decoupled=True)),
        (lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9), rmsprop),
    ]
    for factory, update in cases:
        for got, want in zip(_quadratic_steps(factory), _reference(update)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    centered = _quadratic_steps(lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True), steps=5)
    assert np.abs(centered[-1]).sum() < 6.0


def test_param_groups_closure_and_errors():
    a = plexus.ones(2, requires_grad=True)
    b = plexus.ones(2, requires_grad=True)
    optimizer = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5] and optimizer.learning_rates() == [0.1, 0.5]

    def closure():
        optimizer.zero_grad()
        loss = (a + b).sum()
        loss.backward()
        return loss

    assert optimizer.step(closure).item() == 4.0
    np.testing.assert_allclose(a.numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.numpy(), [0.5, 0.5])
    optimizer.param_groups[0]["lr"] = 0.2
    assert optimizer.learning_rates() == [0.2, 0.5]
    optimizer.param_groups[0]["momentum"] = 0.9
    with pytest.raises(plexus.UnsupportedError, match="momentum"):
        optimizer.step()
    assert "Parameter Group 1" in repr(optimizer)
    with pytest.raises(plexus.UnsupportedError):
        optim.Adam([a], amsgrad=True)
    with pytest.raises(plexus.UnsupportedError):
        optim.SGD([a], maximize=True)
    with pytest.raises(plexus.InvalidArgumentError):
        optim.SGD([], lr=0.1)
    with pytest.raises(plexus.InvalidArgumentError):
        optim.SGD([np.ones(2)], lr=0.1)
    closed = optim.SGD([a], lr=0.1)
    closed.close()
    with pytest.raises(plexus.ClosedError):
        closed.step()


@pytest.mark.parametrize("make, expected", [
    (lambda o: optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5), [1, 1, 0.5, 0.5, 0.25, 0.25]),
    (lambda o: optim.lr_scheduler.MultiStepLR(o, milestones=[1, 4], gamma=0.1), [1, 0.1, 0.1, 0.1, 0.01, 0.01]),
    (lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=0.9), [0.9 ** i for i in range(6)]),
    (lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.1),
     [0.1 + 0.9 * (1 + math.cos(math.pi * i / 5)) / 2 for i in range(6)]),
    (lambda o: optim.lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=2), [0.5, 0.75, 1, 1, 1, 1]),
    (lambda o: optim.lr_scheduler.LambdaLR(o, lambda epoch: 1 / (epoch + 1)), [1 / (i + 1) for i in range(6)]),
])
def test_schedulers(make, expected):
    w = plexus.ones(1, requires_grad=True)
    optimizer = optim.SGD([w], lr=1.0)
    scheduler = make(optimizer)
    seen = []
    for _ in range(6):
        seen.append(scheduler.get_last_lr()[0])
        assert optimizer.learning_rates()[0] == pytest.approx(seen[-1])
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(seen, expected, rtol=1e-9)
    state = scheduler.state_dict()
    assert state["last_epoch"] == 6 and "optimizer" not in state
    scheduler.load_state_dict(dict(state, last_epoch=0))
    assert scheduler.last_epoch == 0


def test_schedulers_reject_bad_lengths():
    optimizer = optim.SGD([plexus.ones(1, requires_grad=True)], lr=1.0)
    with pytest.raises(plexus.InvalidArgumentError):
        optim.lr_scheduler.StepLR(optimizer, step_size=0)
    with pytest.raises(plexus.InvalidArgumentError):
        optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=0)


def test_losses_match_their_definitions():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    x, y = rng.standard_normal(5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    cross_entropy = -log_probs[np.arange(4), labels].mean()
    assert F.cross_entropy(plexus.tensor(logits), labels).item() == pytest.approx(cross_entropy, rel=1e-5)
    assert nn.NLLLoss()(plexus.tensor(log_probs), plexus.tensor(labels)).item() == pytest.approx(cross_entropy, rel=1e-5)
    weight = plexus.tensor([1.0, 2.0, 0.5])
    weighted = F.cross_entropy(plexus.tensor(logits), labels, weight=weight, reduction="sum").item()
    w = np.array([1.0, 2.0, 0.5])[labels]
    assert weighted == pytest.approx(-(log_probs[np.arange(4), labels] * w).sum(), rel=1e-5)
    assert F.cross_entropy(plexus.tensor(logits), labels, ignore_index=2).item() == pytest.approx(
        -log_probs[[0, 2], [0, 1]].mean(), rel=1e-5)
    smoothed = F.cross_entropy(plexus.tensor(logits), labels, label_smoothing=0.1).item()
    assert smoothed == pytest.approx((0.9 * -log_probs[np.arange(4), labels] - 0.1 * log_probs.mean(1)).mean(), rel=1e-5)
    assert nn.MSELoss()(plexus.tensor(x), y).item() == pytest.approx(((x - y) ** 2).mean(), rel=1e-5)
    assert nn.L1Loss(reduction="sum")(plexus.tensor(x), y).item() == pytest.approx(np.abs(x - y).sum(), rel=1e-5)
    assert F.mse_loss(plexus.tensor(x), y, reduction="none").shape == (5,)
    d = np.abs(x - y)
    assert nn.SmoothL1Loss(beta=0.5)(plexus.tensor(x), y).item() == pytest.approx(
        np.where(d < 0.5, 0.5 * d * d / 0.5, d - 0.25).mean(), rel=1e-5)
    assert nn.HuberLoss(delta=0.5)(plexus.tensor(x), y).item() == pytest.approx(
        np.where(d < 0.5, 0.5 * d * d, 0.5 * (d - 0.25)).mean(), rel=1e-5)
    p = 1 / (1 + np.exp(-x))
    t = (y > 0).astype(np.float32)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert nn.BCELoss()(plexus.tensor(p), t).item() == pytest.approx(bce, rel=1e-4)
    assert nn.BCEWithLogitsLoss()(plexus.tensor(x), t).item() == pytest.approx(bce, rel=1e-4)
    pos = nn.BCEWithLogitsLoss(pos_weight=plexus.tensor([2.0]))(plexus.tensor(x), t).item()
    assert pos == pytest.approx(-(2 * t * np.log(p) + (1 - t) * np.log(1 - p)).mean(), rel=1e-4)
    assert "reduction='mean'" in repr(nn.MSELoss())
    with pytest.raises(plexus.InvalidArgumentError):
        F.mse_loss(plexus.tensor(x), y, reduction="average")
