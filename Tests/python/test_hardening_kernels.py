"""Kernels on hostile values (issue 19): NaN, ±inf, huge, negative, int64 extremes and empty
tensors reach each op family as run-time inputs and as constants (folded at session creation).
Every case must give a clear error naming the op, or the right answer (onnxruntime's or numpy's)
— never kill the process (each batch runs in a child; see hardening_cases.py)."""
import numpy as np
import pytest

from hardening_cases import INT64_MAX, INT64_MIN, Case, check, outcomes

f32, i64 = np.float32, np.int64
NAN, INF = f32(np.nan), f32(np.inf)
SPECIALS = np.array([np.nan, np.inf, -np.inf, -1e30, -3, -1, -0.0, 0.25, 0.5, 1, 3, 1e30], f32)
HUGE = [2**40, 2**62, INT64_MAX, -(2**62), INT64_MIN]


def s(value, dtype=f32):
    """A scalar tensor."""
    return np.array(value, dtype)


def v(values, dtype=i64):
    """A 1-D tensor."""
    return np.array(values, dtype)


def image(shape=(1, 1, 4, 4)):
    return np.arange(np.prod(shape), dtype=f32).reshape(shape) / 7


def onehot(indices, depth, values):
    indices, depth = np.asarray(indices), int(depth)
    out = np.full(indices.shape + (depth,), values[0], values.dtype)
    for position, value in np.ndenumerate(indices):
        if np.isfinite(value) and -depth <= int(value) < depth:
            out[position + (int(value) % depth,)] = values[1]
    return out


CASES = []


def add(family, *cases):
    for case in cases:
        case.family = family
        CASES.append(case)


# -- Range: non-finite bounds, zero/tiny deltas, the whole int64 range ------------------------
add("Range",
    *[Case(f"range-f-{a}-{b}-{d}", "Range", [("s", s(a)), ("l", s(b)), ("d", s(d))])
      for a, b, d in [(0, NAN, 1), (NAN, 3, 1), (0, 3, NAN), (0, INF, 1), (-INF, 0, 1), (0, 1, 1e-30), (0, 1, 0), (0, 3e38, 1e-3)]],
    *[Case(f"range-i-{a}-{b}-{d}", "Range", [("s", s(a, i64)), ("l", s(b, i64)), ("d", s(d, i64))])
      for a, b, d in [(INT64_MIN, INT64_MAX, 1), (INT64_MAX, INT64_MIN, -1), (0, 10, 0), (INT64_MIN, INT64_MAX, 2**20)]],
    *[Case(f"range-ok-{a}-{b}-{d}", "Range", [("s", s(a, t)), ("l", s(b, t)), ("d", s(d, t))], expect="ort")
      for a, b, d, t in [(INT64_MIN, INT64_MAX, 2**62, i64), (INT64_MAX, INT64_MIN, -(2**62), i64), (-2**31, 2**31 - 1, 2**30, np.int32),
                         (0, 10, 3, i64), (10, 0, 3, i64), (0, 1, 0.25, f32), (1, 0, -0.25, f32)]],
    Case("range-empty-input", "Range", [("s", v([], f32)), ("l", s(3)), ("d", s(1))]))

# -- OneHot: depth NaN/inf/huge/negative; indices NaN/inf/huge -----------------------------------
add("OneHot",
    *[Case(f"onehot-depth-{d}", "OneHot", [("i", v([0, 1])), ("d", s(d, t)), ("v", v([0, 1], f32))])
      for d, t in [(np.nan, f32), (np.inf, f32), (-np.inf, f32), (1e30, f32), (-1, f32), (0, i64), (INT64_MIN, i64), (INT64_MAX, i64), (2**40, i64)]],
    Case("onehot-depth-empty", "OneHot", [("i", v([0, 1])), ("d", v([], i64)), ("v", v([0, 1], f32))]),
    Case("onehot-indices-special", "OneHot", [("i", SPECIALS), ("d", s(4)), ("v", v([2, 5], f32))], expect=onehot),
    Case("onehot-indices-int64", "OneHot", [("i", v([INT64_MIN, INT64_MAX, -4, -5, 3, 4])), ("d", s(4, i64)), ("v", v([0, 1], f32))],
         expect=onehot))

# -- EyeLike with extreme k --------------------------------------------------------------------
add("EyeLike", *[Case(f"eyelike-k{k}", "EyeLike", [("x", np.zeros((3, 4), f32))], {"k": k}, expect=lambda x, k=k: np.eye(3, 4, max(min(k, 9), -9), dtype=f32))
                 for k in [INT64_MIN, INT64_MIN + 1, -3, -4, 0, 3, 4, INT64_MAX]])

# -- Dropout: empty, NaN, out-of-range ratios ----------------------------------------------------
add("Dropout",
    *[Case(f"dropout-ratio-{r}", "Dropout", [("x", image()), ("r", np.array(r, f32)), ("t", s(True, np.bool_))], opset=13)
      for r in [[], [0.1, 0.2], np.nan, np.inf, -0.5, 1.0]],
    Case("dropout-training-empty", "Dropout", [("x", image()), ("r", s(0.5)), ("t", v([], np.bool_))], opset=13),
    Case("dropout-inference", "Dropout", [("x", SPECIALS)], expect=lambda x: x, opset=13))


