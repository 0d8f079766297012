"""Trains a small CNN on the 8x8 digits bundled with the repository (data/digits.npz, the data
`plexus train --model cnn` uses), saves a safetensors checkpoint, exports the model to ONNX and
checks the exported model against the trained one with plexus.InferenceSession.

    python train_cnn_digits.py [--epochs 10] [--data ../../../data/digits.npz] [--out .]

The model is a Python nn.Module mixing plugin layers (Conv2d, BatchNorm2d, MaxPool2d, Linear)
with tensor ops in forward, trained with Adam and a cosine learning-rate schedule.
"""
import argparse
import pathlib
import sys

import numpy as np

import plexus
import plexus.nn as nn
import plexus.nn.functional as F

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[3] / "data" / "digits.npz"


class DigitsCNN(nn.Module):
    """conv(1→16) → batch norm → relu → max-pool → conv(16→32) → relu → max-pool → linear(10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.norm = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.classifier = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        """Logits [N, 10] for images [N, 1, 8, 8]."""
        x = self.pool(F.relu(self.norm(self.conv1(x))))
        x = self.pool(self.conv2(x).relu())
        return self.classifier(x.flatten(1))


def load_digits(path):
    """(train images, train labels, test images, test labels); images [N, 1, 8, 8] in [0, 1]."""
    data = np.load(path)

    def images(key):
        return (data[key].astype(np.float32) / 16).reshape(-1, 1, 8, 8)

    return images("x_train"), data["y_train"].astype(np.int64), images("x_test"), data["y_test"].astype(np.int64)


def accuracy(model, images, labels):
    """Fraction of correctly classified images (evaluation mode, no gradients)."""
    model.eval()
    with plexus.no_grad():
        predictions = model(plexus.from_numpy(images)).argmax(dim=1).numpy()
    model.train()
    return float((predictions == labels).mean())


def main(argv=None):
    """Trains, saves, exports and checks the exported model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--out", default=".")
    args = parser.parse_args(argv)
    if not pathlib.Path(args.data).is_file():
        print(f"no digits data at {args.data} (run scripts/make_digits.py or pass --data)")
        return 1

    plexus.manual_seed(0)
    x_train, y_train, x_test, y_test = load_digits(args.data)
    model = DigitsCNN()
    optimizer = plexus.optim.Adam(model.parameters(), lr=0.01)
    scheduler = plexus.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    order = np.random.default_rng(0)
    for epoch in range(args.epochs):
        permutation = order.permutation(len(x_train))
        total, batches = 0.0, 0
        for start in range(0, len(x_train), args.batch_size):
            batch = permutation[start:start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(plexus.from_numpy(x_train[batch])), plexus.from_numpy(y_train[batch]))
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        scheduler.step()
        print(f"epoch {epoch + 1}: loss {total / batches:.4f}, test accuracy {accuracy(model, x_test, y_test):.3f}")

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plexus.save(model, out / "digits_cnn.safetensors")
    onnx_path = out / "digits_cnn.onnx"
    plexus.onnx.export(model, plexus.from_numpy(x_test[:1]), onnx_path, input_names=["image"], output_names=["logits"],
                       dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    session = plexus.InferenceSession(str(onnx_path))
    (logits,) = session.run(None, {"image": x_test})
    model.eval()
    with plexus.no_grad():
        eager = model(plexus.from_numpy(x_test)).numpy()
    difference = float(np.abs(logits - eager).max())
    print(f"exported {onnx_path} (max difference to the trained model {difference:.2g}); "
          f"ONNX test accuracy {(logits.argmax(1) == y_test).mean():.3f}")
    return 0 if difference < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
