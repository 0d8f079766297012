"""Malformed data files: safetensors (header lengths, JSON that is not an object or nests 100,000
deep, dtypes, shapes and offsets that are negative/float/huge/overlapping, duplicate keys) loaded
with plx_state_load and with the Python package's plexus.load; .npy inputs (magic, versions,
header lengths, shapes of 2^63-1, descr, fortran order, short data, a header that tries code)
through `plexus run --input`; .npz archives (zero samples, 0-d arrays, labels out of range, zip64
records and counts that lie, truncation) through `plexus train --data`; and special files
(/dev/zero, FIFOs, folders) in place of each."""
import io
import json
import os
import struct
import zipfile

import numpy as np
from onnx import TensorProto, helper

from . import common

WEIGHT = np.arange(12, dtype=np.float32).reshape(3, 4)
BIAS = np.array([1, 2, 3], dtype=np.float32)
DATA = WEIGHT.tobytes() + BIAS.tobytes()


def _entry(dtype="F32", shape=(3, 4), offsets=(0, 48)):
    return {"dtype": dtype, "shape": list(shape) if isinstance(shape, (list, tuple)) else shape,
            "data_offsets": list(offsets) if isinstance(offsets, (list, tuple)) else offsets}


def _header(weight=None, bias=None, extra=None):
    header = {"weight": weight if weight is not None else _entry(), "bias": bias if bias is not None else _entry("F32", [3], [48, 60])}
    header.update(extra or {})
    return header


def _pack(text, data=DATA, length=None):
    if isinstance(text, str):
        text = text.encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


