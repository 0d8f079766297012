"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from .._errors import UnsupportedError
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``torch.optim.SGD`` (same defaults and update formula)."""

    _c_name = "sgd"

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
        if maximize:
            raise UnsupportedError("SGD: maximize=True is not supported")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _c_options(self, group):
        return {"lr": float(group["lr"]), "momentum": float(group["momentum"]), "dampening": float(group["dampening"]),
                "weight_decay": float(group["weight_decay"]), "nesterov": int(bool(group["nesterov"]))}
