#!/usr/bin/env python3
"""Generate golden test cases for the Plexus CPU backend's ONNX operators.

Every case is a single ONNX node (default domain, opset 21, or newer where `add_at_opset` says
so). The expected outputs come from `onnx.reference.ReferenceEvaluator`; every case is also run
through onnxruntime (when it supports the op/dtype combination) and the two must agree,
otherwise the script fails.
Where the reference evaluator is wrong or cannot run a case, the expected output is computed
with numpy instead (marked `expected=` below with a comment) and still cross-checked with
onnxruntime.

Usage (from the repository root):
    python Tests/goldens/make_cpu_goldens.py [output.json]
Default output: Tests/PlexusCoreTests/Resources/cpu_goldens.json. Reruns are byte-identical.

Tensor encoding: {"dtype": <ONNX TensorProto number>, "shape": [...], "data": [row-major]};
floats are exact decimal renderings of the stored value (float32/float16 widened to float64),
non-finite floats are the strings "nan", "inf", "-inf", bools are 0/1, strings are JSON strings.
"""
from __future__ import annotations

import collections
import json
import math
import os
import sys
import warnings
import zlib

# numpy's OpenBLAS picks its GEMM kernel by CPU, and the kernels round differently: pin one that
# every AVX2 machine has, so the goldens regenerate byte-for-byte anywhere (must precede numpy).
os.environ["OPENBLAS_CORETYPE"] = "Haswell"

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

try:
    import onnxruntime as ort

    ort.set_default_logger_severity(4)
except ImportError:  # pragma: no cover - the cross-check is optional
    ort = None

# Overflow/invalid warnings come from the deliberate inf/nan cases.
warnings.filterwarnings("ignore", category=RuntimeWarning)
np.seterr(all="ignore")

OPSET = 21
IR_VERSION = 10  # accepted by every onnxruntime that knows opset 21

F16, F32, F64 = np.float16, np.float32, np.float64
I8, U8, I32, I64, BOOL = np.int8, np.uint8, np.int32, np.int64, np.bool_

NAN, INF = float("nan"), float("inf")

CASES: list[dict] = []
NAMES: set[str] = set()
ORT_MISMATCH: list[str] = []      # reference and onnxruntime disagree (script fails unless expected=)
ORT_UNSUPPORTED: list[str] = []   # onnxruntime refused the model
ORT_DEMOTED: list[str] = []       # cross-checked only after converting dtypes (see DEMOTIONS)
REF_OVERRIDDEN: list[str] = []    # expected output computed with numpy instead of the reference


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------

def _enc_float(v: float):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(v)


def enc_tensor(a) -> dict:
    a = np.asarray(a)
    dtype = helper.np_dtype_to_tensor_dtype(a.dtype) if a.dtype.kind not in "OUS" else TensorProto.STRING
    flat = a.reshape(-1)
    if a.dtype.kind == "f":
        data = [_enc_float(float(x)) for x in flat]
    elif a.dtype.kind == "b":
        data = [1 if x else 0 for x in flat]
    elif a.dtype.kind in "iu":
        data = [int(x) for x in flat]
        assert all(abs(x) <= 2**53 for x in data), "int64 value outside +-2^53"
    elif a.dtype.kind in "OUS":
        data = [str(x) for x in flat]
    else:
        raise TypeError(a.dtype)
    return {"dtype": int(dtype), "shape": [int(d) for d in a.shape], "data": data}


def enc_attr(v) -> dict:
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("use ints for boolean attributes")
    if isinstance(v, (int, np.integer)):
        return {"type": "int", "value": int(v)}
    if isinstance(v, (float, np.floating)):
        # ONNX float attributes are float32: store the exact float32 value that the reference
        # evaluator (and onnxruntime) computed with, e.g. 0.1 -> 0.10000000149011612.
        return {"type": "float", "value": _enc_float(float(np.float32(v)))}
    if isinstance(v, str):
        return {"type": "string", "value": v}
    if isinstance(v, np.ndarray):
        return {"type": "tensor", "value": enc_tensor(v)}
    if isinstance(v, (list, tuple)):
        assert len(v) > 0, "empty list attributes are ambiguous"
        if all(isinstance(x, (int, np.integer)) for x in v):
            return {"type": "ints", "value": [int(x) for x in v]}
        if all(isinstance(x, (float, np.floating)) for x in v):
            return {"type": "floats", "value": [_enc_float(float(np.float32(x))) for x in v]}
        if all(isinstance(x, str) for x in v):
            return {"type": "strings", "value": list(v)}
    raise TypeError(f"unsupported attribute {v!r}")


def onnx_attr(name, v):
    if isinstance(v, np.ndarray):
        return helper.make_attribute(name, numpy_helper.from_array(v, name))
    return helper.make_attribute(name, v)


# --------------------------------------------------------------------------------------------
# Running one node
# --------------------------------------------------------------------------------------------

def elem_type(a: np.ndarray) -> int:
    if a.dtype.kind in "OUS":
        return TensorProto.STRING
    return helper.np_dtype_to_tensor_dtype(a.dtype)


def make_model(op, inputs, attrs, n_out, domain=""):
    in_names, graph_inputs = [], []
    for i, a in enumerate(inputs):
        if a is None:
            in_names.append("")
            continue
        nm = f"x{i}"
        in_names.append(nm)
        graph_inputs.append(helper.make_tensor_value_info(nm, elem_type(a), list(a.shape)))
    out_names = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, in_names, out_names, domain=domain)
    for k in sorted(attrs):
        node.attribute.append(onnx_attr(k, attrs[k]))
    graph_outputs = [helper.make_tensor_value_info(nm, TensorProto.UNDEFINED, None) for nm in out_names]
    graph = helper.make_graph([node], f"g_{op}", graph_inputs, graph_outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(domain, OPSET)],
                              ir_version=IR_VERSION)
    # Strict shape inference rejects cases that violate the operator's schema (types,
    # attributes) and fills in the output element types.
    return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)


def finish_model(model, outputs):
    """Declares the outputs with their inferred dtype and the golden rank, then runs the checker."""
    for go, o in zip(model.graph.output, outputs):
        et = go.type.tensor_type.elem_type or elem_type(o)
        if o.dtype.kind not in "OUS":
            assert et == elem_type(o), f"{go.name}: output dtype {o.dtype} vs inferred {et}"
        go.CopyFrom(helper.make_tensor_value_info(go.name, et, [None] * o.ndim))
    onnx.checker.check_model(model)


def feeds_of(inputs):
    return {f"x{i}": a for i, a in enumerate(inputs) if a is not None}


def run_ort(model, inputs):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return [np.asarray(o) for o in sess.run(None, feeds_of(inputs))]


def same(a: np.ndarray, b: np.ndarray, rtol, atol) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.size == 0:
        return True
    if a.dtype.kind in "OUS":
        return bool(np.all(a == b))
    if a.dtype.kind == "f":
        return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(a, b))


# ONNX float attributes (and their schema defaults, e.g. Selu's alpha) are float32, so float64
# results of these ops depend on whether an implementation uses the float32 attribute value or a
# double constant (relative difference up to ~6e-8). Their float64 cases allow for both.
# Cases whose (double precision) golden is compared with onnxruntime at float32 tolerance only,
# because onnxruntime also evaluates the op through a function body with float32 constants.
LOOSE_ORT_CHECK = {"Gelu_tanh_float64"}

FLOAT_ATTR_OPS = {"LeakyRelu", "Elu", "Selu", "HardSigmoid"}


def default_tol(outputs):
    kinds = {o.dtype for o in outputs}
    if np.dtype(F16) in kinds:
        return 1e-3, 1e-3
    if np.dtype(F32) in kinds:
        return 1e-5, 1e-6
    if np.dtype(F64) in kinds:
        return 1e-10, 1e-12
    return 0.0, 0.0


# When onnxruntime has no kernel for a dtype (e.g. many float64 activations), the case is rerun
# with the inputs converted by one of these maps and compared at float32 precision.
DEMOTIONS = [
    {np.dtype(F64): F32},
    {np.dtype(F64): F32, np.dtype(I64): I32},
    {np.dtype(I32): I64},
    {np.dtype(I64): I32},
    {np.dtype(BOOL): U8},
]


def cross_check(name, op, model, inputs, attrs, outputs, n_out, rtol, atol):
    if name in LOOSE_ORT_CHECK:
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6)
    try:
        ort_out = run_ort(model, inputs)
    except Exception as e:  # noqa: BLE001
        first_error = str(e).splitlines()[0][:160]
    else:
        if len(ort_out) != len(outputs) or not all(same(r, o, rtol, atol) for r, o in zip(outputs, ort_out)):
            ORT_MISMATCH.append(name)
            print(f"MISMATCH {name}:\n golden={outputs}\n ort={ort_out}", file=sys.stderr)
        return
    for demotion in DEMOTIONS:
        keep = {0} if op == "Where" else set()  # Where's condition must stay bool
        dem = [a if a is None or i in keep else a.astype(demotion.get(a.dtype, a.dtype))
               for i, a in enumerate(inputs)]
        if all(a is None or b is None or a.dtype == b.dtype for a, b in zip(inputs, dem)):
            continue
        try:
            dmodel = make_model(op, dem, attrs, n_out)
            ort_out = run_ort(dmodel, dem)
        except Exception:  # noqa: BLE001
            continue
        ort_out = [np.asarray(o).astype(g.dtype) for o, g in zip(ort_out, outputs)]
        if not all(same(g, o, max(rtol, 1e-5), max(atol, 1e-6)) for g, o in zip(outputs, ort_out)):
            ORT_MISMATCH.append(name)
            print(f"MISMATCH (demoted) {name}:\n golden={outputs}\n ort={ort_out}", file=sys.stderr)
        ORT_DEMOTED.append(name)
        return
    ORT_UNSUPPORTED.append(f"{name}: {first_error}")


def add(name, op, inputs, attrs=None, *, n_out=1, rtol=None, atol=None, expected=None,
        ort_check=True):
    """Adds one case.

    inputs:   numpy arrays, or None for an omitted optional input.
    expected: list of numpy arrays to use instead of the reference evaluator's outputs (only where
              the reference is wrong or cannot run the case; give the reason in a comment).
    """
    attrs = dict(attrs or {})
    assert name not in NAMES, f"duplicate case name {name}"
    NAMES.add(name)
    inputs = [None if a is None else np.asarray(a) for a in inputs]
    model = make_model(op, inputs, attrs, n_out)

    try:
        ref = ReferenceEvaluator(model)
        ref_out = [np.asarray(o) for o in ref.run(None, feeds_of(inputs))]
    except Exception as e:  # noqa: BLE001
        if expected is None:
            raise RuntimeError(f"{name}: reference evaluator failed: {e}") from e
        ref_out = None

    if expected is not None:
        outputs = [np.asarray(o) for o in expected]
        REF_OVERRIDDEN.append(name)
    else:
        outputs = ref_out

    # The inferred output dtypes must match what we store.
    finish_model(model, outputs)

    d_rtol, d_atol = default_tol(outputs)
    if op in FLOAT_ATTR_OPS and d_rtol == 1e-10:
        d_rtol, d_atol = 1e-7, 1e-9
    if op == "Cast":  # conversions are exactly defined (truncation, round-to-nearest-even)
        d_rtol, d_atol = 0.0, 0.0
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol

    if expected is not None and ref_out is not None:
        if len(ref_out) == len(outputs) and all(same(r, o, rtol, atol) for r, o in zip(ref_out, outputs)):
            print(f"note: {name}: expected= given but the reference evaluator agrees", file=sys.stderr)

    if ort is not None and ort_check:
        cross_check(name, op, model, inputs, attrs, outputs, n_out, rtol, atol)

    CASES.append({
        "name": name,
        "op": op,
        "domain": "",
        "attributes": {k: enc_attr(attrs[k]) for k in sorted(attrs)},
        "inputs": [None if a is None else enc_tensor(a) for a in inputs],
        "outputs": [enc_tensor(o) for o in outputs],
        "rtol": rtol,
        "atol": atol,
    })


# --------------------------------------------------------------------------------------------
# Data helpers (each op section seeds its own generator so sections do not disturb each other)
# --------------------------------------------------------------------------------------------

class Gen:
    def __init__(self, key: str):
        self.rng = np.random.default_rng(zlib.crc32(key.encode()) ^ 0x5EED)

    def f(self, *shape, lo=-3.0, hi=3.0, dtype=F32):
        return self.rng.uniform(lo, hi, size=shape).astype(dtype)

    def away(self, *shape, lo=0.5, hi=3.0, dtype=F32):
        """Random magnitudes in [lo, hi] with random signs (keeps away from zero)."""
        mag = self.rng.uniform(lo, hi, size=shape)
        sign = self.rng.choice([-1.0, 1.0], size=shape)
        return (mag * sign).astype(dtype)

    def i(self, *shape, lo=-10, hi=10, dtype=I32):
        return self.rng.integers(lo, hi + 1, size=shape).astype(dtype)

    def nz(self, *shape, lo=1, hi=7, dtype=I32):
        """Non-zero integers with random signs."""
        mag = self.rng.integers(lo, hi + 1, size=shape)
        sign = self.rng.choice([-1, 1], size=shape)
        return (mag * sign).astype(dtype)

    def b(self, *shape):
        return self.rng.integers(0, 2, size=shape).astype(BOOL)

    def small(self, *shape, lo=-3, hi=3, dtype=F32):
        """Small integers stored as floats: gives exact ties for comparisons."""
        return self.rng.integers(lo, hi + 1, size=shape).astype(dtype)


def arr(values, dtype):
    return np.array(values, dtype=dtype)


def i64(values):
    return np.array(values, dtype=I64)


