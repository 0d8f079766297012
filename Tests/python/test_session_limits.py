"""A session's guards against malformed models and hostile sizes: the cap on one allocation and
the memory budget (plx_session_options.max_allocation_bytes / max_arena_bytes), constant folding
that would build a huge tensor, and a declared output type that is not what the graph computes."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import PlexusError, Session, SessionOptions

OUT_OF_MEMORY, DTYPE_MISMATCH = 5, 7


def model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def expand_model(rank=1):
    """y = Expand(x, shape): the output's size is a run-time input."""
    return model([helper.make_node("Expand", ["x", "shape"], ["y"])],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]),
                  helper.make_tensor_value_info("shape", TensorProto.INT64, [rank])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])


@pytest.mark.parametrize("field", ["max_allocation_bytes", "max_arena_bytes"])
def test_a_capped_session_refuses_big_outputs_and_runs_small_ones(field):
    session = Session(expand_model(), SessionOptions(**{field: 1 << 20}))
    x = np.array([3], np.float32)
    with pytest.raises(PlexusError) as error:
        session.run({"x": x, "shape": np.array([1 << 20], np.int64)})  # 4 MiB
    assert error.value.status == OUT_OF_MEMORY
    assert "cap" in str(error.value)
    for _ in range(3):  # the budget is given back after a refused run and after every run
        np.testing.assert_array_equal(session.run({"x": x, "shape": np.array([1000], np.int64)})[0], np.full(1000, 3, np.float32))


@pytest.mark.parametrize("dims", [[1 << 62], [1 << 31, 1 << 31], [1 << 40, 4]])
def test_run_time_sizes_beyond_memory_are_refused(dims):
    session = Session(expand_model(len(dims)))
    with pytest.raises(PlexusError) as error:
        session.run({"x": np.array([1], np.float32), "shape": np.array(dims, np.int64)})
    assert error.value.status in (1, OUT_OF_MEMORY)  # invalid (overflow) or out of memory, never a trap


def test_constant_folding_to_a_huge_tensor_is_refused_at_load():
    shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")
    value = helper.make_tensor("value", TensorProto.FLOAT, [1], [1.0])
    data = model([helper.make_node("ConstantOfShape", ["shape"], ["c"], value=value), helper.make_node("Add", ["x", "c"], ["y"])],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [shape])
    with pytest.raises(PlexusError) as error:
        Session(data)
    assert error.value.status == OUT_OF_MEMORY


def test_arena_cap_counts_folded_constants():
    shape = numpy_helper.from_array(np.array([1 << 18], np.int64), "shape")  # a 1 MiB constant
    value = helper.make_tensor("value", TensorProto.FLOAT, [1], [1.0])
    data = model([helper.make_node("ConstantOfShape", ["shape"], ["c"], value=value), helper.make_node("Add", ["x", "c"], ["y"])],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [shape])
    with pytest.raises(PlexusError) as error:
        Session(data, SessionOptions(max_arena_bytes=1 << 19))
    assert error.value.status == OUT_OF_MEMORY and "max_arena_bytes" in str(error.value)
    y = Session(data, SessionOptions(max_arena_bytes=1 << 23)).run({"x": np.array([2], np.float32)})[0]
    assert y.shape == (1 << 18,) and (y == 3).all()


@pytest.mark.parametrize("declared,computed", [(TensorProto.FLOAT, TensorProto.INT64), (TensorProto.INT32, TensorProto.FLOAT),
                                               (TensorProto.DOUBLE, TensorProto.FLOAT16)])
def test_a_declared_output_type_the_graph_does_not_compute_is_an_error(declared, computed):
    data = model([helper.make_node("Cast", ["x"], ["y"], to=computed)], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                 [helper.make_tensor_value_info("y", declared, [2])])
    with pytest.raises(PlexusError) as error:
        Session(data).run({"x": np.array([1, 2], np.float32)})
    assert error.value.status == DTYPE_MISMATCH and "is declared" in str(error.value)


def test_an_error_quoting_a_name_with_a_nul_byte_is_not_cut_short():
    data = model([helper.make_node("Relu", ["a\0b"], ["y"])], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(PlexusError) as error:
        Session(data)
    assert "a\\0b" in str(error.value)


def test_kernel_scratch_memory_respects_the_session_cap():
    # MelWeightMatrix computes its weights in a float64 scratch table before the float32 output:
    # the table (8 MB here) is checked against the session's cap, read through the host table.
    scalars = [helper.make_tensor(name, TensorProto.INT64, [], [value])
               for name, value in [("bins", 1000), ("length", 2000), ("rate", 16000)]]
    edges = [helper.make_tensor(name, TensorProto.FLOAT, [], [value]) for name, value in [("low", 0.0), ("high", 8000.0)]]
    data = model([helper.make_node("MelWeightMatrix", ["bins", "length", "rate", "low", "high"], ["y"])], [],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], scalars + edges)
    options = SessionOptions(max_allocation_bytes=1 << 20, disable_constant_folding=1)
    with pytest.raises(PlexusError) as error:
        Session(data, options).run({})
    assert error.value.status == OUT_OF_MEMORY and "scratch" in str(error.value)
    assert Session(data).run({})[0].shape == (1001, 1000)


@pytest.mark.parametrize("threads", [-1, 1025, 1 << 30])
def test_session_thread_counts_out_of_range_are_refused(threads):
    with pytest.raises(PlexusError) as error:
        Session(expand_model(), SessionOptions(intra_op_num_threads=threads))
    assert error.value.status == 1 and "thread count" in str(error.value)


@pytest.mark.parametrize("nodes,outputs", [
    ([helper.make_node("Relu", ["x"], [""]), helper.make_node("Relu", ["x"], ["y"])], ["y"]),  # a single output left unnamed
    ([helper.make_node("Relu", ["x"], ["y"])], ["y", "y"]),  # one graph output listed twice
])
def test_unnamed_required_outputs_and_repeated_graph_outputs_are_refused(nodes, outputs):
    data = model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                 [helper.make_tensor_value_info(name, TensorProto.FLOAT, [2]) for name in outputs])
    with pytest.raises(PlexusError) as error:
        Session(data)
    assert error.value.status == 1 and ("unnamed" in str(error.value) or "listed twice" in str(error.value))
