"""Runs one-node ONNX models on hostile values (NaN, ±inf, huge, negative, int64 extremes, empty)
in child processes, so that a trap kills a child and not pytest, and reports each case's outcome.

A case feeds its values either as run-time inputs or as initializers (then constant folding at
session creation meets them). `outcomes(cases)` runs a batch in one child; when the child dies
mid-batch, the case it was running is recorded as a crash and the rest continue in a new child.
"""
import os
import pathlib
import pickle
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = pathlib.Path(__file__).resolve().parent

INT64_MIN, INT64_MAX = np.iinfo(np.int64).min, np.iinfo(np.int64).max


class Case:
    """One node `op` on named `inputs` (name → array, or None for an omitted optional input),
    with `attrs`. `expect` is "error" (a clean error naming the op), "ort" (onnxruntime's result,
    NaN where it has NaN), "any" (no crash: an error or any result), or a function of the input
    arrays returning the expected outputs (numpy's answer)."""

    def __init__(self, id, op, inputs, attrs=None, expect="error", opset=None, outputs=1, domain=""):
        self.id, self.op, self.inputs, self.attrs = id, op, inputs, attrs or {}
        self.expect, self.opset, self.outputs, self.domain = expect, opset, outputs, domain

    def model(self, constant):
        """The serialized model; with `constant` every input is an initializer."""
        names = [name if value is not None else "" for name, value in self.inputs]
        node = helper.make_node(self.op, names, [f"y{i}" for i in range(self.outputs)], domain=self.domain, **self.attrs)
        present = [(name, value) for name, value in self.inputs if value is not None]
        if constant:
            graph_inputs, initializers = [], [numpy_helper.from_array(np.asarray(value), name) for name, value in present]
        else:
            graph_inputs = [helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.asarray(value).dtype), np.shape(value))
                            for name, value in present]
            initializers = []
        outputs = [onnx.ValueInfoProto(name=f"y{i}") for i in range(self.outputs)]
        graph = helper.make_graph([node], self.id, graph_inputs, outputs, initializer=initializers)
        opsets = [helper.make_opsetid("", self.opset or 22)]
        if self.domain:
            opsets.append(helper.make_opsetid(self.domain, 1))
        model = helper.make_model(graph, opset_imports=opsets)
        model.ir_version = 10
        return model.SerializeToString()

    def feeds(self, constant):
        return {} if constant else {name: np.asarray(value) for name, value in self.inputs if value is not None}


def _child(cases_path, results_path):
    """Runs the pickled [(key, model, feeds)] and appends (key, outcome) records to results_path."""
    sys.path.insert(0, str(HERE))
    import plexus_c
    with open(cases_path, "rb") as stream:
        cases = pickle.load(stream)
    with open(results_path, "ab") as out:
        for key, model, feeds in cases:
            try:
                session = plexus_c.Session(model)
                outcome = ("ok", session.run(feeds))
            except plexus_c.PlexusError as error:
                outcome = ("error", error.status, str(error))
            pickle.dump((key, outcome), out)
            out.flush()


def outcomes(jobs, timeout=600):
    """jobs: {key: (model bytes, feeds)} → {key: ("ok", arrays) | ("error", status, message) |
    ("crash", returncode, stderr)}."""
    results, pending = {}, list(jobs)
    with tempfile.TemporaryDirectory() as directory:
        cases_path, results_path = os.path.join(directory, "cases.pkl"), os.path.join(directory, "results.pkl")
        while pending:
            with open(cases_path, "wb") as stream:
                pickle.dump([(key, *jobs[key]) for key in pending], stream)
            if os.path.exists(results_path):
                os.remove(results_path)
            try:
                # A 1 GiB cap on one allocation keeps a hostile size from taking the machine's memory.
                child = subprocess.run([sys.executable, __file__, cases_path, results_path], capture_output=True, text=True,
                                       timeout=timeout, cwd=HERE, env={**os.environ, "PLEXUS_MAX_ALLOCATION_BYTES": str(1 << 30)})
                returncode, stderr = child.returncode, child.stderr
            except subprocess.TimeoutExpired:
                returncode, stderr = "timeout", "the child hung"
            done = []
            if os.path.exists(results_path):
                with open(results_path, "rb") as stream:
                    while True:
                        try:
                            done.append(pickle.load(stream))
                        except EOFError:
                            break
            for key, outcome in done:
                results[key] = outcome
            pending = [key for key in pending if key not in results]
            if pending:  # the child died while running pending[0]
                results[pending[0]] = ("crash", returncode, stderr[:6000])
                pending = pending[1:]
    return results


def reference(case):
    """onnxruntime's outputs for `case` (run-time inputs)."""
    import onnxruntime
    session = onnxruntime.InferenceSession(case.model(False), providers=["CPUExecutionProvider"])
    return session.run(None, case.feeds(False))


def check(case, outcome):
    """Asserts that `outcome` is what `case` expects."""
    assert outcome[0] != "crash", f"{case.id}: the process died ({outcome[1]}):\n{outcome[2]}"
    if case.expect == "any":
        return
    if case.expect == "error":
        assert outcome[0] == "error", f"{case.id}: expected a clear error, got {outcome}"
        assert case.op.lower() in outcome[2].lower(), f"{case.id}: the error does not name {case.op}: {outcome[2]}"
        return
    assert outcome[0] == "ok", f"{case.id}: expected a result, got {outcome}"
    expected = reference(case) if case.expect == "ort" else case.expect(*[v for _, v in case.inputs])
    if not isinstance(expected, (list, tuple)):
        expected = [expected]
    for got, want in zip(outcome[1], expected):
        want = np.asarray(want)
        assert got.shape == want.shape, f"{case.id}: shape {got.shape}, expected {want.shape}"
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=1e-5, atol=1e-6, equal_nan=True,
                                       err_msg=case.id)
        else:
            np.testing.assert_array_equal(got, want, err_msg=case.id)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
