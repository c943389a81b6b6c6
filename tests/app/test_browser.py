"""End to end: `artgan app` serves the real Streamlit server and headless Chromium uses each page."""

from __future__ import annotations

import importlib.util
import json
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

from tests.app.chromium import (WAIT, chosen, click, download, loaded_images, page_text, record_latency,  # noqa: E402
                                screenshot, slider_to_start, wait_text)


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
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def test_generate_page_shows_a_generated_grid(server, browser, downloads, tmp_path):
    browser.get(f"{server}/")  # Generate is the home page
    [image] = loaded_images(browser)
    assert browser.execute_script("return arguments[0].naturalWidth", image) >= 384  # 16 px tiles, enlarged
    text = page_text(browser)
    assert "digits" in text and "Download the grid (PNG)" in text
    assert "Traceback" not in text and "Page not found" not in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "generate", tmp_path)
    grid = download(browser, "Download the grid (PNG)", downloads, "Generate: download the grid (PNG)")
    assert grid.startswith(b"\x89PNG")
    assert browser.find_elements(By.CSS_SELECTOR, "button[aria-label^='Fullscreen']")  # click to enlarge
    slider_to_start(browser, "Image zoom", end=True, where="stSidebar")  # 3x: the shorter side from 384 to 1152 pixels
    smaller_side = "return Math.min(arguments[0].naturalWidth, arguments[0].naturalHeight)"
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(smaller_side, loaded_images(d)[0]) >= 3 * 384)


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
    try:
        WebDriverWait(browser, 30).until(lambda d: "6 / 4" in page_text(d))  # no reload: the page refreshed itself
        screenshot(browser, "runs-training", tmp_path)
    finally:
        shutil.rmtree(live)  # the later tests pick runs by their place in the list


def evaluate_on_judge(browser, run: str) -> str:
    """Start `artgan evaluate` of the newest run from Judge (10 images per row) and wait for its figures."""
    WebDriverWait(browser, WAIT).until(lambda d: "Ranked by the discriminator" in page_text(d) and chosen(d, "Run").split(" · ")[0] == run)
    slider_to_start(browser, "Images per row")
    trains = "Classifier training steps" in page_text(browser)
    if trains:
        slider_to_start(browser, "Classifier training steps")  # a 10-step classifier: a test, not a judgement
    click(browser, "Evaluate at step")
    wait_text(browser, f"Evaluating {run}", action="Judge: Evaluate to its progress bar")
    space = "a new 10-step classifier" if trains else "another run's classifier"
    wait_text(browser, "Download the report (HTML)", 300, action=f"Judge: Evaluate to the figures and report (10 images per row, {space})")
    return page_text(browser)


def test_judge_evaluates_a_run_from_the_page_and_shows_its_figures(server, browser, browser_root, downloads, tmp_path):
    browser.get(f"{server}/judge")
    text = evaluate_on_judge(browser, "digits")
    for row in ("model", "floor: average image", "floor: noise", "ceiling: real held-out", "FID", "KID", "recall"):
        assert row in text
    assert "Nearest training images" in text and "Training curves" in text and "Download the report (HTML)" in text
    assert "top-8 and bottom-8 of 256 samples; D's probability" in text
    # the ranking, the nearest training images and the training curves, each drawn
    assert len(loaded_images(browser, minimum=3)) >= 3
    screenshot(browser, "judge", tmp_path)
    report = download(browser, "Download the report (HTML)", downloads, "Judge: download the report (HTML)")
    assert report == (browser_root / "digits" / "evaluation" / "report.html").read_bytes()