# -- GridSample: non-finite and huge coordinates in every mode ----------------------------------
def grid_sample(mode, padding):
    """Finite coordinates: onnxruntime. NaN → NaN; ±inf: zeros → 0, border → the edge pixel,
    reflection → NaN; ±1e30: zeros → 0, border → the edge pixel."""
    def expect(x, grid):
        import onnxruntime  # finite coordinates first, then patch the hostile ones
        from hardening_cases import reference
        finite = np.where(np.isfinite(grid) & (np.abs(grid) < 1e6), grid, 0).astype(f32)
        out = reference(Case("", "GridSample", [("x", x), ("g", finite)], {"mode": mode, "padding_mode": padding}))[0]
        for k in range(grid.shape[2]):
            gx, gy = grid[0, 0, k]
            if np.isfinite(gx) and np.isfinite(gy) and max(abs(gx), abs(gy)) < 1e6:
                continue
            if np.isnan(gx) or np.isnan(gy) or (padding == "reflection" and not (np.isfinite(gx) and np.isfinite(gy))):
                out[0, :, 0, k] = np.nan
            elif padding == "zeros":
                out[0, :, 0, k] = 0
            else:
                out[0, :, 0, k] = np.nan if padding == "reflection" else out[0, :, 0, k]
        return out
    return expect


HOSTILE_GRID = np.array([[[[np.nan, 0], [0, np.nan], [np.inf, 0], [-np.inf, 0.5], [1e30, 0], [0, -1e30], [0.3, -0.2], [3e38, 3e38]]]], f32)
add("GridSample", *[Case(f"gridsample-{m}-{p}", "GridSample", [("x", image()), ("g", HOSTILE_GRID)], {"mode": m, "padding_mode": p},
                         expect=(grid_sample(m, p) if p == "zeros" else "any"))
                    for m in ["linear", "nearest", "cubic"] for p in ["zeros", "border", "reflection"]])

# -- Resize / Upsample: roi, scales and sizes --------------------------------------------------
add("Resize",
    *[Case(f"resize-scales-{sc}", "Resize", [("x", image()), ("roi", None), ("scales", v([1, 1, sc, 2], f32))])
      for sc in [np.nan, np.inf, -np.inf, 0, -1, 1e30, 1e-30]],
    *[Case(f"resize-sizes-{sz}", "Resize", [("x", image()), ("roi", None), ("scales", None), ("sizes", v([1, 1, sz, 4]))])
      for sz in [0, -1, 2**31, 2**40, INT64_MAX, INT64_MIN]],
    Case("resize-sizes-total", "Resize", [("x", image()), ("roi", None), ("scales", None), ("sizes", v([1, 1, 2**30, 2**30]))]),
    Case("resize-sizes-policy", "Resize", [("x", image()), ("roi", None), ("scales", None), ("sizes", v([2**30, 2**30]))],
         {"axes": [2, 3], "keep_aspect_ratio_policy": "not_smaller"}),
    *[Case(f"resize-roi-{r}", "Resize", [("x", image()), ("roi", v([0, 0, r, 0, 1, 1, 1, r], f32)), ("scales", v([1, 1, 2, 2], f32))],
           {"coordinate_transformation_mode": "tf_crop_and_resize", "mode": mode, "extrapolation_value": 7.0}, expect="any")
      for r in [np.nan, np.inf, -np.inf, 1e30, -1e30] for mode in ["nearest", "linear", "cubic"]],
    *[Case(f"upsample-scales-{sc}", "Upsample", [("x", image()), ("scales", v([1, 1, sc, 2], f32))], opset=9)
      for sc in [np.nan, np.inf, 0.5, 1e30]])

# -- RoiAlign: boxes, batch indices and attributes ----------------------------------------------
add("RoiAlign",
    *[Case(f"roialign-box-{b}", "RoiAlign", [("x", image()), ("rois", v([[0, 0, b, 2]], f32)), ("b", v([0]))])
      for b in [np.nan, np.inf, -np.inf, 1e30]],
    *[Case(f"roialign-batch-{b}", "RoiAlign", [("x", image()), ("rois", v([[0, 0, 2, 2]], f32)), ("b", v([b]))])
      for b in [-1, 1, INT64_MIN, INT64_MAX]],
    *[Case(f"roialign-attr-{name}-{value}", "RoiAlign", [("x", image()), ("rois", v([[0, 0, 2, 2]], f32)), ("b", v([0]))], {name: value})
      for name, value in [("sampling_ratio", 2**40), ("sampling_ratio", -1), ("output_height", 2**40), ("output_height", 0),
                          ("spatial_scale", float("nan")), ("spatial_scale", float("inf"))]],
    Case("roialign-negative-box", "RoiAlign", [("x", image()), ("rois", v([[3, 3, 1, 1]], f32)), ("b", v([0]))], expect="ort", opset=16),
    Case("roialign-ok", "RoiAlign", [("x", image()), ("rois", v([[0.5, 0.2, 2.5, 3]], f32)), ("b", v([0]))], expect="ort", opset=16))

