"""The side-by-side benchmark suite (issue 9): Plexus next to onnxruntime, numpy and PyTorch on
the same machine, in the same run, with the same thread count and input shapes, reported as
ratios with peak memory and the issue's targets.

    .venv/bin/python benchmarks/suite.py [--quick] [--threads 2] [--repeats N] [--rounds K]
                                         [--only gemm,cnn,transformer,rnn,training,resnet18,...]
                                         [--markdown out.md] [--json out.json]

Every measurement runs in a process of its own, so peak RSS (VmHWM of that process, which each
runner reports itself) belongs to one runtime and one model:
  Plexus       `plexus bench MODEL --threads N --warmup W --repeats R`
  onnxruntime  benchmarks/ort_runner.py: intra-op N threads, inter-op 1, ORT_ENABLE_ALL
  numpy/torch  benchmarks/gemm_runner.py (GEMM only): `a @ b` with N BLAS threads
  eager_add    benchmarks/eager_runner.py --lib plexus|torch: `a + b` on [1, 16] from Python
  training     benchmarks/training.py --model mlp|cnn, run with a Python that has torch
Each runner reports the median (and min) of R timed runs after W warm-up runs; the runners are run
--rounds K times (alternating) and the median of their medians is kept. On a shared machine the
suite waits for other processes to quieten before each case and re-runs a runner during which
other processes took more than 10% of the CPUs (--max-wait, --retries).

Ratio direction, the same for every row: ratio = Plexus cost / reference cost, that is Plexus
time / reference time for latencies and reference throughput / Plexus throughput for GFLOP/s
and steps/s. A ratio <= 1 means Plexus is at least as fast. RSS ratio = Plexus peak RSS /
reference peak RSS (<= 1: Plexus uses no more memory).

Targets (issue 9): GEMM 1024 throughput >= 90% of numpy's (ratio <= 1.11); CNN and Transformer
latency at batch 1 <= 1.5x onnxruntime's; digits MLP/CNN training steps/s >= PyTorch's
(ratio <= 1); inference peak RSS <= 1.5x onnxruntime's. Issue 20 (the engine cases): add_chain
time per node <= onnxruntime's (ratio <= 1); mlp_b1 and gru_b1 latency <= 1.2x onnxruntime's;
eager_add <= 3 us per `a + b` (absolute; the ratio to PyTorch is shown too). Before timing, each model is run once in
Plexus (`plexus run`) and onnxruntime on the same fixed input and the largest absolute difference
of their outputs is reported.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import models  # noqa: E402

PLEXUS = ROOT / ".build" / "release" / "plexus"
PYTHON = sys.executable
DEFAULT_TORCH_PYTHON = "/tmp/torchvenv/bin/python"

GEMM_TARGET = 1 / 0.9     # Plexus >= 90% of numpy's GFLOP/s
LATENCY_TARGET = 1.5      # CNN / Transformer latency <= 1.5x onnxruntime's
TRAINING_TARGET = 1.0     # steps/s >= PyTorch's
RSS_TARGET = 1.5          # inference peak RSS <= 1.5x onnxruntime's
ENGINE_TARGETS = {"add_chain": 1.0, "mlp_b1": 1.2, "gru_b1": 1.2}  # issue 20: ratio to onnxruntime
EAGER_TARGET_US = 3.0     # issue 20: an eager `a + b` on [1, 16] from Python, absolute
EAGER_CASE = "eager_add"
CONTENTION = 0.10         # a run during which other processes used > 10% of the CPUs is retried


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# running things -----------------------------------------------------------------------------------
def run_process(cmd, env=None, timeout=3600):
    """Runs cmd in ROOT; returns (returncode, stdout, stderr)."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "", f"timed out after {timeout} s"
    return result.returncode, result.stdout, result.stderr


def busy_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot (/proc/stat, idle and iowait excluded)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_for_quiet(max_wait, sample=0.5):
    """Waits (at most max_wait seconds) until other processes use <= CONTENTION of the CPUs over a
    short sample; returns the last measured share."""
    deadline, said = time.time() + max_wait, False
    while True:
        busy = busy_cpu_seconds()
        time.sleep(sample)
        share = (busy_cpu_seconds() - busy) / (sample * (os.cpu_count() or 1))
        if share <= CONTENTION or time.time() >= deadline:
            return share
        if not said:
            log(f"  the machine is busy ({share:.0%} of the CPUs): waiting up to {max_wait} s for it to quieten")
            said = True
        time.sleep(5)


