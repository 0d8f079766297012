"""Hardening of every file Plexus reads on a model's or checkpoint's behalf (issue 19):
special files (FIFOs, /dev/zero, directories, sockets), safetensors checkpoints through the C
path (plx_state_load) and the Python path (plexus.load), `.npy` inputs (`plexus run`) and `.npz`
data (`plexus train`). Each malformed case must give a clear error: a status and a message
naming the file in C, a ValueError-family exception in Python, exit status 1 and an
`Error:` line from the command line. Never a crash, a hang or an unbounded read.

The cases are generated here (dozens per format). C-path cases run in a child process, so a
crash cannot take pytest down; the child prints one result per case, so the case it died on
is named."""
import json
import math
import os
import pathlib
import socket
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PLEXUS = ROOT / ".build" / "release" / "plexus"
sys.path.insert(0, str(ROOT / "bindings" / "python"))

INVALID, NOT_FOUND, UNSUPPORTED, IO, OUT_OF_MEMORY = 1, 2, 3, 4, 5

# -- the C path, in a child -------------------------------------------------------------------

CHILD = r"""
import ctypes, json, sys
sys.path.insert(0, %r)
import plexus_c as pc
from plexus_c import lib, P
lib.plx_set_max_allocation_bytes.argtypes = [ctypes.c_int64]
cap = int(sys.argv[2])
if cap:
    lib.plx_set_max_allocation_bytes(cap)
attrs, layer = P(), P()
pc.check(lib.plx_attrs_create(ctypes.byref(attrs)))
pc.check(lib.plx_attrs_set_int(attrs, b"in_features", 2))
pc.check(lib.plx_attrs_set_int(attrs, b"out_features", 3))
pc.check(lib.plx_layer_create(b"Linear", attrs, ctypes.byref(layer)))
for path in json.loads(sys.argv[1]):
    status = lib.plx_state_load(layer, path.encode())
    message = lib.plx_last_error().decode("utf-8", "replace") if status else ""
    print(json.dumps([status, message]), flush=True)
""" % str(HERE)


def state_load_in_child(paths, cap=0, timeout=120):
    """plx_state_load of a Linear(2, 3) on each path, in one child process: [(status, message)].
    Fails naming the case the child crashed or hung on."""
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, json.dumps([str(p) for p in paths]), str(cap)],
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        done = (expired.stdout or b"").count(b"\n") if isinstance(expired.stdout, bytes) else (expired.stdout or "").count("\n")
        pytest.fail(f"plx_state_load hung on {paths[done]}")
    lines = result.stdout.splitlines()
    if result.returncode != 0:
        pytest.fail(f"plx_state_load crashed (status {result.returncode}) on {paths[len(lines)]}:\n{result.stderr[-2000:]}")
    return [tuple(json.loads(line)) for line in lines]


# -- special files ------------------------------------------------------------------------------

def special_files(folder):
    """Paths that are not regular files, with the word the message must use."""
    fifo = folder / "weights.fifo"
    os.mkfifo(fifo)
    directory = folder / "a-directory"
    directory.mkdir()
    sock = folder / "weights.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    link_to_zero = folder / "zero-link.safetensors"
    link_to_zero.symlink_to("/dev/zero")
    link_to_fifo = folder / "fifo-link.safetensors"
    link_to_fifo.symlink_to(fifo)
    return server, {"dev-zero": ("/dev/zero", "character device"), "dev-null": ("/dev/null", "character device"),
                    "fifo": (fifo, "FIFO"), "directory": (directory, "directory"), "socket": (sock, "socket"),
                    "symlink-to-dev-zero": (link_to_zero, "character device"),
                    "symlink-to-fifo": (link_to_fifo, "FIFO"), "proc-self-mem": ("/proc/self/mem", "")}


def test_state_load_refuses_special_files_without_hanging(tmp_path):
    server, cases = special_files(tmp_path)
    try:
        results = state_load_in_child([path for path, _ in cases.values()], timeout=60)
    finally:
        server.close()
    for (name, (path, word)), (status, message) in zip(cases.items(), results):
        assert str(path) in message, (name, message)
        if word:
            assert status == INVALID and word in message and "not a regular file" in message, (name, status, message)
        else:
            assert status in (INVALID, IO), (name, status, message)