def scalar(v, dtype):
    return np.array(v, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Elementwise binary arithmetic
# --------------------------------------------------------------------------------------------

def binary_arith():
    for op in ["Add", "Sub", "Mul", "Div"]:
        g = Gen(op)
        rhs = (lambda *s, dtype=F32: g.away(*s, dtype=dtype)) if op == "Div" else \
              (lambda *s, dtype=F32: g.f(*s, dtype=dtype))
        add(f"{op}_same_shape_float32", op, [g.f(2, 3), rhs(2, 3)])
        add(f"{op}_broadcast_scalar_float32", op, [g.f(2, 3), rhs()])
        add(f"{op}_broadcast_scalar_lhs_float32", op, [g.f(), rhs(3, 2)])
        add(f"{op}_broadcast_row_float32", op, [g.f(3, 4), rhs(4)])
        add(f"{op}_broadcast_column_float32", op, [g.f(3, 4), rhs(3, 1)])
        add(f"{op}_broadcast_both_sides_float32", op, [g.f(3, 1), rhs(1, 4)])
        add(f"{op}_broadcast_rank_mismatch_float32", op, [g.f(2, 3, 4), rhs(3, 1)])
        add(f"{op}_broadcast_rank_mismatch_lhs_smaller_float32", op, [g.f(4), rhs(2, 1, 4)])
        add(f"{op}_same_shape_float64", op, [g.f(2, 3, dtype=F64), rhs(2, 3, dtype=F64)])
        add(f"{op}_broadcast_both_sides_float64", op, [g.f(2, 1, 3, dtype=F64), rhs(4, 1, dtype=F64)])
        add(f"{op}_empty_broadcast_float32", op, [g.f(0, 3), rhs(1, 3)])
        if op == "Div":
            # Integer division truncates toward zero (C semantics, as onnxruntime does).
            add("Div_int32_negative_truncates", op,
                [arr([7, -7, 7, -7, 9, -9, 1, 0], I32), arr([2, 2, -2, -2, 3, 4, -3, 5], I32)])
            add("Div_int64_broadcast_scalar", op, [g.i(2, 3, lo=-50, hi=50, dtype=I64), scalar(4, I64)])
            add("Div_uint8", op, [arr([200, 7, 255, 0], U8), arr([3, 2, 16, 9], U8)])
        else:
            add(f"{op}_int32", op, [g.i(2, 3, lo=-100, hi=100), g.i(2, 3, lo=-100, hi=100)])
            add(f"{op}_int64_broadcast_row", op, [g.i(3, 4, lo=-1000, hi=1000, dtype=I64),
                                                   g.i(4, lo=-1000, hi=1000, dtype=I64)])
            add(f"{op}_int8", op, [g.i(2, 4, lo=-10, hi=10, dtype=I8), g.i(2, 4, lo=-10, hi=10, dtype=I8)])
            if op == "Sub":
                add(f"{op}_uint8", op, [arr([200, 7, 255, 9], U8), arr([100, 7, 15, 0], U8)])
            else:
                add(f"{op}_uint8", op, [arr([20, 7, 15, 0], U8), arr([10, 7, 15, 9], U8)])
        if op in ("Add", "Mul"):
            add(f"{op}_float16", op, [g.f(2, 3, dtype=F16), g.f(2, 3, dtype=F16)])
            add(f"{op}_float16_broadcast_row", op, [g.f(3, 4, dtype=F16), g.f(4, dtype=F16)])
        if op == "Add":
            add("Add_float32_inf_nan", op, [arr([INF, -INF, INF, NAN, 1.0], F32), arr([1.0, 2.0, -INF, 1.0, INF], F32)])
        if op == "Div":
            add("Div_float32_by_zero", op, [arr([1.0, -1.0, 0.0], F32), arr([0.0, 0.0, 0.0], F32)])


def pow_mod():
    g = Gen("Pow")
    add("Pow_float32", "Pow", [g.f(2, 3, lo=0.5, hi=2.0), g.f(2, 3, lo=-2.0, hi=2.0)])
    add("Pow_float64", "Pow", [g.f(2, 3, lo=0.5, hi=2.0, dtype=F64), g.f(2, 3, lo=-2.0, hi=2.0, dtype=F64)])
    add("Pow_float32_broadcast_scalar_exponent", "Pow", [g.f(3, 4), scalar(2.0, F32)])
    add("Pow_float32_negative_base_integer_exponent", "Pow",
        [arr([-2.0, -1.5, -3.0, -0.5, 0.0, 0.0], F32), arr([2.0, 3.0, -1.0, -2.0, 0.0, 2.0], F32)])
    add("Pow_float32_sqrt_exponent_broadcast_row", "Pow", [g.f(2, 3, lo=0.1, hi=4.0), arr([0.5, 1.0, 1.5], F32)])
    add("Pow_int32", "Pow", [arr([2, -3, 4, 0, 1, -1], I32), arr([3, 3, 0, 2, 7, 5], I32)])
    add("Pow_int64", "Pow", [arr([[2, -2], [5, 10]], I64), arr([10, 3], I64)])
    add("Pow_float32_base_int64_exponent", "Pow", [g.f(2, 2, lo=-2.0, hi=2.0), arr([[2, 3], [0, -1]], I64)])
    add("Pow_float64_base_float32_exponent_broadcast", "Pow", [g.f(3, 1, lo=0.5, hi=2.0, dtype=F64),
                                                                 arr([1.0, 2.5, -0.5], F32)])

    a = arr([5, -5, 5, -5, 7, -7, 0, 3], I32)
    b = arr([3, 3, -3, -3, 7, 2, 4, -1], I32)
    # fmod=0: result takes the sign of the divisor (Python %). Only valid for integer types:
    # ONNX requires fmod=1 for floating point inputs, so there is no float fmod=0 case.
    add("Mod_int32_fmod0_negative_operands", "Mod", [a, b])
    add("Mod_int32_fmod1_negative_operands", "Mod", [a, b], {"fmod": 1})
    add("Mod_int64_fmod0_broadcast_scalar", "Mod", [arr([[10, -10, 11], [-11, 0, 4]], I64), scalar(-4, I64)])
    add("Mod_int64_fmod1_broadcast_scalar", "Mod", [arr([[10, -10, 11], [-11, 0, 4]], I64), scalar(-4, I64)], {"fmod": 1})
    add("Mod_int8_fmod0", "Mod", [arr([-128, 127, -7, 7], I8), arr([5, -5, 3, -3], I8)])
    add("Mod_uint8_fmod0", "Mod", [arr([255, 17, 0, 9], U8), arr([16, 5, 3, 9], U8)])
    add("Mod_float32_fmod1_negative_operands", "Mod",
        [arr([5.5, -5.5, 5.5, -5.5, 0.25, -3.0], F32), arr([2.0, 2.0, -2.0, -2.0, 1.0, 1.5], F32)], {"fmod": 1})
    add("Mod_float64_fmod1_broadcast_row", "Mod", [Gen("Mod").f(2, 3, lo=-10, hi=10, dtype=F64),
                                                    arr([3.0, -2.5, 1.25], F64)], {"fmod": 1})


# --------------------------------------------------------------------------------------------
# Elementwise unary
# --------------------------------------------------------------------------------------------

def gelu_erf(x):
    erf = np.vectorize(math.erf, otypes=[F64])
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def unary():
    g = Gen("unary")
    TR = dict(rtol=1e-5, atol=1e-6)  # transcendental float32

    for op in ["Neg", "Abs"]:
        add(f"{op}_float32", op, [g.f(2, 3)])
        add(f"{op}_float64", op, [g.f(3, 2, dtype=F64)])
        add(f"{op}_int32", op, [g.i(2, 3, lo=-100, hi=100)])
        add(f"{op}_int64", op, [g.i(4, lo=-(2**40), hi=2**40, dtype=I64)])
        add(f"{op}_int8", op, [arr([-127, -1, 0, 1, 127], I8)])
        add(f"{op}_empty_float32", op, [np.zeros((0, 2), F32)])
    add("Abs_uint8", "Abs", [arr([0, 1, 200, 255], U8)])

    add("Sign_float32", "Sign", [arr([-2.5, -0.0, 0.0, 1e-30, 3.0, -INF, INF], F32)])
    add("Sign_float64", "Sign", [g.f(2, 3, dtype=F64)])
    add("Sign_int32", "Sign", [arr([-5, 0, 7, -1], I32)])
    add("Sign_int8", "Sign", [arr([-128, 0, 127], I8)])

    add("Exp_float32", "Exp", [g.f(2, 3)], **TR)
    add("Exp_float64", "Exp", [g.f(2, 3, lo=-10, hi=10, dtype=F64)])
    add("Exp_float32_large_and_inf", "Exp", [arr([-INF, -100.0, 0.0, 80.0, 100.0, INF], F32)], **TR)
    add("Exp_empty_float32", "Exp", [np.zeros((2, 0), F32)])

    add("Log_float32", "Log", [g.f(2, 3, lo=0.01, hi=100.0)], **TR)
    add("Log_float64", "Log", [g.f(2, 3, lo=1e-6, hi=1e6, dtype=F64)])
    # Deliberate special values: log(0) = -inf, log(-1) = nan, log(inf) = inf.
    add("Log_float32_special_values", "Log", [arr([0.0, -1.0, INF, 1.0, NAN], F32)], **TR)

    add("Sqrt_float32", "Sqrt", [g.f(2, 3, lo=0.0, hi=100.0)], **TR)
    add("Sqrt_float64", "Sqrt", [g.f(3, 2, lo=0.0, hi=1e6, dtype=F64)])
    add("Sqrt_float32_special_values", "Sqrt", [arr([0.0, -0.0, -1.0, INF, 4.0], F32)], **TR)

    add("Reciprocal_float32", "Reciprocal", [g.away(2, 3)], **TR)
    add("Reciprocal_float64", "Reciprocal", [g.away(2, 3, dtype=F64)])
    add("Reciprocal_float32_zero_inf", "Reciprocal", [arr([0.0, -0.0, INF, -INF], F32)])

    for op in ["Floor", "Ceil"]:
        add(f"{op}_float32", op, [g.f(2, 4, lo=-5, hi=5)])
        add(f"{op}_float64", op, [g.f(2, 4, lo=-5, hi=5, dtype=F64)])
        add(f"{op}_float32_special_values", op, [arr([-0.5, 0.5, -1.0, 2.0, -0.0, INF, -INF, NAN], F32)])
    # Round is half to even.
    add("Round_float32_half_to_even", "Round",
        [arr([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.4, 0.6, -0.6, 2.500001, 1e7 + 1.0, NAN], F32)])
    add("Round_float64_half_to_even", "Round", [arr([3.5, 4.5, -3.5, -4.5, 0.49999999999999994, 1.2, -7.8], F64)])
    add("Round_float32_random", "Round", [g.f(3, 3, lo=-10, hi=10)])

    add("Sin_float32", "Sin", [g.f(2, 4, lo=-6.28, hi=6.28)], **TR)
    add("Sin_float64", "Sin", [g.f(2, 4, lo=-6.28, hi=6.28, dtype=F64)])
    add("Cos_float32", "Cos", [g.f(2, 4, lo=-6.28, hi=6.28)], **TR)
    add("Cos_float64", "Cos", [g.f(2, 4, lo=-6.28, hi=6.28, dtype=F64)])
    # Tan kept well away from +-pi/2.
    add("Tan_float32", "Tan", [g.f(2, 4, lo=-1.2, hi=1.2)], rtol=1e-4, atol=1e-5)
    add("Tan_float64", "Tan", [g.f(2, 4, lo=-1.2, hi=1.2, dtype=F64)])
    add("Tanh_float32", "Tanh", [g.f(2, 4, lo=-4, hi=4)], **TR)
    add("Tanh_float32_saturation", "Tanh", [arr([-INF, -30.0, -1e-6, 0.0, 1e-6, 30.0, INF], F32)], **TR)
    add("Tanh_float64", "Tanh", [g.f(2, 4, lo=-4, hi=4, dtype=F64)])
    add("Sigmoid_float32", "Sigmoid", [g.f(2, 4, lo=-6, hi=6)], **TR)
    add("Sigmoid_float32_saturation", "Sigmoid", [arr([-INF, -100.0, -30.0, 0.0, 30.0, 100.0, INF], F32)], **TR)
    add("Sigmoid_float64", "Sigmoid", [g.f(2, 4, lo=-6, hi=6, dtype=F64)])
    add("Erf_float32", "Erf", [g.f(2, 4, lo=-3, hi=3)], **TR)
    # The reference evaluator computes Erf in float32 even for float64 input; use math.erf.
    xe = g.f(2, 4, lo=-3, hi=3, dtype=F64)
    add("Erf_float64", "Erf", [xe], expected=[np.vectorize(math.erf)(xe)])
    add("Erf_float32_special_values", "Erf", [arr([-INF, -10.0, 0.0, 10.0, INF], F32)], **TR)

    add("Relu_float32", "Relu", [g.f(2, 4)])
    add("Relu_float64", "Relu", [g.f(2, 4, dtype=F64)])
    add("Relu_float16", "Relu", [g.f(2, 4, dtype=F16)])
    add("Relu_int32", "Relu", [g.i(2, 4)])
    add("Relu_int8", "Relu", [arr([-128, -1, 0, 1, 127], I8)])
    add("Relu_int64", "Relu", [g.i(5, lo=-1000, hi=1000, dtype=I64)])
    add("Relu_empty_float32", "Relu", [np.zeros((0,), F32)])

    add("LeakyRelu_default_alpha_float32", "LeakyRelu", [g.f(2, 4)])
    add("LeakyRelu_alpha_0.2_float32", "LeakyRelu", [g.f(2, 4)], {"alpha": 0.2})
    add("LeakyRelu_alpha_0.1_float64", "LeakyRelu", [g.f(2, 4, dtype=F64)], {"alpha": 0.1})
    add("Elu_default_alpha_float32", "Elu", [g.f(2, 4)], **TR)
    add("Elu_alpha_0.5_float32", "Elu", [g.f(2, 4)], {"alpha": 0.5}, **TR)
    add("Elu_alpha_2_float64", "Elu", [g.f(2, 4, dtype=F64)], {"alpha": 2.0})
    add("Selu_default_float32", "Selu", [g.f(2, 4)], **TR)
    add("Selu_alpha_2_gamma_3_float32", "Selu", [g.f(2, 4)], {"alpha": 2.0, "gamma": 3.0}, **TR)
    add("Selu_default_float64", "Selu", [g.f(2, 4, dtype=F64)])
    add("Gelu_default_none_float32", "Gelu", [g.f(2, 4, lo=-4, hi=4)], **TR)
    add("Gelu_none_explicit_float32", "Gelu", [g.f(2, 4, lo=-4, hi=4)], {"approximate": "none"}, **TR)
    add("Gelu_tanh_float32", "Gelu", [g.f(2, 4, lo=-4, hi=4)], {"approximate": "tanh"}, **TR)
    # The reference evaluator runs Gelu and HardSwish through their ONNX function bodies, whose
    # constants are float32, so its float64 results are only float32-accurate (errors up to
    # ~5e-8). The float64 goldens of these two ops are computed here in double precision instead.
    # (onnxruntime's float64 Gelu(tanh) is function-expanded too and agrees with the reference
    # evaluator, so it is cross-checked at float32 tolerance; see LOOSE_ORT_CHECK.)
    xg = g.f(2, 4, lo=-4, hi=4, dtype=F64)
    add("Gelu_none_float64", "Gelu", [xg], expected=[gelu_erf(xg)])
    xg = g.f(2, 4, lo=-4, hi=4, dtype=F64)
    add("Gelu_tanh_float64", "Gelu", [xg], {"approximate": "tanh"}, expected=[gelu_tanh(xg)])
    add("Softplus_float32", "Softplus", [g.f(2, 4, lo=-5, hi=5)], **TR)
    add("Softplus_float32_large", "Softplus", [arr([-100.0, -30.0, 0.0, 30.0, 100.0], F32)], **TR)
    add("Softplus_float64", "Softplus", [g.f(2, 4, lo=-5, hi=5, dtype=F64)])
    add("HardSigmoid_default_float32", "HardSigmoid", [g.f(2, 5, lo=-5, hi=5)])
    add("HardSigmoid_alpha_0.5_beta_0.6_float32", "HardSigmoid", [g.f(2, 5, lo=-3, hi=3)], {"alpha": 0.5, "beta": 0.6})
    add("HardSigmoid_default_float64", "HardSigmoid", [g.f(2, 5, lo=-5, hi=5, dtype=F64)])
    add("HardSwish_float32", "HardSwish", [g.f(2, 5, lo=-5, hi=5)])
    add("HardSwish_float32_breakpoints", "HardSwish", [arr([-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0], F32)])
    xh = g.f(2, 5, lo=-5, hi=5, dtype=F64)
    add("HardSwish_float64", "HardSwish", [xh], expected=[xh * np.clip(xh / 6.0 + 0.5, 0.0, 1.0)])


def clip():
    g = Gen("Clip")
    add("Clip_min_max_float32", "Clip", [g.f(3, 4), scalar(-1.0, F32), scalar(1.5, F32)])
    add("Clip_min_only_float32", "Clip", [g.f(3, 4), scalar(0.0, F32)])
    add("Clip_max_only_float32", "Clip", [g.f(3, 4), None, scalar(0.5, F32)])
    add("Clip_no_bounds_float32", "Clip", [g.f(3, 4)])
    add("Clip_min_max_float64", "Clip", [g.f(2, 3, dtype=F64), scalar(-0.5, F64), scalar(0.5, F64)])
    add("Clip_min_greater_than_max_float32", "Clip", [g.f(5), scalar(1.0, F32), scalar(-1.0, F32)])
    add("Clip_inf_values_float32", "Clip", [arr([-INF, -2.0, 0.0, 2.0, INF], F32), scalar(-1.0, F32), scalar(1.0, F32)])
    add("Clip_min_max_int32", "Clip", [g.i(2, 5, lo=-20, hi=20), scalar(-5, I32), scalar(7, I32)])
    add("Clip_max_only_int64", "Clip", [g.i(6, lo=-20, hi=20, dtype=I64), None, scalar(3, I64)])
    add("Clip_min_max_int8", "Clip", [arr([-128, -50, 0, 50, 127], I8), scalar(-100, I8), scalar(100, I8)])
    add("Clip_min_max_uint8", "Clip", [arr([0, 10, 100, 255], U8), scalar(5, U8), scalar(200, U8)])
    add("Clip_empty_float32", "Clip", [np.zeros((0, 3), F32), scalar(0.0, F32), scalar(1.0, F32)])


def np_mean(*xs):
    return [(sum(xs) / len(xs)).astype(xs[0].dtype)]


def vadd(name, op, inputs, attrs=None, **kw):
    # The reference Mean accumulates in place into a copy of the first input, so it fails
    # whenever that input is smaller than the broadcast shape; numpy computes those cases.
    if op == "Mean" and np.broadcast_shapes(*(x.shape for x in inputs)) != inputs[0].shape:
        kw["expected"] = np_mean(*inputs)
    add(name, op, inputs, attrs, **kw)


def variadic():
    for op in ["Min", "Max", "Sum", "Mean"]:
        g = Gen(op)
        vadd(f"{op}_one_input_float32", op, [g.f(2, 3)])
        vadd(f"{op}_two_inputs_float32", op, [g.f(2, 3), g.f(2, 3)])
        vadd(f"{op}_three_inputs_broadcast_float32", op, [g.f(3, 1), g.f(4), g.f()])
        vadd(f"{op}_two_inputs_rank_mismatch_float32", op, [g.f(2, 3, 4), g.f(3, 1)])
        vadd(f"{op}_three_inputs_float64", op, [g.f(2, 3, dtype=F64), g.f(1, 3, dtype=F64), g.f(2, 1, dtype=F64)])
        vadd(f"{op}_empty_float32", op, [np.zeros((0, 3), F32), g.f(1, 3)])
        if op in ("Min", "Max"):  # Sum and Mean are float-only in ONNX
            vadd(f"{op}_two_inputs_int32", op, [g.i(2, 3), g.i(2, 3)])
            vadd(f"{op}_three_inputs_int64_broadcast", op, [g.i(2, 3, dtype=I64), g.i(3, dtype=I64), g.i(2, 1, dtype=I64)])
        if op in ("Min", "Max"):
            # NaN propagates (numpy minimum/maximum semantics, as onnxruntime does).
            vadd(f"{op}_float32_nan_propagates", op, [arr([NAN, 1.0, -INF, 2.0], F32), arr([0.0, NAN, 1.0, INF], F32)])
            vadd(f"{op}_int8", op, [arr([-128, 5, 127], I8), arr([0, -5, 100], I8)])
            vadd(f"{op}_uint8", op, [arr([0, 5, 255], U8), arr([1, 4, 200], U8)])
        if op in ("Sum", "Max"):
            vadd(f"{op}_float16", op, [g.f(2, 3, dtype=F16), g.f(2, 3, dtype=F16)])


# --------------------------------------------------------------------------------------------
# Comparison, logical, Where, IsNaN, IsInf
# --------------------------------------------------------------------------------------------

def comparison():
    for op in ["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"]:
        g = Gen(op)
        add(f"{op}_float32_with_ties", op, [g.small(3, 4), g.small(3, 4)])
        add(f"{op}_float32_broadcast_row", op, [g.small(3, 4), g.small(4)])
        add(f"{op}_float32_broadcast_both_sides", op, [g.small(3, 1), g.small(1, 4)])
        add(f"{op}_float64_broadcast_scalar", op, [g.small(2, 3, dtype=F64), scalar(0.0, F64)])
        add(f"{op}_int32", op, [g.i(2, 4, lo=-3, hi=3), g.i(2, 4, lo=-3, hi=3)])
        add(f"{op}_int64_rank_mismatch", op, [g.i(2, 2, 3, lo=-3, hi=3, dtype=I64), g.i(3, lo=-3, hi=3, dtype=I64)])
        add(f"{op}_int8", op, [arr([-128, 0, 127, 5], I8), arr([127, 0, -128, 5], I8)])
        add(f"{op}_uint8", op, [arr([0, 200, 255, 5], U8), arr([255, 100, 255, 6], U8)])
        add(f"{op}_float32_nan_inf", op, [arr([NAN, NAN, 1.0, INF, -INF, INF], F32), arr([NAN, 1.0, NAN, INF, INF, 1.0], F32)])
        add(f"{op}_empty_float32", op, [np.zeros((0, 2), F32), g.f(2)])
    g = Gen("Equal_bool")
    add("Equal_bool", "Equal", [g.b(2, 4), g.b(2, 4)])
    add("Equal_bool_broadcast_column", "Equal", [g.b(3, 4), g.b(3, 1)])
    # String tensors (Equal accepts them since opset 19).
    add("Equal_string", "Equal", [np.array(["a", "bc", "", "plexus"], dtype=object),
                                  np.array(["a", "b", "", "Plexus"], dtype=object)])


def logical():
    for op in ["And", "Or", "Xor"]:
        g = Gen(op)
        a = arr([0, 0, 1, 1], BOOL)
        b = arr([0, 1, 0, 1], BOOL)
        add(f"{op}_truth_table", op, [a, b])
        add(f"{op}_same_shape", op, [g.b(3, 4), g.b(3, 4)])
        add(f"{op}_broadcast_row", op, [g.b(3, 4), g.b(4)])
        add(f"{op}_broadcast_scalar", op, [g.b(2, 3), scalar(True, BOOL)])
        add(f"{op}_broadcast_both_sides", op, [g.b(2, 1, 3), g.b(4, 1)])
        add(f"{op}_empty", op, [np.zeros((0, 4), BOOL), g.b(4)])
    g = Gen("Not")
    add("Not_1d", "Not", [arr([0, 1, 1, 0], BOOL)])
    add("Not_2d", "Not", [g.b(3, 4)])
    add("Not_scalar", "Not", [scalar(True, BOOL)])
    add("Not_empty", "Not", [np.zeros((2, 0), BOOL)])


def where():
    g = Gen("Where")
    add("Where_float32_same_shape", "Where", [g.b(2, 3), g.f(2, 3), g.f(2, 3)])
    add("Where_float32_broadcast_all_three", "Where", [g.b(3, 1), g.f(1, 4), g.f(3, 4)])
    add("Where_float32_scalar_condition", "Where", [scalar(False, BOOL), g.f(2, 3), g.f(2, 3)])
    add("Where_float32_scalar_branches", "Where", [g.b(2, 3), scalar(1.0, F32), scalar(-1.0, F32)])
    add("Where_float32_rank_mismatch", "Where", [g.b(4), g.f(2, 3, 4), g.f(3, 1)])
    add("Where_float64", "Where", [g.b(2, 3), g.f(2, 3, dtype=F64), g.f(3, dtype=F64)])
    add("Where_int32", "Where", [g.b(2, 3), g.i(2, 3), g.i(1, 3)])
    add("Where_int64", "Where", [g.b(4), g.i(4, dtype=I64), scalar(0, I64)])
    add("Where_bool_values", "Where", [g.b(2, 3), g.b(2, 3), g.b(2, 3)])
    add("Where_uint8", "Where", [g.b(5), arr([1, 2, 3, 4, 5], U8), arr([250, 251, 252, 253, 254], U8)])
    add("Where_empty", "Where", [np.zeros((0, 3), BOOL), g.f(1, 3), g.f(3)])


def isnan_isinf():
    x = arr([1.0, NAN, INF, -INF, 0.0, -NAN, 3.0e38], F32)
    add("IsNaN_float32", "IsNaN", [x])
    add("IsNaN_float64", "IsNaN", [x.astype(F64).reshape(7, 1)])
    add("IsNaN_float16", "IsNaN", [arr([NAN, 1.0, INF], F16)])
    add("IsNaN_empty", "IsNaN", [np.zeros((0,), F32)])
    add("IsInf_default_float32", "IsInf", [x])
    add("IsInf_positive_only_float32", "IsInf", [x], {"detect_negative": 0})
    add("IsInf_negative_only_float32", "IsInf", [x], {"detect_positive": 0})
    add("IsInf_neither_float32", "IsInf", [x], {"detect_positive": 0, "detect_negative": 0})
    add("IsInf_default_float64", "IsInf", [x.astype(F64).reshape(1, 7)])


# --------------------------------------------------------------------------------------------
# Cast
# --------------------------------------------------------------------------------------------

def cast():
    T = TensorProto
    fr = arr([-2.7, -1.5, -0.5, -0.0, 0.0, 0.3, 1.5, 2.7, 100.9], F32)
    add("Cast_float32_to_int32_truncates", "Cast", [fr], {"to": T.INT32})
    add("Cast_float32_to_int64_truncates", "Cast", [fr.reshape(3, 3)], {"to": T.INT64})
    add("Cast_float64_to_int32_truncates", "Cast", [fr.astype(F64)], {"to": T.INT32})
    add("Cast_float32_to_int8_in_range", "Cast", [arr([-128.0, -3.9, 0.5, 3.9, 127.0], F32)], {"to": T.INT8})
    add("Cast_float32_to_uint8_in_range", "Cast", [arr([0.0, 0.9, 1.5, 200.7, 255.0], F32)], {"to": T.UINT8})
    add("Cast_float32_to_bool", "Cast", [arr([0.0, -0.0, 0.5, -2.0, INF, 1e-30], F32)], {"to": T.BOOL})
    add("Cast_int32_to_bool", "Cast", [arr([0, 1, -1, 7], I32)], {"to": T.BOOL})
    add("Cast_bool_to_float32", "Cast", [arr([[0, 1], [1, 0]], BOOL)], {"to": T.FLOAT})
    add("Cast_bool_to_int32", "Cast", [arr([0, 1, 1], BOOL)], {"to": T.INT32})
    add("Cast_bool_to_int64", "Cast", [arr([1, 0], BOOL)], {"to": T.INT64})
    add("Cast_float32_to_float16", "Cast", [arr([0.1, -1.0, 65504.0, 1e-5, 3.14159, -0.0, INF, NAN, 70000.0], F32)],
        {"to": T.FLOAT16})
    add("Cast_float16_to_float32", "Cast", [arr([0.1, -1.0, 65504.0, 6e-8, 3.14, -INF, NAN], F16)], {"to": T.FLOAT})
    add("Cast_float64_to_float16", "Cast", [arr([0.5, 1.0 / 3.0, -1234.5, 1e-4], F64)], {"to": T.FLOAT16})
    add("Cast_float16_to_float64", "Cast", [arr([0.5, 1.0 / 3.0, -1234.5, 1e-4], F16)], {"to": T.DOUBLE})
    add("Cast_float16_to_int32", "Cast", [arr([-2.5, 0.75, 3.9, 1000.0], F16)], {"to": T.INT32})
    add("Cast_int64_to_int32", "Cast", [arr([0, -1, 2**31 - 1, -(2**31), 123456], I64)], {"to": T.INT32})
    add("Cast_int32_to_int64", "Cast", [arr([0, -1, 2**31 - 1, -(2**31)], I32)], {"to": T.INT64})
    add("Cast_int32_to_float32", "Cast", [arr([0, -7, 16777217, 123], I32)], {"to": T.FLOAT})
    add("Cast_int64_to_float64", "Cast", [arr([0, -7, 2**53 - 1, 123], I64)], {"to": T.DOUBLE})
    add("Cast_int8_to_int32", "Cast", [arr([-128, -1, 0, 127], I8)], {"to": T.INT32})
    add("Cast_uint8_to_float32", "Cast", [arr([0, 1, 128, 255], U8)], {"to": T.FLOAT})
    add("Cast_uint8_to_int64", "Cast", [arr([0, 1, 128, 255], U8)], {"to": T.INT64})
    add("Cast_int32_to_int8_in_range", "Cast", [arr([-128, -5, 0, 127], I32)], {"to": T.INT8})
    add("Cast_float32_to_float64", "Cast", [arr([0.1, -1e30, 3.4e38, NAN], F32)], {"to": T.DOUBLE})
    add("Cast_float64_to_float32", "Cast", [arr([0.1, -1e30, 1.0 / 3.0, NAN, -INF], F64)], {"to": T.FLOAT})
    add("Cast_float32_to_float32_identity", "Cast", [arr([1.5, -2.5], F32)], {"to": T.FLOAT})
    add("Cast_float32_to_int32_saturate_attr_ignored", "Cast", [arr([1.9, -1.9], F32)], {"to": T.INT32, "saturate": 1})
    add("Cast_empty_float32_to_int64", "Cast", [np.zeros((0, 3), F32)], {"to": T.INT64})


# --------------------------------------------------------------------------------------------
# Reductions and arg reductions
# --------------------------------------------------------------------------------------------

def reductions():
    for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2"]:
        g = Gen(op)
        if op == "ReduceProd":  # magnitudes near 1 keep products well scaled
            mk = lambda *s, dtype=F32: g.away(*s, lo=0.5, hi=1.5, dtype=dtype)  # noqa: E731
        else:
            mk = lambda *s, dtype=F32: g.f(*s, dtype=dtype)  # noqa: E731
        x3 = mk(2, 3, 4)
        add(f"{op}_axes_1_keepdims_default", op, [x3, i64([1])])
        add(f"{op}_axes_negative_keepdims_0", op, [x3, i64([-1])], {"keepdims": 0})
        add(f"{op}_axes_0_2_keepdims_1", op, [x3, i64([0, 2])], {"keepdims": 1})
        add(f"{op}_axes_mixed_sign_keepdims_0", op, [x3, i64([-3, 1])], {"keepdims": 0})
        add(f"{op}_axes_omitted_reduce_all_keepdims_1", op, [mk(3, 4)])
        add(f"{op}_axes_omitted_reduce_all_keepdims_0", op, [mk(3, 4)], {"keepdims": 0})
        add(f"{op}_axes_empty_tensor_reduce_all", op, [mk(2, 3), i64([])], {"keepdims": 0})
        add(f"{op}_noop_with_empty_axes_omitted", op, [mk(2, 3)], {"noop_with_empty_axes": 1})
        add(f"{op}_noop_with_empty_axes_given_axes", op, [mk(2, 3), i64([0])], {"noop_with_empty_axes": 1})
        add(f"{op}_float64_axes_1", op, [mk(3, 4, dtype=F64), i64([1])])
        add(f"{op}_1d_keepdims_0_to_scalar", op, [mk(5), i64([0])], {"keepdims": 0})
        if op != "ReduceL2" and op != "ReduceMean":
            add(f"{op}_int32_axes_0", op, [g.i(3, 4, lo=-5, hi=5), i64([0])], {"keepdims": 0})
            add(f"{op}_int64_axes_omitted", op, [g.i(2, 3, lo=-5, hi=5, dtype=I64)])
        # Reducing over a zero-sized axis gives the identity of the reduction
        # (0 for Sum/L2, 1 for Prod, -inf/+inf for Max/Min). Mean would be 0/0; skipped.
        if op != "ReduceMean":
            add(f"{op}_empty_axis_reduced", op, [np.zeros((2, 0, 3), F32), i64([1])], {"keepdims": 0})
        add(f"{op}_empty_axis_kept", op, [np.zeros((0, 3), F32), i64([1])])


def argminmax():
    for op in ["ArgMax", "ArgMin"]:
        g = Gen(op)
        x = g.f(3, 4)
        ties = arr([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, 5.0, 0.0, 5.0]], F32)
        add(f"{op}_default_axis0_keepdims", op, [x])
        add(f"{op}_axis1_keepdims_0", op, [x], {"axis": 1, "keepdims": 0})
        add(f"{op}_axis_negative", op, [g.f(2, 3, 4)], {"axis": -2})
        add(f"{op}_ties_first_index", op, [ties], {"axis": 1})
        add(f"{op}_ties_select_last_index", op, [ties], {"axis": 1, "select_last_index": 1})
        add(f"{op}_ties_select_last_index_axis0_keepdims_0", op, [ties], {"axis": 0, "keepdims": 0, "select_last_index": 1})
        add(f"{op}_int32", op, [g.i(3, 5)], {"axis": 1})
        add(f"{op}_int64_3d_axis_2", op, [g.i(2, 2, 3, dtype=I64)], {"axis": 2, "keepdims": 0})
        add(f"{op}_float64_axis_1", op, [g.f(2, 5, dtype=F64)], {"axis": 1})
        add(f"{op}_1d_keepdims_0", op, [g.f(6)], {"keepdims": 0})
        add(f"{op}_uint8", op, [arr([[3, 255, 0], [7, 7, 1]], U8)], {"axis": 1})


