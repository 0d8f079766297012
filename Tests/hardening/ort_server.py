"""The onnxruntime reference for the suite, in a process of its own so that onnxruntime's threads
and any failure of it stay out of the runner (which forks a child per case).

Protocol on stdin/stdout: 8-byte little-endian length + pickle of (model bytes, {name: array}),
answered the same way with ("ok", [arrays]) or ("error", message)."""
import os
import pickle
import resource
import struct
import sys


def read(stream, count):
    data = b""
    while len(data) < count:
        chunk = stream.read(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main():
    cap = int(float(os.environ.get("PLEXUS_HARDENING_MEMORY_GIB", "4")) * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import numpy as np  # noqa: F401 - unpickling arrays
    import onnxruntime as ort
    ort.set_default_logger_severity(4)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            (length,) = struct.unpack("<Q", read(stdin, 8))
        except EOFError:
            return
        model, feeds = pickle.loads(read(stdin, length))
        try:
            session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
            if feeds is None:
                answer = ("ok", None)
            else:
                answer = ("ok", session.run(None, feeds))
            del session
        except Exception as error:  # noqa: BLE001 - any refusal is the answer
            answer = ("error", f"{type(error).__name__}: {error}"[:1000])
        try:
            data = pickle.dumps(answer)
        except MemoryError:
            data = pickle.dumps(("error", "MemoryError: result too large"))
        stdout.write(struct.pack("<Q", len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    main()