def test_python_load_refuses_special_files_without_hanging(tmp_path):
    import plexus

    server, cases = special_files(tmp_path)
    try:
        for name, (path, word) in cases.items():
            with pytest.raises((ValueError, OSError)) as raised:
                plexus.load(path)
            assert str(path) in str(raised.value), name
            if word:
                assert word in str(raised.value) and "not a regular file" in str(raised.value), (name, raised.value)
    finally:
        server.close()


def test_sessions_refuse_special_files_as_models(tmp_path):
    import plexus

    server, cases = special_files(tmp_path)
    try:
        for name, (path, word) in cases.items():
            with pytest.raises((ValueError, OSError)) as raised:
                plexus.InferenceSession(str(path))
            assert str(path) in str(raised.value), (name, raised.value)
            if word:
                assert word in str(raised.value), (name, raised.value)
    finally:
        server.close()


def test_missing_and_unreadable_files_are_io_errors(tmp_path):
    missing = tmp_path / "missing.safetensors"
    below_a_file = tmp_path / "file" / "x.safetensors"
    (tmp_path / "file").write_bytes(b"")
    results = state_load_in_child([missing, below_a_file])
    for path, (status, message) in zip([missing, below_a_file], results):
        assert status == IO and str(path) in message, message


def test_a_file_above_the_allocation_cap_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.safetensors"
    write_safetensors(big, {"weight": np.zeros((3, 2), np.float32)}, padding=b"\0" * 20000)
    small = tmp_path / "small.safetensors"
    write_safetensors(small, {"weight": np.ones((3, 2), np.float32), "bias": np.ones(3, np.float32)})
    (status, message), (small_status, small_message) = state_load_in_child([big, small], cap=10000)
    assert status == OUT_OF_MEMORY and str(big) in message and "10000" in message, message
    assert small_status == 0, small_message


# -- safetensors ----------------------------------------------------------------------------------

