"""The bad-input suite of issue 19: malformed models, tensors, data files, plugins and command
lines, each case in its own process under a memory cap and a timeout, classified as

    OK       a clean refusal (Python exception of a documented type, nonzero plx_status with a
             message, CLI exit != 0 with a message) or a result that agrees with the reference
    NOTE     accepted where onnxruntime refuses, or a difference in implementation-defined
             territory (listed, not counted as a failure)
    WRONG    accepted an input that must be refused, or a result that disagrees with onnxruntime
    UNCLEAR  PLX_ERR_INTERNAL, an empty message, or a bare KeyError/AttributeError/IndexError/...
    CRASH    killed by a signal (Swift trap, abort, segfault) or exited without an answer
    HANG     still running at the timeout
    OOM      out of memory outside of a clean PLX_ERR_OUT_OF_MEMORY (SIGKILL, Python MemoryError)

Usage (from the repository root):

    .venv/bin/python Tests/hardening/run.py [--kinds models,ops,...] [--limit N] [--jobs 1]
        [--seed 0] [--out /tmp/plexus-hardening] [--match REGEX] [--timeout 15] [--triage 40]
    .venv/bin/python Tests/hardening/run.py --replay FOLDER   # one saved reproducer, fresh process
    .venv/bin/python Tests/hardening/run.py --list --kinds ops  # only print the case ids

Generation is deterministic from --seed. Failing cases are saved under OUT/cases/<id>/ with a
case.json and their files; the summary names one reproduction command per case, and
OUT/results.json holds every verdict.
"""
import argparse
import collections
import json
import os
import pathlib
import pickle
import random
import re
import resource
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

KINDS = ["models", "folding", "extdata", "ops", "tensors", "files", "python", "plugins", "cli"]
VERDICTS = ["OK", "NOTE", "WRONG", "UNCLEAR", "CRASH", "HANG", "OOM"]
FAILING = {"WRONG", "UNCLEAR", "CRASH", "HANG", "OOM"}
UNCLEAR_EXCEPTIONS = {"KeyError", "AttributeError", "RecursionError", "ZeroDivisionError", "IndexError",
                      "OverflowError", "ArgumentError", "error", "AssertionError", "NameError", "UnboundLocalError",
                      "SystemError", "StopIteration", "UnicodeDecodeError", "UnicodeEncodeError", "SystemExit"}


# ------------------------------------------------------------------------------------------------
# Generation


def generate(kinds, seed):
    """Every case of the given kinds, in a stable order."""
    import importlib
    cases = []
    for kind in kinds:
        module = importlib.import_module("cases." + kind)
        made = module.generate(random.Random(f"{seed}/{kind}"))
        ids = collections.Counter(c["id"] for c in made)
        duplicated = [i for i, n in ids.items() if n > 1]
        assert not duplicated, f"duplicate case ids in {kind}: {duplicated[:5]}"
        cases.extend(made)
    return cases


def select_cases(cases, args):
    always = [c for c in cases if args.also and re.search(args.also, c["id"])]
    if args.match:
        pattern = re.compile(args.match)
        cases = [c for c in cases if pattern.search(c["id"])]
    if args.exclude:
        pattern = re.compile(args.exclude)
        cases = [c for c in cases if not pattern.search(c["id"])]
    if args.limit:
        by_kind = collections.defaultdict(list)
        for c in cases:
            by_kind[c["kind"]].append(c)
        chosen = []
        for kind, items in by_kind.items():
            if len(items) > args.limit:
                rng = random.Random(f"{args.seed}/limit/{kind}")
                keep = set(c["id"] for c in rng.sample(items, args.limit))
                items = [c for c in items if c["id"] in keep]
            chosen.extend(items)
        cases = chosen
    if always:
        chosen = set(c["id"] for c in cases)
        cases = cases + [c for c in always if c["id"] not in chosen]
    if args.shard:
        index, count = map(int, args.shard.split("/"))
        cases = cases[index::count]
    return cases


def safe_name(case_id):
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", case_id.replace("/", "__"))[:180]


# ------------------------------------------------------------------------------------------------
# Execution