# --------------------------------------------------------------------------------------------
# MatMul / Gemm / Softmax
# --------------------------------------------------------------------------------------------

def matmul():
    g = Gen("MatMul")
    add("MatMul_2d_float32", "MatMul", [g.f(3, 4), g.f(4, 5)])
    add("MatMul_batched_float32", "MatMul", [g.f(2, 3, 4), g.f(2, 4, 5)])
    add("MatMul_batched_broadcast_rhs_2d_float32", "MatMul", [g.f(2, 3, 4), g.f(4, 2)])
    add("MatMul_batched_broadcast_lhs_2d_float32", "MatMul", [g.f(3, 4), g.f(2, 4, 2)])
    add("MatMul_batched_broadcast_4d_float32", "MatMul", [g.f(2, 1, 3, 4), g.f(3, 4, 2)])
    add("MatMul_batched_broadcast_both_float32", "MatMul", [g.f(2, 1, 2, 3), g.f(1, 3, 3, 2)])
    add("MatMul_1d_lhs_float32", "MatMul", [g.f(4), g.f(4, 3)])
    add("MatMul_1d_rhs_float32", "MatMul", [g.f(3, 4), g.f(4)])
    add("MatMul_1d_both_float32", "MatMul", [g.f(5), g.f(5)])
    add("MatMul_1d_lhs_batched_rhs_float32", "MatMul", [g.f(4), g.f(2, 4, 3)])
    add("MatMul_batched_lhs_1d_rhs_float32", "MatMul", [g.f(2, 3, 4), g.f(4)])
    add("MatMul_2d_float64", "MatMul", [g.f(4, 3, dtype=F64), g.f(3, 2, dtype=F64)])
    add("MatMul_batched_float64", "MatMul", [g.f(2, 2, 3, dtype=F64), g.f(2, 3, 2, dtype=F64)])
    add("MatMul_2d_int32", "MatMul", [g.i(3, 4), g.i(4, 2)])
    add("MatMul_batched_int64", "MatMul", [g.i(2, 2, 3, dtype=I64), g.i(3, 2, dtype=I64)])
    add("MatMul_empty_inner_dim_gives_zeros", "MatMul", [np.zeros((2, 0), F32), np.zeros((0, 3), F32)])
    add("MatMul_empty_rows", "MatMul", [np.zeros((0, 4), F32), g.f(4, 3)])
    add("MatMul_empty_batch", "MatMul", [np.zeros((0, 2, 3), F32), g.f(3, 2)])
    add("MatMul_1x1", "MatMul", [g.f(1, 1), g.f(1, 1)])
    add("MatMul_larger_float32", "MatMul", [g.f(8, 16, lo=-1, hi=1), g.f(16, 9, lo=-1, hi=1)])


