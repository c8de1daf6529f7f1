"""What machine a measurement was taken on."""

from __future__ import annotations

import functools
import os
import platform


CPU_NAME_ENV = "MLAGILITY_CPU_NAME"  # "<hostname>|<cpu name>", handed down to child processes


@functools.lru_cache(maxsize=1)
def cpu_name() -> str:
    """The CPU's brand string (py-cpuinfo's ``brand_raw``).

    On Linux it is read from ``/proc/cpuinfo`` ("model name"), where py-cpuinfo reads it too;
    elsewhere py-cpuinfo probes the machine in a new Python process (about a second). The answer
    is handed down to benchit's child processes in ``MLAGILITY_CPU_NAME`` together with the host
    name, and used only on the same host (a Slurm task on another node probes its own CPU).
    """
    host = platform.node()
    inherited_host, _, inherited = os.environ.get(CPU_NAME_ENV, "").partition("|")
    if inherited and inherited_host == host:
        return inherited
    name = _proc_cpuinfo_model_name()  # Linux: where py-cpuinfo reads brand_raw from, without its
    if name:                           # probe process (about a second)
        os.environ[CPU_NAME_ENV] = f"{host}|{name}"
        return name
    try:
        import cpuinfo

        name = cpuinfo.get_cpu_info().get("brand_raw") or platform.processor() or "unknown CPU"
    except Exception:  # cpuinfo probes the machine; never let it fail a benchmark
        name = platform.processor() or "unknown CPU"
    os.environ[CPU_NAME_ENV] = f"{host}|{name}"
    return name


def _proc_cpuinfo_model_name() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return None


def physical_cores() -> int:
    import psutil

    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


def logical_cores() -> int:
    return os.cpu_count() or 1


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def package_versions(*names: str) -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def reset_peak_rss() -> None:
    """Reset this process's peak-RSS mark (Linux ``clear_refs``), so the next peak is per stage."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB.

    Read from ``VmHWM`` on Linux: ``ru_maxrss`` survives ``exec`` and would report the parent's
    peak in a freshly started child process.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
