"""--eval-every: KID and FID in domain features logged during training, the best state kept, the classifier reused."""

import json
import shutil

import pytest
import torch

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from artgan.cli import main
from artgan.config import build_config
from artgan.data import load_images
from artgan.evaluation.domain_classifier import load_classifier
from artgan.generation import load_generator
from artgan.runs.best import BestRecord, best_path, read_best, write_best
from artgan.runs.checkpoint import checkpoint_path, load_checkpoint
from artgan.runs.run_dir import RunDir
from artgan.training import train
from artgan.runs.metrics_log import read_metrics
from tests.conftest import tiny_overrides


@pytest.fixture(scope="module")
def tracked_run(tmp_path_factory, digits_setup, digits_run):
    """300 steps with --eval-every 100 and a checkpoint at every measurement: the first state is still
    under the default collapse floor (recall 0.00-0.03), the later ones well over it (0.13-0.56)."""
    root = tmp_path_factory.mktemp("tracked")
    # The session's classifier, as --eval-classifier: faster than the tracker training its own.
    overrides = tiny_overrides(root, steps=300, batch=32, eval_every=100, eval_n=100, lr_g=5e-4, lr_d=5e-4,
                               sample_every=300, checkpoint_every=100, keep_checkpoints=5, log_every=50,
                               eval_classifier=str(digits_run / "evaluation" / "classifier.safetensors"))
    overrides["model"].update({"g_width": 16, "d_width": 16})
    return train(build_config(overrides), out=root / "run", progress=False), overrides


def test_eval_every_logs_fid_and_kid_that_fall_as_the_generator_learns(tracked_run):
    run, _ = tracked_run
    for name in ("fid_domain", "kid_domain"):
        steps, values = read_metrics(run.path)[name]
        assert steps == [100, 200, 300]
        assert values[-1] < values[0]  # quality improves with training
    assert all(v > 0 for v in read_metrics(run.path)["fid_domain"][1])
    assert load_classifier(run.path / "evaluation" / "classifier.safetensors").info.num_classes == 10
    assert len(read_metrics(run.path)["loss_d"][0]) == 6  # the losses are still logged every 50 steps
    board = EventAccumulator(str(run.path / "tensorboard"))  # the quality curves in TensorBoard too
    board.Reload()
    for name in ("fid_domain", "kid_domain"):
        steps, values = read_metrics(run.path)[name]
        assert [s.step for s in board.Scalars(name)] == steps
        assert [s.value for s in board.Scalars(name)] == pytest.approx(values, rel=1e-5)  # float32 there


def test_recall_is_logged_and_tells_a_collapse_from_the_trained_generator(tracked_run):
    from artgan.evaluation.tracking import FIDTracker

    run, _ = tracked_run
    steps, recall = read_metrics(run.path)["recall_domain"]
    assert steps == [100, 200, 300] and all(0 <= r <= 1 for r in recall)
    data = load_images(run.read_config().data, progress=False)
    tracker = FIDTracker(run.path, data, 100, 100, 0, False, 16, torch.device("cpu"), lambda *args: None, None,
                         classifier=load_classifier(run.path / "evaluation" / "classifier.safetensors"))
    trained = load_generator(run.path, checkpoint="last").generator

    class OneImage(torch.nn.Module):  # the same picture for every noise: the trained G's first sample
        def forward(self, z, labels=None):
            return trained(z[:1]).expand(len(z), -1, -1, -1)

    assert tracker.measure(OneImage())["recall_domain"] == 0.0
    assert tracker.measure(trained)["recall_domain"] > run.read_config().train.eval_min_recall


def test_the_state_at_the_lowest_kid_is_kept_as_the_best(tracked_run):
    run, _ = tracked_run
    steps, values = read_metrics(run.path)["kid_domain"]
    recall, floor = read_metrics(run.path)["recall_domain"][1], run.read_config().train.eval_min_recall
    eligible = [kid for kid, reached in zip(values, recall) if reached >= floor]  # not collapsed
    best = read_best(run)
    assert (best.metric, best.step) == ("kid_domain", steps[values.index(min(eligible))])
    assert best.score == pytest.approx(min(eligible), rel=1e-6)
    kept, saved = load_checkpoint(best_path(run)), load_checkpoint(checkpoint_path(run.checkpoints, best.step))
    assert kept["step"] == best.step and set(kept) == set(saved)  # a whole training state, as a step checkpoint is
    assert all(torch.equal(kept["generator"][k], v) for k, v in saved["generator"].items())
    assert load_generator(run.path).step == best.step  # and what sampling uses by default


