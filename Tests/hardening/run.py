"""The bad-input suite of issue 19: malformed models, tensors, data files, plugins and command
lines, each case in its own process under a memory cap and a timeout, classified as

    OK       a clean refusal (Python exception of a documented type, nonzero plx_status with a
             message, CLI exit != 0 with a message) or a result that agrees with the reference
    NOTE     accepted where onnxruntime refuses, or a difference in implementation-defined
             territory (listed, not counted as a failure)
    WRONG    accepted an input that must be refused, or a result that disagrees with onnxruntime
    UNCLEAR  PLX_ERR_INTERNAL, an empty message, or a bare KeyError/AttributeError/IndexError/...
    CRASH    killed by a signal (Swift trap, abort, segfault) or exited without an answer
    HANG     still running at the timeout
    OOM      out of memory outside of a clean PLX_ERR_OUT_OF_MEMORY (SIGKILL, Python MemoryError)

Usage (from the repository root):

    .venv/bin/python Tests/hardening/run.py [--kinds models,ops,...] [--limit N] [--jobs 1]
        [--seed 0] [--out /tmp/plexus-hardening] [--match REGEX] [--timeout 15] [--triage 40]
    .venv/bin/python Tests/hardening/run.py --replay FOLDER   # one saved reproducer, fresh process
    .venv/bin/python Tests/hardening/run.py --list --kinds ops  # only print the case ids

Generation is deterministic from --seed. Failing cases are saved under OUT/cases/<id>/ with a
case.json and their files; the summary names one reproduction command per case, and
OUT/results.json holds every verdict.
"""
import argparse
import collections
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


from execution import prepare, run_case, safe_name, save_reproducer, substitute  # noqa: E402
from reference import Reference, reference_for  # noqa: E402
from report import KINDS, add_triage, repro_command, summarise  # noqa: E402
from verdicts import FAILING, classify  # noqa: E402


def generate(kinds, seed):
    """Every case of the given kinds, in a stable order."""
    import importlib
    cases = []
    for kind in kinds:
        module = importlib.import_module("cases." + kind)
        made = module.generate(random.Random(f"{seed}/{kind}"))
        ids = collections.Counter(c["id"] for c in made)
        duplicated = [i for i, n in ids.items() if n > 1]
        assert not duplicated, f"duplicate case ids in {kind}: {duplicated[:5]}"
        cases.extend(made)
    return cases


def select_cases(cases, args):
    always = [c for c in cases if args.also and re.search(args.also, c["id"])]
    if args.match:
        pattern = re.compile(args.match)
        cases = [c for c in cases if pattern.search(c["id"])]
    if args.exclude:
        pattern = re.compile(args.exclude)
        cases = [c for c in cases if not pattern.search(c["id"])]
    if args.limit:
        by_kind = collections.defaultdict(list)
        for c in cases:
            by_kind[c["kind"]].append(c)
        chosen = []
        for kind, items in by_kind.items():
            if len(items) > args.limit:
                rng = random.Random(f"{args.seed}/limit/{kind}")
                keep = set(c["id"] for c in rng.sample(items, args.limit))
                items = [c for c in items if c["id"] in keep]
            chosen.extend(items)
        cases = chosen
    if always:
        chosen = set(c["id"] for c in cases)
        cases = cases + [c for c in always if c["id"] not in chosen]
    if args.shard:
        index, count = map(int, args.shard.split("/"))
        cases = cases[index::count]
    return cases


def warm_up():
    """Loads libplexus, its plugins and the Python package in this process, so that forked
    children start ready; refuses to continue when that already leaves threads behind."""
    from cases import common
    lib = common.c().lib
    count = lib.plx_plugin_count()
    common.python_package()
    threads = len(os.listdir("/proc/self/task"))
    return count, threads