def run_json(cmd, env=None):
    """Runs a runner that prints one JSON line; returns its dict, or {"error": ...}. Peak RSS is the
    runner's own VmHWM ("peak_rss_mb"), measured the same way by every runner and by `plexus bench`.
    "foreign_cpu" is the share of the machine's CPU time (all cores) that other processes used while
    the runner ran: a contention gauge for a shared machine."""
    busy, own, wall = busy_cpu_seconds(), children_cpu_seconds(), time.perf_counter()
    code, out, err = run_process(cmd, env=env)
    wall = time.perf_counter() - wall
    foreign = (busy_cpu_seconds() - busy) - (children_cpu_seconds() - own)
    lines = [line for line in out.splitlines() if line.strip().startswith("{")]
    if code != 0 or not lines:
        message = (err.strip().splitlines() or out.strip().splitlines() or [f"exit {code}"])[-1]
        return {"error": f"exit {code}: {message[:160]}"}
    result = json.loads(lines[-1])
    result["rss_mb"] = result["peak_rss_mb"]
    result["foreign_cpu"] = max(0.0, foreign / (wall * (os.cpu_count() or 1)))
    return result


def wait_for_plexus(minutes=20):
    """The CLI may be mid-rebuild in a shared checkout: wait for it to reappear."""
    deadline = time.time() + minutes * 60
    while not (PLEXUS.exists() and os.access(PLEXUS, os.X_OK)):
        if time.time() > deadline:
            sys.exit(f"{PLEXUS} is missing (build it first)")
        log(f"waiting for {PLEXUS} (rebuild in progress?)")
        time.sleep(15)


def plexus_has_bench():
    wait_for_plexus()
    result = subprocess.run([str(PLEXUS), "bench", "--help"], capture_output=True, text=True)
    return result.returncode == 0 and "plexus bench" in result.stdout


def torch_python(requested):
    """A Python interpreter that can import torch, or None."""
    for candidate in ([requested] if requested else []) + [PYTHON, DEFAULT_TORCH_PYTHON]:
        if candidate and pathlib.Path(candidate).exists():
            if subprocess.run([candidate, "-c", "import torch, numpy"], capture_output=True).returncode == 0:
                return candidate
        if requested:
            return None
    return None


def runner_commands(args, name, path, repeats, warmup):
    """{runtime: command} for one model."""
    common = ["--threads", str(args.threads), "--warmup", str(warmup), "--repeats", str(repeats)]
    plexus = [str(PLEXUS), "bench", str(path)] + common
    if args.backends:
        plexus += ["--backends", args.backends]
    commands = {"Plexus": plexus, "onnxruntime": [PYTHON, str(HERE / "ort_runner.py"), str(path)] + common}
    if models.MODELS[name][2] == "gemm":
        size = name[len("gemm"):]
        gemm = [str(HERE / "gemm_runner.py"), "--size", size] + common
        commands["numpy"] = [PYTHON] + gemm + ["--lib", "numpy"]
        if args.torch_python:
            commands["PyTorch"] = [args.torch_python] + gemm + ["--lib", "torch"]
    return commands


def thread_env(threads):
    env = dict(os.environ)
    for var in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
        env[var] = str(threads)
    return env


def time_model(args, name, path):
    """Runs every runner for one model (--rounds times, alternating), returns {runtime: result}."""
    repeats, warmup = default_repeats(args, name)
    return time_commands(args, runner_commands(args, name, path, repeats, warmup))


def time_commands(args, commands):
    """Runs each {runtime: command} --rounds times, alternating, retrying disturbed runs; returns
    {runtime: result} with the median of the runs' medians."""
    rounds = {runtime: [] for runtime in commands}
    env = thread_env(args.threads)
    wait_for_quiet(args.max_wait)
    for _ in range(args.rounds):
        for runtime, cmd in commands.items():
            result = run_json(cmd, env=env)
            for _ in range(args.retries):  # another process took CPU time meanwhile: try again, keep the quieter
                if result.get("foreign_cpu", 0) <= CONTENTION:
                    break
                log(f"  {runtime}: {result['foreign_cpu']:.0%} of the CPUs went to other processes; retrying")
                wait_for_quiet(args.max_wait)
                again = run_json(cmd, env=env)
                if again.get("foreign_cpu", 1) < result["foreign_cpu"]:
                    result = again
            rounds[runtime].append(result)
    results = {}
    for runtime, runs in rounds.items():
        good = [r for r in runs if "error" not in r]
        if not good:
            results[runtime] = runs[0]
            continue
        merged = dict(good[0])
        merged["median_ms"] = statistics.median(r["median_ms"] for r in good)
        merged["min_ms"] = min(r["min_ms"] for r in good)
        merged["load_ms"] = statistics.median(r["load_ms"] for r in good)
        merged["rss_mb"] = max(r["rss_mb"] for r in good)
        merged["foreign_cpu"] = statistics.median(r["foreign_cpu"] for r in good)
        results[runtime] = merged
    return results


