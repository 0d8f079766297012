"""The C ABI with bad tensors and arguments (through ctypes): plx_tensor_create/_wrap with huge,
negative and overflowing shapes, rank 65 and more, NULL shape or data, unknown dtypes; op calls
with NULL/missing/surplus tensors and mistyped attributes; attribute setters with NULLs; layers,
losses and optimizers with impossible sizes and values; the huge-allocation ops called directly
with plx_op_call."""
import ctypes
import math

import numpy as np

from . import common

MIN, MAX = common.INT64_MIN, common.INT64_MAX
P = ctypes.c_void_p


def _shape(dims):
    return (ctypes.c_int64 * max(len(dims), 1))(*dims)


def create(args, folder):
    """plx_tensor_create(dtype, shape, rank, data, out)."""
    lib = common.c().lib
    dims = args["dims"]
    shape = None if args.get("null_shape") else _shape(dims)
    rank = args.get("rank", len(dims))
    data = None
    if args.get("data") == "small":
        buffer = ctypes.create_string_buffer(64)
        data = ctypes.cast(buffer, P)
    handle = P()
    out = None if args.get("null_out") else ctypes.byref(handle)
    status = lib.plx_tensor_create(args["dtype"], shape, rank, data, out)
    result = common.status(status)
    if status == 0:
        numel = lib.plx_tensor_numel(handle)
        expected = math.prod(dims[:rank]) if shape is not None else None
        if expected is not None and numel != expected:
            result["wrong"] = f"created a tensor of {numel} elements for dims {dims}"
        elif args.get("expect_error"):
            result["wrong"] = f"created a tensor for dims {dims} rank {rank} dtype {args['dtype']}"
        lib.plx_tensor_release(handle)
    return result


def wrap(args, folder):
    """plx_tensor_wrap with a caller buffer (or NULL) and the given shape."""
    lib = common.c().lib
    dims = args["dims"]
    buffer = ctypes.create_string_buffer(64) if args.get("data", True) else None
    handle = P()
    status = lib.plx_tensor_wrap(args["dtype"], _shape(dims), len(dims), ctypes.cast(buffer, P) if buffer else None,
                                 None, None, ctypes.byref(handle))
    result = common.status(status)
    if status == 0:
        if args.get("expect_error"):
            result["wrong"] = f"wrapped a 64-byte buffer as dims {dims} dtype {args['dtype']}"
        lib.plx_tensor_release(handle)
    return result


def _attrs(spec):
    """A plx_attrs handle; {"tensor": [kind, values, shape]} values become tensor attributes."""
    pc = common.c()
    if not spec:
        return None
    values = {}
    for name, value in spec.items():
        if isinstance(value, dict) and "tensor" in value:
            kind, items, shape = value["tensor"]
            value = np.array(items, dtype={"f32": np.float32, "i64": np.int64}[kind]).reshape(shape)
        values[name] = value
    return pc.attributes(values)


def _tensor(spec):
    """A tensor from a spec: None, ["f32", values, shape], ["i64", ...], ["bool", ...], ["f64", ...]."""
    pc = common.c()
    if spec is None:
        return None
    kind, values, shape = spec
    dtype = {"f32": np.float32, "f64": np.float64, "i64": np.int64, "i32": np.int32, "bool": np.bool_, "u8": np.uint8,
             "f16": np.float16}[kind]
    return pc.Tensor.of(np.array(values, dtype=dtype).reshape(shape))


def op_call(args, folder):
    """plx_op_call(domain, op, inputs, n, attrs, outputs, n_outputs) with odd arguments."""
    pc = common.c()
    lib = pc.lib
    tensors = [_tensor(s) for s in args.get("inputs", [])]
    count = args.get("n_inputs", len(tensors))
    handles = (P * max(len(tensors), 1))(*[t.handle if t is not None else None for t in tensors])
    n_out = args.get("n_outputs", 1)
    outputs = (P * max(n_out, 1))()
    attrs = _attrs(args.get("attrs"))
    try:
        op = None if args.get("null_op") else args["op"].encode()
        domain = None if args.get("null_domain") else args.get("domain", "").encode()
        status = lib.plx_op_call(domain, op, None if args.get("null_inputs") else handles, count, attrs,
                                 None if args.get("null_outputs") else outputs, n_out)
    finally:
        if attrs:
            lib.plx_attrs_release(attrs)
    result = common.status(status)
    if status == 0:
        arrays = []
        for i in range(n_out):
            if outputs[i]:
                arrays.append(pc.Tensor(outputs[i]).numpy())
        result["outputs"] = arrays
        if args.get("expect_error"):
            result["wrong"] = "accepted: " + args.get("why", "")
    return result