# -- MelWeightMatrix ---------------------------------------------------------------------------
add("MelWeightMatrix",
    *[Case(f"mel-{bands}-{n}-{rate}-{low}-{high}", "MelWeightMatrix",
           [("b", s(bands, i64)), ("n", s(n, i64)), ("r", s(rate, i64)), ("lo", s(low)), ("hi", s(high))])
      for bands, n, rate, low, high in [(8, 64, 16000, np.nan, 4000), (8, 64, 16000, 0, np.nan), (8, 64, 16000, 0, np.inf),
                                         (8, 64, 16000, -np.inf, 100), (8, 64, 16000, 0, 1e30), (8, 64, 16000, 100, 50),
                                         (2**62, 64, 16000, 0, 4000), (INT64_MAX, 64, 16000, 0, 4000), (8, INT64_MAX, 16000, 0, 4000),
                                         (8, 64, 0, 0, 4000), (8, 64, -1, 0, 4000), (-1, 64, 16000, 0, 4000), (8, 2**62, 1, 0, 0.5)]],
    Case("mel-ok", "MelWeightMatrix", [("b", s(8, i64)), ("n", s(64, i64)), ("r", s(16000, i64)), ("lo", s(0)), ("hi", s(4000))], expect="ort"))

# -- Slicing, ordering, triangles: int64 extremes ---------------------------------------------
MATRIX = np.arange(20, dtype=f32).reshape(4, 5)
add("Slice",
    *[Case(f"slice-{a}-{b}-{st}", "Slice", [("x", MATRIX), ("s", v([a])), ("e", v([b])), ("a", v([1])), ("st", v([st]))], expect="ort")
      for a, b, st in [(INT64_MIN, INT64_MAX, 1), (INT64_MAX, INT64_MIN, -1), (0, 5, INT64_MAX), (4, -10, INT64_MIN), (INT64_MAX, INT64_MIN, INT64_MIN),
                       (-2, INT64_MAX, 2**62), (0, 5, 2), (4, 0, -2)]],
    Case("slice-step-zero", "Slice", [("x", MATRIX), ("s", v([0])), ("e", v([3])), ("a", v([1])), ("st", v([0]))]),
    Case("slice-axis-huge", "Slice", [("x", MATRIX), ("s", v([0])), ("e", v([3])), ("a", v([INT64_MIN]))]),
    Case("slice-too-many", "Slice", [("x", MATRIX), ("s", v([0, 0, 0])), ("e", v([3, 3, 3]))]))
add("TopK", *[Case(f"topk-{k}", "TopK", [("x", MATRIX), ("k", v([k]))], outputs=2) for k in [-1, 6, INT64_MIN, INT64_MAX]],
    Case("topk-k-empty", "TopK", [("x", MATRIX), ("k", v([]))], outputs=2),
    Case("topk-nan", "TopK", [("x", SPECIALS), ("k", v([4]))], outputs=2, expect="any"))
add("Trilu", *[Case(f"trilu-{upper}-{k}", "Trilu", [("x", MATRIX), ("k", s(k, i64))], {"upper": upper}, expect="ort")
               for upper in [0, 1] for k in [INT64_MIN, -4, 0, 4, INT64_MAX]])

# -- Gather / Scatter with out-of-range and extreme indices ---------------------------------------
add("Gather",
    *[Case(f"gather-{i}", "Gather", [("x", MATRIX), ("i", v([0, i]))], {"axis": 1}) for i in [5, -6, INT64_MIN, INT64_MAX]],
    *[Case(f"gatherelements-{i}", "GatherElements", [("x", MATRIX), ("i", np.full((4, 1), i, i64))], {"axis": 1})
      for i in [5, -6, INT64_MIN, INT64_MAX]],
    *[Case(f"gathernd-{i}", "GatherND", [("x", MATRIX), ("i", v([[0, i]]))]) for i in [5, -6, INT64_MIN, INT64_MAX]],
    *[Case(f"scatterelements-{i}", "ScatterElements", [("x", MATRIX), ("i", np.full((1, 1), i, i64)), ("u", np.ones((1, 1), f32))], {"axis": 1})
      for i in [5, -6, INT64_MIN, INT64_MAX]],
    *[Case(f"scatternd-{i}", "ScatterND", [("x", MATRIX), ("i", v([[0, i]])), ("u", v([1], f32))]) for i in [5, -6, INT64_MIN, INT64_MAX]],
    Case("gather-negative-ok", "Gather", [("x", MATRIX), ("i", v([-1, -5]))], {"axis": 1}, expect="ort"))

