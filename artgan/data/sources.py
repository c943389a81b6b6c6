"""Where images come from. Each source is one function registered by its prefix.

A source returns a ``RawSource``: lazily loaded items, class names, and a fingerprint that says
when a cached copy is stale. Decoding happens later, in one place (``artgan.data.load_images``),
so that a broken file is skipped and counted the same way whatever the source.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
from PIL import Image

from artgan.config import DataConfig
from artgan.errors import ArtganError
from artgan.paths import readable_name

ImageLike = Image.Image | np.ndarray
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}

# Short names for the hub data sets of the reports: (hub id, image column, label column).
HUB_ALIASES = {
    "mnist": ("ylecun/mnist", "image", "label"),
    "fashion-mnist": ("zalando-datasets/fashion_mnist", "image", "label"),
    "cifar10": ("uoft-cs/cifar10", "img", "label"),
    "wikiart": ("huggan/wikiart", "image", "style"),
}


@dataclass
class RawItem:
    load: Callable[[], ImageLike]  # may raise: the loader counts it as skipped
    label: int | None
    name: str  # shown when the item is skipped


@dataclass
class RawSource:
    items: Iterable[RawItem]
    length: int | None
    class_names: list[str] | None
    fingerprint: str
    channels: int = 3  # what the source natively is, used when --channels is 0


SourceLoader = Callable[[str, DataConfig], RawSource]
SOURCES: dict[str, SourceLoader] = {}


def register_source(prefix: str) -> Callable[[SourceLoader], SourceLoader]:
    def decorator(loader: SourceLoader) -> SourceLoader:
        SOURCES[prefix] = loader
        return loader

    return decorator


def open_source(config: DataConfig) -> RawSource:
    """Resolve ``--data`` to a source: a folder path, ``prefix:name``, or a hub alias."""
    spec = config.source
    if spec in HUB_ALIASES:
        return SOURCES["hf"](spec, config)
    prefix, _, name = spec.partition(":")
    if name and prefix in SOURCES and not Path(spec).exists():
        return SOURCES[prefix](name, config)
    path = Path(spec).expanduser()
    if path.is_dir():
        return load_folder(path, config)
    if path.exists():
        raise ArtganError(f"--data {spec!r} is a file; give a folder of images (class sub-folders = labels)")
    prefixes = ", ".join(f"{p}:" for p in SOURCES if p != "folder")
    raise ArtganError(
        f"--data {spec!r} is neither a folder nor a known source; use a folder of images, "
        f"{prefixes} (e.g. builtin:art, sklearn:digits, hf:huggan/wikiart) or {', '.join(HUB_ALIASES)}"
    )


# --- folders -----------------------------------------------------------------------------------


def load_folder(root: Path, config: DataConfig) -> RawSource:
    """Class sub-folders become labels (sorted by name); a flat folder is unlabelled."""
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    found = [(d, files) for d in class_dirs if (files := _image_files(d))]
    if found:
        groups = [(index, files) for index, (_, files) in enumerate(found)]
        class_names = [readable_name(d.name) for d, _ in found]
    else:
        groups = [(None, _image_files(root, recursive=False))]
        class_names = None
    # Plain strings, sorted as paths sort (part by part): pathlib costs seconds per 100,000 files here.
    files = [(path, label) for label, paths in groups for path in sorted(paths, key=lambda p: p.split(os.sep))]
    digest, prefix = hashlib.sha1(), len(str(root)) + len(os.sep)
    for path, label in files:
        # os.fsencode: Linux names are bytes, and a name that is not UTF-8 must still fingerprint
        name = os.fsencode(path[prefix:])
        try:
            info = os.stat(path)
            digest.update(name + f"|{info.st_size}|{info.st_mtime_ns}|{label}\n".encode())
        except OSError:
            digest.update(name + b"|unreadable\n")
    items = [RawItem(load=_file_loader(path), label=label, name=readable_name(path)) for path, label in files]
    return RawSource(items, len(items), class_names, f"folder:{readable_name(str(root.resolve()))}:{digest.hexdigest()}")


def _image_files(folder: Path, recursive: bool = True) -> list[str]:
    """Image files below ``folder``; symlinked folders are not followed, so loops cannot hang us."""
    found = []
    walker = os.walk(folder, onerror=lambda error: None) if recursive else [(str(folder), [], os.listdir(folder))]
    for directory, _, names in walker:
        found += [os.path.join(directory, n) for n in names if os.path.splitext(n)[1].lower() in IMAGE_EXTENSIONS]
    return found


def _file_loader(path: str) -> Callable[[], Image.Image]:
    return partial(load_file, path)  # picklable: decoding runs in worker processes


def load_file(path: Path | str | io.BytesIO) -> Image.Image:
    if isinstance(path, (str, Path)) and not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO named x.png would block open() forever
        raise OSError(f"not a regular file: {path}")
    with Image.open(path) as image:
        image.load()  # decode now, inside the caller's error handling
        return image.copy() if getattr(image, "n_frames", 1) > 1 else image


# --- scikit-learn's image sets -------------------------------------------------------------------


@register_source("sklearn")
def load_sklearn(name: str, config: DataConfig) -> RawSource:
    """digits ships with scikit-learn; olivetti and lfw go through its downloaders (cached in
    ``$SCIKIT_LEARN_DATA``), the first report's "Eigenfaces" and "Labeled Faces in the Wild"."""
    import sklearn.datasets as skd

    if name == "digits":
        bunch = skd.load_digits()
        images, labels, names = bunch.images / 16.0, bunch.target, [str(d) for d in bunch.target_names]
    elif name == "olivetti":
        bunch = _fetch(skd.fetch_olivetti_faces)
        images, labels, names = bunch.images, bunch.target, [f"person-{i:02d}" for i in range(40)]
    elif name == "lfw":
        bunch = _fetch(skd.fetch_lfw_people, min_faces_per_person=20, color=True, resize=1.0)
        images, labels, names = bunch.images / 255.0, bunch.target, list(bunch.target_names)
    else:
        raise ArtganError(f"unknown scikit-learn data set {name!r}; use sklearn:digits, sklearn:olivetti or sklearn:lfw")
    items = [RawItem(load=_constant(image), label=int(label), name=f"{name}[{i}]") for i, (image, label) in enumerate(zip(images, labels))]
    channels = 1 if images.ndim == 3 else 3
    return RawSource(items, len(items), names, f"sklearn:{name}:{len(items)}", channels=channels)


