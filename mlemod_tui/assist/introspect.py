"""Describe the live values of a few names in the user's kernel, without touching them.

A repair prompt is only as good as what the model knows about the data: ``df.append`` fails
the same way whatever ``df`` holds, but ``KeyError: 'price'`` needs the columns. The probe is
one silent ``user_expressions`` request whose code runs in a private dict (the pattern of
``core.environment``): no user variable is created or changed, and ``In``/``Out``, ``_`` and
the execution count stay as they were. Each name is described under its own ``try`` and a
time limit, so a ``__repr__`` that raises, hangs or returns megabytes costs one line, not
the whole answer.
"""

from __future__ import annotations

import ast
import json

from mlemod_tui.core.kernel import KernelSession

NOT_DEFINED = "not defined"
PREVIEW_MARK = "\npreview: "  # the preview is always the last part of a description
MAX_NAMES = 40
# Per name: facts (type, shape, NaN) and the preview each get this long before they are cut.
FACTS_SECONDS = 1.0
PREVIEW_SECONDS = 0.5
# After this long in total, remaining names get no preview (facts only).
TOTAL_SECONDS = 3.0

_PROBE = r'''
import inspect, json, reprlib, signal, sys, threading, time, types, warnings
from IPython import get_ipython

class _Slow(BaseException):
    """Not an Exception: code under the limit must not swallow it."""

def bounded(fn, seconds):
    """fn() cut after ``seconds`` (SIGALRM: main thread only; elsewhere unbounded)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn()
    def on_alarm(signum, frame):
        raise _Slow()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *old_timer)

CONTAINERS = (list, tuple, set, frozenset, dict, str, bytes, int)

def type_name(obj):
    t = type(obj)
    module = getattr(t, "__module__", "") or ""
    return t.__qualname__ if module == "builtins" else module + "." + t.__qualname__

def cut(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "\u2026"

def frame_facts(obj, pd):
    dtypes = list(obj.dtypes.items())
    cols = ", ".join(cut(c, 40) + " " + str(d) for c, d in dtypes[:30])
    more = f" (+{len(dtypes) - 30} more)" if len(dtypes) > 30 else ""
    lines = [f"columns ({len(dtypes)}): {cols}{more}"]
    if obj.size > 20_000_000:
        return lines + ["NaN: not checked (large)"]
    counts = obj.isna().sum()
    nonzero = [(c, int(n)) for c, n in counts.items() if n]
    if not nonzero:
        return lines + ["NaN: none"]
    listed = ", ".join(f"{cut(c, 40)} ({n})" for c, n in nonzero[:10])
    extra = f" (+{len(nonzero) - 10} more)" if len(nonzero) > 10 else ""
    return lines + [f"NaN in {len(nonzero)} column(s): {listed}{extra}"]

def nan_facts(obj, pd, np):
    if pd is not None and isinstance(obj, (pd.Series, pd.Index)):
        if obj.size > 20_000_000:
            return ["NaN: not checked (large)"]
        n = int(obj.isna().sum())
        return [f"NaN: {n}" if n else "NaN: none"]
    if np is not None and isinstance(obj, np.ndarray) and obj.dtype.kind in "fc":
        if obj.size > 20_000_000:
            return ["NaN: not checked (large)"]
        n = int(np.isnan(obj).sum())
        return [f"NaN: {n}" if n else "NaN: none"]
    return []

def facts(obj):
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if isinstance(obj, types.ModuleType):
        version = getattr(obj, "__version__", None)
        return ["module " + obj.__name__ + (f" {version}" if isinstance(version, str) else "")]
    if isinstance(obj, type):
        return ["class " + (obj.__module__ or "") + "." + obj.__qualname__]
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = "(...)"
        return [type_name(obj) + " " + getattr(obj, "__qualname__", "?") + cut(signature, 120)]
    head = [type_name(obj)]
    shape = getattr(obj, "shape", None)
    if isinstance(shape, tuple) or type(shape).__name__ in ("Size", "TensorShape"):
        head.append(f"shape {tuple(shape)}")
    elif hasattr(type(obj), "__len__"):
        try:
            head.append(f"len {len(obj)}")
        except Exception:
            pass
    lines = []
    if pd is not None and isinstance(obj, pd.DataFrame):
        lines = frame_facts(obj, pd)
    else:
        dtype = getattr(obj, "dtype", None)
        if dtype is not None and not callable(dtype):
            head.append(f"dtype {dtype}")
        device = getattr(obj, "device", None)
        if device is not None and not callable(device) and str(device) != "cpu":
            head.append(f"device {device}")
        lines = nan_facts(obj, pd, np)
    if hasattr(obj, "get_params") and hasattr(obj, "fit"):
        fitted = any(k.endswith("_") and not k.startswith("_") for k in getattr(obj, "__dict__", {}))
        head.append("fitted" if fitted else "not fitted")
    return [", ".join(head)] + lines

def preview(obj):
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if isinstance(obj, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)):
        return None
    if pd is not None and isinstance(obj, pd.DataFrame):
        text = obj.head(3).to_string(max_cols=8, max_colwidth=18)
    elif pd is not None and isinstance(obj, pd.Series):
        text = obj.head(5).to_string()
    elif np is not None and isinstance(obj, np.ndarray):
        text = np.array2string(obj, threshold=20, edgeitems=2, max_line_width=100)
    elif type(obj) not in CONTAINERS:
        text = repr(obj)
    else:
        r = reprlib.Repr()
        r.maxstring = r.maxother = r.maxlong = PREVIEW
        r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdeque = r.maxdict = 8
        r.maxlevel = 3
        text = r.repr(obj)
    return cut(text, PREVIEW)

def describe(obj, with_preview):
    lines = bounded(lambda: facts(obj), FACTS_SECONDS)
    if with_preview and PREVIEW > 0:
        try:
            shown = bounded(lambda: preview(obj), PREVIEW_SECONDS)
        except _Slow:
            shown = "<repr took too long>"
        except Exception as exc:
            shown = f"<repr failed: {type(exc).__name__}>"
        if shown is not None:
            lines.append("preview: " + shown)
    return "\n".join(lines)

def run():
    ns = get_ipython().user_ns
    deadline = time.monotonic() + TOTAL_SECONDS
    out = {}
    for name in NAMES:
        if name not in ns:
            out[name] = "not defined"
            continue
        try:
            out[name] = describe(ns[name], time.monotonic() < deadline)
        except _Slow:
            out[name] = "<could not describe: took too long>"
        except Exception as exc:
            out[name] = f"<could not describe: {type(exc).__name__}>"
    return out

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    RESULT = json.dumps(run())
'''