def limits(memory_gib):
    def apply():
        os.setsid()
        cap = int(memory_gib * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def tail(path, limit=3000):
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace")


def run_forked(case, folder, timeout, memory_gib):
    """Mode "py": a forked child of this (warmed-up) process executes the case."""
    import child
    read_end, write_end = os.pipe()
    log = folder / "stderr.txt"
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_end)
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            child.limit_memory(memory_gib)
            result = child.execute(case, folder)
            try:
                data = pickle.dumps(result)
            except Exception as error:  # noqa: BLE001
                data = pickle.dumps({"outcome": "exception", "exc": type(error).__name__, "message": str(error),
                                     "exc_mro": [type(error).__name__]})
            view = memoryview(data)
            while view:
                written = os.write(write_end, view)
                view = view[written:]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, deadline, timed_out = [], time.monotonic() + timeout, False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_end], [], [], min(remaining, 1.0))
        if ready:
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read_end)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, wait_status = os.waitpid(pid, 0)
    raw = {"timeout": timed_out, "stderr": tail(log)}
    if os.WIFSIGNALED(wait_status):
        raw["signal"] = os.WTERMSIG(wait_status)
    else:
        raw["rc"] = os.WEXITSTATUS(wait_status)
    if chunks and not timed_out:
        try:
            raw["result"] = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a truncated answer: the child died while writing
            pass
    return raw


def substitute(value, folder):
    from cases.common import PLEXUS, PYTHON, ROOT
    return (value.replace("{plexus}", str(PLEXUS)).replace("{python}", PYTHON).replace("{dir}", str(folder))
            .replace("{root}", str(ROOT)))


def run_process(argv, case, folder, timeout, memory_gib):
    """Modes "argv" and "pyexec": a fresh process."""
    env = dict(os.environ)
    for key, value in (case.get("env") or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = substitute(value, folder)
    env["PLEXUS_HARDENING_MEMORY_GIB"] = str(memory_gib)
    raw = {"timeout": False}
    with open(folder / "stdout.txt", "wb") as out, open(folder / "stderr.txt", "wb") as err:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=folder,
                                   preexec_fn=limits(memory_gib))
        try:
            rc = process.wait(timeout)
        except subprocess.TimeoutExpired:
            raw["timeout"] = True
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            rc = process.wait()
    if rc < 0:
        raw["signal"] = -rc
    else:
        raw["rc"] = rc
    raw["stderr"] = tail(folder / "stderr.txt")
    raw["stdout"] = tail(folder / "stdout.txt", 1500)
    return raw


def run_case(case, folder, timeout, memory_gib):
    mode = case["mode"]
    if mode == "py":
        return run_forked(case, folder, timeout, memory_gib)
    if mode == "pyexec":
        raw = run_process([sys.executable, str(HERE / "child.py"), str(folder)], case, folder, timeout, memory_gib)
        try:
            with open(folder / "result.pkl", "rb") as handle:
                raw["result"] = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            pass
        return raw
    argv = [substitute(a, folder) for a in case["argv"]]
    raw = run_process(argv, case, folder, timeout, memory_gib)
    if case.get("post") and raw.get("rc") == 0 and not raw.get("timeout"):
        import child
        raw["wrong"] = child.function(case["post"])(case["args"], str(folder), raw)
    return raw


