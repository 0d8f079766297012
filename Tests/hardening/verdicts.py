"""Verdicts: what a case's run means (OK, NOTE, WRONG, UNCLEAR, CRASH, HANG, OOM), from its
outcome record or exit status, its expectation and the onnxruntime reference."""
import re
import signal

VERDICTS = ["OK", "NOTE", "WRONG", "UNCLEAR", "CRASH", "HANG", "OOM"]
FAILING = {"WRONG", "UNCLEAR", "CRASH", "HANG", "OOM"}
UNCLEAR_EXCEPTIONS = {"KeyError", "AttributeError", "RecursionError", "ZeroDivisionError", "IndexError",
                      "OverflowError", "ArgumentError", "error", "AssertionError", "NameError", "UnboundLocalError",
                      "SystemError", "StopIteration", "UnicodeDecodeError", "UnicodeEncodeError", "SystemExit"}


def normalise(text):
    """A message with numbers and quoted names blanked, for grouping."""
    text = re.sub(r"0x[0-9a-fA-F]+", "#", text)
    text = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", text)
    text = re.sub(r"'[^']*'", "'_'", text)
    text = re.sub(r"/tmp/\S+", "PATH", text)
    return text.strip()[:160]


def fatal_line(stderr):
    for line in stderr.splitlines():
        if "Fatal error" in line or "fatal error" in line or "Assertion" in line or "Segmentation" in line:
            return line.strip()
    return ""


def message_of(raw):
    """What a command said: its stderr, else its stdout."""
    return (raw.get("stderr") or "").strip() or (raw.get("stdout") or "").strip()


