"""Run many corpus scripts quickly inside ONE python process and check them.

Importing torch, timm and transformers costs seconds, so instead of ``python script.py`` per
script, each script is executed with ``runpy.run_path(path, run_name="__main__")`` (with
``sys.argv = [path]``) in this process. While it runs, global module hooks count the
*top-level* calls of ``torch.nn.Module`` objects that have parameters (a call made while no
other parameterized module is running). A corpus script must run without error and make
exactly one such call (a script may declare another count with a ``# expected-calls: N``
line; only ``selftest/two_models.py`` does). A transformers ``generate()`` is one call of its model
(the forward calls it makes inside are not counted). A script that calls its model in a loop (a
hand-written decode loop, a diffusion loop, a pipeline) declares ``# expected-models: N`` instead:
it is checked for N distinct top-level models, whatever their number of calls (``models/generative/``).

Usage::

    python models/verify.py models/timm --out /tmp/verify_timm.csv [--limit N] [--timeout 60]
    python models/verify.py models/selftest/*.py models/diffusers

Output: a CSV with ``script,status,calls,models,expected,seconds,maxrss_mb,error`` (status is ``ok``,
``error``, ``timeout`` or ``crashed``), written row by row so a long run can be polled, and a
summary. ``--resume`` skips scripts already in ``--out`` (a script that killed the process,
e.g. by running out of memory, is recorded as ``crashed``). Exit status is 0 only when every
script ran ``ok`` with its expected number of top-level model calls.

Scripts run under ``torch.no_grad()`` (``--grad`` to disable) with ``--threads`` torch threads
(default 1), and with ``HF_HUB_OFFLINE=1`` so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import re
import resource
import runpy
import signal
import sys
import time
import traceback
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import torch  # noqa: E402

from mlagility.analysis.discovery import inside_module_init  # noqa: E402  (benchit's own rule)

FIELDS = ["script", "status", "calls", "models", "expected", "seconds", "maxrss_mb", "error"]
EXPECTED = re.compile(r"^# expected-calls: (\d+)\s*$", re.M)
EXPECTED_MODELS = re.compile(r"^# expected-models: (\d+)\s*$", re.M)


def expected_calls(path: Path) -> str:
    """"1", or the N of a ``# expected-calls: N`` line (only selftest/two_models.py has one), or
    "N models" for a ``# expected-models: N`` line (a model called in a loop)."""
    text = path.read_text()
    models = EXPECTED_MODELS.search(text)
    if models:
        return f"{models.group(1)} models"
    match = EXPECTED.search(text)
    return match.group(1) if match else "1"


def passed(row: dict) -> bool:
    expected = str(row.get("expected") or "1")
    if expected.endswith(" models"):
        return row["status"] == "ok" and int(row.get("models") or 0) == int(expected.split()[0])
    return row["status"] == "ok" and int(row["calls"]) == int(expected)


class ScriptTimeout(Exception):
    """Raised by SIGALRM when a script runs past its time limit."""


def _on_alarm(signum, frame):
    raise ScriptTimeout("time limit reached")


class CallCounter:
    """Counts top-level calls of parameterized modules via global forward hooks, and the distinct
    modules so called; a transformers ``generate()`` counts as one call of its model."""

    def __init__(self, transformers: bool = False) -> None:
        self.transformers = transformers  # wrap GenerationMixin.generate (imports transformers)
        self.calls = 0
        self.models: set[int] = set()
        self.names: list[str] = []
        self._generate = None
        self._stack: list[bool] = []
        self._active = 0
        self._has_params: dict[int, bool] = {}
        self._handles = []

    def _params(self, module: torch.nn.Module) -> bool:
        key = id(module)
        if key not in self._has_params:
            self._has_params[key] = next(module.parameters(), None) is not None
        return self._has_params[key]

    def _pre(self, module, args):
        has = self._params(module)
        if has and self._active == 0 and not inside_module_init():
            self._count(module)
        self._stack.append(has)
        if has:
            self._active += 1

    def _count(self, module) -> None:
        self.calls += 1
        self.models.add(id(module))
        self.names.append(type(module).__name__)

    def _patch_generate(self) -> None:
        """``GenerationMixin.generate`` wrapped so that a generation is one call (transformers is
        imported here only when the scripts will need it anyway)."""
        try:
            from transformers.generation.utils import GenerationMixin
        except ImportError:
            return
        original = GenerationMixin.generate
        counter = self

        def generate(model, *args, **kwargs):
            if counter._active == 0:
                counter._count(model)
            counter._active += 1
            try:
                return original(model, *args, **kwargs)
            finally:
                counter._active -= 1

        GenerationMixin.generate = generate
        self._generate = (GenerationMixin, original)

    def _post(self, module, args, output):
        if self._stack:
            if self._stack.pop():
                self._active -= 1

    def reset(self) -> None:
        self.calls = 0
        self.models = set()
        self.names = []
        self._stack = []
        self._active = 0
        self._has_params = {}

    def __enter__(self):
        mm = torch.nn.modules.module
        self._handles = [
            mm.register_module_forward_pre_hook(self._pre),
            mm.register_module_forward_hook(self._post, always_call=True),
        ]
        if self.transformers:
            self._patch_generate()
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._generate:
            owner, original = self._generate
            owner.generate = original
            self._generate = None
        return False