def prepare(case, folder, memory_gib=4.0, timeout=120):
    """Writes the case's files, in a forked child under the memory cap (a generator that goes
    wrong, in protobuf's C++ code say, must not take the runner down)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.json").write_text(json.dumps(case, indent=1))
    if not case.get("setup"):
        return
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            import child
            child.limit_memory(memory_gib)
            child.function(case["setup"])(case["args"], str(folder))
            code = 0
        except BaseException as error:  # noqa: B902
            try:
                (folder / "setup-error.txt").write_text(f"{type(error).__name__}: {error}"[:500])
            except BaseException:  # noqa: B902
                pass
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise RuntimeError("setup timed out")
        time.sleep(0.005)
    if not os.WIFEXITED(wait_status) or os.WEXITSTATUS(wait_status) != 0:
        raise RuntimeError(tail(folder / "setup-error.txt") or f"setup died ({wait_status})")


# ------------------------------------------------------------------------------------------------
# The onnxruntime reference


class Reference:
    """onnxruntime in a server process (restarted after a failure)."""

    def __init__(self, memory_gib, timeout):
        self.memory_gib, self.timeout, self.process = memory_gib, timeout, None

    def start(self):
        env = dict(os.environ, PLEXUS_HARDENING_MEMORY_GIB=str(self.memory_gib))
        self.process = subprocess.Popen([sys.executable, str(HERE / "ort_server.py")], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def stop(self):
        if self.process:
            self.process.kill()
            self.process.wait()
            self.process = None

    def query(self, model, feeds):
        """("ok", outputs) / ("error", message) / None when onnxruntime itself failed."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        data = pickle.dumps((model, feeds))
        try:
            self.process.stdin.write(struct.pack("<Q", len(data)) + data)
            self.process.stdin.flush()
            stream = self.process.stdout.fileno()
            header = self._read(stream, 8)
            (length,) = struct.unpack("<Q", header)
            return pickle.loads(self._read(stream, length))
        except (OSError, EOFError, TimeoutError, struct.error, pickle.UnpicklingError):
            self.stop()
            return None

    def _read(self, fd, count):
        data, deadline = b"", time.monotonic() + self.timeout
        while len(data) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, count - len(data))
                if not chunk:
                    raise EOFError
                data += chunk
        return data


def reference_for(case, folder, reference):
    import numpy as np
    model = (folder / case["args"]["model"]).read_bytes()
    feeds = None
    if case["args"].get("feeds"):
        with np.load(folder / case["args"]["feeds"], allow_pickle=False) as saved:
            feeds = {name: saved[name] for name in saved.files}
    return reference.query(model, feeds)


# ------------------------------------------------------------------------------------------------
# Classification


def normalise(text):
    """A message with numbers and quoted names blanked, for grouping."""
    text = re.sub(r"0x[0-9a-fA-F]+", "#", text)
    text = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", text)
    text = re.sub(r"'[^']*'", "'_'", text)
    text = re.sub(r"/tmp/\S+", "PATH", text)
    return text.strip()[:160]


def fatal_line(stderr):
    for line in stderr.splitlines():
        if "Fatal error" in line or "fatal error" in line or "Assertion" in line or "Segmentation" in line:
            return line.strip()
    return ""


def message_of(raw):
    """What a command said: its stderr, else its stdout."""
    return (raw.get("stderr") or "").strip() or (raw.get("stdout") or "").strip()


