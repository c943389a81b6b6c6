"""The model card (README.md) of a published run: what it learned from, how, how well, and under
which licence, in the Hub's format (YAML metadata, then Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from artgan.config import Config

# The recipe's headline options; the whole config is published beside the card as config.yaml.
RECIPE = [("model", "name"), ("model", "latent_dim"), ("model", "g_width"), ("model", "d_width"),
          ("train", "steps"), ("train", "epochs"), ("train", "batch"), ("train", "optimizer"), ("train", "lr_g"),
          ("train", "lr_d"), ("train", "n_critic"), ("train", "precision"), ("train", "ema"), ("train", "diffaug"),
          ("train", "label_smoothing"), ("train", "r1"), ("train", "seed")]


def model_card(repo_id: str, config: Config, info: dict, step: int, licence: str, metrics: dict | None,
               paper: str = "") -> str:
    source = config.data.source
    metadata = {"license": licence, "library_name": "artgan", "pipeline_tag": "unconditional-image-generation",
                "tags": ["gan", "artgan", config.model.name]}
    if source.startswith("hf:") and "/" in source and not Path(source[3:]).exists():
        metadata["datasets"] = [source[3:]]
    lines = ["---", yaml.safe_dump(metadata, sort_keys=False).strip(), "---", "",
             f"# {repo_id.split('/')[-1]}", "",
             f"A {config.model.name} GAN{f' ({paper})' if paper else ''} trained with artgan for {step} steps.", "",
             "![samples](samples.png)", "", "## Data", "", *data_facts(config, info), "",
             "## Recipe", "", "| option | value |", "|---|---|",
             *(f"| {section}.{name} | {getattr(getattr(config, section), name)} |" for section, name in RECIPE),
             "", "Everything else is in `config.yaml`; `artgan train --config config.yaml` trains it again.", "",
             "## Metrics", "", *metric_lines(metrics), "", "## Use", "", "```bash",
             f"artgan generate hf:{repo_id} --seeds 0-35 --grid grid.png",
             f"artgan evaluate hf:{repo_id} --data {source}", "```", "", "```python", "import artgan",
             f'model = artgan.load_generator("hf:{repo_id}")',
             "artgan.make_grid(model.sample(36, seed=0))", "```", "",
             "`generator.safetensors` is the generator's plain state dict (`safetensors.torch.load_file`).", "",
             "## Licence", "", licence_line(licence), ""]
    return "\n".join(lines)


def data_facts(config: Config, info: dict) -> list[str]:
    classes = info.get("class_names")
    facts = [f"- source: `{config.data.source}`" + (f", split `{config.data.split}`" if config.data.source.startswith("hf:") else ""),
             f"- {info.get('num_images', '?')} images, {info.get('size')} px, {'RGB' if info.get('channels') == 3 else 'grayscale'}",
             f"- classes: {', '.join(classes)}" if classes else "- unlabelled"]
    if info.get("skipped_images"):
        facts.append(f"- {info['skipped_images']} files skipped as unreadable")
    return facts


def metric_lines(metrics: dict | None) -> list[str]:
    if not metrics:
        return ["Not evaluated before publishing (`artgan evaluate RUN` first puts its figures here)."]
    lines = [f"`artgan evaluate` at step {metrics.get('step')}, {metrics.get('n')} images per row, "
             f"{metrics.get('features')} features; a figure means something between its floors and its ceiling:", "",
             "| row | FID | KID | precision | recall |", "|---|---|---|---|---|"]
    for row, scores in metrics.get("rows", {}).items():
        lines.append(f"| {row} | {scores.get('fid', float('nan')):.2f} | {scores.get('kid', float('nan')):.4f} | "
                     f"{scores.get('precision', float('nan')):.2f} | {scores.get('recall', float('nan')):.2f} |")
    return lines


def licence_line(licence: str) -> str:
    if licence in ("other", "unknown"):
        return ("No licence was given when this run was published (`artgan push --license ID`). A generator "
                "trained on images may carry their licences' terms: check the data's licence before use.")
    return f"`{licence}`. A generator trained on images may also carry their licences' terms."


def read_metrics_json(folder: Path) -> dict | None:
    path = Path(folder) / "evaluation" / "metrics.json"
    try:
        return json.loads(path.read_text()) if path.is_file() else None
    except (OSError, ValueError):
        return None
