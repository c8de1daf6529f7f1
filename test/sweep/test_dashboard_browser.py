"""The dashboard in a real browser (headless Chromium through Selenium + Debian's chromedriver).

Skipped, with one line saying why, when chromium/chromedriver/selenium are missing (``make test``
installs chromium when it runs as root).
"""

from __future__ import annotations

import pytest

from synthetic import headless, make_cache
from mlagility.api.report import compare, write_dashboard
from mlagility.results.report import report_frame

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


@pytest.mark.slow
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


# ------------------------------------------------------------- hostile text reaching the pages
PAYLOADS = [
    "</script><script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned';document.body.insertAdjacentHTML('beforeend','<p id=pwned>PWNED</p>')\">",
    "<a href=\"javascript:document.title='pwned'\">click</a><span style=\"font-size:90px\">big</span>",
    "%APP% %DATA% %TITLE% %STYLE% %PLOTLY% __TOP__ {{ 7*7 }} {% raw %} ${document.title='pwned'} <!-- \u2028\u2029 &amp; \\u003c",
]
HOSTILE = " ".join(PAYLOADS)
PLOTLY_SPAN, PLOTLY_LINK = '<span style="font-size:90px">B</span>', '<a href="javascript:document.title=1">x</a>'

# what the page must show where it put none of it: no script ran, nothing was added to the DOM
UNTOUCHED = """
return {title: document.title, pwned: document.querySelectorAll('#pwned').length,
        img: document.querySelectorAll('img[src="x"], img[onerror]').length, scripts: document.scripts.length,
        js_links: document.querySelectorAll('a[href^="javascript"]').length,
        styled: [...document.querySelectorAll('span[style], tspan[style]')].filter(s => /90px/.test(s.getAttribute('style'))).length,
        svg_links: document.querySelectorAll('svg a').length};  // plotly turns <a>/<span style> of a label into SVG
"""


def _hostile_cache(root):
    """A synthetic cache whose every text field carries the payloads (and one 10,000-character name)."""
    import yaml

    from mlagility.builds.state import STATE_FILE, BuildState
    from mlagility.sweep.attempts import ATTEMPTS_DIR, Attempt

    cache = make_cache(root, 3, ("ort", "torch-eager"), failure_every=0)
    for number, state_file in enumerate(sorted(cache.glob(f"*/{STATE_FILE}"))):
        state = BuildState.load(state_file.parent)
        tag = f"[{number}]"
        state.source.update(script=f"/corpus/{tag}{HOSTILE}.py", model_name=f"m{tag}{HOSTILE}",
                            **{"class": f"Net{tag}{HOSTILE}"},
                            labels={"task": [f"t{tag}{HOSTILE}"], "author": [HOSTILE], "domain": [HOSTILE]})
        state.package_versions = {HOSTILE: HOSTILE}
        for key in list(state.benchmarks):
            bench = state.benchmarks.pop(key)
            bench.update(runtime_version=HOSTILE, device_name=HOSTILE, runtime_options={"opt": HOSTILE})
            state.benchmarks[f"x86/{bench['runtime']}{tag}{PAYLOADS[1]}"] = bench
        if number == 0:  # chart labels are shortened: short payloads for them
            state.source.update(script="/corpus/s.py", model_name=PLOTLY_SPAN)
        if number == 1:
            state.source["model_name"] = "L" * 10_000
        if number == 2:
            state.status, state.failed_stage, state.error = "failed", "export", f"{PLOTLY_LINK} {HOSTILE}"
            state.benchmarks = {}
        state.save(state_file.parent)
    (cache / ATTEMPTS_DIR).mkdir(exist_ok=True)
    attempt = Attempt(script=f"/corpus/{HOSTILE}.py", arguments={}, status="finished", outcome=f"error: {HOSTILE}", pid=1)
    (cache / ATTEMPTS_DIR / "hostile.yaml").write_text(yaml.safe_dump(attempt.__dict__))
    return cache


@pytest.mark.slow
def test_hostile_text_in_every_field_executes_nothing_and_renders_every_row(tmp_path):
    cache = _hostile_cache(tmp_path / "cache")
    rows = len(report_frame([cache]))
    assert rows == 2 * 2 + 1 + 1  # two builds x two runtimes, a failed build, a failed script
    title = "mlagility dashboard"
    # the same cache twice (and through another path) is reported once
    (tmp_path / "again").symlink_to(cache)
    page = write_dashboard([cache, cache, tmp_path / "again"], tmp_path / "dashboard.html", title=title)
    base = make_cache(tmp_path / "base", 3, ("ort", "torch-eager"), failure_every=0)
    compare(base, cache, html=tmp_path / "compare.html")
    with headless.browser() as driver:
        driver.get(page.as_uri())
        assert driver.execute_script("return window.dashboardReady") is True
        assert headless.console_errors(driver) == []
        assert driver.execute_script(UNTOUCHED) == {"title": title, "pwned": 0, "img": 0, "scripts": 3, "js_links": 0, "styled": 0, "svg_links": 0}
        assert int(driver.find_element("id", "row-count").get_attribute("data-count")) == _rows(driver) == rows
        table = driver.find_element("id", "results").text
        assert "onerror=" in table and "</script><script>" in table  # shown as text
        for chart in ("chart-latency", "chart-outcome", "chart-reasons"):
            assert driver.execute_script(DRAWN, chart) > 0, f"{chart} drew nothing"
        # the 10,000-character name is shortened, whole on hover, and the latency columns stay on screen
        long_cell = driver.execute_script(
            "return [...document.querySelectorAll('#results td span[title]')].map(s => [s.textContent.length, s.title.length])"
            ".find(([shown, whole]) => whole === 10000)")
        assert long_cell is not None and long_cell[0] <= 120
        right = driver.execute_script("const th = document.querySelector('th[data-key=\"output_tokens_per_s\"]'); return th.getBoundingClientRect().right - window.innerWidth")
        assert right <= 0
        # filters built from the payloads work and still run nothing
        driver.execute_script("const s = document.getElementById('f-task'); s.value = s.options[1].value; s.dispatchEvent(new Event('change'));")
        driver.find_element("id", "f-text").send_keys("onerror")
        assert driver.execute_script(UNTOUCHED)["title"] == title
        assert headless.console_errors(driver) == []

        driver.get((tmp_path / "compare.html").as_uri())
        assert driver.execute_script("return window.dashboardReady") is True
        assert headless.console_errors(driver) == []
        assert driver.execute_script(UNTOUCHED) == {"title": "mlagility comparison", "pwned": 0, "img": 0, "scripts": 3, "js_links": 0, "styled": 0, "svg_links": 0}
        pairs = driver.execute_script("return JSON.parse(document.getElementById('report-data').textContent).pairs.length")
        assert _rows(driver) == pairs > 0