def compare(ours, theirs, case):
    """None when our outputs agree with onnxruntime's, else (verdict, detail)."""
    import numpy as np
    if ours is None:
        return None
    loose = case["args"].get("nan_inputs", False)
    for index, (a, b) in enumerate(zip(ours, theirs)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return ("WRONG", f"output {index}: shape {list(a.shape)} vs onnxruntime {list(b.shape)}")
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            nan_a, nan_b = np.isnan(a64), np.isnan(b64)
            if (nan_a != nan_b).any():
                where = int(np.argmax(nan_a != nan_b))
                lost = bool(nan_b.reshape(-1)[where])
                kind = "NaN lost" if lost else "NaN introduced"
                return ("WRONG", f"output {index}: {kind} (ours {a64.reshape(-1)[where]!r}, "
                                 f"onnxruntime {b64.reshape(-1)[where]!r}) [{int((nan_a != nan_b).sum())} elements]")
            finite = ~nan_a
            x, y = a64[finite], b64[finite]
            inf_x, inf_y = np.isinf(x), np.isinf(y)
            if (inf_x != inf_y).any() or (x[inf_x] != y[inf_x]).any():
                where = int(np.argmax((inf_x != inf_y) | (inf_x & (x != y))))
                return ("WRONG", f"output {index}: infinity differs (ours {x[where]!r}, onnxruntime {y[where]!r})")
            fx, fy = x[~inf_x], y[~inf_y]
            scale = np.maximum(np.abs(fy), 1.0)
            bad = np.abs(fx - fy) > 1e-3 * scale + 1e-5
            if bad.any():
                where = int(np.argmax(bad))
                return ("WRONG", f"output {index}: value {fx[where]!r} vs onnxruntime {fy[where]!r} "
                                 f"[{int(bad.sum())} of {bad.size}]")
        elif a.dtype.kind in "biu" and b.dtype.kind in "biu":
            if a.dtype != b.dtype:
                return ("WRONG", f"output {index}: dtype {a.dtype} vs onnxruntime {b.dtype}")
            if (a != b).any():
                where = int(np.argmax((a != b).reshape(-1)))
                verdict = "NOTE" if loose else "WRONG"
                return (verdict, f"output {index}: integer {a.reshape(-1)[where]} vs onnxruntime "
                                 f"{b.reshape(-1)[where]}{' (from NaN/Inf input)' if loose else ''}")
        elif a.dtype != b.dtype and not (a.dtype.kind in "OUS" and b.dtype.kind in "OUS"):
            return ("WRONG", f"output {index}: dtype {a.dtype} vs onnxruntime {b.dtype}")
    return None


def classify(case, raw, ref):
    """(verdict, detail, signature) of one run."""
    if raw.get("timeout"):
        return "HANG", "still running at the timeout", "timeout"
    result = raw.get("result")
    sig = raw.get("signal")
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGKILL:
            return "OOM", "killed (SIGKILL)", "SIGKILL"
        fatal = fatal_line(raw.get("stderr", ""))
        return "CRASH", f"{name}: {fatal}" if fatal else name, f"{name} {normalise(fatal)}"
    if case["mode"] == "argv":
        rc, text = raw.get("rc", 0), message_of(raw)
        if raw.get("wrong"):
            return "WRONG", raw["wrong"], normalise(raw["wrong"])
        if rc != 0:
            if not text:
                return "UNCLEAR", f"exit {rc} with no message", "empty message"
            if "internal error" in text.lower() or "please report" in text.lower():
                return "UNCLEAR", f"exit {rc}: {text[-300:]}", normalise(text[-160:])
            if "Traceback (most recent call last)" in text:
                last = text.strip().splitlines()[-1]
                exc = last.split(":")[0]
                if exc in UNCLEAR_EXCEPTIONS:
                    return "UNCLEAR", last[:300], normalise(last)
            said = [line for line in text.splitlines() if "rror" in line] or text.splitlines()
            return "OK", f"exit {rc}: {said[-1][:200]}", ""
        if case["expect"] == "error":
            return "WRONG", f"accepted (exit 0): {text[-200:]}", "accepted"
        return "OK", "exit 0", ""
    if result is None:
        rc = raw.get("rc")
        fatal = fatal_line(raw.get("stderr", ""))
        return "CRASH", f"exited ({rc}) without an answer {fatal}", f"exit {rc} {normalise(fatal)}"
    outcome = result["outcome"]
    if outcome == "error":
        message = (result.get("message") or "").strip()
        if result.get("code") == 12:
            return "UNCLEAR", f"PLX_ERR_INTERNAL: {message[:300]}", "INTERNAL " + normalise(message)
        if not message or message.lower() in ("internal error", "error"):
            return "UNCLEAR", f"status {result.get('code')} with message {message!r}", "empty message"
        return "OK", f"status {result.get('code')}: {message[:200]}", ""
    if outcome == "exception":
        exc, message = result.get("exc"), result.get("message", "")
        mro = result.get("exc_mro", [exc])
        if "PlexusError" in mro:
            if result.get("code") == 12 or exc == "InternalError":
                return "UNCLEAR", f"{exc}: {message[:300]}", "INTERNAL " + normalise(message)
            if not message.strip():
                return "UNCLEAR", f"{exc} with an empty message", "empty message"
            return "OK", f"{exc}: {message[:200]}", ""
        if exc == "MemoryError":
            return "OOM", f"MemoryError outside Plexus: {result.get('where')}", "MemoryError"
        if exc == "IndexError" and not re.search(r"^(list|tuple|string|array) index out of range$|^index \d+ is out of "
                                                 r"bounds for axis", message):
            return "OK", f"{exc}: {message[:200]}", ""  # the idiomatic error of a bad index, worded by Plexus
        if exc == "IndexError" and not re.search(r"^(list|tuple|string|array) index out of range$|^index \d+ is out of "
                                                 r"bounds for axis", message):
            return "OK", f"{exc}: {message[:200]}", ""  # the idiomatic error of a bad index, worded by Plexus
        if exc in UNCLEAR_EXCEPTIONS:
            where = (result.get("where") or [""])[-1]
            return "UNCLEAR", f"bare {exc}: {message[:200]} at {where}", f"{exc} at {where}"
        return "OK", f"{exc}: {message[:200]}", ""
    # accepted
    if result.get("wrong"):
        return "WRONG", result["wrong"], normalise(result["wrong"])
    if case["expect"] == "error":
        opinion = ""
        if ref is not None:
            opinion = " (onnxruntime " + ("accepts it too" if ref[0] == "ok" else f"refuses: {ref[1][:150]}") + ")"
        return "WRONG", "accepted an input that must be refused" + opinion, "accepted"
    if ref is not None and case.get("ref") == "ort":
        status, value = ref
        if status == "error":
            if case["args"].get("ort_refusal_matters"):
                return "WRONG", f"accepted where onnxruntime refuses: {value[:200]}", "accepted where ORT refuses"
            return "NOTE", f"accepted where onnxruntime refuses: {value[:200]}", "accepted where ORT refuses"
        if value is not None and result.get("outputs") is not None:
            verdict = compare(result["outputs"], value, case)
            if verdict:
                return verdict[0], verdict[1], normalise(verdict[1].split("(")[0])
    return "OK", "accepted", ""


# ------------------------------------------------------------------------------------------------
# Crash triage: the first frame in the project's sources, from gdb


def triage(folder, case):
    if case["mode"] == "argv":
        argv = [substitute(a, folder) for a in case["argv"]]
    else:
        argv = [sys.executable, str(HERE / "child.py"), str(folder)]
    env = dict(os.environ)
    for key, value in (case.get("env") or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = substitute(value, folder)
    command = ["gdb", "-q", "-batch", "-ex", "set pagination off", "-ex", "run", "-ex", "bt 60", "--args", *argv]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=folder,
                             stdin=subprocess.DEVNULL).stdout
    except (subprocess.TimeoutExpired, OSError):
        return ""
    from cases.common import ROOT
    for line in out.splitlines():
        match = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\S+).* at (\S+):(\d+)", line)
        if match and ("/Sources/" in match.group(2) or "/Plugins/" in match.group(2)
                      or match.group(2).startswith(("Sources/", "Plugins/"))):
            symbol = demangle(match.group(1))
            path = match.group(2).replace(str(ROOT) + "/", "")
            return f"{path}:{match.group(3)} {symbol}"
    return ""


