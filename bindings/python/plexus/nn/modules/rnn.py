"""Recurrent layers (the rnn plugin) with PyTorch's constructors, parameter names and outputs:
``RNN``/``GRU`` return ``(output, h_n)``, ``LSTM`` returns ``(output, (h_n, c_n))``."""
from ._support import require_default
from .layer import Layer

__all__ = ["RNN", "LSTM", "GRU"]


class _Recurrent(Layer):
    _type = ""

    def _build(self, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype, **extra):
        super().__init__(self._type, num_outputs=2, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                         bias=bias, batch_first=batch_first, dropout=float(dropout), bidirectional=bidirectional, dtype=dtype,
                         **extra)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        """``(output, h_n)`` for the sequence ``input`` and the optional initial state ``hx``."""
        output, state = self._run([input, hx], 2)
        return output, state


class RNN(_Recurrent):
    """Elman RNN with tanh or relu ``nonlinearity``."""

    _type = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None):
        self._build(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype,
                    nonlinearity=nonlinearity)


class GRU(_Recurrent):
    """Gated recurrent unit."""

    _type = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=None):
        self._build(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)


class LSTM(_Recurrent):
    """Long short-term memory; ``hx`` is ``(h_0, c_0)``."""

    _type = "LSTM"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, dtype=None):
        require_default("LSTM", "proj_size", proj_size, 0)
        self._build(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)
        object.__setattr__(self, "num_outputs", 3)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        """``(output, (h_n, c_n))`` for the sequence ``input`` and optional ``hx = (h_0, c_0)``."""
        h0, c0 = hx if hx is not None else (None, None)
        output, h_n, c_n = self._run([input, h0, c0], 3)
        return output, (h_n, c_n)