# -- Sizes from data: Tile, Expand, Reshape, ConstantOfShape, Pad -------------------------------
add("Sizes",
    *[Case(f"tile-{r}", "Tile", [("x", MATRIX), ("r", v([1, r]))]) for r in HUGE + [-1]],
    *[Case(f"expand-{d}", "Expand", [("x", v([1], f32)), ("shape", v(d))]) for d in [[2**40, 2**40], [INT64_MAX], [-2], [2**31, 2**31, 4], [INT64_MIN]]],
    *[Case(f"reshape-{d}", "Reshape", [("x", MATRIX), ("shape", v(d))]) for d in [[2**40, 2**40], [INT64_MAX, 0], [-1, -1], [-2, 10], [INT64_MIN, -1], [0, -1, 2**62]]],
    *[Case(f"constantofshape-{d}", "ConstantOfShape", [("shape", v(d))]) for d in [[2**62], [INT64_MAX, 2], [-1], [2**31, 2**31, 2**31], [INT64_MIN]]],
    *[Case(f"pad-{p}", "Pad", [("x", MATRIX), ("pads", v([0, p, 0, 0]))]) for p in HUGE],
    *[Case(f"pad-{mode}-{p}", "Pad", [("x", MATRIX), ("pads", v([0, p, 0, p]))], {"mode": mode}) for mode in ["reflect", "edge", "wrap"] for p in [2**40, -(2**40)]],
    Case("pad-crop", "Pad", [("x", MATRIX), ("pads", v([0, -2, -1, 1]))], expect="ort"),
    *[Case(f"split-{sizes}", "Split", [("x", MATRIX), ("s", v(sizes))], {"axis": 1}, outputs=2) for sizes in [[-1, 6], [INT64_MAX, INT64_MIN + 5], [2**62, 2**62]]],
    *[Case(f"centercroppad-{d}", "CenterCropPad", [("x", MATRIX), ("shape", v([4, d]))]) for d in [2**40, INT64_MAX, -1, INT64_MIN]])

# -- Fourier transforms ------------------------------------------------------------------------
SIGNAL = np.arange(16, dtype=f32).reshape(1, 16, 1)
add("Fourier",
    *[Case(f"dft-{n}", "DFT", [("x", SIGNAL), ("n", s(n, i64))]) for n in [0, -1, 2**40, INT64_MAX, INT64_MIN]],
    *[Case(f"stft-{step}-{length}", "STFT", [("x", SIGNAL[..., 0]), ("step", s(step, i64)), ("w", None), ("len", s(length, i64))], opset=17)
      for step, length in [(0, 4), (-1, 4), (INT64_MAX, 4), (2, 0), (2, INT64_MAX), (2, -1), (INT64_MIN, 4)]],
    *[Case(f"window-{op}-{n}", op, [("n", s(n, i64))], opset=17) for op in ["HannWindow", "HammingWindow", "BlackmanWindow"] for n in [-1, 2**62, INT64_MAX]])

