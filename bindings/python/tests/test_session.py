"""InferenceSession against onnxruntime on several models; options, metadata, threads, close."""
import threading

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import plexus  # noqa: E402
import plexus.nn as nn  # noqa: E402


def _model(nodes, inputs, outputs, initializers=(), opset=17, props=None, **kwargs):
    graph = helper.make_graph(nodes, "test", inputs, outputs, [numpy_helper.from_array(v, k) for k, v in initializers])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], **kwargs)
    if props:
        helper.set_model_props(model, props)
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def mlp_model(rng):
    w1 = rng.standard_normal((4, 8)).astype(np.float32)
    b1 = rng.standard_normal(8).astype(np.float32)
    w2 = rng.standard_normal((8, 3)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]), helper.make_node("Add", ["h", "b1"], ["hb"]),
             helper.make_node("Relu", ["hb"], ["r"]), helper.make_node("MatMul", ["r", "w2"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["probs"], axis=-1)]
    return _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
                  [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 3]),
                   helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
                  [("w1", w1), ("b1", b1), ("w2", w2)], doc_string="an mlp", producer_name="tests", model_version=3, props={"author": "plexus tests"})


def conv_model(rng):
    weight = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    fc = rng.standard_normal((10, 4 * 4 * 4)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"]), helper.make_node("Gemm", ["f", "fc"], ["y"], transB=1)]
    return _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], [("w", weight), ("b", bias), ("fc", fc)])


def mixed_types_model():
    nodes = [helper.make_node("Gather", ["table", "ids"], ["rows"], axis=0),
             helper.make_node("ReduceSum", ["rows", "axes"], ["total"], keepdims=0),
             helper.make_node("Greater", ["total", "zero"], ["positive"]),
             helper.make_node("TopK", ["total", "k"], ["top", "where"], axis=-1),
             helper.make_node("Cast", ["ids"], ["ids32"], to=TensorProto.INT32)]
    table = np.arange(12, dtype=np.float64).reshape(6, 2) - 5
    return _model(nodes, [helper.make_tensor_value_info("ids", TensorProto.INT64, [3, None])],
                  [helper.make_tensor_value_info(n, t, [3, None]) for n, t in
                   [("total", TensorProto.DOUBLE), ("positive", TensorProto.BOOL), ("top", TensorProto.DOUBLE),
                    ("where", TensorProto.INT64), ("ids32", TensorProto.INT32)]],
                  [("table", table), ("axes", np.array([2], np.int64)), ("zero", np.zeros(1)), ("k", np.array([2], np.int64))])


def exported_model(tmp_path):
    plexus.manual_seed(5)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(64, 16), nn.GELU(), nn.Dropout(0.2), nn.Linear(16, 10), nn.LogSoftmax(dim=1))
    path = tmp_path / "cnn.onnx"
    plexus.onnx.export(model, plexus.randn(2, 1, 8, 8), path, input_names=["image"], output_names=["scores"],
                       dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}})
    return str(path)


def _compare(model, feeds, rtol=1e-5, atol=1e-5):
    ours = plexus.InferenceSession(model).run(None, feeds)
    theirs = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)
    assert len(ours) == len(theirs)
    for got, want in zip(ours, theirs):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    return ours


def test_against_onnxruntime(rng, tmp_path):
    _compare(mlp_model(rng), {"x": rng.standard_normal((5, 4)).astype(np.float32)})
    _compare(conv_model(rng), {"x": rng.standard_normal((3, 1, 8, 8)).astype(np.float32)})
    _compare(mixed_types_model(), {"ids": np.array([[0, 5], [2, 2], [4, 1]], np.int64)})
    _compare(exported_model(tmp_path), {"image": rng.standard_normal((7, 1, 8, 8)).astype(np.float32)}, rtol=1e-4, atol=1e-5)


