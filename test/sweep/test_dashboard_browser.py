"""The dashboard in a real browser (headless Chromium through Selenium + Debian's chromedriver).

Skipped, with one line saying why, when chromium/chromedriver/selenium are missing (``make test``
installs chromium when it runs as root).
"""

from __future__ import annotations

import pytest

from synthetic import headless, make_cache
from mlagility.api.report import compare, write_dashboard
from mlagility.sweep.report import report_frame

pytestmark = pytest.mark.skipif(headless.missing() is not None, reason=str(headless.missing()))
CHARTS = ["chart-latency", "chart-speedup", "chart-dist", "chart-flops", "chart-outcome", "chart-reasons"]

# a chart is rendered when plotly drew traces into its plot area: bars/violins/lines are SVG
# paths with a non-empty "d"; scattergl draws into a canvas of non-zero size
DRAWN = """
const g = document.getElementById(arguments[0]);
if (!g || !g._fullLayout || !g.data || !g.data.length) return 0;
const paths = [...g.querySelectorAll('.cartesianlayer .trace path')].filter(p => (p.getAttribute('d') || '').length > 2).length;
const canvases = [...g.querySelectorAll('canvas')].filter(c => c.width > 0 && c.height > 0).length;
return paths + (g.data[0].type === 'scattergl' ? canvases : 0);
"""


def _rows(driver):
    return len(driver.find_elements("css selector", "#results tbody tr.data-row"))


def test_dashboard_renders_filters_and_has_no_console_errors(tmp_path):
    cache = make_cache(tmp_path / "cache", 24, ("ort", "torch-eager", "openvino"))
    page = write_dashboard([cache], tmp_path / "dashboard.html")
    with headless.browser() as driver:
        driver.get(page.as_uri())
        assert driver.execute_script("return window.dashboardReady") is True
        assert headless.console_errors(driver) == []
        total = int(driver.find_element("id", "row-count").get_attribute("data-count"))
        assert total == _rows(driver) == len(report_frame([cache]))  # < 100: one page
        for chart in CHARTS:
            assert driver.execute_script(DRAWN, chart) > 0, f"{chart} drew nothing"
        # filter by runtime: untick ort
        driver.find_element("css selector", '.f-rt[value="ort"]').click()
        assert 0 < _rows(driver) < total
        runtimes = driver.execute_script(
            "return [...document.querySelectorAll('#results tbody tr.data-row td:nth-child(8)')].map(td => td.textContent)")
        assert "ort" not in runtimes and {"torch-eager", "openvino"} <= set(runtimes)
        # filter by label (task) and by search text
        driver.find_element("css selector", '.f-rt[value="ort"]').click()
        driver.execute_script("const s = document.getElementById('f-task'); s.value = 'Audio'; s.dispatchEvent(new Event('change'));")
        audio = _rows(driver)
        assert 0 < audio < total
        assert all("task::Audio" in row.text for row in driver.find_elements("css selector", "#results tbody tr.data-row"))
        # sorting by median keeps every row; ticking a row redraws the distributions with it
        driver.find_element("css selector", 'th[data-key="median_ms"]').click()
        assert _rows(driver) == audio
        driver.find_element("css selector", "#results tbody input.sel").click()
        assert driver.execute_script("return document.getElementById('chart-dist').data.length") == 1
        assert headless.console_errors(driver) == []


def test_dashboard_of_a_cache_with_only_failures_renders_placeholders(tmp_path):
    from mlagility.builds.cache import Cache
    from mlagility.builds.state import BuildState

    cache = Cache(tmp_path / "cache").ensure()
    (cache.root / "broken").mkdir()
    BuildState(build_name="broken", status="failed", failed_stage="export", error="boom").save(cache.root / "broken")
    page = write_dashboard([cache.root], tmp_path / "failures.html")
    with headless.browser() as driver:
        driver.get(page.as_uri())
        assert driver.execute_script("return window.dashboardReady") is True
        assert headless.console_errors(driver) == []
        assert _rows(driver) == 1
        assert "no benchmark results" in driver.find_element("id", "chart-latency").text


def test_compare_page_renders(tmp_path):
    base = make_cache(tmp_path / "base", 6, ("ort",))
    cand = make_cache(tmp_path / "cand", 6, ("ort",), noise_seed=3, slowdown={2: 1.3})
    compare(base, cand, html=tmp_path / "compare.html")
    with headless.browser() as driver:
        driver.get((tmp_path / "compare.html").as_uri())
        assert driver.execute_script("return window.dashboardReady") is True
        assert headless.console_errors(driver) == []
        assert _rows(driver) == len(driver.execute_script(
            "return JSON.parse(document.getElementById('report-data').textContent).pairs"))
        assert driver.execute_script(DRAWN, "chart-ratio") > 0
        assert "slower" in driver.find_element("id", "results").text
