"""Python entry points refuse bad values clearly (issue 19): wrong types raise TypeError,
bad values an InvalidArgumentError (a ValueError), sizes above the allocation cap an
OutOfMemoryError (a MemoryError) before numpy or C allocates, and nothing reaches ctypes to be
silently truncated (2**70 as an int64, a NUL inside a name). Also: the allocation caps of
``plexus.set_max_allocation_bytes`` and ``SessionOptions`` and malformed safetensors headers
given to the Python reader."""
import json
import math
import struct
import subprocess
import sys

import numpy as np
import pytest

import plexus
from conftest import PACKAGE_ROOT

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

# -- factories ------------------------------------------------------------------------------------

FACTORIES = {
    "zeros": lambda *s: plexus.zeros(*s), "ones": lambda *s: plexus.ones(*s), "empty": lambda *s: plexus.empty(*s),
    "randn": lambda *s: plexus.randn(*s), "rand": lambda *s: plexus.rand(*s),
    "full": lambda *s: plexus.full(s[0] if len(s) == 1 and isinstance(s[0], (list, tuple)) else s, 1.5),
    "randint": lambda *s: plexus.randint(0, 5, size=s[0] if len(s) == 1 and isinstance(s[0], (list, tuple)) else s),
}
NEGATIVE_SHAPES = [(-1,), (-1, 4), (4, -1), ([-1, 4],), ((2, -3),), (-(2 ** 63),)]
WRONG_TYPES = [(1.5,), ("3",), ((2, 1.0),), (None,), ([2, "a"],), (True, 2), (float("nan"),)]
TOO_WIDE = [(2 ** 63,), (2 ** 70, 1), ([2 ** 64],)]
TOO_LARGE = [(2 ** 40, 2 ** 40), (2 ** 62,), (2 ** 31, 2 ** 31, 4), ([2 ** 50, 2 ** 20],)]


@pytest.mark.parametrize("factory", sorted(FACTORIES))
@pytest.mark.parametrize("size", NEGATIVE_SHAPES, ids=str)
def test_negative_sizes_are_value_errors(factory, size):
    with pytest.raises(plexus.InvalidArgumentError, match=r"sizes must be >= 0"):
        FACTORIES[factory](*size)


@pytest.mark.parametrize("factory", sorted(FACTORIES))
@pytest.mark.parametrize("size", WRONG_TYPES, ids=str)
def test_sizes_of_the_wrong_type_are_type_errors(factory, size):
    with pytest.raises(TypeError, match=r"must be an integer"):
        FACTORIES[factory](*size)


@pytest.mark.parametrize("factory", sorted(FACTORIES))
@pytest.mark.parametrize("size", TOO_WIDE, ids=str)
def test_sizes_beyond_64_bits_are_value_errors(factory, size):
    with pytest.raises(plexus.InvalidArgumentError, match=r"64-bit"):
        FACTORIES[factory](*size)


@pytest.mark.parametrize("factory", sorted(FACTORIES))
@pytest.mark.parametrize("size", TOO_LARGE, ids=str)
def test_sizes_beyond_the_cap_are_refused_before_allocating(factory, size):
    with pytest.raises(plexus.OutOfMemoryError, match=r"cap") as raised:
        FACTORIES[factory](*size)
    assert isinstance(raised.value, MemoryError)


def test_too_many_dimensions():
    with pytest.raises(plexus.InvalidArgumentError, match="64"):
        plexus.zeros(*([1] * 65))


@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_valid_edge_sizes_still_work(factory):
    assert tuple(FACTORIES[factory](0, 3).shape) == (0, 3)
    assert tuple(FACTORIES[factory]([]).shape) == ()
    assert tuple(FACTORIES[factory](np.int64(2), np.int32(3)).shape) == (2, 3)


