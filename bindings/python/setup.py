"""setuptools entry point: the metadata is in pyproject.toml. This file

- marks the distribution as binary, so wheels get a platform tag (linux_x86_64) instead of
  py3-none-any (they carry libplexus.so);
- when ``plexus/lib`` holds no libplexus.so (a plain ``pip install ./bindings/python`` after
  ``./scripts/build.sh``), copies the built library and plugins from the repository's
  ``.build/release`` (or ``$PLEXUS_BUILD_DIR``) into the installed package. Such an install keeps
  the libraries' RUNPATH into the Swift toolchain; ``scripts/build-wheel.sh`` makes the
  self-contained wheel instead.
"""
import os
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # setuptools < 70.1 takes bdist_wheel from the wheel package
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel

HERE = pathlib.Path(__file__).resolve().parent


class BinaryDistribution(Distribution):
    """A distribution with native code: it is not pure Python."""

    def has_ext_modules(self):
        return True


class bdist_wheel(_bdist_wheel):  # noqa: N801 - the command's name
    """Platform-tagged, Python-version-independent wheels (ctypes needs no ABI tag)."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class build_py(_build_py):  # noqa: N801 - the command's name
    """Copies the repository's built libraries into the package when it bundles none."""

    def run(self):
        super().run()
        if (HERE / "plexus" / "lib" / "libplexus.so").is_file():
            return
        built = pathlib.Path(os.environ.get("PLEXUS_BUILD_DIR", HERE.parent.parent / ".build" / "release"))
        if not (built / "libplexus.so").is_file():
            return
        target = pathlib.Path(self.build_lib) / "plexus" / "lib"
        (target / "plugins").mkdir(parents=True, exist_ok=True)
        shutil.copy2(built / "libplexus.so", target / "libplexus.so")
        for plugin in sorted((built / "plugins").glob("*.so")):
            shutil.copy2(plugin.resolve(), target / "plugins" / plugin.name)
        if (built / "plugins" / "index.json").is_file():
            shutil.copy2(built / "plugins" / "index.json", target / "plugins" / "index.json")


setup(distclass=BinaryDistribution, cmdclass={"bdist_wheel": bdist_wheel, "build_py": build_py})
