"""Whether an existing build can be reused: one function returning the reasons it cannot.

Everything read back is checked before it is trusted: the state file (``UnreadableState``), that
the state belongs to this directory's build (not a copy), and each artifact (present, not a link,
the size recorded when it was built, and parseable: ONNX protobufs with their external data,
``inputs.npz`` without pickles and with the expected keys).
"""

from __future__ import annotations

from pathlib import Path

from mlagility.builds.state import BuildState, UnreadableState
from mlagility.common.exceptions import one_line


def stale_reasons(old: "BuildState | UnreadableState | None", new: BuildState, build_dir: Path) -> list[str]:
    """Every reason ``old`` (on disk) does not stand for ``new`` (wanted); empty means reusable."""
    if old is None:
        return []
    if isinstance(old, UnreadableState):
        return [old.description]
    reasons = []
    if old.build_name != new.build_name:
        reasons.append(f"the state belongs to build {old.build_name} (a copied folder?)")
    if old.status == "failed":
        reasons.append(f"previous build failed ({old.failed_stage or 'unknown stage'})")
    if old.mlagility_version != new.mlagility_version:
        reasons.append(f"mlagility {old.mlagility_version} -> {new.mlagility_version}")
    if old.model_hash != new.model_hash:
        reasons.append(f"model architecture changed ({old.model_hash} -> {new.model_hash})")
    # Weights are not identity (MLAgility PR #324): an unseeded script has new random weights on
    # every run and must still reuse its builds. A reused build is checked against the reference
    # outputs it saved from its own weights; ``--rebuild always`` rebuilds with the current ones.
    if old.stages and not old.stage_done("reference") and old.weights_hash != new.weights_hash:
        reasons.append("weights changed (and the build has no reference outputs of its own)")
    reasons += _input_changes(old.inputs, new.inputs)
    for key in sorted(set(old.options) | set(new.options)):
        if key == "sequence" and old.options.get(key) != new.options.get(key):
            before, after = (", ".join(o.get(key) or []) for o in (old.options, new.options))
            reasons.append(f"sequence changed ({before} -> {after})")
        elif old.options.get(key) != new.options.get(key):
            reasons.append(f"build option {key} changed from {old.options.get(key)} to {new.options.get(key)}")
    if not reasons:  # only worth reading artifacts when the build would otherwise be reused
        reasons += artifact_problems(old, build_dir)
    return reasons


def weights_differ(old: BuildState | None, new: BuildState) -> bool:
    """Whether a reusable build was made from other weights than the script's current ones."""
    return old is not None and old.weights_hash != new.weights_hash


def artifact_problems(state: BuildState, build_dir: Path) -> list[str]:
    """Why the artifacts a state lists cannot be reused (missing, replaced, truncated, corrupt)."""
    problems = []
    for key, relative in state.artifacts.items():
        path = build_dir / relative
        if path.is_symlink():
            problems.append(f"artifact replaced by a link: {relative}")
        elif not path.is_file():
            problems.append(f"artifact missing: {relative}")
        else:
            problem = _size_problem(state, relative, path) or _content_problem(state, key, path)
            if problem:
                problems.append(f"artifact {relative} {problem}")
    return problems


def _size_problem(state: BuildState, relative: str, path: Path) -> str | None:
    recorded = state.artifact_bytes.get(relative)
    size = path.stat().st_size
    if recorded is not None and size != recorded:
        return f"changed size ({size} bytes, {recorded} when built)"
    return None


def _content_problem(state: BuildState, key: str, path: Path) -> str | None:
    """A cheap structural check of one artifact; None if it looks whole."""
    try:
        if path.suffix == ".onnx":
            return _onnx_problem(path)
        if path.suffix == ".npz":
            return _npz_problem(path, state.onnx_inputs if key == "inputs" else [])
    except Exception as error:  # any parser failure means the file cannot be trusted
        return f"is unreadable ({one_line(error, 120)})"
    return None


def _onnx_problem(path: Path) -> str | None:
    import onnx
    from onnx.external_data_helper import ExternalDataInfo, uses_external_data

    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        if not uses_external_data(tensor):
            continue
        info = ExternalDataInfo(tensor)
        data = path.parent / info.location
        if data.is_symlink() or not data.is_file():
            return f"needs external data {info.location}, which is missing"
        end = (info.offset or 0) + (info.length or 0)
        if data.stat().st_size < end:
            return f"needs {end} bytes of {info.location}, which has {data.stat().st_size} (truncated)"
    return None


def _npz_problem(path: Path, expected_keys: list[str]) -> str | None:
    import numpy as np

    with np.load(path, allow_pickle=False) as arrays:
        missing = [k for k in expected_keys if k not in arrays.files]
        if missing:
            return f"lacks the inputs {', '.join(missing)}"
        for name in arrays.files:
            arrays[name]  # reads every array: a truncated archive fails here
    return None


def _input_changes(old: list[dict], new: list[dict]) -> list[str]:
    old_by_name = {spec["name"]: spec for spec in old}
    new_by_name = {spec["name"]: spec for spec in new}
    if list(old_by_name) != list(new_by_name):
        return [f"inputs changed from {list(old_by_name)} to {list(new_by_name)}"]
    reasons = []
    for name, spec in new_by_name.items():
        before = old_by_name[name]
        if list(before["shape"]) != list(spec["shape"]):
            reasons.append(
                f"input shape of {name} changed from {tuple(before['shape'])} to {tuple(spec['shape'])}"
            )
        if before["dtype"] != spec["dtype"]:
            reasons.append(f"input dtype of {name} changed from {before['dtype']} to {spec['dtype']}")
    return reasons