SAFETENSORS = {
    "control": lambda: _pack(json.dumps(_header())),
    "length-0": lambda: _pack(json.dumps(_header()), length=0),
    "length-7": lambda: _pack(json.dumps(_header()), length=7),
    "length-2^63": lambda: _pack(json.dumps(_header()), length=2 ** 63),
    "length-max": lambda: _pack(json.dumps(_header()), length=2 ** 64 - 1),
    "length-past-end": lambda: _pack(json.dumps(_header()), length=len(json.dumps(_header())) + 61),
    "length-2^40": lambda: _pack(json.dumps(_header()), length=2 ** 40),
    "too-short": lambda: b"\x05\x00\x00",
    "empty": lambda: b"",
    "json-open-brace": lambda: _pack("{"),
    "json-array": lambda: _pack("[]"),
    "json-string": lambda: _pack('"x"'),
    "json-null": lambda: _pack("null"),
    "json-number": lambda: _pack("123"),
    "json-empty-object": lambda: _pack("{}"),
    "json-invalid-utf8": lambda: _pack(b'{"w\xff\xfe": 1}'),
    "json-nul-padding": lambda: _pack(json.dumps(_header()).encode() + b"\0" * 8),
    "json-space-padding": lambda: _pack(json.dumps(_header()) + " " * 8),
    "json-bom": lambda: _pack(b"\xef\xbb\xbf" + json.dumps(_header()).encode()),
    "deep-array-100000": lambda: _pack("[" * 100000 + "]" * 100000),
    "deep-object-50000": lambda: _pack('{"a":' * 50000 + "1" + "}" * 50000),
    "deep-in-shape": lambda: _pack(json.dumps(_header(_entry(shape=[]))).replace("[]", "[" * 20000 + "]" * 20000, 1)),
    "deep-in-metadata": lambda: _pack(json.dumps(_header(extra={"__metadata__": {}})).replace(
        '"__metadata__": {}', '"__metadata__": ' + '{"a":' * 20000 + '"x"' + "}" * 20000)),
    "huge-number-offset": lambda: _pack(json.dumps(_header()).replace("[0, 48]", "[0, " + "9" * 5000 + "]")),
    "dtype-unknown": lambda: _pack(json.dumps(_header(_entry("F99")))),
    "dtype-empty": lambda: _pack(json.dumps(_header(_entry("")))),
    "dtype-number": lambda: _pack(json.dumps(_header(_entry(5)))),
    "dtype-null": lambda: _pack(json.dumps(_header(_entry(None)))),
    "dtype-lowercase": lambda: _pack(json.dumps(_header(_entry("f32")))),
    "dtype-f64-size-mismatch": lambda: _pack(json.dumps(_header(_entry("F64")))),
    "dtype-bool": lambda: _pack(json.dumps(_header(_entry("BOOL", [48], [0, 48])))),
    "shape-negative": lambda: _pack(json.dumps(_header(_entry(shape=[-1, 4])))),
    "shape-negative-pair": lambda: _pack(json.dumps(_header(_entry(shape=[-3, -4])))),
    "shape-float": lambda: _pack(json.dumps(_header(_entry(shape=[3.5, 4])))),
    "shape-1e30": lambda: _pack(json.dumps(_header(_entry(shape=[1e30])))),
    "shape-1e300": lambda: _pack(json.dumps(_header(_entry(shape=[1e300, 1])))),
    "shape-2^62": lambda: _pack(json.dumps(_header(_entry(shape=[2 ** 62, 4])))),
    "shape-2^31-squared": lambda: _pack(json.dumps(_header(_entry(shape=[2 ** 31, 2 ** 31])))),
    "shape-2^64": lambda: _pack(json.dumps(_header(_entry(shape=[2 ** 64])))),
    "shape-string": lambda: _pack(json.dumps(_header(_entry(shape="3x4")))),
    "shape-null": lambda: _pack(json.dumps(_header(_entry(shape=None)))),
    "shape-bool": lambda: _pack(json.dumps(_header(_entry(shape=[True, 4])))),
    "shape-rank-100": lambda: _pack(json.dumps(_header(_entry(shape=[3, 4] + [1] * 98)))),
    "shape-wrong": lambda: _pack(json.dumps(_header(_entry(shape=[4, 3])))),
    "shape-zero-size": lambda: _pack(json.dumps(_header(_entry(shape=[0, 4], offsets=[0, 0])))),
    "offsets-negative": lambda: _pack(json.dumps(_header(_entry(offsets=[-48, 0])))),
    "offsets-reversed": lambda: _pack(json.dumps(_header(_entry(offsets=[48, 0])))),
    "offsets-2^64": lambda: _pack(json.dumps(_header(_entry(offsets=[0, 2 ** 64])))),
    "offsets-1e300": lambda: _pack(json.dumps(_header(_entry(offsets=[0, 1e300])))),
    "offsets-float": lambda: _pack(json.dumps(_header(_entry(offsets=[0.5, 48.5])))),
    "offsets-size-mismatch": lambda: _pack(json.dumps(_header(_entry(offsets=[0, 49])))),
    "offsets-one": lambda: _pack(json.dumps(_header(_entry(offsets=[0])))),
    "offsets-three": lambda: _pack(json.dumps(_header(_entry(offsets=[0, 48, 96])))),
    "offsets-string": lambda: _pack(json.dumps(_header(_entry(offsets="0,48")))),
    "offsets-null": lambda: _pack(json.dumps(_header(_entry(offsets=None)))),
    "offsets-2^63": lambda: _pack(json.dumps(_header(_entry(offsets=[2 ** 63, 2 ** 63 + 48])))),
    "offsets-2^62": lambda: _pack(json.dumps(_header(_entry(offsets=[2 ** 62, 2 ** 62 + 48])))),
    "offsets-past-end": lambda: _pack(json.dumps(_header(bias=_entry("F32", [3], [60, 72])))),
    "offsets-overlap": lambda: _pack(json.dumps(_header(bias=_entry("F32", [3], [36, 48])))),
    "offsets-same-region": lambda: _pack(json.dumps(_header(bias=_entry("F32", [3], [0, 12])))),
    "offsets-gap": lambda: _pack(json.dumps(_header(bias=_entry("F32", [3], [52, 64]))), data=DATA + b"\0" * 4),
    "trailing-bytes": lambda: _pack(json.dumps(_header()), data=DATA + b"x" * 100),
    "duplicate-key": lambda: _pack(json.dumps(_header())[:-1] + ', "weight": ' + json.dumps(_entry(offsets=[0, 48])) + "}"),
    "duplicate-key-different": lambda: _pack('{"weight": ' + json.dumps(_entry()) + ', "bias": ' +
                                           json.dumps(_entry("F32", [3], [48, 60])) + ', "bias": ' +
                                           json.dumps(_entry("F32", [3], [0, 12])) + "}"),
    "entry-number": lambda: _pack(json.dumps(_header(extra={"weight": 5}))),
    "entry-list": lambda: _pack(json.dumps(_header(extra={"weight": [1, 2]}))),
    "entry-missing-offsets": lambda: _pack(json.dumps(_header({"dtype": "F32", "shape": [3, 4]}))),
    "entry-missing-dtype": lambda: _pack(json.dumps(_header({"shape": [3, 4], "data_offsets": [0, 48]}))),
    "entry-extra-field": lambda: _pack(json.dumps(_header(dict(_entry(), foo=1)))),
    "metadata-list": lambda: _pack(json.dumps(_header(extra={"__metadata__": [1, 2]}))),
    "metadata-number": lambda: _pack(json.dumps(_header(extra={"__metadata__": 7}))),
    "metadata-nonstring": lambda: _pack(json.dumps(_header(extra={"__metadata__": {"a": {"b": 1}}}))),
    "metadata-null": lambda: _pack(json.dumps(_header(extra={"__metadata__": None}))),
    "many-entries": lambda: _pack(json.dumps(_header(extra={f"t{i}": _entry("F32", [1], [0, 4]) for i in range(200000)}))),
    "extra-name": lambda: _pack(json.dumps(_header(extra={"other": _entry("F32", [3], [48, 60])}))),
    "missing-bias": lambda: _pack(json.dumps({"weight": _entry()})),
    "key-with-nul": lambda: _pack(json.dumps(_header(extra={"weight\u0000x": _entry()}))),
    "truncated-data": lambda: _pack(json.dumps(_header()), data=DATA[:30]),
}
# Refusal is the only right answer, except for these.
SAFETENSORS_ANY = {"control", "json-space-padding", "offsets-gap", "trailing-bytes", "entry-extra-field",
                   "metadata-nonstring", "metadata-null", "shape-zero-size", "json-bom", "shape-rank-100"}