@pytest.mark.parametrize("args, error, text", [
    ((0, 10, 0), plexus.InvalidArgumentError, "step must be nonzero"),
    ((0, 10, 0.0), plexus.InvalidArgumentError, "step must be nonzero"),
    ((10, 0, -0.0), plexus.InvalidArgumentError, "step must be nonzero"),
    ((0, float("nan")), plexus.InvalidArgumentError, "finite"),
    ((float("-inf"), 0), plexus.InvalidArgumentError, "finite"),
    ((0, 1, float("nan")), plexus.InvalidArgumentError, "finite"),
    ((0, 1e300, 1e-300), plexus.InvalidArgumentError, "more values"),
    ((0, 1e12, 1e-6), plexus.OutOfMemoryError, "cap"),
    ((0, 2 ** 62), plexus.OutOfMemoryError, "cap"),
    (("a",), TypeError, "number"),
    ((0, 10, None), TypeError, "number"),
])
def test_arange_refuses_bad_bounds(args, error, text):
    with pytest.raises(error, match=text):
        plexus.arange(*args)


def test_arange_still_works():
    assert plexus.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert plexus.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert plexus.arange(0, 10, 20).tolist() == [0] and plexus.arange(5, 0).tolist() == []
    np.testing.assert_allclose(plexus.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])


