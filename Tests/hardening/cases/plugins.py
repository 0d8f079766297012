"""Plugin misuse: broken files in a plugin folder (truncated copies of a real plugin, empty,
text, folders, FIFOs, symlink loops, /dev/zero), libraries without the init symbol, and C
fixtures (Tests/hardening/fixtures/misbehaving_plugin.c) that load plugins or call ops from their
init (re-entrancy must error, not deadlock), lie in their info or schemas, or misbehave in their
kernels. Each is tried three ways: plx_plugin_load by path then a call of its op; discovery
through PLEXUS_PLUGIN_PATH in a fresh process, which must still run a standard op; and
`plexus ops` with that PLEXUS_PLUGIN_PATH."""
import ctypes
import os
import shutil
import subprocess

import numpy as np

from . import common

VARIANTS = {
    "reentrant-load": 1, "reentrant-self": 2, "reentrant-op": 3, "reentrant-count": 4, "abi-99": 5, "null-name": 6,
    "null-schema": 7, "bad-schema": 8, "empty-names": 9, "kernel-no-output": 10, "kernel-silent-error": 11,
    "kernel-huge-output": 12, "kernel-output-out-of-range": 13, "kernel-odd-status": 14, "override-relu": 15,
    "kernel-output-twice": 16, "kernel-alias-mismatch": 17, "kernel-huge-message": 18, "kernel-negative-shape": 19,
    "kernel-rank-null-shape": 20, "infer-null-shape": 21, "no-info": 22, "bad-struct-size": 23,
    "kernel-recursive-op": 24, "good": 0,
}
FILES = ["truncated-4k", "truncated-half", "empty", "text", "directory", "fifo", "symlink-loop", "dangling-symlink",
         "dev-zero", "no-init"]
SOURCE = common.SUITE / "fixtures" / "misbehaving_plugin.c"


def compile_fixture(variant, path):
    command = ["cc", "-shared", "-fPIC", "-O1", f"-DVARIANT={variant}", "-I", str(common.ROOT / "include"),
               "-o", path, str(SOURCE), "-L", str(common.BUILD), "-lplexus", f"-Wl,-rpath,{common.BUILD}"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def setup(args, folder):
    plugins = os.path.join(folder, "plugins")
    os.makedirs(plugins)
    target = os.path.join(plugins, "libplexus-hardening.so")
    what = args["what"]
    if what in VARIANTS:
        compile_fixture(VARIANTS[what], target)
        if what in ("reentrant-load",):
            compile_fixture(0, os.path.join(folder, "other.so"))
        return
    real = common.BUILD / "libplexus-mlp.so"
    if what.startswith("truncated"):
        data = real.read_bytes()
        with open(target, "wb") as f:
            f.write(data[:4096] if what == "truncated-4k" else data[:len(data) // 2])
    elif what == "empty":
        open(target, "wb").close()
    elif what == "text":
        with open(target, "w") as f:
            f.write("INPUT(-lc)\nthis is not a shared library\n")
    elif what == "directory":
        os.mkdir(target)
    elif what == "fifo":
        os.mkfifo(target)
    elif what == "symlink-loop":
        os.symlink("libplexus-hardening.so", target)
    elif what == "dangling-symlink":
        os.symlink("/nonexistent/libx.so", target)
    elif what == "dev-zero":
        os.symlink("/dev/zero", target)
    elif what == "no-init":
        source = os.path.join(folder, "no_init.c")
        with open(source, "w") as f:
            f.write("int not_a_plugin(void) { return 42; }\n")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", target, source], check=True, capture_output=True)


def _environment(folder):
    os.environ["PLX_HARDENING_OTHER"] = os.path.join(folder, "other.so")
    os.environ["PLX_HARDENING_SELF"] = os.path.join(folder, "plugins", "libplexus-hardening.so")


def _probe(pc):
    x = np.array([1, -2, 3], np.float32)
    return pc.op("Probe", [x], domain="org.plexus.hardening")[0].numpy()


def load_explicitly(args, folder):
    """plx_plugin_load(path), then the fixture's op (when it loaded) and a standard op."""
    _environment(folder)
    pc = common.c()
    path = os.path.join(folder, "plugins", "libplexus-hardening.so")
    status = pc.lib.plx_plugin_load(path.encode())
    result = common.status(status)
    if status == 0 and args["what"] in VARIANTS:
        result = {"outcome": "ok"}
        try:
            _probe(pc)
        except pc.PlexusError as error:
            result = {"outcome": "error", "code": error.status, "message": str(error).split(": ", 1)[-1]}
    relu = pc.op("Relu", [np.array([-1, 2], np.float32)])[0].numpy()
    if list(relu) != [0, 2]:
        result["wrong"] = f"Relu gives {relu} after loading the plugin"
    return result


def discover(args, folder):
    """A fresh process with PLEXUS_PLUGIN_PATH = the fixture's folder: loading must not be fatal
    to the process, and standard ops must still run."""
    _environment(folder)
    pc = common.c()
    count = pc.lib.plx_plugin_count()
    relu = pc.op("Relu", [np.array([-1, 2], np.float32)])[0].numpy()
    result = common.ok(note=f"{count} plugins")
    if list(relu) != [0, 2]:
        result["wrong"] = f"Relu gives {relu} with the plugin folder"
    if args["what"] in VARIANTS:
        try:
            _probe(pc)
        except pc.PlexusError as error:
            return {"outcome": "error", "code": error.status, "message": str(error).split(": ", 1)[-1]}
    return result


#: Misbehaviours where loading (and the op working) is acceptable.
ACCEPTABLE = {"good", "reentrant-count", "reentrant-op", "infer-null-shape", "bad-struct-size"}


def generate(rng):
    cases = []
    env = {"PLEXUS_PLUGIN_PATH": "{dir}/plugins", "PLX_HARDENING_OTHER": "{dir}/other.so",
           "PLX_HARDENING_SELF": "{dir}/plugins/libplexus-hardening.so"}
    for what in list(VARIANTS) + FILES:
        args = {"what": what}
        if what not in ("fifo",):  # plx_plugin_load on a FIFO is the same question as discovery
            cases.append(common.case("plugins", "load", what, run="plugins.load_explicitly", setup="plugins.setup",
                                     args=args, expect="any" if what in ACCEPTABLE else "error"))
        cases.append(common.case("plugins", "discover", what, run="plugins.discover", setup="plugins.setup", args=args,
                                 mode="pyexec", env=env, expect="any" if what in FILES or what in ACCEPTABLE else "error"))
        cases.append(common.case("plugins", "cli-ops", what, setup="plugins.setup", args=args, mode="argv",
                                 argv=["{plexus}", "ops"], env=env, expect="any"))
    return cases
