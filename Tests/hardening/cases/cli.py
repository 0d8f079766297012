"""The `plexus` command with bad files and bad options: run/info/check/bench on missing, empty,
garbage, special (/dev/zero, FIFO, folder) and hostile models (Conv with stride 0 for `check`);
numeric options that are negative, zero, huge or not numbers; symbolic dims set to 2^40;
`train` with impossible sizes, rates, opsets and destinations; `plugins`/`ops` with bad paths.
A nonzero exit with a message is the right answer where expect is "error"."""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from . import common

MAX = common.INT64_MAX
DIGITS = "{root}/data/digits.npz"


def _save(model, path):
    model.ir_version = 8
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def setup(args, folder):
    relu = helper.make_graph([helper.make_node("Relu", ["X"], ["Y"])], "g",
                             [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 3])],
                             [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 3])])
    _save(helper.make_model(relu, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(folder, "relu.onnx"))
    w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "W")
    for name, strides in (("conv-stride0", [0, 0]), ("conv-stride-neg", [-1, -1]), ("conv-stride-huge", [2 ** 62, 1])):
        conv = helper.make_graph([helper.make_node("Conv", ["X", "W"], ["Y"], strides=strides)], "g",
                                 [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 5, 5])],
                                 [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=[w])
        _save(helper.make_model(conv, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(folder, name + ".onnx"))
    dilated = helper.make_graph([helper.make_node("Conv", ["X", "W"], ["Y"], dilations=[0, 0])], "g",
                                [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 5, 5])],
                                [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=[w])
    _save(helper.make_model(dilated, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(folder, "conv-dilation0.onnx"))
    reshape = helper.make_graph([helper.make_node("Reshape", ["X", "S"], ["Y"])], "g",
                                [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
                                [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                                initializer=[numpy_helper.from_array(np.array([-7, -7], np.int64), "S")])
    _save(helper.make_model(reshape, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(folder, "reshape-bad.onnx"))
    weird = helper.make_graph([helper.make_node("Relu", ["X"], ["../../evil/Y"])], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("../../evil/Y", TensorProto.FLOAT, [2])])
    _save(helper.make_model(weird, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(folder, "traversal.onnx"))
    np.save(os.path.join(folder, "x.npy"), np.ones((2, 3), np.float32))
    np.save(os.path.join(folder, "x2.npy"), np.ones(2, np.float32))
    with open(os.path.join(folder, "garbage.onnx"), "wb") as f:
        f.write(bytes(range(256)) * 8)
    open(os.path.join(folder, "empty.onnx"), "wb").close()
    os.mkdir(os.path.join(folder, "folder.onnx"))
    os.mkfifo(os.path.join(folder, "fifo.onnx"))
    os.symlink("/dev/zero", os.path.join(folder, "zero.onnx"))
    with open(os.path.join(folder, "afile"), "w") as f:
        f.write("x")


def check_traversal(args, folder, raw):
    """`plexus run` must not write outside --output-dir through an output's name."""
    parent = os.path.dirname(os.path.dirname(folder))
    for candidate in (os.path.join(parent, "evil"), os.path.join(os.path.dirname(folder), "evil")):
        if os.path.exists(candidate):
            return f"an output name wrote outside --output-dir: {candidate}"
    return None


def generate(rng):
    cases = []

    def add(name, argv, expect="error", post=None):
        record = common.case("cli", argv[0] if argv else "none", name, setup="cli.setup", mode="argv", argv=["{plexus}", *argv],
                             expect=expect)
        if post:
            record["post"] = post
        cases.append(record)

    model_files = ["missing.onnx", "garbage.onnx", "empty.onnx", "folder.onnx", "fifo.onnx", "zero.onnx"]
    for command in ("run", "info", "check", "bench"):
        for name in model_files:
            add(f"{command}-{name}", [command, f"{{dir}}/{name}"])
    for name in ("conv-stride0", "conv-stride-neg", "conv-stride-huge", "conv-dilation0"):
        add(f"check-{name}", ["check", f"{{dir}}/{name}.onnx"], expect="any")
        add(f"run-{name}", ["run", f"{{dir}}/{name}.onnx", "--output-dir", "{dir}"])
        add(f"info-{name}", ["info", f"{{dir}}/{name}.onnx"], expect="any")
    add("run-reshape-bad", ["run", "{dir}/reshape-bad.onnx", "--output-dir", "{dir}"])
    add("run-traversal-output-name", ["run", "{dir}/traversal.onnx", "--input", "X={dir}/x2.npy", "--output-dir", "{dir}"],
        expect="any", post="cli.check_traversal")
    run = ["run", "{dir}/relu.onnx", "--input", "X={dir}/x.npy", "--output-dir", "{dir}"]
    for label, value in [("minus1", "-1"), ("2^40", str(2 ** 40)), ("abc", "abc"), ("beyond-int64", "9" * 30),
                         ("max", str(MAX)), ("min", str(common.INT64_MIN))]:
        add(f"run-threads-{label}", run + ["--threads", value])
        add(f"bench-threads-{label}", ["bench", "{dir}/relu.onnx", "--repeats", "1", "--threads", value])
        add(f"train-threads-{label}", ["train", "--data", DIGITS, "--epochs", "1", "--hidden", "8", "--checkpoint", "{dir}/c.safetensors",
                                       "--threads", value])
    add("run-input-no-equals", ["run", "{dir}/relu.onnx", "--input", "{dir}/x.npy"])
    add("run-input-unknown-name", ["run", "{dir}/relu.onnx", "--input", "Nope={dir}/x.npy", "--output-dir", "{dir}"])
    add("run-input-missing-file", ["run", "{dir}/relu.onnx", "--input", "X={dir}/nope.npy"])
    add("run-input-folder", ["run", "{dir}/relu.onnx", "--input", "X={dir}"])
    add("run-input-empty-name", ["run", "{dir}/relu.onnx", "--input", "={dir}/x.npy"])
    add("run-input-twice", run + ["--input", "X={dir}/x2.npy"], expect="any")
    add("run-no-input", ["run", "{dir}/relu.onnx", "--output-dir", "{dir}"])
    add("run-output-dir-missing", ["run", "{dir}/relu.onnx", "--input", "X={dir}/x.npy", "--output-dir", "{dir}/no/such"])
    add("run-output-dir-file", ["run", "{dir}/relu.onnx", "--input", "X={dir}/x.npy", "--output-dir", "{dir}/afile"])
    add("run-output-dir-proc", ["run", "{dir}/relu.onnx", "--input", "X={dir}/x.npy", "--output-dir", "/proc"])
    bench = ["bench", "{dir}/relu.onnx"]
    for option, values in [("--repeats", ["-1", "0", "abc", "9" * 30]), ("--warmup", ["-5", "abc"]),
                           ("--dim", ["N=-1", f"N={2 ** 40}", f"N={2 ** 62}", "N=abc", "noequals", "Nope=3", "N=",
                                      f"N={MAX}"]),
                           ("--backends", ["bogus", "", ",,,"]), ("--disable", ["bogus", ""])]:
        for value in values:
            expect = "any" if (option, value) in (("--repeats", "0"), ("--backends", ""), ("--backends", ",,,"),
                                                  ("--dim", "Nope=3")) else "error"
            add(f"bench{option}={value[:20]}", bench + ["--repeats", "1", option, value] if option != "--repeats"
                else bench + [option, value], expect=expect)
    train = ["train", "--data", DIGITS, "--epochs", "1", "--hidden", "8", "--checkpoint", "{dir}/c.safetensors"]
    for option, values in [("--model", ["bogus", ""]), ("--epochs", ["-1", "0", "abc"]),
                           ("--batch-size", ["0", "-1", str(2 ** 40), str(MAX)]),
                           ("--hidden", ["0", "-5", str(2 ** 40), str(2 ** 62)]), ("--lr", ["nan", "inf", "-1", "abc"]),
                           ("--optimizer", ["bogus", ""]), ("--seed", ["-1", "abc"]),
                           ("--checkpoint", ["{dir}/no/such/c.safetensors", "{dir}", "/proc/c.safetensors"]),
                           ("--export", ["{dir}/no/such/m.onnx", "{dir}"]),
                           ("--opset", ["0", "-1", "99", str(2 ** 40)]), ("--data", ["{dir}", "{dir}/missing.npz"])]:
        for value in values:
            argv = [a for a in train]
            if option in ("--epochs", "--hidden", "--checkpoint", "--data"):
                position = argv.index(option)
                del argv[position:position + 2]
            extra = [option, value]
            if option == "--opset":
                extra += ["--export", "{dir}/m.onnx"]
            expect = "any" if (option, value) in (("--batch-size", str(2 ** 40)), ("--batch-size", str(MAX)),
                                                  ("--epochs", "0")) else "error"
            add(f"train{option}={value.replace('{dir}', 'DIR')[:24]}", argv + extra, expect=expect)
    for model in ("cnn", "lstm", "transformer"):
        add(f"train-{model}-hidden-2^40", ["train", "--data", DIGITS, "--model", model, "--epochs", "1", "--hidden", str(2 ** 40),
                                           "--checkpoint", "{dir}/c.safetensors"])
        add(f"train-{model}-hidden-0", ["train", "--data", DIGITS, "--model", model, "--epochs", "1", "--hidden", "0",
                                        "--checkpoint", "{dir}/c.safetensors"])
    for value in ("/nonexistent.so", "{dir}", "{dir}/afile", "{dir}/fifo.onnx", "/dev/zero", ""):
        add(f"plugins-load={value.replace('{dir}', 'DIR')}", ["plugins", "--load", value])
    add("plugins-write-index-missing-dir", ["plugins", "--write-index", "{dir}/no/such/index.json"])
    add("plugins-write-index-proc", ["plugins", "--write-index", "/proc/index.json"])
    add("ops-plugin-bogus", ["ops", "--plugin", "bogus"], expect="any")
    add("unknown-command", ["frobnicate"])
    add("no-arguments", [], expect="any")
    return cases
