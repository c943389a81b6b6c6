"""Headless Chromium driving the app as a user would: clicks, sliders, downloads, and the seconds
each takes (the browser tests' helpers)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 90  # seconds: the first page view imports torch and loads a generator on a busy 2-core CI box


def record_latency(what: str, seconds: float) -> float:
    """Appended to $ARTGAN_LATENCIES when set (benchmarks/app_latency.py reads it)."""
    if os.environ.get("ARTGAN_LATENCIES"):
        with open(os.environ["ARTGAN_LATENCIES"], "a") as out:
            out.write(f"{seconds:.2f}\t{what}\n")
    return seconds


def download(browser, label: str, folder: Path, action: str) -> bytes:
    """Click a download button; the saved file's bytes once Chromium has written it."""
    before = set(folder.iterdir())
    start = time.perf_counter()
    click(browser, label)

    def saved(_):
        new = [path for path in set(folder.iterdir()) - before if not path.name.endswith(".crdownload")]
        return new[0] if new and new[0].stat().st_size else False
    path = WebDriverWait(browser, WAIT).until(saved)
    record_latency(action, time.perf_counter() - start)
    return path.read_bytes()


def screenshot(browser, name: str, tmp_path: Path) -> Path:
    """The whole page (the window grown to its height for the shot), saved under $ARTGAN_SCREENSHOTS
    when set (to look at them), else in the test's temp dir."""
    folder = Path(os.environ.get("ARTGAN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    size = browser.get_window_size()
    height = browser.execute_script("return document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    browser.set_window_size(size["width"], min(max(size["height"], height + 40), 4000))
    time.sleep(0.5)
    browser.save_screenshot(str(folder / f"{name}.png"))
    browser.set_window_size(size["width"], size["height"])
    return folder / f"{name}.png"


def loaded_images(browser, minimum: int = 1):
    """The page's media images once at least ``minimum`` have arrived and decoded."""
    def ready(driver):
        images = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain'] img[src*='/media/']")
        decoded = [image for image in images if driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)]
        return decoded if len(decoded) >= minimum else False
    return WebDriverWait(browser, WAIT).until(ready)


def page_text(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text


def click(browser, text: str, wait: float = WAIT) -> None:
    """Click the button, link or radio option whose label holds ``text`` once it is there and enabled."""
    xpath = (f"//*[@data-testid='stMain']//button[contains(., {text!r}) and not(@disabled)] | "
             f"//*[@data-testid='stMain']//label[contains(., {text!r})] | "
             f"//*[@data-testid='stMain']//a[contains(., {text!r})]")
    WebDriverWait(browser, wait).until(lambda d: d.find_elements(By.XPATH, xpath))[0].click()


def wait_text(browser, text: str, wait: float = WAIT, action: str | None = None) -> float:
    """Seconds until ``text`` shows on the page: the latency a user sees (recorded as ``action``)."""
    start = time.perf_counter()
    WebDriverWait(browser, wait).until(lambda d: text in page_text(d))
    return record_latency(action or text, time.perf_counter() - start)


def slider_to_start(browser, label: str, end: bool = False, where: str = "stMain") -> None:
    """Move the (select) slider labelled ``label`` to its first (or last) option, as a keyboard user would."""
    xpath = f"//*[@data-testid={where!r}]//input[@type='range' and @aria-label={label!r}]"
    thumb = WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.XPATH, xpath))[0]
    target = thumb.get_attribute("max" if end else "min")
    browser.execute_script("arguments[0].focus()", thumb)
    ActionChains(browser).send_keys(Keys.END if end else Keys.HOME).perform()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.XPATH, xpath).get_attribute("value") == target)
    time.sleep(1)  # the change reruns the script


def chosen(browser, label: str) -> str:
    """What the page's select box labelled ``label`` shows (a run's label starts with its name)."""
    boxes = browser.find_elements(By.CSS_SELECTOR, f"[data-testid='stMain'] input[aria-label={label!r}]")
    return boxes[0].get_attribute("value") if boxes else ""
