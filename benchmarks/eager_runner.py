"""Times an eager ``a + b`` on two [1, 16] float32 tensors from Python, in Plexus or PyTorch, and
prints one JSON line with the contract of `plexus bench` (times in ms per call):
{"model", "load_ms", "median_ms", "min_ms", "repeats", "threads", "peak_rss_mb", "calls"}.

    .venv/bin/python benchmarks/eager_runner.py --lib plexus|torch --threads N --warmup W --repeats R

Each timed run is a block of --calls additions (the result dropped at once, so freeing it is
timed too, as in a training loop); a run's time is the block's time divided by --calls, and the
median and min are over the R blocks after W warm-up blocks. "load_ms" is the import time of
the library. Run it in its own process (suite.py does) so peak RSS belongs to one library.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def rss_mb():
    """Peak resident set size of this process (VmHWM, MiB), as the other runners report it."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def operands(lib, threads):
    """(a, b, version) for ``lib``, after importing it and setting its thread count."""
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal((1, 16)).astype(np.float32) for _ in range(2))
    if lib == "torch":
        import torch

        torch.set_num_threads(threads)
        return torch.from_numpy(x), torch.from_numpy(y), f"PyTorch {torch.__version__}"
    sys.path.insert(0, str(ROOT / "bindings" / "python"))
    import plexus

    plexus.set_num_threads(threads)
    return plexus.tensor(x), plexus.tensor(y), f"Plexus {plexus.__version__}"


def block(a, b, calls):
    """Seconds for ``calls`` additions."""
    start = time.perf_counter()
    for _ in range(calls):
        a + b
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=["plexus", "torch"], required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20000, help="additions per timed run (default 20000)")
    args = parser.parse_args()
    start = time.perf_counter()
    a, b, runtime = operands(args.lib, args.threads)
    load_ms = (time.perf_counter() - start) * 1000
    expected = a.numpy() + b.numpy()
    if not np.array_equal(np.asarray((a + b).numpy()), expected):
        sys.exit(f"{runtime}: a + b differs from numpy's")
    for _ in range(args.warmup):
        block(a, b, args.calls)
    times = [block(a, b, args.calls) / args.calls * 1000 for _ in range(args.repeats)]
    print(json.dumps({"model": "eager_add", "load_ms": load_ms, "median_ms": statistics.median(times),
                      "min_ms": min(times), "repeats": args.repeats, "threads": args.threads, "calls": args.calls,
                      "peak_rss_mb": rss_mb(), "runtime": runtime}))


if __name__ == "__main__":
    main()
