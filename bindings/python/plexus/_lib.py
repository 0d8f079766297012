"""Finds and loads ``libplexus.so`` and declares the C signatures of ``plexus.h``.

Lookup order (the first that applies wins):

1. ``PLEXUS_LIBRARY``: the path of a ``libplexus.so`` (an error if it does not exist);
2. the library bundled in the package, ``plexus/lib/libplexus.so`` (wheels built by
   ``scripts/build-wheel.sh``);
3. ``.build/release/libplexus.so`` of the repository checkout this package sits in (development).

libplexus discovers plugins in the ``plugins/`` folder beside itself (and ``PLEXUS_PLUGIN_PATH``).
When that finds none, the ``libplexus-*.so`` files beside the library are loaded explicitly, so a
library copied together with its plugins into one folder also works. ``PLEXUS_AUTOLOAD=0``
turns both off.
"""
import ctypes
import os
import pathlib

from ._errors import error_for_status

__all__ = ["lib", "library_path", "check", "last_error", "immortal", "DELETER"]

_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_I32 = ctypes.c_int32
_I64 = ctypes.c_int64
_SIZE = ctypes.c_size_t
_STR = ctypes.c_char_p
_PI64 = ctypes.POINTER(ctypes.c_int64)
_PSTR = ctypes.POINTER(ctypes.c_char_p)

#: The deleter type of ``plx_tensor_wrap``: ``void (*)(void *data, void *ctx)``.
DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class SessionOptionsStruct(ctypes.Structure):
    """``plx_session_options`` of plexus.h."""

    _fields_ = [("struct_size", ctypes.c_uint32), ("intra_op_num_threads", ctypes.c_int32),
                ("backend_order", ctypes.c_char_p), ("disable_constant_folding", ctypes.c_int32),
                ("disabled_optimizations", ctypes.c_uint32), ("max_allocation_bytes", ctypes.c_int64),
                ("max_arena_bytes", ctypes.c_int64)]

# plx_session_options.disabled_optimizations bits (PLX_OPTIMIZE_* in plexus.h).
OPTIMIZE_ELIMINATE_IDENTITIES, OPTIMIZE_FOLD_BATCHNORM, OPTIMIZE_FUSE_ACTIVATIONS, OPTIMIZE_FUSE_RESIDUALS = 1, 2, 4, 8
OPTIMIZE_REUSE_BUFFERS, OPTIMIZE_IN_PLACE, OPTIMIZE_PREPACK_WEIGHTS, OPTIMIZE_BACKEND_REWRITES = 16, 32, 64, 128


