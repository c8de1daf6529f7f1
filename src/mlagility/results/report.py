"""Reports over one or more caches: one row per build and benchmarked runtime (CSV + JSON).

Every value is read defensively: a partial, failed, killed, cleaned or label-less build still
gets a row, with empty cells where nothing is known. A build whose state cannot be read gets a
row with status ``unreadable`` and the reason; work a dead process left unfinished (a ``building``
state, a ``running`` benchmark, a folder without a state file) has status ``incomplete``. A runtime
that does not support the build (its reason begins "not supported") has status ``not supported``
and the reason as ``error``, no ``failed_stage``: a refusal, not a failure. A copied
build folder (its state names another build) gets no row: it is not a build of its own. A script
that failed as a whole (raised, crashed, killed, timed out: its attempt record in ``_attempts``)
gets a row too, with ``failed_stage`` = ``script``, its outcome as ``error`` and its log.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from mlagility.builds.cache import BuildEntry, Cache
from mlagility.builds.state import BuildState, UnreadableState
from mlagility.common.exceptions import UsageError
from mlagility.common.filesystem import UnreadableFile, output_folder, read_regular, write_output
from mlagility.scenarios.base import metric_names
from mlagility.sweep.attempts import ATTEMPTS_DIR, process_alive, read_attempt

COLUMNS = [
    # MLAgility's columns
    "model_name", "author", "model_class", "model_type", "params", "hash", "license", "task",
    "onnx_exported", "onnx_optimized", "onnx_converted",
    # ours
    "build_name", "script", "invocation_hash", "labels", "cache", "device", "runtime", "runtime_version",
    "precision", "quantize", "exporter", "opset", "status", "failed_stage", "error", "scenario",
    *metric_names(),  # every scenario's declared metrics (scenarios/), each once
    "tpot_ms_by_past_length",  # a generation's median TPOT per past length: "past:ms past:ms ..."
    "load_time_s", "peak_memory_mib", "load_average", "threads", "workers", "node",
    "device_name", "artifact", "artifact_sha256", "ran_precision", "runtime_options", "samples_file",
    "check_ok", "max_abs_error", "max_rel_error", "flops", "gflops_per_s",
    "onnx_size_bytes", "created", "updated", "benchmarked_at", "cleaned", "mlagility_version", "log",
    "cores", "package_versions",  # the machine and versions behind each result (the dashboard shows them)
]
# columns holding numbers (a report file whose cell there is text is not a report)
NUMBER_COLUMNS = ("params", "opset", *metric_names(), "load_time_s", "peak_memory_mib", "load_average", "threads",
                  "workers", "max_abs_error", "max_rel_error", "flops", "gflops_per_s", "onnx_size_bytes", "cores")
# columns holding text (identity, names, paths): a number is taken as its text, a list or object is refused
TEXT_COLUMNS = ("model_name", "build_name", "script", "invocation_hash", "cache", "device", "runtime", "precision",
                "quantize", "scenario", "status", "failed_stage", "error", "samples_file", "benchmarked_at", "log",
                "tpot_ms_by_past_length")
# what makes a file a report at all (``benchit compare`` matches on these)
REQUIRED_COLUMNS = ("script", "invocation_hash", "device", "runtime", "median_ms")
LATENCY_FIELDS = [*metric_names(), "load_time_s", "peak_memory_mib", "load_average", "threads", "device_name",
                  "samples_file", "workers", "node"]



def entry_rows(entry: BuildEntry, cache_root: Path) -> list[dict[str, Any]]:
    """The rows of one build folder: its builds x runtimes, or one row saying what is wrong."""
    if entry.copy_of:
        return []
    if isinstance(entry.state, UnreadableState):
        return [{"build_name": entry.name, "cache": str(cache_root), "status": "unreadable",
                 "error": entry.state.description}]
    if entry.state is None:
        return [{"build_name": entry.name, "cache": str(cache_root), "status": "incomplete",
                 "error": "no state file (the build never started or its process died)"}]
    return build_rows(entry.state, cache_root, entry.incomplete())


def build_rows(state: BuildState, cache_root: Path, incomplete: list[str] = ()) -> list[dict[str, Any]]:
    """``incomplete``: what a dead process left unfinished ("build", "device/runtime")."""
    source = state.source or {}
    labels = source.get("labels") or {}
    stats = state.onnx_stats or {}
    options = state.options or {}
    done = lambda stage: (state.stages or {}).get(stage, {}).get("status") == "done"  # noqa: E731
    converted = [s for s in ("convert_fp16", "quantize_int8") if done(s)]
    base = {
        "model_name": source.get("model_name"),
        "author": ",".join(labels.get("author", [])) or None,
        "model_class": source.get("class"),
        "model_type": source.get("model_type") or ("onnx" if state.exporter == "provided" else "pytorch"),
        "params": source.get("params", stats.get("params")),
        "hash": state.model_hash,
        "license": ",".join(labels.get("license", [])) or None,
        "task": ",".join(labels.get("task", [])) or None,
        "onnx_exported": done("export") or done("load_onnx"),
        "onnx_optimized": done("optimize"),
        "onnx_converted": bool(converted),
        "build_name": state.build_name,
        "script": source.get("script"),
        "invocation_hash": state.invocation_hash,
        "labels": " ".join(f"{k}::{','.join(v)}" for k, v in labels.items()) or None,
        "cache": str(cache_root),
        "precision": options.get("precision", "fp32"),
        "quantize": options.get("quantize"),
        "exporter": state.exporter,
        "opset": state.opset,
        "status": state.status,
        "failed_stage": state.failed_stage,
        "error": state.error,
        "flops": stats.get("flops"),
        "onnx_size_bytes": stats.get("file_bytes"),
        "created": state.created,
        "updated": state.updated,
        "cleaned": state.cleaned,
        "mlagility_version": state.mlagility_version,
        "log": state.log,
        "package_versions": " ".join(f"{k}={v}" for k, v in (state.package_versions or {}).items()) or None,
    }
    if "build" in incomplete:
        base.update(status="incomplete", error="the build did not finish (its process died)")
    if not state.benchmarks:
        return [base]
    rows = []
    for key, bench in state.benchmarks.items():
        device, _, runtime = key.partition("/")
        row = {**base, "device": device, "runtime": runtime, "runtime_version": bench.get("runtime_version"),
               "benchmarked_at": bench.get("timestamp"), "scenario": bench.get("scenario") or "inference"}
        row.update({name: bench.get(name) for name in LATENCY_FIELDS})
        row["cores"] = bench.get("cores")
        by_past = (bench.get("details") or {}).get("tpot_ms_by_past_length")
        if isinstance(by_past, dict) and by_past:
            row["tpot_ms_by_past_length"] = " ".join(f"{past}:{ms:.6g}" for past, ms in by_past.items()
                                                     if isinstance(ms, (int, float)))
        if row.get("samples_file") and bench.get("status") != "failed":  # absolute: compare can read a report
            row["samples_file"] = str(Path(cache_root) / state.build_name / row["samples_file"])
        else:
            row["samples_file"] = None
        artifact = bench.get("artifact") or {}
        row.update(artifact=artifact.get("file") or artifact.get("kind"), artifact_sha256=artifact.get("sha256"),
                   ran_precision=bench.get("precision"),
                   runtime_options=" ".join(f"{k}={v}" for k, v in (bench.get("runtime_options") or {}).items()) or None)
        check = bench.get("check") or {}
        errors = [o for o in check.get("outputs", []) if "max_abs_error" in o]
        if check:
            row["check_ok"] = check.get("ok")
            row["max_abs_error"] = max((o["max_abs_error"] for o in errors), default=None)
            row["max_rel_error"] = max((o["max_rel_error"] for o in errors), default=None)
        if bench.get("status") == "failed":
            row.update(status="failed", failed_stage="benchmark", error=bench.get("error"), log=bench.get("log"))
        elif bench.get("status") == "not supported":  # the runtime's refusal: its reason, not a failure
            row.update(status="not supported", error=bench.get("error"), log=bench.get("log"))
        elif bench.get("status") == "running":
            if key in incomplete:
                row.update(status="incomplete", failed_stage="benchmark",
                           error="the benchmark did not finish (its process died)")
            else:
                row.update(status="running")
        median, flops = bench.get("median_ms"), stats.get("flops")
        if median and flops:
            row["gflops_per_s"] = flops / (median / 1e3) / 1e9
        rows.append(row)
    return rows


def report_frame(cache_dirs: list) -> "pandas.DataFrame":  # noqa: F821
    import pandas as pd

    rows, seen = [], set()
    for cache_dir in cache_dirs:
        cache = Cache(cache_dir).existing()
        if cache.root.resolve() in seen:  # the same cache given twice (or by two paths) is reported once
            continue
        seen.add(cache.root.resolve())
        for entry in cache.entries():
            rows.extend(entry_rows(entry, cache.root))
        rows.extend(script_failure_rows(cache.root))
    return pd.DataFrame(rows, columns=COLUMNS)


def script_failure_rows(cache_root: Path) -> list[dict[str, Any]]:
    """One row per script whose last attempt failed as a whole (not per model)."""
    rows = []
    for path in sorted((Path(cache_root) / ATTEMPTS_DIR).glob("*.yaml")):
        try:
            attempt = read_attempt(path)
        except (OSError, UnicodeDecodeError, ValueError) as error:  # an invalid record is shown, not used
            rows.append({"script": path.name, "cache": str(cache_root), "status": "unreadable",
                         "failed_stage": "script", "error": f"attempt record unreadable ({error})"})
            continue
        if attempt.status == "finished" and attempt.outcome in ("ok", "failed"):
            continue  # the script ran; its models have their own rows
        if attempt.status != "finished" and process_alive(attempt.pid):
            continue  # still running
        outcome = attempt.outcome if attempt.status == "finished" else "no outcome recorded (the process died)"
        rows.append({"script": attempt.script, "cache": str(cache_root), "status": "failed",
                     "failed_stage": "script", "error": outcome.removeprefix("error: "),
                     "created": attempt.started, "updated": attempt.finished, "log": attempt.log})
    return rows


def write_report(cache_dirs: list, report_dir) -> tuple[Path, Path, "pandas.DataFrame"]:  # noqa: F821
    frame = report_frame(cache_dirs)

    folder = output_folder(report_dir)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    csv_path, json_path = folder / f"mlagility_report_{stamp}.csv", folder / f"mlagility_report_{stamp}.json"
    write_output(csv_path, frame.to_csv(index=False))
    write_output(json_path, frame.to_json(orient="records", indent=2))
    return csv_path, json_path, frame


def read_report(path) -> "pandas.DataFrame":  # noqa: F821
    """A report file (``.json``/``.csv`` as ``benchit cache report`` writes it), validated.

    Raises ``UsageError`` (one line: the file, what is wrong, how to get a report) for a file that
    is not a regular file, is too large, empty, not UTF-8, not JSON/CSV, not a list of rows, lacks
    the report's columns, or has a wrongly typed cell (text where a number belongs, a list where a
    name belongs). ``[]`` / a CSV header alone is a report of nothing (0 rows).
    """
    import pandas as pd

    path = Path(path)

    def refuse(reason: str) -> UsageError:
        return UsageError(f"{path}: not a benchit report: {reason} (write one with: benchit cache report -r DIR)")

    if path.suffix not in (".json", ".csv"):
        raise refuse("a report file is .json or .csv")

    try:
        data = read_regular(path, "report")  # a regular file within its limit: never a FIFO
    except UnreadableFile as error:
        raise refuse(str(error).removeprefix(f"cannot read {path}: "))
    if not data.strip():
        raise refuse("the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(f"not UTF-8 text (byte {error.start})")
    if path.suffix == ".json":
        import json

        try:
            records = json.loads(text)
        except RecursionError:
            raise refuse("JSON nested too deeply")
        except ValueError as error:  # json.JSONDecodeError: one line with the position
            raise refuse(f"invalid JSON ({str(error).splitlines()[0]})")
        if not isinstance(records, list):
            raise refuse(f"JSON {type(records).__name__} where a list of rows belongs")
        for number, record in enumerate(records, 1):
            if not isinstance(record, dict):
                raise refuse(f"row {number} is {_shown(record)}, not an object")
        columns = list(dict.fromkeys(name for record in records for name in record))
    else:
        import io

        try:
            frame = pd.read_csv(io.StringIO(text), dtype={name: str for name in TEXT_COLUMNS},
                                keep_default_na=False, na_values=[""])  # only an empty cell is empty
        except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise refuse(f"invalid CSV ({str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__})")
        columns = [str(name) for name in frame.columns]
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing and (records or columns):
        raise refuse(f"no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}")
    for number, record in enumerate(records, 1):
        for name, value in record.items():
            if isinstance(value, float) and value != value:
                record[name] = None  # NaN: an empty cell
                continue
            if name in NUMBER_COLUMNS and isinstance(value, str):  # a CSV column with a text cell is text throughout
                try:
                    value = record[name] = float(value) if value.strip() else None
                except ValueError:
                    pass
            problem = _cell_problem(name, value)
            if problem:
                raise refuse(f"row {number}: {name} is {_shown(value)}, {problem}")
            if name in TEXT_COLUMNS and value is not None and not isinstance(value, str):
                record[name] = str(value)  # an all-digit hash written as a number stays its text
    frame = pd.DataFrame(records, columns=list(dict.fromkeys([*COLUMNS, *columns])))
    for name in NUMBER_COLUMNS:  # numbers (validated above) as numbers, empty as NaN, also in an empty column
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def _cell_problem(name: str, value) -> str | None:
    """Why a report cell cannot be what its column holds, or None (unknown columns are carried as they are)."""
    import numbers

    if value is None:
        return None
    if name in NUMBER_COLUMNS and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        return "not a number"
    if name in TEXT_COLUMNS and (isinstance(value, (list, dict, bool))):
        return "not text"
    return None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def summarize(frame) -> list[tuple[str, int]]:
    is_script = frame["failed_stage"].eq("script")
    rows = frame[~is_script]
    # counted in Python: an empty group-by (a cache whose only entries are failed scripts) is an
    # object Series whose sum() is '' (no int)
    # a build succeeded when each of its rows is built/benchmarked or a runtime's "not supported"
    # (a refusal, counted on its own line), at least one of them built/benchmarked
    succeeded = sum(1 for _name, statuses in rows.groupby("build_name")["status"]
                    if statuses.isin(["built", "not supported"]).all() and statuses.eq("built").any())
    lines = [("builds", int(rows["build_name"].nunique())), ("rows (build x runtime)", len(rows)),
             ("succeeded", succeeded),
             ("not supported (build x runtime)", int(rows["status"].eq("not supported").sum())),
             ("failed", int(rows["status"].eq("failed").sum())),
             ("incomplete (process died)", int(rows["status"].eq("incomplete").sum())),
             ("unreadable", int(rows["status"].eq("unreadable").sum())),
             ("scripts that failed as a whole", int(is_script.sum()))]
    for stage, count in rows[rows["status"] == "failed"]["failed_stage"].value_counts().items():
        lines.append((f"failed at {stage}", int(count)))
    return lines
