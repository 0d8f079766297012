"""The benchmark models, generated as ONNX (opset 17) with onnx.helper and seeded numpy weights:
no PyTorch and no downloads. Each model is written once into benchmarks/.cache/ (gitignored) and
regenerated when missing, when its builder's version changes, or with --force.

    .venv/bin/python benchmarks/models.py [--only gemm,resnet18,...] [--force] [--no-verify]

Cases (the names `suite.py --only` accepts; `gemm` selects every GEMM size):

  gemm64 ... gemm2048  C = A @ B, float32, square N x N; A and B are both graph inputs, so the
                       runtime does exactly the work numpy's `a @ b` does (2 N^3 flops).
  resnet18             ResNet-18 at 1x3x224x224: conv 7x7/2 + BN + ReLU + max-pool 3x3/2, four
                       stages of two basic blocks (3x3 conv + BN) with 64/128/256/512 channels,
                       1x1 conv + BN projection shortcuts on the stride-2 blocks, global average
                       pool, Gemm to 1000 classes. ~1.8 GMAC.
  mobilenet            MobileNet-v1 (width 1.0) at 1x3x224x224: conv 3x3/2 + BN + ReLU6, then 13
                       depthwise-separable blocks (depthwise 3x3 conv group=C + BN + ReLU6 as
                       Clip(0, 6), pointwise 1x1 conv + BN + ReLU6), global average pool, Gemm
                       1000. ~0.57 GMAC.
  bert4                A BERT-base-shaped encoder, 4 layers: input embeddings [1,128,768] float32,
                       12 heads; per layer Q/K/V MatMul+bias, Reshape/Transpose to heads, scaled
                       scores MatMul, Softmax, MatMul with V, output projection, residual Add,
                       LayerNormalization, FFN 768-3072-768 with exact GELU written as
                       0.5*x*(1+Erf(x/sqrt 2)), residual Add, LayerNormalization. ~7.4 GFLOP.
  lstm2                Two stacked ONNX LSTM ops: sequence 64, batch 1, input 128, hidden 256.
  add_chain            1,000 chained Add nodes on a [1, 16] float32 input: y_{i+1} = Add(y_i, c_i)
                       with a small constant c_i per node. Every node depends on the input, so
                       constant folding cannot remove one; the time per node is the engine's
                       per-node overhead.
  mlp_b1               A 64-128-10 MLP at batch 1 as torch.onnx exports nn.Linear layers:
                       Gemm(transB=1) + Relu + Gemm(transB=1).
  gru_b1               One ONNX GRU op: sequence 16, batch 1, input 32, hidden 64 (linear
                       before reset 0, the default); output Y [16, 1, 1, 64].

BatchNormalization stays in the graph (not pre-folded) so graph optimisations have work to do.
Every generated model is checked with onnx.checker (full_check) and run once in onnxruntime.
"""
import argparse
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = pathlib.Path(__file__).resolve().parent
CACHE = HERE / ".cache"
OPSET = 17
GEMM_SIZES = [64, 128, 256, 512, 1024, 2048]


