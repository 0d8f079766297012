"""Malformed ONNX models (issue 19): external data that leaves the model's folder or is not a
regular file, offsets and dims that overflow, SSA and arity violations, opset and IR versions
out of range, declared output types that differ from the computed ones, deep nesting, long
Identity chains, and attribute values that crashed libonnx in `plexus check`. Each must give a
clear error through the C ABI (plx_session_create*) and the Python package (InferenceSession),
never a crash, a hang or a huge allocation. Cases that could crash or hang the process run in
a child process with a timeout, so a regression fails its case instead of the test run."""
import json
import re
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from plexus_c import PlexusError, Session

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BINDINGS = ROOT / "bindings" / "python"
PLEXUS = ROOT / ".build" / "release" / "plexus"
if str(BINDINGS) not in sys.path:
    sys.path.insert(0, str(BINDINGS))
import plexus  # noqa: E402

OPSET = 17


def f(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(nodes, inputs, outputs, initializers=(), opset=OPSET, ir=8, opsets=None):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=opsets or [helper.make_opsetid("", opset)], ir_version=ir)


def add_w(initializer):
    """y = x + w with `initializer` as w."""
    return model([helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2])], [f("y", [2])], [initializer])


def errors(source):
    """The errors of loading `source` (model bytes or a path) with the C ABI and with Python's
    InferenceSession, as (api, status or exception class, message); "ok" when it loaded."""
    results = []
    try:
        Session(source)
        results.append(("c", "ok", ""))
    except PlexusError as error:
        results.append(("c", error.status, str(error)))
    try:
        plexus.InferenceSession(source if isinstance(source, bytes) else str(source))
        results.append(("python", "ok", ""))
    except plexus.PlexusError as error:
        results.append(("python", type(error).__name__, str(error)))
    return results


def assert_refused(source, pattern, status=1):
    """Both APIs refuse `source` with `status` (and its Python class) and a message matching
    `pattern` (a regular expression)."""
    for api, code, message in errors(source):
        assert code != "ok", f"{api} accepted the model"
        assert re.search(pattern, message), f"{api}: '{message}' does not match '{pattern}'"
        if api == "c":
            assert code == status, f"C status {code}, wanted {status}: {message}"
        else:
            assert code == {1: "InvalidArgumentError", 3: "UnsupportedError", 4: "PlexusIOError", 5: "OutOfMemoryError",
                            7: "DTypeMismatchError"}[status], message


CHILD = """
import json, sys, time
sys.path.insert(0, %r); sys.path.insert(0, %r)
from test_hardening_onnx import errors
for line in sys.stdin:
    source = json.loads(line)
    if source.endswith(".pb"):
        source = open(source, "rb").read()
    start = time.monotonic()
    results = errors(source)
    print(json.dumps({"results": results, "seconds": time.monotonic() - start}), flush=True)
"""


def errors_in_children(sources, timeout=240):
    """`errors(source)` and its time in seconds for each of `sources` ({case: path}), run in a
    child Python: a crash or a hang fails its case (the value is then a message) instead of
    killing or stalling the test run, and the cases after it go on in a new child."""
    outcomes = {}
    pending = list(sources.items())
    while pending:
        child = subprocess.Popen([sys.executable, "-c", CHILD % (str(HERE), str(BINDINGS))], cwd=HERE, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        feed = "".join(json.dumps(path) + "\n" for _, path in pending)
        try:
            out, err = child.communicate(feed, timeout=timeout)
            failure = f"the loading process died (status {child.returncode})"
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate()
            failure = f"loading did not finish within the {timeout} s given to the batch"
        lines = out.splitlines()
        for (case, _), line in zip(pending, lines):
            decoded = json.loads(line)
            outcomes[case] = ([tuple(entry) for entry in decoded["results"]], decoded["seconds"])
        if len(lines) < len(pending):
            outcomes[pending[len(lines)][0]] = f"{failure}: {err[-2000:]}"
        pending = pending[len(lines) + 1:]
    return outcomes


def make_folder(directory):
    """A model folder holding w.bin (two float32 ones) and, beside the folder, outside.bin and
    outside_dir/w.bin (sevens): what a location must not reach."""
    model_folder = directory / "model"
    model_folder.mkdir(parents=True)
    (model_folder / "w.bin").write_bytes(np.ones(2, np.float32).tobytes())
    (directory / "outside.bin").write_bytes(np.full(2, 7, np.float32).tobytes())
    (directory / "outside_dir").mkdir()
    (directory / "outside_dir" / "w.bin").write_bytes(np.full(2, 7, np.float32).tobytes())
    return model_folder


CHILD_CASES = {}  # "group: case" -> (build(model folder) -> model bytes or path, message pattern, status)


def child_case(group, name, build, pattern, status=1):
    CHILD_CASES[f"{group}: {name}"] = (build, pattern, status)
    return f"{group}: {name}"


@pytest.fixture(scope="module")
def child_outcomes(tmp_path_factory):
    """Every case of CHILD_CASES, built in a folder of its own and loaded in child processes."""
    root = tmp_path_factory.mktemp("children")
    sources = {}
    for index, (case, (build, _, _)) in enumerate(CHILD_CASES.items()):
        folder = make_folder(root / f"case{index}")
        source = build(folder)
        if isinstance(source, bytes):
            (folder / "model.pb").write_bytes(source)
            source = folder / "model.pb"
        sources[case] = str(source)
    return errors_in_children(sources)


def assert_child_refused(outcomes, case, seconds=20):
    """Both APIs refused the case, with its status and a message matching its pattern, within
    `seconds`."""
    _, pattern, status = CHILD_CASES[case]
    outcome = outcomes[case]
    assert not isinstance(outcome, str), outcome
    results, elapsed = outcome
    for api, code, message in results:
        assert code != "ok", f"{api} accepted the model"
        assert re.search(pattern, message), f"{api}: '{message}' does not match '{pattern}'"
        if api == "c" and status is not None:
            assert code == status, f"C status {code}, wanted {status}: {message}"
    assert elapsed < seconds, f"refusing took {elapsed:.1f} s"


# --- External data ------------------------------------------------------------------------

def external(location=None, dims=(2,), **entries):
    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=list(dims), data_location=TensorProto.EXTERNAL)
    if location is not None:
        tensor.external_data.add(key="location", value=location)
    for key, value in entries.items():
        tensor.external_data.add(key=key, value=value)
    return add_w(tensor)


