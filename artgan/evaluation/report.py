"""One self-contained HTML page (images inlined as data URIs) with everything `artgan evaluate` found.

Sections: metrics beside their floor and ceiling, samples and the average image, training curves,
the timelapse, latent interpolations, the class grid (conditional models), samples ranked by the
discriminator, the memorisation check, and GAN-train / GAN-test when they were computed.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from PIL import Image

from artgan.atomic import write_text_atomic
from artgan.evaluation.evaluate import MODEL, EvaluationSetup, evaluation_folder
from artgan.evaluation.figures import (class_grid_figure, distance_histogram, image_bytes, interpolation_figure,
                                       interpolation_gif, memorisation_figure, ranking_figure)
from artgan.evaluation.ranking import load_discriminator, rank_samples
from artgan.runs.metrics_log import read_metrics
from artgan.visual.grid import make_grid, upscale
from artgan.visual.plots import plot_training_curves
from artgan.visual.preview import average_image

METRICS = [("fid", "FID", "lower"), ("kid", "KID", "lower"), ("is", "IS", "higher"),
           ("precision", "precision", "higher"), ("recall", "recall", "higher")]

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.8em 0; } td, th { padding: 0.3em 0.9em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
tr.model td { font-weight: bold; background: #fff7e0; }
img { image-rendering: pixelated; max-width: 100%; border: 1px solid #eee; }
.row { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; } .note { color: #666; font-size: 0.9em; }
figure { margin: 0.5em 0; } figcaption { color: #555; font-size: 0.9em; }
"""


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def img(image: Image.Image | bytes | Path, caption: str = "", mime: str = "image/png", width: int | None = None) -> str:
    data = image_bytes(image) if isinstance(image, Image.Image) else image.read_bytes() if isinstance(image, Path) else image
    label = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    size = f' width="{width}"' if width else ""
    return f'<figure><img src="{data_uri(data, mime)}"{size} alt="{html.escape(caption)}">{label}</figure>'


def metrics_table(result: dict) -> str:
    head = "".join(f"<th>{title} ({better} is better)</th>" for _, title, better in METRICS)
    rows = []
    for name, row in result["rows"].items():
        cells = "".join(f"<td>{row[key]:.4g}</td>" if key in row else "<td>-</td>" for key, _, _ in METRICS)
        rows.append(f'<tr class="{"model" if name == MODEL else ""}"><td>{html.escape(name)}</td>{cells}</tr>')
    return f"<table><tr><th>images</th>{head}</tr>{''.join(rows)}</table>"


def section(title: str, *parts: str) -> str:
    return f"<h2>{html.escape(title)}</h2>" + "".join(parts)


def build_sections(run_path: Path, setup: EvaluationSetup, result: dict, out: Path) -> list[str]:
    model = setup.model
    classifier = result.get("classifier") or {}
    accuracy = classifier.get("held_out_accuracy")
    sections = [section(
        "Metrics",
        f'<p class="note">{result["n"]} images per row, measured against {result["reference_images"]} real reference '
        f'images in the feature space of {html.escape(result["features"])}'
        + (f" (held-out accuracy of the domain classifier: {accuracy:.1%})" if accuracy is not None else "")
        + ". The model's figures mean something only between the floors and the ceiling.</p>",
        metrics_table(result),
    )]
    samples = setup.samples[:64] if setup.samples is not None else model.sample(64)
    sections.append(section("Samples and the average-image baseline", '<div class="row">',
                            img(upscale(make_grid(samples), 384), f"{len(samples)} samples at step {model.step}"),
                            img(upscale(make_grid(average_image(setup.reference)[None]), 128), "average real image (the floor)"),
                            "</div>"))
    curves = plot_training_curves(read_metrics(run_path), out / "training_curves.png")
    timelapse = run_path / "timelapse.gif"
    sections.append(section("Training", '<div class="row">',
                            img(curves, "losses, D(x), D(G(z)) and metrics tracked during training") if curves else "",
                            img(timelapse, "fixed-noise samples over training", "image/gif", 480) if timelapse.is_file() else "",
                            "</div>"))
    gif = interpolation_gif(model, out / "interpolation.gif")
    sections.append(section("Latent interpolation", '<div class="row">',
                            img(interpolation_figure(model, spherical=True), "spherical (slerp): each row walks between two random z"),
                            img(interpolation_figure(model, spherical=False), "linear (lerp): the same walks in a straight line"),
                            img(gif, "the walks animated", "image/gif"), "</div>"))
    if model.conditional:
        sections.append(section("Same noise, every class", img(class_grid_figure(model), "row = class, column = one latent vector")))
    ranking = ranking_figure(rank_samples(model, load_discriminator(run_path, model)))
    ranking.save(out / "ranking.png")  # beside the report, for the app and for slides
    sections.append(section("Ranked by the discriminator", img(ranking, "top-8 and bottom-8 of 256 samples, D's probability of 'real' (D=) or a WGAN critic's score (C=) under each")))
    if setup.memorisation is not None:
        summary = result["memorisation"]
        nearest = memorisation_figure(setup.memorisation)
        nearest.save(out / "memorisation.png")
        sections.append(section(
            "Memorisation check",
            f'<p class="note">Median distance to the nearest training image: samples {summary["median_sample_distance"]:.3g}, '
            f'real held-out images {summary["median_held_out_distance"]:.3g}. {summary["copy_rate"]:.1%} of samples are '
            f"nearer to a training image than 99% of real held-out images are (a copying generator scores high).</p>",
            '<div class="row">', img(distance_histogram(setup.memorisation)),
            img(nearest, "the samples nearest to a training image, then their 3 nearest training images"),
            "</div>"))
    if "per_class" in result:
        sections.append(section("Per class", per_class_table(result["per_class"])))
    if "gan_train_test" in result:
        sections.append(section("GAN-train and GAN-test (Shmelkov et al. 2018)", gan_train_test_table(result["gan_train_test"])))
    return sections