def test_compare_two_evaluated_runs_side_by_side(server, browser, browser_root, tmp_path):
    from tests.app.conftest import train_run

    train_run(browser_root / "digits-seed1", "--data", "sklearn:digits", "--steps", "4", "--seed", "1")
    browser.get(f"{server}/judge")  # the newest run; Judge offers it the classifier of `digits`
    WebDriverWait(browser, WAIT).until(lambda d: chosen(d, "Feature space (domain classifier)") == "the one of run digits")
    evaluate_on_judge(browser, "digits-seed1")
    browser.get(f"{server}/compare")
    start = time.perf_counter()
    grids = loaded_images(browser, minimum=2)
    record_latency("Compare: two runs' grids drawn", time.perf_counter() - start)
    sources = {image.get_attribute("src") for image in grids}
    assert len(sources) >= 2  # two different pictures, one per run
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']"))
    table = WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stTable']"))[0]
    header = [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "thead th")][-9:]
    assert header == ["run", "row", "step", "checkpoint", "features", "KID", "FID", "precision", "recall"]
    cells = [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")][-9:]
             for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    scores = {(run, row): values for run, row, *values in cells}
    for run in ("digits", "digits-seed1"):  # each run's own figures, read from its evaluation
        written = json.loads((browser_root / run / "evaluation" / "metrics.json").read_text())["rows"]
        step, checkpoint, features, kid, fid, precision, recall = scores[(run, "model")]
        assert float(fid) == pytest.approx(written["model"]["fid"], rel=1e-3)
        assert float(kid) == pytest.approx(written["model"]["kid"], rel=1e-3, abs=1e-4)
        assert {(run, "floor (noise)"), (run, "ceiling (real)")} <= set(scores)
    text = page_text(browser)
    assert "different feature spaces" not in text and "Traceback" not in text  # one classifier: one scale
    screenshot(browser, "compare", tmp_path)


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
        wait_text(browser, "12 images in 2 classes (cool, warm)",  # unpacked and loaded as `artgan train` will
                  action="Train: a zip of 12 images uploaded, unpacked and checked")
        name = browser.find_element(By.CSS_SELECTOR, "input[aria-label='Run name']")
        name.send_keys(Keys.CONTROL, "a")
        name.send_keys("paintings-live", Keys.ENTER)
        time.sleep(1)
        screenshot(browser, "train", tmp_path)
        click(browser, "Start training")
        wait_text(browser, "Training paintings-live", action="Train: Start training to the detached process started")
        click(browser, "Watch paintings-live on Runs")
        wait_text(browser, "Stop (saves a checkpoint)", 240,  # data prepared, networks built, first step logged
                  action="Runs: Watch on Runs to Stop offered (the first step logged)")
        assert "training" in page_text(browser)
        screenshot(browser, "runs-app-started", tmp_path)
        click(browser, "Stop (saves a checkpoint)")
        wait_text(browser, "Resume from step", 120,  # the trainer finished its step, saved and exited
                  action="Runs: Stop to stopped with Resume (checkpoint saved)")
        assert "stopped" in page_text(browser)
        assert list((browser_root / "paintings-live" / "checkpoints").glob("*.safetensors"))
        click(browser, "Resume from step")  # the button's label ends with the step
        wait_text(browser, "Stop (saves a checkpoint)", 240,  # a new trainer loaded the checkpoint and stepped
                  action="Runs: Resume to Stop offered again (checkpoint loaded, a step taken)")
        click(browser, "Stop (saves a checkpoint)")
        WebDriverWait(browser, 120).until(lambda d: "Resume from step" in page_text(d))
    finally:  # never leave a trainer running after the test
        stop_training(browser_root / "paintings-live")


def test_find_an_uploaded_image_in_the_model(server, browser, downloads, tmp_path):
    from PIL import Image, ImageDraw

    artwork = tmp_path / "my-digit.png"
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).ellipse((10, 6, 38, 42), outline=255, width=6)  # a hand-drawn zero
    image.save(artwork)
    browser.get(f"{server}/find")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='file']"))
    browser.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(str(artwork))
    # The button shows once the upload has reached the app; a slider moved before that reruns the page
    # with no upload, and on a busy machine the upload's own rerun could then be lost.
    wait_text(browser, "Find it in the model", action="Find: the upload reaches the app")
    slider_to_start(browser, "Optimization steps")  # 20 steps: the page, not the search, is under test
    click(browser, "Find it in the model")
    wait_text(browser, "Pixel distance (RMSE)", 240, action="Find: 20 steps to the result")
    wait_text(browser, "Interpolation (GIF)", action="Find: downloads ready after the result")
    text = page_text(browser)
    assert "Latent (.npy)" in text and "Traceback" not in text
    assert len(loaded_images(browser, minimum=2)) >= 2  # the side-by-side and the walk to a random sample
    screenshot(browser, "find", tmp_path)
    assert download(browser, "Interpolation (GIF)", downloads, "Find: download the walk (GIF)").startswith(b"GIF8")
