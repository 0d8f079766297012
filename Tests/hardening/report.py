"""The report: crashes located with gdb (the first frame in the project's sources), the
per-kind table, the distinct failures grouped by kind, group and signature with one reproduction
command each, and results.json."""
import collections
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from execution import case_environment, save_reproducer, substitute
from verdicts import FAILING, VERDICTS

HERE = pathlib.Path(__file__).resolve().parent
KINDS = ["models", "folding", "extdata", "ops", "tensors", "files", "python", "plugins", "cli"]


def triage(folder, case):
    if case["mode"] == "argv":
        argv = [substitute(a, folder) for a in case["argv"]]
    else:
        argv = [sys.executable, str(HERE / "child.py"), str(folder)]
    env = case_environment(case, folder)
    command = ["gdb", "-q", "-batch", "-ex", "set pagination off", "-ex", "run", "-ex", "bt 60", "--args", *argv]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=folder,
                             stdin=subprocess.DEVNULL).stdout
    except (subprocess.TimeoutExpired, OSError):
        return ""
    from cases.common import ROOT
    for line in out.splitlines():
        match = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\S+).* at (\S+):(\d+)", line)
        if match and ("/Sources/" in match.group(2) or "/Plugins/" in match.group(2)
                      or match.group(2).startswith(("Sources/", "Plugins/"))):
            symbol = demangle(match.group(1))
            path = match.group(2).replace(str(ROOT) + "/", "")
            return f"{path}:{match.group(3)} {symbol}"
    return ""


def demangle(symbol):
    try:
        return subprocess.run(["/opt/swift/usr/bin/swift-demangle", "--simplified", "--compact", symbol],
                              capture_output=True, text=True, timeout=10).stdout.strip()[:160]
    except (OSError, subprocess.TimeoutExpired):
        return symbol


def repro_command(saved):
    from cases.common import ROOT
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    return f"{python} Tests/hardening/run.py --replay {saved}"


def add_triage(records, args):
    """gdb's first project frame for crashes, once per distinct fatal message (up to --triage)."""
    seen, done = {}, 0
    for record in records:
        if record["verdict"] != "CRASH" or "repro" not in record:
            continue
        key = (record["kind"], record["group"], record["signature"])
        if key in seen:
            record["frame"] = seen[key]
            continue
        if done >= args.triage:
            continue
        saved = pathlib.Path(record["repro"].split("--replay ")[1])
        case = json.loads((saved / "case.json").read_text())
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="plexus-triage-"))
        try:
            save_reproducer(saved, scratch / "c")
            record["frame"] = seen[key] = triage(scratch / "c", case)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        done += 1


def summarise(records, out):
    kinds = sorted(set(r["kind"] for r in records), key=lambda k: KINDS.index(k) if k in KINDS else 99)
    columns = VERDICTS + ["SKIP"]
    lines = [f"{'kind':<10}{'cases':>7}" + "".join(f"{v:>8}" for v in columns)]
    totals = collections.Counter()
    for kind in kinds:
        counts = collections.Counter(r["verdict"] for r in records if r["kind"] == kind)
        totals.update(counts)
        lines.append(f"{kind:<10}{sum(counts.values()):>7}" + "".join(f"{counts.get(v, 0):>8}" for v in columns))
    lines.append(f"{'total':<10}{sum(totals.values()):>7}" + "".join(f"{totals.get(v, 0):>8}" for v in columns))
    print("\n".join(lines))
    groups = collections.OrderedDict()
    for r in records:
        if r["verdict"] in FAILING:
            key = (r["verdict"], r["kind"], r["group"], r.get("frame") or r["signature"])
            groups.setdefault(key, []).append(r)
    print(f"\n{len(groups)} distinct failures ({sum(len(v) for v in groups.values())} cases):")
    order = {v: i for i, v in enumerate(["CRASH", "HANG", "OOM", "UNCLEAR", "WRONG"])}
    for key in sorted(groups, key=lambda k: (order[k[0]], k[1], k[2])):
        items = groups[key]
        first = items[0]
        print(f"\n{key[0]:<8}{first['kind']}/{first['group']}  x{len(items)}")
        if first.get("frame"):
            print(f"    at   {first['frame']}")
        print(f"    why  {first['detail'][:400]}")
        print(f"    e.g. {first['id']}" + (f" (+{len(items) - 1}: " + ", ".join(i['id'].split('/', 2)[2] for i in items[1:6])
                                             + (" ..." if len(items) > 6 else "") + ")" if len(items) > 1 else ""))
        print(f"    repro {first['repro']}")
    notes = collections.Counter((r["kind"], r["group"], r["signature"]) for r in records if r["verdict"] == "NOTE")
    if notes:
        print(f"\n{sum(notes.values())} notes (accepted where onnxruntime refuses, or implementation-defined):")
        for (kind, group, signature), n in notes.most_common(40):
            print(f"    {n:>4}  {kind}/{group}: {signature}")
    (out / "results.json").write_text(json.dumps(records, indent=1))
    print(f"\nresults: {out / 'results.json'}; reproducers: {out / 'cases'}")