def run_all(cases, args):
    work = pathlib.Path(tempfile.mkdtemp(prefix="plexus-hardening-"))
    out = pathlib.Path(args.out)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    reference = Reference(args.memory, args.timeout)
    if any(c["mode"] == "py" for c in cases):
        plugins, threads = warm_up()
        if plugins == 0:
            print("warning: no plugins loaded: is .build/release complete?", file=sys.stderr)
        if threads > 1:
            print(f"warning: {threads} threads before forking", file=sys.stderr)
    library = common_library_stamp()
    records = []
    started = time.monotonic()
    try:
        for number, case in enumerate(cases):
            folder = work / safe_name(case["id"])
            t0 = time.monotonic()
            try:
                prepare(case, folder, args.memory)
            except Exception as error:  # noqa: BLE001 - a generator bug, not a Plexus finding
                records.append({"id": case["id"], "kind": case["kind"], "group": case["group"], "verdict": "SKIP",
                                "detail": f"setup failed: {type(error).__name__}: {error}"[:300], "signature": ""})
                shutil.rmtree(folder, ignore_errors=True)
                continue
            ref = reference_for(case, folder, reference) if case.get("ref") == "ort" else None
            raw = run_case(case, folder, args.timeout, args.memory)
            verdict, detail, signature = classify(case, raw, ref)
            record = {"id": case["id"], "kind": case["kind"], "group": case["group"], "verdict": verdict,
                      "detail": detail, "signature": signature, "seconds": round(time.monotonic() - t0, 2)}
            if verdict in FAILING:
                saved = out / "cases" / safe_name(case["id"])
                save_reproducer(folder, saved)
                record["repro"] = repro_command(saved)
                record["stderr"] = raw.get("stderr", "")[-1500:]
            records.append(record)
            shutil.rmtree(folder, ignore_errors=True)
            if args.progress and (number + 1) % args.progress == 0:
                counts = collections.Counter(r["verdict"] for r in records)
                print(f"[{number + 1}/{len(cases)} {time.monotonic() - started:.0f}s] {dict(counts)}", file=sys.stderr,
                      flush=True)
    finally:
        reference.stop()
        shutil.rmtree(work, ignore_errors=True)
    if common_library_stamp() != library:
        print("warning: libplexus.so changed during the run; rerun the failures with --replay", file=sys.stderr)
    return records


def common_library_stamp():
    from cases.common import LIBRARY
    try:
        return LIBRARY.stat().st_mtime
    except OSError:
        return None


def replay(folder, args):
    folder = pathlib.Path(folder).resolve()
    case = json.loads((folder / "case.json").read_text())
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="plexus-replay-"))
    try:
        work = scratch / "c"
        save_reproducer(folder, work)
        if case["mode"] == "py":
            case = dict(case, mode="pyexec")
        reference = Reference(args.memory, args.timeout)
        ref = reference_for(case, work, reference) if case.get("ref") == "ort" else None
        reference.stop()
        raw = run_case(case, work, args.timeout, args.memory)
        verdict, detail, _ = classify(case, raw, ref)
        print(f"{case['id']}: {verdict}: {detail}")
        if case["mode"] == "argv":
            print("command:", " ".join(substitute(a, work) for a in case["argv"]))
        if raw.get("stderr"):
            print("--- stderr (tail) ---\n" + raw["stderr"][-2000:])
        if ref is not None:
            print("--- onnxruntime:", ref[0], "" if ref[0] == "ok" else ref[1])
        return 0 if verdict in ("OK", "NOTE") else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--limit", type=int, default=0, help="at most N cases per kind (a seeded sample)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--match", help="only case ids matching this regex")
    parser.add_argument("--exclude", help="no case ids matching this regex")
    parser.add_argument("--also", help="case ids matching this regex run whatever --limit/--match/--exclude say")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per case")
    parser.add_argument("--memory", type=float, default=4.0, help="address-space cap per case, GiB")
    parser.add_argument("--out", default=str(pathlib.Path(tempfile.gettempdir()) / "plexus-hardening"))
    parser.add_argument("--triage", type=int, default=40, help="crashes to locate with gdb (distinct messages)")
    parser.add_argument("--progress", type=int, default=200)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--replay", help="a saved reproducer folder")
    parser.add_argument("--shard", help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":  # numpy's BLAS threads would be forked
        os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        os.execv(sys.executable, [sys.executable, *sys.argv])
    if args.replay:
        return replay(args.replay, args)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)} (known: {','.join(KINDS)})")
    cases = select_cases(generate(kinds, args.seed), args)
    if args.list:
        for c in cases:
            print(c["id"])
        return 0
    if args.jobs > 1 and not args.shard:
        records = run_sharded(args)
    else:
        records = run_all(cases, args)
        if args.records:
            pathlib.Path(args.records).write_text(json.dumps(records))
            return 0
    out = pathlib.Path(args.out)
    add_triage(records, args)
    summarise(records, out)
    return 1 if any(r["verdict"] in FAILING for r in records) else 0


def run_sharded(args):
    processes, files = [], []
    for index in range(args.jobs):
        records = pathlib.Path(tempfile.mkstemp(prefix="plexus-hardening-shard-", suffix=".json")[1])
        files.append(records)
        argv = [a for a in sys.argv[1:]]
        argv += ["--shard", f"{index}/{args.jobs}", "--records", str(records), "--jobs", "1"]
        processes.append(subprocess.Popen([sys.executable, __file__, *argv]))
    for process in processes:
        process.wait()
    records = []
    for path in files:
        try:
            records.extend(json.loads(path.read_text()))
        except (OSError, ValueError):
            print(f"warning: shard {path} left no records", file=sys.stderr)
        path.unlink(missing_ok=True)
    return records


if __name__ == "__main__":
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
