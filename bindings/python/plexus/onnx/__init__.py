"""``plexus.onnx.export``: writes a model as an ONNX file, like ``torch.onnx.export``.

A plugin layer, or a ``Sequential`` of them, is exported by ``plx_onnx_export`` directly (its
forward traced in C). Any other module — a Python ``Module`` whose forward mixes layers and
tensor ops — is traced in Python (see ``plexus.onnx._trace``): same node names for the same ops,
initializers named by the module's state-dict names.

``dynamic_axes`` may only name axis 0 (the batch) of inputs and outputs; then dim 0 of every
input and output becomes symbolic (``plx_onnx_export``'s ``dynamic_batch``), named as given
(default "batch").
"""
import ctypes
import io
import os
import tempfile

from .._attrs import attributes
from .._errors import InvalidArgumentError, UnsupportedError
from .._lib import check, lib
from .._ops import set_tracer
from ..tensor import Tensor, tensor
from . import _model
from . import _proto as pb
from ._trace import Tracer

__all__ = ["export"]


def _inputs(args):
    if isinstance(args, (tuple, list)):
        values = list(args)
    else:
        values = [args]
    return [value if isinstance(value, Tensor) else tensor(value) for value in values]


def _flatten_outputs(result):
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        flat = []
        for item in result:
            if item is not None:
                flat += _flatten_outputs(item)
        return flat
    raise InvalidArgumentError(f"forward returned {type(result).__name__}; export needs Tensors (or tuples of them)")


def _batch_names(dynamic_axes, dynamic_batch):
    """({value name: dim name}, default dim name or None) from torch-style dynamic_axes."""
    if not dynamic_axes:
        return {}, ("batch" if dynamic_batch else None)
    names = {}
    for value, axes in dynamic_axes.items():
        mapping = dict(axes) if isinstance(axes, dict) else {axis: "batch" for axis in axes}
        if set(mapping) != {0}:
            raise UnsupportedError(f"dynamic_axes for '{value}': only axis 0 (the batch) can be dynamic, got {sorted(mapping)}")
        names[value] = mapping[0]
    return names, "batch"


def _c_layer(model):
    """An owned plx_layer * for models backed by C layers, else None."""
    from ..nn.modules.container import Sequential
    from ..nn.modules.layer import Layer, sequential_handle

    if isinstance(model, Layer):
        handle = model.handle
        lib.plx_layer_retain(handle)
        return handle
    if isinstance(model, Sequential) and type(model) is Sequential:
        try:
            return sequential_handle(model.children())
        except LookupError:
            return None
    return None


def _export_c(handle, inputs, path, opset, input_names, output_names, dynamic):
    options = {"opset": opset, "dynamic_batch": int(dynamic)}
    if input_names:
        options["input_names"] = list(input_names)
    if output_names:
        options["output_names"] = list(output_names)
    handles = (ctypes.c_void_p * max(len(inputs), 1))(*[t._ptr() for t in inputs])
    with attributes(options) as attrs:
        check(lib.plx_onnx_export(handle, handles, len(inputs), path.encode(), attrs))
    with open(path, "rb") as stream:
        return stream.read()


def _export_python(model, inputs, opset, input_names, output_names, dynamic, batch_names):
    module_names = {id(module): name for name, module in model.named_modules()}
    state_names = {p._ptr(): name for name, p in model.named_parameters()}
    state_names.update({b._ptr(): name for name, b in model.named_buffers()})
    tracer = Tracer(opset, dynamic, module_names, state_names)
    names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    if len(names) != len(inputs):
        raise InvalidArgumentError(f"{len(names)} input names for {len(inputs)} inputs")
    traced_inputs = [tensor(t.numpy(), dtype=t.dtype) for t in inputs]
    for value, name in zip(traced_inputs, names):
        tracer.name_input(value, name)
    from .._grad import no_grad

    previous = set_tracer(tracer)
    try:
        with no_grad():
            outputs = _flatten_outputs(model(*traced_inputs))
    finally:
        set_tracer(previous)
    out_names = list(output_names or [f"output_{i}" for i in range(len(outputs))])
    if len(out_names) != len(outputs):
        raise InvalidArgumentError(f"{len(out_names)} output names for {len(outputs)} outputs")
    produced = {o for node in tracer.nodes for o in node.outputs}
    final = {}
    for output, name in zip(outputs, out_names):
        source = tracer.value(output)
        if source in produced and source not in final:
            final[source] = name
        else:
            tracer.nodes.append(_model.Node("Identity", "", [source], [name], f"Identity_{name}", []))

    def rename(value):
        return final.get(value, value)

    def info(value, name):
        dims = list(value.shape)
        if dynamic and dims:
            dims[0] = batch_names.get(name, "batch")
        return _model.encode_value_info(name, value.dtype.code, dims)

    graph = _model.encode_graph("plexus", tracer.nodes, list(tracer.initializers.values()),
                                [info(v, n) for v, n in zip(inputs, names)],
                                [info(v, n) for v, n in zip(outputs, out_names)], rename)
    ir_version = _model.IR_VERSIONS.get(opset, 8)
    return _model.encode_model(graph, tracer.opsets, ir_version, lib.plx_version().decode())


