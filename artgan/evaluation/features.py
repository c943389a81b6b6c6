"""Feature networks the metrics measure in: the standard Inception-v3, or the run's domain classifier.

Both are used the same way: ``extract(network, uint8_images)`` -> ``Features`` (the vectors FID,
KID and precision/recall compare, and class logits for the Inception Score when there are any).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from artgan.errors import ArtganError
from artgan.evaluation.inception import InceptionV3

INCEPTION_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth"
INCEPTION_FILE = INCEPTION_URL.rsplit("/", 1)[1]
# torch.hub names a file by its hash's first 8 digits (here 6726825d); this is the whole hash.
INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"


@dataclass
class Features:
    vectors: torch.Tensor  # (N, D) what FID / KID / precision-recall compare
    logits: torch.Tensor | None = None  # (N, K) class logits for the Inception Score, if meaningful

    def __len__(self) -> int:
        return len(self.vectors)


class FeatureNetwork:
    """A named feature network: ``network(uint8 images) -> (vectors, logits or None)``."""

    name: str = ""

    def __call__(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        raise NotImplementedError

    @property
    def identity(self) -> str:
        """Equal for two evaluations exactly when their figures are on one scale."""
        return self.name


class DomainFeatures(FeatureNetwork):
    """Penultimate features and class logits of the domain classifier (offline, in the data's own terms)."""

    def __init__(self, classifier):
        self.classifier = classifier
        self.name = f"domain ({classifier.info.task}, {classifier.info.feature_dim}-d)"

    def __call__(self, images):
        vectors, logits = self.classifier(images)
        return vectors, logits if self.classifier.info.task == "classes" else None

    @property
    def identity(self) -> str:
        """The name and a hash of the weights: two runs' domain classifiers share a name, not a space."""
        digest = hashlib.sha256()
        for key, value in sorted(self.classifier.state_dict().items()):
            digest.update(key.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        return f"{self.name} #{digest.hexdigest()[:12]}"


class InceptionFeatures(FeatureNetwork):
    """The 2048-d pool features and the 1008-way logits of the TensorFlow Inception-v3 that FID,
    KID and IS are reported with (artgan.evaluation.inception), from torch-fidelity's converted
    weights file, checked against its published sha256 before it is unpickled."""

    name = "inception-v3 (2048-d)"

    def __init__(self, weights: str | Path | None = None, device: str | torch.device = "cpu"):
        path = inception_weights_path(weights)
        self.network = InceptionV3()
        self.network.load_state_dict(load_inception_weights(path))
        self.network.to(device)
        self.device = device

    def __call__(self, images):
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        return self.network(images.to(self.device))


def load_inception_weights(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of an Inception weights file, refused unless its sha256 is the published one
    (set $ARTGAN_INCEPTION_SHA256 to the hash of a file you converted yourself)."""
    expected = os.environ.get("ARTGAN_INCEPTION_SHA256", INCEPTION_SHA256)
    digest = sha256_of(path)
    if digest != expected:
        raise ArtganError(
            f"Inception weights file {str(path)!r} has sha256 {digest}, not the published {expected}: it is "
            f"damaged or another network. Download {INCEPTION_URL} again (or, for weights you converted "
            f"yourself, set ARTGAN_INCEPTION_SHA256={digest})")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ArtganError(f"cannot read Inception weights file {str(path)!r}: {type(error).__name__}: "
                          f"{str(error)[:200]}") from None


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def inception_weights_path(weights: str | Path | None = None, download: bool | None = None) -> Path:
    """The Inception weights file: ``weights``, else $ARTGAN_INCEPTION_WEIGHTS, else torch's hub
    cache, downloading it there once when there is a network ($ARTGAN_OFFLINE=1 forbids trying)."""
    given = weights or os.environ.get("ARTGAN_INCEPTION_WEIGHTS")
    if given:
        if not Path(given).is_file():
            raise ArtganError(f"Inception weights file {str(given)!r} does not exist; download {INCEPTION_URL}")
        return Path(given)
    cached = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
    if cached.is_file():
        return cached
    if download is None:
        download = os.environ.get("ARTGAN_OFFLINE", "") not in ("1", "true", "yes")
    if download:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            torch.hub.download_url_to_file(INCEPTION_URL, str(cached), progress=False)
            return cached
        except Exception as error:  # no network, proxy, disk: all end in the same advice
            cached.unlink(missing_ok=True)
            reason = f" (download failed: {type(error).__name__}: {str(error)[:100]})"
    else:
        reason = ""
    raise ArtganError(
        f"the Inception-v3 weights are missing{reason}. Download {INCEPTION_URL} (91 MB) on a machine with a "
        f"network and put it at {cached}, or pass its path with --inception-weights FILE (or set "
        f"ARTGAN_INCEPTION_WEIGHTS); or measure offline with --features domain"
    )


@torch.no_grad()
def extract(network: FeatureNetwork, images: torch.Tensor, batch: int = 256, progress: bool = False,
            desc: str = "features") -> Features:
    """Features of uint8 images (N, C, H, W), in batches."""
    vectors, logits = [], []
    for start in tqdm(range(0, len(images), batch), desc=desc, disable=not progress, leave=False):
        v, l = network(images[start:start + batch])
        vectors.append(v.double().cpu())
        if l is not None:
            logits.append(l.double().cpu())
    return Features(torch.cat(vectors), torch.cat(logits) if logits else None)