def gemm():
    g = Gen("Gemm")
    add("Gemm_no_C_float32", "Gemm", [g.f(3, 4), g.f(4, 5)])
    add("Gemm_C_omitted_explicit_null_alpha_float32", "Gemm", [g.f(3, 4), g.f(4, 2), None], {"alpha": 0.5})
    add("Gemm_transA_float32", "Gemm", [g.f(4, 3), g.f(4, 5), g.f(3, 5)], {"transA": 1})
    add("Gemm_transB_float32", "Gemm", [g.f(3, 4), g.f(5, 4), g.f(3, 5)], {"transB": 1})
    add("Gemm_transA_transB_float32", "Gemm", [g.f(4, 3), g.f(5, 4), g.f(3, 5)], {"transA": 1, "transB": 1})
    add("Gemm_alpha_beta_float32", "Gemm", [g.f(3, 4), g.f(4, 5), g.f(3, 5)], {"alpha": 0.25, "beta": -2.0})
    add("Gemm_C_scalar_broadcast_float32", "Gemm", [g.f(2, 3), g.f(3, 4), scalar(1.5, F32)])
    add("Gemm_C_1elem_broadcast_float32", "Gemm", [g.f(2, 3), g.f(3, 4), g.f(1)], {"beta": 0.5})
    add("Gemm_C_row_broadcast_float32", "Gemm", [g.f(2, 3), g.f(3, 4), g.f(4)])
    add("Gemm_C_row_2d_broadcast_float32", "Gemm", [g.f(2, 3), g.f(3, 4), g.f(1, 4)])
    add("Gemm_C_column_broadcast_float32", "Gemm", [g.f(2, 3), g.f(3, 4), g.f(2, 1)])
    add("Gemm_beta_0_float32", "Gemm", [g.f(2, 3), g.f(3, 4), g.f(2, 4)], {"beta": 0.0})
    add("Gemm_float64_all_attrs", "Gemm", [g.f(3, 2, dtype=F64), g.f(4, 3, dtype=F64), g.f(4, dtype=F64)],
        {"alpha": 1.5, "beta": 0.75, "transA": 1, "transB": 1})
    add("Gemm_larger_float32", "Gemm", [g.f(6, 10, lo=-1, hi=1), g.f(10, 7, lo=-1, hi=1), g.f(7, lo=-1, hi=1)])
    add("Gemm_empty_K_float32", "Gemm", [np.zeros((2, 0), F32), np.zeros((0, 3), F32), g.f(3)])


def softmax():
    for op in ["Softmax", "LogSoftmax"]:
        g = Gen(op)
        add(f"{op}_default_axis_2d_float32", op, [g.f(3, 4)])
        add(f"{op}_default_axis_3d_float32", op, [g.f(2, 3, 4)])
        add(f"{op}_axis0_float32", op, [g.f(3, 4)], {"axis": 0})
        add(f"{op}_axis1_3d_float32", op, [g.f(2, 3, 4)], {"axis": 1})
        add(f"{op}_axis_negative2_3d_float32", op, [g.f(2, 3, 4)], {"axis": -2})
        add(f"{op}_axis_explicit_last_float32", op, [g.f(2, 5)], {"axis": 1})
        add(f"{op}_1d_float32", op, [g.f(6)])
        add(f"{op}_large_values_stability_float32", op, [arr([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], F32)])
        add(f"{op}_with_neg_inf_float32", op, [arr([[0.0, -INF, 1.0], [2.0, 2.0, -INF]], F32)])
        add(f"{op}_float64_axis0", op, [g.f(3, 4, dtype=F64)], {"axis": 0})
        add(f"{op}_float64_default", op, [g.f(2, 3, 4, dtype=F64)])


# --------------------------------------------------------------------------------------------
# Shape manipulation
# --------------------------------------------------------------------------------------------

