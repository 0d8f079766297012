"""Runs the ONNX backend node test suite (generated in memory by the pip `onnx` package) through
Plexus sessions and compares outputs the way the ONNX backend test does (exact dtype and shape,
values within rtol 1e-3 / atol 1e-7 unless the case sets its own). Writes a per-op report to
docs/conformance.md. With --check, fails when a case listed in the committed baseline
(Tests/conformance/baseline.txt) no longer passes: the baseline may only grow
(--update-baseline rewrites it from this run).

    .venv/bin/python Tests/conformance/run_conformance.py [--check] [--update-baseline]
"""
import argparse
import collections
import pathlib
import re
import sys
import warnings

import numpy as np
import onnx
import onnx.numpy_helper

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "python"))
from plexus_c import PlexusError, Session  # noqa: E402

warnings.filterwarnings("ignore")


def cases():
    from onnx.backend.test.case.node import collect_testcases
    return [c for c in collect_testcases(None) if c.kind == "node"]


def op_of(case):
    return case.model.graph.node[-1].op_type if case.model.graph.node else "?"


def reason(error):
    """A short category for a failure message."""
    text = str(error)
    if "no loaded plugin provides" in text:
        return "operator not implemented"
    for pattern, label in [(r"has no attribute '(\w+)'", "attribute not supported"),
                           (r"not supported yet", "feature not supported (graphs, sequences, sparse)"),
                           (r"no kernel for input dtypes", "dtype not supported"),
                           (r"element type \d+, which Plexus does not support", "dtype not supported"),
                           (r"requires attribute", "attribute not supported")]:
        if re.search(pattern, text):
            return label
    return "error: " + text.split(":")[-1].strip()[:70]


def as_arrays(values):
    """numpy arrays for scalars and TensorProtos (the Cast cases keep their data as TensorProtos;
    onnx's numpy_helper turns bfloat16, float8, int4, int2 and float4 into ml_dtypes arrays)."""
    result = []
    for x in values:
        if isinstance(x, np.generic):
            x = np.asarray(x)
        elif type(x).__name__ == "TensorProto":
            x = onnx.numpy_helper.to_array(x)
        result.append(x)
    return result


def run_case(case):
    """None when the case passes, else a failure reason."""
    try:
        session = Session(case.model.SerializeToString())
    except PlexusError as error:
        return reason(error)
    rtol = case.rtol if case.rtol is not None else 1e-3
    atol = case.atol if case.atol is not None else 1e-7
    for inputs, expected in case.data_sets:
        inputs, expected = as_arrays(inputs), as_arrays(expected)
        if any(not isinstance(x, np.ndarray) for x in list(inputs) + list(expected)):
            return "sequence or optional values not supported"
        names = [i.name for i in case.model.graph.input][:len(inputs)]
        try:
            outputs = session.run(dict(zip(names, inputs)), [o.name for o in case.model.graph.output][:len(expected)])
        except PlexusError as error:
            return reason(error)
        except KeyError as error:
            return f"dtype not supported by the test helper ({error})"
        for got, want in zip(outputs, expected):
            if got.dtype != want.dtype:
                return f"wrong output dtype ({got.dtype} vs {want.dtype})"
            if got.shape != want.shape:
                return "wrong output shape"
            if want.dtype.kind in "OUS":
                if not np.array_equal(got, want):
                    return "wrong values"
            elif type(want.dtype).__module__.startswith("ml_dtypes") or want.dtype.type.__module__.startswith("ml_dtypes"):
                # numpy cannot compare ml_dtypes directly; bfloat16 gets two ULPs as in ONNX's runner
                tolerance = max(rtol, 2 ** -6) if want.dtype.name == "bfloat16" else rtol
                if not np.allclose(got.astype(np.float32), want.astype(np.float32), rtol=tolerance, atol=atol, equal_nan=True):
                    return "wrong values"
            elif not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
                return "wrong values"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail if a baseline case fails")
    parser.add_argument("--update-baseline", action="store_true")
    args = parser.parse_args()
    results = {}
    ops = {}
    for case in cases():
        ops[case.name] = op_of(case)
        results[case.name] = run_case(case)
    passed = sorted(name for name, failure in results.items() if failure is None)
    total = len(results)
    write_report(results, ops, passed, total)
    baseline_path = HERE / "baseline.txt"
    if args.update_baseline:
        baseline_path.write_text("\n".join(passed) + "\n")
    print(f"conformance: {len(passed)} of {total} node cases pass ({100 * len(passed) / total:.1f}%)")
    if args.check:
        baseline = [line for line in baseline_path.read_text().split("\n") if line]
        regressed = [name for name in baseline if results.get(name, "missing from the suite") is not None]
        for name in regressed:
            print(f"REGRESSION {name}: {results.get(name)}")
        print(f"conformance: {len(baseline) - len(regressed)} passed, {len(regressed)} failed (of the {len(baseline)} baseline cases)")
        sys.exit(1 if regressed else 0)


def write_report(results, ops, passed, total):
    by_op = collections.defaultdict(lambda: [0, 0])
    for name, failure in results.items():
        by_op[ops[name]][1] += 1
        if failure is None:
            by_op[ops[name]][0] += 1
    reasons = collections.Counter(failure for failure in results.values() if failure is not None)
    lines = ["# ONNX backend node test conformance", "",
             "Generated by `Tests/conformance/run_conformance.py` from the node test cases of the pip `onnx`",
             "package; run by the test command. Do not edit by hand.", "",
             f"**{len(passed)} of {total} cases pass ({100 * len(passed) / total:.1f}%).**", "",
             "## Failures by reason", "", "| reason | cases |", "|---|---|"]
    lines += [f"| {r} | {n} |" for r, n in reasons.most_common()]
    lines += ["", "## By operator", "", "| op | passed | cases |", "|---|---|---|"]
    lines += [f"| {op} | {p} | {t} |" for op, (p, t) in sorted(by_op.items())]
    (ROOT / "docs" / "conformance.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
