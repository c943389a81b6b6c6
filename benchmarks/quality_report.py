"""Tables, plot and side-by-side grids of benchmarks/quality.py's results (a results-*.json per process)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OVERALL = [("kid", "KID", "{:.4f}"), ("fid", "FID", "{:.3g}"), ("precision", "prec", "{:.3f}"),
           ("recall", "recall", "{:.3f}"), ("density", "dens", "{:.3f}"), ("coverage", "cover", "{:.3f}")]
PER_CLASS = [("accuracy", "cls acc", "{:.3f}"), ("recall", "cls rec", "{:.3f}"), ("coverage", "cls cov", "{:.3f}"),
             ("diversity", "cls div", "{:.2f}")]


def by_collection(results: list[dict]) -> dict[str, dict]:
    """Merge the files of one collection (staggered processes each trained some recipes)."""
    merged: dict[str, dict] = {}
    for result in results:
        entry = merged.setdefault(result["collection"], {**result, "recipes": {}})
        entry["recipes"].update(result["recipes"])
    return merged


def _cells(row: dict) -> str:
    cells = [form.format(row[key]) if key in row else "-" for key, _, form in OVERALL]
    per_class = row.get("class_mean", {})
    if "class_accuracy_held_out" in row:
        per_class = {**per_class, "accuracy": row["class_accuracy_held_out"]}
    cells += [form.format(per_class[key]) if key in per_class else "-" for key, _, form in PER_CLASS]
    copies = row.get("memorisation", {}).get("copy_rate")
    return " | ".join(cells + ["-" if copies is None else f"{copies:.3f}"])


def table(entry: dict) -> str:
    """One collection as a Markdown table: floors and ceiling first, then each recipe at each budget."""
    titles = [title for _, title, _ in OVERALL + PER_CLASS] + ["copies"]
    lines = [f"**{entry['collection']}**: {entry['train_images']} training / {entry['held_out_images']} held-out "
             f"images; features: {entry['features']} trained on {entry.get('features_trained_on', 'the training split')} "
             f"(held-out accuracy {entry['judge_held_out_accuracy']:.3f})", "",
             "| row | CPU min | steps | " + " | ".join(titles) + " |", "|" + "---|" * (len(titles) + 3)]
    for name, row in entry["references"].items():
        lines.append(f"| {name} | | | {_cells(row)} |")
    for recipe, result in entry["recipes"].items():
        for row in result["rows"]:
            lines.append(f"| {recipe} | {row['cpu_minutes']:.2f} | {row['steps']} | {_cells(row)} |")
            if "raw_generator" in row:  # an EMA recipe's live weights at the same point
                lines.append(f"| {recipe} (raw G) | {row['cpu_minutes']:.2f} | {row['steps']} | {_cells(row['raw_generator'])} |")
                lines += _recent_states_line(recipe, row, row["raw_generator"], "raw G, ")
            if "best_checkpoint" in row:  # --eval-every's kept state: what generate would sample
                kept = row["best_checkpoint"]
                lines.append(f"| {recipe} (best, step {kept['step']}) | {row['cpu_minutes']:.2f} | {row['steps']} | {_cells(kept)} |")
            lines += _recent_states_line(recipe, row, row)
            for psi, scores in row.get("truncated", {}).items():  # the same samples' noise, truncated
                lines.append(f"| {recipe} (ψ {psi}) | {row['cpu_minutes']:.2f} | {row['steps']} | {_cells(scores)} |")
    return "\n".join(lines)


def _recent_states_line(recipe: str, row: dict, scored: dict, which: str = "") -> list[str]:
    """--recent-states' row: the mean over a budget's last states, not one draw (none without the option).
    ``which`` names the weights scored, "raw G, " for an EMA run's live G."""
    if "recent_states" not in scored:
        return []
    recent = scored["recent_states"]
    label = f"{recipe} ({which}mean of {len(recent['steps'])} states, steps {recent['steps'][0]}-{recent['steps'][-1]})"
    return [f"| {label} | {row['cpu_minutes']:.2f} | {row['steps']} | {_cells(recent)} |"]


