"""artgan: train generative adversarial networks on art, and look hard at what came out."""

__version__ = "0.1.0"
