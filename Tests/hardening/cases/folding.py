"""Ops whose values make sizes or integer conversions: Range with NaN/Inf/tiny steps, Reshape/
Expand/Tile/Pad/ConstantOfShape/Resize to billions of elements, integer division by zero and
Int64.min / -1, window and signal sizes, NaN reaching integer conversions. Each spec runs three
ways: its inputs as Constant nodes (folded when the session is created), the same model with
constant folding disabled, and its inputs as graph inputs fed at run time (compared with
onnxruntime)."""
import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import common, sessions

NAN, INF = float("nan"), float("inf")
MIN, MAX = common.INT64_MIN, common.INT64_MAX
I32MIN, I32MAX = -(2 ** 31), 2 ** 31 - 1


def f32(*v):
    return ("float32", list(v))


def f64(*v):
    return ("float64", list(v))


def i64(*v):
    return ("int64", list(v))


def i32(*v):
    return ("int32", list(v))


def scalar(spec):
    return (spec[0], spec[1], [])


# (name, op, [input specs: (dtype, values[, shape]) or None for omitted], attrs, opset)
X23 = ("float32", [0.5, -1, 2, -3, 4, 5], [2, 3])
X1122 = ("float32", [1, 2, 3, 4], [1, 1, 2, 2])
SPECS = []


def spec(name, op, inputs, attrs=None, opset=18, outputs=1):
    SPECS.append((name, op, inputs, attrs or {}, opset, outputs))


for label, values in [("nan-limit", (0, NAN, 1)), ("inf-limit", (0, INF, 1)), ("nan-start", (NAN, 1, 1)),
                      ("nan-delta", (0, 1, NAN)), ("zero-delta", (0, 1, 0)), ("tiny-delta", (0, 1e30, 1e-30)),
                      ("denormal-delta", (0, 10, 1e-40)), ("inf-range", (-INF, INF, 1)), ("12GB", (0, 3e9, 1)),
                      ("400MB", (0, 1e8, 1)), ("neg-inf-delta", (0, 1, -INF))]:
    spec(f"range-f32-{label}", "Range", [scalar(f32(values[0])), scalar(f32(values[1])), scalar(f32(values[2]))])
for label, values in [("nan-limit", (0, NAN, 1)), ("huge", (-1e300, 1e300, 1))]:
    spec(f"range-f64-{label}", "Range", [scalar(f64(values[0])), scalar(f64(values[1])), scalar(f64(values[2]))])
for label, values in [("full-int64", (MIN, MAX, 1)), ("zero-delta", (0, 10, 0)), ("down-full", (MAX, MIN, -1)),
                      ("step-max", (0, MAX, MAX)), ("step-min", (MAX, MIN, MIN)), ("2^40", (0, 2 ** 40, 1)),
                      ("empty-down", (MIN, 0, -1)), ("min-to-max-step-2^62", (MIN, MAX, 2 ** 62))]:
    spec(f"range-i64-{label}", "Range", [scalar(i64(values[0])), scalar(i64(values[1])), scalar(i64(values[2]))])
spec("range-i32-full", "Range", [scalar(i32(I32MIN)), scalar(i32(I32MAX)), scalar(i32(1))])
spec("range-i32-step-min", "Range", [scalar(i32(I32MAX)), scalar(i32(I32MIN)), scalar(i32(I32MIN))])
for label, shape in [("2^31x2^31", [2 ** 31, 2 ** 31]), ("-1x-1", [-1, -1]), ("min", [MIN]), ("2^62x0", [2 ** 62, 0]),
                     ("-2x-3", [-2, -3]), ("0x-1", [0, -1]), ("max", [MAX]), ("7", [7])]:
    spec(f"reshape-{label}", "Reshape", [X23, i64(*shape)])
