"""Executes one hardening case inside the current process and returns its outcome record.

The runner calls `execute` in a forked child (mode "py"); run as a script it is the fresh process
of mode "pyexec" and of reproductions:

    .venv/bin/python Tests/hardening/child.py CASE_FOLDER

runs the case described by CASE_FOLDER/case.json on the files in that folder under the suite's
memory cap, writes CASE_FOLDER/result.pkl and prints the outcome as JSON.
"""
import importlib
import json
import os
import pathlib
import pickle
import resource
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: Outputs larger than this are summarised instead of being sent back whole.
MAX_OUTPUT_BYTES = 64 << 20


def limit_memory(gib):
    """Caps the address space of this process (and its children) at `gib` GiB."""
    if gib:
        cap = int(gib * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def function(dotted):
    """cases.<module>.<function> from "module.function"."""
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module("cases." + module), name)


def describe_exception(error):
    """The outcome of a Python exception: Plexus errors carry their plx_status code."""
    status = getattr(error, "status", None)
    frames = traceback.extract_tb(error.__traceback__)
    where = [f"{pathlib.Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-3:]]
    record = {"outcome": "exception", "exc": type(error).__name__,
              "exc_mro": [k.__name__ for k in type(error).__mro__], "message": str(error)[:2000], "where": where}
    if status is not None and type(error).__name__ not in ("OSError",) and isinstance(status, int):
        record["code"] = status
    return record


def shrink(result):
    """Replaces output arrays by a summary when they are too large to send back."""
    outputs = result.get("outputs")
    if outputs:
        import numpy as np
        total = sum(getattr(np.asarray(x), "nbytes", 0) for x in outputs if x is not None)
        if total > MAX_OUTPUT_BYTES:
            result["outputs"] = None
            result["output_summary"] = [(str(np.asarray(x).dtype), list(np.asarray(x).shape)) for x in outputs]
    return result


def execute(case, folder):
    """Runs the case's `run` function; always returns an outcome record."""
    try:
        result = function(case["run"])(case["args"], str(folder))
        if result is None:
            result = {"outcome": "ok"}
    except BaseException as error:  # noqa: B902 - every failure is an outcome, even SystemExit
        result = describe_exception(error)
    try:
        return shrink(result)
    except MemoryError:
        return {"outcome": "exception", "exc": "MemoryError", "message": "while summarising outputs",
                "exc_mro": ["MemoryError"]}


def main():
    folder = pathlib.Path(sys.argv[1])
    case = json.loads((folder / "case.json").read_text())
    limit_memory(float(os.environ.get("PLEXUS_HARDENING_MEMORY_GIB", "4")))
    result = execute(case, folder)
    with open(folder / "result.pkl", "wb") as handle:
        pickle.dump(result, handle)
    printable = {k: v for k, v in result.items() if k != "outputs"}
    print(json.dumps(printable, default=str)[:4000])


if __name__ == "__main__":
    main()
