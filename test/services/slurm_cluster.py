"""A real one-node Slurm cluster under a temporary directory, for the tests.

``munged``, ``mariadbd`` (accounting database), ``slurmdbd``, ``slurmctld`` and ``slurmd`` run as
plain foreground processes with generated configurations (no systemd, no cgroups:
``proctrack/linuxproc``, ``task/none``; the node line from ``slurmd -C``) and their own sockets
and free ports, so nothing of the machine's own configuration is used or changed. Memory is a
consumable resource (``CR_Core_Memory``, ``DefMemPerCPU``) enforced by slurmd's sampling
(``jobacct_gather/linux`` with ``OverMemoryKill``), so a task over its ``--mem`` is killed as on a
real cluster; nodes marked DOWN come back by themselves (``ReturnToService=2``). Accounting is
needed: submitit reads job states through ``sacct``, and without it a task that Slurm kills stays
UNKNOWN. ``SLURM_CONF`` in ``cluster.env`` points the clients (sbatch, sacct...) at the cluster.

Run by hand: ``python test/services/slurm_cluster.py`` starts one and waits (Ctrl-C stops it).
Needs root and the Debian packages ``slurm-wlm slurmdbd munge mariadb-server``
(``test/services/install_slurm.sh`` installs them).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TOOLS = ("munged", "mariadbd", "mariadb-install-db", "slurmdbd", "slurmctld", "slurmd", "sbatch",
         "sacct", "sacctmgr", "scontrol")
MUNGE_KEY = Path("/etc/munge/munge.key")
DEFAULT_MUNGE_SOCKET = Path("/run/munge/munge.socket.2")
CLUSTER = "mlagility"
PARTITION = "debug"
# memory is a consumable resource (CR_Core_Memory) and enforced without cgroups: slurmd samples
# each task's memory every second and kills a task over its --mem (an OUT_OF_MEMORY job state)
DEF_MEM_PER_CPU_MB = 4096


def unavailable_reason() -> str | None:
    """Why a test cluster cannot start here (None when it can)."""
    missing = [tool for tool in TOOLS if _which(tool) is None]
    if missing:
        return (f"Slurm test cluster unavailable: {', '.join(missing)} not installed "
                "(run test/services/install_slurm.sh as root)")
    if os.geteuid() != 0:
        return "Slurm test cluster unavailable: it must run as root (slurmd starts jobs as any user)"
    if not MUNGE_KEY.exists():
        return f"Slurm test cluster unavailable: no munge key at {MUNGE_KEY}"
    return None


def _which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SlurmCluster:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.host = socket.gethostname()
        self.conf = self.root / "etc" / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "SlurmCluster":
        for folder in ("etc", "log", "run", "state", "spool", "munge", "db"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        try:
            self._start_munge()
            self._start_mariadb()
            self._write_configs()
            self._start("slurmdbd", [_which("slurmdbd"), "-D"], ready=self._port_open(self.dbd_port))
            self._start("slurmctld", [_which("slurmctld"), "-D", "-i"], ready=self._port_open(self.ctld_port))
            self._start("slurmd", [_which("slurmd"), "-D", "-N", self.host], ready=self._node_idle)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._cancel_jobs()
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()

    def _cancel_jobs(self, timeout_s: float = 120) -> None:
        """Cancel what the tests left in the queue and wait for it to end: a job's slurmstepd and
        processes would otherwise outlive the cluster."""
        if not any(name == "slurmctld" and process.poll() is None for name, process in self.processes):
            return
        subprocess.run([_which("scancel") or "scancel", "--user=root", "--full"], env=self.env, capture_output=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            out = subprocess.run([_which("squeue") or "squeue", "-h", "-o", "%i"], env=self.env,
                                 capture_output=True, text=True)
            if out.returncode != 0 or not out.stdout.strip():
                return
            time.sleep(0.5)

    def __enter__(self) -> "SlurmCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- pieces ------------------------------------------------------------------------------
    def _start(self, name: str, command: list[str], ready, timeout: float = 60) -> None:
        log = open(self.root / "log" / f"{name}.out", "w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=self.env, start_new_session=True)
        self.processes.append((name, process))
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}: "
                                   f"{self._tail(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become ready in {timeout:g} s: {self._tail(name)}")
            time.sleep(0.2)

    def _tail(self, name: str) -> str:
        texts = []
        for path in (self.root / "log").glob(f"{name}*"):
            texts += path.read_text(errors="replace").strip().splitlines()[-5:]
        return " | ".join(texts)

    def _port_open(self, port: int):
        def ready() -> bool:
            with socket.socket() as probe:
                probe.settimeout(0.5)
                return probe.connect_ex(("127.0.0.1", port)) == 0
        return ready

    def _start_munge(self) -> None:
        """munged on its default socket (Slurm's persistent connection to slurmdbd ignores
        ``AuthInfo=socket=``); one already answering there is reused."""
        self.munge_socket = DEFAULT_MUNGE_SOCKET
        if self._munge_answers():
            return
        munge = self.root / "munge"
        key = munge / "munge.key"
        shutil.copy(MUNGE_KEY, key)
        os.chmod(key, 0o400)
        os.chmod(munge, 0o700)
        self.munge_socket.parent.mkdir(parents=True, exist_ok=True)
        self._start("munged", [
            _which("munged"), "--foreground", "--force", f"--socket={self.munge_socket}", f"--key-file={key}",
            f"--pid-file={munge / 'munged.pid'}", f"--log-file={self.root / 'log' / 'munged.log'}",
            f"--seed-file={munge / 'munged.seed'}",
        ], ready=self._munge_answers)

    def _munge_answers(self) -> bool:
        if not self.munge_socket.exists():
            return False
        return subprocess.run(["munge", "-n", f"--socket={self.munge_socket}"], capture_output=True).returncode == 0

    def _start_mariadb(self) -> None:
        datadir = self.root / "db"
        self.db_port = _free_port()
        subprocess.run([_which("mariadb-install-db"), f"--datadir={datadir}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        self._start("mariadbd", [
            _which("mariadbd"), "--no-defaults", f"--datadir={datadir}", "--user=root",
            f"--port={self.db_port}", "--bind-address=127.0.0.1", f"--socket={self.root / 'run' / 'mysqld.sock'}",
            f"--pid-file={self.root / 'run' / 'mysqld.pid'}", "--skip-grant-tables", "--innodb-buffer-pool-size=64M", "--innodb-lock-wait-timeout=900",
            f"--log-error={self.root / 'log' / 'mariadbd.log'}",
        ], ready=self._port_open(self.db_port))

    def _write_configs(self) -> None:
        self.dbd_port, self.ctld_port, self.slurmd_port = _free_port(), _free_port(), _free_port()
        node = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True, check=True).stdout
        node_line = next(line for line in node.splitlines() if line.startswith("NodeName="))
        node_line = node_line.replace(f"NodeName={node_line.split()[0].split('=')[1]}", f"NodeName={self.host}")
        # leave memory for the host: jobs get what they ask for
        r = self.root
        auth = "AuthType=auth/munge\n"
        (r / "etc" / "slurm.conf").write_text(f"""\
