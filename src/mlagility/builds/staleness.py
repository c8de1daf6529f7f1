"""Whether an existing build can be reused: one function returning the reasons it cannot."""

from __future__ import annotations

from pathlib import Path

from mlagility.builds.state import BuildState


def stale_reasons(old: BuildState | None, new: BuildState, build_dir: Path) -> list[str]:
    """Every reason ``old`` (on disk) does not stand for ``new`` (wanted); empty means reusable."""
    if old is None:
        return []
    reasons = []
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
    for key, relative in old.artifacts.items():
        if not (build_dir / relative).exists():
            reasons.append(f"artifact missing: {relative}")
    return reasons


def weights_differ(old: BuildState | None, new: BuildState) -> bool:
    """Whether a reusable build was made from other weights than the script's current ones."""
    return old is not None and old.weights_hash != new.weights_hash


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
