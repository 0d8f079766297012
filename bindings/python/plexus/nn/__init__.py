"""``plexus.nn``: PyTorch-style modules. ``Module`` is the base for your own models; every
plugin layer type has a class with PyTorch's constructor (``Linear``, ``Conv2d``, ``LSTM``,
``TransformerEncoderLayer``...) and any type can be built by name with
``Layer("TypeName", **attributes)``. ``functional`` holds activations and losses."""
from . import functional
from .modules import (GELU, GRU, LAYER_CLASSES, LSTM, RNN, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d,
                      BatchNorm2d, BCELoss, BCEWithLogitsLoss, Conv1d, Conv2d, ConvTranspose2d, CrossEntropyLoss, Dropout,
                      Embedding, Flatten, HuberLoss, Identity, IncompatibleKeys, L1Loss, Layer, LayerNorm,
                      LearnedPositionalEmbedding, LeakyReLU, Linear, LogSoftmax, MaxPool1d, MaxPool2d, Module, ModuleDict,
                      ModuleList, MSELoss, MultiheadAttention, MultiHeadAttention, NLLLoss, PositionalEncoding, ReLU,
                      Sequential, Sigmoid, SiLU, SmoothL1Loss, Softmax, Tanh, TransformerDecoderLayer,
                      TransformerEncoderLayer, Upsample)
from .parameter import Parameter

__all__ = ["functional", "Parameter", "LAYER_CLASSES", "Module", "Layer", "IncompatibleKeys", "Sequential", "ModuleList",
           "ModuleDict", "Linear", "Identity", "Dropout", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "SiLU", "Softmax",
           "LogSoftmax", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
           "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Flatten", "Upsample", "RNN", "LSTM", "GRU",
           "Embedding", "MultiheadAttention", "MultiHeadAttention", "PositionalEncoding", "LearnedPositionalEmbedding",
           "TransformerEncoderLayer", "TransformerDecoderLayer", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