def test_metadata_like_onnxruntime(rng, tmp_path):
    for model in (mlp_model(rng), conv_model(rng), mixed_types_model(), exported_model(tmp_path)):
        ours, theirs = plexus.InferenceSession(model), ort.InferenceSession(model)
        for mine, reference in zip(ours.get_inputs(), theirs.get_inputs()):
            assert (mine.name, mine.type, mine.shape) == (reference.name, reference.type, reference.shape)
        assert [o.name for o in ours.get_outputs()] == [o.name for o in theirs.get_outputs()]
        assert [o.type for o in ours.get_outputs()] == [o.type for o in theirs.get_outputs()]
    session = plexus.InferenceSession(mlp_model(rng))
    assert session.get_outputs()[0].shape == ["batch", 3] and "probs" in repr(session.get_outputs()[0])
    meta = session.get_modelmeta()
    assert (meta.producer_name, meta.graph_name, meta.description, meta.version) == ("tests", "test", "an mlp", 3)
    assert meta.custom_metadata_map == {"author": "plexus tests"} and meta.domain == ""
    assert session.get_providers() == ["CPUExecutionProvider"] and session.get_provider_options() == {"CPUExecutionProvider": {}}
    assert plexus.get_available_providers() == ["CPUExecutionProvider"] == plexus.get_all_providers()
    assert plexus.get_device() == "CPU" and session.get_overridable_initializers() == []


