"""``InferenceSession`` with onnxruntime's Python API over ``plx_session_*``.

``import plexus as ort`` runs typical onnxruntime scripts unchanged: ``InferenceSession(path or
bytes, sess_options, providers)``, ``get_inputs()``/``get_outputs()`` (``.name``, ``.shape`` with
str for symbolic dims and None for unknown ones, ``.type`` like ``'tensor(float)'``),
``run(output_names or None, {name: array})`` returning numpy arrays, ``SessionOptions``,
``GraphOptimizationLevel``, ``get_available_providers()``.

Inputs are fed without copying when they are C-contiguous numpy arrays; outputs come back as
numpy arrays over the result memory (an output that would alias an input is copied, as
onnxruntime always copies). One session may be run from several threads at once; ctypes
releases the GIL during the run. ``close()`` (or ``with``) releases the model early.
"""
import ctypes
import enum
import os
import warnings

import numpy as np

from . import _dtypes, _validate
from ._errors import InvalidArgumentError, NotFoundError
from ._files import read_regular_file
from ._handle import HandleGuard
from ._lib import (OPTIMIZE_ELIMINATE_IDENTITIES, OPTIMIZE_FOLD_BATCHNORM, OPTIMIZE_FUSE_ACTIVATIONS, OPTIMIZE_FUSE_RESIDUALS,
                   OPTIMIZE_BACKEND_REWRITES, OPTIMIZE_IN_PLACE, OPTIMIZE_PREPACK_WEIGHTS, OPTIMIZE_REUSE_BUFFERS,
                   SessionOptionsStruct, check, lib)
from .tensor import Tensor, from_numpy, tensor

__all__ = ["InferenceSession", "SessionOptions", "RunOptions", "NodeArg", "ModelMetadata", "GraphOptimizationLevel",
           "ExecutionMode", "get_available_providers", "get_all_providers", "get_device"]

CPU_PROVIDER = "CPUExecutionProvider"


class GraphOptimizationLevel(enum.IntEnum):
    """onnxruntime's optimization levels: ``ORT_DISABLE_ALL`` runs the graph as written,
    ``ORT_ENABLE_BASIC`` folds constants, removes Identity/Dropout and folds BatchNormalization
    into Conv, and the higher levels also fuse Conv with its activation."""

    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    """onnxruntime's execution modes; Plexus runs nodes in order (parallelism is intra-op)."""

    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


def get_available_providers():
    """``['CPUExecutionProvider']``: every Plexus backend runs on the CPU."""
    return [CPU_PROVIDER]


def get_all_providers():
    """The providers this build knows (the same as the available ones)."""
    return get_available_providers()


def get_device():
    """``'CPU'``, as onnxruntime's CPU build reports."""
    return "CPU"