spec("reshape-allowzero-0x-1", "Reshape", [X23, i64(0, -1)], {"allowzero": 1})
for label, shape in [("2^20x2^20", [2 ** 20, 2 ** 20]), ("2^62", [2 ** 62]), ("-1", [-1]), ("min", [MIN]),
                     ("max-max", [MAX, MAX]), ("2^31x2^31x2^2", [2 ** 31, 2 ** 31, 4])]:
    spec(f"expand-{label}", "Expand", [("float32", [1.0], [1]), i64(*shape)])
for label, reps in [("2^40", [2 ** 40, 1]), ("-1", [-1, 1]), ("max", [MAX, MAX]), ("min", [MIN, 1]),
                    ("2^31x2^31", [2 ** 31, 2 ** 31])]:
    spec(f"tile-{label}", "Tile", [X23, i64(*reps)])
for mode in ("constant", "reflect", "edge", "wrap"):
    for label, pads in [("2^40", [0, 2 ** 40, 0, 0]), ("-5", [-5, 0, 0, 0]), ("min", [MIN, 0, 0, 0]),
                        ("max", [0, 0, MAX, 0]), ("beyond-dim", [0, 7, 0, 7])]:
        spec(f"pad-{mode}-{label}", "Pad", [X23, i64(*pads)], {"mode": mode})
spec("pad-empty-input-edge", "Pad", [("float32", [], [0, 3]), i64(1, 1, 1, 1)], {"mode": "edge"})
spec("pad-empty-input-reflect", "Pad", [("float32", [], [0, 3]), i64(1, 1, 1, 1)], {"mode": "reflect"})
for label, shape in [("2^40", [2 ** 40]), ("2^62x4", [2 ** 62, 4]), ("-1", [-1]), ("min", [MIN]),
                     ("2^31x2^31", [2 ** 31, 2 ** 31]), ("scalar", [])]:
    spec(f"constantofshape-{label}", "ConstantOfShape", [("int64", shape, [len(shape)])])
for label, depth in [("2^40", i64(2 ** 40)), ("max", i64(MAX)), ("-1", i64(-1)), ("0", i64(0)), ("nan", f32(NAN)),
                     ("inf", f32(INF)), ("1e30", f32(1e30))]:
    spec(f"onehot-depth-{label}", "OneHot", [i64(0, 1, 2), depth, f32(0, 1)])
spec("onehot-indices-min", "OneHot", [i64(MIN, MAX, 1), i64(3), f32(0, 1)])
spec("onehot-indices-nan", "OneHot", [f32(NAN, INF, -INF), i64(3), f32(0, 1)])
for k in (MIN, MAX, 2 ** 40, -(2 ** 40)):
    spec(f"eyelike-k={k}", "EyeLike", [("float32", [0] * 9, [3, 3])], {"k": k})
for label, scales in [("2^30", [1, 1, 2 ** 30, 2 ** 30]), ("nan", [1, 1, NAN, 2]), ("inf", [1, 1, INF, 1]),
                      ("-1", [1, 1, -1, 1]), ("0", [1, 1, 0, 1]), ("tiny", [1, 1, 1e-30, 1]), ("3e9", [1, 1, 3e9, 1])]:
    spec(f"resize-scales-{label}", "Resize", [X1122, ("float32", [], [0]), f32(*scales)])
for label, sizes in [("2^31", [1, 1, 2 ** 31, 2 ** 31]), ("-1", [1, 1, -1, 2]), ("min", [1, 1, MIN, 2]),
                     ("0", [1, 1, 0, 0])]:
    spec(f"resize-sizes-{label}", "Resize", [X1122, None, None, i64(*sizes)])
for label, roi in [("nan", [0, 0, NAN, 0, 1, 1, 1, 1]), ("inf", [0, 0, 0, -INF, 1, 1, INF, 1]),
                   ("huge", [0, 0, -1e30, 0, 1, 1, 1e30, 1])]:
    spec(f"resize-roi-{label}", "Resize", [X1122, f32(*roi), f32(1, 1, 2, 2)],
         {"coordinate_transformation_mode": "tf_crop_and_resize"})
