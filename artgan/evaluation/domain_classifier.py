"""A small CNN trained on the run's own data: its penultimate layer is a feature space that works
offline, for FID/KID/precision/recall "in domain features", and its predictions give the
Inception Score and GAN-test (Shmelkov et al. 2018) in the data set's own classes.

Labelled data: the network learns the classes (digits, art styles). Unlabelled data: it learns
which of four rotations an image was turned by (Gidaris et al. 2018, RotNet), a self-supervised
task whose features still tell a plausible image from a smudge.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm.auto import tqdm

from artgan.data import to_float
from artgan.errors import ArtganError


@dataclass
class ClassifierInfo:
    """What a saved classifier was trained on; stored in the safetensors header."""
    channels: int
    size: int
    num_classes: int
    task: str = "classes"  # "classes", or "rotation" for unlabelled data
    class_names: list[str] | None = None
    source: str = ""
    width: int = 32
    feature_dim: int = 128
    held_out_accuracy: float | None = None
    extra: dict = field(default_factory=dict)


class DomainClassifier(nn.Module):
    """uint8 images (N, C, S, S) -> (features (N, feature_dim), logits (N, classes)).

    Conv-BN-ReLU stages halving the resolution down to 4x4, global average pooling, then one
    hidden layer whose output is the feature space (like Inception's 2048-d pool features).
    """

    def __init__(self, info: ClassifierInfo):
        super().__init__()
        self.info = info
        stages = int(math.log2(info.size)) - 2
        layers, width_in = [], info.channels
        for stage in range(stages):
            width_out = info.width * 2 ** min(stage, 2)
            layers += [nn.Conv2d(width_in, width_out, 3, 1, 1, bias=False), nn.BatchNorm2d(width_out), nn.ReLU(True),
                       nn.Conv2d(width_out, width_out, 3, 2, 1, bias=False), nn.BatchNorm2d(width_out), nn.ReLU(True)]
            width_in = width_out
        self.trunk = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embed = nn.Sequential(nn.Linear(width_in, info.feature_dim), nn.ReLU(True))
        self.head = nn.Linear(info.feature_dim, info.num_classes)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.embed(self.trunk(to_float(images) if images.dtype == torch.uint8 else images))
        return features, self.head(features)


def rotations(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image turned by 0, 90, 180 and 270 degrees, labelled 0..3 (the RotNet task)."""
    turned = torch.cat([torch.rot90(images, k, dims=(2, 3)) for k in range(4)])
    return turned, torch.arange(4).repeat_interleave(len(images))


def train_classifier(images: torch.Tensor, labels: torch.Tensor | None, class_names: list[str] | None = None,
                     steps: int = 400, batch: int = 64, lr: float = 1e-3, width: int = 32, seed: int = 0,
                     source: str = "", progress: bool = True) -> DomainClassifier:
    """Train on uint8 ``images`` (and ``labels``; None trains the rotation task) with Adam."""
    task = "classes" if labels is not None else "rotation"
    num_classes = len(class_names) if task == "classes" else 4
    info = ClassifierInfo(images.shape[1], images.shape[-1], num_classes, task,
                          class_names if task == "classes" else None, source, width)
    torch.manual_seed(seed)
    model = DomainClassifier(info)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in tqdm(range(steps), desc="training the domain classifier", unit="step", disable=not progress, leave=False):
        pick = torch.randint(0, len(images), (batch,), generator=generator)
        x, y = images[pick], labels[pick] if labels is not None else None
        if task == "rotation":
            turn = torch.randint(0, 4, (batch,), generator=generator)
            x = torch.stack([torch.rot90(image, int(k), dims=(1, 2)) for image, k in zip(x, turn)])
            y = turn
        loss = F.cross_entropy(model(x)[1], y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model.eval().requires_grad_(False)


@torch.no_grad()
def predict(model: DomainClassifier, images: torch.Tensor, batch: int = 512) -> torch.Tensor:
    """Predicted class of every uint8 image, (N,)."""
    return torch.cat([model(images[i:i + batch])[1].argmax(1) for i in range(0, len(images), batch)])


def accuracy(model: DomainClassifier, images: torch.Tensor, labels: torch.Tensor | None) -> float:
    """Share of ``images`` classified as ``labels`` (or, for the rotation task, whose turn is recognised)."""
    if model.info.task == "rotation":
        images, labels = rotations(images)
    return (predict(model, images) == labels).double().mean().item()


def per_class_accuracy(model: DomainClassifier, images: torch.Tensor, labels: torch.Tensor) -> list[float]:
    """Accuracy on the images of each class (the recall of each class), NaN for a class with no image."""
    correct = predict(model, images) == labels
    return [correct[labels == c].double().mean().item() if (labels == c).any() else float("nan")
            for c in range(model.info.num_classes)]


def save_classifier(model: DomainClassifier, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path),
              metadata={"artgan_classifier": json.dumps(asdict(model.info))})
    return path


def load_classifier(path: str | Path, label: str = "classifier") -> DomainClassifier:
    """A classifier that ``save_classifier`` wrote; ``label`` names it in errors (the option that gave it)."""
    path = Path(path)
    train = f"train one with `artgan classify train --data SOURCE --out {'FILE' if path.is_dir() else path}`"
    if not path.is_file():
        state = "is a folder, not a classifier file" if path.is_dir() else "does not exist"
        raise ArtganError(f"{label} {str(path)!r} {state}; {train}")
    try:
        with safe_open(str(path), "pt") as file:
            header = (file.metadata() or {}).get("artgan_classifier")
        if header is None:
            raise ArtganError(f"{label} {str(path)!r} is not an artgan classifier (no artgan_classifier header); {train}")
        model = DomainClassifier(ClassifierInfo(**json.loads(header)))
        model.load_state_dict(load_file(str(path)))
    except (SafetensorError, OSError, ValueError, TypeError, RuntimeError) as error:  # truncated, garbage, not ours
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ArtganError(f"{label} {str(path)!r} cannot be read as an artgan classifier ({reason}); {train}") from None
    return model.eval().requires_grad_(False)


def load_fitting_classifier(path: str | Path, channels: int, size: int, label: str = "classifier") -> DomainClassifier:
    """``load_classifier``, refused unless it takes the run's ``channels`` x ``size`` px images."""
    classifier = load_classifier(path, label)
    if (classifier.info.channels, classifier.info.size) != (channels, size):
        raise ArtganError(f"{label} {str(path)!r} is for {classifier.info.channels}x{classifier.info.size}px images, "
                          f"the run makes {channels}x{size}px; train one at the run's size with `artgan classify "
                          f"train --data SOURCE --size {size} --channels {channels} --out FILE`")
    return classifier
