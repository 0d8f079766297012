"""Times C = A @ B for square float32 N x N matrices in numpy or PyTorch and prints one JSON line
like `plexus bench`: {"model", "load_ms" (0), "median_ms", "min_ms", "repeats", "threads",
"peak_rss_mb", "base_rss_mb", "runtime"}.

    .venv/bin/python benchmarks/gemm_runner.py --lib numpy --size 1024 --threads 2
    /tmp/torchvenv/bin/python benchmarks/gemm_runner.py --lib torch --size 1024 --threads 2

The BLAS thread count is fixed before numpy/torch is imported (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, MKL_NUM_THREADS) and, for torch, with torch.set_num_threads(N) too. The output
buffer is preallocated (`out=`), as a runtime's arena would be; operands are standard normal.
"""
import argparse
import json
import os
import statistics
import sys
import time


def rss_mb():
    """Peak resident set size of this process (VmHWM, MiB), the measure `plexus bench` uses.
    (ru_maxrss is not used: on Linux it carries over the forking parent's peak across exec.)"""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=["numpy", "torch"], default="numpy")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    for var in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
        os.environ[var] = str(args.threads)
    import numpy as np

    rng = np.random.default_rng(args.size)
    a = rng.standard_normal((args.size, args.size)).astype(np.float32)
    b = rng.standard_normal((args.size, args.size)).astype(np.float32)
    if args.lib == "torch":
        import torch

        torch.set_num_threads(args.threads)
        a, b = torch.from_numpy(a), torch.from_numpy(b)
        c = torch.empty(args.size, args.size)
        version = f"torch {torch.__version__}"

        def step():
            torch.matmul(a, b, out=c)
    else:
        c = np.empty((args.size, args.size), np.float32)
        version = f"numpy {np.__version__}"

        def step():
            np.matmul(a, b, out=c)
    base = rss_mb()
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"model": f"gemm{args.size}", "load_ms": 0.0, "median_ms": statistics.median(times),
                      "min_ms": min(times), "repeats": args.repeats, "threads": args.threads,
                      "peak_rss_mb": rss_mb(), "base_rss_mb": base, "runtime": version}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