def test_a_resumed_run_keeps_a_better_best_and_goes_on_measuring(tracked_run, tmp_path):
    run, overrides = tracked_run
    copy = RunDir(shutil.copytree(run.path, tmp_path / "run"))
    unbeatable = BestRecord("kid_domain", -1.0, read_best(copy).step)  # no later state can score lower
    write_best(copy, unbeatable)
    kept = best_path(copy).read_bytes()
    overrides["train"]["steps"] = 400
    train(build_config(overrides), out=copy.path, resume=True, progress=False)
    assert read_metrics(copy.path)["kid_domain"][0] == [100, 200, 300, 400]
    assert read_best(copy) == unbeatable and best_path(copy).read_bytes() == kept


def test_eval_every_is_off_by_default(tmp_path):
    run = train(build_config(tiny_overrides(tmp_path)), out=tmp_path / "run", progress=False)
    assert "fid_domain" not in read_metrics(run.path) and not (run.path / "evaluation").exists()


def test_evaluate_scores_the_best_checkpoint_unless_told_otherwise(tracked_run, tmp_path, capsys):
    run, _ = tracked_run
    best = read_best(run)
    for choice, name, step in (([], "best.safetensors", best.step), (["--checkpoint", "last"], "step_00000300.safetensors", 300)):
        out = tmp_path / name
        assert main(["evaluate", str(run.path), "--n", "20", "--no-report", "--quiet", "--out", str(out), *choice]) == 0
        result = json.loads((out / "metrics.json").read_text())
        assert (result["checkpoint"], result["step"]) == (name, step)
    assert f"dcgan at the best checkpoint (step {best.step}), 20 images per row" in capsys.readouterr().out


@pytest.mark.parametrize("task, classes, accuracy, warned", [("rotation", 4, 0.42, True), ("rotation", 4, 0.7, False),
                                                             ("classes", 10, 0.5, True), ("classes", 10, 0.98, False),
                                                             ("classes", 10, None, False)])
def test_a_classifier_near_chance_is_said_to_rank_checkpoints_badly(task, classes, accuracy, warned, recwarn):
    from artgan.evaluation.domain_classifier import ClassifierInfo
    from artgan.evaluation.tracking import warn_if_near_chance

    warn_if_near_chance(ClassifierInfo(1, 16, classes, task, held_out_accuracy=accuracy))
    messages = [str(w.message) for w in recwarn]
    assert bool(messages) == warned
    if warned:
        assert f"only {accuracy:.0%} of the time (chance {1 / classes:.0%})" in messages[0]


def test_the_tracker_warns_when_its_classifier_is_near_chance(tmp_path):
    from artgan.data import load_images
    from artgan.evaluation.domain_classifier import save_classifier, train_classifier
    from artgan.evaluation.split import subset
    from artgan.evaluation.tracking import FIDTracker

    config = build_config(tiny_overrides(tmp_path))
    config.save(tmp_path / "run" / "config.yaml")
    data = subset(load_images(config.data, progress=False), torch.arange(100))
    classifier = train_classifier(data.images[:32], data.labels[:32], data.class_names, steps=1, progress=False)
    classifier.info.held_out_accuracy = 0.2  # a run's own classifier that learnt next to nothing
    save_classifier(classifier, tmp_path / "run" / "evaluation" / "classifier.safetensors")
    with pytest.warns(UserWarning, match="only 20% of the time .chance 10%., so its KID may not rank checkpoints.*"
                                         "artgan classify train --data FOLDER --size 16 --out FILE`, then "
                                         "--eval-classifier FILE"):
        FIDTracker(tmp_path / "run", data, 10, 10, 0, False, 16, torch.device("cpu"), lambda *args: None, None)


def judge_classifier(path, size=16, channels=1):
    """A classifier the run could not have trained itself: three made-up classes, width 8, untrained."""
    from artgan.evaluation.domain_classifier import ClassifierInfo, DomainClassifier, save_classifier

    torch.manual_seed(0)
    info = ClassifierInfo(channels, size, 3, class_names=["a", "b", "c"], source="a judge", width=8)
    return save_classifier(DomainClassifier(info).eval(), path)


