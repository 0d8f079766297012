"""Shared pieces of the hardening suite: case construction, the paths of the build under test,
the ctypes view of libplexus (Tests/python/plexus_c.py plus the few functions it does not
declare) and the outcome records a case returns.

A *case* is a JSON-able dict:

    id      "kind/group/detail", unique and stable for a seed
    kind    the generator module (models, ops, tensors, files, plugins, cli, python)
    group   what is being attacked (a generation family; failures are grouped by it)
    mode    "py"     run(args, dir) in a forked child of the runner (fast path)
            "pyexec" run(args, dir) in a fresh Python (for env-dependent cases: plugin paths)
            "argv"   a command line ({plexus}, {python}, {dir} are substituted)
    setup   "module.function" writing the case's files into its folder (deterministic)
    run     "module.function" executing the case in the child (py / pyexec)
    args    JSON-able arguments of setup and run
    expect  "error": only a clean refusal is right (acceptance is WRONG); "any": either
    ref     "ort": compare with onnxruntime on the same model and feeds
    env     extra environment for the child
"""
import ctypes
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SUITE = HERE.parent
ROOT = SUITE.parents[1]
BUILD = pathlib.Path(os.environ.get("PLEXUS_BUILD", str(ROOT / ".build" / "release")))
PLEXUS = BUILD / "plexus"
LIBRARY = BUILD / "libplexus.so"
PYTHON = sys.executable

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


def case(kind, group, detail, run=None, setup=None, args=None, mode="py", expect="any", ref=None, argv=None,
         env=None):
    """One case dict (see the module docstring)."""
    record = {"id": f"{kind}/{group}/{detail}", "kind": kind, "group": group, "mode": mode, "expect": expect,
              "args": args or {}}
    if run:
        record["run"] = run
    if setup:
        record["setup"] = setup
    if ref:
        record["ref"] = ref
    if argv:
        record["argv"] = argv
    if env:
        record["env"] = env
    return record


_c = None


def c():
    """The plexus_c module (Tests/python/plexus_c.py) with the extra signatures the suite uses;
    imported on first use so that generation never loads libplexus."""
    global _c
    if _c is None:
        sys.path.insert(0, str(ROOT / "Tests" / "python"))
        import plexus_c
        P, PP = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
        extra = {
            "plx_tensor_wrap": (ctypes.c_int32, [ctypes.c_int32, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t, P,
                                                 P, P, PP]),
            "plx_plugin_load": (ctypes.c_int32, [ctypes.c_char_p]),
            "plx_plugin_count": (ctypes.c_size_t, []),
            "plx_session_input_dtype": (ctypes.c_int32, [P, ctypes.c_size_t]),
            "plx_session_shape": (ctypes.c_int32, [P, ctypes.c_int32, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int64),
                                                   ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
            "plx_tensor_detach": (ctypes.c_int32, [P, PP]),
            "plx_loss": (ctypes.c_int32, [ctypes.c_char_p, P, P, P, PP]),
        }
        for name, (restype, argtypes) in extra.items():
            function = getattr(plexus_c.lib, name)
            function.restype, function.argtypes = restype, argtypes
        _c = plexus_c
    return _c


def python_package():
    """The `plexus` Python package of bindings/python."""
    sys.path.insert(0, str(ROOT / "bindings" / "python"))
    import plexus
    return plexus


def status(code):
    """An outcome from a raw plx_status (reads plx_last_error on failure)."""
    if code == 0:
        return {"outcome": "ok"}
    return {"outcome": "error", "code": int(code), "message": (c().lib.plx_last_error() or b"").decode("utf-8", "replace")}


def ok(outputs=None, **extra):
    """A successful outcome, optionally with output arrays (compared with a reference)."""
    record = {"outcome": "ok", **extra}
    if outputs is not None:
        record["outputs"] = outputs
    return record


def session_inputs(session_handle):
    """[(name, dtype code, shape with unknown dims as None)] of a plx_session."""
    lib = c().lib
    result = []
    for index in range(lib.plx_session_input_count(session_handle)):
        name = lib.plx_session_input_name(session_handle, index).decode()
        dtype = lib.plx_session_input_dtype(session_handle, index)
        dims = (ctypes.c_int64 * 16)()
        rank = ctypes.c_size_t()
        shape = None
        if lib.plx_session_shape(session_handle, 0, index, dims, 16, ctypes.byref(rank)) == 0 and rank.value <= 16:
            shape = [None if dims[d] < 0 else dims[d] for d in range(rank.value)]
        result.append((name, dtype, shape))
    return result