@pytest.mark.parametrize("call, error", [
    (lambda: plexus.linspace(0, 1, -1), plexus.InvalidArgumentError),
    (lambda: plexus.linspace(0, 1, 2.5), TypeError),
    (lambda: plexus.linspace(float("nan"), 1, 3), plexus.InvalidArgumentError),
    (lambda: plexus.eye(-1), plexus.InvalidArgumentError),
    (lambda: plexus.eye(3, -2), plexus.InvalidArgumentError),
    (lambda: plexus.eye(2 ** 40), plexus.OutOfMemoryError),
    (lambda: plexus.randint(5, 2), plexus.InvalidArgumentError),
    (lambda: plexus.randint(3, 3), plexus.InvalidArgumentError),
    (lambda: plexus.randint(0.5, 2), TypeError),
    (lambda: plexus.manual_seed("seed"), TypeError),
    (lambda: plexus.manual_seed(2 ** 70), plexus.InvalidArgumentError),
    (lambda: plexus.full((2, -1), 0.0), plexus.InvalidArgumentError),
    (lambda: plexus.tensor(2 ** 70), plexus.InvalidArgumentError),
    (lambda: plexus.tensor([1, 2 ** 65]), plexus.InvalidArgumentError),
    (lambda: plexus.tensor(["a\0b"]), plexus.InvalidArgumentError),
])
def test_other_factories_refuse_bad_values(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize("call, words", [
    (lambda: plexus.full((2,), 2 ** 70, dtype=plexus.int64), [str(2 ** 70), "int64"]),
    (lambda: plexus.full((2,), 2 ** 63), ["int64"]),
    (lambda: plexus.full((2,), -(2 ** 63) - 1, dtype=plexus.int64), ["int64"]),
    (lambda: plexus.full((2,), 300, dtype=plexus.uint8), ["uint8"]),
    (lambda: plexus.full((2,), -1, dtype=plexus.uint8), ["uint8"]),
    (lambda: plexus.full((2,), 2 ** 31, dtype=plexus.int32), ["int32"]),
    (lambda: plexus.full((2,), float("nan"), dtype=plexus.int64), ["nan"]),
    (lambda: plexus.full((2,), float("inf"), dtype=plexus.int32), ["inf"]),
    (lambda: plexus.full((2,), 1e300, dtype=plexus.float32), ["float32"]),
    (lambda: plexus.full((2,), 10 ** 400, dtype=plexus.float64), ["too large"]),
    (lambda: plexus.full_like(plexus.zeros(2, dtype=plexus.int32), 2 ** 40), ["int32"]),
    (lambda: plexus.zeros(2, dtype=plexus.int64).fill_(2 ** 64), ["int64"]),
])
def test_fill_values_that_do_not_fit_the_dtype_are_refused(call, words):
    with pytest.raises(plexus.InvalidArgumentError) as caught:
        call()
    for word in words:
        assert word in str(caught.value)


def test_fill_values_at_the_edges_still_work():
    assert plexus.full((2,), 2 ** 63 - 1, dtype=plexus.int64).numpy().tolist() == [2 ** 63 - 1] * 2
    assert plexus.full((1,), -(2 ** 63), dtype=plexus.int64).numpy().tolist() == [-(2 ** 63)]
    assert plexus.full((1,), 255, dtype=plexus.uint8).numpy().tolist() == [255]
    assert plexus.full((1,), 3.0, dtype=plexus.int32).numpy().tolist() == [3]
    assert np.isnan(plexus.full((1,), float("nan")).numpy()[0])
    assert np.isinf(plexus.full((1,), float("-inf"), dtype=plexus.float32).numpy()[0])
    assert plexus.full((1,), True).numpy().tolist() == [True]


def test_manual_seed_accepts_any_64_bit_seed():
    for seed in (0, -1, 2 ** 64 - 1, np.uint64(7)):
        plexus.manual_seed(seed)


# -- tensor methods and op calls ------------------------------------------------------------------

@pytest.mark.parametrize("call, error, text", [
    (lambda t: t.reshape(2.5, 2), TypeError, "integer"),
    (lambda t: t.reshape(2 ** 70), plexus.InvalidArgumentError, "64-bit"),
    (lambda t: t.reshape("6"), TypeError, "integer"),
    (lambda t: t.reshape(-2, 3), plexus.InvalidArgumentError, "-2"),
    (lambda t: t.reshape(-1, -1), plexus.InvalidArgumentError, None),
    (lambda t: t.reshape(4, 4), ValueError, None),
    (lambda t: t.view([None, 2]), TypeError, "integer"),
    (lambda t: t.split(0), plexus.InvalidArgumentError, "positive"),
    (lambda t: t.split(-2), plexus.InvalidArgumentError, "positive"),
    (lambda t: t.split(1.5), TypeError, "integer"),
    (lambda t: t.split([2, 5]), plexus.ShapeMismatchError, "add up"),
    (lambda t: t.reshape(2, 3).expand(3), plexus.ShapeMismatchError, "fewer dims"),
    (lambda t: t.reshape(2, 3).expand(2, 2.0), TypeError, "integer"),
    (lambda t: t.unsqueeze(2 ** 70), plexus.InvalidArgumentError, "64-bit"),
])
def test_tensor_methods_refuse_bad_arguments(call, error, text):
    with pytest.raises(error, match=text):
        call(plexus.arange(6, dtype="float32"))


def test_reshape_still_infers_one_dimension():
    assert plexus.arange(6).reshape(-1, 2).shape == (3, 2)
    assert plexus.arange(6).reshape((np.int64(3), -1)).shape == (3, 2)


@pytest.mark.parametrize("call, error, text", [
    (lambda x: plexus.op(5, x), TypeError, "op type"),
    (lambda x: plexus.op(b"Relu\0", x), plexus.InvalidArgumentError, "NUL"),
    (lambda x: plexus.op("Relu", x, domain=3), TypeError, "domain"),
    (lambda x: plexus.op("Flatten", x, axis=2 ** 70), plexus.InvalidArgumentError, "axis"),
    (lambda x: plexus.op("Flatten", x, axis=1.5), ValueError, None),
    (lambda x: plexus.op("Transpose", x, perm=[1, 2 ** 64]), plexus.InvalidArgumentError, r"perm'\[1\]"),
    (lambda x: plexus.op("Transpose", x, perm=[1, "0"]), plexus.InvalidArgumentError, "only ints"),
    (lambda x: plexus.op("Relu", x, **{"a\0b": 1}), plexus.InvalidArgumentError, "NUL"),
    (lambda x: plexus.op("Relu", x, mode="a\0b"), plexus.InvalidArgumentError, "NUL"),
    (lambda x: plexus.op("Relu", x, outputs=0), plexus.InvalidArgumentError, "outputs"),
    (lambda x: plexus.op("Relu", x, outputs=2 ** 40), plexus.InvalidArgumentError, "outputs"),
    (lambda x: plexus.op("Relu", x, outputs=True), plexus.InvalidArgumentError, "outputs"),
    (lambda x: plexus.op("Relu", x, scales=[1.0, 2 ** 1100]), plexus.InvalidArgumentError, "too large"),
])
def test_op_calls_refuse_bad_names_and_attributes(call, error, text):
    with pytest.raises(error, match=text):
        call(plexus.ones(2, 2))


# -- sessions -------------------------------------------------------------------------------------

@pytest.fixture
def add_model():
    graph = helper.make_graph([helper.make_node("Add", ["x", "y"], ["z"])], "add",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4]),
                               helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, [None, 4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


@pytest.mark.parametrize("feed, outputs, error, text", [
    ({1: "x"}, None, TypeError, "input_feed key"),
    ({None: "x"}, None, TypeError, "input_feed key"),
    ({("x",): "x"}, None, TypeError, "input_feed key"),
    ({"x\0y": "x"}, None, plexus.InvalidArgumentError, "NUL"),
    ({"x": "x", "y": "x"}, "z", TypeError, "output_names"),
    ({"x": "x", "y": "x"}, [0], TypeError, "output name"),
    ({"x": "x", "y": "x"}, ["z\0"], plexus.InvalidArgumentError, "NUL"),
    ({"x": "x", "y": "x"}, ["nope"], plexus.NotFoundError, "nope"),
    ({"x": "x"}, None, ValueError, "y"),
    ({"x": None, "y": "x"}, None, plexus.InvalidArgumentError, "None"),
])
def test_session_run_refuses_bad_feeds_clearly(add_model, feed, outputs, error, text):
    session = plexus.InferenceSession(add_model)
    x = np.ones((2, 4), np.float32)
    feed = {key: (x if value == "x" else value) for key, value in feed.items()}
    with pytest.raises(error, match=text):
        session.run(outputs, feed)


def test_session_run_with_bytes_names_still_works(add_model):
    session = plexus.InferenceSession(add_model)
    x = np.ones((2, 4), np.float32)
    (z,) = session.run([b"z"], {b"x": x, "y": x})
    np.testing.assert_array_equal(z, 2 * x)


@pytest.mark.parametrize("field, value, error", [
    ("intra_op_num_threads", -1, plexus.InvalidArgumentError), ("intra_op_num_threads", 2 ** 40, plexus.InvalidArgumentError),
    ("intra_op_num_threads", 1.5, TypeError), ("max_allocation_bytes", -1, plexus.InvalidArgumentError),
    ("max_allocation_bytes", 2 ** 63, plexus.InvalidArgumentError), ("max_allocation_bytes", "1G", TypeError),
    ("max_arena_bytes", -5, plexus.InvalidArgumentError), ("max_arena_bytes", 1e9, TypeError),
    ("backend_order", "cpu\0openblas", plexus.InvalidArgumentError),
])
def test_session_options_refuse_bad_values(add_model, field, value, error):
    options = plexus.SessionOptions()
    setattr(options, field, value)
    with pytest.raises(error, match=field.replace("_", ".") if field != "backend_order" else "NUL"):
        plexus.InferenceSession(add_model, options)


def test_model_paths_with_nul_are_refused(tmp_path):
    with pytest.raises(plexus.InvalidArgumentError, match="NUL"):
        plexus.InferenceSession(str(tmp_path / "model.onnx\0.txt"))


# -- allocation caps ------------------------------------------------------------------------------

def run_child(code):
    """Runs ``code`` in a fresh Python (caps are process-wide) and returns its stdout."""
    result = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r})\n" + code],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_process_allocation_cap_from_python():
    out = run_child("""
import plexus, numpy as np
default = plexus.get_max_allocation_bytes()
assert default > 0
plexus.set_max_allocation_bytes(4096)
assert plexus.get_max_allocation_bytes() == 4096
plexus.zeros(1024)  # exactly the cap
for make in (lambda: plexus.zeros(1025), lambda: plexus.tensor(np.zeros(2048, np.float32)), lambda: plexus.arange(5000)):
    try:
        make()
        raise SystemExit("no error above the cap")
    except plexus.OutOfMemoryError as error:
        assert "4096" in str(error) and isinstance(error, MemoryError), error
plexus.set_max_allocation_bytes(0)
assert plexus.get_max_allocation_bytes() == default
plexus.zeros(4096)
for bad in (-1, 1.5, "1", 2 ** 63):
    try:
        plexus.set_max_allocation_bytes(bad)
        raise SystemExit(f"accepted {bad!r}")
    except (TypeError, ValueError):
        pass
print("ok")
""")
    assert out.strip() == "ok"


