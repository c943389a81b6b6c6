"""A run published to the Hub: the same samples after the round trip, an upload checked at the HTTP
boundary, hf:user/name accepted wherever a run is, and one-line errors for what can go wrong."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from artgan.cli import main
from artgan.generation import load_generator
from artgan.runs.published import GENERATOR_FILE
from tests.cli.test_cli import TINY


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("hub") / "run"
    assert main(["train", *TINY, "--steps", "2", "--ema", "--out", str(path)]) == 0
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("artgan: error: "), err
    return err[-1]


def test_a_folder_in_the_hubs_layout_loads_and_draws_the_same_samples(run, tmp_path):
    folder = tmp_path / "published"
    assert main(["push", str(run), "alice/digits", "--local", str(folder), "--license", "cc-by-4.0"]) == 0
    assert {p.name for p in folder.iterdir()} >= {"README.md", "config.yaml", "run.json", GENERATOR_FILE, "samples.png"}
    assert torch.equal(load_generator(folder).sample(16, seed=3), load_generator(run).sample(16, seed=3))
    original = load_generator(run)  # the plain state dict is the EMA generator's, under the network's own names
    assert load_file(folder / GENERATOR_FILE).keys() == original.generator.state_dict().keys()
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlicense: cc-by-4.0\n") and "sklearn:digits" in card and "![samples](samples.png)" in card
    assert "| train.steps | 2 |" in card and "Not evaluated" in card


def test_push_uploads_generator_config_card_and_grid(run, tmp_path, fake_hub, capsys):
    assert main(["push", str(run), "alice/digits", "--license", "mit"]) == 0
    assert "use it as hf:alice/digits" in capsys.readouterr().out
    (created,) = fake_hub.created
    assert (created["organization"], created["name"], created.get("private", False)) == ("alice", "digits", False)
    assert set(fake_hub.uploaded) >= {"README.md", "config.yaml", "run.json", GENERATOR_FILE, "samples.png"}
    tensors = {k: v for k, v in load_file_bytes(fake_hub.uploaded[GENERATOR_FILE]).items()}
    expected = load_generator(run).generator.state_dict()
    assert all(torch.equal(tensors[k], v.cpu()) for k, v in expected.items())
    assert fake_hub.uploaded["samples.png"] == (run / "samples.png").read_bytes()
    assert b"license: mit" in fake_hub.uploaded["README.md"]


def load_file_bytes(data: bytes) -> dict[str, torch.Tensor]:
    from safetensors.torch import load

    return load(data)


def test_hf_ids_work_wherever_a_run_does(run, tmp_path, fake_hub, monkeypatch, capsys):
    assert main(["push", str(run), "alice/digits", "--local", str(tmp_path / "repo")]) == 0
    fake_hub.repos["alice/digits"] = tmp_path / "repo"
    assert main(["generate", "hf:alice/digits", "--seeds", "0-3", "--out", str(tmp_path / "hub"), "--quiet"]) == 0
    assert main(["generate", str(run), "--seeds", "0-3", "--out", str(tmp_path / "local"), "--quiet"]) == 0
    assert (tmp_path / "hub" / "seed0002.png").read_bytes() == (tmp_path / "local" / "seed0002.png").read_bytes()
    assert main(["show", "hf:alice/digits", "interpolate", "--rows", "1", "--steps", "2", "--out", str(tmp_path / "i.png")]) == 0
    assert main(["export", "hf:alice/digits", "--format", "torchscript", "--out", str(tmp_path / "g.pt")]) == 0
    assert main(["evaluate", "hf:alice/digits", "--n", "20", "--classifier-steps", "5", "--no-report", "--quiet"]) == 0
    assert main(["project", "hf:alice/digits", str(tmp_path / "local" / "seed0002.png"), "--steps", "2", "--no-vgg",
                 "--out", str(tmp_path / "projected")]) == 0
    assert (tmp_path / "projected" / "latent.npy").is_file()
    assert main(["stylize", "run:hf:alice/digits:1", "run:hf:alice/digits:2", "--size", "32", "--steps", "1",
                 "--vgg-weights", "random", "--out", str(tmp_path / "s.png"), "--quiet"]) == 0

    from artgan.cli import app as app_command

    served = []
    monkeypatch.setattr(app_command, "serve", lambda command, env, *rest, **kw: served.append(env) or 0)
    assert main(["app", "--runs", "hf:alice/digits", "--no-browser"]) == 0
    from artgan.app.runs import RUNS_ENV, find_runs

    (summary,) = find_runs(served[0][RUNS_ENV])
    assert summary.has_checkpoint and summary.step == 2 and summary.variant == "dcgan"

    # offline, the copy downloaded once is used again
    fake_hub.repos.clear()
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["generate", "hf:alice/digits", "--seeds", "2", "--out", str(tmp_path / "offline"), "--quiet"]) == 0
    assert (tmp_path / "offline" / "seed0002.png").read_bytes() == (tmp_path / "local" / "seed0002.png").read_bytes()


def test_a_hub_id_that_does_not_exist_is_a_one_line_error(fake_hub, capsys):
    assert main(["generate", "hf:alice/no-such-model"]) == 2
    assert "hf:alice/no-such-model does not exist on the Hugging Face Hub" in one_line_error(capsys)


def test_a_repo_without_artgan_files_is_a_one_line_error(fake_hub, tmp_path, capsys):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "README.md").write_text("# a text model\n")
    (tmp_path / "other" / "config.json").write_text("{}\n")
    fake_hub.repos["bob/bert"] = tmp_path / "other"
    assert main(["generate", "hf:bob/bert"]) == 2
    message = one_line_error(capsys)
    assert "hf:bob/bert holds no artgan run (missing config.yaml, run.json, generator.safetensors)" in message


def test_offline_the_commands_say_what_they_need(run, monkeypatch, capsys):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["generate", "hf:alice/never-downloaded"]) == 2
    assert "was never downloaded here and HF_HUB_OFFLINE is set: connect to the internet once" in one_line_error(capsys)
    assert main(["push", str(run), "alice/digits"]) == 2
    assert "artgan push needs the internet" in one_line_error(capsys)


def test_a_refused_push_names_the_token(run, fake_hub, capsys):
    fake_hub.status = 403
    assert main(["push", str(run), "alice/digits"]) == 2
    assert "log in with a token that can write" in one_line_error(capsys)


def test_bad_repo_ids_are_refused_before_any_request(run, capsys):
    assert main(["push", str(run), "not a repo"]) == 2
    assert "is not a Hugging Face model id" in one_line_error(capsys)
    assert main(["generate", "hf:just-a-name"]) == 2
    assert "write hf:user/name" in one_line_error(capsys)


def test_without_a_network_push_and_hf_runs_say_what_they_need(run, fake_hub, capsys):
    fake_hub.unreachable = True
    assert main(["push", str(run), "alice/digits"]) == 2
    assert "could not reach the Hugging Face Hub to push alice/digits (ConnectError)" in one_line_error(capsys)
    assert main(["generate", "hf:alice/never-downloaded"]) == 2
    assert "the Hugging Face Hub cannot be reached: connect to the internet once" in one_line_error(capsys)
