"""Broken files in a plugin folder: discovery skips each with a warning naming it, and every
process still runs (a truncated library used to be mapped and kill the process at its first op)."""
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLEXUS = ROOT / ".build/release/plexus"
REAL_PLUGIN = sorted((ROOT / ".build/release/plugins").glob("libplexus-*.so"))[0]


def broken_files(folder):
    """Writes a set of broken would-be plugins into `folder`; returns their names."""
    data = REAL_PLUGIN.resolve().read_bytes()
    cuts = {"empty.so": 0, "header.so": 40, "program_headers.so": 300, "half.so": len(data) // 2, "one_short.so": len(data) - 1}
    for name, size in cuts.items():
        (folder / name).write_bytes(data[:size])
    (folder / "text.so").write_text("not a library\n")
    (folder / "directory.so").mkdir()
    return sorted(cuts) + ["text.so"]


@pytest.mark.parametrize("command", [["plugins"], ["ops"]])
def test_discovery_skips_broken_libraries_with_a_warning(tmp_path, command):
    names = broken_files(tmp_path)
    result = subprocess.run([str(PLEXUS), *command], capture_output=True, text=True, timeout=120,
                            env={"PLEXUS_PLUGIN_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    for name in names:
        assert f"skipped plugin {tmp_path}/{name}" in result.stderr, result.stderr
    assert "cpu" in result.stdout


def test_a_model_runs_beside_broken_libraries(tmp_path):
    broken_files(tmp_path)
    model = ROOT / "Tests/fixtures/affine_relu.onnx"
    result = subprocess.run([str(PLEXUS), "bench", str(model), "--repeats", "2", "--warmup", "0"], capture_output=True, text=True, timeout=120,
                            env={"PLEXUS_PLUGIN_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "truncated" in result.stderr
