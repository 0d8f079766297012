"""Running ONNX models through the C ABI (plx_session_create / _from_memory / _run) for the model,
folding, external-data and op kinds."""
import ctypes
import os

import numpy as np

from . import common

#: plx_dtype code → numpy dtype of the feeds made up for a model's declared inputs.
FEED_TYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
              9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}


def options(args):
    pc = common.c()
    fields = {}
    if args.get("no_folding"):
        fields["disable_constant_folding"] = 1
    if args.get("disabled_optimizations"):
        fields["disabled_optimizations"] = args["disabled_optimizations"]
    fields.setdefault("intra_op_num_threads", 1)
    return pc.SessionOptions(**fields)


def open_session(args, folder):
    """A plx_session handle for args["model"] (a file in `folder`), from its path or its bytes."""
    pc = common.c()
    handle = ctypes.c_void_p()
    opts = options(args)
    path = os.path.join(folder, args["model"])
    if args.get("from_memory"):
        with open(path, "rb") as f:
            data = f.read()
        pc.check(pc.lib.plx_session_create_from_memory(data, len(data), ctypes.byref(opts), ctypes.byref(handle)))
    else:
        pc.check(pc.lib.plx_session_create(path.encode(), ctypes.byref(opts), ctypes.byref(handle)))
    return handle


def made_up_feeds(handle):
    """Small feeds for a model's declared inputs (unknown dims are 2, unknown types float32)."""
    feeds = {}
    for name, dtype, shape in common.session_inputs(handle):
        shape = [2 if d is None else d for d in (shape if shape is not None else [2])]
        if any(d > 4096 for d in shape) or int(np.prod(shape, dtype=np.float64)) > 1 << 22:
            raise ValueError(f"declared input {name!r} shape {shape} is too large to feed")
        kind = FEED_TYPES.get(dtype, np.float32)
        feeds[name] = (np.arange(int(np.prod(shape)), dtype=np.float64) % 5 - 2).astype(kind).reshape(shape)
    return feeds


def run_session(handle, feeds):
    """plx_session_run on numpy feeds; returns all outputs as numpy arrays."""
    pc = common.c()
    lib = pc.lib
    names = list(feeds)
    tensors = [pc.Tensor.of(feeds[n]) for n in names]
    count = lib.plx_session_output_count(handle)
    results = (ctypes.c_void_p * max(count, 1))()
    pc.check(lib.plx_session_run(handle, (ctypes.c_char_p * max(len(names), 1))(*[n.encode() for n in names]),
                                 (ctypes.c_void_p * max(len(tensors), 1))(*[t.handle for t in tensors]), len(names),
                                 None, results, count))
    return [pc.Tensor(results[i]).numpy() for i in range(count)]


def session(args, folder):
    """Creates a session for args["model"]; unless args["load_only"], runs it on args["feeds"]
    (an .npz in the folder) or on made-up feeds, and returns the outputs."""
    pc = common.c()
    handle = open_session(args, folder)
    try:
        if args.get("load_only"):
            return common.ok()
        if args.get("feeds"):
            with np.load(os.path.join(folder, args["feeds"]), allow_pickle=False) as saved:
                feeds = {name: saved[name] for name in saved.files}
        else:
            feeds = made_up_feeds(handle)
        outputs = run_session(handle, feeds)
        if args.get("runs", 1) > 1:
            for _ in range(args["runs"] - 1):
                run_session(handle, feeds)
        return common.ok(outputs)
    finally:
        pc.lib.plx_session_release(handle)


def write_model(model, folder, name="model.onnx"):
    """Serialises an onnx ModelProto (or raw bytes) into the case folder."""
    data = model if isinstance(model, (bytes, bytearray)) else model.SerializeToString()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def write_feeds(feeds, folder, name="feeds.npz"):
    np.savez(os.path.join(folder, name), **feeds)
