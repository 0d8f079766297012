"""The onnxruntime reference: a server process (ort_server.py) that answers (model, feeds) with
outputs or a refusal, restarted when it fails, so that onnxruntime's threads and failures stay
out of the runner, which forks a child per case."""
import os
import pathlib
import pickle
import select
import struct
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


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
