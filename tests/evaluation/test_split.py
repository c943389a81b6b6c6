import torch

from artgan.data import ImageSet
from artgan.evaluation.split import evaluation_split, split_real


def make_set(n=40, classes=4):
    images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 4, 4).contiguous()
    labels = torch.arange(n) % classes
    return ImageSet(images, labels, [f"c{i}" for i in range(classes)])


def test_split_is_disjoint_complete_stratified_and_repeatable():
    data = make_set()
    reference, held_out = split_real(data, 0.25, seed=3)
    ids = lambda s: set(s.images[:, 0, 0, 0].tolist())  # noqa: E731
    assert ids(reference).isdisjoint(ids(held_out)) and ids(reference) | ids(held_out) == set(range(40))
    assert torch.bincount(held_out.labels).tolist() == [2, 2, 2, 2]  # 25% of each class of 10 (rounded)
    assert torch.equal(split_real(data, 0.25, seed=3)[1].images, held_out.images)
    assert not torch.equal(split_real(data, 0.25, seed=4)[1].images, held_out.images)
    assert held_out.class_names == data.class_names


def test_unlabelled_split():
    data = ImageSet(torch.zeros(10, 1, 4, 4, dtype=torch.uint8))
    reference, held_out = split_real(data)
    assert len(reference) == len(held_out) == 5 and held_out.labels is None


def test_in_learnt_features_the_reference_and_the_ceiling_are_both_unseen_by_the_classifier():
    data = make_set(80)
    ids = lambda s: set(s.images[:, 0, 0, 0].tolist())  # noqa: E731
    split = evaluation_split(data, seed=3)
    assert torch.equal(split.learnt.images, split_real(data, seed=3)[0].images)  # a cached classifier's half
    assert ids(split.reference) | ids(split.held_out) == ids(split.unseen) == set(range(80)) - ids(split.learnt)
    assert ids(split.reference).isdisjoint(ids(split.held_out)) and len(split.reference) == len(split.held_out) == 20  # a quarter each
    assert ids(split.known) == set(range(80)) - ids(split.held_out)  # what a sample may be a copy of
    assert split.known.labels.tolist() == [label for s in (split.learnt, split.reference) for label in s.labels.tolist()]
    pretrained = evaluation_split(data, seed=3, learnt_features=False)  # Inception learnt none of them: halves
    assert pretrained.reference is pretrained.learnt and ids(pretrained.held_out) == ids(split.unseen)
    assert pretrained.known is pretrained.reference