_SIGNATURES = {
    "plx_abi_version": (ctypes.c_uint32, []),
    "plx_version": (_STR, []),
    "plx_last_error": (_STR, []),
    "plx_tensor_create": (_I32, [_I32, _PI64, _SIZE, _P, _PP]),
    "plx_tensor_wrap": (_I32, [_I32, _PI64, _SIZE, _P, DELETER, _P, _PP]),
    "plx_tensor_retain": (None, [_P]),
    "plx_tensor_release": (None, [_P]),
    "plx_tensor_dtype": (_I32, [_P]),
    "plx_tensor_rank": (_SIZE, [_P]),
    "plx_tensor_shape": (_PI64, [_P]),
    "plx_tensor_numel": (_I64, [_P]),
    "plx_tensor_data": (_P, [_P]),
    "plx_attrs_create": (_I32, [_PP]),
    "plx_attrs_release": (None, [_P]),
    "plx_attrs_set_int": (_I32, [_P, _STR, _I64]),
    "plx_attrs_set_float": (_I32, [_P, _STR, ctypes.c_double]),
    "plx_attrs_set_ints": (_I32, [_P, _STR, _PI64, _SIZE]),
    "plx_attrs_set_floats": (_I32, [_P, _STR, ctypes.POINTER(ctypes.c_float), _SIZE]),
    "plx_attrs_set_string": (_I32, [_P, _STR, _STR]),
    "plx_attrs_set_strings": (_I32, [_P, _STR, _PSTR, _SIZE]),
    "plx_attrs_set_tensor": (_I32, [_P, _STR, _P]),
    "plx_op_call": (_I32, [_STR, _STR, _PP, _SIZE, _P, _PP, _SIZE]),
    "plx_op_prepare": (_I32, [_STR, _STR, _SIZE, _P, _SIZE, _PP]),
    # _ops calls its own copy of this function without argtypes (cheaper per call).
    "plx_prepared_op_call": (_I32, [_P, _PP, _SIZE, _PP, _SIZE]),
    "plx_prepared_op_retain": (None, [_P]),
    "plx_prepared_op_release": (None, [_P]),
    "plx_plugin_load": (_I32, [_STR]),
    "plx_plugin_count": (_SIZE, []),
    "plx_plugin_name": (_STR, [_SIZE]),
    "plx_plugin_version": (_STR, [_SIZE]),
    "plx_plugin_path": (_STR, [_SIZE]),
    "plx_plugin_op_count": (_I64, [_SIZE]),
    "plx_set_backend_order": (_I32, [_STR]),
    "plx_set_num_threads": (_I32, [_I32]),
    "plx_num_threads": (_I32, []),
    "plx_set_max_allocation_bytes": (_I32, [_I64]),
    "plx_max_allocation_bytes": (_I64, []),
    "plx_tensor_set_requires_grad": (_I32, [_P, _I32]),
    "plx_tensor_requires_grad": (_I32, [_P]),
    "plx_tensor_backward": (_I32, [_P, _P]),
    "plx_tensor_grad": (_P, [_P]),
    "plx_tensor_zero_grad": (None, [_P]),
    "plx_tensor_detach": (_I32, [_P, _PP]),
    "plx_no_grad_begin": (None, []),
    "plx_no_grad_end": (_I32, []),
    "plx_manual_seed": (None, [ctypes.c_uint64]),
    "plx_layer_create": (_I32, [_STR, _P, _PP]),
    "plx_sequential_create": (_I32, [_PP, _SIZE, _PP]),
    "plx_layer_forward": (_I32, [_P, _PP, _SIZE, _PP, _SIZE]),
    "plx_layer_parameter_count": (_SIZE, [_P]),
    "plx_layer_parameters": (_I32, [_P, _PP, _SIZE]),
    "plx_layer_parameter_name": (_STR, [_P, _SIZE]),
    "plx_layer_set_training": (_I32, [_P, _I32]),
    "plx_layer_retain": (None, [_P]),
    "plx_layer_release": (None, [_P]),
    "plx_loss": (_I32, [_STR, _P, _P, _P, _PP]),
    "plx_optimizer_create": (_I32, [_STR, _PP, _SIZE, _P, _PP]),
    "plx_optimizer_step": (_I32, [_P]),
    "plx_optimizer_zero_grad": (None, [_P]),
    "plx_optimizer_set_learning_rate": (_I32, [_P, ctypes.c_double]),
    "plx_optimizer_learning_rate": (ctypes.c_double, [_P]),
    "plx_optimizer_release": (None, [_P]),
    "plx_state_save": (_I32, [_P, _STR]),
    "plx_state_load": (_I32, [_P, _STR]),
    "plx_session_create": (_I32, [_STR, ctypes.POINTER(SessionOptionsStruct), _PP]),
    "plx_session_create_from_memory": (_I32, [_P, _SIZE, ctypes.POINTER(SessionOptionsStruct), _PP]),
    "plx_session_run": (_I32, [_P, _PSTR, _PP, _SIZE, _PSTR, _PP, _SIZE]),
    "plx_session_input_count": (_SIZE, [_P]),
    "plx_session_output_count": (_SIZE, [_P]),
    "plx_session_input_name": (_STR, [_P, _SIZE]),
    "plx_session_output_name": (_STR, [_P, _SIZE]),
    "plx_session_input_dtype": (_I32, [_P, _SIZE]),
    "plx_session_output_dtype": (_I32, [_P, _SIZE]),
    "plx_session_shape": (_I32, [_P, _I32, _SIZE, _PI64, _SIZE, ctypes.POINTER(ctypes.c_size_t)]),
    "plx_session_dim_name": (_STR, [_P, _I32, _SIZE, _SIZE]),
    "plx_session_release": (None, [_P]),
    "plx_onnx_export": (_I32, [_P, _PP, _SIZE, _STR, _P]),
    "plx_onnx_trace_begin": (_I32, [_PP, _SIZE, _P, _PP]),
    "plx_onnx_trace_name": (_I32, [_P, _P, _STR]),
    "plx_onnx_trace_end": (_I32, [_P, _PP, _SIZE, _PP]),
    "plx_onnx_trace_release": (None, [_P]),
    "plx_layer_buffer_count": (_SIZE, [_P]),
    "plx_layer_buffers": (_I32, [_P, _PP, _SIZE]),
    "plx_layer_buffer_name": (_STR, [_P, _SIZE]),
    "plx_layer_type_count": (_SIZE, []),
    "plx_layer_type_name": (_STR, [_SIZE]),
    "plx_session_to_layer": (_I32, [_P, _P, _PP]),
}


def _repository_library():
    """``.build/release/libplexus.so`` of the checkout holding this file, if any."""
    for parent in pathlib.Path(__file__).resolve().parents:
        candidate = parent / ".build" / "release" / "libplexus.so"
        if candidate.is_file():
            return candidate
        if (parent / "Package.swift").is_file():
            return None
    return None


def find_library():
    """The path of the libplexus.so to load, following the documented lookup order."""
    override = os.environ.get("PLEXUS_LIBRARY")
    if override:
        path = pathlib.Path(override)
        if not path.is_file():
            raise ImportError(f"PLEXUS_LIBRARY is set to {override!r}, which is not a file")
        return path.resolve()
    bundled = pathlib.Path(__file__).resolve().parent / "lib" / "libplexus.so"
    if bundled.is_file():
        return bundled
    checkout = _repository_library()
    if checkout is not None:
        return checkout
    raise ImportError("libplexus.so was not found: set PLEXUS_LIBRARY to its path, install a wheel built by "
                      "scripts/build-wheel.sh, or build the repository (./scripts/build.sh)")


def _declare(library):
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes


def _load_sibling_plugins(library, folder):
    """Loads the plugins beside the library when discovery found none."""
    if os.environ.get("PLEXUS_AUTOLOAD") == "0" or library.plx_plugin_count() > 0:
        return
    candidates = sorted(folder.glob("libplexus-*.so")) + sorted((folder / "plugins").glob("*.so"))
    for plugin in candidates:
        library.plx_plugin_load(str(plugin).encode())


library_path = find_library()
lib = ctypes.CDLL(str(library_path))
_declare(lib)
_load_sibling_plugins(lib, library_path.parent)


def immortal(callback):
    """Keeps a ctypes callback alive for the life of the process (C may call it during
    interpreter shutdown, after module globals are gone) and returns it."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(callback))
    return callback


def last_error():
    """``plx_last_error()`` of the calling thread, decoded."""
    message = lib.plx_last_error()
    return message.decode("utf-8", "replace") if message else ""


def check(status):
    """Raises the mapped exception (carrying ``plx_last_error()``) when ``status`` is not PLX_OK."""
    if status != 0:
        raise error_for_status(status, last_error())
