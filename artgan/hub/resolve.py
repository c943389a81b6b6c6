"""``hf:user/name`` -> a local copy of that published run; any other run argument is left as it is.

Every command that takes a run goes through ``resolve_run`` (the CLI calls it once, before the
command runs; ``load_generator`` calls it for Python users), so a Hub run is accepted everywhere
the same way. The copy lives in artgan's cache (``$ARTGAN_CACHE_DIR/hub/user--name``), a plain
folder that `artgan evaluate` can write its report into, and is reused offline.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from artgan.errors import ArtganError

HUB_PREFIX = "hf:"
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# What a published run holds (artgan.runs.published); anything else in the repository is not downloaded.
PATTERNS = ["*.safetensors", "*.yaml", "*.json", "*.png", "*.md", "evaluation/*.json"]


def is_hub_run(spec: str) -> bool:
    """``hf:user/name``, unless a local path of that very name exists."""
    return spec.startswith(HUB_PREFIX) and not Path(spec).exists()


def hub_cache() -> Path:
    root = os.environ.get("ARTGAN_CACHE_DIR") or Path.home() / ".cache" / "artgan"
    return Path(root).expanduser() / "hub"


def resolve_run(spec: str) -> str:
    """The local folder for ``spec``: itself, or the downloaded copy of ``hf:user/name``."""
    if not is_hub_run(spec):
        return spec
    from artgan.runs.published import check_published

    repo_id = spec[len(HUB_PREFIX):]
    if not REPO_ID.match(repo_id):
        raise ArtganError(f"{spec!r} is not a Hugging Face model id; write hf:user/name, e.g. hf:alice/wikiart-dcgan")
    folder = download(repo_id, hub_cache() / repo_id.replace("/", "--"))
    check_published(folder, spec)
    return str(folder)


def download(repo_id: str, folder: Path) -> Path:
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, LocalEntryNotFoundError,
                                            RepositoryNotFoundError, RevisionNotFoundError)
    except ImportError:
        raise ArtganError("hf:user/name runs need the huggingface_hub package: pip install -e '.[hf]'") from None
    try:
        return Path(snapshot_download(repo_id, allow_patterns=PATTERNS, local_dir=folder))
    except GatedRepoError:
        raise ArtganError(f"hf:{repo_id} is gated: accept its terms on huggingface.co and log in "
                          f"(hf auth login, or set HF_TOKEN)") from None
    except RepositoryNotFoundError:
        raise ArtganError(f"hf:{repo_id} does not exist on the Hugging Face Hub (or is private: log in with "
                          f"hf auth login, or set HF_TOKEN); check the name") from None
    except RevisionNotFoundError as error:
        raise ArtganError(f"hf:{repo_id}: {str(error).splitlines()[0]}") from None
    except LocalEntryNotFoundError:
        raise ArtganError(offline_message(repo_id)) from None
    except (HfHubHTTPError, *network_errors()) as error:
        raise ArtganError(f"could not download hf:{repo_id} ({type(error).__name__}: "
                          f"{str(error).splitlines()[0][:120] if str(error) else ''})") from None


def network_errors() -> tuple[type[BaseException], ...]:
    """What a failed connection raises below huggingface_hub: its HTTP client's transport errors
    (httpx2 in huggingface_hub 1.x and later, requests before) and the OS's."""
    import importlib

    found: list[type[BaseException]] = [OSError]
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError"), ("requests", "ConnectionError")):
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            pass
    return tuple(found)


def offline_message(repo_id: str) -> str:
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False")
    reason = "HF_HUB_OFFLINE is set" if offline else "the Hugging Face Hub cannot be reached"
    return (f"hf:{repo_id} was never downloaded here and {reason}: connect to the internet once "
            f"(the copy is kept in {hub_cache()}), or copy a published run's folder here and pass its path")
