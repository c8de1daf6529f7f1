"""The dashboard's own input handling and page building, without a browser: the data island
cannot end its element, report files with text in a numeric column are refused with one line,
the same source given twice counts once. (The browser proves nothing runs: test_dashboard_browser.py.)"""

from __future__ import annotations

import json
import re

import pytest

from synthetic import make_cache
from mlagility.api.report import write_dashboard
from mlagility.common.exceptions import UsageError
from mlagility.results.dashboard import render_dashboard, script_json
from mlagility.results.report import report_frame

HOSTILE = "</script><script>alert(1)</script> <!-- %APP% %DATA% {{ 7*7 }} \u2028\u2029 & <img src=x onerror=alert(1)>"


def _island(page: str):
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    return match.group(1)


def test_script_json_cannot_end_its_element_and_round_trips():
    text = script_json({"name": HOSTILE, "n": float("nan"), "nested": [float("inf"), 1.5]})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"name": HOSTILE, "n": None, "nested": [None, 1.5]}


def test_a_hostile_title_and_rows_stay_data(tmp_path):
    cache = make_cache(tmp_path / "cache", 2, ("ort",), failure_every=0)
    frame = report_frame([cache])
    frame.loc[0, "model_class"] = HOSTILE
    frame.loc[0, "error"] = "%APP%"
    page = render_dashboard(frame, title=HOSTILE, sources=[HOSTILE])
    assert page.count("<script") == 3 and page.count("</script>") == 3  # plotly, the data, the app
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = json.loads(_island(page))
    assert HOSTILE in data["rows"][0] or HOSTILE in [c for row in data["rows"] for c in row]
    assert data["sources"] == [HOSTILE]


@pytest.mark.parametrize("suffix", ["json", "csv"])
@pytest.mark.parametrize("value", ['<img src=x onerror="alert(1)">', "fast", True])
def test_a_report_file_with_text_in_a_numeric_column_is_refused_with_one_line(tmp_path, suffix, value):
    cache = make_cache(tmp_path / "cache", 3, ("ort",), failure_every=0)
    frame = report_frame([cache])
    frame["p90_ms"] = frame["p90_ms"].astype(object)
    frame.loc[1, "p90_ms"] = value
    report = tmp_path / f"report.{suffix}"
    frame.to_json(report, orient="records") if suffix == "json" else frame.to_csv(report, index=False)
    if suffix == "csv" and value is True:
        value = "True"
    with pytest.raises(UsageError) as error:
        write_dashboard([report], tmp_path / "dash.html")
    message = str(error.value)
    assert "\n" not in message and f"{report}: not a benchit report: row 2: p90_ms is " in message and "not a number" in message
    assert not (tmp_path / "dash.html").exists()


def test_a_csv_report_with_numbers_as_text_and_empty_cells_renders(tmp_path):
    cache = make_cache(tmp_path / "cache", 3, ("ort",), failure_every=0)
    frame = report_frame([cache])
    frame["p90_ms"] = [" 1.5", "", "2e-3"]
    frame.to_csv(tmp_path / "report.csv", index=False)
    page = write_dashboard([tmp_path / "report.csv"], tmp_path / "dash.html").read_text()
    data = json.loads(_island(page))
    p90 = [row[data["columns"].index("p90_ms")] for row in data["rows"]]
    assert p90 == [1.5, None, 0.002]


def test_the_same_source_given_twice_is_reported_once(tmp_path):
    cache = make_cache(tmp_path / "cache", 3, ("ort",), failure_every=0)
    (tmp_path / "link").symlink_to(cache)
    page = write_dashboard([cache, str(cache) + "/", tmp_path / "link", tmp_path / "x" / ".." / "cache"],
                           tmp_path / "dash.html").read_text()
    data = json.loads(_island(page))
    assert len(data["rows"]) == len(report_frame([cache])) and len(data["sources"]) == 1


def test_cache_report_of_the_same_cache_twice_counts_each_build_once(tmp_path):
    from conftest import run_benchit

    cache = make_cache(tmp_path / "cache", 3, ("ort",), failure_every=0)
    (tmp_path / "link").symlink_to(cache)
    result = run_benchit("cache", "report", "-d", cache, "-d", cache, "-d", tmp_path / "link", "-r", tmp_path / "r",
                         "--html", tmp_path / "dash.html")
    assert result.returncode == 0, result.stderr
    assert re.search(r"rows \(build x runtime\)\s*│\s*3\b", result.stdout)
    data = json.loads(_island((tmp_path / "dash.html").read_text()))
    assert len(data["rows"]) == 3
