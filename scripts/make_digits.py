"""Writes data/digits.npz: scikit-learn's copy of the UCI 8x8 handwritten digits (1,797
images, 10 classes) with a fixed, stratified 80/20 train/test split.

    pip install scikit-learn numpy && python scripts/make_digits.py

Arrays: x_train/x_test uint8 [N, 64] (pixel values 0..16), y_train/y_test int64 [N].
Saved with np.savez (uncompressed), which Plexus reads directly. The repository keeps the
result, so this script only documents where the data came from.
"""
import pathlib

import numpy as np
from sklearn.datasets import load_digits

digits = load_digits()
x = digits.data.astype(np.uint8)
y = digits.target.astype(np.int64)
rng = np.random.default_rng(20261123)
train, test = [], []
for label in range(10):
    members = rng.permutation(np.flatnonzero(y == label))
    cut = int(round(len(members) * 0.8))
    train += list(members[:cut])
    test += list(members[cut:])
train, test = np.array(sorted(train)), np.array(sorted(test))
out = pathlib.Path(__file__).resolve().parent.parent / "data" / "digits.npz"
np.savez(out, x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test])
print(f"wrote {out}: {len(train)} train, {len(test)} test")