spec("resize-cubic-nan-input", "Resize", [("float32", [NAN, 1, INF, -INF], [1, 1, 2, 2]), ("float32", [], [0]),
                                          f32(1, 1, 3, 3)], {"mode": "cubic"})
for label, scales in [("2^30", [1, 1, 2 ** 30, 2 ** 30]), ("nan", [1, 1, NAN, 1])]:
    spec(f"upsample-{label}", "Upsample", [X1122, f32(*scales)], opset=9)
for label, (starts, ends, steps) in [("step-min", ([MAX], [MIN], [MIN])), ("step-0", ([0], [3], [0])),
                                     ("min-max", ([MIN], [MAX], [1])), ("step-max", ([0], [MAX], [MAX])),
                                     ("step-neg-max", ([MAX], [MIN], [-MAX]))]:
    spec(f"slice-{label}", "Slice", [X23, i64(*starts), i64(*ends), i64(1), i64(*steps)])
for label, idx in [("min", [MIN]), ("max", [MAX]), ("2^40", [2 ** 40]), ("-4", [-4])]:
    spec(f"gather-{label}", "Gather", [X23, i64(*idx)], {"axis": 1})
    spec(f"gatherelements-{label}", "GatherElements", [X23, ("int64", idx * 2, [2, 1])], {"axis": 1})
    spec(f"scatterelements-{label}", "ScatterElements", [X23, ("int64", idx * 2, [2, 1]), ("float32", [1, 1], [2, 1])],
         {"axis": 1})
    spec(f"gathernd-{label}", "GatherND", [X23, ("int64", idx * 2, [1, 2])])
    spec(f"scatternd-{label}", "ScatterND", [X23, ("int64", idx * 2, [1, 2]), ("float32", [1], [1])])
spec("cast-nan-to-int64-then-reshape", "Reshape", [X23, ("cast", [NAN, 6.0])])
for label, values in [("nan", [NAN, INF, -INF, 1e30, -1e30, 3.5])]:
    for to in (TensorProto.INT64, TensorProto.INT32, TensorProto.INT8, TensorProto.UINT8, TensorProto.UINT64,
               TensorProto.BOOL, TensorProto.FLOAT16):
        spec(f"cast-{label}-to{to}", "Cast", [("float32", values, [6])], {"to": to})
for t, lo in (("int64", MIN), ("int32", I32MIN)):
    spec(f"div-{t}-by-zero", "Div", [(t, [1, 2], [2]), (t, [0, 0], [2])])
    spec(f"div-{t}-min-by-minus1", "Div", [(t, [lo], [1]), (t, [-1], [1])])
    spec(f"mod-{t}-by-zero", "Mod", [(t, [7, -7], [2]), (t, [0, 0], [2])])
    spec(f"mod-{t}-min-by-minus1", "Mod", [(t, [lo], [1]), (t, [-1], [1])])
    spec(f"fmod-{t}-min-by-minus1", "Mod", [(t, [lo], [1]), (t, [-1], [1])], {"fmod": 1})
    spec(f"abs-{t}-min", "Abs", [(t, [lo, 1], [2])])
    spec(f"neg-{t}-min", "Neg", [(t, [lo, 1], [2])])
    spec(f"pow-{t}-overflow", "Pow", [(t, [3, -2, lo], [3]), (t, [99, 99, 2], [3])])
    spec(f"pow-{t}-negative-exp", "Pow", [(t, [0, 2], [2]), (t, [-1, -2], [2])])
    spec(f"mul-{t}-overflow", "Mul", [(t, [lo, 2 ** 20], [2]), (t, [-1, 2 ** 20], [2])])
    spec(f"reduceprod-{t}-overflow", "ReduceProd", [(t, [lo, -1, 3], [3])], {"keepdims": 0})
    spec(f"cumsum-{t}-axis-huge", "CumSum", [(t, [1, 2], [2]), i64(2 ** 40)])
    spec(f"sign-{t}-min", "Sign", [(t, [lo], [1])])