def encode(header, data=b"", length=None):
    """A safetensors file: the header (a dict, or text/bytes used verbatim) and data."""
    text = header if isinstance(header, bytes) else (header if isinstance(header, str) else json.dumps(header)).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def write_safetensors(path, arrays, padding=b""):
    header, offset, chunks = {}, 0, []
    for name, array in arrays.items():
        raw = array.tobytes()
        header[name] = {"dtype": {"float32": "F32", "int64": "I64"}[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    path.write_bytes(encode(header, b"".join(chunks) + padding))


def entry(shape=(3, 2), offsets=(0, 24), dtype="F32"):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


BAD_NUMBERS = {"1e30": "1e30", "2^62": str(2 ** 62), "1e300": "1e300", "-1": "-1", "1.5": "1.5", "NaN": "NaN",
               "Infinity": "Infinity", "2^53+2": str(2 ** 53 + 2), "2^64": str(2 ** 64), "-0.5": "-0.5",
               "string": '"3"', "null": "null", "true": "true", "list": "[3]", "object": "{}", "1e-300": "1e-300"}


def malformed_safetensors():
    """name -> file bytes, every one malformed."""
    data = bytes(24)
    cases = {}
    base = '{"weight":{"dtype":"F32","shape":%s,"data_offsets":%s}}'
    for label, number in BAD_NUMBERS.items():
        cases[f"shape-dim-{label}"] = encode(base % (f"[{number},2]", "[0,24]"), data)
        cases[f"offset-begin-{label}"] = encode(base % ("[3,2]", f"[{number},24]"), data)
        cases[f"offset-end-{label}"] = encode(base % ("[3,2]", f"[0,{number}]"), data)
    cases["shape-2^40-squared"] = encode({"weight": entry((2 ** 40, 2 ** 40), (0, 24))}, data)
    cases["shape-2^62-times-8"] = encode({"weight": entry((2 ** 52, 2 ** 10), (0, 24))}, data)
    cases["shape-not-a-list"] = encode(base % ('"3x2"', "[0,24]"), data)
    for label, offsets in {"one-offset": "[0]", "three-offsets": "[0,12,24]", "offsets-object": '{"a":0}',
                           "offsets-null": "null", "end-before-begin": "[24,0]", "past-the-data": "[0,48]",
                           "size-mismatch": "[0,20]", "shifted-past-end": "[8,32]", "huge-range": f"[0,{2 ** 53}]"}.items():
        cases[f"offsets-{label}"] = encode(base % ("[3,2]", offsets), data)
    for label, dtype in {"unknown": '"F128"', "number": "1", "null": "null", "lowercase": '"f32"'}.items():
        cases[f"dtype-{label}"] = encode('{"weight":{"dtype":%s,"shape":[3,2],"data_offsets":[0,24]}}' % dtype, data)
    cases["dtype-missing"] = encode('{"weight":{"shape":[3,2],"data_offsets":[0,24]}}', data)
    cases["shape-missing"] = encode('{"weight":{"dtype":"F32","data_offsets":[0,24]}}', data)
    cases["offsets-missing"] = encode('{"weight":{"dtype":"F32","shape":[3,2]}}', data)
    for label, value in {"list": "[]", "string": '"w"', "number": "1", "null": "null"}.items():
        cases[f"entry-{label}"] = encode('{"weight":%s}' % value, data)
        cases[f"header-{label}"] = encode(value, data)
    cases["duplicate-key"] = encode('{"weight":%s,"weight":%s}' % (json.dumps(entry()), json.dumps(entry())), data)
    cases["duplicate-key-different-data"] = encode(
        '{"weight":%s,"weight":%s}' % (json.dumps(entry()), json.dumps(entry(offsets=(24, 48)))), bytes(48))
    cases["duplicate-field-in-entry"] = encode('{"weight":{"dtype":"F32","shape":[3,2],"shape":[2,3],"data_offsets":[0,24]}}', data)
    cases["duplicate-metadata-key"] = encode('{"__metadata__":{"a":"1","a":"2"},"weight":%s}' % json.dumps(entry()), data)
    cases["overlap-same-region"] = encode({"weight": entry(), "other": entry()}, data)
    cases["overlap-partial"] = encode({"weight": entry(), "bias": entry((3,), (12, 24))}, data)
    cases["overlap-inside"] = encode({"weight": entry((12,), (0, 48)), "bias": entry((3,), (8, 20))}, bytes(48))
    cases["metadata-list"] = encode({"__metadata__": ["a"], "weight": entry()}, data)
    cases["metadata-number-value"] = encode({"__metadata__": {"a": 1}, "weight": entry()}, data)
    for length in [0, 1, 2 ** 31, 2 ** 63, 2 ** 64 - 1, 100_000_001]:
        cases[f"header-length-{length}"] = encode({"weight": entry()}, data, length=length)
    text = json.dumps({"weight": entry()}).encode()
    cases["header-length-one-past"] = encode(text, b"", length=len(text) + 1)
    for size in range(8):
        cases[f"truncated-to-{size}-bytes"] = encode({"weight": entry()}, data)[:size]
    full = encode({"weight": entry()}, data)
    for cut in (9, 20, len(full) - 25, len(full) - 1):
        cases[f"cut-at-{cut}"] = full[:cut]
    cases["nested-arrays-100k"] = encode("[" * 100_000)
    cases["nested-objects-5k"] = encode('{"a":' * 5000 + "1" + "}" * 5000)
    cases["nested-in-entry"] = encode('{"weight":{"dtype":"F32","shape":%s,"data_offsets":[0,24]}}' % ("[" * 1000 + "]" * 1000), data)
    cases["invalid-utf8"] = encode(b'{"w\xff\xfe":' + json.dumps(entry()).encode() + b"}", data)
    cases["unterminated-string"] = encode('{"weight', data)
    cases["trailing-garbage"] = encode(json.dumps({"weight": entry()}) + "x", data)
    cases["empty-header"] = encode("", data)
    cases["bad-escape"] = encode('{"w\\u12":1}', data)
    cases["lone-minus"] = encode('{"weight":{"dtype":"F32","shape":[-],"data_offsets":[0,24]}}', data)
    return cases


@pytest.fixture(scope="module")
def safetensors_cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("safetensors")
    cases = malformed_safetensors()
    paths = []
    for name, content in cases.items():
        path = folder / f"{name}.safetensors"
        path.write_bytes(content)
        paths.append(path)
    results = state_load_in_child(paths)
    return {name: (path, result) for (name, path), result in zip(zip(cases, paths), results)}


def test_there_are_dozens_of_malformed_safetensors_cases():
    assert len(malformed_safetensors()) >= 100


@pytest.mark.parametrize("name", sorted(malformed_safetensors()))
def test_malformed_safetensors_is_refused_by_c(safetensors_cases, name):
    path, (status, message) = safetensors_cases[name]
    assert status in (INVALID, UNSUPPORTED, OUT_OF_MEMORY), (status, message)  # sizes beyond memory: out of memory
    assert str(path) in message, message
    assert len(message) > len(str(path)) + 10, message


@pytest.mark.parametrize("name", sorted(malformed_safetensors()))
def test_malformed_safetensors_is_refused_by_python(safetensors_cases, name):
    import plexus

    path, _ = safetensors_cases[name]
    with pytest.raises(ValueError) as raised:
        plexus.load(path)
    assert isinstance(raised.value, plexus.PlexusError), type(raised.value)
    assert str(path) in str(raised.value), raised.value


def test_duplicate_keys_are_refused_the_same_way_by_c_and_python(safetensors_cases):
    import plexus

    path, (status, message) = safetensors_cases["duplicate-key-different-data"]
    assert status == INVALID and "more than once" in message
    with pytest.raises(plexus.InvalidArgumentError, match="more than once"):
        plexus.load(path)


VALID = {
    "plain": ({"weight": entry(), "bias": entry((3,), (24, 36))}, 36),
    "floats-as-integers": ('{"weight":{"dtype":"F32","shape":[3.0,2],"data_offsets":[0,24.0]},'
                           '"bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}', 36),
    "metadata-null": ({"__metadata__": None, "weight": entry(), "bias": entry((3,), (24, 36))}, 36),
    "unused-bytes-between": ({"weight": entry(), "bias": entry((3,), (28, 40))}, 40),
    "empty-tensors-share-an-offset": ({"weight": entry(), "bias": entry((3,), (24, 36)), "e1": entry((0,), (24, 24)),
                                       "e2": entry((0, 5), (24, 24))}, 36),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_checkpoints_still_load_in_c_and_python(tmp_path, name):
    import plexus

    header, size = VALID[name]
    path = tmp_path / f"{name}.safetensors"
    data = np.arange(size // 4, dtype=np.float32).tobytes()
    path.write_bytes(encode(header, data))
    ((status, message),) = state_load_in_child([path])
    if "e1" in header:  # decoded; the Linear layer just has no such parameters
        assert status == NOT_FOUND and "unexpected" in message and "e1" in message, message
    else:
        assert status == 0, message
    loaded = plexus.load(path)
    assert list(loaded["weight"].shape) == [3, 2]


def test_zero_d_tensors_round_trip(tmp_path):
    import plexus
    from safetensors.numpy import load_file, save_file

    path = tmp_path / "scalar.safetensors"
    save_file({"s": np.array(2.5, np.float32), "e": np.zeros((0, 3), np.float32)}, str(path))
    loaded = plexus.load(path)
    assert loaded["s"].shape == () and float(loaded["s"].item()) == 2.5 and loaded["e"].shape == (0, 3)
    plexus.save({"s": loaded["s"], "e": loaded["e"]}, tmp_path / "again.safetensors")
    again = load_file(str(tmp_path / "again.safetensors"))
    assert again["s"].shape == () and again["e"].shape == (0, 3)


# -- .npy (plexus run) ----------------------------------------------------------------------------

def npy(header, data=b"", version=1, magic=b"\x93NUMPY", length=None):
    text = header.encode() if isinstance(header, str) else header
    size = len(text) if length is None else length
    prefix = magic + bytes([version, 0]) + (struct.pack("<H", size) if version == 1 else struct.pack("<I", size))
    return prefix + text + data


def npy_header(shape="(3,)", descr="'<f4'", fortran="False"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


def malformed_npy():
    data = bytes(12)
    cases = {}
    for label, shape in {"2^63-1": f"({2 ** 63 - 1},)", "2^40x2^40": f"({2 ** 40}, {2 ** 40})", "2^62x4": f"({2 ** 62}, 4)",
                         "2^64": f"({2 ** 64},)", "negative": "(-1,)", "negative-second": "(3, -2)", "float": "(1.5,)",
                         "expression": "(2**40,)", "name": "(n,)", "empty-dim": "(3,,4)", "no-parenthesis": "3",
                         "unterminated": "(3,", "list": "[3]", "too-large-data": "(4,)", "huge-rank": "(" + "2, " * 70 + ")",
                         "comma-only": "(,)"}.items():
        cases[f"shape-{label}"] = npy(npy_header(shape=shape), data)
    for label, descr in {"complex": "'<c8'", "object": "'|O'", "big-endian": "'>f4'", "string": "'<U3'",
                         "structured": "[('a', '<f4')]", "short": "'f'", "empty": "''"}.items():
        cases[f"descr-{label}"] = npy(npy_header(descr=descr), data)
    cases["fortran-order"] = npy(npy_header(shape="(3, 2)", fortran="True"), bytes(24))
    cases["no-descr"] = npy("{'fortran_order': False, 'shape': (3,), }", data)
    cases["no-shape"] = npy("{'descr': '<f4', 'fortran_order': False, }", data)
    cases["no-fortran-order"] = npy("{'descr': '<f4', 'shape': (3,), }", data)
    cases["version-2-huge-header-length"] = npy(npy_header(), data, version=2, length=0xFFFFFFFF)
    cases["version-2-header-past-end"] = npy(npy_header(), data, version=2, length=1000)
    cases["version-1-header-past-end"] = npy(npy_header(), data, length=0xFFFF)
    cases["version-4"] = npy(npy_header(), data, version=4)
    cases["bad-magic"] = npy(npy_header(), data, magic=b"\x93NUMPx")
    cases["truncated-data"] = npy(npy_header(), data[:11])
    full = npy(npy_header(), data)
    for cut in range(0, 12, 2):
        cases[f"cut-at-{cut}"] = full[:cut]
    return cases


@pytest.fixture(scope="module")
def identity_model(tmp_path_factory):
    import onnx
    from onnx import TensorProto, helper

    folder = tmp_path_factory.mktemp("identity")
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = folder / "identity.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def run_cli(arguments, cwd, timeout=60):
    try:
        return subprocess.run([str(PLEXUS), *map(str, arguments)], capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"plexus {' '.join(map(str, arguments))} hung")


def assert_clear_failure(result, path):
    assert result.returncode == 1, f"status {result.returncode} (a crash?):\n{result.stderr[-2000:]}"
    assert result.stderr.startswith("Error: "), result.stderr[-2000:]
    assert str(path) in result.stderr, result.stderr


@pytest.mark.parametrize("name", sorted(malformed_npy()))
def test_malformed_npy_is_refused_by_plexus_run(tmp_path, identity_model, name):
    path = tmp_path / f"{name}.npy"
    path.write_bytes(malformed_npy()[name])
    assert_clear_failure(run_cli(["run", identity_model, "--input", f"x={path}", "--output-dir", tmp_path], tmp_path), path)


@pytest.mark.parametrize("name, array", [("0-d", np.array(4.5, np.float32)), ("empty", np.zeros(0, np.float32)),
                                         ("empty-2d", np.zeros((0, 5), np.float32)),
                                         ("plain", np.arange(12, dtype=np.float32).reshape(3, 4))])
def test_npy_edge_shapes_run(tmp_path, identity_model, name, array):
    path = tmp_path / f"{name}.npy"
    np.save(path, array)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(["run", identity_model, "--input", f"x={path}", "--output-dir", out], tmp_path)
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(out / "y.npy"), array)


def test_npy_special_files_are_refused(tmp_path, identity_model):
    server, cases = special_files(tmp_path)
    try:
        for name, (path, _) in cases.items():
            result = run_cli(["run", identity_model, "--input", f"x={path}", "--output-dir", tmp_path], tmp_path, timeout=30)
            assert_clear_failure(result, path)
    finally:
        server.close()


# -- .npz (plexus train) ------------------------------------------------------------------------

def digits_like(path, **extra):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 16, (6, 64)).astype(np.float32), "y_train": np.arange(6) % 10,
              "x_test": rng.integers(0, 16, (4, 64)).astype(np.float32), "y_test": np.arange(4) % 10}
    arrays.update(extra)
    np.savez(path, **arrays)
    return path.read_bytes()


def eocd(content):
    return content.rindex(b"PK\x05\x06")


def central(content):
    return content.index(b"PK\x01\x02")


def patched(content, offset, value, size):
    return content[:offset] + value.to_bytes(size, "little") + content[offset + size:]


def zip64_tail(content, entries, directory, record_offset=None, directory_size=0):
    """Replaces the end record with a zip64 record + locator + a saturated classic record."""
    body = content[:eocd(content)]
    record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, entries, entries, directory_size, directory)
    where = len(body) if record_offset is None else record_offset
    locator = struct.pack("<IIQI", 0x07064B50, 0, where, 1)
    classic = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body + record + locator + classic


def malformed_npz(folder):
    base = digits_like(folder / "base.npz")
    end, first = eocd(base), central(base)
    cases = {
        "entries-0xFFFF-without-zip64": patched(patched(base, end + 8, 0xFFFF, 2), end + 10, 0xFFFF, 2),
        "entries-more-than-directory-holds": patched(patched(base, end + 8, 60000, 2), end + 10, 60000, 2),
        "directory-offset-past-end": patched(base, end + 16, 0xFFFFFFF0, 4),
        "directory-offset-wrong": patched(base, end + 16, 5, 4),
        "zip64-huge-entries": zip64_tail(base, 2 ** 63 + 5, first),
        "zip64-entries-2^62": zip64_tail(base, 2 ** 62, first),
        "zip64-directory-2^64-1": zip64_tail(base, 4, 2 ** 64 - 1),
        "zip64-directory-2^63": zip64_tail(base, 4, 2 ** 63),
        "zip64-record-offset-2^64-1": zip64_tail(base, 4, first, record_offset=2 ** 64 - 1),
        "zip64-record-offset-past-end": zip64_tail(base, 4, first, record_offset=len(base) * 4),
        "zip64-record-offset-wrong": zip64_tail(base, 4, first, record_offset=3),
        "not-a-zip": b"hello" * 10,
        "empty": b"",
        "eocd-only-short": b"PK\x05\x06" + bytes(10),
    }
    for field, size in [(10, 2), (20, 4), (24, 4), (28, 2), (30, 2), (42, 4)]:
        for value in (0, 2 ** (8 * size) - 1, 2 ** (8 * size - 1)):
            cases[f"central-field-{field}-{value:x}"] = patched(base, first + field, value, size)
    # zip64 extra fields with huge sizes/offsets on the first member
    name_length = int.from_bytes(base[first + 28:first + 30], "little")
    for label, values in {"size": (2 ** 63 + 1,), "offset": (2 ** 64 - 1,), "size-and-offset": (2 ** 62, 2 ** 62)}.items():
        extra = struct.pack("<HH", 1, 8 * len(values)) + b"".join(struct.pack("<Q", v) for v in values)
        entry = bytearray(base[first:first + 46 + name_length])
        entry[30:32] = struct.pack("<H", len(extra))
        if "size" in label:
            entry[20:24] = b"\xff" * 4
        if "offset" in label:
            entry[42:46] = b"\xff" * 4
        rest = base[first + 46 + name_length:]
        changed = base[:first] + bytes(entry) + extra + rest
        new_end = eocd(changed)
        changed = patched(changed, new_end + 12, int.from_bytes(changed[new_end + 12:new_end + 16], "little") + len(extra), 4)
        cases[f"zip64-extra-{label}"] = changed
    cases["zip64-extra-truncated"] = patched(base, first + 30, 0xFFFF, 2)
    for cut in np.linspace(1, len(base) - 1, 12).astype(int):
        cases[f"cut-at-{cut}"] = base[:cut]
    # duplicated member names and compressed members
    duplicate = folder / "duplicate.npz"
    with zipfile.ZipFile(duplicate, "w") as archive:
        for name in ("x_train", "y_train", "x_test", "y_test", "x_train"):
            with archive.open(name + ".npy", "w") as member:
                np.save(member, np.zeros((2, 64), np.float32) if name.startswith("x") else np.zeros(2, np.int64))
    cases["duplicate-member"] = duplicate.read_bytes()
    compressed = folder / "compressed.npz"
    np.savez_compressed(compressed, x_train=np.zeros((2, 64), np.float32))
    cases["compressed-member"] = compressed.read_bytes()
    return cases


@pytest.fixture(scope="module")
def npz_cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("npz")
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name it writes
        cases = malformed_npz(folder)
    return folder, cases


def test_there_are_dozens_of_malformed_npz_cases(npz_cases):
    assert len(npz_cases[1]) >= 40


def test_malformed_npz_is_refused_by_plexus_train(tmp_path, npz_cases):
    _, cases = npz_cases
    failures = []
    for name, content in cases.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(content)
        result = run_cli(["train", "--data", path, "--epochs", "1", "--checkpoint", tmp_path / "c.safetensors"], tmp_path)
        if result.returncode == 0:
            # a field that the reader does not need (e.g. the version) may be mangled harmlessly
            if "test accuracy" not in result.stdout:
                failures.append(f"{name}: success without training:\n{result.stdout}")
        elif result.returncode != 1 or not result.stderr.startswith("Error: ") or str(path) not in result.stderr:
            failures.append(f"{name}: status {result.returncode}:\n{result.stderr[-1500:]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["entries-more-than-directory-holds", "zip64-huge-entries", "zip64-directory-2^64-1",
                                  "zip64-record-offset-2^64-1", "zip64-extra-size", "zip64-extra-offset",
                                  "duplicate-member", "compressed-member", "directory-offset-past-end"])
