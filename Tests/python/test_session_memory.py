"""A session's memory optimisations: the arena that reuses intermediate buffers across nodes
and runs (PLX_OPTIMIZE_REUSE_BUFFERS) and elementwise ops writing into an input that dies there
(PLX_OPTIMIZE_IN_PLACE). Results match the unoptimised session and numpy; outputs, fed inputs,
values read later and views are never overwritten; concurrent runs stay independent; and
`plexus bench` reports both, each switchable."""
import threading

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import Session, SessionOptions, bench

RNG = np.random.default_rng(91)
SHAPE = [4, 32, 40]  # 20 KB per value: above the arena's 4 KB floor
MEMORY_OFF = 16 | 32


def model(nodes, outputs, initializers=(), inputs=("x",)):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(name, TensorProto.FLOAT, SHAPE) for name in inputs],
                              [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs], list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def chain():
    """x → Add → Relu → Mul → Sigmoid → Sub → Tanh → Div → y: every step can write in place."""
    c = numpy_helper.from_array(RNG.standard_normal(SHAPE[-1]).astype(np.float32), "c")
    nodes = [helper.make_node("Add", ["x", "c"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Mul", ["c", "r"], ["m"]), helper.make_node("Sigmoid", ["m"], ["s"]),
             helper.make_node("Sub", ["s", "x"], ["d"]), helper.make_node("Tanh", ["d"], ["t"]),
             helper.make_node("Div", ["t", "c"], ["y"])]
    return model(nodes, ["y"], [c]), numpy_helper.to_array(c)


def chain_reference(x, c):
    s = 1 / (1 + np.exp(-(c * np.maximum(x + c, 0))))
    return np.tanh(s - x) / c


def report(model_bytes, tmp_path, *arguments):
    return bench(model_bytes, tmp_path, *arguments, repeats=3, warmup=1)[0]


def test_chain_matches_numpy_with_and_without_the_optimisations():
    model_bytes, c = chain()
    x = RNG.standard_normal(SHAPE).astype(np.float32)
    kept = x.copy()
    for disabled in (0, 16, 32, MEMORY_OFF):
        session = Session(model_bytes, SessionOptions(disabled_optimizations=disabled))
        for _ in range(3):  # later runs take their buffers from the arena
            np.testing.assert_allclose(session.run({"x": x})[0], chain_reference(x, c), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(x, kept)


def test_bench_reports_reuse_and_in_place_and_each_can_be_turned_off(tmp_path):
    model_bytes, _ = chain()
    both = report(model_bytes, tmp_path)
    assert both["in_place_outputs"] >= 5
    no_in_place = report(model_bytes, tmp_path, "--disable", "inplace")
    assert no_in_place["in_place_outputs"] == 0 and no_in_place["reused_buffers"] >= 5
    neither = report(model_bytes, tmp_path, "--disable", "buffers")
    assert neither["in_place_outputs"] == 0 and neither["reused_buffers"] == 0


def test_only_kernels_that_declare_in_place_inputs_write_in_place(tmp_path):
    """Tan and Sign are elementwise, but their cpu kernels declare no in-place input
    (plx_kernel_def.inplace_inputs): their outputs take arena memory of their own, never an input's."""
    nodes = [helper.make_node("Tan", ["x"], ["a"]), helper.make_node("Sign", ["a"], ["b"]),
             helper.make_node("Tan", ["b"], ["c"]), helper.make_node("Sign", ["c"], ["y"])]
    undeclared = report(model(nodes, ["y"]), tmp_path)
    assert undeclared["in_place_outputs"] == 0 and undeclared["reused_buffers"] >= 1
    # x is fed and y returned, so neither is arena memory: only a → b can be in place.
    declared = report(model([helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
                             helper.make_node("Relu", ["b"], ["y"])], ["y"]), tmp_path)
    assert declared["in_place_outputs"] >= 1


def test_outputs_of_earlier_runs_are_never_reused():
    model_bytes, c = chain()
    session = Session(model_bytes)
    inputs = [RNG.standard_normal(SHAPE).astype(np.float32) for _ in range(4)]
    outputs = [session.run({"x": x})[0] for x in inputs]
    for x, y in zip(inputs, outputs):
        np.testing.assert_allclose(y, chain_reference(x, c), rtol=1e-4, atol=1e-4)


def test_a_value_read_later_or_returned_is_not_overwritten():
    """r is a graph output and is read after Relu's consumer; a is read by two nodes."""
    nodes = [helper.make_node("Add", ["x", "x"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Sigmoid", ["r"], ["s"]), helper.make_node("Mul", ["a", "s"], ["y"]),
             helper.make_node("Neg", ["r"], ["n"])]
    session = Session(model(nodes, ["y", "r", "n"]))
    x = RNG.standard_normal(SHAPE).astype(np.float32)
    y, r, n = session.run({"x": x})
    a = x + x
    np.testing.assert_allclose(r, np.maximum(a, 0), rtol=1e-6)
    np.testing.assert_allclose(y, a / (1 + np.exp(-np.maximum(a, 0))), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(n, -np.maximum(a, 0), rtol=1e-6)


def test_a_value_with_a_live_view_is_not_written_in_place():
    """v is a Reshape view sharing a's memory and is read after Mul, where a dies: Mul must not
    write into a (Sigmoid reads through v, so Mul runs after the views exist)."""
    flat = numpy_helper.from_array(np.array([4, 1280], np.int64), "flat")
    full = numpy_helper.from_array(np.array(SHAPE, np.int64), "full")
    nodes = [helper.make_node("Add", ["x", "x"], ["a"]), helper.make_node("Reshape", ["a", "flat"], ["v"]),
             helper.make_node("Reshape", ["v", "full"], ["vq"]), helper.make_node("Sigmoid", ["vq"], ["q"]),
             helper.make_node("Mul", ["a", "q"], ["p"]), helper.make_node("Reshape", ["p", "flat"], ["pv"]),
             helper.make_node("Sub", ["v", "pv"], ["y"])]
    session = Session(model(nodes, ["y"], [flat, full]))
    x = RNG.standard_normal(SHAPE).astype(np.float32)
    a = (x + x).reshape(4, 1280)
    for _ in range(2):
        np.testing.assert_allclose(session.run({"x": x})[0], a - a / (1 + np.exp(-a)), rtol=1e-4, atol=1e-5)


def test_concurrent_runs_of_one_session_stay_independent():
    model_bytes, c = chain()
    session = Session(model_bytes)
    inputs = [RNG.standard_normal(SHAPE).astype(np.float32) for _ in range(4)]
    failures = []

    def worker(x):
        want = chain_reference(x, c)
        for _ in range(25):
            got = session.run({"x": x})[0]
            if not np.allclose(got, want, rtol=1e-4, atol=1e-4):
                failures.append(float(np.abs(got - want).max()))

    threads = [threading.Thread(target=worker, args=(x,)) for x in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


@pytest.mark.parametrize("disabled", [0, MEMORY_OFF])
def test_broadcasting_and_shared_operands(disabled):
    """Add(x, x) reads one value twice (never in place); a broadcast's small operand is not
    the output's size; Pow with a scalar exponent."""
    nodes = [helper.make_node("Add", ["x", "x"], ["a"]), helper.make_node("Mul", ["a", "a"], ["m"]),
             helper.make_node("Relu", ["m"], ["row"]),
             helper.make_node("Add", ["b", "row"], ["s"]), helper.make_node("Pow", ["s", "two"], ["y"])]
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    b = numpy_helper.from_array(RNG.standard_normal([1, 1, 40]).astype(np.float32), "b")
    session = Session(model(nodes, ["y"], [two, b]), SessionOptions(disabled_optimizations=disabled))
    x = RNG.standard_normal(SHAPE).astype(np.float32)
    a = x + x
    want = (numpy_helper.to_array(b) + np.maximum(a * a, 0)) ** 2
    for _ in range(2):
        np.testing.assert_allclose(session.run({"x": x})[0], want, rtol=1e-5, atol=1e-5)


def test_every_in_place_op_matches_onnxruntime_and_the_plain_session():
    """A chain through each op that may write into a dying input, each reading the previous
    value (domains kept valid: Abs before Sqrt and Log, small values before Exp)."""
    import onnxruntime
    unary = ["Abs", "Sqrt", "Log", "Neg", "Exp", "Reciprocal", "Erf", "Gelu", "LeakyRelu", "Elu", "Selu", "Softplus",
             "HardSigmoid", "HardSwish", "Floor", "Ceil", "Round", "Sin", "Cos", "Tanh", "Sigmoid", "Relu"]
    nodes, last = [helper.make_node("Mul", ["x", "x"], ["v0"])], "v0"
    for index, name in enumerate(unary, 1):
        nodes.append(helper.make_node(name, [last], [f"v{index}"]))
        last = f"v{index}"
    ones = numpy_helper.from_array(np.ones(SHAPE, np.float32), "ones")
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    nodes += [helper.make_node("Clip", [last, "", "two"], ["c"]), helper.make_node("Pow", ["c", "two"], ["p"]),
              helper.make_node("Sub", ["ones", "p"], ["d"]), helper.make_node("Div", ["d", "ones"], ["y"])]
    model_bytes = helper.make_model(
        helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [ones, two]),
        opset_imports=[helper.make_opsetid("", 20)]).SerializeToString()
    x = (RNG.standard_normal(SHAPE) * 0.5).astype(np.float32)
    want = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    plain = Session(model_bytes, SessionOptions(disabled_optimizations=MEMORY_OFF)).run({"x": x})[0]
    session = Session(model_bytes)
    for _ in range(2):
        got = session.run({"x": x})[0]
        np.testing.assert_array_equal(got, plain)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_a_run_that_fails_midway_leaves_the_next_runs_correct():
    """A failed run gives its frame back holding whatever it had computed; later runs with the
    same input signature (the same bound plan and frame) still see fresh values."""
    nodes = [helper.make_node("Add", ["x", "x"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Reshape", ["r", "shape"], ["v"]), helper.make_node("Neg", ["v"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE),
                                           helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    session = Session(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    good, bad = np.array([4, 1280], np.int64), np.array([3, 7], np.int64)
    for x in (RNG.standard_normal(SHAPE).astype(np.float32) for _ in range(3)):
        np.testing.assert_allclose(session.run({"x": x, "shape": good})[0], -np.maximum(x + x, 0).reshape(4, 1280), rtol=1e-6)
        with pytest.raises(Exception, match="Reshape"):
            session.run({"x": x, "shape": bad})