for label, shift in [("64", 64), ("-1", 2 ** 64 - 1), ("huge", 2 ** 63)]:
    spec(f"bitshift-left-{label}", "BitShift", [("uint64", [1, 2], [2]), ("uint64", [shift, shift], [2])],
         {"direction": "LEFT"})
spec("topk-k-max", "TopK", [X23, i64(MAX)], outputs=2)
spec("topk-k-minus1", "TopK", [X23, i64(-1)], outputs=2)
spec("topk-nan", "TopK", [("float32", [NAN, 1, NAN, 2, INF, -INF], [2, 3]), i64(2)], outputs=2)
spec("split-huge", "Split", [X23, i64(2 ** 40, -(2 ** 40) + 3)], {"axis": 1}, outputs=2)
spec("split-negative", "Split", [X23, i64(-1, 4)], {"axis": 1}, outputs=2)
spec("unsqueeze-min", "Unsqueeze", [X23, i64(MIN)])
spec("squeeze-max", "Squeeze", [X23, i64(MAX)])
spec("nms-max-boxes", "NonMaxSuppression", [("float32", [0, 0, 1, 1, 0, 0, 1, 1], [1, 2, 4]),
                                            ("float32", [0.9, 0.8], [1, 1, 2]), i64(MAX), f32(0.5), f32(0)])
spec("nms-nan", "NonMaxSuppression", [("float32", [NAN, 0, 1, 1, 0, INF, 1, 1], [1, 2, 4]),
                                      ("float32", [NAN, 0.8], [1, 1, 2]), i64(2), f32(NAN), f32(NAN)])
for label, size in [("2^40", 2 ** 40), ("-1", -1), ("0", 0), ("max", MAX)]:
    for window in ("HannWindow", "HammingWindow", "BlackmanWindow"):
        spec(f"{window.lower()}-{label}", window, [scalar(i64(size))])
for label, length in [("2^40", 2 ** 40), ("-1", -1), ("0", 0)]:
    spec(f"dft-length-{label}", "DFT", [("float32", [1, 2, 3, 4], [1, 4, 1]), scalar(i64(length))])
spec("dft-axis-huge", "DFT", [("float32", [1, 2, 3, 4], [1, 4, 1]), None, scalar(i64(2 ** 40))])
for label, args in [("bins-2^40", (2 ** 40, 16, 8000, 0, 4000)), ("rate-nan", (4, 16, NAN, 0, 4000)),
                    ("freq-nan", (4, 16, 8000, NAN, NAN)), ("bins-neg", (-3, 16, 8000, 0, 4000)),
                    ("dft-2^40", (4, 2 ** 40, 8000, 0, 4000)), ("rate-0", (4, 16, 0, 0, 4000)),
                    ("inverted", (4, 16, 8000, 4000, 0)), ("inf", (4, 16, INF, 0, INF))]:
    m, d, r, lo, hi = args
    spec(f"melweightmatrix-{label}", "MelWeightMatrix", [scalar(i64(m)), scalar(i64(d)),
                                                         scalar(i64(r)) if not (isinstance(r, float) and math.isnan(r) or r == INF) else scalar(i64(8000)),
                                                         scalar(f32(lo)), scalar(f32(hi))])
for label, frame in [("2^40", 2 ** 40), ("-1", -1), ("0", 0)]:
    spec(f"stft-frame-{label}", "STFT", [("float32", list(range(16)), [1, 16, 1]), scalar(i64(4)), None,
                                         scalar(i64(frame))])
spec("stft-step-0", "STFT", [("float32", list(range(16)), [1, 16, 1]), scalar(i64(0)), None, scalar(i64(4))])
for label, grid in [("nan", [NAN] * 8), ("inf", [INF, -INF] * 4), ("huge", [1e30, -1e30] * 4)]:
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            spec(f"gridsample-{label}-{mode}-{padding}", "GridSample", [X1122, ("float32", grid, [1, 2, 2, 2])],
                 {"mode": mode, "padding_mode": padding}, opset=20)