def save(m, folder, name="m.onnx"):
    path = folder / name
    onnx.save(m, str(path))
    return path


LOCATIONS = {
    # name: (how to make it inside the folder, location, expected message)
    "symlink to /etc/passwd": (lambda d: os.symlink("/etc/passwd", d / "link"), "link", "outside"),
    "symlink to /dev/zero": (lambda d: os.symlink("/dev/zero", d / "link"), "link", "outside"),
    "symlink to a file beside the folder": (lambda d: os.symlink(d.parent / "outside.bin", d / "link"), "link", "outside"),
    "relative symlink leaving the folder": (lambda d: os.symlink("../outside.bin", d / "link"), "link", "outside"),
    "symlinked folder outside": (lambda d: os.symlink(d.parent / "outside_dir", d / "sub"), "sub/w.bin", "outside"),
    "symlink chain leaving the folder": (lambda d: (os.symlink(d.parent / "outside.bin", d / "a"), os.symlink("a", d / "b")), "b", "outside"),
    "absolute path": (lambda d: None, "/etc/passwd", "absolute"),
    "absolute path to /dev/zero": (lambda d: None, "/dev/zero", "absolute"),
    "dot-dot": (lambda d: None, "../outside.bin", r"\.\."),
    "dot-dot inside a path": (lambda d: None, "x/../../outside.bin", r"\.\."),
    "named pipe": (lambda d: os.mkfifo(d / "fifo"), "fifo", "FIFO|not a regular file"),
    "symlink to a named pipe": (lambda d: (os.mkfifo(d.parent / "fifo"), os.symlink(d.parent / "fifo", d / "link")), "link",
                                "outside|not a regular file"),
    "directory": (lambda d: (d / "sub").mkdir(), "sub", "directory|not a regular file"),
    "the folder itself": (lambda d: None, ".", "directory|not a regular file|outside"),
    "a missing file": (lambda d: None, "missing.bin", "missing.bin"),
    "an empty location": (lambda d: None, "", "without a location"),
}


def location_case(make, location):
    def build(folder):
        make(folder)
        return save(external(location), folder)
    return build


@pytest.mark.parametrize("case", [child_case("location", name, location_case(make, location), pattern,
                                             status=4 if name == "a missing file" else 1)
                                  for name, (make, location, pattern) in LOCATIONS.items()])
def test_external_data_location_is_confined_to_regular_files_in_the_model_folder(case, child_outcomes):
    assert_child_refused(child_outcomes, case)


RANGES = {
    "negative offset": ({"offset": "-1"}, "offset"),
    "offset 2^63-1": ({"offset": str(2**63 - 1)}, "offset"),
    "offset 2^64 (overflows)": ({"offset": str(2**64)}, "offset"),
    "offset past the end": ({"offset": "9", "length": "8"}, "offset|end"),
    "offset at the end": ({"offset": "8"}, "8 bytes|0 bytes|need"),
    "hex offset": ({"offset": "0x4"}, "offset"),
    "float offset": ({"offset": "1e3"}, "offset"),
    "offset with spaces": ({"offset": " 0"}, "offset"),
    "empty offset": ({"offset": ""}, "offset"),
    "plus sign": ({"offset": "+0"}, "offset"),
    "negative length": ({"length": "-8"}, "length"),
    "length 2^63-1": ({"length": str(2**63 - 1)}, "length|end"),
    "offset + length overflow": ({"offset": "4", "length": str(2**63 - 1)}, "end|length"),
    "both 2^62": ({"offset": str(2**62), "length": str(2**62)}, "offset|end"),
    "length past the end": ({"length": "12"}, "end|length"),
    "length shorter than the dims": ({"length": "4"}, "4 bytes"),
    "unparsable length": ({"length": "eight"}, "length"),
    "offset inside, remainder short": ({"offset": "4"}, "4 bytes"),
}