def setup_safetensors(args, folder):
    path = os.path.join(folder, "state.safetensors")
    special = args.get("special")
    if special:
        _special(path, special)
        return
    with open(path, "wb") as f:
        f.write(SAFETENSORS[args["variant"]]())


def _special(path, special):
    if special == "dev-zero":
        os.symlink("/dev/zero", path)
    elif special == "fifo":
        os.mkfifo(path)
    elif special == "directory":
        os.mkdir(path)
    elif special == "missing":
        pass
    elif special == "dev-urandom":
        os.symlink("/dev/urandom", path)
    elif special == "proc-self-mem":
        os.symlink("/proc/self/mem", path)
    else:
        raise ValueError(special)


def python_load(args, folder):
    """plexus.load (the Python package), then a Linear(4, 3)'s load_state_dict."""
    plexus = common.python_package()
    state = plexus.load(os.path.join(folder, args["file"]))
    layer = plexus.nn.Linear(4, 3)
    layer.load_state_dict(state)
    return common.ok([np.asarray(v.numpy()) for v in state.values()])


# ------------------------------------------------------------------------------------------------
# .npy inputs of `plexus run`


def _npy(header, data=b"", magic=b"\x93NUMPY", version=(1, 0), length=None):
    if isinstance(header, dict):
        header = repr(header)
    text = header.encode() if isinstance(header, str) else header
    if version[0] == 1:
        size = struct.pack("<H", len(text) if length is None else length)
    else:
        size = struct.pack("<I", len(text) if length is None else length)
    return magic + bytes(version) + size + text + data


