"""Loads a third-party plugin written in plain C — the swish example in Plugins/examples/swish —
and uses what it registers: the layer type "Swish" (by name) and the op
org.plexus.examples::Swish.

    python load_plugin.py [path/to/libplexus-example-swish.so]

Build the plugin first (cd Plugins/examples/swish && make, with plexus.pc on PKG_CONFIG_PATH, or
cc -shared -fPIC -I include -o libplexus-example-swish.so swish.c -lm). Without it the example
says so and exits successfully.
"""
import pathlib
import sys

import numpy as np

import plexus
import plexus.nn as nn

DEFAULT = pathlib.Path(__file__).resolve().parents[3] / "Plugins" / "examples" / "swish" / "libplexus-example-swish.so"


def main(argv):
    """Loads the plugin given on the command line (or the default build) and uses it."""
    path = pathlib.Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not path.is_file():
        print(f"the swish example plugin is not built ({path} is missing); build it with `make` in "
              "Plugins/examples/swish, then run this again")
        return 0
    info = plexus.load_plugin(path)
    print(f"loaded plugin {info.name} {info.version} from {info.path} ({info.op_count} ops)")
    print("plugins now loaded:", ", ".join(p.name for p in plexus.plugins()))

    plexus.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Layer("Swish"), nn.Linear(8, 1))
    print(model)
    print("parameters:", [name for name, _ in model.named_parameters()])
    x = plexus.tensor(np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4))
    print("model output:", model(x).numpy().ravel())
    y = plexus.op("Swish", x, plexus.tensor([1.0]), domain="org.plexus.examples")
    expected = x.numpy() / (1 + np.exp(-x.numpy()))
    print("op Swish matches x·sigmoid(x):", bool(np.allclose(y.numpy(), expected, atol=1e-6)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
