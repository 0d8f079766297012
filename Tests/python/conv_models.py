"""One-Conv ONNX models for the convolution tests: x → Conv(w, b) [→ Add z] [→ activation] → y."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper


def conv_model(shape, filters, kernel, attributes, seed, activation=None, residual=False, feed_filters=False):
    """The model's bytes, with w ~ N(0, 1/fan-in) and b ~ N(0, 1) as initializers drawn from `seed`
    (w also a graph input when `feed_filters`, so a caller may override it); a residual adds the
    graph input z before the activation."""
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((filters, shape[1], *kernel)) / np.sqrt(shape[1] * np.prod(kernel))).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=list(kernel), **attributes)]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))]
    last = "c"
    if residual:
        nodes.append(helper.make_node("Add", [last, "z"], ["s"]))
        inputs.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, None))
        last = "s"
    if activation:
        extra = {"alpha": 0.2} if activation == "LeakyRelu" else {}
        nodes.append(helper.make_node(activation, [last], ["y"], **extra))
        last = "y"
    if feed_filters:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, list(w.shape)))
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info(last, TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