def collect(paths: list[str]) -> list[Path]:
    scripts: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            scripts.extend(
                s for s in sorted(path.rglob("*.py")) if s.name not in ("generate.py", "verify.py")
            )
        elif path.suffix == ".py":
            scripts.append(path)
    return scripts


def run_one(path: Path, counter: CallCounter, timeout: int, grad: bool) -> dict:
    counter.reset()
    saved_argv = sys.argv
    sys.argv = [str(path)]
    status, error = "ok", ""
    start = time.perf_counter()
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(timeout)
    try:
        with torch.set_grad_enabled(grad), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runpy.run_path(str(path), run_name="__main__")
    except ScriptTimeout:
        status, error = "timeout", f"over {timeout}s"
    except BaseException as exc:  # noqa: BLE001 - record anything, incl. SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        status = "error"
        last = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
        where = f" @ {Path(last[0].filename).name}:{last[0].lineno}" if last[0] else ""
        error = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300] + where
    finally:
        signal.alarm(0)
        sys.argv = saved_argv
    seconds = time.perf_counter() - start
    gc.collect()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "script": str(path),
        "status": status,
        "calls": counter.calls,
        "models": len(counter.models),
        "expected": expected_calls(path),
        "seconds": f"{seconds:.2f}",
        "maxrss_mb": f"{rss_mb:.0f}",
        "error": error,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="scripts or folders of scripts")
    ap.add_argument("--out", help="CSV file to write (rows are appended with --resume)")
    ap.add_argument("--limit", type=int, help="check only the first N scripts")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per script (default 60)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--grad", action="store_true", help="run with autograd enabled")
    ap.add_argument("--resume", action="store_true", help="skip scripts already in --out")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    scripts = collect(args.paths)
    rows: list[dict] = []
    done: set[str] = set()
    progress = Path(args.out + ".running") if args.out else None
    if args.resume and args.out and Path(args.out).exists():
        with open(args.out, newline="") as f:
            rows = list(csv.DictReader(f))
        done = {r["script"] for r in rows}
        if progress and progress.exists():
            crashed = progress.read_text().strip()
            if crashed and crashed not in done:
                row = dict(script=crashed, status="crashed", calls=0, models=0, expected=1, seconds="", maxrss_mb="",
                           error="process died (out of memory?)")
                rows.append(row)
                done.add(crashed)
        with open(args.out, "w", newline="") as f:
            w = csv.DictWriter(f, FIELDS)
            w.writeheader()
            w.writerows(rows)
    elif args.out:
        with open(args.out, "w", newline="") as f:
            csv.DictWriter(f, FIELDS).writeheader()
    todo = [s for s in scripts if str(s) not in done]
    if args.limit is not None:
        todo = todo[: args.limit]

    counter = CallCounter(transformers=any("transformers" in s.read_text() for s in todo))
    with counter:
        for i, script in enumerate(todo, 1):
            if progress:
                progress.write_text(str(script))
            row = run_one(script, counter, args.timeout, args.grad)
            rows.append(row)
            flag = "" if passed(row) else "  <--"
            print(f"[{i}/{len(todo)}] {row['status']:7s} calls={row['calls']} models={row['models']} "
                  f"{row['seconds']:>7s}s {script}{flag} {row['error'][:160]}", flush=True)
            if args.out:
                with open(args.out, "a", newline="") as f:
                    csv.DictWriter(f, FIELDS).writerow(row)
    if progress and progress.exists():
        progress.unlink()

    ok = [r for r in rows if passed(r)]
    bad = [r for r in rows if not passed(r)]
    print(f"\n{len(ok)}/{len(rows)} scripts ok with the expected number of top-level model calls (or models)")
    for r in bad:
        print(f"  {r['status']:7s} calls={r['calls']} {r['script']}: {r['error'][:200]}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