def _rename_batch_dims(data, batch_names):
    """Sets the symbolic dim 0 names of graph inputs/outputs listed in ``batch_names``."""
    model = pb.parse(data)
    out = b""
    for number, wire, value in model:
        if number != 7:
            out += _model._reencode(number, wire, value)
            continue
        graph = b""
        for g_number, g_wire, g_value in pb.parse(value):
            if g_number in (11, 12):
                g_value = _set_dim0(g_value, batch_names)
            graph += _model._reencode(g_number, g_wire, g_value)
        out += pb.field_bytes(7, graph)
    return out


def _set_dim0(info, batch_names):
    fields = pb.parse(info)
    name = pb.string(pb.first(fields, 1))
    if name not in batch_names:
        return info
    type_fields = pb.parse(pb.first(fields, 2, b""))
    tensor_fields = pb.parse(pb.first(type_fields, 1, b""))
    shape_fields = pb.parse(pb.first(tensor_fields, 2, b""))
    dims = pb.all_of(shape_fields, 1)
    if not dims:
        return info
    dims[0] = pb.field_string(2, batch_names[name])
    shape = b"".join(pb.field_bytes(1, d) for d in dims)
    tensor_type = b"".join(_model._reencode(n, w, v) for n, w, v in tensor_fields if n != 2) + pb.field_bytes(2, shape)
    type_proto = b"".join(_model._reencode(n, w, v) for n, w, v in type_fields if n != 1) + pb.field_bytes(1, tensor_type)
    return b"".join(_model._reencode(n, w, v) for n, w, v in fields if n != 2) + pb.field_bytes(2, type_proto)


def export(model, args, f, input_names=None, output_names=None, opset_version=None, dynamic_axes=None,
           dynamic_batch=False, export_params=True, do_constant_folding=True, verbose=False, training=None):
    """Writes ``model`` traced on the example inputs ``args`` (a Tensor/array or a tuple of them)
    as ONNX to ``f`` (a path or a binary file object). ``opset_version`` is 13–23 (default 17);
    ``input_names``/``output_names`` name the graph's values (default input_N / output_N);
    ``dynamic_axes`` (axis 0 only) or ``dynamic_batch=True`` make the batch dim symbolic. The
    model is traced in evaluation mode and its mode restored afterwards. ``export_params``,
    ``do_constant_folding``, ``verbose`` and ``training`` are accepted for torch compatibility
    (parameters are always written; exports are always inference graphs).
    """
    from ..nn.modules.module import Module

    if not isinstance(model, Module):
        raise InvalidArgumentError(f"export expects a plexus.nn.Module, got {type(model).__name__}")
    if not export_params:
        raise UnsupportedError("export_params=False is not supported: parameters are always written as initializers")
    opset = int(opset_version or 17)
    inputs = _inputs(args)
    batch_names, default_batch = _batch_names(dynamic_axes, dynamic_batch)
    dynamic = default_batch is not None
    was_training = model.training
    model.eval()
    try:
        handle = _c_layer(model)
        if handle is not None:
            try:
                with tempfile.TemporaryDirectory(prefix="plexus-export-") as folder:
                    data = _export_c(handle, inputs, os.path.join(folder, "model.onnx"), opset, input_names, output_names,
                                     dynamic)
            finally:
                lib.plx_layer_release(handle)
            if any(name != "batch" for name in batch_names.values()):
                data = _rename_batch_dims(data, batch_names)
        else:
            data = _export_python(model, inputs, opset, input_names, output_names, dynamic, batch_names)
    finally:
        model.train(was_training)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as stream:
            stream.write(data)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(data)
    else:
        raise InvalidArgumentError(f"f must be a path or a binary file object, got {type(f).__name__}")
    return None