def test_session_allocation_caps_are_passed_through(add_model):
    session_options = plexus.SessionOptions()
    assert session_options.max_allocation_bytes == 0 and session_options.max_arena_bytes == 0
    x = np.ones((64, 4), np.float32)
    roomy = plexus.SessionOptions()
    roomy.max_allocation_bytes, roomy.max_arena_bytes = 1 << 20, 1 << 22
    (z,) = plexus.InferenceSession(add_model, roomy).run(None, {"x": x, "y": x})
    np.testing.assert_array_equal(z, 2 * x)
    tight = plexus.SessionOptions()
    tight.max_allocation_bytes = 512  # the output alone is 1 KiB
    with pytest.raises(plexus.OutOfMemoryError):
        plexus.InferenceSession(add_model, tight).run(None, {"x": x, "y": x})
    arena = plexus.SessionOptions()
    arena.max_arena_bytes = 512
    with pytest.raises(plexus.OutOfMemoryError):
        plexus.InferenceSession(add_model, arena).run(None, {"x": x, "y": x})


# -- safetensors headers (the Python reader) ------------------------------------------------------

def safetensors_bytes(header, data=b"", length=None):
    text = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(text) if length is None else length) + text + data


ENTRY = '{"dtype":"F32","shape":%s,"data_offsets":%s}'


