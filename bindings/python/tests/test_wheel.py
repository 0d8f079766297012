"""scripts/build-wheel.sh makes a self-contained wheel: it installs into a fresh venv, imports
with LD_LIBRARY_PATH unset and loads nothing from the Swift toolchain; no bundled library has a
RUNPATH/RPATH into the toolchain. Builds in a temporary folder (the source tree is untouched)."""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO_ROOT

BUILT = REPO_ROOT / ".build" / "release" / "libplexus.so"
TOOLCHAIN = "/opt/swift"

pytestmark = pytest.mark.skipif(not BUILT.is_file(), reason=f"{BUILT} is missing: build Plexus first (./scripts/build.sh)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if shutil.which("patchelf") is None:
        pytest.skip("patchelf is not installed")
    folder = tmp_path_factory.mktemp("wheel")
    env = dict(os.environ, PLEXUS_WHEEL_STAGING=str(folder / "stage"), PYTHON=sys.executable)
    result = subprocess.run([str(REPO_ROOT / "scripts" / "build-wheel.sh"), str(folder / "dist")], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list((folder / "dist").glob("plexus-*.whl"))
    assert len(wheels) == 1
    return wheels[0], folder


def test_wheel_is_platform_tagged_and_bundles_the_runtime(wheel):
    path, _ = wheel
    assert path.name.endswith("-py3-none-linux_x86_64.whl")
    names = zipfile.ZipFile(path).namelist()
    assert "plexus/lib/libplexus.so" in names and "plexus/lib/libswiftCore.so" in names
    assert "plexus/lib/plugins/libplexus-cpu.so" in names and "plexus/lib/plugins/index.json" in names


def test_no_runpath_into_the_toolchain(wheel):
    _, folder = wheel
    libraries = list((folder / "stage" / "plexus" / "lib").rglob("*.so*"))
    assert len(libraries) > 5
    for library in libraries:
        dynamic = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
        paths = [line for line in dynamic.splitlines() if "RUNPATH" in line or "RPATH" in line]
        assert paths and all(TOOLCHAIN not in line and "$ORIGIN" in line for line in paths), (library, paths)


CHECK = """
import os, sys
import numpy as np
import plexus
assert "site-packages" in str(plexus.library_path), plexus.library_path
names = {p.name for p in plexus.plugins()}
assert {"cpu", "mlp", "cnn"} <= names, names
model = plexus.nn.Sequential(plexus.nn.Linear(3, 2), plexus.nn.ReLU())
print(model(plexus.ones(1, 3)).shape)
maps = open("/proc/self/maps").read()
assert "/opt/swift" not in maps, [l for l in maps.splitlines() if "/opt/swift" in l][:3]
print("wheel ok")
"""


def test_installs_and_imports_in_a_fresh_venv(wheel, tmp_path):
    path, _ = wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(path)],
                   check=True, timeout=300)
    # numpy from the running interpreter (the wheel's own code needs only numpy and the bundled libraries)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    numpy_home = os.path.dirname(os.path.dirname(__import__("numpy").__file__))
    with open(os.path.join(site, "host-numpy.pth"), "w") as handle:
        handle.write(numpy_home + "\n")
    env = {key: value for key, value in os.environ.items()
           if key not in ("LD_LIBRARY_PATH", "PLEXUS_LIBRARY", "PYTHONPATH", "PLEXUS_PLUGIN_PATH")}
    result = subprocess.run([str(python), "-c", CHECK], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wheel ok" in result.stdout and "(1, 2)" in result.stdout


def test_pip_install_of_the_source_copies_the_built_libraries(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(REPO_ROOT / "bindings" / "python", source,
                    ignore=shutil.ignore_patterns("tests", "examples", "build", "dist", "*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = dict(os.environ, PLEXUS_BUILD_DIR=str(REPO_ROOT / ".build" / "release"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(source)],
                   check=True, timeout=300, env=env)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    numpy_home = os.path.dirname(os.path.dirname(__import__("numpy").__file__))
    with open(os.path.join(site, "host-numpy.pth"), "w") as handle:
        handle.write(numpy_home + "\n")
    env = {key: value for key, value in os.environ.items() if key not in ("PLEXUS_LIBRARY", "PYTHONPATH")}
    check = "import plexus; assert 'site-packages' in str(plexus.library_path); print(len(plexus.plugins()), (plexus.ones(2) * 3).tolist())"
    result = subprocess.run([str(python), "-c", check], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[3.0, 3.0]" in result.stdout
