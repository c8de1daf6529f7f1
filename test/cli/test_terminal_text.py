"""Text from a script or a record never drives the terminal: escape sequences and control
characters are removed, bidirectional overrides shown visibly, everywhere benchit prints it."""

from __future__ import annotations

import io

import pytest

from conftest import run_benchit
from mlagility.reporting.printing import clean_text

ESC = "\x1b"


@pytest.mark.parametrize("text, shown", [
    ("plain text, naïve 東京 ✓", "plain text, naïve 東京 ✓"),
    ("a\x1b[31mred\x1b[0m", "ared"),  # CSI (colour)
    ("x\x1b[2J\x1b[H", "x"),  # clear screen, cursor home
    ("\x1b]0;pwned\x07title", "title"),  # OSC window title, BEL-terminated
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST-terminated
    ("\x1bPq#0;2;0;0;0\x1b\\img", "img"),  # DCS (sixel)
    ("\x9b31mc1\x9d0;t\x9c", "c1"),  # 8-bit CSI and OSC
    ("over\rwrite\x08\x00\x7f\x1bc", "overwrite"),  # CR, BS, NUL, DEL, a lone escape (reset)
    ("line 1\n\tline 2", "line 1\n\tline 2"),  # newline and tab stay
    ("evil\u202egnp.py", "evil<U+202E>gnp.py"),  # right-to-left override shown
    ("\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f",
     "<U+2066><U+2067><U+2068><U+2069><U+202A><U+202B><U+202C><U+202D><U+200E><U+200F>"),
])
def test_clean_text(text, shown):
    assert clean_text(text) == shown
    assert clean_text(clean_text(text)) == shown


def test_the_console_cleans_every_text_it_prints_but_keeps_its_styles():
    from rich.table import Table
    from rich.text import Text

    from mlagility.reporting.printing import _safe_console_class

    out = io.StringIO()
    console = _safe_console_class()(file=out, force_terminal=True, width=120, markup=False, highlight=False)
    table = Table()
    table.add_column("name")
    table.add_row("cell\x1b]0;pwned\x07 \u202e")
    console.print("str \x1b[2J", Text("text \x1b[5m", style="bold"), table)
    printed = out.getvalue()
    assert "\x1b[2J" not in printed and "\x1b[5m" not in printed and "]0;pwned" not in printed
    assert "\u202e" not in printed and "<U+202E>" in printed
    assert "\x1b[1m" in printed  # the bold style is the console's own


def test_cache_list_and_errors_print_hostile_names_inertly(tmp_path):
    from mlagility.builds.cache import Cache
    from mlagility.builds.state import BuildState

    cache = Cache(tmp_path / "cache").ensure()
    (cache.root / "b_1a2b3c4d").mkdir()  # a state planted in a shared cache: text fields print as they are
    state = BuildState(build_name="b_1a2b3c4d", status="built")
    state.benchmarks[f"x86/ort{ESC}]0;pwned{ESC}\\\u202e"] = {"status": "benchmarked"}
    state.save(cache.root / "b_1a2b3c4d")
    listing = run_benchit("cache", "list", "-d", cache.root, env={"TERM": "xterm"})
    assert listing.returncode == 0, listing.stderr
    assert ESC not in listing.stdout and "x86/ort" in listing.stdout and "<U+202E>" in listing.stdout
    missing = run_benchit("cache", "report", "-d", cache.root, "-r", tmp_path / f"r{ESC}[2J\u202e", "--html",
                          tmp_path / f"{ESC}]0;t{ESC}\\" / "no" / "d.html")
    assert ESC not in missing.stderr and ESC not in missing.stdout
