"""VGG-19 features (Simonyan & Zisserman 2015) written here, without torchvision.

The module tree mirrors torchvision's ``vgg19().features`` exactly, so the standard ImageNet
weight file (``vgg19-dcbb9e9d.pth``, 548 MB, whose ``features.N.weight`` keys we read and whose
``classifier.*`` keys we skip) loads as it is. Where the file comes from, in order:
``--vgg-weights PATH``, ``$ARTGAN_VGG_WEIGHTS``, artgan's cache (``~/.cache/artgan/weights``),
torch.hub's cache (where torchvision put it, if it ever did), then a download into artgan's cache.
Offline, the error says which file to fetch and where to put it.

``weights="random"`` gives a seeded, He-initialised network: style transfer still runs (losses
fall, statistics move) but the pictures mean nothing. Tests use it; users should not.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from artgan.errors import ArtganError
from artgan.paths import cache_root

WEIGHTS_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
WEIGHTS_FILE = WEIGHTS_URL.rsplit("/", 1)[1]
WEIGHTS_ENV = "ARTGAN_VGG_WEIGHTS"

# torchvision's configuration "E": output channels of each 3x3 conv, "M" a 2x2 max pool.
VGG19_LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]

# The ImageNet statistics the weights were trained with; inputs are RGB in [0, 1].
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def layer_names() -> list[str]:
    """The conventional name of each index of ``features``: conv1_1, relu1_1, ..., pool5."""
    names, block, conv = [], 1, 0
    for entry in VGG19_LAYOUT:
        if entry == "M":
            names.append(f"pool{block}")
            block, conv = block + 1, 0
        else:
            conv += 1
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
    return names


LAYER_NAMES = layer_names()
LAYER_INDEX = {name: index for index, name in enumerate(LAYER_NAMES)}


def build_features(width: float = 1.0) -> nn.Sequential:
    """torchvision's ``vgg19().features``: the same modules at the same indices.

    ``width`` < 1 narrows every conv (a test-only model that runs in milliseconds); the standard
    weight file only fits width 1.
    """
    layers: list[nn.Module] = []
    channels = 3
    for entry in VGG19_LAYOUT:
        if entry == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            out = max(1, round(entry * width))
            layers += [nn.Conv2d(channels, out, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = out
    return nn.Sequential(*layers)


class VGG19Features(nn.Module):
    """Named intermediate activations of VGG-19 for RGB images in [0, 1].

    ``forward(x, layers)`` runs only as deep as the deepest requested layer and returns
    ``{name: activation}``. ``pool="avg"`` swaps max pooling for average pooling, which Gatys et
    al. (2016) found gives smoother gradients for image synthesis.
    """

    def __init__(self, width: float = 1.0, pool: str = "max"):
        super().__init__()
        self.features = build_features(width)
        self.pool = pool
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.source = "untrained"  # what the weights are: a file path, or "random:SEED"
        self.requires_grad_(False)
        self.eval()

    def channels(self, layer: str) -> int:
        """Channels of a named activation (of the conv at or before it)."""
        index = LAYER_INDEX[layer]
        return next(m.out_channels for m in reversed(self.features[:index + 1]) if isinstance(m, nn.Conv2d))

    def forward(self, images: torch.Tensor, layers: list[str] | tuple[str, ...]) -> dict[str, torch.Tensor]:
        wanted = {LAYER_INDEX[name]: name for name in layers}
        x = (images - self.mean) / self.std
        out = {}
        for index, module in enumerate(self.features[:max(wanted) + 1]):
            if isinstance(module, nn.MaxPool2d) and self.pool == "avg":
                x = F.avg_pool2d(x, 2)
            elif isinstance(module, nn.ReLU):
                x = F.relu(x)  # not in place: the conv output before it may be a requested layer
            else:
                x = module(x)
            if index in wanted:
                out[wanted[index]] = x
        return out


def random_vgg(seed: int = 0, width: float = 1.0, pool: str = "max") -> VGG19Features:
    """He-initialised VGG-19 (for tests and benchmarks: timings do not depend on the weights)."""
    model = VGG19Features(width, pool)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.features:
            if isinstance(module, nn.Conv2d):
                fan_in = module.in_channels * 9
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * (2 / fan_in) ** 0.5)
                module.bias.zero_()
    model.source = f"random:{seed}"
    return model


def load_vgg(weights: str | None = None, pool: str = "max", download: bool = True) -> VGG19Features:
    """VGG-19 with ImageNet weights from ``weights`` (a path, or ``random[:SEED]``) or the usual places."""
    if weights and weights.startswith("random"):
        return random_vgg(int(weights.partition(":")[2] or 0), pool=pool)
    path = find_weights(weights, download)
    model = VGG19Features(pool=pool)
    model.features.load_state_dict(features_state_dict(read_state_dict(path)))
    model.source = str(path)
    return model


def find_weights(weights: str | None = None, download: bool = True) -> Path:
    """The weight file's path: explicit > environment > artgan cache > torch.hub cache > download."""
    explicit = weights or os.environ.get(WEIGHTS_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            origin = "--vgg-weights" if weights else f"${WEIGHTS_ENV}"
            raise ArtganError(f"{origin} points to {path}, which is not a file. {download_instructions()}")
        return path
    for candidate in (weights_cache() / WEIGHTS_FILE, Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE):
        if candidate.is_file():
            return candidate
    if not download:
        raise ArtganError(f"VGG-19 weights not found. {download_instructions()}")
    return download_weights()


def weights_cache() -> Path:
    return cache_root() / "weights"


def download_instructions() -> str:
    return (f"Style transfer needs the ImageNet VGG-19 weights ({WEIGHTS_FILE}, 548 MB). "
            f"Download {WEIGHTS_URL} and put it at {weights_cache() / WEIGHTS_FILE} "
            f"(or pass --vgg-weights PATH, or set ${WEIGHTS_ENV}=PATH).")


def download_weights() -> Path:
    """Fetch the weight file once into artgan's cache; torch.hub checks torchvision's hash prefix."""
    target = weights_cache() / WEIGHTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    hash_prefix = WEIGHTS_FILE.rsplit("-", 1)[1].split(".")[0]  # torchvision names files by sha256 prefix
    try:
        torch.hub.download_url_to_file(WEIGHTS_URL, str(partial), hash_prefix=hash_prefix, progress=True)
    except (OSError, RuntimeError, ValueError) as error:  # URLError is an OSError; a bad hash a RuntimeError
        partial.unlink(missing_ok=True)
        raise ArtganError(f"could not download the VGG-19 weights ({error}). {download_instructions()}") from None
    partial.replace(target)
    return target


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A .pth (tensors only, never arbitrary pickled code) or .safetensors file."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file
            return load_file(str(path))
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling and safetensors raise many types for a bad file
        raise ArtganError(f"cannot read VGG-19 weights from {path}: {error}. {download_instructions()}") from None


def features_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The ``features.N.*`` tensors of a torchvision-style state dict, checked against our shapes.

    Accepts the full model's keys (``features.0.weight``, ``classifier.*`` ignored) or the bare
    ``features`` module's (``0.weight``).
    """
    if any(key.startswith("features.") for key in state):
        state = {key[len("features."):]: value for key, value in state.items() if key.startswith("features.")}
    expected = build_features().state_dict()
    missing = [key for key in expected if key not in state]
    if missing:
        raise ArtganError(f"this is not a VGG-19 weight file: keys {missing[:3]} are missing. {download_instructions()}")
    for key, value in expected.items():
        if state[key].shape != value.shape:
            raise ArtganError(f"VGG-19 weight {key} has shape {tuple(state[key].shape)}, expected "
                              f"{tuple(value.shape)}: is this VGG-19 (not VGG-16)? {download_instructions()}")
    return {key: state[key].float() for key in expected}
