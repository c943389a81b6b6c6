"""The knobs of style transfer (Gatys optimization, AdaIN decoder training), in a module without torch so that
`artgan stylize --help` takes its defaults from here and stays instant."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GatysSettings:
    steps: int = 200  # loss evaluations (forward + backward passes) at each scale
    content_weight: float = 1.0
    style_weight: float = 1e5
    tv_weight: float = 1e-2
    optimizer: str = "lbfgs"  # lbfgs (fewer steps, the paper's) or adam (steadier, bounded memory)
    lr: float = 0.02  # Adam's step size on pixels in [0, 1]; L-BFGS uses 1
    init: str = "content"  # content or noise
    scales: int = 0  # 0: one scale up to 512 px, then one more per doubling
    seed: int = 0
    style_blend: list[float] = field(default_factory=list)  # one weight per style image; empty = equal


@dataclass
class DecoderTraining:
    steps: int = 2000
    batch: int = 4
    lr: float = 1e-4
    style_weight: float = 10.0  # the paper's lambda
    save_every: int = 200
    seed: int = 0