X = np.arange(6, dtype=np.float32).reshape(2, 3)
H = {"descr": "<f4", "fortran_order": False, "shape": (2, 3)}
NPY = {
    "control": lambda f: _npy(H, X.tobytes()),
    "bad-magic": lambda f: _npy(H, X.tobytes(), magic=b"\x93NUMPZ"),
    "version-3": lambda f: _npy(H, X.tobytes(), version=(3, 0)),
    "version-0": lambda f: _npy(H, X.tobytes(), version=(0, 0)),
    "version-255": lambda f: _npy(H, X.tobytes(), version=(255, 255)),
    "header-len-65535": lambda f: _npy(H, X.tobytes(), length=65535),
    "header-len-v2-max": lambda f: _npy(H, X.tobytes(), version=(2, 0), length=2 ** 32 - 1),
    "header-len-short": lambda f: _npy(H, X.tobytes(), length=5),
    "header-not-dict": lambda f: _npy("[1, 2]", X.tobytes()),
    "header-code": lambda f: _npy("{'descr': __import__('os').system('touch " + f + "/PWNED') or '<f4', "
                                  "'fortran_order': False, 'shape': (2, 3)}", X.tobytes()),
    "header-garbage": lambda f: _npy("\xff\xfe{{{", X.tobytes()),
    "header-missing-shape": lambda f: _npy({"descr": "<f4", "fortran_order": False}, X.tobytes()),
    "header-missing-descr": lambda f: _npy({"fortran_order": False, "shape": (2, 3)}, X.tobytes()),
    "shape-int64-max": lambda f: _npy(dict(H, shape=(2 ** 63 - 1,)), X.tobytes()),
    "shape-2^64": lambda f: _npy(dict(H, shape=(2 ** 64,)), X.tobytes()),
    "shape-negative": lambda f: _npy(dict(H, shape=(-1,)), X.tobytes()),
    "shape-negative-pair": lambda f: _npy(dict(H, shape=(-2, -3)), X.tobytes()),
    "shape-2^31-squared": lambda f: _npy(dict(H, shape=(2 ** 31, 2 ** 31)), X.tobytes()),
    "shape-2^62": lambda f: _npy(dict(H, shape=(2 ** 62,)), X.tobytes()),
    "shape-float": lambda f: _npy(dict(H, shape=(1e3,)), X.tobytes()),
    "shape-string": lambda f: _npy(dict(H, shape="abc"), X.tobytes()),
    "shape-deep": lambda f: _npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 5000 + ")" * 5000 + "}",
                                 X.tobytes()),
    "shape-rank-100": lambda f: _npy(dict(H, shape=(1,) * 100), X.tobytes()[:4]),
    "scalar": lambda f: _npy(dict(H, shape=()), X.tobytes()[:4]),
    "zero-size": lambda f: _npy(dict(H, shape=(0, 3)), b""),
    "descr-complex": lambda f: _npy(dict(H, descr="<c8"), X.tobytes() * 2),
    "descr-object": lambda f: _npy(dict(H, descr="|O"), X.tobytes()),
    "descr-unicode": lambda f: _npy(dict(H, descr="<U5"), b"\0" * 120),
    "descr-big-endian": lambda f: _npy(dict(H, descr=">f4"), X.astype(">f4").tobytes()),
    "descr-struct": lambda f: _npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}", X.tobytes()),
    "descr-f16": lambda f: _npy(dict(H, descr="<f2"), X.astype(np.float16).tobytes()),
    "descr-i8": lambda f: _npy(dict(H, descr="<i8"), X.astype(np.int64).tobytes()),
    "descr-garbage": lambda f: _npy(dict(H, descr="<q99"), X.tobytes()),
    "fortran-order": lambda f: _npy(dict(H, fortran_order=True), np.asfortranarray(X).tobytes(order="F")),
    "data-short": lambda f: _npy(H, X.tobytes()[:10]),
    "data-long": lambda f: _npy(H, X.tobytes() + b"x" * 64),
    "header-only": lambda f: _npy(H),
    "truncated-magic": lambda f: b"\x93NUM",
    "empty": lambda f: b"",
}
NPY_ANY = {"control", "version-3", "data-long", "zero-size", "descr-big-endian", "fortran-order", "scalar", "shape-rank-100",
           "descr-f16", "descr-i8"}


def identity_model(folder):
    graph = helper.make_graph([helper.make_node("Identity", ["X"], ["Y"])], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with open(os.path.join(folder, "identity.onnx"), "wb") as f:
        f.write(model.SerializeToString())


def setup_npy(args, folder):
    identity_model(folder)
    path = os.path.join(folder, "x.npy")
    if args.get("special"):
        _special(path, args["special"])
        return
    with open(path, "wb") as f:
        f.write(NPY[args["variant"]](folder))


def check_npy(args, folder, raw):
    """After `plexus run` exits 0: no code ran, and the output equals the input's values."""
    if os.path.exists(os.path.join(folder, "PWNED")):
        return "the .npy header was evaluated as code"
    variant = args.get("variant")
    try:
        y = np.load(os.path.join(folder, "Y.npy"))
    except Exception as error:  # noqa: BLE001
        return f"exit 0 but Y.npy is unreadable: {error}"
    expected = {"control": X, "data-long": X, "descr-big-endian": X, "fortran-order": X}.get(variant)
    if expected is not None and (y.shape != expected.shape or not np.array_equal(y, expected)):
        return f"{variant}: Y = {y.reshape(-1)[:6]} {y.shape}, expected {expected.reshape(-1)[:6]} {expected.shape}"
    return None


# ------------------------------------------------------------------------------------------------
# .npz archives of `plexus train --data`


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _digits(n=40, m=10, seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 17, (n, 64), dtype=np.uint8), "y_train": rng.integers(0, 10, n).astype(np.int64),
            "x_test": rng.integers(0, 17, (m, 64), dtype=np.uint8), "y_test": rng.integers(0, 10, m).astype(np.int64)}


