"""How big and how fast is the dashboard of a large sweep? (docs/performance.md, "Dashboard")

Writes a synthetic cache of 2,000 builds x 3 runtimes (raw samples included; every 7th build
fails somewhere), renders the dashboard, and opens it in headless Chromium: page load time
(navigation start to the end of the load event, the first render of table and charts included),
then the time of a filter change (untick a runtime) and of a sort, each re-rendering table and
charts. Median of ``--repeat`` page loads.

    python bench/dashboard_scale.py [--builds 2000] [--runtimes ort torch-eager openvino]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import headless  # noqa: E402
from synthetic_cache import make_cache  # noqa: E402

TIMED = """
const done = arguments[arguments.length - 1], t0 = performance.now();
%s
requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=2000)
    parser.add_argument("--runtimes", nargs="+", default=["ort", "torch-eager", "openvino"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from mlagility.api.report import write_dashboard
    from mlagility.sweep.report import report_frame

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cache = make_cache(Path(tmp) / "cache", args.builds, args.runtimes)
        print(f"synthetic cache: {args.builds} builds x {len(args.runtimes)} runtimes "
              f"({time.perf_counter() - start:.1f} s)")
        rows = len(report_frame([cache]))
        start = time.perf_counter()
        page = write_dashboard([cache], Path(tmp) / "dashboard.html")
        print(f"dashboard: {rows} rows, {page.stat().st_size / 2**20:.2f} MiB, written in {time.perf_counter() - start:.1f} s")
        reason = headless.missing()
        if reason:
            print(f"no browser measurement: {reason}")
            return
        loads, filters, sorts = [], [], []
        with headless.browser() as driver:
            driver.set_script_timeout(120)
            for _ in range(args.repeat):
                driver.get(page.as_uri())
                assert driver.execute_script("return window.dashboardReady") is True
                errors = headless.console_errors(driver)
                assert not errors, errors
                loads.append(headless.load_seconds(driver))
                filters.append(driver.execute_async_script(TIMED % "document.querySelector('.f-rt').click();") / 1e3)
                sorts.append(driver.execute_async_script(
                    TIMED % "document.querySelector('th[data-key=\"median_ms\"]').click();") / 1e3)
            shown = driver.find_element("id", "row-count").text
            version = driver.capabilities.get("browserVersion")
        print(f"Chromium {version}: page load {statistics.median(loads):.2f} s "
              f"(runs: {', '.join(f'{x:.2f}' for x in loads)}), filter {statistics.median(filters):.2f} s, "
              f"sort {statistics.median(sorts):.2f} s; after the filter: {shown}")


if __name__ == "__main__":
    main()
