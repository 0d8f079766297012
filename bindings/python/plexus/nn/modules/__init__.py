"""The module classes of ``plexus.nn`` (one concept per file)."""
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .layer import Layer
from .linear import Dropout, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss
from .module import IncompatibleKeys, Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, LSTM, RNN
from .shape import Flatten, Upsample
from .sparse import Embedding
from .transformer import (LearnedPositionalEmbedding, MultiheadAttention, MultiHeadAttention, PositionalEncoding,
                          TransformerDecoderLayer, TransformerEncoderLayer)

#: Pythonic class of every plugin layer type, by the type name the plugin registers.
LAYER_CLASSES = {
    "Linear": Linear, "Identity": Identity, "Dropout": Dropout, "ReLU": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh,
    "LeakyReLU": LeakyReLU, "GELU": GELU, "SiLU": SiLU, "Softmax": Softmax, "LogSoftmax": LogSoftmax,
    "Conv1d": Conv1d, "Conv2d": Conv2d, "ConvTranspose2d": ConvTranspose2d, "MaxPool1d": MaxPool1d, "MaxPool2d": MaxPool2d,
    "AvgPool1d": AvgPool1d, "AvgPool2d": AvgPool2d, "AdaptiveAvgPool2d": AdaptiveAvgPool2d, "BatchNorm1d": BatchNorm1d,
    "BatchNorm2d": BatchNorm2d, "Flatten": Flatten, "Upsample": Upsample, "RNN": RNN, "LSTM": LSTM, "GRU": GRU,
    "Embedding": Embedding, "LayerNorm": LayerNorm, "MultiHeadAttention": MultiheadAttention,
    "PositionalEncoding": PositionalEncoding, "LearnedPositionalEmbedding": LearnedPositionalEmbedding,
    "TransformerEncoderLayer": TransformerEncoderLayer, "TransformerDecoderLayer": TransformerDecoderLayer,
}
