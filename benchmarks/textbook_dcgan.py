"""The baseline: pytorch/examples ``dcgan/main.py``, copied loop for loop, without torchvision.

What the textbook does, and this file keeps: an image folder of JPEGs decoded by PIL *every
epoch* inside a DataLoader with 2 worker processes (Resize, CenterCrop, ToTensor, Normalize),
fp32, default (contiguous) memory format, ``Adam(lr=2e-4, betas=(0.5, 0.999))``, ``nn.BCELoss``
after a ``Sigmoid``, one G forward per iteration whose output D sees detached for its own step
and attached for G's step, and ``.item()`` reads of D(x) and D(G(z)) every iteration (the
script prints them every step). Only torchvision is replaced: ``ImageFolder`` and the transforms
are written with PIL and numpy below (torchvision is not importable next to this torch).

The textbook's networks are written for 64x64; ``size`` grows or shrinks them by one stride-2
block per factor of two, the same rule ``artgan.models.dcgan`` follows, so the 32 and 128 px
comparisons train the same model in both loops.

    python benchmarks/textbook_dcgan.py --dataroot FOLDER --size 64 --iters 50
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import torch.utils.data
from PIL import Image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


# --- torchvision's ImageFolder and transforms, in PIL/numpy ---------------------------------------

class ImageFolder(torch.utils.data.Dataset):
    """``dset.ImageFolder(root, transform=Compose([Resize, CenterCrop, ToTensor, Normalize]))``."""

    def __init__(self, root: str | Path, image_size: int):
        root = Path(root)
        classes = sorted(p.name for p in root.iterdir() if p.is_dir())
        self.samples = [(path, label) for label, name in enumerate(classes)
                        for path in sorted((root / name).rglob("*")) if path.suffix.lower() in IMAGE_SUFFIXES]
        if not self.samples:
            raise FileNotFoundError(f"no images in class sub-folders of {root}")
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, label = self.samples[index]
        with open(path, "rb") as file:  # torchvision's pil_loader
            image = Image.open(file).convert("RGB")
        return self.transform(image), label

    def transform(self, image: Image.Image) -> torch.Tensor:
        s = self.image_size
        w, h = image.size  # Resize(s): the short side to s, bilinear, as torchvision does
        if w <= h:
            image = image.resize((s, int(s * h / w)), Image.BILINEAR)
        else:
            image = image.resize((int(s * w / h), s), Image.BILINEAR)
        w, h = image.size  # CenterCrop(s)
        left, top = int(round((w - s) / 2.0)), int(round((h - s) / 2.0))
        image = image.crop((left, top, left + s, top + s))
        x = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1).float().div(255)  # ToTensor
        return (x - 0.5) / 0.5  # Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))


# --- the textbook's networks ---------------------------------------------------------------------

def weights_init(m: nn.Module) -> None:
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


def _blocks(size: int) -> int:
    """Hidden stride-2 blocks between the 4x4 map and the image: 3 at 64 px, as in the textbook."""
    return int(math.log2(size)) - 3


class Generator(nn.Module):
    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3, size: int = 64):
        super().__init__()
        mult = 2 ** _blocks(size)
        layers = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mult), nn.ReLU(True)]
        while mult > 1:
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(ngf * mult // 2), nn.ReLU(True)]
            mult //= 2
        layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf: int = 64, nc: int = 3, size: int = 64):
        super().__init__()
        layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        mult = 1
        for _ in range(_blocks(size)):
            layers += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, inplace=True)]
            mult *= 2
        layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


# --- the textbook's loop -------------------------------------------------------------------------

class TextbookDCGAN:
    """The state of ``main.py`` (networks, optimizers, data loader), trained ``iters`` at a time."""

    def __init__(self, dataroot: str | Path, size: int = 64, batch_size: int = 64, workers: int = 2,
                 nz: int = 100, ngf: int = 64, ndf: int = 64, seed: int = 0):
        torch.manual_seed(seed)
        self.device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.nz = nz
        dataset = ImageFolder(dataroot, size)
        self.dataloader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                                      num_workers=workers)
        self.netG = Generator(nz, ngf, 3, size).to(self.device)
        self.netG.apply(weights_init)
        self.netD = Discriminator(ndf, 3, size).to(self.device)
        self.netD.apply(weights_init)
        self.criterion = nn.BCELoss()
        self.optimizerD = optim.Adam(self.netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
        self.optimizerG = optim.Adam(self.netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
        self.batches = iter(())
        self.images_seen = 0

    def next_batch(self):
        """``for epoch ...: for i, data in enumerate(dataloader)``: a new epoch re-spawns the workers."""
        try:
            return next(self.batches)
        except StopIteration:
            self.batches = iter(self.dataloader)
            return next(self.batches)

    def train(self, iters: int) -> dict[str, float]:
        real_label, fake_label = 1, 0
        netD, netG, criterion, device = self.netD, self.netG, self.criterion, self.device
        for _ in range(iters):
            data = self.next_batch()
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad()
            real_cpu = data[0].to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)

            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            # train with fake
            noise = torch.randn(batch_size, self.nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            self.optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            self.optimizerG.step()
            self.images_seen += batch_size
        return {"loss_d": errD.item(), "loss_g": errG.item(), "d_real": D_x, "d_fake": D_G_z1, "d_fake_g": D_G_z2}


def write_jpeg_folder(root: str | Path, count: int, size: int, seed: int = 0) -> Path:
    """``count`` JPEGs of the built-in art styles, one sub-folder per style (ImageFolder's layout)."""
    from artgan.data.builtin_art import STYLES, paint

    for i in range(count):
        style = STYLES[i % len(STYLES)]
        path = Path(root) / style / f"{i:06d}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(paint(style, i // len(STYLES), size, seed)).save(path, quality=90)
    return Path(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataroot", required=True, help="folder with class sub-folders of images")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    model = TextbookDCGAN(args.dataroot, args.size, workers=args.workers)
    model.train(3)  # warm-up: workers started, allocator warm
    start = time.perf_counter()
    stats = model.train(args.iters)
    seconds = time.perf_counter() - start
    print(f"textbook DCGAN {args.size}px: {args.iters * 64 / seconds:.1f} img/s  {stats}")


if __name__ == "__main__":
    main()
