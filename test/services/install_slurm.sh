#!/usr/bin/env bash
# Install what the Slurm tests need (a one-node cluster started by test/sweep/conftest.py):
# slurm-wlm, slurmdbd, munge, mariadb-server from Debian. Idempotent: instant when installed.
# Not root, or no apt-get: says so in one line and exits 0 (the Slurm tests then skip, saying why).
set -u
PACKAGES="slurm-wlm slurmdbd munge mariadb-server"
missing=""
for tool in sbatch slurmctld slurmd slurmdbd munged mariadbd; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing="$missing $tool"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_slurm.sh: missing$missing; not root or no apt-get: the Slurm tests will be skipped" >&2
    exit 0
fi
echo "install_slurm.sh: installing $PACKAGES (missing:$missing)" >&2
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
if ! apt_get install -y -qq $PACKAGES >/dev/null 2>&1; then
    apt_get update -qq >/dev/null 2>&1
    apt_get install -y -qq $PACKAGES >/dev/null 2>&1 \
        || echo "install_slurm.sh: apt-get install $PACKAGES failed: the Slurm tests will be skipped" >&2
fi
exit 0
