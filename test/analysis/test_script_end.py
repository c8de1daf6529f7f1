"""The script ends under benchit as under ``python``: its atexit handlers run, the files it left
open are flushed, what it held in reference cycles is finalized, threads it left running still
see its globals (``analysis/script.py``: the namespace ended like ``__main__``'s; ``cli/main.py:
quick_teardown``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import run_benchit  # noqa: E402


EXIT_SCRIPT = """
import atexit, os, sys, tempfile

out = sys.argv[1]
atexit.register(lambda: open(os.path.join(out, "atexit.txt"), "w").write("ran"))
LOG = open(os.path.join(out, "unclosed.txt"), "w")  # flushed by the interpreter at exit
LOG.write("flushed at exit")


class Cycle:
    def __init__(self):
        self.me = self
        self.folder = tempfile.TemporaryDirectory(dir=out)


Cycle()  # garbage in a reference cycle: its folder is removed when it is collected
"""


def test_quick_exit_keeps_what_the_scripts_exit_does(tmp_path):
    script = tmp_path / "exits.py"
    script.write_text(EXIT_SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    result = run_benchit(script, "-d", tmp_path / "cache", "--script-args", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "atexit.txt").read_text() == "ran"
    assert (out / "unclosed.txt").read_text() == "flushed at exit"
    assert [p.name for p in out.iterdir() if p.is_dir()] == []  # the cycle's temporary folder


THREAD_SCRIPT = """
import os, sys, threading, time

out = sys.argv[1]


def later():
    time.sleep(1)  # still running when the script's last line has run
    with open(os.path.join(out, "thread.txt"), "w") as handle:
        handle.write(str(out))  # uses the script's globals after it ended


threading.Thread(target=later).start()
"""


def test_a_thread_the_script_left_running_still_sees_its_globals(tmp_path):
    script = tmp_path / "thread.py"
    script.write_text(THREAD_SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    result = run_benchit(script, "-d", tmp_path / "cache", "--script-args", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "thread.txt").read_text() == str(out)


def test_scripts_run_one_after_another_see_what_the_previous_one_wrote(tmp_path):
    """As ``python a.py; python b.py``: a.py's namespace ends with it (its unclosed file is
    flushed) even though a library it imported registered an atexit handler."""
    (tmp_path / "helper_lib.py").write_text("import atexit\natexit.register(lambda: None)\n")
    (tmp_path / "a.py").write_text(
        "import os, sys\nimport helper_lib\n"
        "OUT = open(os.path.join(sys.argv[1], 'a.txt'), 'w')\nOUT.write('from a')\n")
    (tmp_path / "b.py").write_text(
        "import os, sys\ntext = open(os.path.join(sys.argv[1], 'a.txt')).read()\n"
        "assert text == 'from a', repr(text)\n")
    out = tmp_path / "out"
    out.mkdir()
    result = run_benchit(tmp_path / "a.py", tmp_path / "b.py", "-d", tmp_path / "cache", "--script-args", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
