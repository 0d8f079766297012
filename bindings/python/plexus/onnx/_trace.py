"""Tracing a Python-defined module's forward into an ONNX graph.

While the forward runs, every op call made from Python (``plexus._ops.call``) becomes a node,
and every plugin-layer call is exported on its own with ``plx_onnx_export`` (on the same
tensors) and inlined: its initializers are named ``<module path>.<state-dict name>``, its inner
values ``<module path>/<name>``. Tensors that no recorded node produced become initializers,
named by their state-dict name when they are parameters or buffers. Python control flow and
numpy computations are frozen at their traced values (as ``torch.jit.trace`` does).
"""
import ctypes
import itertools
import os
import tempfile

from .._attrs import attributes
from .._errors import UnsupportedError
from .._lib import check, lib
from . import _model
from . import _proto as pb

__all__ = ["Tracer"]

# ONNX ops newer than opset 13 that Python code may call, with the opset that introduced them.
_SINCE = {"Gelu": 20, "LayerNormalization": 17, "Mish": 18, "GroupNormalization": 18, "CenterCropPad": 18, "Col2Im": 18,
          "AffineGrid": 20, "ImageDecoder": 20, "RMSNormalization": 23, "RotaryEmbedding": 23, "Attention": 23,
          "BitCast": 26, "TensorScatter": 24, "Swish": 24, "SwiGLU": 25, "LinearAttention": 25,
          "CausalConvWithState": 25, "DFT": 17, "STFT": 17, "BlackmanWindow": 17, "HannWindow": 17,
          "HammingWindow": 17, "MelWeightMatrix": 17, "GridSample": 16, "ScatterND": 13}
# Reductions whose axes became an input at opset 18 (ReduceSum already at 13).
_AXES_INPUT_AT_18 = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
                     "ReduceLogSumExp", "ReduceSumSquare"}


class Tracer:
    """Collects nodes and initializers while a module's forward runs on this thread."""

    def __init__(self, opset, dynamic_batch, module_names, state_names):
        self.opset = opset
        self.dynamic_batch = dynamic_batch
        self.module_names = module_names  # id(module) -> dotted path
        self.state_names = state_names  # tensor handle -> state-dict name
        self.names = {}  # tensor handle -> value name
        self.keep = []  # tensors kept alive so their handles stay unique
        self.nodes = []
        self.initializers = {}  # name -> encoded TensorProto
        self.opsets = {"": opset}
        self.graph_inputs = set()
        self.unavailable = {}  # tensor handle -> why it cannot appear in the graph
        self._counter = itertools.count()

    def _fresh(self, base):
        return f"{base}_{next(self._counter)}"

    def name_input(self, tensor, name):
        """Declares ``tensor`` as the graph input ``name``."""
        self.names[tensor._ptr()] = name
        self.keep.append(tensor)
        self.graph_inputs.add(name)

    def value(self, tensor):
        """The graph value of ``tensor``; unknown tensors become initializers."""
        if tensor is None:
            return ""
        handle = tensor._ptr()
        if handle in self.unavailable:
            raise UnsupportedError(self.unavailable[handle])
        if handle in self.names:
            return self.names[handle]
        name = self.state_names.get(handle) or self._fresh("const")
        self.names[handle] = name
        self.keep.append(tensor)
        if name not in self.initializers:
            self.initializers[name] = _model.encode_tensor(name, tensor.numpy(), tensor.dtype.code)
        return name

    def _produce(self, outputs, base):
        names = []
        for output in outputs:
            name = self._fresh(base)
            self.names[output._ptr()] = name
            self.keep.append(output)
            names.append(name)
        return names

    def record_op(self, domain, op_type, inputs, attrs, outputs):
        """Adds the node of one Python-side op call."""
        if not domain:
            since = _SINCE.get(op_type, 13)
            if since > self.opset:
                raise UnsupportedError(f"ONNX {op_type} needs opset {since}; export with opset_version={since} or higher")
        else:
            self.opsets.setdefault(domain, 1)
        inputs = list(inputs)
        attrs = dict(attrs)
        if not domain and op_type in _AXES_INPUT_AT_18 and self.opset < 18 and len(inputs) > 1 and inputs[1] is not None:
            attrs["axes"] = [int(v) for v in inputs[1].numpy().reshape(-1)]
            inputs = inputs[:1]
        input_names = [self.value(t) for t in inputs]
        output_names = self._produce(outputs, op_type.lower())
        encoded = [_model.encode_attribute(name, value) for name, value in attrs.items()]
        self.nodes.append(_model.Node(op_type, domain, input_names, output_names, f"{op_type}_{len(self.nodes)}", encoded))

    def record_layer(self, layer, inputs, outputs):
        """Exports a plugin layer on ``inputs`` and inlines its graph."""
        prefix = self.module_names.get(id(layer)) or self._fresh(layer.type_name.lower())
        input_names = [self.value(t) for t in inputs]
        output_names = self._produce(outputs, f"{prefix}_out")
        placeholders_in = [f"__plexus_in_{i}" for i in range(len(inputs))]
        placeholders_out = [f"__plexus_out_{i}" for i in range(len(outputs))]
        options = {"opset": self.opset, "input_names": placeholders_in, "output_names": placeholders_out,
                   "dynamic_batch": int(self.dynamic_batch)}
        with tempfile.TemporaryDirectory(prefix="plexus-export-") as folder:
            path = os.path.join(folder, "layer.onnx")
            handles = (ctypes.c_void_p * len(inputs))(*[t._ptr() for t in inputs])
            with attributes(options) as attrs:
                check(lib.plx_onnx_export(layer.handle, handles, len(inputs), path.encode(), attrs))
            with open(path, "rb") as handle:
                model = _model.read_model(handle.read())
        graph = model["graph"]
        initializer_names = {_model.tensor_name(t) for t in pb.all_of(graph, 5)}
        fixed = dict(zip(placeholders_in, input_names))
        fixed.update(zip(placeholders_out, output_names))

        def rename(name):
            if name in fixed:
                return fixed[name]
            if name in initializer_names:
                return f"{prefix}.{name}" if prefix else name
            return f"{prefix}/{name}"

        for domain, version in model["opsets"].items():
            self.opsets[domain] = max(self.opsets.get(domain, 0), version)
        for data in pb.all_of(graph, 5):
            renamed = _model.rename_tensor(data, rename)
            self.initializers.setdefault(_model.tensor_name(renamed), renamed)
        produced = set()
        for data in pb.all_of(graph, 1):
            node = _model.parse_node(data, rename)
            node.name = f"{prefix}/{node.name}"
            produced.update(node.outputs)
            self.nodes.append(node)
        declared = [_model.value_info_name(v) for v in pb.all_of(graph, 12)]
        for index, (output, name) in enumerate(zip(outputs, output_names)):
            if index >= len(declared):
                # plx_onnx_export traces the layer's forward as a one-output call.
                self.names.pop(output._ptr(), None)
                self.unavailable[output._ptr()] = (
                    f"output {index} of the {layer.type_name} layer '{prefix}' cannot be exported: plx_onnx_export "
                    f"writes only the outputs a plain forward returns ({len(declared)})")
            elif name not in produced:  # the layer returned an input or a constant unchanged
                self.nodes.append(_model.Node("Identity", "", [rename(declared[index])], [name], f"{prefix}/Identity_{name}", []))