def _zip(arrays, compress=False, raw_members=None):
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, array in arrays.items():
            z.writestr(name + ".npy", _npy_bytes(array))
        for name, data in (raw_members or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def _patch_sizes(data, size):
    """Claims `size` as every member's compressed and uncompressed size (zip64 when needed)."""
    data = bytearray(data)
    for signature, field in ((b"PK\x01\x02", 20), (b"PK\x03\x04", 18)):  # central and local headers
        at = data.find(signature)
        while at >= 0:
            struct.pack_into("<II", data, at + field, min(size, 0xFFFFFFFF), min(size, 0xFFFFFFFF))
            at = data.find(signature, at + 4)
    if size >= 0xFFFFFFFF:  # a zip64 extra field after the first central entry's name
        at = data.find(b"PK\x01\x02")
        name_len, extra_len = struct.unpack_from("<HH", data, at + 28)
        extra = struct.pack("<HHQQ", 0x0001, 16, size, size)
        insert = at + 46 + name_len
        data[insert:insert] = extra
        struct.pack_into("<H", data, at + 30, extra_len + len(extra))
        end = data.rfind(b"PK\x05\x06")
        cd_size, cd_offset = struct.unpack_from("<II", data, end + 12)
        struct.pack_into("<I", data, end + 12, cd_size + len(extra))
    return bytes(data)


def _patch_end(data, entries=None, cd_size=None, cd_offset=None):
    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    if entries is not None:
        struct.pack_into("<HH", data, end + 8, entries, entries)
    if cd_size is not None:
        struct.pack_into("<I", data, end + 12, cd_size)
    if cd_offset is not None:
        struct.pack_into("<I", data, end + 16, cd_offset)
    return bytes(data)


def _zip64_end(data, entries):
    """Appends a zip64 end-of-central-directory record and locator claiming `entries` entries."""
    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack_from("<II", data, end + 12)
    record_at = end
    record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, entries, entries, cd_size, cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, record_at, 1)
    tail = bytearray(data[end:])
    struct.pack_into("<HHII", tail, 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    return bytes(data[:end]) + record + locator + bytes(tail)


def _with(**changes):
    arrays = _digits()
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


NPZ = {
    "control": lambda: _zip(_digits()),
    "compressed": lambda: _zip(_digits(), compress=True),
    "zero-samples": lambda: _zip(_with(x_train=np.zeros((0, 64), np.uint8), y_train=np.zeros(0, np.int64))),
    "zero-test-samples": lambda: _zip(_with(x_test=np.zeros((0, 64), np.uint8), y_test=np.zeros(0, np.int64))),
    "zero-d-x": lambda: _zip(_with(x_train=np.array(5, np.uint8))),
    "zero-d-y": lambda: _zip(_with(y_train=np.array(5, np.int64))),
    "length-mismatch": lambda: _zip(_with(y_train=np.zeros(30, np.int64))),
    "label-10": lambda: _zip(_with(y_train=np.full(40, 10, np.int64))),
    "label-minus1": lambda: _zip(_with(y_train=np.full(40, -1, np.int64))),
    "label-min": lambda: _zip(_with(y_train=np.full(40, common.INT64_MIN, np.int64))),
    "label-2^40": lambda: _zip(_with(y_test=np.full(10, 2 ** 40, np.int64))),
    "label-float": lambda: _zip(_with(y_train=np.full(40, 1.5, np.float32))),
    "x-nan": lambda: _zip(_with(x_train=np.full((40, 64), np.nan, np.float32))),
    "x-width-63": lambda: _zip(_with(x_train=np.zeros((40, 63), np.uint8))),
    "x-rank-1": lambda: _zip(_with(x_train=np.zeros(40, np.uint8))),
    "x-strings": lambda: _zip(_with(x_train=np.array([["a"] * 64] * 40))),
    "missing-x-test": lambda: _zip(_with(x_test=None)),
    "member-huge-shape": lambda: _zip(_with(x_train=None), raw_members={"x_train.npy": _npy(
        {"descr": "|u1", "fortran_order": False, "shape": (2 ** 40, 64)}, b"\0" * 64)}),
    "member-shape-int64-max": lambda: _zip(_with(x_train=None), raw_members={"x_train.npy": _npy(
        {"descr": "|u1", "fortran_order": False, "shape": (2 ** 63 - 1,)}, b"\0" * 64)}),
    "member-bad-npy": lambda: _zip(_with(x_train=None), raw_members={"x_train.npy": b"not an npy"}),
    "sizes-2^31": lambda: _patch_sizes(_zip(_digits()), 2 ** 31),
    "sizes-zip64-2^62": lambda: _patch_sizes(_zip(_digits()), 2 ** 62),
    "sizes-zip64-2^64-1": lambda: _patch_sizes(_zip(_digits()), 2 ** 64 - 1),
    "end-entries-65535": lambda: _patch_end(_zip(_digits()), entries=0xFFFF),
    "end-cd-offset-huge": lambda: _patch_end(_zip(_digits()), cd_offset=0xFFFFFFF0),
    "end-cd-size-huge": lambda: _patch_end(_zip(_digits()), cd_size=0xFFFFFFF0),
    "zip64-entries-2^62": lambda: _zip64_end(_zip(_digits()), 2 ** 62),
    "zip64-entries-2^64-1": lambda: _zip64_end(_zip(_digits()), 2 ** 64 - 1),
    "truncated-half": lambda: _zip(_digits())[: len(_zip(_digits())) // 2],
    "truncated-end": lambda: _zip(_digits())[:-10],
    "not-a-zip": lambda: b"hello world" * 100,
    "empty-zip": lambda: _zip({}),
    "traversal-name": lambda: _zip({}, raw_members={"../../x_train.npy": _npy_bytes(_digits()["x_train"])}),
    "many-members": lambda: _zip(_digits(), raw_members={f"m{i}.npy": b"" for i in range(20000)}),
}
NPZ_ANY = {"control", "compressed", "x-nan", "many-members", "label-float", "end-cd-size-huge"}


def setup_npz(args, folder):
    path = os.path.join(folder, "data.npz")
    if args.get("special"):
        _special(path, args["special"])
        return
    with open(path, "wb") as f:
        f.write(NPZ[args["variant"]]())


def generate(rng):
    cases = []
    specials = ["dev-zero", "fifo", "directory", "missing", "dev-urandom", "proc-self-mem"]
    for variant in list(SAFETENSORS) + [f"special-{s}" for s in specials]:
        args = {"file": "state.safetensors"}
        if variant.startswith("special-"):
            args["special"] = variant[len("special-"):]
        else:
            args["variant"] = variant
        expect = "any" if variant in SAFETENSORS_ANY else "error"
        cases.append(common.case("files", "safetensors-c", variant, run="tensors.state_load",
                                 setup="files.setup_safetensors", args=args, expect=expect))
        cases.append(common.case("files", "safetensors-py", variant, run="files.python_load",
                                 setup="files.setup_safetensors", args=args, expect=expect))
    for variant in list(NPY) + [f"special-{s}" for s in specials]:
        args = {}
        if variant.startswith("special-"):
            args["special"] = variant[len("special-"):]
        else:
            args["variant"] = variant
        record = common.case("files", "npy-cli", variant, setup="files.setup_npy", args=args, mode="argv",
                             argv=["{plexus}", "run", "{dir}/identity.onnx", "--input", "X={dir}/x.npy",
                                   "--output-dir", "{dir}"],
                             expect="any" if variant in NPY_ANY else "error")
        record["post"] = "files.check_npy"
        cases.append(record)
    for variant in list(NPZ) + [f"special-{s}" for s in specials]:
        args = {}
        if variant.startswith("special-"):
            args["special"] = variant[len("special-"):]
        else:
            args["variant"] = variant
        cases.append(common.case("files", "npz-cli", variant, setup="files.setup_npz", args=args, mode="argv",
                                 argv=["{plexus}", "train", "--model", "mlp", "--data", "{dir}/data.npz", "--epochs", "1",
                                       "--hidden", "8", "--batch-size", "16", "--checkpoint", "{dir}/c.safetensors"],
                                 expect="any" if variant in NPZ_ANY else "error"))
    return cases
