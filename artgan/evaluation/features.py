"""Feature networks the metrics measure in: the standard Inception-v3, or the run's domain classifier.

Both are used the same way: ``extract(network, uint8_images)`` -> ``Features`` (the vectors FID,
KID and precision/recall compare, and class logits for the Inception Score when there are any).
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from artgan.errors import ArtganError

INCEPTION_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth"
INCEPTION_FILE = INCEPTION_URL.rsplit("/", 1)[1]


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


class DomainFeatures(FeatureNetwork):
    """Penultimate features and class logits of the domain classifier (offline, in the data's own terms)."""

    def __init__(self, classifier):
        self.classifier = classifier
        self.name = f"domain ({classifier.info.task}, {classifier.info.feature_dim}-d)"

    def __call__(self, images):
        vectors, logits = self.classifier(images)
        return vectors, logits if self.classifier.info.task == "classes" else None


class InceptionFeatures(FeatureNetwork):
    """The 2048-d pool features and the 1008-way logits of the TensorFlow Inception-v3 that FID,
    KID and IS are reported with (Heusel et al. 2017), as ported by torch-fidelity: images are
    resized to 299 px inside the network exactly as the TF1 reference code does."""

    name = "inception-v3 (2048-d)"

    def __init__(self, weights: str | Path | None = None, device: str | torch.device = "cpu"):
        module = import_torch_fidelity_inception()
        path = inception_weights_path(weights)
        self.network = module.FeatureExtractorInceptionV3(
            "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(path)
        ).to(device)
        self.device = device

    def __call__(self, images):
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        vectors, logits = self.network(images.to(self.device))
        return vectors, logits


def import_torch_fidelity_inception() -> types.ModuleType:
    """torch-fidelity's Inception module without running ``torch_fidelity/__init__``, which imports
    torchvision for its other extractors (CLIP, VGG); artgan must not need torchvision. The package
    is registered as a bare namespace only while its Inception file and that file's helpers load."""
    if "torch_fidelity.feature_extractor_inceptionv3" in sys.modules:
        return sys.modules["torch_fidelity.feature_extractor_inceptionv3"]
    try:
        spec = importlib.util.find_spec("torch_fidelity")
    except ValueError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ArtganError("--features inception needs torch-fidelity: pip install -e \".[inception]\"")
    before = set(sys.modules)
    package = types.ModuleType("torch_fidelity")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules.setdefault("torch_fidelity", package)
    try:
        return importlib.import_module("torch_fidelity.feature_extractor_inceptionv3")
    finally:
        if sys.modules.get("torch_fidelity") is package:  # leave no half package behind for a later real import
            for name in set(sys.modules) - before:
                if name == "torch_fidelity" or name.startswith("torch_fidelity."):
                    module = sys.modules.pop(name)
                    if name == "torch_fidelity.feature_extractor_inceptionv3":
                        sys.modules[name] = module  # cached for the next call


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
