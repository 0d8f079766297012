"""Finite-difference gradient checks (float64) for the CPU plugin's extended differentiable
operators: CastLike, the extra activations, the trigonometric and hyperbolic functions, the
sum reductions, the losses, the index-addressed movements, CumProd, the normalizations and
Einsum (the last few through their decompositions)."""
import numpy as np
import pytest

from plexus_c import PlexusError, Tensor, gradient_check, op


def leaf(*shape, lo=-2.0, hi=2.0, seed=0):
    """A float64 tensor requiring grad, uniform in [lo, hi]."""
    return Tensor.of(np.random.default_rng(seed).uniform(lo, hi, size=shape), requires_grad=True)


UNARY = [
    ("Celu", {}, (-2.0, 2.0)), ("Celu", {"alpha": 0.5}, (-2.0, 2.0)), ("Softsign", {}, (-3.0, 3.0)),
    ("Mish", {}, (-3.0, 3.0)), ("Swish", {}, (-3.0, 3.0)), ("Swish", {"alpha": 1.7}, (-3.0, 3.0)),
    ("ThresholdedRelu", {"alpha": 0.3}, (-2.0, 2.0)), ("Shrink", {"bias": 0.2, "lambd": 0.6}, (-2.0, 2.0)),
    ("Hardmax", {"axis": 1}, (-2.0, 2.0)),
    ("Acos", {}, (-0.9, 0.9)), ("Asin", {}, (-0.9, 0.9)), ("Atan", {}, (-3.0, 3.0)), ("Sinh", {}, (-2.0, 2.0)),
    ("Cosh", {}, (-2.0, 2.0)), ("Asinh", {}, (-3.0, 3.0)), ("Acosh", {}, (1.2, 3.0)), ("Atanh", {}, (-0.9, 0.9)),
    ("LpNormalization", {"p": 1}, (-2.0, 2.0)), ("LpNormalization", {"p": 2, "axis": 0}, (-2.0, 2.0)),
    ("MeanVarianceNormalization", {"axes": [1]}, (-2.0, 2.0)),
]


@pytest.mark.parametrize("name,attributes,bounds", UNARY, ids=[f"{n}-{a}" for n, a, _ in UNARY])
def test_unary_gradient(name, attributes, bounds):
    x = leaf(3, 4, lo=bounds[0], hi=bounds[1])
    gradient_check(lambda: op(name, [x], attributes)[0], [x])


def test_mean_variance_normalization_default_axes_gradient():
    x = leaf(2, 2, 2, 3)
    gradient_check(lambda: op("MeanVarianceNormalization", [x])[0], [x])


def test_castlike_routes_the_gradient_back_in_the_input_dtype():
    x = leaf(2, 3)
    gradient_check(lambda: op("CastLike", [x, np.zeros(1)])[0], [x])
    narrowed = op("CastLike", [x, np.zeros(1, np.float32)])[0]
    doubled = op("Mul", [narrowed, np.full((2, 3), 2.0, np.float32)])[0]
    widened = op("CastLike", [doubled, np.zeros(1)])[0]
    x.zero_grad()
    widened.backward(Tensor.of(np.ones((2, 3))))
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


@pytest.mark.parametrize("slope_shape", [(3, 4), (4,), (3, 1), ()])
def test_prelu_gradient_for_input_and_broadcast_slope(slope_shape):
    x, slope = leaf(2, 3, 4, seed=1), leaf(*slope_shape, lo=0.1, hi=0.9, seed=2)
    gradient_check(lambda: op("PRelu", [x, slope])[0], [x, slope])


REDUCTIONS = [("ReduceL1", (-2.0, 2.0)), ("ReduceSumSquare", (-2.0, 2.0)), ("ReduceLogSum", (0.2, 2.0)),
              ("ReduceLogSumExp", (-3.0, 3.0))]