def probe_expression(names: list[str], preview_chars: int) -> str:
    """One expression that runs the probe in a private dict and returns its JSON."""
    settings = (
        f"NAMES = {names!r}\nPREVIEW = {int(preview_chars)!r}\n"
        f"FACTS_SECONDS = {FACTS_SECONDS!r}\nPREVIEW_SECONDS = {PREVIEW_SECONDS!r}\n"
        f"TOTAL_SECONDS = {TOTAL_SECONDS!r}\n"
    )
    code = settings + _PROBE
    return f"(lambda ns: (exec({code!r}, ns), ns['RESULT'])[1])({{}})"


async def describe_names(
    kernel: KernelSession, names: list[str], preview_chars: int = 200
) -> dict[str, str]:
    """Short descriptions of ``names`` as they are now in the kernel, read silently.

    Missing names read ``"not defined"``; a name the probe could not read at all (a kernel
    too old to run it) reads ``"<could not be read>"``. Raises KernelDiedError when the
    kernel is gone, like every other request.
    """
    wanted = list(dict.fromkeys(n for n in names if isinstance(n, str) and n.isidentifier()))
    wanted = wanted[:MAX_NAMES]
    if not wanted:
        return {}
    results = await kernel.evaluate_silently("", {"names": probe_expression(wanted, preview_chars)})
    parsed = _parse(results.get("names"))
    return {name: parsed.get(name, "<could not be read>") for name in wanted}


def _parse(text_plain: str | None) -> dict[str, str]:
    """Decode the probe's ``text/plain`` (the repr of a JSON string)."""
    if not text_plain:
        return {}
    try:
        payload = json.loads(ast.literal_eval(text_plain))
    except (ValueError, SyntaxError, TypeError):
        return {}
    return {str(k): str(v) for k, v in payload.items()} if isinstance(payload, dict) else {}


def split_preview(description: str) -> tuple[str, str | None]:
    """The facts and the preview of one description (None when it has no preview)."""
    facts, mark, preview = description.partition(PREVIEW_MARK)
    return (facts, preview) if mark else (description, None)
