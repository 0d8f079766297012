"""The Python package with bad arguments: factories with zero steps, NaN bounds, negative and huge
sizes; tensors from odd numpy arrays; reshapes, indexing and joins that cannot work; sessions
from garbage, fed wrong names/types; nn modules with impossible sizes. Each snippet runs with
`plexus`, `np` and the folder `d` in scope; a documented exception (a PlexusError, or the
built-in ValueError/TypeError/... it derives from) is the right answer where expect is "error"."""
import os

import numpy as np

from . import common

SETUP = """
x = plexus.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
"""

SNIPPETS = [
    # (name, code, expect)
    ("arange-step-0", "plexus.arange(0, 10, 0)", "error"),
    ("arange-nan-end", "plexus.arange(0, float('nan'))", "error"),
    ("arange-inf-end", "plexus.arange(0, float('inf'))", "error"),
    ("arange-nan-step", "plexus.arange(0, 1, float('nan'))", "error"),
    ("arange-huge", "plexus.arange(0, 1e20)", "error"),
    ("arange-tiny-step", "plexus.arange(0, 1, 1e-300)", "error"),
    ("arange-int-huge", "plexus.arange(-2**63, 2**63 - 1)", "error"),
    ("arange-int-beyond-int64", "plexus.arange(0, 2**70)", "error"),
    ("linspace-negative-steps", "plexus.linspace(0, 1, -1)", "error"),
    ("linspace-huge-steps", "plexus.linspace(0, 1, 2**40)", "error"),
    ("linspace-nan", "plexus.linspace(0, float('nan'), 5)", "any"),
    ("zeros-negative", "plexus.zeros(-1, 4)", "error"),
    ("zeros-negative-list", "plexus.zeros([-1, 4])", "error"),
    ("zeros-huge", "plexus.zeros(2**40)", "error"),
    ("zeros-overflow", "plexus.zeros(2**62, 2**62)", "error"),
    ("zeros-beyond-int64", "plexus.zeros(2**64)", "error"),
    ("zeros-float-size", "plexus.zeros(2.5)", "error"),
    ("zeros-string-size", "plexus.zeros('3')", "error"),
    ("zeros-rank-65", "plexus.zeros(*([1] * 65))", "any"),
    ("zeros-bad-dtype", "plexus.zeros(3, dtype='float128')", "error"),
    ("ones-none", "plexus.ones(None)", "error"),
    ("full-nan", "plexus.full((2,), float('nan'))", "any"),
    ("full-huge-int", "plexus.full((2,), 2**70, dtype=plexus.int64)", "error"),
    ("eye-negative", "plexus.eye(-1)", "error"),
    ("eye-huge", "plexus.eye(2**40)", "error"),
    ("randn-negative", "plexus.randn(-3)", "error"),
    ("randint-empty-range", "plexus.randint(5, 1, (3,))", "error"),
    ("randint-huge", "plexus.randint(0, 2**70, (3,))", "error"),
    ("rand-huge", "plexus.rand(2**31, 2**31)", "error"),
    ("tensor-object", "plexus.tensor(np.array([object(), 1], dtype=object))", "error"),
    ("tensor-complex", "plexus.tensor(np.ones(3, np.complex64))", "error"),
    ("tensor-structured", "plexus.tensor(np.zeros(3, dtype=[('a', 'f4')]))", "error"),
    ("tensor-datetime", "plexus.tensor(np.zeros(3, dtype='datetime64[s]'))", "error"),
    ("tensor-noncontiguous", "plexus.tensor(np.arange(12.0).reshape(3, 4)[:, ::2]).numpy()", "any"),
    ("tensor-big-endian", "plexus.tensor(np.arange(3, dtype='>f4')).numpy()", "any"),
    ("tensor-ragged", "plexus.tensor([[1, 2], [3]])", "error"),
    ("tensor-huge-int", "plexus.tensor([2**70])", "error"),
    ("tensor-nested-deep", "plexus.tensor(eval('[' * 5000 + '1' + ']' * 5000))", "error"),
    ("tensor-string", "plexus.tensor('abc')", "any"),
    ("tensor-none", "plexus.tensor(None)", "error"),
    ("from-numpy-readonly", "a = np.arange(3.0); a.flags.writeable = False; plexus.from_numpy(a).numpy()", "any"),
    ("reshape-two-minus1", "x.reshape(-1, -1)", "error"),
    ("reshape-wrong-count", "x.reshape(4, 4)", "error"),
    ("reshape-negative", "x.reshape(-2, -3)", "error"),
    ("reshape-huge", "x.reshape(2**62, 4)", "error"),
    ("view-bad", "x.view(7)", "error"),
    ("index-huge", "x[2**40]", "error"),
    ("index-beyond-int64", "x[2**70]", "error"),
    ("index-negative-huge", "x[-2**63]", "error"),
    ("index-float", "x[1.5]", "error"),
    ("index-string", "x['a']", "error"),
    ("slice-step-0", "x[::0]", "error"),
    ("slice-huge-bounds", "x[-2**70:2**70]", "any"),
    ("index-two-ellipsis", "x[..., ...]", "error"),
    ("index-too-many", "x[0, 0, 0]", "error"),
    ("index-bool-mask-wrong-shape", "x[np.array([True, False, True])]", "error"),
    ("index-array-out-of-range", "x[np.array([0, 99])]", "error"),
    ("setitem-wrong-shape", "x[0] = np.ones(5, np.float32)", "error"),
    ("cat-empty", "plexus.cat([])", "error"),
    ("stack-empty", "plexus.stack([])", "error"),
    ("cat-mismatch", "plexus.cat([x, plexus.zeros(5)])", "error"),
    ("cat-dim-huge", "plexus.cat([x, x], dim=2**40)", "error"),
    ("where-mismatch", "plexus.where(plexus.tensor(np.array([True, False])), x, plexus.zeros(7))", "error"),
    ("sum-dim-huge", "x.sum(dim=2**40)", "error"),
    ("sum-dim-min", "x.sum(dim=-2**63)", "error"),
    ("transpose-dims-bad", "x.transpose(0, 5)", "error"),
    ("permute-repeated", "x.permute(0, 0)", "error"),
    ("matmul-mismatch", "x @ x", "error"),
    ("div-int-zero", "plexus.tensor(np.array([1], np.int64)) // plexus.tensor(np.array([0], np.int64))", "any"),
    ("pow-int-overflow", "(plexus.tensor(np.array([3], np.int64)) ** 99).numpy()", "any"),
    ("item-of-many", "x.item()", "error"),
    ("float-of-many", "float(x)", "error"),
    ("bool-of-many", "bool(x)", "error"),
    ("backward-non-scalar", "y = plexus.tensor(np.ones(3, np.float32), requires_grad=True); (y * 2).backward()", "any"),
    ("backward-twice", "y = plexus.tensor(np.ones(3, np.float32), requires_grad=True); z = (y * y).sum(); "
                       "z.backward(); z.backward()", "any"),
    ("requires-grad-int", "plexus.tensor(np.ones(3, np.int64), requires_grad=True)", "error"),
    ("session-garbage-bytes", "plexus.InferenceSession(b'garbage')", "error"),
    ("session-empty-bytes", "plexus.InferenceSession(b'')", "error"),
    ("session-int", "plexus.InferenceSession(123)", "error"),
    ("session-none", "plexus.InferenceSession(None)", "error"),
    ("session-missing-file", "plexus.InferenceSession('/nonexistent/model.onnx')", "error"),
    ("session-directory", "plexus.InferenceSession(d)", "error"),
    ("session-dev-zero", "plexus.InferenceSession('/dev/zero')", "error"),
    ("session-feed-int-key", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                             "s.run(None, {1: np.ones((2, 3), np.float32)})", "error"),
    ("session-feed-unknown-name", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                                  "s.run(None, {'nope': np.ones((2, 3), np.float32)})", "error"),
    ("session-feed-string", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); s.run(None, {'X': 'abc'})",
     "error"),
    ("session-feed-none", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); s.run(None, {'X': None})",
     "error"),
    ("session-feed-list", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); s.run(None, [1, 2])", "error"),
    ("session-feed-wrong-dtype", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                                 "s.run(None, {'X': np.ones((2, 3), np.int64)})", "error"),
    ("session-feed-wrong-shape", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                                 "s.run(None, {'X': np.ones((5, 5), np.float32)})", "error"),
    ("session-feed-object", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                            "s.run(None, {'X': np.array([[object()] * 3] * 2)})", "error"),
    ("session-output-unknown", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                               "s.run(['nope'], {'X': np.ones((2, 3), np.float32)})", "error"),
    ("session-output-int", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                           "s.run([0], {'X': np.ones((2, 3), np.float32)})", "error"),
    ("session-output-string", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); "
                              "s.run('Y', {'X': np.ones((2, 3), np.float32)})", "error"),
    ("session-after-close", "s = plexus.InferenceSession(os.path.join(d, 'relu.onnx')); s.close(); "
                            "s.run(None, {'X': np.ones((2, 3), np.float32)})", "error"),
    ("session-providers-bogus", "plexus.InferenceSession(os.path.join(d, 'relu.onnx'), providers=['CUDAExecutionProvider'])",
     "any"),
    ("session-options-threads-negative", "o = plexus.SessionOptions(); o.intra_op_num_threads = -5; "
                                         "plexus.InferenceSession(os.path.join(d, 'relu.onnx'), o)", "error"),
    ("session-options-threads-huge", "o = plexus.SessionOptions(); o.intra_op_num_threads = 2**40; "
                                     "plexus.InferenceSession(os.path.join(d, 'relu.onnx'), o)", "error"),
    ("linear-negative", "plexus.nn.Linear(-1, 3)", "error"),
    ("linear-huge", "plexus.nn.Linear(2**40, 2**40)", "error"),
    ("linear-float", "plexus.nn.Linear(2.5, 3)", "error"),
    ("linear-wrong-input", "plexus.nn.Linear(4, 3)(plexus.zeros(2, 5))", "error"),
    ("conv-zero-kernel", "plexus.nn.Conv2d(1, 1, 0)", "error"),
    ("conv-zero-stride", "plexus.nn.Conv2d(1, 1, 3, stride=0)", "error"),
    ("conv-groups-bad", "plexus.nn.Conv2d(3, 4, 3, groups=2)", "error"),
    ("conv-input-small", "plexus.nn.Conv2d(1, 1, 3)(plexus.zeros(1, 1, 2, 2))", "error"),
    ("dropout-p-2", "plexus.nn.Dropout(2.0)", "error"),
    ("dropout-p-nan", "plexus.nn.Dropout(float('nan'))", "error"),
    ("batchnorm-zero", "plexus.nn.BatchNorm2d(0)", "error"),
    ("maxpool-zero", "plexus.nn.MaxPool2d(0)", "error"),
    ("adaptive-pool-negative", "plexus.nn.AdaptiveAvgPool2d(-1)(plexus.zeros(1, 1, 4, 4))", "error"),
    ("layernorm-empty", "plexus.nn.LayerNorm([])(x)", "any"),
    ("load-state-wrong-shape", "m = plexus.nn.Linear(4, 3); m.load_state_dict({'weight': plexus.zeros(4, 3), "
                               "'bias': plexus.zeros(3)})", "error"),
    ("load-state-missing", "m = plexus.nn.Linear(4, 3); m.load_state_dict({})", "error"),
    ("load-state-not-dict", "m = plexus.nn.Linear(4, 3); m.load_state_dict(5)", "error"),
    ("cross-entropy-bad-target", "plexus.nn.CrossEntropyLoss()(plexus.zeros(2, 3), plexus.tensor(np.array([5, -7])))",
     "error"),
    ("cross-entropy-min-target", "plexus.nn.CrossEntropyLoss()(plexus.zeros(2, 3), "
                                 "plexus.tensor(np.array([-2**63, 2**63 - 1])))", "error"),
    ("mse-shape-mismatch", "plexus.nn.MSELoss()(plexus.zeros(2, 3), plexus.zeros(4))", "error"),
    ("optim-lr-nan", "m = plexus.nn.Linear(4, 3); plexus.optim.SGD(m.parameters(), lr=float('nan'))", "error"),
    ("optim-lr-negative", "m = plexus.nn.Linear(4, 3); plexus.optim.Adam(m.parameters(), lr=-1)", "error"),
    ("optim-empty", "plexus.optim.SGD([], lr=0.1)", "any"),
    ("optim-betas-bad", "m = plexus.nn.Linear(4, 3); plexus.optim.Adam(m.parameters(), betas=(2.0, 0.5))", "error"),
    ("save-to-directory", "plexus.save({'a': plexus.zeros(2)}, d)", "error"),
    ("save-to-missing-folder", "plexus.save({'a': plexus.zeros(2)}, '/nonexistent/dir/x.safetensors')", "error"),
    ("save-not-dict", "plexus.save(5, os.path.join(d, 'x.safetensors'))", "error"),
    ("save-nonstring-key", "plexus.save({1: plexus.zeros(2)}, os.path.join(d, 'x.safetensors'))", "any"),
    ("load-missing", "plexus.load('/nonexistent.safetensors')", "error"),
    ("load-directory", "plexus.load(d)", "error"),
    ("manual-seed-negative", "plexus.manual_seed(-1)", "any"),
    ("manual-seed-huge", "plexus.manual_seed(2**70)", "error"),
    ("manual-seed-float", "plexus.manual_seed(float('nan'))", "error"),
    ("set-threads-negative", "plexus.set_num_threads(-1)", "error"),
    ("set-threads-huge", "plexus.set_num_threads(2**40)", "error"),
    ("op-unknown", "plexus.op('NoSuchOp', x)", "error"),
    ("op-bad-attr-type", "plexus.op('Softmax', x, axis='one')", "error"),
    ("op-attr-huge", "plexus.op('Softmax', x, axis=2**70)", "error"),
    ("op-attr-object", "plexus.op('Softmax', x, axis=object())", "error"),
    ("dlpack-garbage", "plexus.from_dlpack(5)", "error"),
]


def setup(args, folder):
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Relu", ["X"], ["Y"])], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with open(os.path.join(folder, "relu.onnx"), "wb") as f:
        f.write(model.SerializeToString())


def snippet(args, folder):
    plexus = common.python_package()
    scope = {"plexus": plexus, "np": np, "os": os, "d": folder}
    exec(SETUP, scope)  # noqa: S102 - the suite's own snippets
    exec(args["code"], scope)  # noqa: S102
    return common.ok()


def generate(rng):
    names = [name for name, _, _ in SNIPPETS]
    assert len(names) == len(set(names))
    return [common.case("python", name.split("-")[0], name, run="python.snippet", setup="python.setup",
                        args={"code": code}, expect=expect) for name, code, expect in SNIPPETS]
