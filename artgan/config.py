"""One typed configuration shared by the CLI, config files and the run directory.

Every field is an ``artgan.options.option``: its default, its ``--flag`` help, its choices and
its limit side by side, so defaults, docs and what a value may be live here and nowhere else.
Precedence, lowest first: the dataclass defaults below, the chosen variant's own defaults
(``Variant.defaults``, e.g. WGAN's RMSprop learning rate), the config file, the command line;
``artgan.runs.recipe.resolve_config`` applies it, for fresh and resumed runs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml

from artgan.atomic import write_text_atomic
from artgan.errors import ArtganError
from artgan.options import Limit, at_least, between, check_section, default_of, flag_name, option, positive, short, within

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclass
class DataConfig:
    source: str = option(
        "builtin:art",
        "images to learn from: a folder (class sub-folders = labels), builtin:art, "
        "sklearn:digits|olivetti|lfw, hf:<hub dataset>, hf:<save_to_disk folder>, hf:imagefolder:<folder>, "
        "or mnist|fashion-mnist|cifar10",
        flag="--data",
    )
    size: int = option(32, "image side in pixels after resize + centre crop (or pad, see --fit): 16, 32, 64, 128 or 256")
    channels: int = option(0, "1 (grayscale) or 3 (RGB); 0 keeps what the source is")
    fit: str = option("crop", "how a non-square image becomes square: crop = cut out its centre; pad = the whole image on a "
                              "square of its border colour (white for transparent art); pad-white = on white",
                      choices=("crop", "pad", "pad-white"))
    label: str | None = option(None, "label column of a Hugging Face dataset (e.g. style, genre, artist); "
                                     "default: its ClassLabel column when it has exactly one (none when it has "
                                     "several: name one), style for wikiart, label for mnist|fashion-mnist|cifar10; "
                                     "\"\" trains unlabelled")
    image_column: str = option("", "image column of a Hugging Face dataset (default: image, or img for cifar10)")
    split: str = option("train", "split of a Hugging Face dataset")
    classes: list[str] = option([], "keep only these class names (e.g. the report's 7 WikiArt styles)")
    limit: int = option(0, "use at most this many images (0 = all)", limit=at_least(0))
    cache_dir: str = option("", "where prepared uint8 images are cached (memory-mapped while training) (default: $ARTGAN_CACHE_DIR or ~/.cache/artgan)")
    workers: int = option(0, "processes decoding images when a data set is first prepared (0: one per core)",
                          limit=at_least(0))


@dataclass
class ModelConfig:
    """What every variant reads. A variant's own options (WGAN's weight clip, cDCGAN's projection)
    are declared in its file, in a subclass of this (``Variant.model_config``)."""

    name: str = option("dcgan", "GAN variant (see `artgan train --list-models`)", flag="--model")
    latent_dim: int = option(100, "size of the noise vector z",
                             limit=between(1, 4096, "StyleGAN's is 512; the first layer holds latent_dim x 8,192 weights"))
    # 32, not the paper's 64: a third of the arithmetic, so the default run gets twice the steps in its
    # five CPU minutes, which shows more on builtin:art than the width does. Use 64 for the paper's nets.
    g_width: int = option(32, "generator width: channels of its last hidden layer (DCGAN's ngf; the paper used 64)",
                          limit=between(1, 512, "every layer is capped at 512 channels: a wider value changes nothing"))
    d_width: int = option(32, "discriminator width: channels of its first layer (DCGAN's ndf; the paper used 64)",
                          limit=between(1, 512, "every layer is capped at 512 channels: a wider value changes nothing"))
    extra_layers: int = option(0, "extra 3x3 conv layers at full resolution in G and D (depth)",
                               limit=between(0, 16, "each adds a full-resolution 3x3 conv to G and D"))
    d_norm: str = option("batch", "normalisation in the DCGAN discriminator", choices=("batch", "layer", "instance", "none"))


@dataclass
class TrainConfig:
    steps: int = option(3000, "generator updates to train for (ignored when --epochs is set)", limit=at_least(1))
    epochs: float = option(0.0, "passes over the data set seen by D; overrides --steps when > 0",
                           limit=Limit(lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0 (0 = use --steps)"))
    time: str = option("", "train for this much wall-clock time, e.g. 20m, 1h30m, 90s (a bare number is minutes); "
                           "overrides --steps and --epochs; --resume continues the same clock")
    batch: int = option(64, "images per batch", limit=between(1, 65536, "also capped by the number of images"))
    lr_g: float = option(2e-4, "generator learning rate", limit=positive())
    lr_d: float = option(2e-4, "discriminator learning rate", limit=positive())
    beta1: float = option(0.5, "Adam beta1", limit=within(0, 1))
    beta2: float = option(0.999, "Adam beta2", limit=within(0, 1))
    optimizer: str = option("adam", "optimizer for G and D", choices=("adam", "rmsprop"))
    n_critic: int = option(1, "discriminator steps per generator step", limit=between(1, 100, "WGAN's is 5"))
    g_steps: int = option(1, "generator steps per iteration (the third report used 2)",
                          limit=between(1, 100, "the third report's is 2"))
    seed: int = option(0, "random seed: same seed, same run",
                       limit=Limit(lambda v: 0 <= v < 2**63 - 1, "an integer from 0 to 2**63 - 2"))
    precision: str = option(
        "auto", "auto: measured at start (--calibrate) among what this machine runs natively: fp32; bf16 autocast "
                "and mixed (bf16, but fp32 weight gradients) on AVX-512-BF16/AMX CPUs; bf16 (fp16 without it) on "
                "GPUs. Other CPUs only emulate bf16, slowly (see benchmarks/README.md)",
        choices=("auto", "fp32", "bf16", "mixed", "fp16"),
    )
    threads: int = option(0, "CPU threads for training; 0: measured at start (--calibrate) among all cores and half of them",
                          limit=at_least(0))
    memory_format: str = option("auto", "tensor layout of images and networks; auto: measured at start (--calibrate)",
                                choices=("auto", "channels-last", "contiguous"))
    calibrate: bool = option(True, "choose each auto setting (precision, layout, threads) by timing a few steps of each "
                                   "candidate at start (about 1-2 s at the default size, recorded in run.json and "
                                   "reused on --resume); --no-calibrate takes them from the CPU's flags")
    device: str = option("auto", "cpu, cuda, cuda:1, mps, ... (auto: a CUDA GPU, else Apple's MPS, else the CPU)")
    compile: bool = option(False, "torch.compile G and D with inductor: ~45 s once at 64 px on 2 CPU cores, then steps "
                                  "0-10% faster there (benchmarks/README.md); a graph it cannot build runs eagerly")
    sample_every: int = option(100, "write the fixed-noise sample grid every N steps", limit=at_least(1))
    log_every: int = option(10, "log losses every N steps (values are read from the device only then)",
                            limit=at_least(1))
    checkpoint_every: int = option(500, "checkpoint every N steps (and always at the end)", limit=at_least(1))
    keep_checkpoints: int = option(3, "checkpoints kept on disk (older ones are deleted)", limit=at_least(1))
    grid_size: int = option(64, "images in the fixed-noise sample grid",
                            limit=between(1, 1024, "images in one sample grid, generated at every --sample-every"))
    # --- stabilisers: tricks every variant honours where they make sense ---
    label_smoothing: float = option(0.0, "one-sided label smoothing: D's real targets drawn from [1-s, 1] "
                                         "(the second report used 0.2); BCE variants only",
                                    limit=within(0, 1))
    smooth_fake: bool = option(False, "also draw fake targets from [0, s] (the second report's two-sided form)")
    label_flip: float = option(0.0, "probability of swapping a sample's real/fake target in D's loss; BCE variants only",
                               limit=within(0, 1, closed_high=True))
    instance_noise: float = option(0.0, "std of Gaussian noise added to every image D sees, fading linearly to 0",
                                   limit=at_least(0))
    replay: float = option(0.0, "probability that a fake shown to D is an old one from the replay buffer",
                           limit=within(0, 1, closed_high=True))
    replay_size: int = option(512, "fakes kept in the experience replay buffer",
                              limit=between(1, 65536, "fakes kept in memory"))
    lr_step: int = option(0, "multiply both learning rates by --lr-gamma every N steps (0 = constant)",
                          limit=at_least(0))
    lr_gamma: float = option(0.75, "learning-rate decay factor of the step schedule",
                             limit=Limit(lambda v: 0 < v <= 1, "in (0, 1]"))
    lr_decay: str = option("none", "decay both learning rates over the run's planned length (--steps, --epochs or "
                                   "--time) to --lr-final x the base rate at its end: cosine (a half cosine), "
                                   "linear, or none", choices=("none", "cosine", "linear"))
    lr_final: float = option(0.1, "--lr-decay: the rates' share of their base value at the run's end",
                             limit=within(0, 1, closed_high=True))
    ema: bool = option(False, "keep an exponential moving average of G for samples and checkpoints")
    ema_decay: float = option(0.999, "decay of the EMA generator", limit=within(0, 1))
    # On by default: without it (and dcgan's label smoothing) DCGAN's D wins within a few hundred
    # steps on builtin:art (D(G(z)) ~ 0.005) and the default run ends in checkerboard noise.
    diffaug: bool = option(True, "DiffAugment (Zhao et al. 2020): augment every image D sees, real and fake "
                                 "(--no-diffaug for the papers' plain setups)")
    # Without the paper's third transform, cutout: its black squares on flat-colour art slowed the
    # default run (same 3,000 steps: cleaner colour fields, stripes and dots without it).
    diffaug_policy: list[str] = option(["color", "translation"], "DiffAugment transforms, in order "
                                                                "(color, translation, cutout; the paper used all three)",
                                       choices=("color", "translation", "cutout"))
    # ADA's controller (Karras et al. 2020) on DiffAugment's transforms. Its paper moves p over
    # 500k images; runs here see ~200k in all, so p is let travel 0 -> 1 within 20k.
    augment: str = option("fixed", "how often DiffAugment's transforms apply: fixed = to every image (Zhao et al. 2020); ada = "
                                   "each with a probability p that rises while D overfits (Karras et al. 2020) and falls "
                                   "when it does not",
                          choices=("fixed", "ada"))
    ada_target: float = option(0.6, "ada: p is steered to keep E[sign D(real)] at this value, as in the paper",
                               limit=Limit(lambda v: -1 < v < 1, "in (-1, 1): a mean sign"))
    ada_images: int = option(20000, "ada: real images D sees while p may move from 0 to 1; the paper used 500,000",
                             limit=at_least(1))
    ada_interval: int = option(4, "ada: adjust p every N discriminator steps", limit=at_least(1))
    mirror: bool = option(False, "x-flip each real image with probability 1/2, which doubles a small data set")
    r1: float = option(0.0, "R1 penalty weight gamma on D's gradient at real images (Mescheder et al. 2018)",
                       limit=at_least(0))
    r1_every: int = option(1, "apply R1 on every Nth iteration only, weighted by N (StyleGAN2's lazy regularisation): "
                              "a penalised D step costs about twice a plain one, so 16 makes R1 nearly free",
                           limit=at_least(1))
    mode_seeking: float = option(0.0, "weight of the mode-seeking term (Mao et al. 2019, MSGAN): G is rewarded when "
                                      "different noise gives different images of one class; against one image per class",
                                  limit=at_least(0))
    # --- reliability: what happens when training diverges ---
    on_divergence: str = option("stop", "when losses or gradients become NaN/inf or exceed --divergence-limit: "
                                        "stop (keeping the last good checkpoint), or rollback to it with lower "
                                        "learning rates", choices=("stop", "rollback"))
    rollback_lr_factor: float = option(0.5, "each rollback multiplies both learning rates by this",
                                       limit=Limit(lambda v: 0 < v < 1, "in (0, 1)"))
    max_rollbacks: int = option(3, "rollbacks allowed before the run stops anyway", limit=at_least(0))
    divergence_limit: float = option(1e5, "a loss or gradient norm larger than this counts as divergence "
                                          "(0: only NaN/inf do)",
                                     limit=Limit(lambda v: v >= 0, "a number >= 0 (0 = only NaN/inf count)"))
    max_grad_norm: float = option(0.0, "clip G's and D's gradient norms to this (0 = no clipping)",
                                  limit=Limit(lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0 (0 = no clipping)"))
    # --- evaluation during training ---
    eval_every: int = option(0, "every N steps, log KID, FID and recall in domain features (kid_domain, fid_domain, "
                                "recall_domain; a conditional model also kid_class_domain, the mean per-class KID) and keep the "
                                "state at the lowest KID (a conditional model's: per class) whose samples are not collapsed "
                                "(--eval-min-recall) as checkpoints/best.safetensors, which generate, evaluate, "
                                "show and the app then use (--checkpoint last for the newest); 0 = off. Trains a small "
                                "classifier on the data first, unless --eval-classifier names one",
                             limit=at_least(0))
    eval_min_recall: float = option(
        0.05, "--eval-every's best checkpoint is a state whose samples reach at least this share of the real images "
              "(recall_domain): a collapse scores 0, however low its KID", limit=within(0, 1, closed_high=True))
    eval_n: int = option(500, "samples per KID/FID measurement during training (capped by the real held-out half)",
                         limit=between(10, 50000, "FID's usual sample count is 50,000"))
    # A classifier of 50 unlabelled images tells rotations apart barely above chance, and its features
    # kept a run's worst state (docs/quality.md); one trained on labelled images of the medium does not.
    eval_classifier: str = option("", "domain classifier (from `artgan classify train`, as `artgan evaluate "
                                      "--classifier` takes) whose features --eval-every measures in, instead of one "
                                      "it trains on the run's data; copied into the run (evaluation/classifier."
                                      "safetensors), which --resume and evaluate then use", metavar="FILE")


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        text = "# artgan run configuration: `artgan train --config` this file to run it again\n"
        text += yaml.safe_dump(self.to_dict(), sort_keys=False)
        write_text_atomic(path, text)  # a crash mid-save must not leave half a config


SECTIONS = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}


MAX_CONFIG_BYTES = 1 << 20  # a config is a few KB; a bigger file is a mistake (or an attack), not read


class NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: ten nested aliases of ten (the "billion laughs") load as
    a small graph but expand to 10**9 items for whatever walks it (json.dumps, repr, comparisons)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("YAML aliases (*name) are not allowed in artgan config files; write the values out")
        return super().compose_node(parent, index)


def load_yaml(text: str):
    return yaml.load(text, Loader=NoAliasLoader)


def read_config_file(path: str | Path) -> dict:
    """Read a YAML or TOML config file into ``{section: {field: value}}`` overrides. What is read is
    bounded: regular files only (a FIFO would block), 1 MiB at most, no aliases, no deep nesting."""
    path = Path(path)
    if not os.path.lexists(path) or (path.is_symlink() and not path.exists()):
        raise ArtganError(f"config file {str(path)!r} does not exist")
    if not path.is_file():
        raise ArtganError(f"config file {str(path)!r} is not a regular file (a folder, pipe or device); give a YAML or TOML file")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ArtganError(f"config file {str(path)!r} is {path.stat().st_size:,} bytes; a config is a few KB "
                          f"(limit {MAX_CONFIG_BYTES:,}): is it the right file?")
    try:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix == ".toml" else load_yaml(text) or {}
    except (yaml.YAMLError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ArtganError(f"config file {str(path)!r} is not valid YAML/TOML: {first_line}") from None
    except RecursionError:
        raise ArtganError(f"config file {str(path)!r} is nested too deeply to be a config (sections data, model, "
                          "train of plain values)") from None
    if not isinstance(data, dict):
        raise ArtganError(f"config file {str(path)!r} must hold sections data/model/train, got {type(data).__name__}")
    return data


def merge_overrides(*layers: dict) -> dict:
    """Merge ``{section: {field: value}}`` dicts, later layers winning field by field."""
    merged: dict = {}
    for layer in layers:
        for section, values in layer.items():
            if section not in SECTIONS:
                raise ArtganError(f"unknown config section {section!r}; expected one of {', '.join(SECTIONS)}")
            if not isinstance(values, dict):
                raise ArtganError(f"config section {section!r} must be a mapping, got {values!r}")
            merged.setdefault(section, {}).update(values)
    return merged


def build_config(overrides: dict) -> Config:
    """The dataclass defaults with exactly these overrides, type-checked and range-checked field by
    field; the model section is the chosen variant's ``model_config`` (its own options included).

    No variant defaults: a run's config comes from ``artgan.runs.recipe.resolve_config``.
    """
    layers = merge_overrides(overrides)
    model = layers.get("model", {})
    model_class = model_config_class(model.get("name", ModelConfig.name))
    config = Config(data=build_section("data", DataConfig, layers.get("data", {})),
                    model=build_section("model", model_class, without_other_variants_options(model_class, model)),
                    train=build_section("train", TrainConfig, layers.get("train", {})))
    _check_combinations(config.train)
    return config


def build_section(name: str, cls: type, values: dict) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            raise ArtganError(f"unknown option {name}.{key}; valid {name} options: {', '.join(sorted(known))}")
    section = cls(**{key: _coerce(f"{name}.{key}", value, hints[key]) for key, value in values.items()})
    check_section(name, section)
    return section


def model_config_class(name: Any) -> type[ModelConfig]:
    # Imported here, not at the top: the variants build on this module, and declare their options in their own files.
    from artgan.variants import get_variant

    return get_variant(name).model_config


def without_other_variants_options(model_class: type[ModelConfig], values: dict) -> dict:
    """The model section without the options that only other variants read. Recipes saved before
    each variant declared its own options list them all, at their defaults: those are dropped; a
    value chosen for another variant is refused rather than silently ignored (its type and limit first)."""
    from artgan.variants import variant_options

    others, own = variant_options(), {f.name for f in dataclasses.fields(model_class)}
    kept = {}
    for key, value in values.items():
        if key in own or key not in others:
            kept[key] = value
            continue
        declared = others[key][0].model_config
        option_field = declared.__dataclass_fields__[key]
        if getattr(build_section("model", declared, {key: value}), key) != default_of(option_field):
            readers = " and ".join(v.name for v in others[key])
            raise ArtganError(f"option model.{key} ({flag_name(option_field)}) is read by {readers} only, not by "
                              f"model {values.get('name', ModelConfig.name)!r}: drop it, or train --model "
                              f"{others[key][0].name}")
    return kept


def _check_combinations(train: TrainConfig) -> None:
    """Options that are valid alone but contradict each other."""
    if train.augment == "ada" and not train.diffaug:
        raise ArtganError("--augment ada adapts how often DiffAugment applies, but --no-diffaug turns it off; "
                          "drop one of the two")
    if train.eval_classifier and train.eval_every == 0:
        raise ArtganError(f"--eval-classifier {train.eval_classifier!r} is the feature space of --eval-every's "
                          f"measurements, but --eval-every is 0 (off); add --eval-every N (e.g. 250) to keep the best "
                          f"checkpoint by it, or drop --eval-classifier")


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """Accept what YAML/TOML/argparse produce, refuse what would silently do the wrong thing."""
    if get_origin(hint) in (Union, UnionType):  # ``str | None``: None, or the other type
        if value is None and type(None) in get_args(hint):
            return None
        hint = next(a for a in get_args(hint) if a is not type(None))
    if get_origin(hint) is list:
        return _coerce_list(name, value, get_args(hint)[0])
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    raise ArtganError(f"option {name} must be {hint.__name__}, got {short(value)}")


def _coerce_list(name: str, value: Any, item: type) -> list:
    """A list of ``item``: ``"a,b"`` from a flag, or a YAML/TOML list whose every element is checked,
    so that ``classes: [[1, 2], {a: b}]`` stops here instead of as a TypeError deep in the loader."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise ArtganError(f"option {name} must be a list of {item.__name__} (in a file: [a, b]; as a flag: a,b), "
                          f"got {short(value)}")
    if item is str:  # a folder named 1990 is the class "1990", even when YAML reads it as a number
        value = [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
    for index, element in enumerate(value):
        if not isinstance(element, item) or isinstance(element, bool):
            raise ArtganError(f"option {name} must be a list of {item.__name__}, but element {index} is "
                              f"{short(element)}")
    return value


def config_from_dict(data: dict) -> Config:
    """Rebuild a saved config (e.g. a run directory's config.yaml) exactly. Runs saved when every
    variant's options sat in one ModelConfig list them all; the run read only its own, so the
    others are dropped whatever their value."""
    from artgan.variants import variant_options

    data = json.loads(json.dumps(data))
    model = data.get("model")
    if isinstance(model, dict):
        own = {f.name for f in dataclasses.fields(model_config_class(model.get("name", ModelConfig.name)))}
        data["model"] = {key: value for key, value in model.items() if key in own or key not in variant_options()}
    return build_config(data)
