"""End to end: `artgan app` serves the real Streamlit server and headless Chromium uses each page."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = 90  # seconds: the first page view imports torch and loads a generator on a busy 2-core CI box


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser_root(runs_root, tmp_path_factory) -> Path:
    """A runs folder of its own (the tests add a run that trains while the browser watches)."""
    root = tmp_path_factory.mktemp("browser_runs")
    shutil.copytree(runs_root / "digits", root / "digits")
    return root


@pytest.fixture(scope="module")
def server(browser_root, tmp_path_factory):
    """`artgan app` on a free port, serving ``browser_root``; yields its base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])}
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "artgan", "app", "--runs", str(browser_root), "--port", str(port),
                                    "--host", "127.0.0.1", "--no-browser"], stdout=output, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + WAIT
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                pytest.fail(f"the app server did not start:\n{log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
    with pytest.raises(OSError):  # `artgan app` is the server itself: terminating it left no orphan serving
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def screenshot(browser, name: str, tmp_path: Path) -> Path:
    """Saved under $ARTGAN_SCREENSHOTS when set (to look at them), else in the test's temp dir."""
    folder = Path(os.environ.get("ARTGAN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(folder / f"{name}.png"))
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


def wait_text(browser, text: str, wait: float = WAIT) -> float:
    """Seconds until ``text`` shows on the page: the latency a user sees."""
    start = time.perf_counter()
    WebDriverWait(browser, wait).until(lambda d: text in page_text(d))
    return record_latency(text, time.perf_counter() - start)


def record_latency(what: str, seconds: float) -> float:
    """Appended to $ARTGAN_LATENCIES when set (docs/app.md's table comes from there)."""
    if os.environ.get("ARTGAN_LATENCIES"):
        with open(os.environ["ARTGAN_LATENCIES"], "a") as out:
            out.write(f"{seconds:.2f}\t{what}\n")
    return seconds


def test_generate_page_shows_a_generated_grid(server, browser, tmp_path):
    browser.get(f"{server}/")  # Generate is the home page
    [image] = loaded_images(browser)
    assert browser.execute_script("return arguments[0].naturalWidth", image) >= 384  # 16 px tiles, enlarged
    text = page_text(browser)
    assert "digits" in text and "Download the grid (PNG)" in text
    assert "Traceback" not in text and "Page not found" not in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "generate", tmp_path)


def test_runs_page_shows_samples_timelapse_and_curves(server, browser, tmp_path):
    browser.get(f"{server}/runs")
    assert len(loaded_images(browser, minimum=2)) >= 2
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']"))
    assert "finished" in page_text(browser)
    screenshot(browser, "runs", tmp_path)


def test_explore_page_shows_the_interpolation(server, browser, tmp_path):
    browser.get(f"{server}/explore")
    assert len(loaded_images(browser, minimum=2)) >= 2
    assert "Interpolation" in page_text(browser) and "Traceback" not in page_text(browser)
    screenshot(browser, "explore", tmp_path)


def test_stylize_page_refuses_a_corrupt_upload_with_a_clear_message(server, browser, tmp_path):
    browser.get(f"{server}/stylize")
    WebDriverWait(browser, WAIT).until(lambda d: "Stylize" in page_text(d))
    if importlib.util.find_spec("artgan.style") is None:
        assert "Style transfer is not part of this artgan installation" in page_text(browser)
        screenshot(browser, "stylize", tmp_path)
        return
    broken = tmp_path / "holiday.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='file']"))
    browser.find_elements(By.CSS_SELECTOR, "input[type='file']")[0].send_keys(str(broken))
    WebDriverWait(browser, WAIT).until(lambda d: "'holiday.jpg'" in page_text(d))
    assert "holiday.jpg" in page_text(browser) and "Traceback" not in page_text(browser)
    screenshot(browser, "stylize", tmp_path)


