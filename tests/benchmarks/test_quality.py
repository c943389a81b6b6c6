"""benchmarks/quality.py on a tiny set: the CPU budget is spent, each budget is scored (truncated and
best-checkpoint samples too), and the tables and plot are written."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import quality
import torch
from judge import COLLECTIONS, reference_rows, score_images
from quality_report import plot, table

from artgan.config import DataConfig
from artgan.data import load_images
from artgan.training import RunDir, Trainer


def test_budgets_are_spent_in_process_cpu_time_and_each_is_scored_with_a_grid(digits_judge, tmp_path):
    judge, cache = digits_judge
    config = quality.recipe_config({"model.name": "cdcgan", "model.g_width": 8, "model.d_width": 8, "train.batch": 16},
                                   COLLECTIONS["digits"], judge.train, 0, cache)
    trainer = Trainer(config, RunDir(tmp_path / "run"), judge.train, progress=False)
    rows = quality.train_for_budgets(trainer, judge, [0.02, 0.01], tmp_path, "digits-cdcgan", 0, lambda line: None)
    assert [row["budget_minutes"] for row in rows] == [0.01, 0.02]
    assert rows[0]["cpu_minutes"] >= 0.01 and rows[1]["cpu_minutes"] >= 0.02 and 0 < rows[0]["steps"] < rows[1]["steps"]
    assert set(rows[1]["per_class"]) == set(judge.train.class_names) and Path(rows[1]["grid"]).is_file()
    assert 0 <= rows[1]["memorisation"]["copy_rate"] <= 1 and Path(rows[1]["memorisation"]["figure"]).is_file()
    result = {"collection": "digits", "train_images": len(judge.train), "held_out_images": len(judge.held_out),
              "features": judge.network.name, "judge_held_out_accuracy": judge.feature_accuracy,
              "references": reference_rows(judge, 0), "recipes": {"cdcgan": {"rows": rows}}}
    text = table(result)
    assert f"| cdcgan | {rows[1]['cpu_minutes']:.2f} | {rows[1]['steps']} |" in text  # CPU minutes as spent
    assert "ceiling: real vs real" in text
    assert plot([result], tmp_path / "quality.png").stat().st_size > 1000


def test_a_recipe_s_decay_is_planned_over_the_last_budget_in_cpu_time(digits_judge, tmp_path):
    judge, cache = digits_judge
    # The clock is read every log_every steps; every step here, so the last reading is one step old, not ten
    # (a tenth of a 1.2-second budget on a slow CPU).
    overrides = {"model.g_width": 8, "model.d_width": 8, "train.batch": 16, "train.lr_decay": "linear", "train.lr_final": 0.0,
                 "train.log_every": 1}
    config = quality.recipe_config(overrides, COLLECTIONS["digits"], judge.train, 0, cache, minutes=0.02)
    trainer = Trainer(config, RunDir(tmp_path / "run"), judge.train, progress=False)
    rows = quality.train_for_budgets(trainer, judge, [0.01, 0.02], tmp_path, "digits-dcgan", 0, lambda line: None)
    assert trainer.clock.seconds() == pytest.approx(rows[1]["cpu_minutes"] * 60)  # scoring is not counted
    assert trainer.fraction_done() > 0.95 and trainer.opt_g.param_groups[0]["lr"] < 0.1 * config.train.lr_g


def test_recipes_are_config_overrides_given_on_the_command_line():
    assert quality.parse_recipe("fast=model.name=sngan,train.ema=true,train.lr_g=1e-4") == \
        ("fast", {"model.name": "sngan", "train.ema": True, "train.lr_g": 1e-4})
    with pytest.raises(SystemExit, match="NAME=section.field=value"):
        quality.parse_recipe("fast=ema")


def test_a_larger_recipe_trains_on_the_same_images_and_is_judged_at_the_collections_size(digits_judge, tmp_path):
    judge, cache = digits_judge
    data = load_images(DataConfig(source="sklearn:digits", size=16, cache_dir=cache), progress=False)
    args = SimpleNamespace(cache_dir=cache, held_out=0.3, seed=0)
    larger = quality.training_split("digits", 32, judge, data, args)
    assert larger.images.shape[1:] == (1, 32, 32) and torch.equal(larger.labels, judge.train.labels)
    config = quality.recipe_config({"data.size": 32, "model.g_width": 8, "model.d_width": 8, "train.calibrate": False},
                                   COLLECTIONS["digits"], larger, 0, cache)
    trainer = Trainer(config, RunDir(tmp_path / "run"), larger, progress=False)
    images, _ = quality.model_images(trainer, judge, 0)
    assert images.shape == (len(judge.held_out), 1, 16, 16) and images.dtype == torch.uint8


def test_truncated_samples_are_scored_beside_the_plain_ones(digits_judge, tmp_path):
    judge, cache = digits_judge
    config = quality.recipe_config({"model.name": "acgan", "model.g_width": 8, "model.d_width": 8, "train.batch": 16},
                                   COLLECTIONS["digits"], judge.train, 0, cache)
    trainer = Trainer(config, RunDir(tmp_path / "run"), judge.train, progress=False)
    row = quality.train_for_budgets(trainer, judge, [0.01], tmp_path, "digits-acgan", 0, lambda line: None,
                                    truncations=(0.0, 1.0))[0]
    # psi = 1 is the plain samples; psi = 0 is one image per class, so its within-class variety is gone.
    assert row["truncated"]["1"]["kid"] == pytest.approx(row["kid"])
    assert row["truncated"]["0"]["class_mean"]["diversity"] < 0.05 < row["class_mean"]["diversity"]
    result = {"collection": "digits", "train_images": len(judge.train), "held_out_images": len(judge.held_out),
              "features": judge.network.name, "judge_held_out_accuracy": judge.feature_accuracy,
              "references": {}, "recipes": {"acgan": {"rows": [row]}}}
    assert f"| acgan (ψ 0) | {row['cpu_minutes']:.2f} | {row['steps']} |" in table(result)


def test_a_recipe_that_keeps_the_best_checkpoint_is_scored_at_it_too(digits_judge, tmp_path):
    from artgan.evaluation.domain_classifier import save_classifier
    from artgan.generation import load_generator
    from artgan.runs.best import read_best
    from artgan.runs.metrics_log import read_metrics

    judge, cache = digits_judge
    named = save_classifier(judge.class_judge, tmp_path / "classes.safetensors")  # no classifier to train: fast
    overrides = {"model.name": "cdcgan", "model.g_width": 8, "model.d_width": 8, "train.batch": 16,
                 "train.eval_every": 20, "train.eval_n": 100, "train.eval_min_recall": 0.0,
                 "train.eval_classifier": str(named)}
    config = quality.recipe_config(overrides, COLLECTIONS["digits"], judge.train, 0, cache)
    trainer = Trainer(config, RunDir(tmp_path / "run"), judge.train, progress=False)
    rows = quality.train_for_budgets(trainer, judge, [0.01, 0.02], tmp_path, "digits-cdcgan", 0, lambda line: None)
    best, kept = read_best(trainer.run), rows[-1]["best_checkpoint"]
    steps, per_class = read_metrics(trainer.run.path)["kid_class_domain"]
    assert steps == list(range(20, rows[-1]["steps"] + 1, 20))  # measured inside the budget, as training does
    assert kept["step"] == best.step == steps[per_class.index(min(per_class))]
    assert Path(kept["grid"]).is_file() and kept["grid"] != rows[-1]["grid"]
    trainer.save_checkpoint()  # a run's last state beside its best, as training leaves them
    sampled = load_generator(trainer.run.path)  # what generate samples by default: the best, scored the same
    assert sampled.step == best.step
    assert score_images(judge, *quality.model_images(trainer, judge, 0, sampled.generator))["kid"] == \
        pytest.approx(kept["kid"])
    result = {"collection": "digits", "train_images": len(judge.train), "held_out_images": len(judge.held_out),
              "features": judge.network.name, "judge_held_out_accuracy": judge.feature_accuracy,
              "references": {}, "recipes": {"cdcgan": {"rows": rows}}}
    last = rows[-1]  # CPU minutes as spent: the last step can overrun the budget
    assert f"| cdcgan (best, step {best.step}) | {last['cpu_minutes']:.2f} | {last['steps']} |" in table(result)


def test_recipes_that_keep_the_best_measure_in_the_tracker_unless_they_name_their_own(tmp_path):
    tracker = tmp_path / "tracker.safetensors"
    keeping = {"train.eval_every": 500}
    assert quality.measured_in(keeping, tracker) == {"train.eval_every": 500, "train.eval_classifier": str(tracker)}
    assert quality.measured_in({"train.ema": True}, tracker) == {"train.ema": True}
    own = {"train.eval_every": 500, "train.eval_classifier": "mine.safetensors"}
    assert quality.measured_in(own, tracker) == own and quality.measured_in(keeping, None) == keeping


def test_the_last_states_of_a_budget_are_scored_one_by_one_and_on_average(digits_judge, tmp_path):
    judge, cache = digits_judge
    config = quality.recipe_config({"model.g_width": 8, "model.d_width": 8, "train.batch": 16},
                                   COLLECTIONS["digits"], judge.train, 0, cache)
    trainer = Trainer(config, RunDir(tmp_path / "run"), judge.train, progress=False)
    recent = quality.RecentStates(3, 4)
    row = quality.train_for_budgets(trainer, judge, [0.01], tmp_path, "digits-dcgan", 0, lambda line: None,
                                    recent=recent)[0]
    states = row["recent_states"]
    last = trainer.step - trainer.step % 4
    assert states["steps"] == [last - 8, last - 4, last]  # every 4th step, the last 3 of them
    assert states["kid"] == pytest.approx(sum(states["kids"]) / 3) and len(set(states["kids"])) == 3
    if last == trainer.step:  # the newest state kept is the one the budget ended on
        assert states["kids"][-1] == pytest.approx(row["kid"])
    G = trainer.sampling_generator()
    G.load_state_dict(recent.states[0][1])
    assert score_images(judge, *quality.model_images(trainer, judge, 0, G))["kid"] == pytest.approx(states["kids"][0])
    result = {"collection": "digits", "train_images": len(judge.train), "held_out_images": len(judge.held_out),
              "features": judge.network.name, "judge_held_out_accuracy": judge.feature_accuracy,
              "references": {}, "recipes": {"dcgan": {"rows": [row]}}}
    assert f"| dcgan (mean of 3 states, steps {last - 8}-{last}) |" in table(result)
    assert "last 3 states: KID" in quality.budget_line("digits-dcgan", row)


def test_an_ema_runs_raw_generator_is_scored_over_the_same_states(digits_judge, tmp_path):
    judge, cache = digits_judge
    config = quality.recipe_config({"model.g_width": 8, "model.d_width": 8, "train.batch": 16, "train.ema": True,
                                    "train.ema_decay": 0.5}, COLLECTIONS["digits"], judge.train, 0, cache)
    trainer = Trainer(config, RunDir(tmp_path / "run"), judge.train, progress=False)
    recent = quality.RecentStates(2, 4)
    row = quality.train_for_budgets(trainer, judge, [0.01], tmp_path, "digits-dcgan", 0, lambda line: None,
                                    recent=recent)[0]
    averaged, raw = row["recent_states"], row["raw_generator"]["recent_states"]
    assert raw["steps"] == averaged["steps"] and raw["kids"] != averaged["kids"]
    G = quality.generator_with(trainer, recent.states[-1][2])
    assert score_images(judge, *quality.model_images(trainer, judge, 0, G))["kid"] == pytest.approx(raw["kids"][-1])
    result = {"collection": "digits", "train_images": len(judge.train), "held_out_images": len(judge.held_out),
              "features": judge.network.name, "judge_held_out_accuracy": judge.feature_accuracy,
              "references": {}, "recipes": {"dcgan-ema": {"rows": [row]}}}
    steps = f"steps {raw['steps'][0]}-{raw['steps'][-1]}"
    assert f"| dcgan-ema (raw G, mean of 2 states, {steps}) |" in table(result)
    assert "mean of its last states" in quality.budget_line("digits-dcgan-ema", row)
