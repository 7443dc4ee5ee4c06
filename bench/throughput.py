"""Training throughput of gan_core's loop against a plain reference loop (make bench).

The reference is written the way pytorch/examples' DCGAN trains: D on a real batch and
on a fake batch, then G against D on the *same* fake batch (one G forward per step),
Adam without the fused kernel, and a host read of five numbers every step. gan_core's
loop is Algorithm 1: a fresh noise batch for G's step (two G forwards per step), fused
Adam, the layout and precision ``dcgan.fast_settings`` picks for the device; each of
those settings, and torch.compile, is also timed flipped, and so is the loop with the
reference's own scheme (``updates="same_noise"``: one G forward per step). Both train
the same nets from the same weights, in this process, alternating, so a drift in the
machine's speed hits both. Printed per model: images/s of each, their ratio, and the
achieved FLOP/s against the device's measured float32 matmul peak.

    python bench/throughput.py                # both models, on the GPU if there is one
    python bench/throughput.py --rounds 3 --steps 5 --flip channels_last
"""

import argparse
import copy
import functools
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from gan_core.config import get_device, seed_everything
from gan_core.models import dcgan
from gan_core.training import TrainConfig, train

MODELS = {  # name: (side, channels, width, batch)
    "DCGAN-64": (
        64,
        3,
        64,
        64,
    ),  # the paper's 64 x 64 RGB net at pytorch/examples' width
    "DCGAN-28": (28, 1, 32, 128),  # chapter 04's Fashion-MNIST net
}


class RandomImages:
    """A data set of random images already on the device: the loops are timed, not IO."""

    def __init__(self, n: int, shape: tuple, device: torch.device):
        self.pixels = torch.rand(n, *shape, device=device) * 2 - 1

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        index = torch.randint(len(self.pixels), (n,), generator=generator)
        return self.pixels[index.to(self.pixels.device)]


def nets(side: int, channels: int, width: int, device: torch.device):
    seed_everything(0)
    generator = dcgan.DCGANGenerator(
        z_dim=100, size=side, channels=channels, width=width
    )
    discriminator = dcgan.DCGANDiscriminator(size=side, channels=channels, width=width)
    return generator.to(device), discriminator.to(device)


def reference_steps(generator, discriminator, data, batch: int, steps: int) -> None:
    """pytorch/examples' DCGAN step, with D's logits and BCEWithLogitsLoss in place of
    its sigmoid output and BCELoss (the same loss, computed stably)."""
    device = next(generator.parameters()).device
    criterion = torch.nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real_label, fake_label = (
        torch.ones(batch, device=device),
        torch.zeros(batch, device=device),
    )
    for _ in range(steps):
        discriminator.zero_grad()
        real = data.sample(batch)
        output = discriminator(real)
        err_real = criterion(output, real_label)
        err_real.backward()
        d_x = output.mean().item()
        fake = generator(torch.rand(batch, 100, device=device) * 2 - 1)
        output = discriminator(fake.detach())
        err_fake = criterion(output, fake_label)
        err_fake.backward()
        d_g_z1 = output.mean().item()
        opt_d.step()
        generator.zero_grad()
        output = discriminator(fake)
        err_g = criterion(output, real_label)
        err_g.backward()
        d_g_z2 = output.mean().item()
        opt_g.step()
        _ = (err_real + err_fake).item(), err_g.item(), d_x, d_g_z1, d_g_z2  # its print


def gan_core_steps(generator, discriminator, data, batch: int, steps: int, speed: dict):
    config = TrainConfig(steps=steps, batch_size=batch, progress=False, **speed)
    train(generator, discriminator, data, config)


def flops_per_step(step, generator, discriminator, data, batch: int) -> int:
    with FlopCounterMode(display=False) as counter:
        step(generator, discriminator, data, batch, 1)
    return counter.get_total_flops()