def test_runs_page_refreshes_itself_while_a_run_trains(server, browser, browser_root, tmp_path):
    live = browser_root / "live"
    shutil.copytree(browser_root / "digits", live)
    (live / "samples.png").unlink()  # not finished: the trainer writes it last
    (live / "metrics.csv").touch()  # and just changed: training
    browser.get(f"{server}/runs")
    WebDriverWait(browser, WAIT).until(lambda d: "4 / 4" in page_text(d) and "training" in page_text(d))
    shutil.copy(live / "checkpoints" / "step_00000004.safetensors", live / "checkpoints" / "step_00000006.safetensors")
    shutil.copy(live / "samples" / "step_00000004.png", live / "samples" / "step_00000006.png")
    WebDriverWait(browser, 30).until(lambda d: "6 / 4" in page_text(d))  # no reload: the page refreshed itself
    screenshot(browser, "runs-training", tmp_path)


def test_train_from_an_uploaded_zip_watch_it_stop_it_and_resume_it(server, browser, browser_root, tmp_path):
    import zipfile

    from artgan.app.jobs import stop_training
    from tests.conftest import write_image

    images = tmp_path / "paintings"
    for i in range(12):
        write_image(images / ("warm" if i % 2 else "cool") / f"{i}.png", size=(24, 24), seed=i)
    archive = tmp_path / "paintings.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(images.rglob("*.png")):
            out.write(path, path.relative_to(tmp_path))
    try:
        browser.get(f"{server}/train")
        click(browser, "A zip of images")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='file']"))
        browser.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(str(archive))
        wait_text(browser, "12 images in 2 classes (cool, warm)")  # unpacked and loaded as `artgan train` will
        name = browser.find_element(By.CSS_SELECTOR, "input[aria-label='Run name']")
        name.send_keys(Keys.CONTROL, "a")
        name.send_keys("paintings-live", Keys.ENTER)
        time.sleep(1)
        screenshot(browser, "train", tmp_path)
        click(browser, "Start training")
        wait_text(browser, "Training paintings-live")
        click(browser, "Watch paintings-live on Runs")
        WebDriverWait(browser, 240).until(lambda d: "Stop (saves a checkpoint)" in page_text(d))  # the trainer's first steps
        wait_text(browser, "training")
        screenshot(browser, "runs-app-started", tmp_path)
        click(browser, "Stop (saves a checkpoint)")
        wait_text(browser, "Resume from step", 120)  # the trainer finished its step, saved and exited
        assert "stopped" in page_text(browser)
        assert list((browser_root / "paintings-live" / "checkpoints").glob("*.safetensors"))
        click(browser, "Resume from step")  # the button's label ends with the step
        wait_text(browser, "Stop (saves a checkpoint)", 240)  # a new trainer loaded the checkpoint and stepped
        click(browser, "Stop (saves a checkpoint)")
        WebDriverWait(browser, 120).until(lambda d: "Resume from step" in page_text(d))
    finally:  # never leave a trainer running after the test
        stop_training(browser_root / "paintings-live")


def test_compare_two_runs_side_by_side(server, browser, browser_root, tmp_path):
    from tests.app.conftest import train_run

    if not (browser_root / "digits-seed1").exists():
        train_run(browser_root / "digits-seed1", "--data", "sklearn:digits", "--steps", "4", "--seed", "1")
    browser.get(f"{server}/compare")
    start = time.perf_counter()
    grids = loaded_images(browser, minimum=2)
    record_latency("Compare: two runs' grids", time.perf_counter() - start)
    assert len(grids) >= 2
    sources = {image.get_attribute("src") for image in grids}
    assert len(sources) >= 2  # two different pictures, one per run
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']"))
    assert "Traceback" not in page_text(browser)
    screenshot(browser, "compare", tmp_path)


def test_find_an_uploaded_image_in_the_model(server, browser, tmp_path):
    from PIL import Image, ImageDraw

    artwork = tmp_path / "my-digit.png"
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).ellipse((10, 6, 38, 42), outline=255, width=6)  # a hand-drawn zero
    image.save(artwork)
    browser.get(f"{server}/find")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='file']"))
    browser.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(str(artwork))
    click(browser, "Find it in the model")
    wait_text(browser, "Pixel distance (RMSE)", 240)  # 200 optimization steps of a 16 px generator
    wait_text(browser, "Interpolation (GIF)")  # the downloads follow the result
    text = page_text(browser)
    assert "Latent (.npy)" in text and "Traceback" not in text
    assert len(loaded_images(browser, minimum=2)) >= 2  # the side-by-side and the walk to a random sample
    screenshot(browser, "find", tmp_path)