def _fetch(fetcher: Callable, **kwargs):
    try:
        return fetcher(**kwargs)
    except OSError as error:  # URLError is an OSError
        raise ArtganError(
            f"could not download {fetcher.__name__} ({error}); connect to the internet once, or put "
            f"scikit-learn's cached copy in $SCIKIT_LEARN_DATA (default ~/scikit_learn_data)"
        ) from None


def _constant(value: ImageLike) -> Callable[[], ImageLike]:
    return partial(_itself, value)  # picklable, unlike a lambda: decoding runs in worker processes


def _itself(value: ImageLike) -> ImageLike:
    return value


# --- the built-in procedural art set ------------------------------------------------------------


@register_source("builtin")
def load_builtin(name: str, config: DataConfig) -> RawSource:
    """``builtin:art``: the procedural art set, painted lazily so the loader's progress bar shows."""
    from artgan.data.builtin_art import STYLES, default_per_class, paint

    if name != "art":
        raise ArtganError(f"unknown built-in data set {name!r}; the built-in set is builtin:art")
    size, per_class = config.size, default_per_class(config.size)
    items = [
        RawItem(load=partial(paint, STYLES[i % len(STYLES)], i // len(STYLES), size), label=i % len(STYLES),
                name=f"art[{i}]")
        for i in range(per_class * len(STYLES))
    ]
    return RawSource(items, len(items), list(STYLES), f"builtin:art:v2:{size}:{len(items)}:{','.join(STYLES)}")


# --- Hugging Face hub ---------------------------------------------------------------------------


# `datasets`' packaged builders read local files: hf:imagefolder:DIR, hf:parquet:DIR, ...
FILE_BUILDERS = ("imagefolder", "parquet", "arrow", "webdataset", "csv", "json")


@register_source("hf")
def load_hub(name: str, config: DataConfig) -> RawSource:
    """Any image data set of the Hugging Face hub, a folder `save_to_disk` wrote, a local copy of a
    hub repository, or a packaged builder over a folder (``imagefolder:DIR``), through `datasets`."""
    hub_id, image_column, label_column = HUB_ALIASES.get(name, (name, "image", None))
    dataset = _load_hub_dataset(hub_id, config)
    columns = list(dataset.features) if dataset.features else []
    image_column = config.image_column or image_column
    if config.label is not None:
        label_column = config.label or None  # --label "" trains unlabelled
    elif label_column is None:
        label_column = _only_class_label(dataset)
    for column in [image_column] + ([label_column] if label_column else []):
        if columns and column not in columns:
            raise ArtganError(f"{hub_id} has no column {column!r}; its columns are: {', '.join(columns)}")
    class_names = _hub_class_names(dataset, label_column)
    dataset = _undecoded(dataset, image_column)
    length = len(dataset) if hasattr(dataset, "__len__") else None
    items = _hub_items(dataset, image_column, label_column, class_names)
    fingerprint = f"hf:{hub_id}:{config.split}:{image_column}:{label_column}:{length}"
    return RawSource(items, length, class_names, fingerprint)


def _only_class_label(dataset) -> str | None:
    """The label column when the data set has exactly one ClassLabel column (an imagefolder's
    ``label``, say); with none or several, None: the run is unlabelled unless --label names one."""
    features = dataset.features or {}
    found = [name for name, feature in features.items() if type(feature).__name__ == "ClassLabel"]
    return found[0] if len(found) == 1 else None


def _load_hub_dataset(hub_id: str, config: DataConfig):
    try:
        import datasets
    except ImportError:
        raise ArtganError("Hugging Face sources need the `datasets` package: pip install 'artgan[hf]'") from None
    builder, _, folder = hub_id.partition(":")
    local = Path(hub_id).expanduser()
    try:
        if local.is_dir() and ((local / "dataset_info.json").exists() or (local / "dataset_dict.json").exists()):
            loaded = datasets.load_from_disk(str(local))
            return loaded[config.split] if isinstance(loaded, datasets.DatasetDict) else loaded
        if builder in FILE_BUILDERS:
            return _load_builder(datasets, builder, folder, config)
        # Streaming reads only what --limit asks for instead of downloading all of WikiArt.
        return datasets.load_dataset(hub_id, split=config.split, streaming=config.limit > 0)
    except (FileNotFoundError, ConnectionError, OSError, ValueError) as error:
        raise ArtganError(_hub_error(hub_id, config.split, error)) from None


def _load_builder(datasets, builder: str, folder: str, config: DataConfig):
    if not folder:  # `datasets` would silently read the current directory
        raise ArtganError(f"hf:{builder} needs a folder: --data hf:{builder}:path/to/folder "
                          f"(or give a folder of images itself as --data; its sub-folders become classes)")
    if not Path(folder).expanduser().is_dir():
        raise ArtganError(f"hf:{builder}:{folder}: {folder!r} is not a folder")
    return datasets.load_dataset(builder, data_dir=str(Path(folder).expanduser()), split=config.split,
                                 streaming=config.limit > 0)


def _hub_error(hub_id: str, split: str, error: Exception) -> str:
    """What went wrong, and for an unreachable hub what to do about it."""
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    message = f"could not load Hugging Face data set {hub_id!r} split {split!r}: {first_line}"
    if "Couldn't reach" not in first_line and not isinstance(error, ConnectionError):
        return message
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False"):
        advice = ("HF_HUB_OFFLINE is set and there is no cached copy: unset it and connect to the internet once "
                  "(the download is cached), or point --data at a local copy: hf:/path/to/copy")
    else:
        advice = ("connect to the internet; if it was downloaded before, set HF_HUB_OFFLINE=1 to use the cached "
                  "copy; or download it once elsewhere (datasets.load_dataset(...).save_to_disk(DIR)) and use "
                  "--data hf:DIR")
    return f"{message}. {advice}"


def _undecoded(dataset, column: str):
    """Hub images as their encoded bytes: the decoding workers decode them, not this process."""
    import datasets

    feature = (dataset.features or {}).get(column)
    if isinstance(feature, datasets.Image) and feature.decode:
        return dataset.cast_column(column, datasets.Image(decode=False))
    return dataset


def _hub_image(encoded: bytes | None, path: str | None) -> Image.Image:
    return load_file(io.BytesIO(encoded) if encoded is not None else path)


def _hub_class_names(dataset, label_column: str | None) -> list[str] | None:
    if not label_column:
        return None
    feature = dataset.features[label_column] if dataset.features else None
    if feature is not None and hasattr(feature, "names"):
        return list(feature.names)
    if hasattr(dataset, "unique"):
        return sorted(str(v) for v in dataset.unique(label_column))
    raise ArtganError(f"label column {label_column!r} has no class names; use a ClassLabel column")


def _hub_items(dataset, image_column, label_column, class_names) -> Iterator[RawItem]:
    index_of = {name: i for i, name in enumerate(class_names or [])}
    for i, row in enumerate(dataset):
        label = row[label_column] if label_column else None
        if label is not None and not isinstance(label, int):
            label = index_of[str(label)]
        image = row[image_column]
        load = partial(_hub_image, image["bytes"], image["path"]) if isinstance(image, dict) else _constant(image)
        yield RawItem(load=load, label=label, name=f"row {i}")
