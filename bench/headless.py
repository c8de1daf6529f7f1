"""Open a page in headless Chromium (Debian's ``chromium`` + ``chromedriver``) through Selenium.

Shared by the browser tests (``test/sweep/test_dashboard_browser.py``) and
``bench/dashboard_scale.py``. ``missing()`` says in one line why no browser can run here.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile

CHROMIUM = ("chromium", "chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1600,2400"]


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM) if p), None)


def missing() -> str | None:
    """None when a headless browser can run, else the one-line reason."""
    if chromium_path() is None:
        return "chromium is not installed (apt-get install chromium chromium-driver; make test does it as root)"
    if shutil.which("chromedriver") is None:
        return "chromedriver is not installed (apt-get install chromium-driver; make test does it as root)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@contextlib.contextmanager
def browser():
    """A headless Chromium WebDriver with its console log captured; always quit, profile removed."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="mlagility-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_path()
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
        driver.set_page_load_timeout(300)
        try:
            yield driver
        finally:
            driver.quit()


def console_errors(driver) -> list[str]:
    """SEVERE console messages (JavaScript errors, failed loads) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def load_seconds(driver) -> float:
    """Seconds from navigation start to the end of the load event (scripts included)."""
    return driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd / 1000;")
