"""The specialised elementwise loops: Add/Sub/Mul/Div over every broadcast layout the inner loop
distinguishes (both contiguous, a scalar on either side, strided) and dtype, and float32 Erf's
rational approximation against math.erf on a dense grid and at the special values."""
import math

import numpy as np
import pytest

from onnx import TensorProto, helper, numpy_helper
from other_process import arrays_in_another_process, check_in_another_process
from plexus_c import Session, op

RNG = np.random.default_rng(4)
LAYOUTS = [((4, 5), (4, 5)), ((4, 5), (5,)), ((4, 5), (1,)), ((1,), (4, 5)), ((4, 1), (4, 5)), ((4, 5), (4, 1)),
           ((3, 1, 5), (1, 4, 1)), ((), (2, 3)), ((2, 3), ())]


@pytest.mark.parametrize("name,reference", [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply), ("Div", np.divide)])
@pytest.mark.parametrize("shapes", LAYOUTS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_arithmetic_matches_numpy_for_every_layout(name, reference, shapes, dtype):
    a, b = (RNG.uniform(1, 9, s).astype(dtype) for s in shapes)
    got = op(name, [a, b])[0].numpy()
    want = (a // b if dtype in (np.int32, np.int64) and name == "Div" else reference(a, b)).astype(dtype)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


OPERATIONS = [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply), ("Div", np.divide)]
# Float32 runs long enough for the vector loops and a tail: both arrays, a vector over rows, a
# scalar on either side, and one 40000-long run that the broadcast walk cuts into 8000-long ones.
LONG_LAYOUTS = [((3, 1000), (3, 1000)), ((3, 1000), (1000,)), ((3, 1000), (1,)), ((1,), (3, 1000)), ((40000,), (40000,))]


def arithmetic_cases():
    """(name, a, b) for every operation and long layout, with infinities, NaNs, signed zeros and
    subnormals among the values, in the vector lanes and in the tail."""
    rng = np.random.default_rng(9)
    special = np.float32([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40, -3e-39])
    cases = []
    for name, _ in OPERATIONS:
        for shapes in LONG_LAYOUTS:
            a, b = (rng.uniform(-9, 9, s).astype(np.float32) for s in shapes)
            for array in (a, b):
                flat = array.reshape(-1)
                flat[: min(len(special), flat.size)] = special[: flat.size]
                if flat.size > len(special):
                    flat[-3:] = special[:3]
            cases.append((name, a, b))
    return cases


def arithmetic_results():
    return [op(name, [a, b])[0].numpy() for name, a, b in arithmetic_cases()]


def check_arithmetic_matches_numpy_bit_for_bit(results):
    references = dict(OPERATIONS)
    with np.errstate(all="ignore"):
        for (name, a, b), got in zip(arithmetic_cases(), results):
            want = references[name](a, b)
            assert got.shape == want.shape and got.dtype == np.float32
            np.testing.assert_array_equal(got.view(np.int32)[~np.isnan(want)], want.view(np.int32)[~np.isnan(want)])
            assert np.isnan(got[np.isnan(want)]).all()


def test_float32_arithmetic_over_long_runs_matches_numpy_bit_for_bit():
    check_arithmetic_matches_numpy_bit_for_bit(arithmetic_results())


@pytest.mark.parametrize("isa", [{"PLEXUS_CPU_ISA": "avx2"}, {"PLEXUS_CPU_PORTABLE": "1"}], ids=["avx2", "portable"])
def test_float32_arithmetic_on_the_other_instruction_sets(isa, tmp_path):
    """plx_cpu_arithmetic's AVX2 lanes and its portable loop give the same bits."""
    check_arithmetic_matches_numpy_bit_for_bit(arrays_in_another_process("test_elementwise_fast_paths", "arithmetic_results()",
                                                                         isa, tmp_path))


def test_float32_arithmetic_in_place_in_a_session():
    """A chain whose Add, Mul, Sub and Div write into their input's buffer (the session's
    in-place plan), over a long run and a broadcast row."""
    x = np.random.default_rng(3).uniform(1, 2, (4, 2000)).astype(np.float32)
    row = np.random.default_rng(4).uniform(1, 2, 2000).astype(np.float32)
    nodes = [helper.make_node("Add", ["x", "x"], ["s"]), helper.make_node("Mul", ["s", "row"], ["p"]),
             helper.make_node("Sub", ["p", "x"], ["d"]), helper.make_node("Div", ["d", "row"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2000])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 2000])],
                              [numpy_helper.from_array(row, "row")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    got = Session(model).run({"x": x})[0]
    np.testing.assert_array_equal(got, ((x + x) * row - x) / row)


def check_float32_erf():
    x = np.concatenate([np.linspace(-6, 6, 120001), [0.0, -0.0, 1e-30, -1e-30, 3.9999, 4.0001]]).astype(np.float32)
    got = op("Erf", [x])[0].numpy().astype(np.float64)
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    assert np.max(np.abs(got - exact)) < 4e-7
    tiny = np.abs(x) < 1e-3
    np.testing.assert_allclose(got[tiny], exact[tiny], rtol=1e-6)  # relative accuracy near zero
    # The special values in the vector lanes (the first 32) and in the scalar tail (the last 3).
    special = np.float32([np.inf, -np.inf, np.nan, -0.0] * 8 + [np.inf, -np.inf, np.nan])
    got = op("Erf", [special])[0].numpy()
    for i in range(0, len(special), 4):
        assert got[i] == 1 and got[i + 1] == -1 and np.isnan(got[i + 2])
        assert i + 3 >= len(special) or (got[i + 3] == 0 and np.signbit(got[i + 3]))


def test_float32_erf_is_within_4e7_of_the_exact_value():
    check_float32_erf()


@pytest.mark.parametrize("isa", [{"PLEXUS_CPU_ISA": "avx2"}, {"PLEXUS_CPU_PORTABLE": "1"}], ids=["avx2", "portable"])
def test_float32_erf_on_the_other_instruction_sets(isa):
    """plx_cpu_erf's AVX2 lanes and its portable loop keep the same accuracy and special values."""
    check_in_another_process("test_elementwise_fast_paths", "check_float32_erf", isa)