def demangle(symbol):
    try:
        return subprocess.run(["/opt/swift/usr/bin/swift-demangle", "--simplified", "--compact", symbol],
                              capture_output=True, text=True, timeout=10).stdout.strip()[:160]
    except (OSError, subprocess.TimeoutExpired):
        return symbol


# ------------------------------------------------------------------------------------------------
# Saving reproducers


def save_reproducer(folder, target):
    """Copies a case folder (symlinks, FIFOs and all) to `target`."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for entry in os.scandir(folder):
        destination = target / entry.name
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            os.symlink(os.readlink(entry.path), destination)
        elif stat.S_ISFIFO(mode):
            os.mkfifo(destination)
        elif stat.S_ISDIR(mode):
            save_reproducer(pathlib.Path(entry.path), destination)
        elif stat.S_ISREG(mode):
            shutil.copy2(entry.path, destination)


def repro_command(saved):
    from cases.common import ROOT
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    return f"{python} Tests/hardening/run.py --replay {saved}"


# ------------------------------------------------------------------------------------------------


def warm_up():
    """Loads libplexus, its plugins and the Python package in this process, so that forked
    children start ready; refuses to continue when that already leaves threads behind."""
    from cases import common
    lib = common.c().lib
    count = lib.plx_plugin_count()
    common.python_package()
    threads = len(os.listdir("/proc/self/task"))
    return count, threads


def run_all(cases, args):
    work = pathlib.Path(tempfile.mkdtemp(prefix="plexus-hardening-"))
    out = pathlib.Path(args.out)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    reference = Reference(args.memory, args.timeout)
    if any(c["mode"] == "py" for c in cases):
        plugins, threads = warm_up()
        if plugins == 0:
            print("warning: no plugins loaded: is .build/release complete?", file=sys.stderr)
        if threads > 1:
            print(f"warning: {threads} threads before forking", file=sys.stderr)
    library = common_library_stamp()
    records = []
    started = time.monotonic()
    try:
        for number, case in enumerate(cases):
            folder = work / safe_name(case["id"])
            t0 = time.monotonic()
            try:
                prepare(case, folder, args.memory)
            except Exception as error:  # noqa: BLE001 - a generator bug, not a Plexus finding
                records.append({"id": case["id"], "kind": case["kind"], "group": case["group"], "verdict": "SKIP",
                                "detail": f"setup failed: {type(error).__name__}: {error}"[:300], "signature": ""})
                shutil.rmtree(folder, ignore_errors=True)
                continue
            ref = reference_for(case, folder, reference) if case.get("ref") == "ort" else None
            raw = run_case(case, folder, args.timeout, args.memory)
            verdict, detail, signature = classify(case, raw, ref)
            record = {"id": case["id"], "kind": case["kind"], "group": case["group"], "verdict": verdict,
                      "detail": detail, "signature": signature, "seconds": round(time.monotonic() - t0, 2)}
            if verdict in FAILING:
                saved = out / "cases" / safe_name(case["id"])
                save_reproducer(folder, saved)
                record["repro"] = repro_command(saved)
                record["stderr"] = raw.get("stderr", "")[-1500:]
            records.append(record)
            shutil.rmtree(folder, ignore_errors=True)
            if args.progress and (number + 1) % args.progress == 0:
                counts = collections.Counter(r["verdict"] for r in records)
                print(f"[{number + 1}/{len(cases)} {time.monotonic() - started:.0f}s] {dict(counts)}", file=sys.stderr,
                      flush=True)
    finally:
        reference.stop()
        shutil.rmtree(work, ignore_errors=True)
    if common_library_stamp() != library:
        print("warning: libplexus.so changed during the run; rerun the failures with --replay", file=sys.stderr)
    return records


def common_library_stamp():
    from cases.common import LIBRARY
    try:
        return LIBRARY.stat().st_mtime
    except OSError:
        return None


def add_triage(records, args):
    """gdb's first project frame for crashes, once per distinct fatal message (up to --triage)."""
    seen, done = {}, 0
    for record in records:
        if record["verdict"] != "CRASH" or "repro" not in record:
            continue
        key = (record["kind"], record["group"], record["signature"])
        if key in seen:
            record["frame"] = seen[key]
            continue
        if done >= args.triage:
            continue
        saved = pathlib.Path(record["repro"].split("--replay ")[1])
        case = json.loads((saved / "case.json").read_text())
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="plexus-triage-"))
        try:
            save_reproducer(saved, scratch / "c")
            record["frame"] = seen[key] = triage(scratch / "c", case)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        done += 1