for label, rois in [("nan", [NAN, 0, 1, 1]), ("inf", [0, -INF, INF, 1]), ("huge", [-1e30, 0, 1e30, 1e30])]:
    spec(f"roialign-{label}", "RoiAlign", [X1122, ("float32", rois, [1, 4]), i64(0)],
         {"output_height": 2, "output_width": 2, "sampling_ratio": 0})
spec("roialign-batch-index-huge", "RoiAlign", [X1122, ("float32", [0, 0, 1, 1], [1, 4]), i64(2 ** 40)])
spec("roialign-output-2^31", "RoiAlign", [X1122, ("float32", [0, 0, 1, 1], [1, 4]), i64(0)],
     {"output_height": 2 ** 31, "output_width": 2 ** 31})
spec("roialign-sampling-huge", "RoiAlign", [X1122, ("float32", [0, 0, 1, 1], [1, 4]), i64(0)],
     {"sampling_ratio": 2 ** 40})
spec("maxunpool-output-huge", "MaxUnpool", [X1122, ("int64", [0, 1, 2, 3], [1, 1, 2, 2]), i64(1, 1, 2 ** 31, 2 ** 31)],
     {"kernel_shape": [2, 2]})
spec("maxunpool-indices-out-of-range", "MaxUnpool", [X1122, ("int64", [MIN, MAX, 2 ** 40, -1], [1, 1, 2, 2])],
     {"kernel_shape": [2, 2]})
spec("centercroppad-huge", "CenterCropPad", [X23, i64(2 ** 31, 2 ** 31)])
spec("centercroppad-negative", "CenterCropPad", [X23, i64(-1, 3)])
for label, ratio in [("empty", ("float32", [], [0])), ("nan", scalar(f32(NAN))), ("1", scalar(f32(1.0))),
                     ("-1", scalar(f32(-1.0))), ("inf", scalar(f32(INF)))]:
    spec(f"dropout-ratio-{label}", "Dropout", [X23, ratio, ("bool", [True], [])], {"seed": 0}, outputs=2)
spec("col2im-huge-block", "Col2Im", [("float32", [1] * 4, [1, 4, 1]), i64(2 ** 31, 2 ** 31), i64(2, 2)])
spec("col2im-zero-block", "Col2Im", [("float32", [1] * 4, [1, 4, 1]), i64(2, 2), i64(0, 0)])
spec("einsum-many-letters", "Einsum", [X23], {"equation": "ij->" + "i" * 40})
spec("compress-condition-long", "Compress", [X23, ("bool", [True] * 100, [100])], {"axis": 1})
spec("trilu-k-min", "Trilu", [X23, scalar(i64(MIN))])
spec("trilu-k-max", "Trilu", [X23, scalar(i64(MAX))])
spec("depthtospace-huge", "DepthToSpace", [("float32", [1] * 4, [1, 4, 1, 1])], {"blocksize": 2 ** 31})
spec("reversesequence-lengths-huge", "ReverseSequence", [X23, i64(2 ** 40, -5, 3)], {"batch_axis": 1, "time_axis": 0})
spec("reducesum-axes-min", "ReduceSum", [X23, i64(MIN)])
spec("argmax-nan", "ArgMax", [("float32", [NAN, 1, 2, NAN, NAN, NAN], [2, 3])])
spec("hardsigmoid-nan", "HardSigmoid", [("float32", [NAN, INF, -INF], [3])])
spec("celu-nan", "Celu", [("float32", [NAN, INF, -INF], [3])])
spec("clip-no-bounds-inf", "Clip", [("float32", [NAN, INF, -INF], [3])])
spec("clip-nan-bounds", "Clip", [("float32", [NAN, INF, -INF, 1], [4]), scalar(f32(NAN)), scalar(f32(NAN))])
spec("clip-min-above-max", "Clip", [("float32", [0, 1, 2], [3]), scalar(f32(2)), scalar(f32(1))])
spec("lppool-p-huge", "LpPool", [X1122], {"kernel_shape": [2, 2], "p": 2 ** 40})
spec("globallppool-p-huge", "GlobalLpPool", [X1122], {"p": 2 ** 40})
spec("affinegrid-size-huge", "AffineGrid", [("float32", [1, 0, 0, 0, 1, 0], [1, 2, 3]), i64(1, 1, 2 ** 31, 2 ** 31)])
spec("affinegrid-nan", "AffineGrid", [("float32", [NAN, 0, 0, 0, 1, 0], [1, 2, 3]), i64(1, 1, 2, 2)])