def shape_ops():
    g = Gen("shape")
    x = np.arange(24, dtype=F32).reshape(2, 3, 4) * 0.5 - 3.0
    add("Reshape_basic", "Reshape", [x, i64([4, 6])])
    add("Reshape_minus_one", "Reshape", [x, i64([-1, 2])])
    add("Reshape_zero_copies_dim", "Reshape", [x, i64([0, -1])])
    add("Reshape_zero_and_minus_one_3d", "Reshape", [x, i64([0, 4, -1])])
    add("Reshape_allowzero_0_explicit", "Reshape", [x, i64([2, 0, 2, 2])], {"allowzero": 0})
    add("Reshape_allowzero_1_empty", "Reshape", [np.zeros((0, 3), F32), i64([3, 0])], {"allowzero": 1})
    # (allowzero=1 forbids mixing 0 and -1 in the shape, so there is no such case.)
    add("Reshape_allowzero_1_empty_to_3d", "Reshape", [np.zeros((3, 0), F32), i64([0, 3, 4])], {"allowzero": 1})
    add("Reshape_allowzero_0_empty_zero_copies", "Reshape", [np.zeros((0, 3), F32), i64([0, 3, 1])])
    add("Reshape_to_scalar", "Reshape", [arr([7.5], F32), i64([])])
    add("Reshape_scalar_to_1d", "Reshape", [scalar(3, I64), i64([1])])
    add("Reshape_int64_data", "Reshape", [np.arange(6, dtype=I64), i64([3, 2])])
    add("Reshape_bool_data", "Reshape", [g.b(2, 3), i64([-1])])

    add("Transpose_default_perm_reverses", "Transpose", [x])
    add("Transpose_2d_default", "Transpose", [g.f(2, 3)])
    add("Transpose_perm_1_0_2", "Transpose", [x], {"perm": [1, 0, 2]})
    add("Transpose_perm_2_0_1", "Transpose", [x], {"perm": [2, 0, 1]})
    add("Transpose_4d_nhwc", "Transpose", [g.f(1, 2, 3, 2)], {"perm": [0, 2, 3, 1]})
    add("Transpose_identity_perm_int64", "Transpose", [np.arange(6, dtype=I64).reshape(2, 3)], {"perm": [0, 1]})
    add("Transpose_bool", "Transpose", [g.b(2, 3)], {"perm": [1, 0]})
    add("Transpose_float64", "Transpose", [g.f(2, 3, dtype=F64)])
    add("Transpose_empty", "Transpose", [np.zeros((0, 3), F32)])

    x4 = np.arange(24, dtype=F32).reshape(2, 3, 2, 2)
    add("Flatten_default_axis", "Flatten", [x4])
    add("Flatten_axis_0", "Flatten", [x4], {"axis": 0})
    add("Flatten_axis_2", "Flatten", [x4], {"axis": 2})
    add("Flatten_axis_rank", "Flatten", [x4], {"axis": 4})
    add("Flatten_axis_negative1", "Flatten", [x4], {"axis": -1})
    add("Flatten_axis_negative3_int64", "Flatten", [np.arange(24, dtype=I64).reshape(2, 3, 2, 2)], {"axis": -3})
    add("Flatten_empty", "Flatten", [np.zeros((2, 0, 3), F32)], {"axis": 1})

    y = g.f(1, 3, 1, 2)
    add("Squeeze_axes_omitted", "Squeeze", [y])
    add("Squeeze_axes_0", "Squeeze", [y, i64([0])])
    add("Squeeze_negative_axis", "Squeeze", [y, i64([-2])])
    add("Squeeze_multiple_axes", "Squeeze", [y, i64([2, 0])])
    add("Squeeze_to_scalar", "Squeeze", [arr([[4]], I32)])
    add("Squeeze_int64", "Squeeze", [np.arange(3, dtype=I64).reshape(3, 1), i64([1])])

    z = g.f(3, 4)
    add("Unsqueeze_axis_0", "Unsqueeze", [z, i64([0])])
    add("Unsqueeze_axis_negative1", "Unsqueeze", [z, i64([-1])])
    add("Unsqueeze_multiple_axes", "Unsqueeze", [z, i64([1, 3])])
    add("Unsqueeze_unsorted_mixed_sign_axes", "Unsqueeze", [z, i64([-1, 0])])
    add("Unsqueeze_scalar", "Unsqueeze", [scalar(2.5, F32), i64([0])])
    add("Unsqueeze_bool", "Unsqueeze", [g.b(2), i64([1])])

    add("Concat_axis_0", "Concat", [g.f(2, 3), g.f(1, 3)], {"axis": 0})
    add("Concat_axis_1", "Concat", [g.f(2, 3), g.f(2, 2)], {"axis": 1})
    add("Concat_axis_negative1_three_inputs", "Concat", [g.f(2, 1), g.f(2, 3), g.f(2, 2)], {"axis": -1})
    add("Concat_3d_axis_negative2", "Concat", [g.f(2, 1, 2), g.f(2, 2, 2)], {"axis": -2})
    add("Concat_single_input", "Concat", [g.f(2, 3)], {"axis": 0})
    add("Concat_with_empty_input", "Concat", [g.f(2, 3), np.zeros((2, 0), F32), g.f(2, 1)], {"axis": 1})
    add("Concat_all_empty", "Concat", [np.zeros((0, 3), F32), np.zeros((0, 3), F32)], {"axis": 0})
    add("Concat_int64", "Concat", [np.arange(3, dtype=I64), np.arange(2, dtype=I64)], {"axis": 0})
    add("Concat_bool", "Concat", [g.b(1, 2), g.b(2, 2)], {"axis": 0})
    add("Concat_float64_axis_1", "Concat", [g.f(2, 2, dtype=F64), g.f(2, 1, dtype=F64)], {"axis": 1})

    s = np.arange(12, dtype=F32).reshape(2, 6)
    add("Split_num_outputs_2_axis_1", "Split", [s], {"axis": 1, "num_outputs": 2}, n_out=2)
    add("Split_num_outputs_3_axis_negative1", "Split", [s], {"axis": -1, "num_outputs": 3}, n_out=3)
    add("Split_num_outputs_default_axis_0", "Split", [s], {"num_outputs": 2}, n_out=2)
    add("Split_split_input_2_4", "Split", [s, i64([2, 4])], {"axis": 1}, n_out=2)
    add("Split_split_input_with_zero", "Split", [s, i64([1, 0, 5])], {"axis": 1}, n_out=3)
    add("Split_num_outputs_uneven_7_by_3", "Split", [np.arange(7, dtype=F32)], {"num_outputs": 3}, n_out=3)
    add("Split_num_outputs_uneven_5_by_2_int64", "Split", [np.arange(10, dtype=I64).reshape(5, 2)],
        {"num_outputs": 2, "axis": 0}, n_out=2)
    add("Split_1d_split_input_float64", "Split", [g.f(6, dtype=F64), i64([1, 2, 3])], n_out=3)

    sl = np.arange(20, dtype=F32).reshape(4, 5)
    add("Slice_basic", "Slice", [sl, i64([1, 0]), i64([3, 3])])
    add("Slice_axes_given", "Slice", [sl, i64([1]), i64([4]), i64([1])])
    add("Slice_negative_axes", "Slice", [sl, i64([1]), i64([-1]), i64([-1])])
    add("Slice_steps_2", "Slice", [sl, i64([0, 0]), i64([4, 5]), i64([0, 1]), i64([2, 2])])
    add("Slice_negative_step_reverse", "Slice", [sl, i64([-1]), i64([-1000]), i64([1]), i64([-1])])
    add("Slice_negative_step_2", "Slice", [sl, i64([3, 4]), i64([0, 0]), i64([0, 1]), i64([-2, -2])])
    add("Slice_out_of_range_clamped", "Slice", [sl, i64([-100, 2]), i64([100, 1000]), i64([0, 1])])
    add("Slice_end_int53_max", "Slice", [sl, i64([2]), i64([2**53 - 1]), i64([0])])
    add("Slice_negative_starts_ends", "Slice", [sl, i64([-3, -4]), i64([-1, -1])])
    add("Slice_empty_result", "Slice", [sl, i64([3]), i64([1]), i64([0])])
    add("Slice_3d_middle_axis_int64", "Slice", [np.arange(24, dtype=I64).reshape(2, 3, 4), i64([1]), i64([3]), i64([-2])])
    add("Slice_int32_indices", "Slice", [sl, arr([0], I32), arr([2], I32), arr([1], I32), arr([1], I32)])


def gather_ops():
    g = Gen("Gather")
    data = g.f(4, 3)
    add("Gather_axis0", "Gather", [data, i64([0, 3, 1])])
    add("Gather_negative_indices", "Gather", [data, i64([-1, -4, 2])])
    add("Gather_axis1", "Gather", [data, i64([[2, 0], [1, 1]])], {"axis": 1})
    add("Gather_axis_negative1", "Gather", [data, i64([2, -3])], {"axis": -1})
    add("Gather_scalar_index", "Gather", [data, scalar(2, I64)])
    add("Gather_scalar_index_axis1", "Gather", [data, scalar(-1, I64)], {"axis": 1})
    add("Gather_2d_indices_axis0", "Gather", [data, i64([[0, 1], [2, 3]])])
    add("Gather_int32_indices", "Gather", [data, arr([3, 0], I32)])
    add("Gather_int64_data_3d_axis1", "Gather", [np.arange(24, dtype=I64).reshape(2, 3, 4), i64([2, 0])], {"axis": 1})
    add("Gather_empty_indices", "Gather", [data, np.zeros((0,), I64)])
    add("Gather_bool_data", "Gather", [g.b(5), i64([4, 0])])

    ge = g.f(3, 3)
    add("GatherElements_axis0", "GatherElements", [ge, i64([[1, 2, 0], [2, 0, 0]])], {"axis": 0})
    add("GatherElements_axis1", "GatherElements", [ge, i64([[0, 0], [1, 0], [2, 1]])], {"axis": 1})
    add("GatherElements_negative_indices", "GatherElements", [ge, i64([[-1, -2, 0], [-3, 1, -1]])], {"axis": 0})
    # The reference GatherElements mishandles negative axes (it slices the shapes with the raw
    # axis), so numpy's take_along_axis gives the expected output here.
    ge_idx = i64([[2], [1], [0]])
    add("GatherElements_axis_negative1", "GatherElements", [ge, ge_idx], {"axis": -1},
        expected=[np.take_along_axis(ge, ge_idx, axis=-1)])
    add("GatherElements_int32_indices_int64_data", "GatherElements",
        [np.arange(12, dtype=I64).reshape(3, 4), arr([[3, 2, 1, 0], [0, 0, -1, 1], [2, 2, 2, 2]], I32)], {"axis": 1})
    add("GatherElements_3d_axis1", "GatherElements", [g.f(2, 3, 2), g.rng.integers(0, 3, size=(2, 2, 2)).astype(I64)],
        {"axis": 1})


def scatter_dropout():
    g = Gen("ScatterElements")
    data = g.f(3, 4)
    add("ScatterElements_axis0", "ScatterElements", [data, i64([[1, 0, 2, 0], [2, 2, 0, 1]]), g.f(2, 4)])
    add("ScatterElements_axis1_negative_indices", "ScatterElements", [data, i64([[-1, 0], [1, -4], [2, 3]]), g.f(3, 2)],
        {"axis": 1})
    add("ScatterElements_add_duplicates", "ScatterElements", [data, i64([[0, 0, 0, 0], [0, 0, 0, 0]]), g.f(2, 4)],
        {"reduction": "add"})
    add("ScatterElements_mul", "ScatterElements", [data, i64([[1], [1], [0]]), g.f(3, 1)], {"axis": 1, "reduction": "mul"})
    add("ScatterElements_max_int64", "ScatterElements", [np.arange(6, dtype=I64).reshape(2, 3), i64([[2, 2]]),
        arr([[10, -5]], I64)], {"axis": 1, "reduction": "max"})
    add("ScatterElements_min", "ScatterElements", [data, i64([[3, 3]]), g.f(1, 2)], {"axis": 1, "reduction": "min"})
    # Dropout is random in training mode (tested statistically in the Swift tests); in inference
    # mode, or with ratio 0, it passes data through and the mask is all true.
    d = Gen("Dropout")
    x = d.f(3, 4)
    add("Dropout_inference_default", "Dropout", [x])
    add("Dropout_inference_with_mask", "Dropout", [x, scalar(0.3, F32)], n_out=2)
    add("Dropout_training_ratio_0", "Dropout", [x, scalar(0.0, F32), scalar(True, BOOL)], n_out=2)
    add("Dropout_inference_float64", "Dropout", [d.f(2, 2, dtype=F64)])


