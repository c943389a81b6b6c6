import torch

from artgan.evaluation.domain_classifier import (DomainClassifier, ClassifierInfo, accuracy, load_classifier,
                                                 rotations, save_classifier, train_classifier)
from artgan.evaluation.features import DomainFeatures, extract


def test_classifier_learns_the_digits_and_reports_honest_held_out_accuracy(digits_setup):
    info = digits_setup.classifier.info
    assert info.task == "classes" and info.num_classes == 10 and info.class_names[:3] == ["0", "1", "2"]
    assert info.held_out_accuracy > 0.85  # trained on the reference half only, scored on the other
    shuffled = digits_setup.held_out.labels[torch.randperm(len(digits_setup.held_out))]
    assert accuracy(digits_setup.classifier, digits_setup.held_out.images, shuffled) < 0.3


def test_domain_features_shapes_and_logits(digits_setup):
    features = extract(DomainFeatures(digits_setup.classifier), digits_setup.held_out.images[:37], batch=16)
    assert features.vectors.shape == (37, 128) and features.logits.shape == (37, 10)
    assert features.vectors.dtype == torch.float64


def test_save_and_load_round_trip_gives_the_same_outputs(digits_setup, tmp_path):
    path = save_classifier(digits_setup.classifier, tmp_path / "c.safetensors")
    loaded = load_classifier(path)
    assert loaded.info == digits_setup.classifier.info
    images = digits_setup.held_out.images[:8]
    for a, b in zip(loaded(images), digits_setup.classifier(images)):
        assert torch.equal(a, b)


def test_unlabelled_data_trains_the_rotation_task_and_gives_no_class_logits():
    # Half-black / half-white images: which way up they are is learnable in a few steps.
    images = torch.zeros(64, 1, 16, 16, dtype=torch.uint8)
    images[:, :, :8] = 255
    images[:, :, :, :3] = 128
    model = train_classifier(images, None, steps=60, width=8, progress=False)
    assert model.info.task == "rotation" and model.info.num_classes == 4
    assert accuracy(model, images, None) > 0.9
    assert DomainFeatures(model)(images[:4])[1] is None


def test_rotations_turns_every_image_four_ways():
    image = torch.arange(4, dtype=torch.uint8).view(1, 1, 2, 2)
    turned, labels = rotations(image)
    assert labels.tolist() == [0, 1, 2, 3]
    assert torch.equal(turned[2], image[0].flip(1).flip(2))  # 180 degrees


def test_classifier_handles_every_size_and_channel_count():
    for size, channels in [(16, 1), (32, 3), (64, 3)]:
        model = DomainClassifier(ClassifierInfo(channels, size, 6, width=4, feature_dim=8))
        features, logits = model.eval()(torch.zeros(2, channels, size, size, dtype=torch.uint8))
        assert features.shape == (2, 8) and logits.shape == (2, 6)
