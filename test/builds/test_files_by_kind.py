"""Files benchit writes and reads, by kind: outputs that are devices, FIFOs, descriptors or folders;
inputs that are FIFOs, huge or lying; OS errors on the cache path; a cache removed mid-run; linked
folders in a cache; long names; a build left 'building' by a stop."""

from __future__ import annotations

import os
import socket
import stat
import struct
import threading

import pytest
import yaml

from conftest import FAST, TINY_MODEL, run_benchit
from mlagility.builds.cache import cache_folder, resolve_cache_dir
from mlagility.common import filesystem
from mlagility.common.exceptions import CacheError, UsageError
from mlagility.runtimes.samples import load_samples, save_samples
from mlagility.sweep.attempts import AttemptLog

LONG = "x" * 300  # a path component longer than any filesystem allows


# -- outputs ----------------------------------------------------------------------------------

def test_output_regular_file_and_link_to_one_are_replaced_atomically(tmp_path):
    target = tmp_path / "target.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    filesystem.write_output(tmp_path / "new.json", "a")
    filesystem.write_output(link, "b")
    assert (tmp_path / "new.json").read_text() == "a"
    assert not link.is_symlink() and link.read_text() == "b" and target.read_text() == "old"
    assert not list(tmp_path.glob(".*.tmp"))


def test_output_fifo_and_descriptor_are_streams_never_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    filesystem.write_output(fifo, "through the fifo")
    reader.join(30)
    assert got == [b"through the fifo"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    read_end, write_end = os.pipe()
    link = tmp_path / "to_fd"
    link.symlink_to(f"/proc/self/fd/{write_end}")
    filesystem.write_output(link, "via fd")
    os.close(write_end)
    assert os.read(read_end, 100) == b"via fd" and link.is_symlink()
    os.close(read_end)
    assert filesystem.output_target("/dev/stdout") == ("fd", 1)


def test_output_directory_socket_and_bad_names_are_one_line(tmp_path):
    with pytest.raises(UsageError, match="is a directory; give a file path"):
        filesystem.write_output(tmp_path, "x")
    (tmp_path / "dirlink").symlink_to(tmp_path)
    with pytest.raises(UsageError, match="is a directory"):
        filesystem.write_output(tmp_path / "dirlink", "x")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    with pytest.raises(UsageError, match="is a socket"):
        filesystem.write_output(tmp_path / "sock", "x")
    sock.close()
    with pytest.raises(UsageError, match="File name too long"):
        filesystem.write_output(tmp_path / LONG, "x")
    with pytest.raises(filesystem.OutputWriteError, match="No space left"):
        filesystem.write_output("/dev/full", "x")
    (tmp_path / "afile").write_text("")
    with pytest.raises(UsageError, match="not a directory"):
        filesystem.output_folder(tmp_path / "afile")


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_output_device_node_is_written_in_place(tmp_path):
    null = tmp_path / "mynull"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    filesystem.write_output(null, "gone")
    assert stat.S_ISCHR(os.lstat(null).st_mode)


# -- inputs -----------------------------------------------------------------------------------

def _npy_claiming(path, count):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % count
    header += " " * (118 - len(header)) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 16)


def test_samples_that_lie_block_or_cannot_be_opened_are_one_line_each(tmp_path):
    _npy_claiming(tmp_path / "huge.npy", 10**11)  # 745 GiB claimed, 16 bytes held
    _npy_claiming(tmp_path / "short.npy", 3)
    os.mkfifo(tmp_path / "fifo.npy")
    (tmp_path / "dir.npy").mkdir()
    save_samples(tmp_path / "ok.npy", [1.0, 2.0])
    problems = []
    for name in ("huge.npy", "short.npy", "fifo.npy", "dir.npy", LONG + ".npy", "missing.npy"):
        assert load_samples(tmp_path / name, problems) is None
    assert len(problems) == 5 and all("\n" not in p for p in problems)  # missing is no problem
    assert "claims 100000000000 samples" in problems[0] and "a FIFO" in problems[2]
    assert "File name too long" in problems[4]
    samples = load_samples(tmp_path / "ok.npy")
    assert samples.tolist() == [1.0, 2.0] and samples.flags.writeable