def expand_tile_pad():
    g = Gen("Expand")
    add("Expand_column", "Expand", [g.f(3, 1), i64([3, 4])])
    add("Expand_scalar", "Expand", [scalar(1.5, F32), i64([2, 3])])
    add("Expand_rank_increase", "Expand", [g.f(3), i64([2, 1, 3])])
    add("Expand_shape_smaller_than_input", "Expand", [g.f(2, 3), i64([1, 3])])
    add("Expand_shape_with_ones_both_sides", "Expand", [g.f(2, 1), i64([1, 4])])
    add("Expand_int64", "Expand", [np.arange(2, dtype=I64).reshape(1, 2), i64([3, 2])])
    add("Expand_bool", "Expand", [arr([True, False], BOOL), i64([2, 2])])
    add("Expand_to_empty", "Expand", [g.f(1, 3), i64([0, 3])])

    g = Gen("Tile")
    add("Tile_2d", "Tile", [g.f(2, 3), i64([2, 3])])
    add("Tile_1d", "Tile", [np.arange(3, dtype=F32), i64([3])])
    add("Tile_repeats_one", "Tile", [g.f(2, 2), i64([1, 1])])
    add("Tile_int32_3d", "Tile", [g.i(1, 2, 2), i64([2, 1, 2])])
    add("Tile_int64", "Tile", [np.arange(4, dtype=I64).reshape(2, 2), i64([1, 3])])
    add("Tile_repeats_zero", "Tile", [g.f(2, 2), i64([0, 2])])
    add("Tile_bool", "Tile", [arr([[True, False]], BOOL), i64([2, 2])])

    g = Gen("Pad")
    p = np.arange(1, 10, dtype=F32).reshape(3, 3)
    add("Pad_constant_default_value", "Pad", [p, i64([1, 0, 0, 2])])
    add("Pad_constant_value", "Pad", [p, i64([0, 1, 2, 0]), scalar(-1.5, F32)], {"mode": "constant"})
    add("Pad_reflect", "Pad", [p, i64([2, 1, 0, 2])], {"mode": "reflect"})
    add("Pad_edge", "Pad", [p, i64([1, 2, 3, 1])], {"mode": "edge"})
    add("Pad_wrap", "Pad", [p, i64([1, 2, 2, 1])], {"mode": "wrap"})
    add("Pad_reflect_1d", "Pad", [np.arange(5, dtype=F32), i64([3, 2])], {"mode": "reflect"})
    add("Pad_axes_input", "Pad", [g.f(2, 3, 2), i64([1, 2]), scalar(9.0, F32), i64([1])])
    add("Pad_axes_negative_edge", "Pad", [g.f(2, 3), i64([2, 1]), None, i64([-1])], {"mode": "edge"})
    add("Pad_int32_constant", "Pad", [arr([[1, 2], [3, 4]], I32), i64([1, 1, 1, 1]), scalar(7, I32)])
    add("Pad_int64_reflect", "Pad", [np.arange(8, dtype=I64).reshape(2, 4), i64([0, 2, 0, 3])], {"mode": "reflect"})
    add("Pad_float64_wrap", "Pad", [g.f(2, 3, dtype=F64), i64([0, 2, 1, 4])], {"mode": "wrap"})
    add("Pad_bool_constant", "Pad", [arr([True, False], BOOL), i64([1, 1])])
    add("Pad_zero_pads", "Pad", [p, i64([0, 0, 0, 0])])
    # Negative pads remove elements. The reference evaluator hands them to np.pad, which rejects
    # negative widths, so the expected output is computed here with numpy (pad the positive part,
    # then crop) and cross-checked against onnxruntime.
    add("Pad_constant_negative_pads_crop", "Pad", [p, i64([-1, 1, 0, -1]), scalar(5.0, F32)],
        expected=[np.pad(p, ((0, 0), (1, 0)), constant_values=5.0)[1:, :-1]])
    add("Pad_constant_mixed_negative_pads", "Pad", [np.arange(12, dtype=F32).reshape(3, 4), i64([1, -2, -1, 1])],
        expected=[np.pad(np.arange(12, dtype=F32).reshape(3, 4), ((1, 0), (0, 1)))[:-1, 2:]])
    add("Pad_edge_negative_pads_crop", "Pad", [np.arange(12, dtype=F32).reshape(3, 4), i64([0, -1, 2, 0])],
        {"mode": "edge"},
        expected=[np.pad(np.arange(12, dtype=F32).reshape(3, 4), ((0, 2), (0, 0)), mode="edge")[:, 1:]])


def misc_ops():
    g = Gen("Shape")
    x = g.f(2, 3, 4)
    add("Shape_default", "Shape", [x])
    add("Shape_start_1", "Shape", [x], {"start": 1})
    add("Shape_end_negative1", "Shape", [x], {"end": -1})
    add("Shape_start_negative2_end_3", "Shape", [x], {"start": -2, "end": 3})
    add("Shape_start_out_of_range_clamped", "Shape", [x], {"start": -10, "end": 10})
    add("Shape_start_after_end_empty", "Shape", [x], {"start": 2, "end": 1})
    add("Shape_scalar", "Shape", [scalar(1.0, F32)])
    add("Shape_empty_tensor_int64", "Shape", [np.zeros((3, 0), I64)])
    add("Size_2d", "Size", [g.f(2, 3)])
    add("Size_scalar", "Size", [scalar(5, I32)])
    add("Size_empty", "Size", [np.zeros((4, 0, 2), F32)])
    add("Size_bool_3d", "Size", [g.b(2, 2, 2)])

    add("ConstantOfShape_default_float32_zeros", "ConstantOfShape", [i64([2, 3])])
    add("ConstantOfShape_value_float32", "ConstantOfShape", [i64([3])], {"value": arr([3.5], F32)})
    add("ConstantOfShape_value_int64", "ConstantOfShape", [i64([2, 2])], {"value": arr([-7], I64)})
    add("ConstantOfShape_value_int32", "ConstantOfShape", [i64([1, 2, 2])], {"value": arr([4], I32)})
    add("ConstantOfShape_value_bool", "ConstantOfShape", [i64([3])], {"value": arr([True], BOOL)})
    add("ConstantOfShape_value_float64", "ConstantOfShape", [i64([2])], {"value": arr([0.1], F64)})
    add("ConstantOfShape_scalar_output", "ConstantOfShape", [i64([])], {"value": arr([2.0], F32)})
    add("ConstantOfShape_empty_output", "ConstantOfShape", [i64([0, 3])], {"value": arr([1.0], F32)})

    add("Range_int32", "Range", [scalar(0, I32), scalar(10, I32), scalar(3, I32)])
    add("Range_int64_negative_delta", "Range", [scalar(10, I64), scalar(-3, I64), scalar(-4, I64)])
    add("Range_float32", "Range", [scalar(0.0, F32), scalar(1.0, F32), scalar(0.25, F32)])
    add("Range_float32_fractional_count", "Range", [scalar(1.0, F32), scalar(2.05, F32), scalar(0.5, F32)])
    add("Range_float64_negative", "Range", [scalar(1.5, F64), scalar(-1.0, F64), scalar(-0.5, F64)])
    add("Range_empty_int32", "Range", [scalar(5, I32), scalar(1, I32), scalar(2, I32)])
    add("Range_int64_single", "Range", [scalar(3, I64), scalar(4, I64), scalar(5, I64)])

    add("Identity_float32", "Identity", [g.f(2, 3)])
    add("Identity_int64", "Identity", [np.arange(4, dtype=I64)])
    add("Identity_bool", "Identity", [g.b(3)])
    add("Identity_scalar_float64", "Identity", [scalar(2.5, F64)])
    add("Identity_empty", "Identity", [np.zeros((0, 2), F32)])

    g = Gen("CumSum")
    c = np.arange(1, 7, dtype=F32).reshape(2, 3)
    add("CumSum_axis0", "CumSum", [c, scalar(0, I64)])
    add("CumSum_axis1", "CumSum", [c, scalar(1, I64)])
    add("CumSum_axis_negative1_int32_axis", "CumSum", [c, scalar(-1, I32)])
    add("CumSum_exclusive", "CumSum", [c, scalar(1, I64)], {"exclusive": 1})
    add("CumSum_reverse", "CumSum", [c, scalar(1, I64)], {"reverse": 1})
    add("CumSum_exclusive_reverse", "CumSum", [c, scalar(1, I64)], {"exclusive": 1, "reverse": 1})
    add("CumSum_1d", "CumSum", [arr([1.0, 2.0, 3.0, 4.0], F32), scalar(0, I64)])
    add("CumSum_float64_3d_axis1", "CumSum", [g.f(2, 3, 2, dtype=F64), scalar(1, I64)])
    add("CumSum_int32_reverse_axis0", "CumSum", [g.i(3, 2), scalar(0, I32)], {"reverse": 1})
    add("CumSum_int64_exclusive", "CumSum", [g.i(5, dtype=I64), scalar(0, I64)], {"exclusive": 1})

    g = Gen("TopK")
    tk = arr([[0.3, 1.2, -0.5, 2.2, 0.9], [4.0, -1.0, 0.1, 3.5, 2.5], [-2.0, -0.7, -3.1, 0.0, 1.1]], F32)
    add("TopK_largest_axis_default", "TopK", [tk, i64([2])], n_out=2)
    add("TopK_smallest", "TopK", [tk, i64([3])], {"largest": 0}, n_out=2)
    add("TopK_axis0_largest_sorted", "TopK", [tk, i64([2])], {"axis": 0, "largest": 1, "sorted": 1}, n_out=2)
    add("TopK_axis_negative2_smallest", "TopK", [tk, i64([1])], {"axis": -2, "largest": 0}, n_out=2)
    add("TopK_k_equals_dim", "TopK", [tk, i64([5])], n_out=2)
    add("TopK_k_zero", "TopK", [tk, i64([0])], n_out=2)
    # With sorted=0 the output order is unspecified, so only K=1 (order-independent) is tested.
    add("TopK_unsorted_k1", "TopK", [tk, i64([1])], {"sorted": 0}, n_out=2)
    add("TopK_ties_lower_index_first", "TopK", [arr([1.0, 3.0, 2.0, 3.0, 1.0], F32), i64([3])], n_out=2)
    add("TopK_ties_smallest_lower_index_first", "TopK", [arr([1.0, 3.0, 2.0, 3.0, 1.0], F32), i64([3])],
        {"largest": 0}, n_out=2)
    add("TopK_float64_3d_axis1", "TopK", [g.f(2, 4, 3, dtype=F64), i64([2])], {"axis": 1}, n_out=2)
    add("TopK_int32", "TopK", [arr([[5, -1, 7, 3], [0, 9, -4, 2]], I32), i64([2])], n_out=2)
    add("TopK_int64_smallest", "TopK", [arr([10, -20, 30, 0, 5], I64), i64([2])], {"largest": 0}, n_out=2)

    g = Gen("Trilu")
    t = np.arange(1, 13, dtype=F32).reshape(3, 4)
    add("Trilu_upper_default", "Trilu", [t])
    add("Trilu_lower", "Trilu", [t], {"upper": 0})
    add("Trilu_upper_k_1", "Trilu", [t, scalar(1, I64)])
    add("Trilu_upper_k_negative1", "Trilu", [t, scalar(-1, I64)], {"upper": 1})
    add("Trilu_lower_k_1", "Trilu", [t, scalar(1, I64)], {"upper": 0})
    add("Trilu_lower_k_negative2", "Trilu", [t, scalar(-2, I64)], {"upper": 0})
    add("Trilu_upper_k_large", "Trilu", [t, scalar(10, I64)])
    add("Trilu_lower_k_large_negative", "Trilu", [t, scalar(-10, I64)], {"upper": 0})
    add("Trilu_batched_3d_lower", "Trilu", [g.f(2, 3, 3)], {"upper": 0})
    add("Trilu_tall_int64_upper", "Trilu", [np.arange(1, 9, dtype=I64).reshape(4, 2)])
    add("Trilu_float64_upper_k_neg", "Trilu", [g.f(3, 3, dtype=F64), scalar(-1, I64)])

    add("OneHot_default_axis", "OneHot", [i64([0, 2, 1]), scalar(3, I64), arr([0.0, 1.0], F32)])
    add("OneHot_axis0", "OneHot", [i64([0, 2, 1]), scalar(4, I64), arr([0.0, 1.0], F32)], {"axis": 0})
    add("OneHot_negative_indices", "OneHot", [i64([-1, -3, 0, 2]), scalar(3, I64), arr([0.0, 1.0], F32)])
    add("OneHot_out_of_range_all_off", "OneHot", [i64([3, -4, 1]), scalar(3, I64), arr([0.0, 1.0], F32)])
    add("OneHot_2d_axis_negative2", "OneHot", [i64([[1, 0], [2, 1]]), scalar(3, I64), arr([-1.0, 5.0], F32)],
        {"axis": -2})
    add("OneHot_2d_axis_1", "OneHot", [i64([[1, 0], [2, 1]]), scalar(3, I64), arr([0.0, 1.0], F32)], {"axis": 1})
    add("OneHot_int32_indices_int64_values", "OneHot", [arr([2, 0], I32), scalar(3, I64), arr([0, 7], I64)])
    add("OneHot_float_depth", "OneHot", [i64([1, 0]), scalar(2.0, F32), arr([0, 1], I32)])
    add("OneHot_float64_values", "OneHot", [i64([1, 3]), scalar(4, I64), arr([0.5, -1.5], F64)])


# --------------------------------------------------------------------------------------------
# Extended operators: CastLike, losses, bitwise ops, sum reductions, more activations and math,
# index-addressed movement, and linear algebra / set operations
# --------------------------------------------------------------------------------------------

def add_at_opset(opset, *args, **kwargs):
    """add() for an op (or attribute space) newer than OPSET: the model imports `opset`."""
    global OPSET
    saved, OPSET = OPSET, opset
    try:
        add(*args, **kwargs)
    finally:
        OPSET = saved


def castlike():
    g = Gen("CastLike")
    fr = arr([-2.7, -1.5, -0.5, 0.0, 0.3, 1.5, 2.7, 100.9], F32)
    add("CastLike_float32_to_float64", "CastLike", [g.f(2, 3), np.zeros(1, F64)])
    add("CastLike_float64_to_float32", "CastLike", [g.f(2, 3, dtype=F64), np.zeros(0, F32)])
    add("CastLike_float32_to_int32_truncates", "CastLike", [fr, np.zeros(1, I32)])
    add("CastLike_float64_to_int64_truncates", "CastLike", [fr.astype(F64).reshape(2, 4), np.zeros((2, 2), I64)])
    add("CastLike_int64_to_float32", "CastLike", [arr([0, -7, 16777217, 123], I64), np.zeros(1, F32)])
    add("CastLike_int32_to_int8_wraps", "CastLike", [arr([0, 127, 128, -129, 300], I32), np.zeros(1, I8)])
    add("CastLike_float32_to_bool", "CastLike", [arr([0.0, -0.0, 0.5, -2.0, INF], F32), np.zeros(1, BOOL)])
    add("CastLike_bool_to_float32", "CastLike", [arr([[0, 1], [1, 0]], BOOL), np.zeros(1, F32)])
    add("CastLike_float32_to_float16", "CastLike", [arr([0.1, -1.0, 65504.0, 3.14159], F32), np.zeros(1, F16)])
    add("CastLike_uint8_to_int32", "CastLike", [arr([0, 1, 200, 255], U8), np.zeros(1, I32)])
    add("CastLike_same_dtype", "CastLike", [g.f(3), np.zeros(1, F32)])
    add("CastLike_empty", "CastLike", [np.zeros((0, 2), F32), np.zeros(1, F64)])