def malformed_headers():
    cases = {}
    for label, number in {"1e30": "1e30", "2^62": str(2 ** 62), "-1": "-1", "1.5": "1.5", "NaN": "NaN", "Infinity": "Infinity",
                          "-Infinity": "-Infinity", "2^64": str(2 ** 64), "huge-int": "9" * 5000, "str": '"2"', "null": "null",
                          "bool": "true", "list": "[2]", "dict": "{}"}.items():
        cases[f"dim-{label}"] = '{"w":%s}' % (ENTRY % (f"[{number},2]", "[0,16]"))
        cases[f"begin-{label}"] = '{"w":%s}' % (ENTRY % ("[2,2]", f"[{number},16]"))
        cases[f"end-{label}"] = '{"w":%s}' % (ENTRY % ("[2,2]", f"[0,{number}]"))
    for label, header in {"list": "[]", "string": '"x"', "number": "3", "null": "null", "entry-list": '{"w":[]}',
                          "entry-str": '{"w":"F32"}', "entry-null": '{"w":null}', "no-dtype": '{"w":{"shape":[],"data_offsets":[0,4]}}',
                          "no-shape": '{"w":{"dtype":"F32","data_offsets":[0,4]}}', "no-offsets": '{"w":{"dtype":"F32","shape":[]}}',
                          "dtype-int": '{"w":{"dtype":1,"shape":[],"data_offsets":[0,4]}}',
                          "dtype-unknown": '{"w":{"dtype":"Q8","shape":[],"data_offsets":[0,4]}}',
                          "shape-str": '{"w":{"dtype":"F32","shape":"2,2","data_offsets":[0,16]}}',
                          "offsets-short": '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0]}}',
                          "offsets-dict": '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":{"0":16}}}',
                          "duplicate": '{"w":%s,"w":%s}' % (ENTRY % ("[2,2]", "[0,16]"), ENTRY % ("[2,2]", "[16,32]")),
                          "duplicate-field": '{"w":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}',
                          "overlap": '{"a":%s,"b":%s}' % (ENTRY % ("[2,2]", "[0,16]"), ENTRY % ("[2]", "[8,16]")),
                          "end-before-begin": '{"w":%s}' % (ENTRY % ("[0]", "[16,0]")),
                          "past-data": '{"w":%s}' % (ENTRY % ("[4,4]", "[0,64]")),
                          "size-mismatch": '{"w":%s}' % (ENTRY % ("[3]", "[0,16]")),
                          "metadata-list": '{"__metadata__":[1]}', "metadata-int": '{"__metadata__":{"a":1}}',
                          "deep-lists": "[" * 100_000, "deep-objects": '{"a":' * 50_000, "invalid-json": "{w}",
                          "trailing": '{"w":%s}x' % (ENTRY % ("[2,2]", "[0,16]")), "invalid-utf8": b'{"\xff":1}'}.items():
        cases[label] = header
    return cases


@pytest.mark.parametrize("name", sorted(malformed_headers()))
def test_malformed_safetensors_headers_raise_value_errors(name):
    content = safetensors_bytes(malformed_headers()[name], bytes(32))
    with pytest.raises(ValueError) as raised:
        plexus.serialization.parse_safetensors(content, "weights.safetensors")
    assert isinstance(raised.value, plexus.PlexusError) and not isinstance(raised.value, (KeyError, AttributeError))
    assert "weights.safetensors" in str(raised.value)


