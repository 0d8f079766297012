"""Test setup: import the package from this checkout (bindings/python), shared helpers."""
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE_ROOT.parents[1]
if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))


@pytest.fixture
def rng():
    """A seeded numpy generator."""
    return np.random.default_rng(0)


def build_c_plugin(source, target):
    """Compiles a C plugin against include/ (skips the test when there is no C compiler)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build a test plugin")
    subprocess.run([compiler, "-std=c11", "-O1", "-shared", "-fPIC", f"-I{REPO_ROOT / 'include'}", "-o", str(target),
                    str(source), "-lm"], check=True)
    return target
