"""``plexus.onnx.export``: writes a model as an ONNX file, like ``torch.onnx.export``.

Every model goes through the C library's exporter (``plx_onnx_trace_*`` in plexus.h), the one
``plx_onnx_export`` uses: the trace begins on this thread with the example inputs, the module's
parameters and buffers are named by their state-dict names, the forward runs as usual — each op
call it makes, from Python tensor ops or inside plugin layers, is recorded by the C tracer — and
its outputs end the trace. A plugin layer therefore exports to the same bytes from Python as
through ``plx_onnx_export``. Python control flow and numpy computations are frozen at their
traced values (as ``torch.jit.trace`` does).

``dynamic_axes`` may only name axis 0 (the batch) of inputs and outputs; then dim 0 of every
input and output becomes symbolic, named as given (default "batch").
"""
import ctypes
import io
import os

from .._attrs import attributes
from .._errors import InvalidArgumentError, UnsupportedError
from .._lib import check, lib
from .._ops import exporting
from ..tensor import Tensor, tensor

__all__ = ["export"]


def _inputs(args):
    values = list(args) if isinstance(args, (tuple, list)) else [args]
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
    """({value name: dim name}, whether dim 0 is dynamic) from torch-style dynamic_axes."""
    if not dynamic_axes:
        return {}, bool(dynamic_batch)
    names = {}
    for value, axes in dynamic_axes.items():
        mapping = dict(axes) if isinstance(axes, dict) else {axis: "batch" for axis in axes}
        if set(mapping) != {0}:
            raise UnsupportedError(f"dynamic_axes for '{value}': only axis 0 (the batch) can be dynamic, got {sorted(mapping)}")
        names[value] = mapping[0]
    return names, True


def _handles(tensors):
    return (ctypes.c_void_p * max(len(tensors), 1))(*[t._ptr() for t in tensors])


def _trace(model, inputs, options):
    """The serialized model of ``model``'s forward on ``inputs``, traced by the C exporter."""
    from .._grad import no_grad

    # Fresh copies, so an example input that is also a parameter (or passed twice) stays an input.
    traced = [tensor(value.numpy(), dtype=value.dtype) for value in inputs]
    trace = ctypes.c_void_p()
    with attributes(options) as attrs:
        check(lib.plx_onnx_trace_begin(_handles(traced), len(traced), attrs, ctypes.byref(trace)))
    try:
        for name, value in model.named_parameters() + model.named_buffers():
            check(lib.plx_onnx_trace_name(trace, value._ptr(), name.encode()))
        with exporting(), no_grad():
            outputs = _flatten_outputs(model(*traced))
        result = ctypes.c_void_p()
        check(lib.plx_onnx_trace_end(trace, _handles(outputs), len(outputs), ctypes.byref(result)))
        return Tensor._adopt(result.value).numpy().tobytes()
    finally:
        lib.plx_onnx_trace_release(trace)


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
    if not (isinstance(f, (str, os.PathLike)) or isinstance(f, io.IOBase) or hasattr(f, "write")):
        raise InvalidArgumentError(f"f must be a path or a binary file object, got {type(f).__name__}")
    batch_names, dynamic = _batch_names(dynamic_axes, dynamic_batch)
    options = {"opset": int(opset_version or 17), "dynamic_batch": int(dynamic)}
    if input_names:
        options["input_names"] = list(input_names)
    if output_names:
        options["output_names"] = list(output_names)
    if batch_names:
        options["batch_dim_names"] = [f"{value}={dim}" for value, dim in batch_names.items()]
    inputs = _inputs(args)
    was_training = model.training
    model.eval()
    try:
        data = _trace(model, inputs, options)
    finally:
        model.train(was_training)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as stream:
            stream.write(data)
    else:
        f.write(data)
