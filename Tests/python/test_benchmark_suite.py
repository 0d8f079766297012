"""A smoke run of the side-by-side benchmark suite on its smallest case, so the scripts keep
working (their numbers are not checked: speed is judged by the suite's ratios, never by tests)."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_suite_runs_and_writes_its_table(tmp_path):
    table = tmp_path / "results.md"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks/suite.py"), "--quick", "--only", "gemm64", "--rounds", "1",
                             "--retries", "0", "--max-wait", "0", "--torch-python", sys.executable, "--markdown", str(table)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    text = table.read_text()
    assert "| gemm64 | onnxruntime |" in text and "| gemm64 | numpy |" in text
    assert "GFLOP/s" in text