def summarise(records, out):
    kinds = sorted(set(r["kind"] for r in records), key=lambda k: KINDS.index(k) if k in KINDS else 99)
    columns = VERDICTS + ["SKIP"]
    lines = [f"{'kind':<10}{'cases':>7}" + "".join(f"{v:>8}" for v in columns)]
    totals = collections.Counter()
    for kind in kinds:
        counts = collections.Counter(r["verdict"] for r in records if r["kind"] == kind)
        totals.update(counts)
        lines.append(f"{kind:<10}{sum(counts.values()):>7}" + "".join(f"{counts.get(v, 0):>8}" for v in columns))
    lines.append(f"{'total':<10}{sum(totals.values()):>7}" + "".join(f"{totals.get(v, 0):>8}" for v in columns))
    print("\n".join(lines))
    groups = collections.OrderedDict()
    for r in records:
        if r["verdict"] in FAILING:
            key = (r["verdict"], r["kind"], r["group"], r.get("frame") or r["signature"])
            groups.setdefault(key, []).append(r)
    print(f"\n{len(groups)} distinct failures ({sum(len(v) for v in groups.values())} cases):")
    order = {v: i for i, v in enumerate(["CRASH", "HANG", "OOM", "UNCLEAR", "WRONG"])}
    for key in sorted(groups, key=lambda k: (order[k[0]], k[1], k[2])):
        items = groups[key]
        first = items[0]
        print(f"\n{key[0]:<8}{first['kind']}/{first['group']}  x{len(items)}")
        if first.get("frame"):
            print(f"    at   {first['frame']}")
        print(f"    why  {first['detail'][:400]}")
        print(f"    e.g. {first['id']}" + (f" (+{len(items) - 1}: " + ", ".join(i['id'].split('/', 2)[2] for i in items[1:6])
                                             + (" ..." if len(items) > 6 else "") + ")" if len(items) > 1 else ""))
        print(f"    repro {first['repro']}")
    notes = collections.Counter((r["kind"], r["group"], r["signature"]) for r in records if r["verdict"] == "NOTE")
    if notes:
        print(f"\n{sum(notes.values())} notes (accepted where onnxruntime refuses, or implementation-defined):")
        for (kind, group, signature), n in notes.most_common(40):
            print(f"    {n:>4}  {kind}/{group}: {signature}")
    (out / "results.json").write_text(json.dumps(records, indent=1))
    print(f"\nresults: {out / 'results.json'}; reproducers: {out / 'cases'}")


