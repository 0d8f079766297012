"""Times one ONNX model in onnxruntime and prints one JSON line, the same contract as
`plexus bench`: {"model", "load_ms", "median_ms", "min_ms", "repeats", "threads", "peak_rss_mb"}
(plus "base_rss_mb": the process after importing numpy and onnxruntime, before the session).

    .venv/bin/python benchmarks/ort_runner.py MODEL.onnx --threads N --warmup W --repeats R

Inputs are made like `plexus bench` makes them: floats standard normal, integers zeros, symbolic
dimensions 1. Runs go through an IO binding (inputs bound once as OrtValues, outputs allocated by
onnxruntime on each run), which leaves out most of the Python binding's own cost per run (about
5 µs with `session.run`): microsecond models are then compared with onnxruntime's engine, not
its Python layer, as `plexus bench` times Plexus's. The session uses intra_op_num_threads=N, inter_op_num_threads=1, sequential
execution and the default graph optimisation level (ORT_ENABLE_ALL). Run it in its own process
(suite.py does) so peak RSS belongs to this model alone. onnx itself is not imported, to keep the
baseline small.
"""
import argparse
import json
import statistics
import time

import numpy as np
import onnxruntime as ort

TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
         "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8, "tensor(uint8)": np.uint8,
         "tensor(bool)": np.bool_}


def rss_mb():
    """Peak resident set size of this process (VmHWM, MiB), the measure `plexus bench` uses.
    (ru_maxrss is not used: on Linux it carries over the forking parent's peak across exec.)"""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def feeds_for(session, seed=0):
    rng = np.random.default_rng(seed)
    feeds = {}
    for value in session.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in value.shape]
        dtype = TYPES[value.type]
        feeds[value.name] = (rng.standard_normal(shape).astype(dtype) if np.issubdtype(dtype, np.floating)
                             else np.zeros(shape, dtype))
    return feeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    base = rss_mb()
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    start = time.perf_counter()
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - start) * 1000
    binding = session.io_binding()
    for name, value in feeds_for(session).items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(value))
    for output in session.get_outputs():
        binding.bind_output(output.name)
    for _ in range(args.warmup):
        session.run_with_iobinding(binding)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        session.run_with_iobinding(binding)
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"model": args.model, "load_ms": load_ms, "median_ms": statistics.median(times),
                      "min_ms": min(times), "repeats": args.repeats, "threads": args.threads,
                      "peak_rss_mb": rss_mb(), "base_rss_mb": base, "runtime": f"onnxruntime {ort.__version__}"}))


if __name__ == "__main__":
    main()