def test_npz_refusals_say_what_is_wrong(tmp_path, npz_cases, name):
    _, cases = npz_cases
    path = tmp_path / f"{name}.npz"
    path.write_bytes(cases[name])
    result = run_cli(["train", "--data", path, "--epochs", "1", "--checkpoint", tmp_path / "c.safetensors"], tmp_path)
    assert_clear_failure(result, path)
    words = {"duplicate-member": "more than once", "compressed-member": "compressed"}
    if name in words:
        assert words[name] in result.stderr


def test_npz_with_0d_and_empty_members_gives_a_clear_error(tmp_path):
    for label, extra in {"0-d-x": {"x_train": np.float32(1)}, "0-d-y": {"y_train": np.int64(3)},
                         "empty-x": {"x_train": np.zeros((0, 64), np.float32), "y_train": np.zeros(0, np.int64)}}.items():
        path = tmp_path / f"{label}.npz"
        digits_like(path, **extra)
        result = run_cli(["train", "--data", path, "--epochs", "1", "--checkpoint", tmp_path / "c.safetensors"], tmp_path)
        assert result.returncode in (1, 64) and result.stderr.startswith("Error: "), (label, result.stderr[-1500:])
        assert str(path) in result.stderr, (label, result.stderr)


# -- external data locations (FileIO.resolve, through plx_session_create) ---------------------------