def default_repeats(args, name):
    """(repeats, warmup): the larger the case, the fewer runs, unless --repeats says otherwise."""
    kind = models.MODELS[name][2]
    if kind == "gemm":
        size = int(name[len("gemm"):])
        repeats = 50 if size <= 256 else 20 if size <= 512 else 10 if size <= 1024 else 5
    elif kind == "engine":  # runs of microseconds (add_chain: about a millisecond)
        repeats = 100 if name == "add_chain" else 500
    else:
        repeats = 20 if kind == "rnn" else 10
    if args.quick:
        repeats = max(2, repeats // 5)
    if args.repeats:
        repeats = args.repeats
    warmup = 1 if args.quick or (kind == "gemm" and int(name[4:]) >= 2048) else 2
    if kind == "engine":
        warmup = 20
    return repeats, warmup


# output agreement ---------------------------------------------------------------------------------
def check_outputs(args, path):
    """Max |Plexus - onnxruntime| over all outputs on one fixed input, and that relative to max |ORT|.
    Plexus runs through `plexus run` (which writes each output as .npy)."""
    import onnxruntime as ort

    feeds = models.random_inputs(path, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        cmd = [str(PLEXUS), "run", str(path), "--output-dir", str(tmp / "out"), "--threads", str(args.threads)]
        for i, (name, array) in enumerate(feeds.items()):
            np.save(tmp / f"in{i}.npy", array)
            cmd += ["--input", f"{name}={tmp / f'in{i}.npy'}"]
        (tmp / "out").mkdir()
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if result.returncode != 0:
            return {"error": (result.stderr.strip().splitlines() or ["plexus run failed"])[-1][:160]}
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        diff, scale = 0.0, 0.0
        for name, reference in zip(names, session.run(names, feeds)):
            file = tmp / "out" / f"{name}.npy"
            if not file.exists():
                return {"error": f"plexus run wrote no {name}.npy"}
            ours = np.load(file)
            if ours.shape != reference.shape:
                return {"error": f"{name}: shape {ours.shape} vs {reference.shape}"}
            diff = max(diff, float(np.max(np.abs(ours.astype(np.float64) - reference))))
            scale = max(scale, float(np.max(np.abs(reference))))
        return {"max_abs_diff": diff, "relative": diff / scale if scale else diff}


# eager calls from Python ----------------------------------------------------------------------------
def eager_rows(args):
    """eager_add: `a + b` on [1, 16] float32 tensors from Python, Plexus next to PyTorch, each in its
    own process (benchmarks/eager_runner.py), alternating over --rounds. Returns (rows, raw)."""
    repeats = args.repeats or (3 if args.quick else 15)
    common = [str(HERE / "eager_runner.py"), "--threads", str(args.threads), "--warmup", "1" if args.quick else "2",
              "--repeats", str(repeats)]
    commands = {"Plexus": [PYTHON] + common + ["--lib", "plexus"]}
    if args.torch_python:
        commands["PyTorch"] = [args.torch_python] + common + ["--lib", "torch"]
    log(f"{EAGER_CASE}: timing " + ", ".join(commands))
    wait_for_quiet(args.max_wait)
    results = time_commands(args, commands)
    for runtime, result in results.items():
        log(f"  {runtime:12} " + (result["error"] if "error" in result else
            f"median {result['median_ms'] * 1000:7.3f} us per a + b  min {result['min_ms'] * 1000:7.3f} us  "
            f"RSS {result['rss_mb']:6.0f} MB  other processes {result['foreign_cpu']:4.0%}"))
    plexus = results["Plexus"]
    row = {"case": EAGER_CASE, "reference": "PyTorch", "kind": "eager", "unit": "µs", "higher_better": False,
           "target": None, "abs_target": EAGER_TARGET_US, "rss_target": None}
    if "error" in plexus:
        row["error"] = plexus["error"]
    else:
        row.update(plexus=plexus["median_ms"] * 1000, plexus_rss=plexus["rss_mb"])
        reference = results.get("PyTorch")
        if reference is None:
            row["ref_missing"] = "torch not installed"
        elif "error" in reference:
            row["error"] = f"PyTorch: {reference['error']}"
        else:
            row.update(ref=reference["median_ms"] * 1000, ref_rss=reference["rss_mb"])
    return [row], {"results": results, "check": None}


# training -----------------------------------------------------------------------------------------
def training_rows(args):
    rows = []
    python = args.torch_python or PYTHON
    epochs, repeats = (3, 1) if args.quick else (args.training_epochs, 3)
    for model in ["mlp", "cnn"]:
        cmd = [python, str(HERE / "training.py"), "--model", model, "--epochs", str(epochs),
               "--threads", str(args.threads), "--repeats", str(repeats)]
        log(f"training {model}: {' '.join(cmd[1:])}")
        code, out, err = run_process(cmd, env=thread_env(args.threads))
        plexus = re.search(r"plexus\s+(\d+) steps/s", out)
        torch = re.search(r"pytorch\s+(\d+) steps/s", out)
        row = {"case": f"train digits {model} ({epochs} ep)", "reference": "PyTorch", "unit": "steps/s",
               "higher_better": True, "target": TRAINING_TARGET}
        if code != 0 or not plexus:
            row["error"] = (err.strip().splitlines() or [f"exit {code}"])[-1][:160]
        else:
            row["plexus"] = float(plexus.group(1))
            if torch:
                row["ref"] = float(torch.group(1))
            else:
                row["ref_missing"] = "torch not installed"
        rows.append(row)
    return rows


# the table ----------------------------------------------------------------------------------------
def inference_rows(name, results, check):
    kind, flops = models.MODELS[name][2], models.MODELS[name][3]
    plexus = results["Plexus"]
    rows = []
    for reference in [r for r in results if r != "Plexus"]:
        ref = results[reference]
        row = {"case": name, "reference": reference, "kind": kind}
        if kind == "gemm":
            row.update(unit="GFLOP/s", higher_better=True)
            row["target"] = GEMM_TARGET if (name == "gemm1024" and reference == "numpy") else None
        elif kind == "engine":
            row.update(unit="µs/node" if name == "add_chain" else "µs", higher_better=False)
            row["target"] = ENGINE_TARGETS.get(name) if reference == "onnxruntime" else None
        else:
            row.update(unit="ms", higher_better=False)
            row["target"] = LATENCY_TARGET if (kind in ("cnn", "transformer") and reference == "onnxruntime") else None
        row["rss_target"] = RSS_TARGET if reference == "onnxruntime" else None
        if "error" in plexus or "error" in ref:
            row["error"] = plexus.get("error") or f"{reference}: {ref['error']}"
        else:
            if kind == "gemm":
                value = lambda r: flops / r["median_ms"] / 1e6  # noqa: E731
            elif kind == "engine":  # microseconds, per node for the Add chain
                nodes = models.ADD_CHAIN_LENGTH if name == "add_chain" else 1
                value = lambda r: r["median_ms"] * 1000 / nodes  # noqa: E731
            else:
                value = lambda r: r["median_ms"]  # noqa: E731
            row.update(plexus=value(plexus), ref=value(ref), plexus_rss=plexus["rss_mb"], ref_rss=ref["rss_mb"])
        if reference == "onnxruntime":
            row["check"] = check
        rows.append(row)
    return rows


def ratio(row):
    """Plexus cost / reference cost (<= 1: Plexus at least as fast)."""
    if "plexus" not in row or "ref" not in row:
        return None
    return row["ref"] / row["plexus"] if row["higher_better"] else row["plexus"] / row["ref"]


def fmt_value(value, unit):
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:.3g} ms" if value < 100 else f"{value:.0f} ms"
    if unit.startswith("µs"):
        return f"{value:.3g} {unit}"
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def verdicts(row):
    parts = []
    r = ratio(row)
    if row.get("target") is not None and r is not None:
        parts.append(("PASS" if r <= row["target"] + 1e-9 else "MISS") + " time")
    if row.get("abs_target") is not None and row.get("plexus") is not None:
        parts.append(("PASS" if row["plexus"] <= row["abs_target"] + 1e-9 else "MISS") + " time")
    if row.get("rss_target") is not None and row.get("ref_rss"):
        parts.append(("PASS" if row["plexus_rss"] / row["ref_rss"] <= row["rss_target"] + 1e-9 else "MISS") + " RSS")
    return ", ".join(parts) or "—"


def table(rows):
    header = ["case", "reference", "Plexus", "reference value", "ratio", "target", "Plexus RSS MB",
              "ref RSS MB", "RSS ratio", "max abs diff vs ORT", "result"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        r = ratio(row)
        check = row.get("check")
        if check is None:
            check_text = ""
        elif "error" in check:
            check_text = "plexus run failed"
        else:
            check_text = f"{check['max_abs_diff']:.1e} (rel {check['relative']:.0e})"
        if "error" in row:
            cells = [row["case"], row["reference"], "error: " + row["error"].replace("|", "/"), "", "", "", "", "", "", check_text, "—"]
        else:
            ref_text = fmt_value(row.get("ref"), row["unit"]) if "ref" in row else row.get("ref_missing", "—")
            target = "; ".join(([f"≤ {row['target']:.2f}"] if row.get("target") else []) +
                               ([f"Plexus ≤ {row['abs_target']:g} {row['unit']}"] if row.get("abs_target") else []) +
                               ([f"RSS ≤ {row['rss_target']:.1f}"] if row.get("rss_target") else [])) or "—"
            rss = (row.get("plexus_rss"), row.get("ref_rss"))
            cells = [row["case"], row["reference"], fmt_value(row.get("plexus"), row["unit"]), ref_text,
                     f"{r:.2f}" if r is not None else "—", target,
                     f"{rss[0]:.0f}" if rss[0] else "—", f"{rss[1]:.0f}" if rss[1] else "—",
                     f"{rss[0] / rss[1]:.2f}" if rss[0] and rss[1] else "—", check_text, verdicts(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def details_table(raw):
    """case | runtime | median | min | load | peak RSS, for every model and runtime timed."""
    def ms(value):  # microsecond-scale cases keep four significant digits
        return f"{value:.3f}" if value >= 1 else f"{value:.4g}"

    lines = ["| case | runtime | median ms | min ms | load ms | peak RSS MB | other processes' CPU |",
             "|---|---|---|---|---|---|---|"]
    for name, entry in raw.items():
        if name == "training":
            continue
        for runtime, r in entry["results"].items():
            if "error" in r:
                lines.append(f"| {name} | {runtime} | error | | | | |")
            else:
                lines.append(f"| {name} | {runtime} | {ms(r['median_ms'])} | {ms(r['min_ms'])} | {r['load_ms']:.1f} | "
                             f"{r['rss_mb']:.0f} | {r['foreign_cpu']:.0%} |")
    return "\n".join(lines)


def environment(args):
    def first(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return ""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    import onnxruntime
    torch_version = first([args.torch_python, "-c", "import torch; print(torch.__version__)"]) if args.torch_python else "not installed"
    return {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "cpu": f"{cpu}, {os.cpu_count()} cores",
            "commit": first(["git", "rev-parse", "--short", "HEAD"]) + (" (dirty)" if first(["git", "status", "--porcelain"]) else ""),
            "python": platform.python_version(), "onnxruntime": onnxruntime.__version__, "numpy": np.__version__,
            "torch": torch_version}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--quick", action="store_true", help="few repeats and epochs (a smoke run)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every runtime (default 2)")
    parser.add_argument("--repeats", type=int, help="timed runs per runner (default: by case size)")
    parser.add_argument("--rounds", type=int, help="run every runner this many times, alternating runtimes; "
                        "median of medians (default 9, 1 with --quick)")
    parser.add_argument("--retries", type=int, default=2,
                        help=f"re-run a runner up to this many times when other processes took > {CONTENTION * 100:.0f}%% "
                             "of the CPUs during it (default 2)")
    parser.add_argument("--max-wait", type=int, default=120,
                        help="seconds to wait for a busy machine to quieten before a case or a retry (default 120)")
    parser.add_argument("--only", help="comma-separated cases: model names, eager_add, training, or the groups gemm, "
                        "cnn, transformer, rnn, engine (add_chain, mlp_b1, gru_b1 and eager_add)")
    parser.add_argument("--training-epochs", type=int, default=10, help="epochs per training run (default 10)")
    parser.add_argument("--torch-python", help=f"a Python with torch (default: this one or {DEFAULT_TORCH_PYTHON})")
    parser.add_argument("--backends", help="passed to `plexus bench --backends` (e.g. openblas,cpu or cpu)")
    parser.add_argument("--no-check", action="store_true", help="skip the Plexus-vs-onnxruntime output check")
    parser.add_argument("--markdown", help="write the table (and environment) to this Markdown file")
    parser.add_argument("--json", help="write every raw result to this JSON file")
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 9)
    started = time.time()
    args.torch_python = torch_python(args.torch_python)
    if not plexus_has_bench():
        sys.exit(f"{PLEXUS} has no `bench` command: build Plexus first (./scripts/build.sh)")
    env = environment(args)
    notes = []
    if not args.torch_python:
        notes.append("PyTorch is not installed: the PyTorch columns (GEMM, eager_add, training) are skipped.")
    log("environment: " + ", ".join(f"{k} {v}" for k, v in env.items()))
    for note in notes:
        log("note: " + note)

    names = models.select(args.only)
    wanted = set((args.only or "").split(","))
    rows, raw = [], {}
    for name in names:
        log(f"{name}: generating/verifying model")
        path = models.ensure(name, log=log)
        check = None
        if not args.no_check:
            check = check_outputs(args, path)
            log(f"{name}: Plexus vs onnxruntime " + (check["error"] if "error" in check else
                f"max abs diff {check['max_abs_diff']:.2e} (relative {check['relative']:.1e})"))
        log(f"{name}: timing " + ", ".join(runner_commands(args, name, path, 0, 0)))
        results = time_model(args, name, path)
        raw[name] = {"results": results, "check": check}
        for runtime, result in results.items():
            log(f"  {runtime:12} " + (result["error"] if "error" in result else
                f"median {result['median_ms']:9.3f} ms  min {result['min_ms']:9.3f} ms  load {result['load_ms']:7.1f} ms  "
                f"RSS {result['rss_mb']:6.0f} MB  other processes {result['foreign_cpu']:4.0%}"))
        rows += inference_rows(name, results, check)
    if not args.only or wanted & {EAGER_CASE, "engine"}:
        eager, raw[EAGER_CASE] = eager_rows(args)
        rows += eager
    if not args.only or "training" in wanted:
        training = training_rows(args)
        rows += training
        raw["training"] = training
        if not args.torch_python:
            notes.append("Training ratios need PyTorch; only Plexus steps/s are shown.")

    contended = [f"{name}/{runtime}" for name, entry in raw.items() if name != "training"
                 for runtime, r in entry["results"].items() if r.get("foreign_cpu", 0) > CONTENTION]
    if contended:
        notes.append(f"Other processes used > {CONTENTION:.0%} of the CPUs during (the median run of) "
                     + ", ".join(contended) + ": those timings are disturbed.")
    elapsed = time.time() - started
    env["suite runtime"] = f"{elapsed / 60:.1f} min"
    heading = (f"Threads {args.threads} for every runtime, batch 1; median of runs per case "
               f"(`--rounds {args.rounds}`){', --quick' if args.quick else ''}.")
    legend = ("ratio = Plexus cost / reference cost: Plexus time / reference time for time rows (ms, µs), reference / Plexus "
              "for GFLOP/s and steps/s rows; ≤ 1 means Plexus is at least as fast. RSS ratio = Plexus peak RSS / "
              "reference peak RSS (whole process, VmHWM). Max abs diff: `plexus run` vs onnxruntime on one "
              "fixed input (rel = relative to the largest output magnitude).")
    text = table(rows)
    details = details_table(raw)
    print()
    print(heading)
    print(legend)
    print()
    print(text)
    print()
    for note in notes:
        print("Note: " + note)
    print("Environment: " + "; ".join(f"{k} {v}" for k, v in env.items()))
    if args.markdown:
        body = [heading, "", legend, "", text, ""] + [f"Note: {n}" for n in notes] + \
               ["", "Environment: " + "; ".join(f"{k} {v}" for k, v in env.items()), "",
                "Per-runtime details (median and min of the timed runs, session load time, peak RSS, and the "
                "median share of all CPUs that other processes used during the runs):", "", details, ""]
        pathlib.Path(args.markdown).write_text("\n".join(body))
        log(f"wrote {args.markdown}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"environment": env, "rows": rows, "raw": raw, "notes": notes},
                                                      indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