def attrs_misuse(args, folder):
    lib = common.c().lib
    handle = P()
    common.c().check(lib.plx_attrs_create(ctypes.byref(handle)))
    try:
        how = args["how"]
        name = None if args.get("null_name") else b"x"
        if how == "ints-null-values":
            status = lib.plx_attrs_set_ints(handle, name, None, 5)
        elif how == "floats-null-values":
            status = lib.plx_attrs_set_floats(handle, name, None, 5)
        elif how == "strings-null-array":
            status = lib.plx_attrs_set_strings(handle, name, None, 3)
        elif how == "strings-null-item":
            items = (ctypes.c_char_p * 2)(b"a", None)
            status = lib.plx_attrs_set_strings(handle, name, items, 2)
        elif how == "string-null":
            status = lib.plx_attrs_set_string(handle, name, None)
        elif how == "tensor-null":
            status = lib.plx_attrs_set_tensor(handle, name, None)
        elif how == "int-null-name":
            status = lib.plx_attrs_set_int(handle, None, 1)
        elif how == "null-attrs":
            status = lib.plx_attrs_set_int(None, b"x", 1)
        elif how == "float-nan":
            status = lib.plx_attrs_set_float(handle, name, float("nan"))
        elif how == "empty-name":
            status = lib.plx_attrs_set_int(handle, b"", 1)
        else:
            raise ValueError(how)
        return common.status(status)
    finally:
        lib.plx_attrs_release(handle)


def layer(args, folder):
    """plx_layer_create(type, attrs) and, when it succeeds, a forward pass on args["input"]."""
    pc = common.c()
    created = pc.Layer(args["type"], args.get("attrs"))
    if args.get("input") is not None:
        x = _tensor(args["input"])
        created(x)
    if args.get("expect_error"):
        return common.ok(wrong=f"created {args['type']} with {args.get('attrs')}")
    return common.ok()


def loss(args, folder):
    pc = common.c()
    lib = pc.lib
    x, t = _tensor(args["input"]), _tensor(args["target"])
    out = P()
    attrs = _attrs(args.get("attrs"))
    status = lib.plx_loss(args["name"].encode(), x.handle if x else None, t.handle if t else None, attrs,
                          ctypes.byref(out))
    result = common.status(status)
    if status == 0:
        result["outputs"] = [pc.Tensor(out).numpy()]
    return result


def optimizer(args, folder):
    pc = common.c()
    lib = pc.lib
    params = [pc.Tensor.of(np.ones(3, np.float32), requires_grad=True) for _ in range(args.get("params", 1))]
    handles = (P * max(len(params), 1))(*[p.handle for p in params])
    attrs = _attrs(args.get("attrs"))
    opt = P()
    status = lib.plx_optimizer_create(args["name"].encode(), None if args.get("null_params") else handles,
                                      args.get("n", len(params)), attrs, ctypes.byref(opt))
    result = common.status(status)
    if status == 0:
        for p in params:  # a gradient, then a step
            y = pc.op("ReduceSum", [p], {"keepdims": 0})[0]
            y.backward()
        status = lib.plx_optimizer_step(opt)
        result = common.status(status)
        lib.plx_optimizer_release(opt)
    return result


def session_from_memory(args, folder):
    """plx_session_create_from_memory with NULL data or a size that lies."""
    lib = common.c().lib
    handle = P()
    data = None if args.get("null") else ctypes.create_string_buffer(b"\x08\x08", 2)
    status = lib.plx_session_create_from_memory(data, args["size"], None, ctypes.byref(handle))
    result = common.status(status)
    if status == 0:
        lib.plx_session_release(handle)
    return result


def state_load(args, folder):
    """plx_state_load of a Linear(4, 3) layer from args["file"] (used by the files kind)."""
    import os
    pc = common.c()
    created = pc.Layer("Linear", {"in_features": 4, "out_features": 3})
    path = os.path.join(folder, args["file"])
    status = pc.lib.plx_state_load(created.handle, path.encode())
    result = common.status(status)
    if status == 0:
        params = {name: t.numpy() for name, t in created.parameters()}
        result["outputs"] = list(params.values())
    return result