def test_run_options_names_and_inputs(rng, tmp_path):
    model = mlp_model(rng)
    path = tmp_path / "mlp.onnx"
    path.write_bytes(model)
    options = plexus.SessionOptions()
    options.intra_op_num_threads = 1
    options.graph_optimization_level = plexus.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.backend_order = "cpu"
    options.add_session_config_entry("session.use_env_allocators", "1")
    assert options.get_session_config_entry("session.use_env_allocators") == "1"
    with pytest.raises(AttributeError):
        options.no_such_option = 1
    session = plexus.InferenceSession(path, sess_options=options, providers=[("CPUExecutionProvider", {})])
    assert session.get_session_options() is options
    x = rng.standard_normal((2, 4)).astype(np.float32)
    probs, logits = session.run(None, {"x": x})
    (only_logits,) = session.run(["logits"], {"x": x}, plexus.RunOptions())
    np.testing.assert_array_equal(only_logits, logits)
    reordered = session.run(["logits", "probs"], {"x": plexus.from_numpy(x)})
    np.testing.assert_array_equal(reordered[1], probs)
    as_list = session.run(None, {"x": x.tolist()})
    np.testing.assert_allclose(as_list[0], probs)
    with pytest.warns(UserWarning, match="CUDAExecutionProvider"):
        warned = plexus.InferenceSession(model, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert warned.get_providers() == ["CPUExecutionProvider"]
    warned.set_providers(["CPUExecutionProvider"])
    assert warned.get_providers() == ["CPUExecutionProvider"]
    with pytest.raises(plexus.NotFoundError):
        options.get_session_config_entry("missing")
    bad = plexus.SessionOptions()
    bad.intra_op_num_threads = -2
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.InferenceSession(model, bad)


def test_outputs_never_alias_inputs():
    model = _model([helper.make_node("Identity", ["x"], ["y"])], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    x = np.arange(3, dtype=np.float32)
    (y,) = plexus.InferenceSession(model).run(None, {"x": x})
    np.testing.assert_array_equal(y, x)
    assert not np.shares_memory(x, y)


def test_run_errors(rng):
    session = plexus.InferenceSession(mlp_model(rng))
    with pytest.raises(plexus.DTypeMismatchError):
        session.run(None, {"x": np.zeros((1, 4), np.float64)})
    with pytest.raises(plexus.ShapeMismatchError):
        session.run(None, {"x": np.zeros((1, 5), np.float32)})
    with pytest.raises(plexus.NotFoundError):
        session.run(["nope"], {"x": np.zeros((1, 4), np.float32)})
    with pytest.raises(plexus.NotFoundError):
        session.run(None, {"y": np.zeros((1, 4), np.float32)})
    with pytest.raises(ValueError):
        session.run(None, {"x": None})
    with pytest.raises(ValueError):
        session.run(None, [np.zeros((1, 4), np.float32)])
    with pytest.raises(plexus.PlexusIOError):
        plexus.InferenceSession("/nonexistent/model.onnx")
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.InferenceSession(b"not a model")
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.InferenceSession(42)


def test_missing_ops_are_listed():
    graph = helper.make_graph([helper.make_node("Frobnicate", ["x"], ["y"], domain="com.example"),
                               helper.make_node("Twiddle", ["y"], ["z"], domain="com.example")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    with pytest.raises(plexus.NotFoundError, match="Frobnicate.*Twiddle|Twiddle.*Frobnicate"):
        plexus.InferenceSession(model.SerializeToString())


def test_concurrent_runs_give_the_same_results(rng):
    session = plexus.InferenceSession(conv_model(rng))
    inputs = [rng.standard_normal((4, 1, 8, 8)).astype(np.float32) for _ in range(4)]
    expected = [session.run(None, {"x": x})[0] for x in inputs]
    results = [[] for _ in inputs]
    errors = []
    start = threading.Barrier(4)

    def worker(index):
        try:
            start.wait()
            for _ in range(25):
                results[index].append(session.run(None, {"x": inputs[index]})[0])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index, runs in enumerate(results):
        assert len(runs) == 25
        for output in runs:
            np.testing.assert_array_equal(output, expected[index])


def test_close_and_context_manager(rng):
    model = mlp_model(rng)
    with plexus.InferenceSession(model) as session:
        assert not session.closed
        session.run(None, {"x": np.zeros((1, 4), np.float32)})
    assert session.closed
    with pytest.raises(plexus.ClosedError):
        session.run(None, {"x": np.zeros((1, 4), np.float32)})
    with pytest.raises(plexus.ClosedError):
        session.get_inputs()
    session.close()  # closing twice is harmless


def test_close_waits_for_running_calls(rng):
    session = plexus.InferenceSession(conv_model(rng))
    x = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    outcomes = []

    def runner():  # runs until the session is closed under it (however fast the runs are)
        for _ in range(100_000):
            try:
                outcomes.append(session.run(None, {"x": x})[0].shape)
            except plexus.ClosedError:
                outcomes.append("closed")
                return

    thread = threading.Thread(target=runner)
    thread.start()
    session.close()
    thread.join()
    assert all(o in ((64, 10), "closed") for o in outcomes) and outcomes[-1] == "closed"


def test_fine_tuning_an_imported_model(rng):
    session = plexus.InferenceSession(mlp_model(rng))
    module = session.to_module(frozen=["b1"])
    assert sorted(name for name, _ in module.named_parameters()) == ["w1", "w2"]
    x = plexus.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    probs, logits = module(x)
    np.testing.assert_allclose(probs.numpy(), session.run(None, {"x": x.numpy()})[0], rtol=1e-5)


@pytest.mark.parametrize("arena,pattern,disabled", [(True, True, 0), (True, False, 32), (False, True, 48), (False, False, 48)])
def test_memory_options_choose_the_arena_and_in_place_ops(rng, arena, pattern, disabled):
    options = plexus.SessionOptions()
    options.enable_cpu_mem_arena, options.enable_mem_pattern = arena, pattern
    assert options._struct().disabled_optimizations == disabled
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Neg", ["r"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    x = rng.standard_normal((64, 64)).astype(np.float32)
    session = plexus.InferenceSession(model, options)
    for _ in range(2):
        np.testing.assert_array_equal(session.run(None, {"x": x})[0], -np.maximum(x, 0))


@pytest.mark.parametrize("level,disabled,folding_off", [
    (plexus.GraphOptimizationLevel.ORT_DISABLE_ALL, 79 | 128, 1), (plexus.GraphOptimizationLevel.ORT_ENABLE_BASIC, 12 | 128, 0),
    (plexus.GraphOptimizationLevel.ORT_ENABLE_EXTENDED, 0, 0), (plexus.GraphOptimizationLevel.ORT_ENABLE_ALL, 0, 0)])
def test_optimization_levels_choose_the_graph_rewrites(rng, level, disabled, folding_off):
    from onnx import TensorProto, helper, numpy_helper
    inits = [numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w")] + [
        numpy_helper.from_array((rng.random(4) + 0.5).astype(np.float32), name) for name in ("s", "b", "m", "v")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"]), helper.make_node("Relu", ["n"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    options = plexus.SessionOptions()
    options.graph_optimization_level = level
    struct = options._struct()
    assert (struct.disabled_optimizations, struct.disable_constant_folding) == (disabled, folding_off)
    options.add_session_config_entry("session.disable_prepacking", "1")
    assert options._struct().disabled_optimizations == disabled | 64
    x = rng.standard_normal((1, 3, 5, 5)).astype(np.float32)
    plain = plexus.InferenceSession(model, options).run(None, {"x": x})[0]
    import onnxruntime
    expected = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(plain, expected, rtol=1e-4, atol=1e-5)
