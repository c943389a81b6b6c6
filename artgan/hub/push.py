"""``artgan push RUN user/name``: a run's generator, config, model card and sample grid to the Hub."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from artgan import __version__
from artgan.errors import ArtganError
from artgan.generation import GENERATOR_KEYS, read_generator
from artgan.hub.card import model_card, read_metrics_json
from artgan.hub.resolve import REPO_ID, network_errors
from artgan.runs.best import checkpoint_candidates
from artgan.runs.checkpoint import checkpoint_entries, newest_good_checkpoint
from artgan.runs.published import COPIED_FILES, GENERATOR_FILE, save_generator
from artgan.runs.run_dir import open_run


def publish_folder(run_path: str | Path, repo_id: str, folder: Path, licence: str = "other") -> Path:
    """The run in the Hub's layout (``artgan.runs.published``) in ``folder``: what ``push`` uploads,
    and a folder artgan loads like a run."""
    from artgan.variants import get_variant

    run = open_run(run_path)
    config, info = run.read_config(), run.read_info()
    checkpoint, (weights, step) = newest_good_checkpoint(run.checkpoints, read=read_generator,
                                                         candidates=checkpoint_candidates(run))  # the best when kept
    entry = next(k for k in GENERATOR_KEYS if k in checkpoint_entries(checkpoint))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_generator(folder / GENERATOR_FILE, weights, step, entry, __version__)
    for name in COPIED_FILES:
        if (run.path / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run.path / name, folder / name)
    card = model_card(repo_id, config, info, step, licence, read_metrics_json(run.path), get_variant(config.model.name).paper)
    (folder / "README.md").write_text(card)
    return folder


def push(run_path: str | Path, repo_id: str, licence: str = "other", private: bool = False,
         token: str | None = None, message: str | None = None) -> str:
    """Create (or update) the model repository ``repo_id`` with the run; returns its URL."""
    if not REPO_ID.match(repo_id):
        raise ArtganError(f"{repo_id!r} is not a Hugging Face model id; write user/name, e.g. alice/wikiart-dcgan")
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
    except ImportError:
        raise ArtganError("artgan push needs the huggingface_hub package: pip install -e '.[hf]'") from None
    with tempfile.TemporaryDirectory(prefix="artgan-push-") as staging:
        folder = publish_folder(run_path, repo_id, Path(staging), licence)
        api = HfApi(token=token)
        try:
            url = api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
            api.upload_folder(repo_id=repo_id, folder_path=folder, repo_type="model",
                              commit_message=message or f"artgan push {Path(run_path).name}")
        except OfflineModeIsEnabled:
            raise ArtganError("artgan push needs the internet, but HF_HUB_OFFLINE is set; unset it and connect") from None
        except HfHubHTTPError as error:
            raise ArtganError(push_error(repo_id, error)) from None
        except network_errors() as error:  # no network: connection refused, name not resolved
            raise ArtganError(f"could not reach the Hugging Face Hub to push {repo_id} ({type(error).__name__}); "
                              f"artgan push needs the internet and a token (hf auth login, or HF_TOKEN)") from None
    return str(url)


def push_error(repo_id: str, error: Exception) -> str:
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status in (401, 403):
        return (f"the Hugging Face Hub refused to let this account write {repo_id} (HTTP {status}); log in with a "
                f"token that can write (hf auth login, or HF_TOKEN), and check that you own {repo_id.split('/')[0]!r}")
    return f"pushing to {repo_id} failed: {str(error).splitlines()[0][:160]}"
