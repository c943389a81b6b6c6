"""Arguments several commands share, spelled once so their flags and help read the same everywhere."""

from __future__ import annotations

import argparse

RUN_HELP = "run directory written by `artgan train`"
DEVICE_HELP = "auto (a CUDA GPU, else Apple's MPS, else the CPU), cpu, cuda, cuda:N or mps"


def help_with_default(help_text: str, default: str) -> str:
    """``help (default: X)``, unless the help already explains its default ("default: RUN/generated")."""
    return help_text if "default:" in help_text else f"{help_text} (default: {default})"


class HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default, unless there is none to show: None, a plain on/off flag, or a
    positional argument that must be given."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        plain_flag = action.nargs == 0 and not isinstance(action, argparse.BooleanOptionalAction)
        required_positional = not action.option_strings and action.nargs not in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)
        if action.default is None or action.default is argparse.SUPPRESS or plain_flag or required_positional:
            return help_text
        return help_with_default(help_text, "%(default)s")


def add_run_argument(parser: argparse.ArgumentParser, help: str = RUN_HELP) -> None:
    parser.add_argument("run_dir", metavar="RUN", help=help)


CHECKPOINT_HELP = ("which checkpoint: best (kept at the lowest KID that --eval-every measured during training), "
                   "last (the newest), or a step number such as 1500; default: best when the run kept one, else last")


def add_checkpoint_argument(parser: argparse.ArgumentParser) -> None:
    """--checkpoint: the choice ``artgan.runs.best.checkpoint_candidates`` turns into a file."""
    parser.add_argument("--checkpoint", metavar="best|last|STEP", help=CHECKPOINT_HELP)


def add_runtime_arguments(parser: argparse.ArgumentParser, seed_help: str, seed: int = 0,
                          device_help: str = DEVICE_HELP, quiet_help: str = "no progress bars",
                          device: bool = True, device_default: str = "cpu") -> None:
    """--seed, --device and --quiet: what every sampling or scoring command takes."""
    parser.add_argument("--seed", type=int, default=seed, help=seed_help)
    if device:
        parser.add_argument("--device", default=device_default, help=device_help)
    parser.add_argument("--quiet", action="store_true", help=quiet_help)


def check_count(flag: str, value: int, low: int, high: int, why: str) -> None:
    """A count or size given on the command line, with an upper bound that keeps a typo (1e9 images)
    from running for days or ending in the allocator's error."""
    if not low <= value <= high:
        from artgan.errors import ArtganError

        raise ArtganError(f"{flag} must be at least {low} and at most {high:,} ({why}), got {value}")


def parse_seeds(text: str, flag: str = "--seeds") -> list[int]:
    """``0-35,100`` -> [0, 1, ..., 35, 100]: stylegan2-ada's seed lists, ranges inclusive, order kept."""
    from artgan.errors import ArtganError

    seeds: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",")):
            first, dash, last = part.partition("-")
            start, stop = int(first), int(last) if dash else int(first)
            if start < 0 or stop < start:
                raise ValueError(part)
            seeds += range(start, stop + 1)
    except ValueError:
        raise ArtganError(f"{flag} takes seeds and ranges separated by commas, e.g. 0-35,100; got {text!r}") from None
    if len(seeds) > 100_000:
        raise ArtganError(f"{flag} {text!r} asks for {len(seeds)} images; give at most 100,000")
    return seeds