def compare(ours, theirs, case):
    """None when our outputs agree with onnxruntime's, else (verdict, detail). args["compare"]
    says how strict: "strict" (any difference is WRONG), "nan" (NaN propagation: a NaN turned into
    a finite number or a finite number into NaN is WRONG, other differences NOTE), "overflow"
    (huge or extreme inputs: values depend on evaluation order, so only shapes and dtypes count),
    "loose" (results the standard leaves open: every difference is a NOTE)."""
    import numpy as np
    if ours is None:
        return None
    mode = case["args"].get("compare") or ("nan" if case["args"].get("nan_inputs") else "strict")
    for index, (a, b) in enumerate(zip(ours, theirs)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return ("NOTE" if mode == "loose" else "WRONG",
                    f"output {index}: shape {list(a.shape)} vs onnxruntime {list(b.shape)}")
        if a.dtype != b.dtype and not (a.dtype.kind in "OUS" and b.dtype.kind in "OUS"):
            return ("WRONG", f"output {index}: dtype {a.dtype} vs onnxruntime {b.dtype}")
        if a.dtype.kind in "fc":
            a64, b64 = a.astype(np.float64).reshape(-1), b.astype(np.float64).reshape(-1)
            nan_a, nan_b = np.isnan(a64), np.isnan(b64)
            lost = nan_b & np.isfinite(a64)
            introduced = nan_a & np.isfinite(b64)
            ignored = case["args"].get("ort_nan_unreliable", [])
            for mask, what in ((lost, "NaN lost"), (introduced, "NaN introduced")):
                if mask.any():
                    where = int(np.argmax(mask))
                    verdict = "NOTE" if mode in ("overflow", "loose") or what in ignored else "WRONG"
                    return (verdict, f"output {index}: {what} (ours {a64[where]!r}, onnxruntime {b64[where]!r}) "
                                     f"[{int(mask.sum())} of {mask.size}]")
            same = (a64 == b64) | (nan_a & nan_b)
            both_finite = np.isfinite(a64) & np.isfinite(b64)
            close = both_finite & (np.abs(a64 - b64) <= 1e-3 * np.maximum(np.abs(b64), 1.0) + 1e-5)
            bad = ~(same | close)
            if bad.any():
                where = int(np.argmax(bad))
                verdict = "WRONG" if mode == "strict" else "NOTE"
                return (verdict, f"output {index}: value {a64[where]!r} vs onnxruntime {b64[where]!r} "
                                 f"[{int(bad.sum())} of {bad.size}]")
        elif a.dtype.kind in "biu":
            if (a != b).any():
                where = int(np.argmax((a != b).reshape(-1)))
                verdict = "WRONG" if mode == "strict" else "NOTE"
                return (verdict, f"output {index}: integer {a.reshape(-1)[where]} vs onnxruntime {b.reshape(-1)[where]}")
    return None


def classify(case, raw, ref):
    """(verdict, detail, signature) of one run."""
    if raw.get("timeout"):
        return "HANG", "still running at the timeout", "timeout"
    result = raw.get("result")
    sig = raw.get("signal")
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGKILL:
            return "OOM", "killed (SIGKILL)", "SIGKILL"
        fatal = fatal_line(raw.get("stderr", ""))
        return "CRASH", f"{name}: {fatal}" if fatal else name, f"{name} {normalise(fatal)}"
    if case["mode"] == "argv":
        rc, text = raw.get("rc", 0), message_of(raw)
        if raw.get("wrong"):
            return "WRONG", raw["wrong"], normalise(raw["wrong"])
        if rc != 0:
            if not text:
                return "UNCLEAR", f"exit {rc} with no message", "empty message"
            if "internal error" in text.lower() or "please report" in text.lower():
                return "UNCLEAR", f"exit {rc}: {text[-300:]}", normalise(text[-160:])
            if "Traceback (most recent call last)" in text:
                last = text.strip().splitlines()[-1]
                exc = last.split(":")[0]
                if exc in UNCLEAR_EXCEPTIONS:
                    return "UNCLEAR", last[:300], normalise(last)
            said = [line for line in text.splitlines() if "rror" in line] or text.splitlines()
            return "OK", f"exit {rc}: {said[-1][:200]}", ""
        if case["expect"] == "error":
            return "WRONG", f"accepted (exit 0): {text[-200:]}", "accepted"
        return "OK", "exit 0", ""
    if result is None:
        rc = raw.get("rc")
        fatal = fatal_line(raw.get("stderr", ""))
        return "CRASH", f"exited ({rc}) without an answer {fatal}", f"exit {rc} {normalise(fatal)}"
    outcome = result["outcome"]
    if outcome == "error":
        message = (result.get("message") or "").strip()
        if result.get("code") == 12:
            return "UNCLEAR", f"PLX_ERR_INTERNAL: {message[:300]}", "INTERNAL " + normalise(message)
        if not message or message.lower() in ("internal error", "error"):
            return "UNCLEAR", f"status {result.get('code')} with message {message!r}", "empty message"
        return "OK", f"status {result.get('code')}: {message[:200]}", ""
    if outcome == "exception":
        exc, message = result.get("exc"), result.get("message", "")
        mro = result.get("exc_mro", [exc])
        if "PlexusError" in mro:
            if result.get("code") == 12 or exc == "InternalError":
                return "UNCLEAR", f"{exc}: {message[:300]}", "INTERNAL " + normalise(message)
            if not message.strip():
                return "UNCLEAR", f"{exc} with an empty message", "empty message"
            return "OK", f"{exc}: {message[:200]}", ""
        if exc == "MemoryError":
            return "OOM", f"MemoryError outside Plexus: {result.get('where')}", "MemoryError"
        if exc == "IndexError" and not re.search(r"^(list|tuple|string|array) index out of range$|^index \d+ is out of "
                                                 r"bounds for axis", message):
            return "OK", f"{exc}: {message[:200]}", ""  # the idiomatic error of a bad index, worded by Plexus
        if exc == "IndexError" and not re.search(r"^(list|tuple|string|array) index out of range$|^index \d+ is out of "
                                                 r"bounds for axis", message):
            return "OK", f"{exc}: {message[:200]}", ""  # the idiomatic error of a bad index, worded by Plexus
        if exc in UNCLEAR_EXCEPTIONS:
            where = (result.get("where") or [""])[-1]
            return "UNCLEAR", f"bare {exc}: {message[:200]} at {where}", f"{exc} at {where}"
        return "OK", f"{exc}: {message[:200]}", ""
    # accepted
    if result.get("wrong"):
        return "WRONG", result["wrong"], normalise(result["wrong"])
    if case["expect"] == "error":
        opinion = ""
        if ref is not None:
            opinion = " (onnxruntime " + ("accepts it too" if ref[0] == "ok" else f"refuses: {ref[1][:150]}") + ")"
        return "WRONG", "accepted an input that must be refused" + opinion, "accepted"
    if ref is not None and case.get("ref") == "ort":
        status, value = ref
        if status == "error":
            if case["args"].get("ort_refusal_matters"):
                return "WRONG", f"accepted where onnxruntime refuses: {value[:200]}", "accepted where ORT refuses"
            return "NOTE", f"accepted where onnxruntime refuses: {value[:200]}", "accepted where ORT refuses"
        if value is not None and result.get("outputs") is not None:
            verdict = compare(result["outputs"], value, case)
            if verdict:
                return verdict[0], verdict[1], normalise(verdict[1].split("(")[0])
    return "OK", "accepted", ""
