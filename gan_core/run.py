"""Train an image model from the command line, in one process or on several with
torchrun (README, "Training on several GPUs"):

    python -m gan_core.run --model dcgan --size 32 --steps 2000 --checkpoint dcgan.pt
    torchrun --standalone --nproc_per_node=4 -m gan_core.run --model began --size 64 \\
        --steps 100000 --checkpoint began.pt

Under torchrun both nets are wrapped in DistributedDataParallel, each process draws its
own batch of ``--batch-size`` images and noise (so a step sees nproc x batch-size of
each), rank 0 writes the checkpoint, and ``--resume`` continues from it. The checkpoint
loads in one process too (``training.load_checkpoint``).
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable

from gan_core.config import get_device, seed_everything
from gan_core.data import images
from gan_core.models import began, dcgan
from gan_core.training import TrainConfig, distributed, losses, train


@dataclass(frozen=True)
class Recipe:
    """How the chapters train a model: its nets, loss and learning rate."""

    nets: Callable[[int, int], tuple]  # (size, channels) -> (G, D)
    loss: Callable[[argparse.Namespace], losses.Loss]
    lr: float


MODELS = {
    "dcgan": Recipe(
        lambda size, channels: (
            dcgan.DCGANGenerator(z_dim=100, size=size, channels=channels, width=64),
            dcgan.DCGANDiscriminator(size=size, channels=channels, width=64),
        ),
        lambda args: losses.get("non_saturating"),
        2e-4,
    ),
    "began": Recipe(
        lambda size, channels: (
            began.BEGANGenerator(z_dim=64, size=size, channels=channels, n=64),
            began.BEGANDiscriminator(h=64, size=size, channels=channels, n=64),
        ),
        lambda args: losses.get("began", gamma=args.gamma),
        1e-4,
    ),
}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gan_core.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument(
        "--data", choices=sorted(images.LOADERS), default="fashion-mnist"
    )
    parser.add_argument("--size", type=int, choices=(32, 64), default=32)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64, help="per process")
    parser.add_argument("--lr", type=float, help="both nets; default: the model's")
    parser.add_argument(
        "--gamma", type=float, default=0.5, help="BEGAN's diversity ratio"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", help="file for the whole training state")
    parser.add_argument("--checkpoint-every", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--download", action="store_true", help="fetch missing data")
    args = parser.parse_args(argv)
    if args.resume and not args.checkpoint:
        parser.error("--resume needs --checkpoint, the file to resume from")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    device = distributed.start() if "RANK" in os.environ else get_device()
    recipe = MODELS[args.model]
    data = images.load(args.data, size=args.size, download=args.download).train
    seed_everything(args.seed)  # the same initial weights on every rank
    generator, discriminator = recipe.nets(args.size, data.image_shape[0])
    generator, discriminator = (
        distributed.wrap(n, device) for n in (generator, discriminator)
    )
    lr = args.lr or recipe.lr
    config = TrainConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        loss=recipe.loss(args),
        lr_d=lr,
        lr_g=lr,
        seed=args.seed,
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        progress=distributed.rank() == 0,
    )
    ran, started = [], time.perf_counter()
    history = train(generator, discriminator, data, config, (ran.append,))
    seconds = time.perf_counter() - started
    if distributed.rank() == 0 and ran:
        processes = distributed.world_size()
        print(
            f"{args.model} on {args.data} at {args.size} px, {processes} "
            f"process(es) on {device.type}: step {history.step[-1]}, D loss "
            f"{history.d_loss[-1]:.4f}, G loss {history.g_loss[-1]:.4f}; "
            f"{len(ran) * args.batch_size * processes / seconds:.0f} images/s"
        )
    distributed.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