def losses():
    g = Gen("NegativeLogLikelihoodLoss")
    nc, t = g.f(3, 5), arr([1, 0, 4], I64)
    w = g.f(5, lo=0.2, hi=2.0)
    op = "NegativeLogLikelihoodLoss"
    add("NLL_NC_mean_default", op, [nc, t])
    add("NLL_NC_none", op, [nc, t], {"reduction": "none"})
    add("NLL_NC_sum", op, [nc, t], {"reduction": "sum"})
    add("NLL_NC_weight_mean", op, [nc, t, w])
    add("NLL_NC_weight_sum", op, [nc, t, w], {"reduction": "sum"})
    add("NLL_NC_int32_target", op, [nc, t.astype(I32)], {"reduction": "none"})
    x4, t4 = g.f(2, 3, 2, 2), g.i(2, 2, 2, lo=0, hi=2, dtype=I64)
    add("NLL_NCd1d2_none_weight", op, [x4, t4, g.f(3, lo=0.2, hi=2.0)], {"reduction": "none"})
    add("NLL_NCd1d2_mean_weight", op, [x4, t4, g.f(3, lo=0.2, hi=2.0)])
    t4i = t4.copy()
    t4i[0, 0, 1] = 1
    t4i[1, 1, 0] = 1
    add("NLL_NCd1d2_mean_ignore_index", op, [x4, t4i], {"ignore_index": 1})
    add("NLL_NCd1d2_sum_weight_ignore_index", op, [x4, t4i, g.f(3, lo=0.2, hi=2.0)], {"reduction": "sum", "ignore_index": 1})
    add("NLL_NCd1_negative_ignore_index_weight_mean", op,
        [g.f(3, 4, 2), arr([[0, -1], [3, 2], [-1, 1]], I64), g.f(4, lo=0.2, hi=2.0)], {"ignore_index": -1})
    add("NLL_NCd1_ignore_index_out_of_range_none", op, [g.f(2, 3, 2), arr([[9, 0], [2, 9]], I64)],
        {"reduction": "none", "ignore_index": 9})
    add("NLL_NC_float64_mean_weight", op, [g.f(4, 3, dtype=F64), arr([2, 0, 1, 1], I64), g.f(3, lo=0.2, hi=2.0, dtype=F64)])

    g = Gen("SoftmaxCrossEntropyLoss")
    op = "SoftmaxCrossEntropyLoss"
    s, labels = g.f(3, 5), arr([4, 0, 2], I64)
    add("SCE_mean_default", op, [s, labels])
    add("SCE_none", op, [s, labels], {"reduction": "none"})
    add("SCE_sum", op, [s, labels], {"reduction": "sum"})
    add("SCE_mean_weight", op, [s, labels, g.f(5, lo=0.2, hi=2.0)])
    add("SCE_mean_log_prob", op, [s, labels], n_out=2)
    add("SCE_none_weight_log_prob", op, [s, labels, g.f(5, lo=0.2, hi=2.0)], {"reduction": "none"}, n_out=2)
    add("SCE_mean_ignore_index", op, [s, arr([4, 0, 0], I64)], {"ignore_index": 0})
    add("SCE_3d_mean_weight_ignore_index", op, [g.f(2, 4, 3), arr([[0, 3, 1], [1, -2, 2]], I64), g.f(4, lo=0.2, hi=2.0)],
        {"ignore_index": -2})
    add("SCE_4d_sum_log_prob", op, [g.f(2, 3, 2, 2), g.i(2, 2, 2, lo=0, hi=2, dtype=I64)], {"reduction": "sum"}, n_out=2)
    add("SCE_float64_mean_int32_labels", op, [g.f(4, 3, dtype=F64), arr([2, 0, 1, 1], I32)])


def bitwise():
    for op in ["BitwiseAnd", "BitwiseOr", "BitwiseXor"]:
        g = Gen(op)
        add(f"{op}_int32", op, [g.i(2, 3, lo=-100, hi=100), g.i(2, 3, lo=-100, hi=100)])
        add(f"{op}_uint8_broadcast_row", op, [g.i(3, 4, lo=0, hi=255, dtype=U8), g.i(4, lo=0, hi=255, dtype=U8)])
        add(f"{op}_int64_broadcast_scalar", op, [g.i(5, lo=-1000, hi=1000, dtype=I64), scalar(0x3C, I64)])
        add(f"{op}_int8", op, [arr([-128, -1, 0, 127, 85], I8), arr([127, -86, 5, -1, 85], I8)])
    g = Gen("BitwiseNot")
    add("BitwiseNot_int32", "BitwiseNot", [g.i(2, 3, lo=-100, hi=100)])
    add("BitwiseNot_uint8", "BitwiseNot", [arr([0, 1, 127, 255], U8)])
    add("BitwiseNot_int64", "BitwiseNot", [arr([0, -1, 2**40, -(2**40)], I64)])
    add("BitwiseNot_uint16", "BitwiseNot", [arr([0, 1, 65535, 4660], np.uint16)])

    op = "BitShift"
    for dtype, name in [(U8, "uint8"), (np.uint16, "uint16"), (np.uint32, "uint32"), (np.uint64, "uint64")]:
        add(f"BitShift_left_{name}", op, [arr([16, 4, 1], dtype), arr([1, 2, 3], dtype)], {"direction": "LEFT"})
        add(f"BitShift_right_{name}", op, [arr([16, 4, 1], dtype), arr([1, 2, 3], dtype)], {"direction": "RIGHT"})
    add("BitShift_left_uint8_overflow_broadcast", op, [arr([[255, 129], [64, 3]], U8), arr([1], U8)], {"direction": "LEFT"})
    # Signed types and out-of-range shifts are defined from opset 28 on.
    add_at_opset(28, "BitShift_right_int8_negative_arithmetic", op, [arr([-128, -5, -1, 64], I8), arr([1, 1, 3, 2], I8)],
                 {"direction": "RIGHT"})
    add_at_opset(28, "BitShift_left_int32_overflow", op, [arr([2**30, -(2**30), 3, -1], I32), arr([1, 2, 30, 31], I32)],
                 {"direction": "LEFT"})
    add_at_opset(28, "BitShift_right_int32_shift_ge_width_and_negative", op,
                 [arr([-7, 7, -7, 7, -1], I32), arr([32, 40, -1, -3, 31], I32)], {"direction": "RIGHT"})
    add_at_opset(28, "BitShift_left_int64_shift_ge_width_and_negative", op,
                 [arr([-7, 7, 5, 1], I64), arr([64, 70, -2, 52], I64)], {"direction": "LEFT"})