SESSION_CHILD = r"""
import ctypes, json, sys
sys.path.insert(0, %r)
import plexus_c as pc
from plexus_c import lib, P
for path in json.loads(sys.argv[1]):
    session = P()
    status = lib.plx_session_create(path.encode(), None, ctypes.byref(session))
    message = lib.plx_last_error().decode("utf-8", "replace") if status else ""
    if status == 0:
        lib.plx_session_release(session)
    print(json.dumps([status, message]), flush=True)
""" % str(HERE)


def external_data_model(folder, location, name="model"):
    """An Add of the input and a 4-float initializer stored at `location` (relative to folder)."""
    import onnx
    from onnx import TensorProto, helper

    weight = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        weight.external_data.add(key=key, value=value)
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [weight])
    path = folder / f"{name}.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    return path


def test_external_data_locations_stay_inside_the_model_folder(tmp_path):
    outside = tmp_path / "outside.bin"
    outside.write_bytes(np.ones(4, np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    (folder / "sub").mkdir()
    (folder / "sub" / "inside-link.bin").symlink_to("../weights.bin")
    (folder / "passwd.bin").symlink_to("/etc/passwd")
    (folder / "zero.bin").symlink_to("/dev/zero")
    (folder / "outside-link.bin").symlink_to(outside)
    (folder / "up").symlink_to("..")
    os.mkfifo(folder / "fifo.bin")
    (folder / "a-directory").mkdir()
    allowed = ["weights.bin", "sub/inside-link.bin", "./weights.bin"]
    refused = {"passwd.bin": "outside", "zero.bin": "outside", "outside-link.bin": "outside", "up/outside.bin": "outside",
               "fifo.bin": "FIFO", "a-directory": "directory", "../outside.bin": "..", "sub/../weights.bin": "..",
               str(outside): "absolute", "missing.bin": "missing.bin", "weights.bin\0junk": "NUL", "up": "outside"}
    paths = [external_data_model(folder, location, f"m{index}") for index, location in enumerate(allowed + list(refused))]
    results = state_or_session_in_child(paths)
    for location, (status, message) in zip(allowed, results):
        assert status == 0, (location, message)
    for (location, word), (status, message) in zip(refused.items(), results[len(allowed):]):
        assert status in (INVALID, IO), (location, status, message)
        assert word in message, (location, message)


def state_or_session_in_child(paths):
    result = subprocess.run([sys.executable, "-c", SESSION_CHILD, json.dumps([str(p) for p in paths])],
                            capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    if result.returncode != 0:
        pytest.fail(f"plx_session_create crashed (status {result.returncode}) on {paths[len(lines)]}:\n{result.stderr[-2000:]}")
    return [tuple(json.loads(line)) for line in lines]