def matmul_peak(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    """float32 FLOP/s of an n x n matmul, the best of a few timings."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = float("inf")
    for _ in range(3):
        sync(device)
        started = time.perf_counter()
        for _ in range(repeats):
            a @ b
        sync(device)
        best = min(best, time.perf_counter() - started)
    return 2 * n**3 * repeats / best


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(step, generator, discriminator, data, batch: int, steps: int) -> float:
    """images/s of ``steps`` steps, after one warm-up step."""
    device = next(generator.parameters()).device
    step(generator, discriminator, data, batch, 1)
    sync(device)
    started = time.perf_counter()
    step(generator, discriminator, data, batch, steps)
    sync(device)
    return batch * steps / (time.perf_counter() - started)


FLAGS = ("channels_last", "compile", "bf16")  # bf16 is timed on CUDA only


def bench(
    name: str, device: torch.device, rounds: int, steps: int, flags=FLAGS
) -> list:
    """(model, loop, images/s, FLOP/s, settings) for both loops, the median of rounds."""
    side, channels, width, batch = MODELS[name]
    speed = dcgan.fast_settings(device)
    # the settings fast_settings picks, and each flag flipped (the measurement behind
    # it); and the reference's own update scheme, one G forward per step (like for like)
    variants = {
        "gan_core": speed,
        "updates=same_noise": {**speed, "updates": "same_noise"},
    }
    for flag in [f for f in flags if f != "bf16" or device.type == "cuda"]:
        flipped = not speed.get(flag, False)  # fast_settings leaves compile off
        variants[f"{flag}={flipped}"] = {**speed, flag: flipped}
    loops = {"reference": reference_steps} | {
        name: functools.partial(gan_core_steps, speed=flags)
        for name, flags in variants.items()
    }
    data = RandomImages(4 * batch, (channels, side, side), device)
    start = nets(side, channels, width, device)
    measured = {loop: [] for loop in loops}
    for _ in range(rounds):
        for loop, step in loops.items():  # alternating: a slow moment hits both
            copies = [copy.deepcopy(net) for net in start]
            measured[loop].append(timed(step, *copies, data, batch, steps))
    rows = []
    for loop, step in loops.items():
        flops = flops_per_step(step, *(copy.deepcopy(n) for n in start), data, batch)
        images = statistics.median(measured[loop])
        rows.append(
            (name, loop, images, flops * images / batch, variants.get(loop, {}))
        )
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models", nargs="+", choices=sorted(MODELS), default=list(MODELS)
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternations (the median is kept)"
    )
    parser.add_argument("--steps", type=int, default=20, help="steps timed per round")
    parser.add_argument(
        "--flip",
        nargs="*",
        choices=FLAGS,
        default=list(FLAGS),
        help="settings also timed flipped (compile adds a minute of compiling)",
    )
    args = parser.parse_args(argv)
    device = get_device("gpu")
    peak = matmul_peak(device)
    threads = torch.get_num_threads()
    print(
        f"device: {device} ({threads} CPU threads), torch {torch.__version__}; "
        f"float32 matmul peak {peak / 1e9:,.1f} GFLOP/s"
    )
    print(
        f"{'model':<9} {'loop':<19} {'images/s':>9} {'ratio':>6} {'GFLOP/s':>8} "
        f"{'% peak':>7}  settings"
    )
    best = 0.0
    for name in args.models:
        rows = bench(name, device, args.rounds, args.steps, args.flip)
        best = max(best, *(row[3] for row in rows))
        reference = rows[0][2]
        for model, loop, images, flops, speed in rows:
            print(
                f"{model:<9} {loop:<19} {images:>9.1f} {images / reference:>6.2f} "
                f"{flops / 1e9:>8.1f} {100 * flops / peak:>6.1f}%  {speed or ''}"
            )
    if best > peak:
        print("over 100%: on this device convolutions run faster than a float32 matmul")


if __name__ == "__main__":
    main()