def _array(item):
    dtype, values = item[0], item[1]
    shape = item[2] if len(item) > 2 else [len(values)]
    if dtype == "cast":
        return np.array(values, dtype=np.float32).reshape(shape)
    return np.array(values, dtype=np.dtype(dtype)).reshape(shape)


def build(index, mode):
    """The model of spec `index`; mode "const" puts the inputs in Constant nodes, "input" makes
    them graph inputs. Returns (model, feeds)."""
    name, op, inputs, attrs, opset, outputs = SPECS[index]
    nodes, graph_inputs, feeds, names = [], [], {}, []
    for position, item in enumerate(inputs):
        if item is None:
            names.append("")
            continue
        value = _array(item)
        tensor_name = f"in{position}"
        if mode == "const":
            nodes.append(helper.make_node("Constant", [], [tensor_name], value=numpy_helper.from_array(value, tensor_name)))
        else:
            graph_inputs.append(helper.make_tensor_value_info(tensor_name, helper.np_dtype_to_tensor_dtype(value.dtype),
                                                              list(value.shape)))
            feeds[tensor_name] = value
        if item[0] == "cast":
            nodes.append(helper.make_node("Cast", [tensor_name], [tensor_name + "_i"], to=TensorProto.INT64))
            tensor_name += "_i"
        names.append(tensor_name)
    while names and names[-1] == "":
        names.pop()
    outs = [f"Y{i}" for i in range(outputs)]
    nodes.append(helper.make_node(op, names, outs, **attrs))
    untyped = []
    for o in outs:
        value = onnx.ValueInfoProto()
        value.name = o
        untyped.append(value)
    graph = helper.make_graph(nodes, name, graph_inputs, untyped)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8 if opset < 19 else 9
    # Outputs typed by onnx's shape inference where it can (onnxruntime refuses untyped outputs).
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
        types = {v.name: v.type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
        for output in model.graph.output:
            if output.name in types and types[output.name].tensor_type.elem_type:
                output.type.tensor_type.elem_type = types[output.name].tensor_type.elem_type
    except Exception:  # noqa: BLE001 - inference refusing the model is part of what is tested
        pass
    for output in model.graph.output:
        if not output.type.tensor_type.elem_type:
            output.type.tensor_type.elem_type = TensorProto.FLOAT
    return model, feeds


def setup(args, folder):
    model, feeds = build(args["spec"], args["build"])
    sessions.write_model(model, folder)
    if feeds:
        sessions.write_feeds(feeds, folder)


def generate(rng):
    cases = []
    for index, (name, op, inputs, attrs, opset, outputs) in enumerate(SPECS):
        special = any(item is not None and item[0] in ("float32", "float64", "cast") and
                      any(isinstance(v, float) and (math.isnan(v) or math.isinf(v)) for v in item[1]) for item in inputs)
        for how in ("const", "nofold", "input"):
            args = {"spec": index, "build": "const" if how != "input" else "input", "model": "model.onnx",
                    "nan_inputs": special}
            if how == "nofold":
                args["no_folding"] = True
            if how == "input":
                args["feeds"] = "feeds.npz"
                if any(word in name for word in ("overflow", "negative-exp", "nearest")):
                    # Integer overflow and float→int of NaN/huge coordinates are undefined in
                    # onnxruntime's C++: only shapes and dtypes are compared.
                    args["compare"] = "overflow"
            cases.append(common.case("folding", op, f"{name}/{how}", run="sessions.session", setup="folding.setup",
                                     args=args, ref="ort" if how == "input" else None))
    return cases