@pytest.mark.parametrize("name,bounds", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axes,keepdims", [([1], 1), ([0, 2], 0), (None, 0)])
def test_sum_reduction_gradient(name, bounds, axes, keepdims):
    x = leaf(2, 3, 2, lo=bounds[0], hi=bounds[1])
    inputs = [x] if axes is None else [x, np.array(axes, np.int64)]
    gradient_check(lambda: op(name, inputs, {"keepdims": keepdims})[0], [x])


NLL_SETTINGS = [
    {"reduction": "none"}, {"reduction": "sum"}, {"reduction": "mean"},
    {"reduction": "mean", "ignore_index": 1}, {"reduction": "sum", "ignore_index": -1},
]


@pytest.mark.parametrize("attributes", NLL_SETTINGS, ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()))
@pytest.mark.parametrize("weighted", [False, True])
def test_negative_log_likelihood_gradient(attributes, weighted):
    x = leaf(3, 4, 2)
    target = np.array([[1, 0], [3, 1], [2, -1 if attributes.get("ignore_index") == -1 else 2]], np.int64)
    weight = [np.array([0.5, 1.0, 2.0, 1.5])] if weighted else []
    gradient_check(lambda: op("NegativeLogLikelihoodLoss", [x, target] + weight, attributes)[0], [x])


def test_negative_log_likelihood_has_no_weight_gradient():
    x, weight = leaf(3, 4), leaf(4, lo=0.5, hi=1.5)
    loss = op("NegativeLogLikelihoodLoss", [x, np.array([0, 1, 3], np.int64), weight])[0]
    with pytest.raises(PlexusError, match="weight"):
        loss.backward()


@pytest.mark.parametrize("attributes", [{}, {"reduction": "none"}, {"reduction": "sum", "ignore_index": 0}])
@pytest.mark.parametrize("output", [0, 1])
def test_softmax_cross_entropy_gradient_through_both_outputs(attributes, output):
    scores = leaf(3, 4, 2)
    labels = np.array([[1, 0], [3, 1], [2, 0]], np.int64)
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    gradient_check(lambda: op("SoftmaxCrossEntropyLoss", [scores, labels, weight], attributes, outputs=2)[output], [scores])


def test_gathernd_gradient():
    x = leaf(3, 4, 2)
    gradient_check(lambda: op("GatherND", [x, np.array([[0, 1], [2, 3], [0, 1]], np.int64)])[0], [x])
    gradient_check(lambda: op("GatherND", [x, np.array([[1], [0], [3]], np.int64)], {"batch_dims": 1})[0], [x])


@pytest.mark.parametrize("reduction", ["none", "add"])
def test_scatternd_gradient_for_data_and_updates(reduction):
    data, updates = leaf(4, 3, seed=3), leaf(2, 3, seed=4)
    indices = np.array([[2], [0]], np.int64)
    gradient_check(lambda: op("ScatterND", [data, indices, updates], {"reduction": reduction})[0], [data, updates])


def test_scatternd_mul_has_no_gradient():
    data = leaf(4, 3)
    y = op("ScatterND", [data, np.array([[1]], np.int64), np.ones((1, 3))], {"reduction": "mul"})[0]
    with pytest.raises(PlexusError, match="no gradient"):
        y.backward(Tensor.of(np.ones((4, 3))))


@pytest.mark.parametrize("attributes", [{"axis": 1}, {}])
def test_compress_gradient(attributes):
    x = leaf(3, 4)
    condition = np.array([True, False, True, True], np.bool_)
    gradient_check(lambda: op("Compress", [x, condition], attributes)[0], [x])


def test_reverse_sequence_gradient():
    x = leaf(4, 3, 2)
    gradient_check(lambda: op("ReverseSequence", [x, np.array([4, 2, 1], np.int64)])[0], [x])


@pytest.mark.parametrize("exclusive", [0, 1])
@pytest.mark.parametrize("reverse", [0, 1])
def test_cumprod_gradient(exclusive, reverse):
    x = leaf(3, 4, lo=0.5, hi=1.5)
    axis = np.array(1, np.int64)
    gradient_check(lambda: op("CumProd", [x, axis], {"exclusive": exclusive, "reverse": reverse})[0], [x])


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]), ("i,i", [(4,), (4,)]), ("...ii->...i", [(2, 3, 3)]), ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (1, 3, 3, 2)]), ("bn,anm,bm->ba", [(2, 3), (2, 3, 2), (2, 2)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_gradient(equation, shapes):
    operands = [leaf(*shape, seed=index) for index, shape in enumerate(shapes)]
    gradient_check(lambda: op("Einsum", operands, {"equation": equation})[0], operands)
