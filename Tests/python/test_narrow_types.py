"""The narrow dtypes (float8 ×4, float8e8m0, float4e2m1, int4/uint4, int2/uint2): Cast and
QuantizeLinear against ml_dtypes / onnx's reference conversions on values that exercise rounding,
subnormals, overflow, infinities and NaN; packed ONNX initializers in both storage forms; and the
exporter packing them again."""
import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import Session, op

FLOAT8 = {17: ml_dtypes.float8_e4m3fn, 18: ml_dtypes.float8_e4m3fnuz, 19: ml_dtypes.float8_e5m2, 20: ml_dtypes.float8_e5m2fnuz}
OTHER = {21: ml_dtypes.uint4, 22: ml_dtypes.int4, 23: ml_dtypes.float4_e2m1fn, 25: ml_dtypes.uint2, 26: ml_dtypes.int2}


def probe_values():
    rng = np.random.default_rng(3)
    special = [0.0, -0.0, 0.3, 1.5, 2.5, 7.6, 8.0, -9.2, 100.0, -100.0, 1e9, -1e9, np.inf, -np.inf, np.nan,
               464.0, 470.0, 250.0, 60000.0, 1e-9, -1e-9, 3.5, 5.0, 7.0, 0.0078125, 2.0 ** -9, 2.0 ** -17, 57344.0, 61440.0]
    return np.concatenate([special, rng.standard_normal(200) * 40, rng.standard_normal(100) * 0.01]).astype(np.float32)


def same_bits(got, want):
    got, want = got.view(np.uint8), want.view(np.uint8)
    bad = np.nonzero(got != want)[0]
    assert bad.size == 0, f"{bad.size} differ, first at {bad[0]}: {got[bad[0]]:#04x} vs {want[bad[0]]:#04x}"


@pytest.mark.parametrize("code", sorted(FLOAT8))
@pytest.mark.parametrize("saturate", [0, 1])
def test_cast_to_float8_rounds_and_saturates_like_onnx(code, saturate):
    x = probe_values()
    dtype = FLOAT8[code]
    want = numpy_helper.saturate_cast(x, dtype) if saturate else x.astype(dtype)
    got = op("Cast", [x], {"to": code, "saturate": saturate})[0].numpy()
    assert got.dtype == dtype
    # NaN has one pattern per format in ml_dtypes but a sign in ours: compare NaN-ness separately.
    nan = np.isnan(want.astype(np.float32))
    assert np.array_equal(np.isnan(got.astype(np.float32)), nan)
    same_bits(got[~nan], want[~nan])


@pytest.mark.parametrize("code", sorted(OTHER))
def test_cast_to_int4_int2_and_float4_matches_ml_dtypes(code):
    x = probe_values()
    want = x.astype(OTHER[code])
    got = op("Cast", [x], {"to": code})[0].numpy()
    same_bits(got, want)


@pytest.mark.parametrize("code", sorted(FLOAT8) + sorted(OTHER) + [24])
@pytest.mark.parametrize("target", [TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE])
def test_every_bit_pattern_decodes_like_ml_dtypes(code, target):
    dtype = {**FLOAT8, **OTHER, 24: ml_dtypes.float8_e8m0fnu}[code]
    width = {21: 16, 22: 16, 23: 16, 25: 4, 26: 4}.get(code, 256)
    patterns = np.arange(width, dtype=np.uint8).view(dtype)
    if code == 24 and target == TensorProto.FLOAT16:  # beyond float16's range: infinities
        patterns = patterns[100:143]
    numpy_type = helper.tensor_dtype_to_np_dtype(target)
    got = op("Cast", [patterns], {"to": target})[0].numpy()
    np.testing.assert_array_equal(got, patterns.astype(np.float32).astype(numpy_type))