@pytest.mark.parametrize("case", [child_case("range", name, lambda folder, entries=entries: save(external("w.bin", **entries), folder),
                                             pattern) for name, (entries, pattern) in RANGES.items()])
def test_external_data_offsets_and_lengths_are_checked(case, child_outcomes):
    assert_child_refused(child_outcomes, case)


def test_external_data_duplicate_keys_and_missing_folder_are_refused(tmp_path):
    folder = make_folder(tmp_path)
    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2], data_location=TensorProto.EXTERNAL)
    tensor.external_data.add(key="location", value="w.bin")
    tensor.external_data.add(key="location", value="/etc/passwd")
    assert_refused(str(save(add_w(tensor), folder)), "twice")
    assert_refused(external("w.bin").SerializeToString(), "loaded from a file")


@pytest.mark.parametrize("entries", [{}, {"offset": "0"}, {"offset": "0", "length": "8"}, {"length": "8"}])
def test_valid_external_data_still_loads(entries, tmp_path):
    folder = make_folder(tmp_path)
    (folder / "inside").mkdir()
    os.symlink("../w.bin", folder / "inside" / "link")  # a symlink that stays inside the folder is fine
    for location in ["w.bin", "inside/link", "./w.bin"]:
        path = save(external(location, **entries), folder)
        np.testing.assert_array_equal(Session(path).run({"x": np.ones(2, np.float32)})[0], [2, 2])
        sess = plexus.InferenceSession(str(path))
        np.testing.assert_array_equal(sess.run(None, {"x": np.ones(2, np.float32)})[0], [2, 2])


def test_external_data_reads_only_the_tensor_range(tmp_path):
    """A tensor of 8 bytes at the end of a 4 GiB sparse file loads at once, without reading
    (or allocating) the whole file."""
    folder = make_folder(tmp_path)
    big = folder / "big.bin"
    with open(big, "wb") as out:
        out.truncate(4 << 30)
        out.seek((4 << 30) - 8)
        out.write(np.full(2, 3, np.float32).tobytes())
    path = save(external("big.bin", offset=str((4 << 30) - 8), length="8"), folder)
    script = ("import sys, resource; sys.path.insert(0, %r)\nimport numpy as np\nfrom plexus_c import Session\n"
              "y = Session(sys.argv[1]).run({'x': np.ones(2, np.float32)})[0]\n"
              "assert list(y) == [4, 4], y\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n") % str(HERE)
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) < 1 << 20, "more than 1 GiB resident: the whole file was read"


SPECIAL_MODEL_PATHS = {"/dev/zero": "not a regular file|character device", "/dev/null": "not a regular file|character device",
                       "a directory": "directory", "a named pipe": "FIFO|not a regular file"}


def special_model_path(case):
    def build(folder):
        if case == "a directory":
            return folder
        if case == "a named pipe":
            os.mkfifo(folder / "fifo.onnx")
            return folder / "fifo.onnx"
        return case
    return build


@pytest.mark.parametrize("case", [child_case("model path", name, special_model_path(name), pattern)
                                  for name, pattern in SPECIAL_MODEL_PATHS.items()])
def test_model_path_that_is_not_a_regular_file_is_refused_without_hanging(case, child_outcomes):
    assert_child_refused(child_outcomes, case)


# --- Initializer and Constant dims --------------------------------------------------------

HUGE_DIMS = [[2**40], [2**62], [2**63 - 1], [2**31, 2**31], [2**62, 4], [2**32, 2**32, 2**32], [3, 2**61], [2**40, 2**20],
             [65536] * 6]


def raw(dims, dtype=TensorProto.FLOAT, payload=b"\0" * 8):
    return TensorProto(name="w", data_type=dtype, dims=dims, raw_data=payload)


DIMS_CASES = {}
for _dims in HUGE_DIMS:
    DIMS_CASES[f"raw float {_dims}"] = (raw(_dims), "dims|bytes|overflow")
    DIMS_CASES[f"raw int4 {_dims}"] = (raw(_dims, TensorProto.INT4), "dims|bytes|overflow")
    DIMS_CASES[f"float_data {_dims}"] = (TensorProto(name="w", data_type=TensorProto.FLOAT, dims=_dims, float_data=[1, 2]),
                                         "values|dims|overflow")
    DIMS_CASES[f"strings {_dims}"] = (TensorProto(name="w", data_type=TensorProto.STRING, dims=_dims, string_data=[b"a"]),
                                      "strings|overflow")