def generate(rng):
    cases = []

    def add(group, detail, run, args, expect="any"):
        cases.append(common.case("tensors", group, detail, run=f"tensors.{run}", args=args, expect=expect))

    dtypes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 21, 22, 23, 26]
    shapes = [[2 ** 35], [2 ** 40], [2 ** 62], [MAX], [2 ** 31, 2 ** 31], [2 ** 32, 2 ** 32, 2 ** 32], [-1], [MIN],
              [3, -2], [2 ** 62, 0], [0, MAX], [2 ** 61], [2 ** 33, 2 ** 30]]
    for dtype in dtypes:
        for dims in shapes:
            zero = 0 in dims and all(d >= 0 for d in dims)
            args = {"dtype": dtype, "dims": dims, "expect_error": not zero}
            add("create-shape", f"t{dtype}-{'x'.join(map(str, dims))}", "create", args, expect="any")
    for rank in (65, 100, 1000):
        add("create-rank", f"rank-{rank}", "create", {"dtype": 1, "dims": [1] * rank})
    add("create-rank", "rank-2^40-null-shape", "create", {"dtype": 1, "dims": [], "rank": 2 ** 40, "null_shape": True},
        expect="error")
    add("create-rank", "rank-3-null-shape", "create", {"dtype": 1, "dims": [], "rank": 3, "null_shape": True},
        expect="error")
    add("create-rank", "rank-max-null-shape", "create", {"dtype": 1, "dims": [], "rank": 2 ** 64 - 1, "null_shape": True},
        expect="error")
    for dtype in (0, -1, 14, 15, 27, 99, 2 ** 31 - 1, -(2 ** 31)):
        add("create-dtype", f"dtype={dtype}", "create", {"dtype": dtype, "dims": [2]}, expect="error")
    add("create-misc", "null-out", "create", {"dtype": 1, "dims": [2], "null_out": True}, expect="error")
    add("create-misc", "string-huge-null-data", "create", {"dtype": 8, "dims": [2 ** 40]}, expect="error")
    add("create-misc", "string-small-data-zeroed", "create", {"dtype": 8, "dims": [8], "data": "small"})
    for dtype in (1, 8, 7, 0):
        for dims in ([2 ** 40], [-1], [16], [2 ** 62, 4], [0]):
            # The caller vouches for the buffer's size, so only sizes that cannot exist are refused.
            expect_error = dims in ([-1], [2 ** 62, 4]) or dtype in (8, 0)
            add("wrap", f"t{dtype}-{'x'.join(map(str, dims))}", "wrap",
                {"dtype": dtype, "dims": dims, "expect_error": expect_error and dims != [0]})
    add("wrap", "null-data-nonempty", "wrap", {"dtype": 1, "dims": [4], "data": False}, expect="error")
    x = ["f32", [1, 2, 3, 4, 5, 6], [2, 3]]
    misuse = [
        ("null-op", {"op": "Relu", "inputs": [x], "null_op": True}, "error"),
        ("null-domain", {"op": "Relu", "inputs": [x], "null_domain": True}, "any"),
        ("unknown-op", {"op": "NoSuchOp", "inputs": [x]}, "error"),
        ("unknown-domain", {"op": "Relu", "domain": "com.nowhere", "inputs": [x]}, "error"),
        ("relu-no-inputs", {"op": "Relu", "inputs": []}, "error"),
        ("relu-null-input", {"op": "Relu", "inputs": [None]}, "error"),
        ("relu-null-input-array", {"op": "Relu", "inputs": [x], "null_inputs": True}, "error"),
        ("relu-3-inputs", {"op": "Relu", "inputs": [x, x, x]}, "error"),
        ("add-1-input", {"op": "Add", "inputs": [x]}, "error"),
        ("add-null-second", {"op": "Add", "inputs": [x, None]}, "error"),
        ("relu-0-outputs", {"op": "Relu", "inputs": [x], "n_outputs": 0}, "error"),
        ("relu-100-outputs", {"op": "Relu", "inputs": [x], "n_outputs": 100}, "error"),
        ("relu-null-outputs", {"op": "Relu", "inputs": [x], "null_outputs": True}, "error"),
        ("conv-strides-string", {"op": "Conv", "inputs": [["f32", [1] * 16, [1, 1, 4, 4]], ["f32", [1] * 9, [1, 1, 3, 3]]],
                                 "attrs": {"strides": "2"}}, "error"),
        ("conv-strides-zero", {"op": "Conv", "inputs": [["f32", [1] * 16, [1, 1, 4, 4]], ["f32", [1] * 9, [1, 1, 3, 3]]],
                               "attrs": {"strides": [0, 0]}}, "error"),
        ("conv-dilations-huge", {"op": "Conv", "inputs": [["f32", [1] * 16, [1, 1, 4, 4]],
                                                          ["f32", [1] * 9, [1, 1, 3, 3]]],
                                 "attrs": {"dilations": [2 ** 62, 2 ** 62]}}, "error"),
        ("conv-pads-huge", {"op": "Conv", "inputs": [["f32", [1] * 16, [1, 1, 4, 4]], ["f32", [1] * 9, [1, 1, 3, 3]]],
                            "attrs": {"pads": [2 ** 40] * 4}}, "error"),
        ("conv-group-zero", {"op": "Conv", "inputs": [["f32", [1] * 16, [1, 1, 4, 4]], ["f32", [1] * 9, [1, 1, 3, 3]]],
                             "attrs": {"group": 0}}, "error"),
        ("transpose-perm-bad", {"op": "Transpose", "inputs": [x], "attrs": {"perm": [5, 0]}}, "error"),
        ("transpose-perm-min", {"op": "Transpose", "inputs": [x], "attrs": {"perm": [MIN, 0]}}, "error"),
        ("cast-to-bogus", {"op": "Cast", "inputs": [x], "attrs": {"to": 12345}}, "error"),
        ("cast-to-string-type", {"op": "Cast", "inputs": [x], "attrs": {"to": "float"}}, "error"),
        ("softmax-axis-min", {"op": "Softmax", "inputs": [x], "attrs": {"axis": MIN}}, "error"),
        ("concat-axis-max", {"op": "Concat", "inputs": [x, x], "attrs": {"axis": MAX}}, "error"),
        ("concat-mismatched", {"op": "Concat", "inputs": [x, ["f32", [1, 2], [1, 2]]], "attrs": {"axis": 0}}, "error"),
        ("matmul-mismatched", {"op": "MatMul", "inputs": [x, x]}, "error"),
        ("add-dtype-mismatch", {"op": "Add", "inputs": [x, ["i64", [1, 2, 3], [3]]]}, "error"),
        ("gather-f32-indices", {"op": "Gather", "inputs": [x, ["f32", [0.5], [1]]]}, "error"),
        ("reshape-f32-shape", {"op": "Reshape", "inputs": [x, ["f32", [3, 2], [2]]]}, "error"),
        ("relu-attr-tensor-nan", {"op": "ConstantOfShape", "inputs": [["i64", [2], [1]]],
                                  "attrs": {"value": {"tensor": ["f32", [float("nan")], [1]]}}}, "any"),
        ("constant-of-shape-value-2d", {"op": "ConstantOfShape", "inputs": [["i64", [2], [1]]],
                                        "attrs": {"value": {"tensor": ["f32", [1, 1, 1, 1], [2, 2]]}}}, "error"),
    ]
    for name, args, expect in misuse:
        args = dict(args, expect_error=expect == "error", why=name)
        add("op-call", name, "op_call", args)
    direct = [
        ("constantofshape-2^40", "ConstantOfShape", [["i64", [2 ** 40], [1]]], {}),
        ("constantofshape-2^31x2^31", "ConstantOfShape", [["i64", [2 ** 31, 2 ** 31], [2]]], {}),
        ("constantofshape-minus1", "ConstantOfShape", [["i64", [-1], [1]]], {}),
        ("expand-2^20x2^20", "Expand", [["f32", [1], [1]], ["i64", [2 ** 20, 2 ** 20], [2]]], {}),
        ("expand-min", "Expand", [["f32", [1], [1]], ["i64", [MIN], [1]]], {}),
        ("tile-2^40", "Tile", [x, ["i64", [2 ** 40, 1], [2]]], {}),
        ("tile-max", "Tile", [x, ["i64", [MAX, MAX], [2]]], {}),
        ("pad-2^40", "Pad", [x, ["i64", [0, 2 ** 40, 0, 0], [4]]], {}),
        ("pad-min", "Pad", [x, ["i64", [MIN, 0, 0, 0], [4]]], {}),
        ("reshape-min", "Reshape", [x, ["i64", [MIN], [1]]], {}),
        ("range-nan", "Range", [["f32", [0], []], ["f32", [float("nan")], []], ["f32", [1], []]], {}),
        ("range-inf", "Range", [["f32", [0], []], ["f32", [float("inf")], []], ["f32", [1], []]], {}),
        ("range-zero-delta", "Range", [["i64", [0], []], ["i64", [10], []], ["i64", [0], []]], {}),
        ("range-full-int64", "Range", [["i64", [MIN], []], ["i64", [MAX], []], ["i64", [1], []]], {}),
        ("range-tiny-delta", "Range", [["f64", [0], []], ["f64", [1], []], ["f64", [1e-300], []]], {}),
        ("eyelike-k-min", "EyeLike", [["f32", [0] * 9, [3, 3]]], {"k": MIN}),
        ("eyelike-k-max", "EyeLike", [["f32", [0] * 9, [3, 3]]], {"k": MAX}),
        ("onehot-depth-max", "OneHot", [["i64", [0, 1], [2]], ["i64", [MAX], []], ["f32", [0, 1], [2]]], {}),
        ("onehot-depth-nan", "OneHot", [["i64", [0, 1], [2]], ["f32", [float("nan")], []], ["f32", [0, 1], [2]]], {}),
        ("onehot-indices-nan", "OneHot", [["f32", [float("nan"), 1], [2]], ["i64", [3], []], ["f32", [0, 1], [2]]], {}),
        ("resize-scales-nan", "Resize", [["f32", [1, 2, 3, 4], [1, 1, 2, 2]], ["f32", [], [0]],
                                         ["f32", [1, 1, float("nan"), 2], [4]]], {}),
        ("resize-scales-huge", "Resize", [["f32", [1, 2, 3, 4], [1, 1, 2, 2]], ["f32", [], [0]],
                                          ["f32", [1, 1, 1e9, 1e9], [4]]], {}),
        ("gridsample-nan", "GridSample", [["f32", [1, 2, 3, 4], [1, 1, 2, 2]], ["f32", [float("nan")] * 8, [1, 2, 2, 2]]],
         {}),
        ("roialign-nan", "RoiAlign", [["f32", [1, 2, 3, 4], [1, 1, 2, 2]], ["f32", [float("nan"), 0, 1, 1], [1, 4]],
                                      ["i64", [0], [1]]], {}),
        ("melweightmatrix-huge", "MelWeightMatrix", [["i64", [2 ** 40], []], ["i64", [16], []], ["i64", [8000], []],
                                                     ["f32", [0], []], ["f32", [4000], []]], {}),
        ("dropout-empty-ratio", "Dropout", [x, ["f32", [], [0]], ["bool", [True], []]], {}),
        ("div-int-zero", "Div", [["i64", [1], [1]], ["i64", [0], [1]]], {}),
        ("div-int-min-minus1", "Div", [["i64", [MIN], [1]], ["i64", [-1], [1]]], {}),
        ("mod-int-zero", "Mod", [["i32", [1], [1]], ["i32", [0], [1]]], {}),
        ("hannwindow-2^40", "HannWindow", [["i64", [2 ** 40], []]], {}),
        ("topk-k-max", "TopK", [x, ["i64", [MAX], [1]]], {}),
        ("cast-nan-int64", "Cast", [["f32", [float("nan"), float("inf"), -1e30], [3]]], {"to": 7}),
        ("cast-nan-int32", "Cast", [["f64", [float("nan"), float("inf"), -1e300], [3]]], {"to": 6}),
        ("cast-f16-inf-uint8", "Cast", [["f16", [float("inf"), 70000], [2]]], {"to": 2}),
    ]
    for name, op, inputs, attrs in direct:
        n_out = {"TopK": 2, "Dropout": 2}.get(op, 1)
        add("op-direct", name, "op_call", {"op": op, "inputs": inputs, "attrs": attrs, "n_outputs": n_out})
    for how in ("ints-null-values", "floats-null-values", "strings-null-array", "strings-null-item", "string-null",
                "tensor-null", "int-null-name", "null-attrs", "empty-name"):
        add("attrs", how, "attrs_misuse", {"how": how}, expect="error")
    add("attrs", "float-nan", "attrs_misuse", {"how": "float-nan"})
    layers = [
        ("Linear", {"in_features": -1, "out_features": 3}, None, True),
        ("Linear", {"in_features": 2 ** 40, "out_features": 2 ** 40}, None, True),
        ("Linear", {"in_features": 2 ** 62, "out_features": 4}, None, True),
        ("Linear", {"in_features": 0, "out_features": 0}, None, False),
        ("Linear", {"in_features": 4, "out_features": 3}, ["f32", [1] * 10, [2, 5]], True),
        ("Linear", {"in_features": 4, "out_features": 3}, ["i64", [1] * 8, [2, 4]], True),
        ("Linear", {"in_features": "four", "out_features": 3}, None, True),
        ("Linear", {"in_features": 4.5, "out_features": 3}, None, True),
        ("Conv2d", {"in_channels": 1, "out_channels": 1, "kernel_size": 0}, None, True),
        ("Conv2d", {"in_channels": 1, "out_channels": 1, "kernel_size": 2 ** 31}, None, True),
        ("Conv2d", {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "stride": 0}, None, True),
        ("Conv2d", {"in_channels": 2 ** 31, "out_channels": 2 ** 31, "kernel_size": 3}, None, True),
        ("Conv2d", {"in_channels": 1, "out_channels": 1, "kernel_size": 3}, ["f32", [1] * 4, [1, 1, 2, 2]], True),
        ("Conv2d", {"in_channels": 3, "out_channels": 1, "kernel_size": 3, "groups": 2}, None, True),
        ("LSTM", {"input_size": 4, "hidden_size": -1}, None, True),
        ("LSTM", {"input_size": 4, "hidden_size": 2 ** 31}, None, True),
        ("Embedding", {"num_embeddings": 2 ** 40, "embedding_dim": 2 ** 40}, None, True),
        ("Embedding", {"num_embeddings": 10, "embedding_dim": 4}, ["i64", [MIN, MAX], [2]], True),
        ("Embedding", {"num_embeddings": 10, "embedding_dim": 4}, ["i64", [-1, 10], [2]], True),
        ("Dropout", {"p": 2.0}, None, True),
        ("Dropout", {"p": float("nan")}, None, True),
        ("BatchNorm2d", {"num_features": -3}, None, True),
        ("MaxPool2d", {"kernel_size": 0}, None, True),
        ("MaxPool2d", {"kernel_size": 2}, ["f32", [1], [1, 1, 1, 1]], True),
        ("NoSuchLayer", {}, None, True),
        ("Linear", {}, None, True),
    ]
    for index, (kind, attrs, x_in, expect_error) in enumerate(layers):
        add("layer", f"{kind}-{index}", "layer", {"type": kind, "attrs": attrs, "input": x_in,
                                                   "expect_error": expect_error})
    losses = [
        ("mse", ["f32", [1, 2], [2]], ["f32", [1, 2, 3], [3]]),
        ("cross_entropy", ["f32", [1, 2, 3, 4], [2, 2]], ["i64", [MIN, MAX], [2]]),
        ("cross_entropy", ["f32", [1, 2, 3, 4], [2, 2]], ["i64", [-1, 5], [2]]),
        ("cross_entropy", ["f32", [float("nan")] * 4, [2, 2]], ["i64", [0, 1], [2]]),
        ("cross_entropy", ["f32", [], [0, 2]], ["i64", [], [0]]),
        ("nll", ["f32", [1, 2, 3, 4], [2, 2]], ["f32", [0, 1], [2]]),
        ("bogus", ["f32", [1], [1]], ["f32", [1], [1]]),
        ("mse", ["f32", [1], [1]], None),
    ]
    for index, (name, inp, target) in enumerate(losses):
        add("loss", f"{name}-{index}", "loss", {"name": name, "input": inp, "target": target})
    optimizers = [
        ("sgd", {"lr": float("nan")}, {}), ("sgd", {"lr": -1.0}, {}), ("adam", {"lr": float("inf")}, {}),
        ("adam", {"betas": [2.0, 2.0]}, {}), ("adam", {"eps": -1.0}, {}), ("nosuch", {}, {}),
        ("sgd", {}, {"params": 0}), ("sgd", {}, {"null_params": True}), ("sgd", {"momentum": float("nan")}, {}),
        ("adamw", {"weight_decay": float("-inf")}, {}), ("rmsprop", {"alpha": -5.0}, {}),
        ("sgd", {"lr": "fast"}, {}),
    ]
    for index, (name, attrs, extra) in enumerate(optimizers):
        add("optimizer", f"{name}-{index}", "optimizer", {"name": name, "attrs": attrs, **extra})
    for label, size, null in (("null-size-8", 8, True), ("null-size-max", 2 ** 64 - 1, True), ("zero-size", 0, False),
                              ("short", 2, False)):
        add("session-memory", label, "session_from_memory", {"size": size, "null": null}, expect="error")
    return cases