# -- Quantization with NaN, ±inf and extreme scales ---------------------------------------------
add("Quantize",
    Case("quantize-u8", "QuantizeLinear", [("x", SPECIALS), ("s", s(0.1)), ("z", s(3, np.uint8))], expect="ort"),
    Case("quantize-i8", "QuantizeLinear", [("x", SPECIALS), ("s", s(0.1)), ("z", s(3, np.int8))], expect="ort"),
    Case("quantize-scale-nan", "QuantizeLinear", [("x", SPECIALS), ("s", s(np.nan)), ("z", s(3, np.int8))], expect="any"),
    Case("quantize-scale-zero", "QuantizeLinear", [("x", SPECIALS), ("s", s(0.0)), ("z", s(3, np.int8))], expect="any"),
    Case("dequantize-i32", "DequantizeLinear", [("x", v([INT64_MIN // 2**32, 2**31 - 1, 0], np.int32)), ("s", s(np.inf)), ("z", s(5, np.int32))], expect="any"),
    Case("dynamic-quantize", "DynamicQuantizeLinear", [("x", SPECIALS)], outputs=3, opset=11, expect="any"),
    Case("dynamic-quantize-nan", "DynamicQuantizeLinear", [("x", v([1, np.nan, 3], f32))], outputs=3, opset=11, expect="any"),
    Case("dynamic-quantize-finite", "DynamicQuantizeLinear", [("x", v([-1, 0.5, 3, 1e3], f32))], outputs=3, opset=11, expect="ort"),
    *[Case(f"cast-{to}", "Cast", [("x", SPECIALS)], {"to": to}, expect="any") for to in [2, 3, 5, 6, 7, 12, 13, 9, 10, 16, 17, 19, 21, 22]])

# -- Activations and reductions: NaN propagation (onnxruntime's answers) ------------------------
PAIRS = np.array([[1, np.nan, 3, -np.inf], [np.nan, np.inf, 2, 0], [np.nan, np.nan, -1, 5]], f32)
ACTIVATIONS = [("HardSigmoid", {}, 22), ("Celu", {}, 12), ("HardSwish", {}, 22), ("Shrink", {"lambd": 0.5}, 9),
               ("ThresholdedRelu", {}, 22), ("Elu", {}, 22), ("Selu", {}, 22), ("Softplus", {}, 22), ("LeakyRelu", {}, 16),
               ("Mish", {}, 22), ("Gelu", {}, 20), ("Gelu", {"approximate": "tanh"}, 20), ("Relu", {}, 14), ("Softsign", {}, 22),
               ("Sigmoid", {}, 13), ("Tanh", {}, 13), ("Sign", {}, 13), ("Abs", {}, 13), ("Erf", {}, 13), ("Round", {}, 22),
               ("Floor", {}, 13), ("Ceil", {}, 13), ("Clip", {}, 13), ("Exp", {}, 13), ("Log", {}, 13), ("Sqrt", {}, 13),
               ("Reciprocal", {}, 13), ("Neg", {}, 13), ("IsNaN", {}, 20), ("IsInf", {}, 20), ("Softmax", {}, 13), ("LogSoftmax", {}, 13)]
add("Activations",
    *[Case(f"act-{op}-{attrs}", op, [("x", SPECIALS)], attrs, opset=opset, expect="ort") for op, attrs, opset in ACTIVATIONS],
    Case("prelu-nan", "PRelu", [("x", SPECIALS), ("slope", v([0.1, np.nan, -1, 2, 0, 1, 1, 1, 1, 1, np.inf, 1], f32))], expect="ort"),
    *[Case(f"clip-{lo}-{hi}", "Clip", [("x", SPECIALS), ("lo", s(lo)), ("hi", s(hi))], expect="ort", opset=13)
      for lo, hi in [(-1, 1), (0, np.inf), (-np.inf, 0), (2, 1)]],
    Case("clip-min-only", "Clip", [("x", SPECIALS), ("lo", s(0.0))], expect="ort", opset=13),
    Case("clip-int", "Clip", [("x", v([INT64_MIN, -1, 0, INT64_MAX]))], expect="ort", opset=13),
    # onnxruntime's Hardmax gives all zeros for a row holding NaN; the first NaN wins, as in numpy's argmax.
    Case("hardmax-nan", "Hardmax", [("x", PAIRS)], expect=lambda x: np.eye(x.shape[1], dtype=f32)[np.argmax(x, axis=1)]),
    Case("clip-empty-bound", "Clip", [("x", SPECIALS), ("lo", v([], f32))], opset=13))
add("Reductions",
    *[Case(f"{op}-nan", op, [("a", PAIRS[0]), ("b", PAIRS[1]), ("c", PAIRS[2])], expect=lambda *x, f=f: f.reduce(np.stack(x)))
      for op, f in [("Max", np.maximum), ("Min", np.minimum)]],
    Case("Mean-nan", "Mean", [("a", PAIRS[0]), ("b", PAIRS[1])], expect="ort"),
    *[Case(f"{op}-nan-{axis}", op, [("x", PAIRS), ("axes", v([axis]))], {"keepdims": 0}, opset=18, expect="ort")
      for op in ["ReduceSum", "ReduceMean", "ReduceProd", "ReduceLogSumExp", "ReduceL2"] for axis in [0, 1]],
    # onnxruntime's ReduceMax/Min skip a NaN unless it comes first (Eigen's maxCoeff); numpy's
    # max/min (and Plexus) propagate it wherever it is.
    *[Case(f"{op}-nan-{axis}", op, [("x", PAIRS), ("axes", v([axis]))], {"keepdims": 0}, opset=18,
           expect=lambda x, a, f=f, axis=axis: f(x, axis=axis)) for op, f in [("ReduceMax", np.max), ("ReduceMin", np.min)] for axis in [0, 1]],
    # numpy's argmax/argmin: the first NaN (onnxruntime's depends on where the NaN sits).
    *[Case(f"{op}-nan-{axis}", op, [("x", PAIRS)], {"axis": axis, "keepdims": 0}, opset=13, expect=lambda x, f=f, axis=axis: f(x, axis=axis))
      for op, f in [("ArgMax", np.argmax), ("ArgMin", np.argmin)] for axis in [0, 1]],
    *[Case(f"{op}-i64-{axis}", op, [("x", v([[INT64_MIN, INT64_MAX], [0, -1]]))], {"axis": axis, "keepdims": 0}, opset=13, expect="ort")
      for op in ["ArgMax", "ArgMin"] for axis in [0, 1]])

# -- Convolution and pooling geometry from attributes -------------------------------------------
KERNEL = np.ones((1, 1, 2, 2), f32)
add("Windows",
    *[Case(f"conv-{name}-{value}", "Conv", [("x", image()), ("w", KERNEL)], {name: value})
      for name, value in [("strides", [0, 1]), ("strides", [-1, 1]), ("strides", [2**62, 1]), ("pads", [2**62, 0, 2**62, 0]),
                          ("pads", [-(2**62), 0, 0, 0]), ("dilations", [2**62, 1]), ("dilations", [0, 1]), ("group", 0), ("group", 2**62)]],
    *[Case(f"{op}-{name}-{value}", op, [("x", image())], {"kernel_shape": [2, 2], name: value})
      for op in ["MaxPool", "AveragePool", "LpPool"]
      for name, value in [("strides", [0, 1]), ("strides", [2**62, 1]), ("pads", [2**62, 0, 2**62, 0]), ("pads", [-1, 0, 0, 0])]],
    *[Case(f"maxpool-kernel-{k}", "MaxPool", [("x", image())], {"kernel_shape": [k, 2]}) for k in [0, -1, 2**62]],
    *[Case(f"convtranspose-{name}-{value}", "ConvTranspose", [("x", image()), ("w", KERNEL)], {name: value})
      for name, value in [("strides", [0, 1]), ("strides", [2**40, 1]), ("output_padding", [2**40, 0]), ("output_shape", [2**40, 4]),
                          ("pads", [2**62, 0, 2**62, 0]), ("dilations", [2**62, 1])]],
    *[Case(f"maxunpool-{d}", "MaxUnpool", [("x", np.ones((1, 1, 2, 2), f32)), ("i", np.zeros((1, 1, 2, 2), i64)), ("shape", v([1, 1, d, 4]))],
           {"kernel_shape": [2, 2], "strides": [2, 2]}) for d in [2**40, -1, INT64_MAX, 1]],
    *[Case(f"maxunpool-index-{i}", "MaxUnpool", [("x", np.ones((1, 1, 2, 2), f32)), ("i", np.full((1, 1, 2, 2), i, i64))],
           {"kernel_shape": [2, 2], "strides": [2, 2]}) for i in [-1, 16, INT64_MIN, INT64_MAX]],
    *[Case(f"col2im-{shape}", "Col2Im", [("x", np.ones((1, 4, 4), f32)), ("image", v(shape)), ("block", v([2, 2]))], opset=18)
      for shape in [[2**40, 2**40], [INT64_MAX, 3], [-1, 3], [1, 1], [0, 0]]],
    *[Case(f"depthtospace-{b}", "DepthToSpace", [("x", np.ones((1, 4, 2, 2), f32))], {"blocksize": b}) for b in [0, -1, 2**62]],
    *[Case(f"lrn-{size}", "LRN", [("x", image())], {"size": size}) for size in [0, -1]],
    Case("lrn-huge", "LRN", [("x", image())], {"size": 2**62}, expect=lambda x: x))  # alpha / size ≈ 0

# -- Other data-dependent sizes ---------------------------------------------------------------
add("Misc",
    Case("unique-nan", "Unique", [("x", SPECIALS)], outputs=4, opset=11, expect="any"),
    Case("compress-long", "Compress", [("x", v([1, 2, 3], f32)), ("c", v([1, 0, 1, 1, 1], np.bool_))], {"axis": 0}, expect="any"),
    Case("nonzero-special", "NonZero", [("x", SPECIALS)], expect="ort"),
    *[Case(f"nms-{limit}", "NonMaxSuppression", [("b", v([[[0, 0, 1, 1], [0, 0, np.nan, 1], [np.inf, 0, 1, 1]]], f32)),
                                                  ("s", v([[[0.9, np.nan, 0.8]]], f32)), ("m", v([limit])), ("iou", v([0.5], f32))], expect="any")
      for limit in [INT64_MIN, -1, 2, INT64_MAX]],
    Case("nms-iou-nan", "NonMaxSuppression", [("b", v([[[0, 0, 1, 1]]], f32)), ("s", v([[[0.9]]], f32)), ("m", v([3])), ("iou", v([np.nan], f32))]),
    *[Case(f"cumsum-axis-{a}", "CumSum", [("x", MATRIX), ("axis", s(a, i64))]) for a in [INT64_MIN, INT64_MAX, 2]],
    Case("cumsum-axis-empty", "CumSum", [("x", MATRIX), ("axis", v([]))]),
    *[Case(f"mod-int-{b}", "Mod", [("a", v([INT64_MIN, 5, -7])), ("b", v([b, b, b]))], expect="any") for b in [-1, 0]],
    Case("div-int-min", "Div", [("a", v([INT64_MIN, 5])), ("b", v([-1, 0]))], expect="any"),
    Case("pow-int", "Pow", [("a", v([2, -1, 0])), ("b", v([INT64_MAX, INT64_MIN, -1]))], expect="any"),
    *[Case(f"einsum-{eq}", "Einsum", [("a", MATRIX)], {"equation": eq}) for eq in ["ij->k", "ii->i", "i->", "ij->ij->"]],
    Case("bitshift-huge", "BitShift", [("a", v([1, 2], np.uint64)), ("b", v([64, 2**63], np.uint64))], {"direction": "LEFT"}, expect="any"),
    *[Case(f"sequence-at-{p}", "SplitToSequence", [("x", MATRIX), ("s", v([p]))], {"axis": 0}) for p in [-1, 2**40]])

# -- Indices from data in losses, sequences, scatter and generators ------------------------------
LOGITS = np.arange(12, dtype=f32).reshape(3, 4) / 5
add("Indexed",
    *[Case(f"nll-{t}", "NegativeLogLikelihoodLoss", [("x", LOGITS), ("t", v([0, t, 1]))]) for t in [4, -1, INT64_MIN, INT64_MAX]],
    *[Case(f"sce-{t}", "SoftmaxCrossEntropyLoss", [("x", LOGITS), ("t", v([0, t, 1]))]) for t in [4, -5, INT64_MIN, INT64_MAX]],
    Case("nll-ignore-min", "NegativeLogLikelihoodLoss", [("x", LOGITS), ("t", v([0, INT64_MIN, 1]))], {"ignore_index": int(INT64_MIN)}, expect="ort"),
    *[Case(f"reversesequence-{n}", "ReverseSequence", [("x", MATRIX), ("n", v([n, 1, 2, 3]))], {"batch_axis": 0, "time_axis": 1})
      for n in [6, -1, INT64_MIN, INT64_MAX]],
    *[Case(f"tensorscatter-{w}", "TensorScatter", [("cache", np.zeros((2, 1, 4, 2), f32)), ("update", np.ones((2, 1, 1, 2), f32)),
                                                  ("w", v([w, 0]))], opset=24) for w in [4, -1, INT64_MIN, INT64_MAX]],
    *[Case(f"scatter-reduce-{i}", "ScatterElements", [("x", MATRIX), ("i", np.full((1, 1), i, i64)), ("u", np.ones((1, 1), f32))],
           {"axis": 1, "reduction": "max"}) for i in [5, INT64_MIN]],
    *[Case(f"gather-i32-{i}", "Gather", [("x", MATRIX), ("i", v([i], np.int32))], {"axis": 1}) for i in [5, -6, -2**31, 2**31 - 1]],
    *[Case(f"affinegrid-{d}", "AffineGrid", [("theta", np.zeros((1, 2, 3), f32)), ("size", v([1, 1, d, 4]))], opset=20)
      for d in [2**40, -1, INT64_MAX]],
    *[Case(f"rotary-{p}", "RotaryEmbedding", [("x", np.ones((1, 1, 2, 4), f32)), ("cos", np.ones((4, 2), f32)), ("sin", np.zeros((4, 2), f32)),
                                              ("p", v([[0, p]]))], opset=23) for p in [4, INT64_MIN, INT64_MAX]],
    *[Case(f"groupnorm-{g}", "GroupNormalization", [("x", image((1, 4, 2, 2))), ("s", np.ones(4, f32)), ("b", np.zeros(4, f32))],
           {"num_groups": g}, opset=21) for g in [0, -1, 3, 2**62]],
    *[Case(f"lppool-p{p}", "LpPool", [("x", image())], {"kernel_shape": [2, 2], "p": p}, expect="any") for p in [0, -1, 2**62]],
    *[Case(f"random-{op}", op, [], {"shape": [2**40, 2**40]}) for op in ["RandomNormal", "RandomUniform"]],
    *[Case(f"randomlike-{op}", op, [("x", v([1.0], f32))], {"dtype": 99}) for op in ["RandomNormalLike", "RandomUniformLike"]],
    *[Case(f"multinomial-{n}", "Multinomial", [("x", v([[0.1, 0.9]], f32))], {"sample_size": n}) for n in [0, -1, 2**40]],
    *[Case(f"bernoulli-{p}", "Bernoulli", [("x", v([p], f32))], {"seed": 1.0}, opset=22, expect="any") for p in [np.nan, np.inf, -1.0]],
    *[Case(f"dequantize-block-{b}", "DequantizeLinear", [("x", np.ones((2, 4), np.int8)), ("s", np.ones((2, 1), f32))], {"axis": 1, "block_size": b},
           opset=21, expect=(lambda x, s: x.astype(f32)) if b > 0 else "error") for b in [INT64_MAX, 2**62, -1]],
    *[Case(f"{op}-hidden-{h}", op, [("x", np.ones((2, 1, 3), f32)), ("w", np.ones((1, gates * 2, 3), f32)), ("r", np.ones((1, gates * 2, 2), f32))],
           {"hidden_size": h}) for op, gates in [("LSTM", 4), ("GRU", 3), ("RNN", 1)] for h in [INT64_MAX, 2**62, -1]],
    *[Case(f"upsample-huge-{n}", "Upsample", [("x", image()), ("scales", v([1, 1, n, 1], f32))], opset=9) for n in [2**40, 3e38]])

# -- Boolean int attributes: only 0 and 1 (runtimes disagree on what 2 or -1 would mean) --------
add("Flags",
    *[Case(f"{op}-keepdims-{k}", op, [("x", MATRIX), ("axes", v([1]))], {"keepdims": k}, opset=18)
      for op in ["ReduceSum", "ReduceMax", "ReduceMean", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"] for k in [2, -1, INT64_MAX]],
    *[Case(f"{op}-noop-{k}", op, [("x", MATRIX), ("axes", v([], i64))], {"noop_with_empty_axes": k}, opset=18)
      for op in ["ReduceSum", "ReduceMin"] for k in [2, -1]],
    *[Case(f"{op}-{attr}-{k}", op, [("x", MATRIX)], {"axis": 1, attr: k}, opset=13)
      for op in ["ArgMax", "ArgMin"] for attr in ["keepdims", "select_last_index"] for k in [2, -1]],
    *[Case(f"unique-sorted-{k}", "Unique", [("x", v([3, 1, 3]))], {"sorted": k}, opset=11, outputs=4) for k in [2, -1, INT64_MIN]],
    *[Case(f"topk-largest-{k}", "TopK", [("x", MATRIX), ("k", v([2]))], {"largest": k}, outputs=2) for k in [2, -1]],
    *[Case(f"trilu-upper-{k}", "Trilu", [("x", MATRIX)], {"upper": k}) for k in [2, -1]],
    *[Case(f"cumsum-{attr}-{k}", "CumSum", [("x", MATRIX), ("a", s(1, i64))], {attr: k}) for attr in ["exclusive", "reverse"] for k in [2, -1]],
    *[Case(f"{op}-keepdims-ok-{k}", op, [("x", MATRIX), ("axes", v([1]))], {"keepdims": k}, opset=18, expect="ort")
      for op in ["ReduceSum", "ReduceMax"] for k in [0, 1]],
    Case("unique-sorted-ok", "Unique", [("x", v([3, 1, 3]))], {"sorted": 1}, opset=11, outputs=4, expect="ort"))


# -- Scatter max/min: a NaN update (or NaN already there) propagates, as in numpy.maximum -------
def scattered(data, index, update, combine):
    out = np.array(data)
    out[index] = combine(out[index], update)
    return out


NAN_DATA = np.array([[1, np.nan, 3], [4, 5, 6]], f32)
add("ScatterNaN",
    *[Case(f"scatternd-{r}-nan-{c}", "ScatterND", [("x", NAN_DATA), ("i", v([[0, c]])), ("u", v([u], f32))], {"reduction": r},
           expect=lambda x, i, u, c=c, f=f: scattered(x, (0, c), u[0], f))
      for r, f in [("max", np.maximum), ("min", np.minimum)] for c, u in [(0, np.nan), (1, 2.0), (2, np.nan)]],
    *[Case(f"scatterelements-{r}-nan-{c}", "ScatterElements", [("x", NAN_DATA), ("i", np.full((1, 1), c, i64)), ("u", np.full((1, 1), u, f32))],
           {"axis": 1, "reduction": r}, expect=lambda x, i, u, c=c, f=f: scattered(x, (0, c), u[0, 0], f))
      for r, f in [("max", np.maximum), ("min", np.minimum)] for c, u in [(0, np.nan), (1, 2.0), (2, np.nan)]])

FAMILIES = sorted({case.family for case in CASES})


@pytest.fixture(scope="module")
def results():
    jobs = {}
    for case in CASES:
        for constant in (False, True):
            jobs[(case.id, constant)] = (case.model(constant), case.feeds(constant))
    return outcomes(jobs)


@pytest.mark.parametrize("constant", [False, True], ids=["runtime", "folded"])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_values(case, constant, results):
    check(case, results[(case.id, constant)])


def test_fuzzer_findings_stay_fixed():
    """The session_run fuzz target's findings (Tests/Fuzz/crashes/session_run), as direct op calls
    in a child process: a trap or a hang fails the test instead of killing pytest."""
    script = """
import numpy as np
from plexus_c import PlexusError, op
# OneHot with empty indices and a huge depth: an empty output, at once (it walked the depth).
y = op("OneHot", [np.zeros((0, 0), np.int64), np.array(3.5e17, np.float32), np.array([0, 1], np.float32)], {"axis": 0})[0]
assert y.numpy().size == 0
# GridSample on an image with an empty spatial dimension: an error, not an index past the image.
for mode, padding in [("cubic", "border"), ("nearest", "reflection"), ("linear", "zeros")]:
    try:
        op("GridSample", [np.zeros((1, 1, 0, 4), np.float32), np.zeros((1, 2, 2, 2), np.float32)],
           {"mode": mode, "padding_mode": padding})
        raise SystemExit("GridSample accepted an empty image")
    except PlexusError as error:
        assert "empty spatial dimension" in str(error), error
# Tile of an empty tensor with huge repeats: the interleaved copy shape no longer overflows.
from plexus_c import lib
y = op("Tile", [np.zeros((5, 0), np.float32), np.array([1080000000000000000, 58], np.int64)])[0]
assert [lib.plx_tensor_shape(y.handle)[i] for i in range(2)] == [5400000000000000000, 0]
# CenterCropPad to an empty shape beside huge dims: the output's strides no longer trap.
y = op("CenterCropPad", [np.zeros((1, 2, 3), np.float32), np.array([0, 1 << 40, 1 << 40], np.int64)])[0]
assert [lib.plx_tensor_shape(y.handle)[i] for i in range(3)] == [0, 1 << 40, 1 << 40]
print("ok")
"""
    import pathlib
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=pathlib.Path(__file__).parent)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


@pytest.mark.parametrize("equation", ["ii->i", "ii", "bii->bi", "iji->j"])
def test_einsum_diagonals_keep_nan_off_the_diagonal_off_it(equation):
    from plexus_c import op
    shape = {"ii->i": (3, 3), "ii": (3, 3), "bii->bi": (2, 3, 3), "iji->j": (3, 2, 3)}[equation]
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    nan_off = x.copy()
    nan_off[(0, 1) if len(shape) == 2 else ((0, 0, 1) if equation == "bii->bi" else (0, 0, 1))] = np.nan
    expected = np.einsum(equation, x)
    np.testing.assert_array_equal(op("Einsum", [nan_off], {"equation": equation})[0].numpy(), expected)


@pytest.mark.parametrize("where", range(9))
@pytest.mark.parametrize("pads", [[0, 0, 0, 0], [1, 1, 1, 1]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxpool_propagates_nan_from_any_tap(where, pads, dtype):
    # The AVX-512 float32 kernel and the scalar path: one NaN anywhere in a window makes its output
    # NaN, wherever in the window it sits (it was kept only as a window's first tap).
    from plexus_c import op
    x = np.arange(1, 6 * 20 + 1, dtype=dtype).reshape(1, 1, 6, 20)
    x[0, 0, 1 + where // 3, 1 + where % 3] = np.nan
    y = op("MaxPool", [x], {"kernel_shape": [3, 3], "pads": pads})[0].numpy()
    padded = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    np.testing.assert_array_equal(y, windows.max(axis=(-2, -1)))  # numpy's max propagates NaN