@pytest.mark.parametrize("length", [0, 1, 7])
def test_short_safetensors_files(length):
    with pytest.raises(plexus.InvalidArgumentError, match="not a safetensors file"):
        plexus.serialization.parse_safetensors(bytes(length), "short")


@pytest.mark.parametrize("length", [2 ** 64 - 1, 2 ** 63, 100_000_001, 41])
def test_bad_header_lengths(length):
    with pytest.raises(plexus.InvalidArgumentError, match="header length"):
        plexus.serialization.parse_safetensors(safetensors_bytes("{}", bytes(8), length=length), "x")


def test_parse_matches_the_reference_reader_on_valid_files(tmp_path):
    from safetensors.numpy import save_file

    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "s": np.array(1.5, np.float64), "e": np.zeros((0, 2), np.int64)}
    save_file(arrays, str(tmp_path / "x.safetensors"), metadata={"k": "v"})
    loaded, metadata = plexus.serialization.read_safetensors(tmp_path / "x.safetensors")
    assert metadata == {"k": "v"}
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name], array)
        assert loaded[name].dtype == array.dtype


def test_header_integers_written_as_floats_load_as_in_c():
    header = '{"w":{"dtype":"F32","shape":[2.0,2],"data_offsets":[0,16.0]}}'
    arrays, _ = plexus.serialization.parse_safetensors(safetensors_bytes(header, bytes(16)), "x")
    assert arrays["w"].shape == (2, 2)
    assert math.isclose(float(arrays["w"].sum()), 0.0)


def test_metadata_must_be_strings_but_may_be_null():
    header = json.dumps({"__metadata__": None, "w": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}})
    arrays, metadata = plexus.serialization.parse_safetensors(safetensors_bytes(header, bytes(4)), "x")
    assert metadata == {} and arrays["w"].shape == ()


def test_schedulers_refuse_zero_periods():
    optimizer = plexus.optim.SGD(plexus.nn.Linear(2, 2).parameters(), lr=0.1)
    for make in (lambda: plexus.optim.lr_scheduler.LinearLR(optimizer, total_iters=0),
                 lambda: plexus.optim.lr_scheduler.StepLR(optimizer, step_size=0),
                 lambda: plexus.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=0)):
        with pytest.raises(plexus.InvalidArgumentError, match="positive"):
            make()


@pytest.mark.parametrize("call, error, text", [
    (lambda t: t.transpose(0, 5), IndexError, "out of range"), (lambda t: t.transpose(-3, 0), IndexError, "out of range"),
    (lambda t: t.transpose(0, 1.5), TypeError, "integer"), (lambda t: t.squeeze(2 ** 70), plexus.InvalidArgumentError, "64-bit"),
    (lambda t: t.squeeze(2), IndexError, "out of range"), (lambda t: t.sum(2), IndexError, "out of range"),
    (lambda t: t.permute(0, 7), IndexError, "out of range"),
])
def test_dims_out_of_range_are_index_errors(call, error, text):
    with pytest.raises(error, match=text):
        call(plexus.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("data", [b"\x09\x01\x02", b"\x0d\x01", b"\x0a\x05ab", b"\x80", b"\x0b", b"\x0a\xff\xff\xff\xff\x0f"])
def test_the_python_protobuf_reader_raises_value_errors(data):
    from plexus.onnx._model import model_metadata  # get_modelmeta's reader

    with pytest.raises(ValueError, match="protobuf"):
        model_metadata(data)


def test_thread_counts_above_1024_are_refused_not_clamped():
    from plexus._lib import lib
    before = plexus.get_num_threads()
    for count in (1025, 2 ** 31 - 1):
        with pytest.raises(plexus.InvalidArgumentError, match="1024"):
            plexus.set_num_threads(count)
        assert lib.plx_set_num_threads(count) != 0  # PLX_ERR_INVALID_ARGUMENT from C as well
        assert plexus.get_num_threads() == before
    plexus.set_num_threads(1024)
    assert plexus.get_num_threads() == 1024
    plexus.set_num_threads(0)