def test_eval_classifier_is_the_feature_space_the_tracker_measures_in(tmp_path):
    """Named in a config file, recorded in the run's config.yaml, copied into the run; the KID logged
    is the KID in its features, and a resumed run goes on with the copy when the file is gone."""
    import yaml

    from artgan.evaluation.tracking import FIDTracker

    named = judge_classifier(tmp_path / "judge.safetensors")
    overrides = tiny_overrides(tmp_path, eval_every=3, eval_n=10, eval_classifier=str(named))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(overrides))
    assert main(["train", "--config", str(tmp_path / "config.yaml"), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    run = RunDir(tmp_path / "run")
    assert run.read_config().train.eval_classifier == str(named)  # the config file's value, round-tripped
    copy, given = load_classifier(run.path / "evaluation" / "classifier.safetensors"), load_classifier(named)
    assert copy.info.source == "a judge"  # not a classifier trained on the run's digits
    assert all(torch.equal(v, given.state_dict()[k]) for k, v in copy.state_dict().items())
    data = load_images(run.read_config().data, progress=False)
    tracker = FIDTracker(run.path, data, 3, 10, 0, False, 16, torch.device("cpu"), lambda *args: None, None,
                         classifier=given)
    logged = read_metrics(run.path)["kid_domain"]
    assert logged[0] == [3, 6]
    assert tracker.measure(load_generator(run.path, checkpoint="last").generator)["kid_domain"] == \
        pytest.approx(logged[1][-1], rel=1e-4)

    named.unlink()  # the run keeps its copy: resuming needs neither the file nor a classifier of its own
    assert main(["train", "--out", str(run.path), "--resume", "--steps", "9", "--quiet"]) == 0
    assert read_metrics(run.path)["kid_domain"][0] == [3, 6, 9]
    assert load_classifier(run.path / "evaluation" / "classifier.safetensors").info.source == "a judge"


@pytest.mark.parametrize("given, options, error", [
    ("nowhere.safetensors", ["--eval-every", "3"], "'ROOT/nowhere.safetensors' does not exist; train one with `artgan classify train"),
    ("garbage.safetensors", ["--eval-every", "3"], "'ROOT/garbage.safetensors' cannot be read as an artgan classifier"),
    ("checkpoint.safetensors", ["--eval-every", "3"], "is not an artgan classifier (no artgan_classifier header)"),
    ("judge32.safetensors", ["--eval-every", "3"], "is for 1x32px images, the run makes 1x16px; train one at the run's "
                                                   "size with `artgan classify train --data SOURCE --size 16 --channels 1"),
    ("judge.safetensors", [], "is the feature space of --eval-every's measurements, but --eval-every is 0 (off); add "
                              "--eval-every N"),
])
def test_eval_classifier_errors_are_one_line_before_anything_is_written(given, options, error, tmp_path, capsys):
    from artgan.runs.checkpoint import save_checkpoint

    judge_classifier(tmp_path / "judge.safetensors")
    judge_classifier(tmp_path / "judge32.safetensors", size=32)
    (tmp_path / "garbage.safetensors").write_bytes(b"not a safetensors file at all")
    save_checkpoint(tmp_path / "checkpoint.safetensors", {"step": 0, "generator": {"w": torch.zeros(2)}})
    flags = ["--data", "sklearn:digits", "--size", "16", "--cache-dir", str(tmp_path / "cache"), "--steps", "3",
             "--no-calibrate", "--quiet", "--out", str(tmp_path / "run")]
    assert main(["train", *flags, *options, "--eval-classifier", str(tmp_path / given)]) == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("artgan: error: --eval-classifier ") and error.replace("ROOT", str(tmp_path)) in message
    assert not (tmp_path / "run" / "config.yaml").exists()


class RealDigits(torch.nn.Module):
    """A scripted conditional G: for label c, real digits of class (c + shift) % 10, picked by the noise;
    ``varied=False`` draws one digit per class whatever the noise (a collapse within each class)."""

    def __init__(self, data, shift=0, varied=True):
        super().__init__()
        self.images, self.labels, self.shift, self.varied = data.images.float() / 127.5 - 1, data.labels, shift, varied

    def forward(self, z, labels=None):
        labels = torch.arange(len(z)) % 10 if labels is None else labels  # unconditional: every class in turn
        picks = []
        for noise, label in zip(z, labels.tolist()):
            of_class = torch.nonzero(self.labels == (label + self.shift) % 10).flatten()
            index = int(noise.abs().sum() * 1000) % len(of_class) if self.varied else 0
            picks.append(self.images[of_class[index]])
        return torch.stack(picks)


def test_a_conditional_model_is_measured_class_by_class(digits_setup, digits_run, tmp_path):
    """Samples of the wrong class, or one per class, look like the data overall; only the per-class KID sees it."""
    from artgan.evaluation.tracking import FIDTracker

    data = load_images(RunDir(digits_run).read_config().data, progress=False)
    tracker = FIDTracker(tmp_path / "run", data, 10, 300, 0, False, 16, torch.device("cpu"),
                         lambda n, generator, device: torch.arange(n) % 10, None,
                         classifier=load_classifier(digits_run / "evaluation" / "classifier.safetensors"))
    right, wrong = tracker.measure(RealDigits(data)), tracker.measure(RealDigits(data, shift=1))
    collapsed = tracker.measure(RealDigits(data, varied=False))
    assert abs(wrong["kid_domain"] - right["kid_domain"]) < 0.05  # the same digits overall
    assert wrong["kid_class_domain"] > 20 * max(right["kid_class_domain"], 0.05)
    assert collapsed["kid_class_domain"] > 10 * max(right["kid_class_domain"], 0.05)
    unconditional = FIDTracker(tmp_path / "run", data, 10, 300, 0, False, 16, torch.device("cpu"), lambda *args: None,
                               None, classifier=load_classifier(digits_run / "evaluation" / "classifier.safetensors"))
    assert "kid_class_domain" not in unconditional.measure(RealDigits(data))


def test_a_conditional_run_keeps_the_state_at_the_lowest_per_class_kid(digits_setup, digits_run, tmp_path):
    overrides = tiny_overrides(tmp_path, steps=12, eval_every=3, eval_n=60, eval_min_recall=0.0,  # 12 steps: no variety yet
                               eval_classifier=str(digits_run / "evaluation" / "classifier.safetensors"))
    overrides["model"]["name"] = "cdcgan"
    run = train(build_config(overrides), out=tmp_path / "run", progress=False)
    metrics = read_metrics(run.path)
    steps, per_class = metrics["kid_class_domain"]
    recall, floor = metrics["recall_domain"][1], run.read_config().train.eval_min_recall
    eligible = [kid for kid, reached in zip(per_class, recall) if reached >= floor]
    best = read_best(run)
    assert steps == [3, 6, 9, 12] and best.metric == "kid_class_domain"
    assert best.step == steps[per_class.index(min(eligible))] and best.score == pytest.approx(min(eligible), rel=1e-6)


def test_the_keeper_ranks_by_overall_kid_where_classes_were_too_small_to_score(tmp_path):
    from artgan.training.best import CLASS_METRIC, BestKeeper

    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_info({"channels": 1, "class_names": [str(c) for c in range(10)]})  # as training starts one
    keeper = BestKeeper(run, lambda: {"step": 5, "generator": {"w": torch.zeros(2)}}, metric=CLASS_METRIC)
    assert keeper(5, {"kid_domain": 0.3, "recall_domain": 0.5})
    assert read_best(run) == BestRecord("kid_domain", 0.3, 5)
    assert keeper(10, {"kid_domain": 0.4, CLASS_METRIC: 0.9, "recall_domain": 0.5})  # the class metric replaces it
    assert not keeper(15, {"kid_domain": 0.1, CLASS_METRIC: 1.2, "recall_domain": 0.5})
    assert read_best(run) == BestRecord(CLASS_METRIC, 0.9, 10)


def test_samples_are_measured_against_the_half_the_classifier_did_not_learn(digits_run, tmp_path):
    """In its own features a classifier's training images sit apart from every other image (on clip art a
    blurred unseen drawing is nearer them than a sharp one): the tracker's reference is the other half."""
    from artgan.evaluation.features import DomainFeatures, extract
    from artgan.evaluation.split import split_real
    from artgan.evaluation.tracking import FIDTracker

    data = load_images(RunDir(digits_run).read_config().data, progress=False)
    classifier = load_classifier(digits_run / "evaluation" / "classifier.safetensors")
    tracker = FIDTracker(tmp_path / "run", data, 10, 10_000, 0, False, 16, torch.device("cpu"),
                         lambda n, generator, device: torch.arange(n) % 10, None, classifier=classifier)
    learnt, unseen = split_real(data, seed=0)
    assert torch.allclose(tracker.reference, extract(DomainFeatures(classifier), unseen.images).vectors)
    assert torch.equal(tracker.reference_labels, unseen.labels) and tracker.n == len(unseen)
    # A generator that hands back the unseen half is that half: its class-by-class KID is ~0.
    assert tracker.measure(RealDigits(unseen))["kid_class_domain"] < 0.05