def _class_text(scores: dict, with_recall: bool = True) -> str:
    """``, class accuracy A, within-class recall R`` of a conditional model's scores; nothing otherwise."""
    if "class_mean" not in scores:
        return ""
    text = f", class accuracy {scores['class_mean']['accuracy']:.3f}"
    return text + (f", within-class recall {scores['class_mean']['recall']:.3f}" if with_recall else "")


def budget_line(tag: str, row: dict) -> str:
    """One budget's row of quality.py as the progress line it prints while the benchmark runs."""
    line = (f"  {tag} {row['budget_minutes']:g} CPU-min: step {row['steps']}, KID {row['kid']:.4f}, "
            f"recall {row['recall']:.3f}, coverage {row['coverage']:.3f}")
    if "raw_generator" in row:
        raw = row["raw_generator"]
        line += f" (raw G: KID {raw['kid']:.4f}, recall {raw['recall']:.3f}"
        line += f"; mean of its last states {raw['recent_states']['kid']:.4f})" if "recent_states" in raw else ")"
    line += _class_text(row)
    if "best_checkpoint" in row:
        kept = row["best_checkpoint"]
        line += f"; best checkpoint (step {kept['step']}): KID {kept['kid']:.4f}, recall {kept['recall']:.3f}" + _class_text(kept)
    if "recent_states" in row:
        recent = row["recent_states"]
        line += (f"; last {len(recent['steps'])} states: KID " + ", ".join(f"{kid:.4f}" for kid in recent["kids"]) +
                 f" (mean {recent['kid']:.4f})")
    for psi, scores in row["truncated"].items():
        line += f"; psi {psi}: KID {scores['kid']:.4f}, recall {scores['recall']:.3f}" + _class_text(scores, with_recall=False)
    return line


def print_tables(results: list[dict]) -> None:
    for entry in by_collection(results).values():
        print("\n" + table(entry))
    print("\ncls acc: share of a class's samples the judge recognises as that class (ceiling row: the judge on "
          "real held-out images); cls rec/cov/div: within-class recall, coverage, diversity ratio, mean over classes; "
          "copies: share of samples nearer a training image than the nearest 1 % of held-out real images are")


def beside(grids: list[Path], path: Path) -> Path:
    """Sample grids side by side, each titled with its file name (e.g. old default beside new)."""
    from PIL import Image, ImageDraw

    images = [Image.open(grid).convert("RGB") for grid in grids]
    gap, title = 16, 22
    sheet = Image.new("RGB", (sum(i.width for i in images) + gap * (len(images) - 1), max(i.height for i in images) + title),
                      "white")
    left = 0
    for grid, image in zip(grids, images):
        sheet.paste(image, (left, title))
        ImageDraw.Draw(sheet).text((left + 4, 4), Path(grid).stem, fill="black")
        left += image.width + gap
    sheet.save(path)
    return path


def plot(results: list[dict], path: Path) -> Path:
    """KID (log scale) and recall against CPU minutes, one panel pair per collection, one line per recipe;
    the floors and the ceiling as horizontal lines."""
    entries = list(by_collection(results).values())
    figure, axes = plt.subplots(2, max(len(entries), 1), figsize=(4.5 * max(len(entries), 1), 7), squeeze=False)
    for column, entry in enumerate(entries):
        for row_index, (key, title) in enumerate([("kid", "KID (lower is better)"), ("recall", "recall (higher is better)")]):
            ax = axes[row_index][column]
            for recipe, result in entry["recipes"].items():
                rows = result["rows"]
                ax.plot([r["cpu_minutes"] for r in rows], [max(r[key], 1e-5) for r in rows], "o-", label=recipe)
            for (name, row), style in zip(entry["references"].items(), [":", "-.", "--"]):
                ax.axhline(max(row[key], 1e-5), linestyle=style, color="grey", label=name)
            if key == "kid":
                ax.set_yscale("log")
            ax.set_xlabel("CPU minutes (process time)")
            ax.set_title(f"{entry['collection']}: {title}", fontsize=9)
            ax.grid(alpha=0.3)
        axes[0][column].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


if __name__ == "__main__":  # python benchmarks/quality_report.py OUT.png GRID.png GRID.png ...: grids side by side
    import sys

    print(beside([Path(p) for p in sys.argv[2:]], Path(sys.argv[1])))