class Builder:
    """Collects nodes and initializers with unique names and seeded random weights."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], {}

    def name(self, prefix):
        self.count[prefix] = self.count.get(prefix, 0) + 1
        return f"{prefix}_{self.count[prefix]}"

    def const(self, array, prefix="c"):
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, prefix=None, **attrs):
        out = self.name(prefix or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    # layers ---------------------------------------------------------------------------------------
    def conv(self, x, cin, cout, k, stride=1, group=1, bias=False):
        fan_in = cin // group * k * k
        w = (self.rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        inputs = [x, self.const(w, "conv_w")]
        if bias:
            inputs.append(self.const(np.zeros(cout, np.float32), "conv_b"))
        return self.op("Conv", inputs, "conv", kernel_shape=[k, k], strides=[stride, stride],
                       pads=[k // 2] * 4, group=group)

    def bn(self, x, c):
        r = self.rng
        params = [r.uniform(0.5, 1.0, c), r.normal(0, 0.1, c), r.normal(0, 0.1, c), r.uniform(0.5, 1.5, c)]
        names = [self.const(p.astype(np.float32), n) for p, n in zip(params, ["bn_scale", "bn_bias", "bn_mean", "bn_var"])]
        return self.op("BatchNormalization", [x] + names, "bn", epsilon=1e-5)

    def relu6(self, x):
        return self.op("Clip", [x, self.const(np.float32(0), "zero"), self.const(np.float32(6), "six")], "relu6")

    def dense(self, x, cin, cout, prefix="w"):
        """MatMul with a [cin, cout] weight plus a bias Add (the shape PyTorch exports for Linear)."""
        w = (self.rng.standard_normal((cin, cout)) / np.sqrt(cin)).astype(np.float32)
        y = self.op("MatMul", [x, self.const(w, prefix)], "matmul")
        return self.op("Add", [y, self.const((self.rng.standard_normal(cout) * 0.02).astype(np.float32), prefix + "_b")], "add")

    def classifier(self, x, cin, classes=1000):
        x = self.op("GlobalAveragePool", [x], "gap")
        x = self.op("Flatten", [x], "flatten", axis=1)
        w = (self.rng.standard_normal((classes, cin)) / np.sqrt(cin)).astype(np.float32)
        return self.op("Gemm", [x, self.const(w, "fc_w"), self.const(np.zeros(classes, np.float32), "fc_b")], "logits",
                       transB=1)

    def model(self, name, inputs, output, output_shape, dtype=TensorProto.FLOAT):
        outputs = [helper.make_tensor_value_info(output, dtype, output_shape)]
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="plexus-benchmarks")
        model.ir_version = 8
        return model


def gemm(n):
    b = Builder(n)
    b.nodes.append(helper.make_node("MatMul", ["A", "B"], ["C"], name="matmul"))
    inputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, [n, n]) for x in "AB"]
    return b.model(f"gemm{n}", inputs, "C", [n, n])


def resnet18():
    b = Builder(18)
    x = b.op("Relu", [b.bn(b.conv("input", 3, 64, 7, 2), 64)])
    x = b.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        for block in range(2):
            s = stride if block == 0 else 1
            y = b.op("Relu", [b.bn(b.conv(x, cin, cout, 3, s), cout)])
            y = b.bn(b.conv(y, cout, cout, 3), cout)
            shortcut = b.bn(b.conv(x, cin, cout, 1, s), cout) if (s != 1 or cin != cout) else x
            x = b.op("Relu", [b.op("Add", [y, shortcut])])
            cin = cout
    out = b.classifier(x, 512)
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])]
    return b.model("resnet18", inputs, out, [1, 1000])


def mobilenet():
    b = Builder(1)
    x = b.relu6(b.bn(b.conv("input", 3, 32, 3, 2), 32))
    cin = 32
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for cout, stride in blocks:
        x = b.relu6(b.bn(b.conv(x, cin, cin, 3, stride, group=cin), cin))
        x = b.relu6(b.bn(b.conv(x, cin, cout, 1), cout))
        cin = cout
    out = b.classifier(x, 1024)
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])]
    return b.model("mobilenet", inputs, out, [1, 1000])


def bert(layers=4, seq=128, hidden=768, heads=12, ffn=3072):
    b = Builder(768)
    dh = hidden // heads
    to_heads = b.const(np.array([1, seq, heads, dh], np.int64), "shape_heads")
    to_hidden = b.const(np.array([1, seq, hidden], np.int64), "shape_hidden")
    scale = b.const(np.float32(1 / np.sqrt(dh)), "scale")
    half, one, rsqrt2 = (b.const(np.float32(v), n) for v, n in [(0.5, "half"), (1.0, "one"), (1 / np.sqrt(2), "rsqrt2")])

    def layer_norm(x):
        gamma = b.const(np.ones(hidden, np.float32), "ln_g")
        beta = b.const(np.zeros(hidden, np.float32), "ln_b")
        return b.op("LayerNormalization", [x, gamma, beta], "ln", axis=-1, epsilon=1e-12)

    x = "embeddings"
    for _ in range(layers):
        q = b.op("Transpose", [b.op("Reshape", [b.dense(x, hidden, hidden, "wq"), to_heads])], "q", perm=[0, 2, 1, 3])
        k = b.op("Transpose", [b.op("Reshape", [b.dense(x, hidden, hidden, "wk"), to_heads])], "kt", perm=[0, 2, 3, 1])
        v = b.op("Transpose", [b.op("Reshape", [b.dense(x, hidden, hidden, "wv"), to_heads])], "v", perm=[0, 2, 1, 3])
        scores = b.op("Mul", [b.op("MatMul", [q, k], "scores"), scale])
        probs = b.op("Softmax", [scores], "probs", axis=-1)
        context = b.op("Transpose", [b.op("MatMul", [probs, v], "context")], perm=[0, 2, 1, 3])
        context = b.op("Reshape", [context, to_hidden])
        x = layer_norm(b.op("Add", [b.dense(context, hidden, hidden, "wo"), x], "residual"))
        h = b.dense(x, hidden, ffn, "w1")
        gelu = b.op("Mul", [b.op("Mul", [h, half]), b.op("Add", [b.op("Erf", [b.op("Mul", [h, rsqrt2])]), one])], "gelu")
        x = layer_norm(b.op("Add", [b.dense(gelu, ffn, hidden, "w2"), x], "residual"))
    inputs = [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, [1, seq, hidden])]
    return b.model(f"bert{layers}", inputs, x, [1, seq, hidden])


def lstm(layers=2, seq=64, batch=1, size=128, hidden=256):
    b = Builder(256)
    x, cin = "x", size
    bound = 1 / np.sqrt(hidden)
    for _ in range(layers):
        w = b.const(b.rng.uniform(-bound, bound, (1, 4 * hidden, cin)).astype(np.float32), "lstm_w")
        r = b.const(b.rng.uniform(-bound, bound, (1, 4 * hidden, hidden)).astype(np.float32), "lstm_r")
        bias = b.const(b.rng.uniform(-bound, bound, (1, 8 * hidden)).astype(np.float32), "lstm_b")
        y = b.op("LSTM", [x, w, r, bias], "lstm_y", hidden_size=hidden)           # [seq, 1, batch, hidden]
        x = b.op("Squeeze", [y, b.const(np.array([1], np.int64), "axis1")], "seq")  # [seq, batch, hidden]
        cin = hidden
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, batch, size])]
    return b.model(f"lstm{layers}", inputs, x, [seq, batch, hidden])


#: Nodes in the add_chain model (suite.py reports its time per node).
ADD_CHAIN_LENGTH = 1000


def add_chain(length=ADD_CHAIN_LENGTH, width=16):
    b = Builder(1000)
    y = "x"
    for _ in range(length):
        y = b.op("Add", [y, b.const((b.rng.standard_normal((1, width)) * 1e-3).astype(np.float32), "c")], "y")
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])]
    return b.model("add_chain", inputs, y, [1, width])


def mlp(batch=1, sizes=(64, 128, 10)):
    b = Builder(64)
    x = "x"
    for index, (cin, cout) in enumerate(zip(sizes, sizes[1:])):
        if index:
            x = b.op("Relu", [x])
        w = (b.rng.standard_normal((cout, cin)) / np.sqrt(cin)).astype(np.float32)
        bias = (b.rng.standard_normal(cout) * 0.02).astype(np.float32)
        x = b.op("Gemm", [x, b.const(w, "fc_w"), b.const(bias, "fc_b")], "fc", transB=1)
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, sizes[0]])]
    return b.model(f"mlp_b{batch}", inputs, x, [batch, sizes[-1]])


def gru(seq=16, batch=1, size=32, hidden=64):
    b = Builder(32)
    bound = 1 / np.sqrt(hidden)
    w = b.const(b.rng.uniform(-bound, bound, (1, 3 * hidden, size)).astype(np.float32), "gru_w")
    r = b.const(b.rng.uniform(-bound, bound, (1, 3 * hidden, hidden)).astype(np.float32), "gru_r")
    bias = b.const(b.rng.uniform(-bound, bound, (1, 6 * hidden)).astype(np.float32), "gru_b")
    y = b.op("GRU", ["x", w, r, bias], "gru_y", hidden_size=hidden)  # [seq, 1, batch, hidden]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, batch, size])]
    return b.model(f"gru_b{batch}", inputs, y, [seq, 1, batch, hidden])


# name -> (builder, version, kind, flops per run or None)
MODELS = {f"gemm{n}": (lambda n=n: gemm(n), 1, "gemm", 2 * n ** 3) for n in GEMM_SIZES}
MODELS.update({
    "resnet18": (resnet18, 1, "cnn", None),
    "mobilenet": (mobilenet, 1, "cnn", None),
    "bert4": (bert, 1, "transformer", None),
    "lstm2": (lstm, 1, "rnn", None),
    # Small models where the engine's per-node and per-run overhead is most of the time (issue 20).
    "add_chain": (add_chain, 1, "engine", None),
    "mlp_b1": (mlp, 1, "engine", None),
    "gru_b1": (gru, 1, "engine", None),
})


def select(only):
    """Model names for a comma-separated filter of names or kinds (gemm, cnn, transformer, rnn,
    engine)."""
    if not only:
        return list(MODELS)
    wanted = {w.strip() for w in only.split(",") if w.strip()}
    return [n for n, (_, _, kind, _) in MODELS.items() if n in wanted or kind in wanted]


def ensure(name, force=False, verify=True, log=print):
    """The path of model `name` in the cache, generating (and verifying) it if needed."""
    builder, version, _, _ = MODELS[name]
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{name}.onnx"
    stamp = CACHE / f"{name}.version"
    if not force and path.exists() and stamp.exists() and stamp.read_text().strip() == str(version):
        return path
    model = builder()
    onnx.save(model, path)
    if verify:
        verify_model(path, log)
    stamp.write_text(str(version))
    return path


def random_inputs(path, seed=0):
    """Inputs the way `plexus bench` makes them: floats standard normal, integers zeros, symbolic
    dimensions 1. Returns {name: array}."""
    model = onnx.load(str(path), load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(seed)
    feeds = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        t = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in t.shape.dim]
        dtype = helper.tensor_dtype_to_np_dtype(t.elem_type)
        if np.issubdtype(dtype, np.floating):
            feeds[value.name] = rng.standard_normal(shape).astype(dtype)
        else:
            feeds[value.name] = np.zeros(shape, dtype)
    return feeds


def verify_model(path, log=print):
    """onnx.checker (full check, with shape inference) and one onnxruntime run."""
    onnx.checker.check_model(str(path), full_check=True)
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, random_inputs(path))
    for out in outputs:
        if not np.all(np.isfinite(out)):
            raise RuntimeError(f"{path.name}: onnxruntime output has non-finite values")
    size = path.stat().st_size / 1e6
    log(f"  {path.name:16} {size:7.1f} MB  checker ok, onnxruntime ok: output "
        f"{'x'.join(map(str, outputs[0].shape))}, |max| {np.abs(outputs[0]).max():.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated model names or kinds (gemm, cnn, transformer, rnn, engine)")
    parser.add_argument("--force", action="store_true", help="regenerate even when cached")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args()
    for name in select(args.only):
        path = ensure(name, force=args.force, verify=not args.no_verify)
        print(f"{name:12} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
