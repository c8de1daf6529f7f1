"""The ``slurm_cluster`` fixture: one real one-node Slurm cluster for the whole test session
(``test/services/slurm_cluster.py``), or a skip with one line saying why it cannot run here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

from slurm_cluster import SlurmCluster, unavailable_reason  # noqa: E402


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    reason = unavailable_reason()
    if reason is None:
        try:
            import submitit  # noqa: F401
        except ImportError:
            reason = "Slurm tests skipped: submitit is not installed (pip install -e '.[slurm]')"
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("slurm")
    before = os.environ.get("SLURM_CONF")
    with SlurmCluster(root) as cluster:
        os.environ["SLURM_CONF"] = str(cluster.conf)  # benchit's children and submitit's sacct/sbatch
        try:
            yield cluster
        finally:
            if before is None:
                os.environ.pop("SLURM_CONF", None)
            else:
                os.environ["SLURM_CONF"] = before