class SessionOptions:
    """Options for :class:`InferenceSession`, with onnxruntime's attribute names.

    Used by Plexus: ``intra_op_num_threads`` (0 = the process setting), ``graph_optimization_level``
    (``ORT_DISABLE_ALL`` turns constant folding, every graph rewrite and filter packing off, ``ORT_ENABLE_BASIC``
    keeps folding, Identity/Dropout removal and Conv+BatchNormalization folding but not the
    activation and residual fusions nor other backend rewrites), ``enable_cpu_mem_arena`` (False: intermediate buffers are
    not kept for reuse, which also stops in-place ops), ``enable_mem_pattern`` (False: kernels
    that declare in-place inputs do not write into a dying input) and ``backend_order`` (Plexus-specific, e.g.
    ``"openblas,cpu"``), and onnxruntime's config entry ``session.disable_prepacking`` (``"1"``:
    constant Conv filters and MatMul weights are not packed for the GEMM kernel at session
    creation), and the memory caps ``max_allocation_bytes`` (one allocation while the session
    loads or runs; 0 = the process cap of ``plexus.set_max_allocation_bytes``) and
    ``max_arena_bytes`` (all memory the session holds at once; 0 = no cap), both Plexus-specific:
    a model that needs more raises OutOfMemoryError instead of exhausting the machine. Accepted for
    compatibility, with no effect on how Plexus runs: ``inter_op_num_threads``, ``execution_mode``,
    ``log_severity_level``, ``log_verbosity_level``, ``logid``, ``enable_profiling``,
    ``optimized_model_filepath`` and other config entries. Unknown attributes raise AttributeError.
    """

    __slots__ = ("intra_op_num_threads", "inter_op_num_threads", "graph_optimization_level", "execution_mode",
                 "log_severity_level", "log_verbosity_level", "logid", "enable_cpu_mem_arena", "enable_mem_pattern",
                 "enable_profiling", "optimized_model_filepath", "backend_order", "max_allocation_bytes",
                 "max_arena_bytes", "_config")

    def __init__(self):
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.log_severity_level = -1
        self.log_verbosity_level = 0
        self.logid = ""
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self.enable_profiling = False
        self.optimized_model_filepath = ""
        self.backend_order = None
        self.max_allocation_bytes = 0
        self.max_arena_bytes = 0
        self._config = {}

    def add_session_config_entry(self, key, value):
        """Stores an onnxruntime config entry (kept for get_session_config_entry)."""
        self._config[str(key)] = str(value)

    def get_session_config_entry(self, key):
        """A stored config entry; NotFoundError when absent."""
        try:
            return self._config[key]
        except KeyError:
            raise NotFoundError(f"no session config entry '{key}'") from None

    def _struct(self):
        threads = _validate.integer(self.intra_op_num_threads, "intra_op_num_threads", minimum=0, bits=32)
        order = self.backend_order
        if order is not None and not isinstance(order, str):
            order = ",".join(order)
        options = SessionOptionsStruct()
        options.struct_size = ctypes.sizeof(SessionOptionsStruct)
        options.intra_op_num_threads = threads
        options.backend_order = _validate.name(order, "backend_order") if order else None
        options.max_allocation_bytes = _validate.integer(self.max_allocation_bytes, "max_allocation_bytes", minimum=0)
        options.max_arena_bytes = _validate.integer(self.max_arena_bytes, "max_arena_bytes", minimum=0)
        level = int(self.graph_optimization_level)
        options.disable_constant_folding = int(level == GraphOptimizationLevel.ORT_DISABLE_ALL)
        # As in onnxruntime: basic keeps folding and removes redundant nodes, fusions come with extended.
        if level == GraphOptimizationLevel.ORT_DISABLE_ALL:
            options.disabled_optimizations = (OPTIMIZE_ELIMINATE_IDENTITIES | OPTIMIZE_FOLD_BATCHNORM | OPTIMIZE_FUSE_ACTIVATIONS
                                              | OPTIMIZE_FUSE_RESIDUALS | OPTIMIZE_PREPACK_WEIGHTS | OPTIMIZE_BACKEND_REWRITES)
        elif level == GraphOptimizationLevel.ORT_ENABLE_BASIC:
            options.disabled_optimizations = OPTIMIZE_FUSE_ACTIVATIONS | OPTIMIZE_FUSE_RESIDUALS | OPTIMIZE_BACKEND_REWRITES
        if not self.enable_cpu_mem_arena:
            options.disabled_optimizations |= OPTIMIZE_REUSE_BUFFERS | OPTIMIZE_IN_PLACE
        if not self.enable_mem_pattern:
            options.disabled_optimizations |= OPTIMIZE_IN_PLACE
        if self._config.get("session.disable_prepacking") == "1":
            options.disabled_optimizations |= OPTIMIZE_PREPACK_WEIGHTS
        return options


class RunOptions:
    """onnxruntime's per-run options, accepted for compatibility. Plexus has no per-run
    settings: the tags and levels are stored but do not change the run."""

    __slots__ = ("log_severity_level", "log_verbosity_level", "logid", "terminate", "only_execute_path_to_fetches")

    def __init__(self):
        self.log_severity_level = -1
        self.log_verbosity_level = 0
        self.logid = ""
        self.terminate = False
        self.only_execute_path_to_fetches = False


class NodeArg:
    """A model input or output: ``name``, ``type`` (``'tensor(float)'``) and ``shape`` (a list
    of ints, str for symbolic dims and None for unknown ones; None for an unknown rank)."""

    __slots__ = ("name", "type", "shape")

    def __init__(self, name, type_name, shape):
        self.name = name
        self.type = type_name
        self.shape = shape

    def __repr__(self):
        return f"NodeArg(name={self.name!r}, type={self.type!r}, shape={self.shape!r})"


