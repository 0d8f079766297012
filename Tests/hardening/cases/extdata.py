"""External data that reaches outside the model's folder or cannot be read safely: `..` and
absolute locations, symlinks to files outside, to /etc/passwd, /dev/zero, /dev/urandom, named
pipes, folders, /proc files, offsets and lengths that are negative, past the end or 2^63-1,
malformed keys, payloads that do not match the dims. The model is `Y = Identity(W)` with W
external, so a location that is read shows up in the output; reading any byte from outside the
model's folder is WRONG whatever the status."""
import os

import numpy as np
from onnx import TensorProto, helper

from . import common, sessions

SECRET = bytes(range(64))  # what "outside the model's folder" holds


def model_bytes(entries, dims=(16,), data_location=TensorProto.EXTERNAL):
    w = TensorProto()
    w.name, w.data_type = "W", TensorProto.FLOAT
    w.dims.extend(dims)
    w.data_location = data_location
    for key, value in entries:
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph([helper.make_node("Identity", ["W"], ["Y"])], "g", [],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def setup(args, folder):
    m = os.path.join(folder, "m")
    os.makedirs(m)
    with open(os.path.join(folder, "secret.bin"), "wb") as f:
        f.write(SECRET)
    target = os.path.join(m, "w.bin")
    what = args.get("file", "regular")
    if what == "regular":
        with open(target, "wb") as f:
            f.write(np.arange(args.get("floats", 16), dtype=np.float32).tobytes())
    elif what == "symlink":
        os.symlink(args["to"].replace("{dir}", folder), target)
    elif what == "fifo":
        os.mkfifo(target)
    elif what == "directory":
        os.mkdir(target)
    elif what == "sparse":
        with open(target, "wb") as f:
            f.truncate(args["size"])
    elif what == "subdir-symlink":
        os.symlink(args["to"], os.path.join(m, "sub"))
    entries = [(k, v.replace("{dir}", folder)) for k, v in args["entries"]]
    with open(os.path.join(m, "model.onnx"), "wb") as f:
        f.write(model_bytes(entries, args.get("dims", [16]), args.get("data_location", TensorProto.EXTERNAL)))


def forbidden(folder):
    """Byte strings that must never appear in an output: the files outside the model folder."""
    found = [SECRET[:16]]
    try:
        with open("/etc/passwd", "rb") as f:
            found.append(f.read(16))
    except OSError:
        pass
    return found


def run(args, folder):
    args = dict(args, model="m/model.onnx")
    result = sessions.session(args, folder)
    outputs = result.get("outputs") or []
    for output in outputs:
        data = np.asarray(output).tobytes()
        for secret in forbidden(folder):
            if secret and secret in data:
                result["wrong"] = "the output holds bytes of a file outside the model's folder"
        if data and data == b"\0" * len(data) and args.get("zero_is_leak"):
            result["wrong"] = "the output holds /dev/zero's bytes"
    return result


def generate(rng):
    cases = []

    def add(name, entries, expect="error", cli=True, **extra):
        args = {"entries": entries, **extra}
        cases.append(common.case("extdata", name.split(":")[0], name, run="extdata.run", setup="extdata.setup",
                                 args=args, expect=expect))
        if cli:
            for command in ("run", "info"):
                argv = ["{plexus}", command, "{dir}/m/model.onnx"] + (["--output-dir", "{dir}"] if command == "run" else [])
                cases.append(common.case("extdata", name.split(":")[0], f"{name}/cli-{command}", setup="extdata.setup",
                                         args=args, mode="argv", argv=argv, expect=expect if command == "run" else "any"))

    loc = [("location", "w.bin")]
    add("control:regular", loc, expect="any")
    add("control:longer-file", loc, expect="any", floats=20)
    add("escape:dotdot", [("location", "../secret.bin")])
    add("escape:absolute", [("location", "{dir}/secret.bin")])
    add("escape:etc-passwd", [("location", "/etc/passwd")])
    add("escape:dotdot-deep", [("location", "a/../../secret.bin")])
    add("escape:proc-environ", [("location", "/proc/self/environ")])
    add("escape:proc-mem", [("location", "/proc/self/mem")])
    add("symlink:outside", loc, file="symlink", to="{dir}/secret.bin")
    add("symlink:relative-outside", loc, file="symlink", to="../secret.bin")
    add("symlink:etc-passwd", loc, file="symlink", to="/etc/passwd")
    add("symlink:dev-zero", loc, file="symlink", to="/dev/zero", zero_is_leak=True)
    add("symlink:dev-urandom", loc, file="symlink", to="/dev/urandom")
    add("symlink:dangling", loc, file="symlink", to="/nonexistent/x.bin")
    add("symlink:self-loop", loc, file="symlink", to="w.bin")
    add("symlink:subdir-to-parent", [("location", "sub/secret.bin")], file="subdir-symlink", to="..")
    add("symlink:subdir-to-etc", [("location", "sub/passwd")], file="subdir-symlink", to="/etc")
    add("device:dev-zero", [("location", "/dev/zero")], zero_is_leak=True)
    add("special:fifo", loc, file="fifo")
    add("special:directory", loc, file="directory")
    add("special:empty-location", [("location", "")])
    add("special:dot", [("location", ".")])
    add("special:nul-in-location", [("location", "w.bin\0/../../secret.bin")])
    add("special:long-location", [("location", "a" * 5000)])
    add("special:missing-location", [("offset", "0")])
    add("special:duplicate-location", [("location", "w.bin"), ("location", "../secret.bin")])
    add("special:no-entries", [])
    add("special:default-location-with-entries", loc, expect="any", data_location=TensorProto.DEFAULT)
    for label, offset in [("max", str(common.INT64_MAX)), ("minus1", "-1"), ("at-end", "64"), ("past-end", "65"),
                          ("2^64", str(2 ** 64)), ("abc", "abc"), ("float", "1e3"), ("min", str(common.INT64_MIN)),
                          ("empty", "")]:
        add(f"offset:{label}", loc + [("offset", offset)])
    for label, length in [("2^62", str(2 ** 62)), ("minus5", "-5"), ("zero", "0"), ("short", "32"), ("long", "128"),
                          ("max", str(common.INT64_MAX)), ("abc", "x")]:
        add(f"length:{label}", loc + [("length", length)])
    add("length:offset-plus-length-overflows", loc + [("offset", "8"), ("length", str(common.INT64_MAX))])
    add("payload:file-too-short", loc, floats=8)
    add("payload:dims-2^40", loc, dims=[2 ** 40])
    add("payload:dims-negative", loc, dims=[-16])
    add("payload:sparse-4GiB", loc, file="sparse", size=1 << 32, dims=[1 << 30], cli=False, load_only=True, expect="any")
    add("payload:sparse-16GiB", loc, file="sparse", size=1 << 34, dims=[1 << 32], cli=False, load_only=True)
    add("memory:from-memory", loc, from_memory=True, cli=False)
    return cases