def replay(folder, args):
    folder = pathlib.Path(folder).resolve()
    case = json.loads((folder / "case.json").read_text())
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="plexus-replay-"))
    try:
        work = scratch / "c"
        save_reproducer(folder, work)
        if case["mode"] == "py":
            case = dict(case, mode="pyexec")
        reference = Reference(args.memory, args.timeout)
        ref = reference_for(case, work, reference) if case.get("ref") == "ort" else None
        reference.stop()
        raw = run_case(case, work, args.timeout, args.memory)
        verdict, detail, _ = classify(case, raw, ref)
        print(f"{case['id']}: {verdict}: {detail}")
        if case["mode"] == "argv":
            print("command:", " ".join(substitute(a, work) for a in case["argv"]))
        if raw.get("stderr"):
            print("--- stderr (tail) ---\n" + raw["stderr"][-2000:])
        if ref is not None:
            print("--- onnxruntime:", ref[0], "" if ref[0] == "ok" else ref[1])
        return 0 if verdict in ("OK", "NOTE") else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--limit", type=int, default=0, help="at most N cases per kind (a seeded sample)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--match", help="only case ids matching this regex")
    parser.add_argument("--exclude", help="no case ids matching this regex")
    parser.add_argument("--also", help="case ids matching this regex run whatever --limit/--match/--exclude say")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per case")
    parser.add_argument("--memory", type=float, default=4.0, help="address-space cap per case, GiB")
    parser.add_argument("--out", default=str(pathlib.Path(tempfile.gettempdir()) / "plexus-hardening"))
    parser.add_argument("--triage", type=int, default=40, help="crashes to locate with gdb (distinct messages)")
    parser.add_argument("--progress", type=int, default=200)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--replay", help="a saved reproducer folder")
    parser.add_argument("--shard", help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":  # numpy's BLAS threads would be forked
        os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        os.execv(sys.executable, [sys.executable, *sys.argv])
    if args.replay:
        return replay(args.replay, args)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)} (known: {','.join(KINDS)})")
    cases = select_cases(generate(kinds, args.seed), args)
    if args.list:
        for c in cases:
            print(c["id"])
        return 0
    if args.jobs > 1 and not args.shard:
        records = run_sharded(args)
    else:
        records = run_all(cases, args)
        if args.records:
            pathlib.Path(args.records).write_text(json.dumps(records))
            return 0
    out = pathlib.Path(args.out)
    add_triage(records, args)
    summarise(records, out)
    return 1 if any(r["verdict"] in FAILING for r in records) else 0


def run_sharded(args):
    processes, files = [], []
    for index in range(args.jobs):
        records = pathlib.Path(tempfile.mkstemp(prefix="plexus-hardening-shard-", suffix=".json")[1])
        files.append(records)
        argv = [a for a in sys.argv[1:]]
        argv += ["--shard", f"{index}/{args.jobs}", "--records", str(records), "--jobs", "1"]
        processes.append(subprocess.Popen([sys.executable, __file__, *argv]))
    for process in processes:
        process.wait()
    records = []
    for path in files:
        try:
            records.extend(json.loads(path.read_text()))
        except (OSError, ValueError):
            print(f"warning: shard {path} left no records", file=sys.stderr)
        path.unlink(missing_ok=True)
    return records


if __name__ == "__main__":
    sys.exit(main())