def test_records_over_the_limit_or_not_regular_are_unreadable(tmp_path, monkeypatch):
    monkeypatch.setitem(filesystem.READ_LIMITS, "record", 100)
    (tmp_path / "big.yaml").write_text("a: " + "b" * 200)
    with pytest.raises(filesystem.UnreadableFile, match="over the 100 bytes"):
        filesystem.read_yaml(tmp_path / "big.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(ValueError, match="a FIFO, not a regular file"):
        filesystem.read_yaml(tmp_path / "fifo.yaml")


# -- names ------------------------------------------------------------------------------------

def test_bounded_name_keeps_names_short_and_apart():
    assert filesystem.bounded_name("short") == "short"
    long_a, long_b = filesystem.bounded_name("é" * 200 + "a"), filesystem.bounded_name("é" * 200 + "b")
    assert long_a != long_b and all(len(n.encode()) <= 80 for n in (long_a, long_b))
    path = AttemptLog("/tmp/c").path("/x/" + "s" * 250 + ".py", {})
    assert len(path.name.encode()) < 120


# -- the cache path and its folders -----------------------------------------------------------

def test_cache_path_os_errors_are_cache_errors(tmp_path):
    (tmp_path / "afile").write_text("")
    for bad in (tmp_path / LONG, tmp_path / "afile" / "cache"):
        with pytest.raises(CacheError, match="pass another -d/--cache-dir"):
            resolve_cache_dir(bad)


def test_cache_folder_recreates_a_removed_cache_and_replaces_linked_own_folders(tmp_path):
    root = tmp_path / "cache"
    cache_folder(root, "_attempts")
    filesystem.remove_path(root)
    cache_folder(root, "_logs")
    assert (root / ".mlagility_cache").is_file() and (root / "_logs").is_dir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    filesystem.remove_path(root / "_logs")
    (root / "_logs").symlink_to(elsewhere)
    assert not cache_folder(root, "_logs").is_symlink() and elsewhere.is_dir()
    (root / "b_1").symlink_to(elsewhere)
    with pytest.raises(CacheError, match="symbolic link"):
        cache_folder(root, "b_1")


# -- end to end -------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_files_by_kind_end_to_end(tmp_path, write_script, cache_dir):
    """One cache for several kinds: a long script name, planted folder links, a cache removed while
    the script runs, a build left 'building', compare to a descriptor and a folder, a bad cache path."""
    name = "s" * 245 + ".py"
    script = write_script(name, TINY_MODEL + "\nTiny()(torch.rand(1, 8))\n")
    done = run_benchit(script, "-d", cache_dir, *FAST)
    assert done.returncode == 0, done.stdout + done.stderr
    [build] = [p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith("_")]
    # a stop between the last stage and the final state write: every stage done, still 'building'
    state_file = build / "mlagility_build.yaml"
    state = yaml.safe_load(state_file.read_text())
    state["status"] = "building"
    state_file.write_text(yaml.safe_dump(state))
    (build / ".mlagility_build.yaml.abc123.tmp").write_text("partial")
    # planted links at benchit's own folders
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for own in ("_attempts", "_logs"):
        filesystem.remove_path(cache_dir / own)
        (cache_dir / own).symlink_to(elsewhere)
    done = run_benchit(script, "-d", cache_dir, "--process-isolation", *FAST)
    assert done.returncode == 0, done.stdout + done.stderr
    assert yaml.safe_load(state_file.read_text())["status"] == "built"
    assert not list(build.glob(".*.tmp")) and not list(elsewhere.iterdir())
    assert not (cache_dir / "_attempts").is_symlink() and list((cache_dir / "_attempts").iterdir())
    listing = run_benchit("cache", "list", "-d", cache_dir)
    assert "incomplete" not in listing.stdout and "built" in listing.stdout

    # a cache removed while the script runs is recreated as a cache
    removed = tmp_path / "removed"
    remover = write_script("remover.py", TINY_MODEL + f"""
import shutil
Tiny()(torch.rand(1, 8))
shutil.rmtree({str(removed)!r})
Tiny(6)(torch.rand(1, 6))
""")
    done = run_benchit(remover, "-d", removed, *FAST)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (removed / ".mlagility_cache").is_file()
    assert run_benchit("cache", "list", "-d", removed).returncode == 0

    # outputs: a link to a descriptor is written through, a folder refused in one line
    (tmp_path / "to_stdout").symlink_to("/proc/self/fd/1")
    done = run_benchit("compare", cache_dir, cache_dir, "--json", tmp_path / "to_stdout")
    assert done.returncode == 0 and (tmp_path / "to_stdout").is_symlink(), done.stderr
    assert '"pairs"' in done.stdout
    done = run_benchit("compare", cache_dir, cache_dir, "--html", tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == f"benchit: error: {tmp_path} is a directory; give a file path"

    # an OS error on the cache path: one line, exit 2, in each command
    bad = tmp_path / LONG
    for args in ([script, "--analyze-only", "-d", bad], ["cache", "list", "-d", bad],
                 ["cache", "report", "-d", bad], ["compare", bad, bad]):
        done = run_benchit(*args, cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "File name too long" in done.stderr