DIMS_CASES.update({
    "negative dim": (raw([-1]), "negative"),
    "negative among positives": (raw([2, -3]), "negative"),
    "Int64.min": (raw([-2**63]), "negative"),
    "rank 65": (raw([1] * 65), "65 dims"),
    "rank 1000": (raw([1] * 1000), "1000 dims"),
    "zero-size with huge dims": (raw([2**62, 0, 2**62]), "overflow|bytes"),
    "int32_data packed int4": (TensorProto(name="w", data_type=TensorProto.INT4, dims=[2**62], int32_data=[1]), "bytes|overflow"),
    "int64_data": (TensorProto(name="w", data_type=TensorProto.INT64, dims=[2**40], int64_data=[1]), "values"),
})


@pytest.mark.parametrize("case", [child_case("dims", name, lambda folder, tensor=tensor: add_w(tensor).SerializeToString(), pattern)
                                  for name, (tensor, pattern) in DIMS_CASES.items()])
def test_initializer_dims_are_checked_against_the_payload_before_allocating(case, child_outcomes):
    assert_child_refused(child_outcomes, case)


def constant_of(dims):
    constant = helper.make_node("Constant", [], ["w"], value=raw(dims))
    return model([constant, helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2])], [f("y", [2])]).SerializeToString()


@pytest.mark.parametrize("case", [child_case("Constant dims", str(dims), lambda folder, dims=dims: constant_of(dims), "dims|bytes|overflow")
                                  for dims in HUGE_DIMS[:5]])
def test_constant_node_dims_are_checked_too(case, child_outcomes):
    assert_child_refused(child_outcomes, case)


@pytest.mark.parametrize("case", [child_case("external dims", str(dims), lambda folder, dims=dims: save(external("w.bin", dims=dims), folder),
                                             "dims|bytes|overflow") for dims in HUGE_DIMS[:3]])
def test_external_data_with_huge_dims_is_refused_before_reading(case, child_outcomes):
    assert_child_refused(child_outcomes, case)


# --- SSA and defined names ----------------------------------------------------------------

W = helper.make_tensor("w", TensorProto.FLOAT, [2], [1, 2])
RELU = helper.make_node("Relu", ["x"], ["y"])
SSA = {
    "duplicate initializer": (model([helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2])], [f("y", [2])], [W, W]),
                              "initializer 'w' is given twice"),
    "node output reuses an initializer": (model([helper.make_node("Relu", ["x"], ["w"]), helper.make_node("Add", ["x", "w"], ["y"])],
                                                [f("x", [2])], [f("y", [2])], [W]), "'w' is defined twice"),
    "node output reuses an initializer read by nobody": (model([RELU, helper.make_node("Abs", ["x"], ["w"])], [f("x", [2])],
                                                               [f("y", [2])], [W]), "'w' is defined twice"),
    "node output reuses a graph input": (model([helper.make_node("Relu", ["x"], ["x"])], [f("x", [2])], [f("x", [2])]),
                                         "'x' is defined twice"),
    "node output reuses an input with a default": (model([helper.make_node("Relu", ["x"], ["w"])], [f("x", [2]), f("w", [2])],
                                                         [f("w", [2])], [W]), "'w' is defined twice"),
    "two nodes produce one value": (model([RELU, helper.make_node("Abs", ["x"], ["y"])], [f("x", [2])], [f("y", [2])]),
                                    "'y' is defined twice"),
    "one node produces a value twice": (model([helper.make_node("Split", ["x"], ["y", "y"], axis=0)], [f("x", [2])],
                                              [f("y", [1])]), "'y' is defined twice"),
    "Constant output reuses an initializer": (model([helper.make_node("Constant", [], ["w"], value_float=1.0),
                                                     helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2])], [f("y", [2])], [W]),
                                              "'w' is defined twice"),
    "two Constants produce one value": (model([helper.make_node("Constant", [], ["c"], value_float=1.0),
                                               helper.make_node("Constant", [], ["c"], value_float=2.0),
                                               helper.make_node("Add", ["x", "c"], ["y"])], [f("x", [2])], [f("y", [2])]),
                                        "'c' is defined twice"),
    "duplicate graph input": (model([RELU], [f("x", [2]), f("x", [2])], [f("y", [2])]), "graph input 'x' is declared twice"),
    "graph input without a name": (model([RELU], [f("x", [2]), f("", [2])], [f("y", [2])]), "empty name"),
    "initializer without a name": (model([RELU], [f("x", [2])], [f("y", [2])], [helper.make_tensor("", TensorProto.FLOAT, [1], [1])]),
                                   "no name"),
    "undefined node input": (model([helper.make_node("Add", ["x", "q"], ["y"])], [f("x", [2])], [f("y", [2])]), "'q'"),
    "undefined input of a removable Identity": (model([helper.make_node("Identity", ["q"], ["t"]), helper.make_node("Relu", ["x"], ["y"])],
                                                      [f("x", [2])], [f("y", [2])]), "'q'"),
    "undefined graph output": (model([RELU], [f("x", [2])], [f("z", [2])]), "graph output 'z'"),
    "graph output without a name": (model([RELU], [f("x", [2])], [f("y", [2]), f("", [2])]), "empty name"),
    "node without op_type": (model([helper.make_node("", ["x"], ["y"])], [f("x", [2])], [f("y", [2])]), "op_type"),
}