def sum_reductions():
    for op in ["ReduceL1", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"]:
        g = Gen(op)
        positive = op == "ReduceLogSum"
        mk = (lambda *s, dtype=F32: g.f(*s, lo=0.1, hi=3.0, dtype=dtype)) if positive else \
             (lambda *s, dtype=F32: g.f(*s, dtype=dtype))  # noqa: E731
        x3 = mk(2, 3, 4)
        add(f"{op}_axes_1_keepdims_default", op, [x3, i64([1])])
        add(f"{op}_axes_negative_keepdims_0", op, [x3, i64([-1])], {"keepdims": 0})
        add(f"{op}_axes_0_2_keepdims_1", op, [x3, i64([0, 2])], {"keepdims": 1})
        add(f"{op}_axes_omitted_reduce_all_keepdims_0", op, [mk(3, 4)], {"keepdims": 0})
        add(f"{op}_axes_empty_tensor_reduce_all", op, [mk(2, 3), i64([])])
        add(f"{op}_noop_with_empty_axes", op, [mk(2, 3)], {"noop_with_empty_axes": 1})
        add(f"{op}_float64_axes_1", op, [mk(3, 4, dtype=F64), i64([1])], {"keepdims": 0})
        add(f"{op}_empty_axis_reduced", op, [np.zeros((2, 0, 3), F32), i64([1])], {"keepdims": 0})
        if op in ("ReduceL1", "ReduceSumSquare"):
            # The reference evaluator widens int32 squares to int64; the result keeps the input dtype.
            xi = g.i(3, 4, lo=-5, hi=5)
            add(f"{op}_int32_axes_0", op, [xi, i64([0])], {"keepdims": 0},
                expected=[np.square(xi).sum(axis=0).astype(I32)] if op == "ReduceSumSquare" else None)
            add(f"{op}_int64_axes_omitted", op, [g.i(2, 3, lo=-50, hi=50, dtype=I64)])
    # A row of -inf sums to 0, whose log is -inf (the reference evaluator gives NaN there).
    lse = arr([[1000.0, 1000.0, -1000.0], [-INF, -INF, -INF], [88.0, 89.0, 90.0]], F32)
    add("ReduceLogSumExp_large_values_stable", "ReduceLogSumExp", [lse, i64([1])], {"keepdims": 0},
        expected=[np.logaddexp.reduce(lse.astype(F64), axis=1).astype(F32)])
    add("ReduceLogSum_zero_gives_negative_inf", "ReduceLogSum", [arr([[0.0, 0.0], [1.0, 2.0]], F32), i64([1])])


def extra_activations():
    g = Gen("extra_activations")
    TR = dict(rtol=1e-5, atol=1e-6)
    add("Hardmax_default_axis", "Hardmax", [g.f(3, 4)])
    add("Hardmax_axis0", "Hardmax", [g.f(3, 4)], {"axis": 0})
    add("Hardmax_3d_axis1", "Hardmax", [g.f(2, 3, 4)], {"axis": 1})
    add("Hardmax_ties_first", "Hardmax", [arr([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], F32)])
    add("Hardmax_float64_negative_axis", "Hardmax", [g.f(2, 3, 2, dtype=F64)], {"axis": -2})
    add("Celu_default", "Celu", [g.f(2, 4)], **TR)
    add("Celu_alpha_2", "Celu", [g.f(2, 4)], {"alpha": 2.0}, **TR)
    xc = g.f(2, 4, dtype=F64)
    # float64 Celu needs opset 28.
    add_at_opset(28, "Celu_alpha_0.5_float64", "Celu", [xc], {"alpha": 0.5}, rtol=1e-7, atol=1e-9)
    add("Softsign_float32", "Softsign", [g.f(2, 4, lo=-5, hi=5)])
    add("Softsign_float64", "Softsign", [g.f(2, 4, lo=-5, hi=5, dtype=F64)])
    add("Mish_float32", "Mish", [arr([-30.0, -3.0, -1.0, -0.1, 0.0, 0.5, 2.0, 30.0], F32)], **TR)
    add("Mish_float64", "Mish", [g.f(2, 4, lo=-5, hi=5, dtype=F64)])
    add_at_opset(24, "Swish_default", "Swish", [g.f(2, 4, lo=-6, hi=6)], **TR)
    add_at_opset(24, "Swish_alpha_0.5", "Swish", [g.f(2, 4, lo=-6, hi=6)], {"alpha": 0.5}, **TR)
    add_at_opset(24, "Swish_float64", "Swish", [g.f(2, 4, lo=-6, hi=6, dtype=F64)], {"alpha": 1.5}, rtol=1e-7, atol=1e-9)
    add("ThresholdedRelu_default", "ThresholdedRelu", [arr([-2.0, 0.5, 1.0, 1.5, 3.0], F32)])
    add("ThresholdedRelu_alpha_0.3", "ThresholdedRelu", [g.f(2, 4)], {"alpha": 0.3})
    add("ThresholdedRelu_float64", "ThresholdedRelu", [g.f(2, 4, dtype=F64)], {"alpha": 0.25})
    add("Shrink_default", "Shrink", [arr([-2.0, -0.5, -0.4, 0.0, 0.4, 0.5, 2.0], F32)])
    add("Shrink_bias_lambd", "Shrink", [g.f(2, 4)], {"bias": 1.5, "lambd": 1.0})
    add("Shrink_float64", "Shrink", [g.f(2, 4, dtype=F64)], {"bias": 0.25, "lambd": 0.5}, rtol=1e-7, atol=1e-9)
    add("Shrink_int32", "Shrink", [arr([-5, -2, -1, 0, 1, 2, 5], I32)], {"bias": 1.0, "lambd": 1.5})
    add("Shrink_int8", "Shrink", [arr([-128, -3, 0, 3, 127], I8)], {"bias": 2.0, "lambd": 2.0})
    add("PRelu_same_shape", "PRelu", [g.f(2, 3), g.f(2, 3, lo=0.0, hi=1.0)])
    add("PRelu_broadcast_channel_row", "PRelu", [g.f(2, 3, 4), g.f(4, lo=0.0, hi=1.0)])
    add("PRelu_broadcast_channels", "PRelu", [g.f(2, 3, 2, 2), g.f(3, 1, 1, lo=0.0, hi=1.0)])
    add("PRelu_scalar_slope", "PRelu", [g.f(5), scalar(0.25, F32)])
    add("PRelu_float64", "PRelu", [g.f(3, 2, dtype=F64), g.f(2, lo=0.0, hi=1.0, dtype=F64)])
    add("PRelu_int32", "PRelu", [arr([-4, -1, 0, 3], I32), arr([2], I32)])


def extra_math():
    g = Gen("extra_math")
    TR = dict(rtol=1e-5, atol=1e-6)
    domains = {"Acos": (-1.0, 1.0), "Asin": (-1.0, 1.0), "Atan": (-10.0, 10.0), "Sinh": (-5.0, 5.0), "Cosh": (-5.0, 5.0),
               "Asinh": (-10.0, 10.0), "Acosh": (1.0, 10.0), "Atanh": (-0.99, 0.99)}
    for op, (lo, hi) in domains.items():
        add(f"{op}_float32", op, [g.f(2, 4, lo=lo, hi=hi)], **TR)
        add(f"{op}_float64", op, [g.f(3, 2, lo=lo, hi=hi, dtype=F64)])
    add("Acos_out_of_domain_nan", "Acos", [arr([-2.0, 1.0, -1.0, 2.0], F32)], **TR)
    add("Atanh_edges", "Atanh", [arr([-1.0, 0.0, 1.0], F32)], **TR)


def index_ops():
    g = Gen("GatherND")
    op = "GatherND"
    add("GatherND_elements_int32", op, [arr([[0, 1], [2, 3]], I32), i64([[0, 0], [1, 1]])])
    add("GatherND_slices_float32", op, [g.f(2, 2, 3), i64([[1], [0]])])
    add("GatherND_nested_indices", op, [g.f(2, 2, 2), i64([[[0, 1]], [[1, 0]]])])
    add("GatherND_batch_dims_1", op, [g.f(2, 2, 2), i64([[1], [0]])], {"batch_dims": 1})
    add("GatherND_batch_dims_1_elements", op, [g.f(2, 3, 2), i64([[[2, 1], [0, 0]], [[1, 1], [2, 0]]])], {"batch_dims": 1})
    add("GatherND_negative_indices", op, [g.f(3, 4), i64([[-1, -2], [0, -4]])])
    add("GatherND_float64_full_tuple", op, [g.f(2, 3, dtype=F64), i64([[1, 2], [0, 1], [1, 0]])])

    g = Gen("ScatterND")
    op = "ScatterND"
    data = g.f(4, 4, 4)
    idx = i64([[0], [2]])
    upd = g.f(2, 4, 4)
    add("ScatterND_slices_none", op, [data, idx, upd])
    for reduction in ["add", "mul", "max", "min"]:
        add(f"ScatterND_slices_{reduction}", op, [data, i64([[0], [0]]), g.f(2, 4, 4)], {"reduction": reduction})
    add("ScatterND_elements_none", op, [arr([1, 2, 3, 4, 5, 6, 7, 8], F32), i64([[4], [3], [1], [7]]), arr([9, 10, 11, 12], F32)])
    add("ScatterND_elements_2d_add_duplicates", op, [g.f(3, 3), i64([[0, 1], [2, 2], [0, 1]]), g.f(3)], {"reduction": "add"})
    add("ScatterND_negative_index_float64", op, [g.f(3, 2, dtype=F64), i64([[-1]]), g.f(1, 2, dtype=F64)])
    add("ScatterND_int64_max", op, [g.i(2, 3, dtype=I64), i64([[1, 0], [0, 2]]), arr([100, -100], I64)], {"reduction": "max"})

    g = Gen("Compress")
    op = "Compress"
    c3 = g.f(3, 2)
    add("Compress_axis0", op, [c3, arr([0, 1, 1], BOOL)], {"axis": 0})
    add("Compress_axis1", op, [c3, arr([0, 1], BOOL)], {"axis": 1})
    add("Compress_default_axis_flattens", op, [c3, arr([0, 1, 0, 0, 1], BOOL)])
    add("Compress_negative_axis", op, [c3, arr([1, 0], BOOL)], {"axis": -1})
    add("Compress_short_condition", op, [g.f(4, 3), arr([1, 0], BOOL)], {"axis": 0})
    add("Compress_none_selected_int32", op, [g.i(2, 3), arr([0, 0, 0], BOOL)], {"axis": 1})

    g = Gen("NonZero")
    add("NonZero_float32_2d", "NonZero", [arr([[1.0, 0.0], [1.0, 1.0]], F32)])
    add("NonZero_int32_3d", "NonZero", [g.i(2, 3, 2, lo=-1, hi=1)])
    add("NonZero_bool", "NonZero", [arr([0, 1, 1, 0, 1], BOOL)])
    add("NonZero_all_zero", "NonZero", [np.zeros((2, 2), F32)])

    op = "ReverseSequence"
    t = np.arange(16, dtype=F32).reshape(4, 4)
    add("ReverseSequence_time_axis0", op, [t.T.copy(), i64([4, 3, 2, 1])], {"time_axis": 0, "batch_axis": 1})
    add("ReverseSequence_batch_axis0", op, [t, i64([1, 2, 3, 4])], {"time_axis": 1, "batch_axis": 0})
    add("ReverseSequence_3d_zero_length", op, [np.arange(24, dtype=F64).reshape(3, 2, 4), i64([3, 0])])
    add("ReverseSequence_int32", op, [np.arange(12, dtype=I32).reshape(2, 3, 2), i64([2, 3])], {"time_axis": 1, "batch_axis": 0})

    g = Gen("CumProd")
    op = "CumProd"
    c = arr([1.0, 2.0, 3.0, 4.0, 5.0], F32)
    # CumProd is new in opset 26.
    add_at_opset(26, "CumProd_1d", op, [c, scalar(0, I64)])
    add_at_opset(26, "CumProd_1d_exclusive", op, [c, scalar(0, I64)], {"exclusive": 1})
    add_at_opset(26, "CumProd_1d_reverse", op, [c, scalar(0, I64)], {"reverse": 1})
    add_at_opset(26, "CumProd_1d_reverse_exclusive", op, [c, scalar(0, I64)], {"reverse": 1, "exclusive": 1})
    add_at_opset(26, "CumProd_2d_axis0", op, [g.f(3, 3, lo=0.5, hi=2.0), scalar(0, I64)])
    add_at_opset(26, "CumProd_2d_negative_axis_int32_axis", op, [g.f(2, 3, lo=0.5, hi=2.0), scalar(-1, I32)])
    add_at_opset(26, "CumProd_float64_3d_axis1_exclusive", op, [g.f(2, 3, 2, lo=0.5, hi=2.0, dtype=F64), scalar(1, I64)],
                 {"exclusive": 1})
    add_at_opset(26, "CumProd_int32_reverse", op, [arr([[1, 2, 3], [4, 5, 6]], I32), scalar(1, I64)], {"reverse": 1})


def extra_linear_algebra():
    g = Gen("EyeLike")
    op = "EyeLike"
    add("EyeLike_square_float32", op, [np.zeros((3, 3), F32)])
    add("EyeLike_rectangular_k1", op, [np.zeros((3, 4), F32)], {"k": 1})
    add("EyeLike_k_negative1_int32", op, [np.zeros((4, 3), I32)], {"k": -1})
    add("EyeLike_dtype_float64_from_int64", op, [np.zeros((2, 3), I64)], {"dtype": TensorProto.DOUBLE})
    add("EyeLike_k_beyond_width", op, [np.zeros((2, 2), F32)], {"k": 5})
    add("EyeLike_dtype_int32", op, [g.f(3, 2)], {"dtype": TensorProto.INT32, "k": -1})

    g = Gen("LpNormalization")
    op = "LpNormalization"
    add("LpNormalization_default_p2_last_axis", op, [g.f(3, 4)])
    add("LpNormalization_p2_axis0", op, [g.f(3, 4)], {"axis": 0})
    add("LpNormalization_p2_zero_row", op, [arr([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]], F32)], {"axis": 1})
    xp = g.f(2, 3, 2, dtype=F64)
    # The reference sums x^p without |x|; ONNX (and onnxruntime) mean the L1 norm, sum |x|.
    add("LpNormalization_p1_axis1_float64", op, [xp], {"axis": 1, "p": 1},
        expected=[xp / np.abs(xp).sum(axis=1, keepdims=True)])
    xq = g.f(2, 3)
    add("LpNormalization_p1_last_axis", op, [xq], {"p": 1}, expected=[xq / np.abs(xq).sum(axis=-1, keepdims=True)])

    # MeanVarianceNormalization has no cases here: onnx's strict shape inference rejects every
    # model using it (its function body fails to infer), so Tests/python/test_cpu_goldens_py.py
    # checks it against numpy instead.

    g = Gen("Det")
    add("Det_2d", "Det", [arr([[1.0, 2.0], [3.0, 4.0]], F32)], rtol=1e-5, atol=1e-5)
    add("Det_batched_3x3", "Det", [g.f(2, 3, 3)], rtol=1e-4, atol=1e-5)
    add("Det_singular", "Det", [arr([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]], F32)], rtol=1e-5, atol=1e-5)
    add("Det_float64_4x4", "Det", [g.f(4, 4, dtype=F64)], rtol=1e-9, atol=1e-10)
    add("Det_1x1_batch", "Det", [g.f(3, 1, 1)])

    g = Gen("Einsum")
    op = "Einsum"
    R = dict(rtol=1e-5, atol=1e-5)
    add("Einsum_matmul", op, [g.f(3, 4), g.f(4, 5)], {"equation": "ij,jk->ik"}, **R)
    add("Einsum_batch_matmul", op, [g.f(2, 3, 4), g.f(2, 4, 2)], {"equation": "bij,bjk->bik"}, **R)
    add("Einsum_transpose", op, [g.f(3, 4)], {"equation": "ij->ji"})
    add("Einsum_sum_rows", op, [g.f(3, 4)], {"equation": "ij->i"}, **R)
    add("Einsum_inner_product", op, [g.f(5), g.f(5)], {"equation": "i,i"}, **R)
    add("Einsum_outer_product", op, [g.f(3), g.f(4)], {"equation": "i,j->ij"})
    add("Einsum_implicit_matmul", op, [g.f(2, 3), g.f(3, 4)], {"equation": "ij,jk"}, **R)
    add("Einsum_trace", op, [g.f(4, 4)], {"equation": "ii"}, **R)
    add("Einsum_batch_diagonal", op, [g.f(2, 3, 3)], {"equation": "...ii->...i"})
    add("Einsum_ellipsis_broadcast_batch", op, [g.f(2, 1, 3, 4), g.f(1, 5, 4, 2)], {"equation": "...ij,...jk->...ik"}, **R)
    add("Einsum_three_operands", op, [g.f(2, 3), g.f(3, 4), g.f(4, 2)], {"equation": "ij,jk,kl->il"}, **R)
    add("Einsum_spaces_and_total_sum", op, [g.f(2, 3)], {"equation": "ij -> "}, **R)
    add("Einsum_bilinear", op, [g.f(2, 3), g.f(4, 3, 5), g.f(2, 5)], {"equation": "bn,anm,bm->ba"}, **R)
    add("Einsum_float64_permute_reduce", op, [g.f(2, 3, 4, dtype=F64)], {"equation": "abc->ca"})
    add("Einsum_int32_matmul", op, [g.i(2, 3), g.i(3, 2)], {"equation": "ij,jk->ik"})

    g = Gen("Unique")
    op = "Unique"
    add("Unique_sorted_without_axis", op, [arr([2.0, 1.0, 1.0, 3.0, 4.0, 3.0], F32)], n_out=4)
    add("Unique_not_sorted_without_axis", op, [arr([2.0, 1.0, 1.0, 3.0, 4.0, 3.0], F32)], {"sorted": 0}, n_out=4)
    add("Unique_2d_flattened", op, [arr([[1, 3], [2, 3]], I64)], n_out=4)
    add("Unique_sorted_axis0", op, [arr([[1, 0, 0], [1, 0, 0], [2, 3, 4]], F32)], {"axis": 0}, n_out=4)
    add("Unique_sorted_axis1_3d", op,
        [arr([[[1, 1], [0, 1], [2, 1], [0, 1]], [[1, 1], [0, 1], [2, 1], [0, 1]]], F32)], {"axis": 1}, n_out=4)
    add("Unique_negative_axis", op, [arr([[1, 0, 0], [1, 0, 0], [2, 3, 3]], I32)], {"axis": -1}, n_out=4)
    add("Unique_values_only_int32", op, [g.i(10, lo=-3, hi=3)])
    add("Unique_not_sorted_axis0_two_outputs", op, [arr([[3, 1], [1, 2], [3, 1], [0, 0]], I64)], {"axis": 0, "sorted": 0}, n_out=2)


# --------------------------------------------------------------------------------------------

def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "Tests", "PlexusCoreTests", "Resources", "cpu_goldens.json")

    binary_arith()
    pow_mod()
    unary()
    clip()
    variadic()
    comparison()
    logical()
    where()
    isnan_isinf()
    cast()
    reductions()
    argminmax()
    matmul()
    gemm()
    softmax()
    shape_ops()
    gather_ops()
    expand_tile_pad()
    misc_ops()
    scatter_dropout()
    castlike()
    losses()
    bitwise()
    sum_reductions()
    extra_activations()
    extra_math()
    index_ops()
    extra_linear_algebra()

    os.makedirs(os.path.dirname(out), exist_ok=True)
    # One case per line keeps diffs readable; the file is still plain JSON.
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write('{"opset": %d, "cases": [\n' % OPSET)
        fh.write(",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in CASES))
        fh.write("\n]}\n")

    counts = collections.Counter(c["op"] for c in CASES)
    for op in sorted(counts):
        print(f"{op:16s} {counts[op]}")
    print(f"total cases: {len(CASES)} in {len(counts)} ops")
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")
    if REF_OVERRIDDEN:
        print("expected outputs computed with numpy (reference evaluator wrong/unable):", ", ".join(REF_OVERRIDDEN))
    if ORT_DEMOTED:
        print("cross-checked with onnxruntime after dtype conversion:", ", ".join(ORT_DEMOTED))
    if ORT_UNSUPPORTED:
        print(f"not cross-checked (onnxruntime rejected {len(ORT_UNSUPPORTED)} cases):")
        for line in ORT_UNSUPPORTED:
            print("  " + line)
    if ORT_MISMATCH:
        print("reference evaluator disagrees with onnxruntime:", ", ".join(ORT_MISMATCH))
        sys.exit(1)


if __name__ == "__main__":
    main()
