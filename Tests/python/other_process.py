"""Runs part of a test in a fresh Python: the CPU plugins read their instruction-set and path
switches (PLEXUS_CPU_ISA, PLEXUS_CPU_PORTABLE, PLX_WINOGRAD) once per process, so reaching
another kernel takes another process."""
import os
import pathlib
import subprocess
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def arrays_in_another_process(module, expression, env, tmp_path, timeout=300):
    """Evaluates `expression`, a list of arrays with every public name of the test module
    `module` in scope, in a fresh Python whose environment adds `env`, and returns the arrays.
    Fails the test with the child's stderr when it fails."""
    script = ("import sys, numpy as np; sys.path.insert(0, %r)\nfrom %s import *\n"
              "np.savez(sys.argv[1], *(%s))\n") % (str(HERE), module, expression)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out.npz")], cwd=HERE, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    saved = np.load(tmp_path / "out.npz")
    return [saved[f"arr_{index}"] for index in range(len(saved.files))]


def check_in_another_process(module, function, env, timeout=300):
    """Calls `function()`, a check of the test module `module` that asserts, in a fresh Python
    whose environment adds `env`. Fails the test with the child's stderr when the check fails."""
    script = "import sys; sys.path.insert(0, %r)\nfrom %s import %s\n%s()\n" % (str(HERE), module, function, function)
    result = subprocess.run([sys.executable, "-c", script], cwd=HERE, env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