def per_class_table(rows: dict) -> str:
    columns = [("accuracy", "class accuracy", "{:.1%}"), ("precision", "precision", "{:.3f}"), ("recall", "recall", "{:.3f}"),
               ("coverage", "coverage", "{:.3f}"), ("diversity", "diversity", "{:.2f}"), ("kid", "KID", "{:.4g}"),
               ("fid", "FID", "{:.4g}"), ("fid_ceiling", "FID ceiling", "{:.4g}")]
    body = "".join(f"<tr><td>{html.escape(name)}</td>" + "".join(
        f"<td>{form.format(row[key]) if key in row else '-'}</td>" for key, _, form in columns) + "</tr>"
        for name, row in rows.items())
    head = "".join(f"<th>{title}</th>" for _, title, _ in columns)
    return ('<p class="note">Each class\'s samples against that class\'s real images; the ceiling is the class\'s '
            "real held-out images. Diversity is the samples' spread over the real class's (1 = as varied, "
            f"0 = one image).</p><table><tr><th>class</th>{head}</tr>{body}</table>")


def gan_train_test_table(scores: dict) -> str:
    names = list(scores["per_class"])
    rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{scores['per_class'][n]['gan_test']:.1%}</td>"
                   f"<td>{scores['per_class'][n]['gan_train']:.1%}</td><td>{scores['per_class'][n]['real']:.1%}</td></tr>"
                   for n in names)
    total = (f"<tr class='model'><td>all classes</td><td>{scores['gan_test']:.1%}</td><td>{scores['gan_train']:.1%}</td>"
             f"<td>{scores['real']:.1%}</td></tr>")
    return ('<p class="note">GAN-test: accuracy of a classifier trained on real images, on samples of each class '
            "(are samples recognisable?). GAN-train: accuracy on real held-out images of a classifier trained on "
            "samples only (do samples cover the classes?). Real: the real-trained classifier on real held-out images, "
            "the ceiling of both.</p>"
            f"<table><tr><th>class</th><th>GAN-test</th><th>GAN-train</th><th>real</th></tr>{rows}{total}</table>")


def write_report(run_path: str | Path, setup: EvaluationSetup, result: dict, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (in ``out``, default RUN/evaluation) and return its path."""
    run_path = Path(run_path)
    out = evaluation_folder(run_path, out)
    out.mkdir(parents=True, exist_ok=True)
    title = f"{result['model']} on {setup.model.config.data.source} at step {result['step']}"
    body = "".join(build_sections(run_path, setup, result, out))
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>artgan evaluation</h1><p>{html.escape(title)} "
            f"&middot; run <code>{html.escape(str(run_path))}</code></p>{body}</body></html>")
    path = out / "report.html"
    write_text_atomic(path, page)
    return path
