"""Training throughput on the bundled digits: Plexus (`plexus train --model M`) next to PyTorch
on the same machine, in the same run, with the same model, batch size, optimizer (Adam) and
schedule. M is mlp (64-H-H-10 with ReLU and dropout 0.1) or cnn (conv 16-32 with max-pooling
and a linear head). Prints steps/s for both and their ratio; PyTorch is skipped (and said so)
when it is not installed.

    .venv/bin/python benchmarks/training.py [--model cnn] [--epochs 20] [--threads 1]
"""
import argparse
import pathlib
import re
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent


def plexus_steps_per_second(args):
    out = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--model", args.model, "--epochs", str(args.epochs),
                          "--batch-size", str(args.batch_size), "--hidden", str(args.hidden), "--threads", str(args.threads),
                          "--checkpoint", "/tmp/plexus-bench.safetensors", "--data", str(ROOT / "data/digits.npz")],
                         check=True, capture_output=True, text=True).stdout
    match = re.search(r"test accuracy: ([\d.]+)% .* after ([\d.]+) s, (\d+) steps/s", out)
    return float(match.group(3)), float(match.group(1))


def torch_steps_per_second(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = np.load(ROOT / "data/digits.npz")
    shape = (-1, 64) if args.model == "mlp" else (-1, 1, 8, 8)
    x = (torch.tensor(data["x_train"], dtype=torch.float32) / 16).reshape(shape)
    y = torch.tensor(data["y_train"])
    nn, h = torch.nn, args.hidden
    if args.model == "mlp":
        model = nn.Sequential(nn.Linear(64, h), nn.ReLU(), nn.Dropout(0.1), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 10))
    else:
        model = nn.Sequential(nn.Conv2d(1, h, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(h, 2 * h, 3, padding=1),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * h * 4, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs, 0.002 / 20)
    steps = 0
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x))
        for first in range(0, len(x), args.batch_size):
            index = order[first:first + args.batch_size]
            optimizer.zero_grad()
            logits = model(x[index])
            loss = torch.nn.functional.cross_entropy(logits, y[index])
            loss.backward()
            optimizer.step()
            steps += 1
            (logits.argmax(1) == y[index]).sum().item()  # the same per-step accuracy bookkeeping as Plexus
            loss.item()
        schedule.step()
    elapsed = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        xt = (torch.tensor(data["x_test"], dtype=torch.float32) / 16).reshape(shape)
        accuracy = (model(xt).argmax(1) == torch.tensor(data["y_test"])).float().mean().item() * 100
    return steps / elapsed, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, help="width (default 128 for mlp, 16 for cnn)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.hidden = args.hidden or (128 if args.model == "mlp" else 16)
    plexus = [plexus_steps_per_second(args) for _ in range(args.repeats)]
    rate, accuracy = sorted(plexus)[len(plexus) // 2]
    print(f"digits {args.model}, batch {args.batch_size}, {args.epochs} epochs, {args.threads} thread(s), median of {args.repeats}")
    print(f"  plexus   {rate:8.0f} steps/s   test accuracy {accuracy:.2f}%")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("  pytorch  not installed (pip install torch) - no comparison")
        return
    runs = [torch_steps_per_second(args) for _ in range(args.repeats)]
    torch_rate, torch_accuracy = sorted(runs)[len(runs) // 2]
    print(f"  pytorch  {torch_rate:8.0f} steps/s   test accuracy {torch_accuracy:.2f}%   (torch {sys.modules['torch'].__version__})")
    print(f"  ratio plexus/pytorch: {rate / torch_rate:.2f}")


if __name__ == "__main__":
    main()