class ModelMetadata:
    """Model-level metadata of an ONNX file, as ``get_modelmeta()`` returns in onnxruntime."""

    __slots__ = ("producer_name", "graph_name", "domain", "description", "graph_description", "version",
                 "custom_metadata_map")

    def __init__(self, fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name, {} if name == "custom_metadata_map" else ""))


def _check_providers(providers, provider_options):
    names = []
    for entry in providers or []:
        names.append(entry[0] if isinstance(entry, (tuple, list)) else entry)
    for name in names:
        if name != CPU_PROVIDER:
            warnings.warn(f"Specified provider '{name}' is not in available provider names."
                          f"Available providers: '{CPU_PROVIDER}'", UserWarning, stacklevel=3)
    return [CPU_PROVIDER]


class InferenceSession:
    """An ONNX model loaded and planned for inference (onnxruntime's API).

    ``path_or_bytes`` is a file path (external data is read relative to it) or the serialized
    model. ``providers`` other than ``CPUExecutionProvider`` warn and fall back to it, as in
    onnxruntime. Raises PlexusIOError (unreadable file), InvalidArgumentError (not a model),
    NotFoundError (ops no loaded plugin provides; the message lists them all).
    """

    def __init__(self, path_or_bytes, sess_options=None, providers=None, provider_options=None, **kwargs):
        options = sess_options if sess_options is not None else SessionOptions()
        self._sess_options = options
        self._providers = _check_providers(providers, provider_options)
        struct = options._struct()
        handle = ctypes.c_void_p()
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            data = bytes(path_or_bytes)
            self._model_path = None
            self._model_bytes = data
            check(lib.plx_session_create_from_memory(data, len(data), ctypes.byref(struct), ctypes.byref(handle)))
        elif isinstance(path_or_bytes, (str, os.PathLike)):
            self._model_path = os.fspath(path_or_bytes)
            self._model_bytes = None
            encoded = _validate.name(self._model_path, "the model path")
            check(lib.plx_session_create(encoded, ctypes.byref(struct), ctypes.byref(handle)))
        else:
            raise InvalidArgumentError(f"InferenceSession expects a path or bytes, got {type(path_or_bytes).__name__}")
        self._guard = HandleGuard(handle.value, lib.plx_session_release, "InferenceSession")
        with self._guard.use() as raw:
            self._inputs = self._describe(raw, 0, lib.plx_session_input_count(raw))
            self._outputs = self._describe(raw, 1, lib.plx_session_output_count(raw))
        self._output_names = [arg.name for arg in self._outputs]

    @staticmethod
    def _describe(raw, is_output, count):
        args = []
        for index in range(count):
            name_of = lib.plx_session_output_name if is_output else lib.plx_session_input_name
            dtype_of = lib.plx_session_output_dtype if is_output else lib.plx_session_input_dtype
            name = name_of(raw, index).decode()
            code = dtype_of(raw, index)
            type_name = f"tensor({_dtypes.from_code(code).onnx_name})" if code else "tensor(undefined)"
            rank = ctypes.c_size_t()
            dims = (ctypes.c_int64 * 64)()
            check(lib.plx_session_shape(raw, is_output, index, dims, 64, ctypes.byref(rank)))
            if rank.value == ctypes.c_size_t(-1).value:
                shape = None
            else:
                shape = []
                for dim in range(rank.value):
                    if dim < 64 and dims[dim] >= 0:
                        shape.append(int(dims[dim]))
                    else:
                        symbol = lib.plx_session_dim_name(raw, is_output, index, dim)
                        shape.append(symbol.decode() if symbol else None)
            args.append(NodeArg(name, type_name, shape))
        return args

    # -- onnxruntime API ----------------------------------------------------------------------
    def get_inputs(self):
        """The model's inputs as :class:`NodeArg` objects."""
        self._guard.peek()
        return list(self._inputs)

    def get_outputs(self):
        """The model's outputs as :class:`NodeArg` objects."""
        self._guard.peek()
        return list(self._outputs)

    def get_overridable_initializers(self):
        """Initializers that may be fed as inputs; Plexus lists them among get_inputs() when the
        model declares them as graph inputs, so this is empty."""
        return []

    def get_providers(self):
        """``['CPUExecutionProvider']``."""
        return list(self._providers)

    def get_provider_options(self):
        """Options per provider (none for the CPU provider)."""
        return {name: {} for name in self._providers}

    def get_session_options(self):
        """The SessionOptions this session was created with."""
        return self._sess_options

    def set_providers(self, providers=None, provider_options=None):
        """Re-selects providers; only the CPU provider exists, so this just validates."""
        self._providers = _check_providers(providers, provider_options)

    def get_modelmeta(self):
        """Producer, graph name, domain, description, version and custom metadata of the model."""
        from .onnx._model import model_metadata

        if self._model_bytes is not None:
            data = self._model_bytes
        else:
            data = read_regular_file(self._model_path)
        return ModelMetadata(model_metadata(data))

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model on ``input_feed`` ({name: array-like}) and returns the outputs named
        in ``output_names`` (None: all, in model order) as a list of numpy arrays.

        Raises ValueError-compatible errors for missing inputs, NotFoundError for unknown
        names, DTypeMismatchError / ShapeMismatchError for wrong inputs.
        """
        if not isinstance(input_feed, dict):
            raise InvalidArgumentError(f"input_feed must be a dict of name -> array, got {type(input_feed).__name__}")
        names = list(input_feed)
        encoded_inputs = [_validate.name(n, "an input_feed key (an input name)") for n in names]
        if output_names is not None and isinstance(output_names, (str, bytes)):
            raise TypeError(f"output_names must be a list of names or None, got the string {output_names!r}")
        declared = {arg.name: arg.type for arg in self._inputs}
        arrays, tensors = [], []
        for name in names:
            value = input_feed[name]
            if value is None:
                raise InvalidArgumentError(f"input '{name}' is None")
            if isinstance(value, Tensor):
                tensors.append(value)
                continue
            if isinstance(value, np.ndarray):
                array = value
            else:  # lists and scalars take the declared element type
                kind = declared.get(name)
                target = _dtypes.dtype(kind).numpy if kind and kind != "tensor(undefined)" else None
                array = np.asarray(value, dtype=target)
            arrays.append(array)
            tensors.append(from_numpy(array) if array.dtype.kind not in "OUS" else tensor(array))
        wanted = list(output_names) if output_names else list(self._output_names)
        encoded_outputs = [_validate.name(n, "an output name") for n in wanted]
        results = (ctypes.c_void_p * max(len(wanted), 1))()
        input_names = (ctypes.c_char_p * max(len(names), 1))(*encoded_inputs)
        handles = (ctypes.c_void_p * max(len(tensors), 1))(*[t._ptr() for t in tensors])
        output_array = (ctypes.c_char_p * max(len(wanted), 1))(*encoded_outputs)
        with self._guard.use() as raw:
            check(lib.plx_session_run(raw, input_names, handles, len(names), output_array, results, len(wanted)))
        outputs = [Tensor._adopt(results[i]) for i in range(len(wanted))]
        return [self._to_numpy(output, arrays) for output in outputs]

    @staticmethod
    def _to_numpy(output, arrays):
        view = output.numpy()
        if view.dtype.kind == "O" or not view.size:
            return view
        for array in arrays:
            if array.size and np.shares_memory(view, array):
                return view.copy()
        return view

    # -- Plexus additions ---------------------------------------------------------------------
    def close(self):
        """Releases the model now; later calls raise ClosedError. Running calls finish first."""
        self._guard.close()

    @property
    def closed(self):
        """True after close()."""
        return self._guard.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        guard = getattr(self, "_guard", None)
        if guard is not None:
            try:
                guard.close()
            except Exception:  # noqa: BLE001 - interpreter shutdown
                pass

    def to_module(self, trainable=None, frozen=None):
        """A trainable :class:`plexus.nn.Layer` running this model's graph (fine-tuning an
        imported model): float initializers become parameters (``.`` in names becomes ``_``),
        except ``frozen`` ones; with ``trainable`` only those are parameters."""
        from ._attrs import attributes
        from .nn.modules.layer import Layer

        options = {}
        if trainable is not None:
            options["trainable"] = list(trainable)
        if frozen is not None:
            options["frozen"] = list(frozen)
        handle = ctypes.c_void_p()
        with self._guard.use() as raw, attributes(options) as attrs:
            check(lib.plx_session_to_layer(raw, attrs, ctypes.byref(handle)))
        return Layer._from_handle(handle.value, "Graph", num_outputs=len(self._outputs))
