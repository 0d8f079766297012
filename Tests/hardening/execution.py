"""Running one case: its files written by a forked child, the case itself in a forked child of
the warmed-up runner (mode "py") or in a fresh process (modes "pyexec" and "argv"), each under
the memory cap and the timeout; reproducers copied with their symlinks and FIFOs."""
import json
import os
import pathlib
import pickle
import re
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def safe_name(case_id):
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", case_id.replace("/", "__"))[:180]


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


def case_environment(case, folder):
    """This process's environment with the case's own variables set (None: removed)."""
    env = dict(os.environ)
    for key, value in (case.get("env") or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = substitute(value, folder)
    return env


def run_process(argv, case, folder, timeout, memory_gib):
    """Modes "argv" and "pyexec": a fresh process."""
    env = case_environment(case, folder)
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
            copy_sparse(entry.path, destination)


def copy_sparse(source, destination):
    """Copies a regular file keeping its holes: the suite's sparse files claim up to 16 GiB and
    must not become dense copies on disk."""
    with open(source, "rb") as reader, open(destination, "wb") as writer:
        size = os.fstat(reader.fileno()).st_size
        writer.truncate(size)
        offset = 0
        while offset < size:
            try:
                start = os.lseek(reader.fileno(), offset, os.SEEK_DATA)
            except OSError:  # no data after offset (ENXIO), or no SEEK_DATA: the rest is a hole
                break
            end = os.lseek(reader.fileno(), start, os.SEEK_HOLE)
            reader.seek(start)
            writer.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = reader.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                writer.write(chunk)
                remaining -= len(chunk)
            offset = end
    shutil.copymode(source, destination)