@pytest.mark.parametrize("mode", ["up", "down", "nearest"])
@pytest.mark.parametrize("saturate", [0, 1])
def test_float8e8m0_rounding_modes(mode, saturate):
    x = np.abs(probe_values())
    x = np.concatenate([x, np.float32([3.4e38, 1.7e38, 2.0 ** -127, 2.0 ** -149])])
    want = numpy_helper.to_float8e8m0(x, saturate=bool(saturate), round_mode=mode)
    got = op("Cast", [x], {"to": 24, "saturate": saturate, "round_mode": mode})[0].numpy()
    same_bits(got, want)


def test_unknown_round_mode_is_an_error():
    with pytest.raises(Exception, match="round_mode"):
        op("Cast", [np.float32([1])], {"to": 24, "round_mode": "sideways"})


@pytest.mark.parametrize("code,low,high", [(22, -8, 7), (21, 0, 15), (26, -2, 1), (25, 0, 3)])
def test_quantize_linear_into_narrow_integers_rounds_and_clamps(code, low, high):
    x = np.float32([-100, -3.5, -2.5, -0.4, 0, 0.5, 1.5, 2.6, 100])
    zero = np.array([1], dtype=OTHER[code]).reshape(())
    got = op("QuantizeLinear", [x, np.float32(0.5), zero])[0].numpy()
    want = np.clip(np.round(x / 0.5) + 1, low, high).astype(OTHER[code])
    same_bits(got, want)


def narrow_model(initializer):
    """y = DequantizeLinear(w, scale): keeps w as a narrow initializer through export."""
    nodes = [helper.make_node("DequantizeLinear", ["w", "scale"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("scale", TensorProto.FLOAT, [])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])], [initializer])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])


@pytest.mark.parametrize("code", [21, 22, 23, 25, 26])
@pytest.mark.parametrize("form", ["raw_data", "int32_data"])
def test_packed_initializers_unpack_in_both_storage_forms(code, form):
    values = np.arange(7, dtype=np.uint8).view(OTHER[code]) if code in (25, 26) else np.arange(-3, 4).astype(OTHER[code])
    if form == "raw_data":
        tensor = numpy_helper.from_array(values, "w")
        assert len(tensor.raw_data) == (7 * (2 if code in (25, 26) else 4) + 7) // 8
    else:
        tensor = helper.make_tensor("w", code, [7], values.astype(np.float32).tolist())
        assert not tensor.raw_data and len(tensor.int32_data) < 7
    y = Session(narrow_model(tensor).SerializeToString()).run({"scale": np.float32(2)})[0]
    np.testing.assert_array_equal(y, values.astype(np.float32) * 2)


def test_a_packed_initializer_with_too_few_bytes_is_an_error():
    tensor = TensorProto(name="w", data_type=TensorProto.INT4, dims=[7], raw_data=b"\x01\x02")
    with pytest.raises(Exception, match="bytes of data"):
        Session(narrow_model(tensor).SerializeToString())


def test_export_packs_narrow_initializers_again(tmp_path):
    values = np.array([-8, -1, 0, 3, 7], dtype=ml_dtypes.int4)
    first = narrow_model(numpy_helper.from_array(values, "w"))
    layer = Session(first.SerializeToString()).to_layer()
    layer.export(tmp_path / "again.onnx", [np.float32(0.5)])
    exported = onnx.load(tmp_path / "again.onnx")
    narrow = [t for t in exported.graph.initializer if t.data_type == TensorProto.INT4]
    assert len(narrow) == 1 and len(narrow[0].raw_data) == 3
    np.testing.assert_array_equal(numpy_helper.to_array(narrow[0]), values)


@pytest.mark.parametrize("code", [21, 22, 25, 26])
def test_integers_wrap_into_int4_and_int2_like_ml_dtypes(code):
    x = np.array([0, 5, -3, 17, 2**40 + 3, -(2**40) - 1], np.int64)
    same_bits(op("Cast", [x], {"to": code})[0].numpy(), x.astype(OTHER[code]))
    big = np.array([2**63 + 5, 2**64 - 1], np.uint64)
    same_bits(op("Cast", [big], {"to": code})[0].numpy(), big.astype(OTHER[code]))
