"""The HTML dashboard without a browser: self-contained, rows, computed columns, CLI and API."""

from __future__ import annotations

import json
import re

from conftest import run_benchit
from synthetic import make_cache
from mlagility.api.report import write_dashboard
from mlagility.builds.cache import Cache
from mlagility.builds.state import BuildState
from mlagility.results.dashboard import page_rows
from mlagility.results.report import report_frame


def _data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_dashboard_is_self_contained_with_one_row_per_build_and_runtime(tmp_path):
    cache = make_cache(tmp_path / "cache", 14, ("ort", "torch-eager"))
    path = write_dashboard([cache], tmp_path / "d.html")
    page = path.read_text()
    assert "Plotly" in page and not re.search(r'<script[^>]+src=', page)
    data = _data(page)
    assert len(data["rows"]) == len(report_frame([cache]))
    rows = [dict(zip(data["columns"], row)) for row in data["rows"]]
    ort = [r for r in rows if r["runtime"] == "ort" and r["outcome"] == "benchmarked"]
    assert ort and all(r["speedup"] and r["speedup"] > 1 for r in ort)  # ort is faster than eager here
    assert all(len(r["sketch"]) == 21 for r in ort)
    assert {"export failed", "benchmark failed", "benchmarked"} <= {r["outcome"] for r in rows}
    assert data["machines"][0]["machine"] == "Synthetic CPU @ 3.0GHz 16 cores"


def test_dashboard_escapes_script_content_and_handles_an_empty_cache(tmp_path):
    cache = Cache(tmp_path / "cache").ensure()
    empty = write_dashboard([cache.root], tmp_path / "empty.html").read_text()
    assert _data(empty)["rows"] == []
    state = BuildState(build_name="evil", status="failed", failed_stage="export",
                       error="</script><script>alert(1)</script>")
    (cache.root / "evil").mkdir()
    state.save(cache.root / "evil")
    page = write_dashboard([cache.root], tmp_path / "evil.html").read_text()
    assert "</script><script>alert(1)" not in page
    assert _data(page)["rows"][0][_data(page)["columns"].index("error")] == "</script><script>alert(1)</script>"


def test_page_rows_mark_check_mismatch(tmp_path):
    cache = make_cache(tmp_path / "cache", 21, ("ort", "torch-eager"))
    outcomes = {r["outcome"] for r in page_rows(report_frame([cache]))}
    assert "check mismatch" in outcomes


def test_cache_report_html_cli(tmp_path):
    cache = make_cache(tmp_path / "cache", 4, ("ort",))
    done = run_benchit("cache", "report", "-d", cache, "-r", tmp_path / "out", "--html", tmp_path / "dash.html")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Dashboard written to" in done.stdout and (tmp_path / "dash.html").is_file()
    assert list((tmp_path / "out").glob("*.csv"))
    default = run_benchit("cache", "report", "-d", cache, "-r", tmp_path / "out2", "--html")
    assert default.returncode == 0 and list((tmp_path / "out2").glob("mlagility_dashboard_*.html"))
