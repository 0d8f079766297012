"""The CPU plugin's extended operators (CastLike, the losses, bitwise ops, sum reductions, extra
activations and math, index-addressed movement, Einsum, Unique, ...) against the golden cases
of Tests/goldens/make_cpu_goldens.py, run through the C ABI; MeanVarianceNormalization (which
the golden script cannot build) against numpy; and bad inputs, which must raise PlexusError."""
import json
import pathlib

import numpy as np
import pytest

from plexus_c import PlexusError, op

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDENS = ROOT / "Tests" / "PlexusCoreTests" / "Resources" / "cpu_goldens.json"

EXTENDED_OPS = {
    "CastLike", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "BitShift", "BitwiseAnd", "BitwiseOr",
    "BitwiseXor", "BitwiseNot", "ReduceL1", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "Hardmax", "Celu",
    "Softsign", "Mish", "Swish", "ThresholdedRelu", "Shrink", "PRelu", "Acos", "Asin", "Atan", "Sinh", "Cosh", "Asinh",
    "Acosh", "Atanh", "EyeLike", "GatherND", "ScatterND", "Compress", "NonZero", "ReverseSequence", "CumProd",
    "LpNormalization", "MeanVarianceNormalization", "Det", "Einsum", "Unique",
}

NUMPY_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64, 9: np.bool_,
                10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}


def decode_number(value):
    return {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}.get(value, value) if isinstance(value, str) else value


def decode_tensor(encoded):
    dtype = NUMPY_DTYPES[encoded["dtype"]]
    return np.array([decode_number(v) for v in encoded["data"]], dtype=dtype).reshape(encoded["shape"])


def decode_attribute(encoded):
    kind, value = encoded["type"], encoded["value"]
    if kind == "float":
        return float(decode_number(value))
    if kind == "floats":
        return [float(decode_number(v)) for v in value]
    if kind == "tensor":
        return decode_tensor(value)
    return value


def extended_cases():
    cases = json.loads(GOLDENS.read_text())["cases"]
    return [case for case in cases if case["op"] in EXTENDED_OPS]


@pytest.mark.parametrize("case", extended_cases(), ids=lambda case: case["name"])
def test_extended_operator_matches_golden(case):
    inputs = [None if encoded is None else decode_tensor(encoded) for encoded in case["inputs"]]
    attributes = {name: decode_attribute(encoded) for name, encoded in case["attributes"].items()}
    outputs = op(case["op"], inputs, attributes, outputs=len(case["outputs"]))
    for index, (tensor, encoded) in enumerate(zip(outputs, case["outputs"])):
        got, want = tensor.numpy(), decode_tensor(encoded)
        assert got.dtype == want.dtype and got.shape == want.shape, f"output {index}: {got.dtype}{got.shape} vs {want.dtype}{want.shape}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=case["rtol"], atol=case["atol"],
                                       equal_nan=True, err_msg=f"output {index}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"output {index}")


def test_every_extended_operator_has_goldens_or_a_numpy_check():
    covered = {case["op"] for case in extended_cases()} | {"MeanVarianceNormalization"}
    assert covered == EXTENDED_OPS


def mean_variance_normalization(x, axes):
    mean = x.mean(axis=tuple(axes), keepdims=True)
    deviation = np.sqrt(((x - mean) ** 2).mean(axis=tuple(axes), keepdims=True))
    return (x - mean) / (deviation + 1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axes", [None, [1], [0, 1, 2, 3]])
def test_mean_variance_normalization_matches_numpy(dtype, axes):
    x = np.random.default_rng(3).uniform(-3, 3, size=(2, 3, 2, 4)).astype(dtype)
    attributes = {} if axes is None else {"axes": axes}
    (y,) = op("MeanVarianceNormalization", [x], attributes)
    want = mean_variance_normalization(x.astype(np.float64), axes or [0, 2, 3])
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.numpy(), want, rtol=tolerance, atol=tolerance)
    assert y.numpy().dtype == dtype


F = np.ones((2, 3), np.float32)
I = np.ones((2, 3), np.int32)
BAD_CALLS = [
    ("NegativeLogLikelihoodLoss", [F, np.array([0, 5], np.int64)], {}, "out of range"),
    ("NegativeLogLikelihoodLoss", [F, np.array([0, 1, 2], np.int64)], {}, "target must have shape"),
    ("NegativeLogLikelihoodLoss", [F, np.array([0, 1], np.int64)], {"reduction": "average"}, "reduction"),
    ("NegativeLogLikelihoodLoss", [F, np.array([0, 1], np.int64), np.ones(2, np.float32)], {}, "weight"),
    ("NegativeLogLikelihoodLoss", [np.ones(3, np.float32), np.array([0], np.int64)], {}, "input must be"),
    ("SoftmaxCrossEntropyLoss", [F, np.array([0, 1], np.float32)], {}, "int32 or int64"),
    ("BitShift", [I, I], {"direction": "UP"}, "direction"),
    ("BitwiseAnd", [I, np.ones((2, 3), np.int64)], {}, "one dtype"),
    ("BitwiseAnd", [F, F], {}, "no kernel"),
    ("ReduceL1", [F, np.array([2], np.int64)], {}, "out of range"),
    ("ReduceLogSumExp", [F, np.array([1, 1], np.int64)], {}, "repeated axis"),
    ("Celu", [F], {"alpha": 0.0}, "alpha"),
    ("PRelu", [F, np.ones(4, np.float32)], {}, "broadcast"),
    ("EyeLike", [np.ones(3, np.float32)], {}, "2-D"),
    ("GatherND", [F, np.array([[2, 0]], np.int64)], {}, "out of range"),
    ("GatherND", [F, np.array([[0, 0, 0]], np.int64)], {}, "cannot address"),
    ("ScatterND", [F, np.array([[0]], np.int64), np.ones((1, 2), np.float32)], {}, "updates must have shape"),
    ("ScatterND", [F, np.array([[0]], np.int64), np.ones((1, 3), np.float32)], {"reduction": "xor"}, "reduction"),
    ("Compress", [F, np.array([1, 0, 1], np.bool_)], {"axis": 0}, "past the end"),
    ("Compress", [F, np.array([1, 0], np.int32)], {"axis": 0}, "bool"),
    ("ReverseSequence", [F, np.array([4, 1, 1], np.int64)], {}, "sequence_lens"),
    ("ReverseSequence", [F, np.array([1, 1, 1], np.int64)], {"time_axis": 2}, "batch_axis and time_axis"),
    ("CumProd", [F, np.array([0, 1], np.int64)], {}, "scalar axis"),
    ("LpNormalization", [F], {"p": 3}, "p must be 1 or 2"),
    ("Det", [F], {}, "[..., M, M]"),
    ("Einsum", [F], {"equation": "ijk->i"}, "does not fit"),
    ("Einsum", [F, F], {"equation": "ij->i"}, "terms"),
    ("Einsum", [F, np.ones((4, 2), np.float32)], {"equation": "ij,jk->ik"}, "sizes"),
    ("Einsum", [F], {"equation": "i1->i"}, "unexpected"),
    ("Unique", [F], {"axis": 2}, "out of range"),
]


@pytest.mark.parametrize("name,inputs,attributes,message", BAD_CALLS, ids=[f"{c[0]}-{c[3]}" for c in BAD_CALLS])
def test_bad_input_raises(name, inputs, attributes, message):
    with pytest.raises(PlexusError, match=message.replace("[", r"\[").replace(".", r"\.")):
        op(name, inputs, attributes)
