"""The ONNX version history has one source: Sources/PlexusONNX/Generated/ONNXVersions.swift,
generated from onnx's own schema registry by scripts/generate_onnx_versions.py. Regenerating
it must give the committed file, so the table cannot drift from the onnx package's registry; and
no other file keeps a copy of it."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLE = ROOT / "Sources/PlexusONNX/Generated/ONNXVersions.swift"


def test_the_committed_table_is_what_the_generator_writes(tmp_path):
    fresh = tmp_path / "ONNXVersions.swift"
    subprocess.run([sys.executable, str(ROOT / "scripts/generate_onnx_versions.py"), str(fresh)], check=True, capture_output=True)
    assert fresh.read_text() == TABLE.read_text(), "run .venv/bin/python scripts/generate_onnx_versions.py and commit the result"


def test_the_table_states_onnx_registry_facts():
    import onnx.defs

    text = TABLE.read_text()
    for name in ("Gelu", "GroupNormalization", "SwiGLU", "BitCast", "TensorScatter"):
        versions = sorted(s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.domain == "" and s.name == name)
        assert f'"{name}": {versions}' in text


def test_no_other_copy_of_the_history():
    """No hand-kept op → opset tables in the exporters (the ones issue 20 found)."""
    for path in [*(ROOT / "Sources").rglob("*.swift"), *(ROOT / "bindings/python/plexus").rglob("*.py")]:
        if path == TABLE:
            continue
        text = path.read_text()
        assert not re.search(r'"GroupNormalization"\s*:\s*\d+', text), path
        assert "IR_VERSIONS" not in text and "_SINCE" not in text, path


def test_every_registered_onnx_op_declares_a_version_in_onnx_history():
    """A plugin's `since` for an ai.onnx op names the opset whose semantics it implements: it must
    be a version at which onnx's schema registry says the op changed (no invented versions)."""
    import collections

    import onnx.defs

    history = collections.defaultdict(set)
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain in ("", "ai.onnx"):
            history[schema.name].add(schema.since_version)
    listing = subprocess.run([str(ROOT / ".build/release/plexus"), "ops"], capture_output=True, text=True, check=True).stdout.splitlines()
    declared = [line.split() for line in listing[1:] if line.startswith("ai.onnx ")]
    assert len(declared) > 150
    wrong = [(name, int(since), sorted(history[name])) for _, name, since, *_ in declared
             if name in history and int(since) not in history[name]]
    assert wrong == []
