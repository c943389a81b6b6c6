"""benchmarks/judge.py on a tiny set: the scoring ranks floors, ceiling and generators as it must, and
the memorisation check tells training images from held-out ones."""

import judge as judging
import torch


def test_the_ceiling_beats_both_floors_and_class_accuracy_is_not_variety(digits_judge):
    judge, _ = digits_judge
    rows = judging.reference_rows(judge, 0)
    ceiling, average, noise = rows["ceiling: real vs real"], rows["floor: average image"], rows["floor: noise"]
    for floor in (average, noise):
        assert ceiling["kid"] < 0.1 * floor["kid"] and ceiling["fid"] < floor["fid"]
        assert ceiling["recall"] > floor["recall"] + 0.5 and ceiling["coverage"] > floor["coverage"] + 0.5
    assert ceiling["class_mean"]["recall"] > 0.6 and ceiling["class_accuracy_held_out"] > 0.8
    # One training image per class repeated: the class judge recognises it, variety says collapse.
    train = judge.train
    labels = judge.held_out.labels
    firsts = torch.stack([torch.nonzero(train.labels == c).flatten()[0] for c in range(10)])
    collapsed = judging.score_images(judge, train.images[firsts[labels]], labels)
    assert collapsed["class_mean"]["accuracy"] > 0.8
    assert collapsed["class_mean"]["recall"] < 0.2 and collapsed["class_mean"]["diversity"] < 0.01
    assert collapsed["kid"] > 5 * max(ceiling["kid"], 1e-3)


def test_training_images_handed_back_count_as_copies_and_held_out_ones_do_not(digits_judge, tmp_path):
    judge, _ = digits_judge
    n = len(judge.held_out)
    assert judging.copies(judge, judge.train.images[:n], tmp_path / "copied.png")["copy_rate"] == 1.0
    assert judging.copies(judge, judge.held_out.images, tmp_path / "new.png")["copy_rate"] < 0.05


def test_the_tracker_s_classifier_learns_the_classes_from_the_training_split_only(digits_judge, tmp_path):
    from artgan.evaluation.domain_classifier import accuracy, load_classifier

    judge, _ = digits_judge
    path = judging.tracker_classifier(judge, 40, tmp_path / "tracker.safetensors")
    tracker = load_classifier(path)
    assert tracker.info.task == "classes" and tracker.info.class_names == judge.train.class_names
    assert tracker.info.held_out_accuracy == accuracy(tracker, judge.held_out.images, judge.held_out.labels) > 0.5
    # Not the class judge's twin: another seed, so its mistakes are not the judge's.
    judge_weights = judge.class_judge.state_dict()
    assert any(not torch.equal(weights, judge_weights[name]) for name, weights in tracker.state_dict().items())
    before = path.stat().st_mtime_ns
    assert judging.tracker_classifier(judge, 40, path) == path and path.stat().st_mtime_ns == before  # cached
