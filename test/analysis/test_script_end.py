"""The script ends under benchit as under ``python``: its atexit handlers run, the files it left
open are flushed, what it held in reference cycles is finalized, threads it left running still
see its globals and its classes through ``__main__``, a model called from a thread is built with
the script's globals intact, and a next script finds ``__main__``/``__mp_main__`` as before
(``analysis/script.py``: the namespace ended like ``__main__``'s)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

from conftest import run_benchit  # noqa: E402


def _run(tmp_path: Path, text: str) -> Path:
    """Run ``text`` as a script under benchit with an output folder as its argument; the folder."""
    script = tmp_path / "script.py"
    script.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    result = run_benchit(script, "-d", tmp_path / "cache", "--script-args", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


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
    out = _run(tmp_path, EXIT_SCRIPT)
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
    out = _run(tmp_path, THREAD_SCRIPT)
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


CYCLE_IN_A_MODULE = """
import os, sys
import holder_mod


class Holder:
    def __init__(self, path):
        self.me = self  # a reference cycle, kept alive by another module's global until exit
        self.file = open(path, "w")
        self.file.write("written by script")


holder_mod.keep = Holder(os.path.join(sys.argv[1], "cycle.txt"))
"""


def test_a_file_held_in_a_cycle_by_another_module_is_flushed_at_exit(tmp_path):
    (tmp_path / "holder_mod.py").write_text("keep = None\n")
    out = _run(tmp_path, CYCLE_IN_A_MODULE)
    assert (out / "cycle.txt").read_text() == "written by script"


PICKLE_LATER = """
import atexit, os, pickle, sys, threading, time

out = sys.argv[1]


class My:
    value = 43


def save(name):
    with open(os.path.join(out, name), "wb") as handle:
        handle.write(pickle.dumps(My()))  # finds My through sys.modules["__main__"]


def later():
    time.sleep(1)
    save("thread.pkl")


threading.Thread(target=later).start()
atexit.register(save, "atexit.pkl")
"""


def test_threads_and_atexit_handlers_pickle_the_scripts_classes(tmp_path):
    out = _run(tmp_path, PICKLE_LATER)
    for name in ("thread.pkl", "atexit.pkl"):
        assert b"My" in (out / name).read_bytes()


THREAD_MODEL = """
import threading
import torch

SCALE = 2.0


class Scaled(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        return torch.relu(self.fc(x)) * SCALE  # a global of the script, read again at build time


model = Scaled()
worker = threading.Thread(target=lambda: model(torch.rand(2, 8)))
worker.start()
worker.join()
"""


@pytest.mark.slow
def test_a_model_called_from_a_thread_is_built_with_the_scripts_globals(tmp_path):
    script = tmp_path / "thread_model.py"
    script.write_text(THREAD_MODEL)
    result = run_benchit(script, "-d", tmp_path / "cache", "--runtime", "torch-eager", "--iterations", "5",
                         "--min-time", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Successfully benchmarked" in result.stdout


def test_a_next_script_finds_main_as_python_leaves_it(tmp_path):
    """The first script imports multiprocessing, which aliases ``__main__`` as ``__mp_main__``,
    and walks ``sys.modules`` through ``inspect``; so does the second."""
    first = "import inspect, multiprocessing\n\ndef g():\n    return inspect.stack()[0].function\n\ng()\n"
    (tmp_path / "first.py").write_text(first)  # inspect caches the file of each module it saw
    (tmp_path / "second.py").write_text(
        "import inspect\n\ndef f():\n    return inspect.stack()[0].function\n\nassert f() == 'f'\n")
    result = run_benchit(tmp_path / "first.py", tmp_path / "second.py", "-d", tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