@pytest.mark.parametrize("case", SSA)
def test_values_are_assigned_once_and_defined(case):
    m, pattern = SSA[case]
    assert_refused(m.SerializeToString(), pattern)


def test_nodes_out_of_order_and_initializer_defaults_are_still_valid():
    """SSA is not topological order: onnxruntime sorts nodes, and so do sessions."""
    m = model([helper.make_node("Relu", ["t"], ["y"]), helper.make_node("Abs", ["x"], ["t"])], [f("x", [2])], [f("y", [2])])
    np.testing.assert_array_equal(Session(m.SerializeToString()).run({"x": np.array([-1, 2], np.float32)})[0], [1, 2])
    m = model([helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2]), f("w", [2])], [f("y", [2])], [W])
    np.testing.assert_array_equal(Session(m.SerializeToString()).run({"x": np.ones(2, np.float32)})[0], [2, 3])


# --- Opsets and IR versions ---------------------------------------------------------------

NEWEST_OPSET = onnx.defs.onnx_opset_version()
OPSETS = {
    "opset 0": ([helper.make_opsetid("", 0)], "opset 0"),
    "opset -1": ([helper.make_opsetid("", -1)], "opset -1"),
    "opset 2^40": ([helper.make_opsetid("", 2**40)], "opset 1099511627776"),
    "opset 2^63-1": ([helper.make_opsetid("", 2**63 - 1)], "opset 9223372036854775807"),
    "opset Int64.min": ([helper.make_opsetid("", -2**63)], "opset -9223372036854775808"),
    "one past the newest": ([helper.make_opsetid("", NEWEST_OPSET + 1)], f"opset {NEWEST_OPSET + 1}"),
    "ai.onnx spelled out, 0": ([helper.make_opsetid("ai.onnx", 0)], "opset 0"),
    "ai.onnx.ml 0": ([helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", 0)], "ai.onnx.ml"),
    "ai.onnx.ml past the newest": ([helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", 99)], "ai.onnx.ml"),
    "custom domain 0": ([helper.make_opsetid("", OPSET), helper.make_opsetid("com.example", 0)], "com.example"),
    "custom domain -5": ([helper.make_opsetid("", OPSET), helper.make_opsetid("com.example", -5)], "com.example"),
    "custom domain 2^40": ([helper.make_opsetid("", OPSET), helper.make_opsetid("com.example", 2**40)], "com.example"),
    "duplicate ai.onnx": ([helper.make_opsetid("", OPSET), helper.make_opsetid("", OPSET)], "more than once"),
    "'' and 'ai.onnx'": ([helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx", 13)], "more than once"),
    "duplicate custom domain": ([helper.make_opsetid("", OPSET), helper.make_opsetid("com.x", 1), helper.make_opsetid("com.x", 1)],
                                "more than once"),
}


@pytest.mark.parametrize("case", OPSETS)
def test_opset_imports_out_of_range_or_duplicated_are_refused(case):
    opsets, pattern = OPSETS[case]
    assert_refused(model([RELU], [f("x", [2])], [f("y", [2])], opsets=opsets).SerializeToString(), pattern)


@pytest.mark.parametrize("ir", [0, -1, 99, onnx.IR_VERSION + 1, 2**40, -2**63])
def test_ir_versions_onnx_does_not_define_are_refused(ir):
    assert_refused(model([RELU], [f("x", [2])], [f("y", [2])], ir=ir).SerializeToString(), "IR version|ir_version")


def test_the_newest_ir_and_opsets_of_the_onnx_package_are_accepted():
    """Plexus's table of newest versions (ModelValidation.swift) matches the pip onnx package's:
    when onnx grows, this fails until the table (and the generated proto) follow."""
    for opset in [1, 7, 13, NEWEST_OPSET]:
        m = model([RELU], [f("x", [2])], [f("y", [2])], opset=opset, ir=onnx.IR_VERSION)
        np.testing.assert_array_equal(Session(m.SerializeToString()).run({"x": np.array([-1, 1], np.float32)})[0], [0, 1])
    newest_ml = onnx.defs.C.schema_version_map()["ai.onnx.ml"][1]
    ok = model([RELU], [f("x", [2])], [f("y", [2])], ir=onnx.IR_VERSION,
               opsets=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", newest_ml), helper.make_opsetid("com.x", 3)])
    Session(ok.SerializeToString())


# --- Arity, attributes ----------------------------------------------------------------------

ARITY = {
    "Identity with 3 inputs (a rewrite removes it)": ([helper.make_node("Identity", ["x", "x", "x"], ["t"]),
                                                       helper.make_node("Relu", ["t"], ["y"])], "3 inputs"),
    "Identity with 2 outputs": ([helper.make_node("Identity", ["x"], ["y", "u"])], "2 outputs"),
    "Dropout with 4 inputs": ([helper.make_node("Dropout", ["x", "", "", "x"], ["t"]), helper.make_node("Relu", ["t"], ["y"])],
                              "4 inputs"),
    "Relu with 2 inputs": ([helper.make_node("Relu", ["x", "x"], ["y"])], "2 inputs"),
    "Relu with 2 outputs": ([helper.make_node("Relu", ["x"], ["y", "u"])], "2 outputs"),
    "Add with 1 input": ([helper.make_node("Add", ["x"], ["y"])], "1 inputs"),
    "Add with 3 inputs": ([helper.make_node("Add", ["x", "x", "x"], ["y"])], "3 inputs"),
    "Add with a required input empty": ([helper.make_node("Add", ["x", ""], ["y"])], "required"),
    "Relu after Conv with 4 inputs (fused)": ([helper.make_node("Conv", ["x4", "k", "", "x4"], ["t"]),
                                               helper.make_node("Relu", ["t"], ["y"])], "4 inputs"),
    "Conv without its filter": ([helper.make_node("Conv", ["x4", ""], ["y"])], "required"),
}


@pytest.mark.parametrize("case", ARITY)
def test_input_and_output_counts_are_checked_before_rewrites(case):
    nodes, pattern = ARITY[case]
    k = helper.make_tensor("k", TensorProto.FLOAT, [1, 1, 1, 1], [1])
    m = model(nodes, [f("x", [2]), f("x4", [1, 1, 2, 2])], [f("y", None)], [k])
    assert_refused(m.SerializeToString(), pattern)


def attribute_with(**fields):
    attribute = onnx.AttributeProto(name="alpha")
    for key, value in fields.items():
        if isinstance(value, list):
            getattr(attribute, key).extend(value)
        else:
            setattr(attribute, key, value)
    return attribute


ATTRIBUTES = {
    "two value fields": (attribute_with(type=onnx.AttributeProto.FLOAT, f=0.1, i=3), "2 value fields"),
    "int declared, float held": (attribute_with(type=onnx.AttributeProto.INT, f=0.1), "declared INT|holds"),
    "floats declared, ints held": (attribute_with(type=onnx.AttributeProto.FLOATS, ints=[1, 2]), "holds"),
    "string where the schema wants a float": (attribute_with(type=onnx.AttributeProto.STRING, s=b"x"), "must be"),
    "ints where the schema wants a float": (attribute_with(type=onnx.AttributeProto.INTS, ints=[1, 2]), "must be"),
    "no name": (onnx.AttributeProto(name="", type=onnx.AttributeProto.FLOAT, f=1.0), "without a name"),
}


@pytest.mark.parametrize("case", ATTRIBUTES)
def test_attribute_form_and_types_are_checked(case):
    attribute, pattern = ATTRIBUTES[case]
    node = helper.make_node("LeakyRelu", ["x"], ["y"])
    node.attribute.append(attribute)
    assert_refused(model([node], [f("x", [2])], [f("y", [2])]).SerializeToString(), pattern)
    node = helper.make_node("LeakyRelu", ["x"], ["y"], alpha=0.5)
    node.attribute.append(onnx.AttributeProto(name="alpha", type=onnx.AttributeProto.FLOAT, f=0.2))
    assert_refused(model([node], [f("x", [2])], [f("y", [2])]).SerializeToString(), "twice")


# --- Declared output types ------------------------------------------------------------------

DTYPES = {
    "Relu declared int64": ([RELU], [f("x", [2])], TensorProto.INT64, "int64 but the model computes float"),
    "Cast to int64 declared float": ([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.INT64)], [f("x", [2])],
                                     TensorProto.FLOAT, "float but the model computes int64"),
    "Add declared double": ([helper.make_node("Add", ["x", "x"], ["y"])], [f("x", [2])], TensorProto.DOUBLE,
                            "double but the model computes float"),
    "Identity of int64 declared float (eliminated)": ([helper.make_node("Identity", ["i"], ["t"]),
                                                       helper.make_node("Identity", ["t"], ["y"])],
                                                      [f("i", [2], TensorProto.INT64)], TensorProto.FLOAT, "float but the model computes int64"),
    "Sigmoid declared float16": ([helper.make_node("Sigmoid", ["x"], ["y"])], [f("x", [2])], TensorProto.FLOAT16,
                                 "float16 but the model computes float"),
    "Softmax declared int32": ([helper.make_node("Softmax", ["x"], ["y"])], [f("x", [2])], TensorProto.INT32,
                               "int32 but the model computes float"),
    "Equal declared float": ([helper.make_node("Equal", ["x", "x"], ["y"])], [f("x", [2])], TensorProto.FLOAT,
                             "float but the model computes bool"),
}


@pytest.mark.parametrize("case", DTYPES)
def test_declared_output_types_must_match_the_computed_ones(case):
    nodes, inputs, declared, pattern = DTYPES[case]
    m = model(nodes, inputs, [f("y", [2], declared)])
    assert_refused(m.SerializeToString(), "graph output 'y' is declared " + pattern, status=7)


def test_declared_output_types_are_checked_at_run_time_where_inference_cannot_know():
    """Shape has no inference function, so only the run can tell its int64 from the float
    declared: a clear error then, never an int64 tensor under a float declaration."""
    m = model([helper.make_node("Shape", ["x"], ["y"])], [f("x", [2])], [f("y", [1])])
    try:
        session = Session(m.SerializeToString())
    except PlexusError as error:
        assert "graph output 'y' is declared float" in str(error)
        return
    with pytest.raises(PlexusError, match="graph output 'y' is declared float but the model computed int64"):
        session.run({"x": np.ones(2, np.float32)})


def test_an_initializer_output_declared_with_another_type_is_refused():
    m = model([RELU], [f("x", [2])], [f("y", [2]), f("w", [2], TensorProto.INT64)], [W])
    assert_refused(m.SerializeToString(), "graph output 'w' is declared int64 but the model computes float", status=7)


# --- Subgraphs, nesting, size ------------------------------------------------------------------

def branch(value):
    return helper.make_graph([helper.make_node("Constant", [], ["r"], value_float=value)], "b", [], [f("r", [])])


def test_if_and_loop_give_a_clear_unsupported_error():
    cond = f("c", [], TensorProto.BOOL)
    m = model([helper.make_node("If", ["c"], ["y"], then_branch=branch(1.0), else_branch=branch(2.0))], [cond], [f("y", [])])
    assert_refused(m.SerializeToString(), "graph.*not supported", status=3)
    body = helper.make_graph([helper.make_node("Identity", ["cond_in"], ["cond_out"])], "body",
                             [f("i", [], TensorProto.INT64), f("cond_in", [], TensorProto.BOOL)], [f("cond_out", [], TensorProto.BOOL)])
    m = model([helper.make_node("Loop", ["n", "c"], [], body=body)], [f("n", [], TensorProto.INT64), cond], [])
    assert_refused(m.SerializeToString(), "graph.*not supported", status=3)


def varint(value):
    out = b""
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out += bytes([low | 0x80])
        else:
            return out + bytes([low])


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def nested(depth, path=(1, 5, 6)):
    """A ModelProto (IR 8) whose graph nests `depth` levels of graph → node → attribute → graph
    (or another path of field numbers)."""
    inner = b""
    for _ in range(depth):
        for number in reversed(path):
            inner = field(number, inner)
    return varint(1 << 3) + varint(8) + field(7, inner)


NESTINGS = {"graph.node.attribute.g ×40": (40, (1, 5, 6)), "graph.node.attribute.g ×3000": (3000, (1, 5, 6)),
            "graph.node.attribute.g ×20000": (20000, (1, 5, 6)), "graph.input (ValueInfo.type) ×5000": (5000, (11, 2)),
            "graph.input ×20": (20, (11, 2)), "node.attribute.t ×20000": (20000, (5, 4)),
            "a 300-byte file": (300 // 6, (1, 5, 6))}


@pytest.mark.parametrize("case", [child_case("nesting", name, lambda folder, depth=depth, path=path: nested(depth, path),
                                             "nests messages|not a valid ONNX model|not supported", status=None)
                                  for name, (depth, path) in NESTINGS.items()])
def test_deeply_nested_messages_are_an_error_not_a_stack_overflow(case, child_outcomes):
    assert len(nested(300 // 6)) < 400
    assert_child_refused(child_outcomes, case, seconds=10)


# --- Identity chains ------------------------------------------------------------------------------

def test_a_20000_identity_chain_loads_quickly():
    count = 20000
    nodes = [helper.make_node("Identity", [f"v{i}"], [f"v{i + 1}"]) for i in range(count)]
    m = model(nodes, [f("v0", [2])], [f(f"v{count}", [2])])
    data = m.SerializeToString()
    start = time.monotonic()
    session = Session(data)
    assert time.monotonic() - start < 5, "Identity elimination is no longer linear"
    np.testing.assert_array_equal(session.run({"v0": np.array([1, 2], np.float32)})[0], [1, 2])
    start = time.monotonic()
    plexus.InferenceSession(data)
    assert time.monotonic() - start < 5


def test_identity_chains_in_any_order_and_cycles():
    """Chains listed backwards and branching readers resolve; an Identity cycle is an error."""
    nodes = [helper.make_node("Identity", [f"v{i}"], [f"v{i + 1}"]) for i in range(50)][::-1]
    nodes += [helper.make_node("Add", ["v20", "v50"], ["y"]), helper.make_node("Identity", ["v50"], ["z"])]
    m = model(nodes, [f("v0", [2])], [f("y", [2]), f("z", [2])])
    y, z = Session(m.SerializeToString()).run({"v0": np.array([1, 2], np.float32)})
    np.testing.assert_array_equal(y, [2, 4])
    np.testing.assert_array_equal(z, [1, 2])
    cycle = model([helper.make_node("Identity", ["b"], ["a"]), helper.make_node("Identity", ["a"], ["b"]),
                   helper.make_node("Add", ["x", "a"], ["y"])], [f("x", [2])], [f("y", [2])])
    assert_refused(cycle.SerializeToString(), "cycle")


# --- plexus check -------------------------------------------------------------------------------------

def conv(op="Conv", inputs=("x", "w"), **attributes):
    node = helper.make_node(op, list(inputs), ["y"], **attributes)
    shapes = {"x": [1, 4, 8, 8], "w": [4, 4, 3, 3]}
    graph_inputs = [f(name, shapes.get(name, [1])) for name in inputs]
    return model([node], graph_inputs, [f("y", ["a", "b", "c", "d"])])


def pool(op, **attributes):
    return model([helper.make_node(op, ["x"], ["y"], **attributes)], [f("x", [1, 4, 8, 8])], [f("y", ["a", "b", "c", "d"])])


CHECKS = {
    "Conv stride 0": (conv(strides=[0, 0]), "strides"),
    "Conv stride 0 with auto_pad": (conv(strides=[0, 1], auto_pad="SAME_UPPER"), "strides"),
    "Conv negative stride": (conv(strides=[-1, 1]), "strides"),
    "Conv stride 2^32": (conv(strides=[2**32, 1]), "strides"),
    "Conv dilation 0": (conv(dilations=[0, 1]), "dilations"),
    "Conv kernel_shape 0": (conv(kernel_shape=[0, 3]), "kernel_shape"),
    "Conv group 0": (conv(group=0), "group"),
    "Conv group -1": (conv(group=-1), "group"),
    "ConvInteger stride 0": (conv("ConvInteger", strides=[0, 0]), "strides"),
    "QLinearConv stride 0": (conv("QLinearConv", ("x", "a", "b", "w", "c", "d", "e", "f"), strides=[0, 0]), "strides"),
    "ConvTranspose stride 0": (conv("ConvTranspose", strides=[0, 0]), "strides"),
    "MaxPool stride 0": (pool("MaxPool", kernel_shape=[2, 2], strides=[0, 0]), "strides"),
    "AveragePool stride 0": (pool("AveragePool", kernel_shape=[2, 2], strides=[0, 0]), "strides"),
    "AveragePool stride 0 SAME": (pool("AveragePool", kernel_shape=[2, 2], strides=[0, 0], auto_pad="SAME_UPPER"), "strides"),
    "LpPool stride 0": (pool("LpPool", kernel_shape=[2, 2], strides=[0, 0]), "strides"),
    "MaxPool kernel 2^62": (pool("MaxPool", kernel_shape=[2**62, 2]), "kernel_shape"),
    "DepthToSpace blocksize 2^32": (pool("DepthToSpace", blocksize=2**32), "blocksize"),
    "DepthToSpace blocksize 0": (pool("DepthToSpace", blocksize=0), "blocksize"),
    "SpaceToDepth blocksize -2": (pool("SpaceToDepth", blocksize=-2), "blocksize"),
    "STFT on a rank-1 signal": (model([helper.make_node("STFT", ["s", "k"], ["y"])], [f("s", [16]), f("k", [], TensorProto.INT64)],
                                      [f("y", ["a"])]), "libonnx crashed|invalid"),
    "duplicate initializer": (model([helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2])], [f("y", [2])], [W, W]), "twice"),
    "IR 99": (model([RELU], [f("x", [2])], [f("y", [2])], ir=99), "IR version 99"),
}


@pytest.mark.parametrize("case", CHECKS)
def test_plexus_check_reports_instead_of_crashing(case, tmp_path):
    m, pattern = CHECKS[case]
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path))
    result = subprocess.run([str(PLEXUS), "check", str(path)], capture_output=True, text=True, timeout=150)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr[-2000:])
    assert "invalid" in result.stdout and any(part in result.stdout for part in pattern.split("|")), result.stdout
    assert "crashed:" not in result.stderr and "Backtrac" not in result.stderr


def test_plexus_check_still_passes_good_models(tmp_path):
    for m in [conv(strides=[1, 1]), pool("MaxPool", kernel_shape=[2, 2], strides=[2, 2]), pool("DepthToSpace", blocksize=2)]:
        path = tmp_path / "m.onnx"
        onnx.save(m, str(path))
        result = subprocess.run([str(PLEXUS), "check", str(path)], capture_output=True, text=True, timeout=150)
        assert result.returncode == 0 and "valid" in result.stdout, result.stdout + result.stderr