ClusterName={CLUSTER}
SlurmctldHost={self.host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
{auth}StateSaveLocation={r / 'state'}
SlurmdSpoolDir={r / 'spool'}
SlurmctldPidFile={r / 'run' / 'slurmctld.pid'}
SlurmdPidFile={r / 'run' / 'slurmd.pid'}
SlurmctldLogFile={r / 'log' / 'slurmctld.log'}
SlurmdLogFile={r / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU={DEF_MEM_PER_CPU_MB}
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort={self.dbd_port}
JobCompType=jobcomp/none
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
{node_line.split(' UpTime')[0]} State=UNKNOWN
PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
""")
        dbd = r / "etc" / "slurmdbd.conf"
        dbd.write_text(f"""\
{auth}DbdHost={self.host}
DbdAddr=127.0.0.1
DbdPort={self.dbd_port}
SlurmUser=root
PidFile={r / 'run' / 'slurmdbd.pid'}
LogFile={r / 'log' / 'slurmdbd.log'}
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={self.db_port}
StorageUser=root
StorageLoc=slurm_acct_db
""")
        os.chmod(dbd, 0o600)

    def _node_idle(self) -> bool:
        out = subprocess.run([_which("sinfo") or "sinfo", "-h", "-o", "%t"], capture_output=True, text=True,
                             env=self.env)
        return out.returncode == 0 and out.stdout.strip() in ("idle", "mix", "alloc")


if __name__ == "__main__":
    import tempfile

    reason = unavailable_reason()
    if reason:
        sys.exit(reason)

    def stop(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C or SIGTERM stop the cluster (SIGINT too when started in the background, where the
    # shell ignores it)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="slurm-") as tmp, SlurmCluster(Path(tmp)) as cluster:
        print(f"export SLURM_CONF={cluster.conf}  # Ctrl-C or SIGTERM stops the cluster", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
