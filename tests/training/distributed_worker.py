"""Run by torchrun from test_distributed.py: trains every config in a folder, in one process group.

One launch for all the variants saves starting 2 Python processes per variant.
"""

import sys
from pathlib import Path

import torch
import yaml

from artgan.config import config_from_dict
from artgan.training import distributed, train

if __name__ == "__main__":
    torch.set_num_threads(1)
    cases, out = Path(sys.argv[1]), Path(sys.argv[2])
    with distributed.process_group("cpu"):
        for path in sorted(cases.glob("*.yaml")):
            train(config_from_dict(yaml.safe_load(path.read_text())), out=out / path.stem, progress=False)
