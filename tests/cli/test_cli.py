"""The commands a user types: train, generate, data, config files, and the errors they get."""

from __future__ import annotations

import pytest
import yaml
from PIL import Image

from artgan.cli import main
from tests.conftest import write_image

TINY = ["--data", "sklearn:digits", "--size", "16", "--g-width", "8", "--d-width", "8", "--latent-dim", "16",
        "--batch", "16", "--sample-every", "2", "--checkpoint-every", "2", "--precision", "fp32", "--quiet"]


@pytest.fixture
def trained_run(tmp_path):
    assert main(["train", *TINY, "--steps", "4", "--out", str(tmp_path / "run")]) == 0
    return tmp_path / "run"


def test_train_then_generate_images_and_grid(trained_run, tmp_path, capsys):
    out = tmp_path / "generated"
    assert main(["generate", str(trained_run), "--n", "5", "--out", str(out), "--grid", str(tmp_path / "grid.png")]) == 0
    files = sorted(out.glob("*.png"))
    assert len(files) == 5 and Image.open(files[0]).size == (16, 16)
    assert Image.open(tmp_path / "grid.png").size[0] > 16 * 2
    assert "wrote 5 images" in capsys.readouterr().out


def test_generate_is_seeded(trained_run, tmp_path):
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        main(["generate", str(trained_run), "--n", "2", "--seed", seed, "--out", str(tmp_path / name), "--quiet"])
    read = lambda d: (tmp_path / d / "00000.png").read_bytes()  # noqa: E731
    assert read("a") == read("b") != read("c")


def test_generate_by_class_needs_a_conditional_model(trained_run, capsys):
    assert main(["generate", str(trained_run), "--per-class", "2"]) == 2
    assert "needs a conditional model" in capsys.readouterr().err
    assert main(["generate", str(trained_run), "--class", "3"]) == 2
    assert "unconditional" in capsys.readouterr().err


def test_config_file_and_flags_fill_one_config_flags_winning(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"data": {"source": "sklearn:digits", "size": 16},
                                      "model": {"g_width": 8, "d_width": 8}, "train": {"steps": 2, "batch": 8}}))
    toml = tmp_path / "c.toml"
    toml.write_text('[data]\nsource = "sklearn:digits"\nsize = 16\n[model]\ng_width = 8\nd_width = 8\n[train]\nsteps = 2\n')
    assert main(["train", "--config", str(config), "--batch", "16", "--quiet", "--out", str(tmp_path / "a")]) == 0
    saved = yaml.safe_load((tmp_path / "a" / "config.yaml").read_text())
    assert saved["train"]["batch"] == 16 and saved["train"]["steps"] == 2 and saved["model"]["g_width"] == 8
    assert main(["train", "--config", str(toml), "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert yaml.safe_load((tmp_path / "b" / "config.yaml").read_text())["data"]["size"] == 16


def test_default_run_directory_is_named_after_model_data_and_size(tmp_path):
    assert main(["train", *TINY, "--steps", "2"]) == 0
    assert main(["train", *TINY, "--steps", "2"]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["dcgan-sklearn-digits-16px", "dcgan-sklearn-digits-16px-2"]


def test_data_command_describes_a_folder(labelled_folder, tmp_path, capsys):
    (labelled_folder / "portrait" / "broken.jpg").write_bytes(b"\xff\xd8junk")
    assert main(["data", str(labelled_folder), "--size", "16", "--out", str(tmp_path / "preview")]) == 0
    out = capsys.readouterr().out
    assert "12 usable, 1 skipped" in out and "landscape" in out and "portrait" in out
    assert (tmp_path / "preview" / "preview.png").is_file() and (tmp_path / "preview" / "average.png").is_file()


@pytest.mark.parametrize("args, message", [
    (["--model", "stylegan9"], "unknown model 'stylegan9'; choose one of"),
    (["--size", "48"], "image size 48 is not supported"),
    (["--batch", "5000"], "--batch 5000 is larger than the data set (1797 images)"),
    (["--data", "nowhere"], "neither a folder nor a known source"),
    (["--device", "cuda:7"], "sees no CUDA GPU"),
])
def test_bad_arguments_give_one_line_errors_before_any_work(args, message, tmp_path, capsys):
    assert main(["train", *TINY, "--steps", "2", "--out", str(tmp_path / "r"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("artgan: error:") and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r" / "checkpoints").exists()


def test_unknown_config_file_key_is_named(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("train:\n  stpes: 3\n")
    assert main(["train", "--config", str(tmp_path / "c.yaml")]) == 2
    assert "unknown option train.stpes" in capsys.readouterr().err


def test_resume_refuses_an_incompatible_config(trained_run, capsys):
    assert main(["train", *TINY, "--steps", "6", "--out", str(trained_run), "--resume", "--lr-d", "0.1"]) == 2
    assert "cannot resume" in capsys.readouterr().err
    assert main(["train", *TINY, "--steps", "6", "--out", str(trained_run), "--resume"]) == 0


def test_help_explains_every_command(capsys):
    from artgan.cli import COMMANDS

    for command in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--n-critic" in out
    assert "--eval-classifier FILE" in out  # an option's own word for its value, where N or TEXT would not say it
    # Defaults are shown once, and only where there is one to show.
    assert "(default: None)" not in out
    assert "no progress bars (default" not in " ".join(out.split())  # a plain on/off flag
    assert out.count("(default:") > 50
    assert "data set) (default:" not in " ".join(out.split())  # evaluate --data explains its own default


def test_list_models(capsys):
    assert main(["train", "--list-models"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "dcgan" in lines and lines["wgan"].endswith("[--weight-clip]")
    assert lines["mlp"].endswith("[--mlp-hidden --mlp-layers --d-dropout]")


def test_flat_folder_trains(tmp_path):
    for i in range(20):
        write_image(tmp_path / "flat" / f"{i}.png", seed=i)
    assert main(["train", "--data", str(tmp_path / "flat"), "--size", "16", "--g-width", "8", "--d-width", "8",
                 "--batch", "8", "--steps", "2", "--quiet", "--out", str(tmp_path / "r")]) == 0
