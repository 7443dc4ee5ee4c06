"""Training on several processes started by torchrun, with DistributedDataParallel.

Every helper here is the identity in a single process, so the loop calls them always:
a run that was never distributed is unchanged, bit for bit. Under torchrun each
process (rank) draws its own data and noise, gradients are averaged across ranks by
DDP, rank 0 alone writes checkpoints, and a loss's state (BEGAN's k_t) is updated from
the means over all ranks so that every rank keeps the same one.
"""

import inspect
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

RANK_SEED_STRIDE = (
    1_000_003  # rank r draws with seed + r * stride: no overlap in practice
)


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def rank_seed(seed: int) -> int:
    """The seed of this rank's data and noise draws; ``seed`` itself on rank 0."""
    return seed + rank() * RANK_SEED_STRIDE


def plain(net: nn.Module) -> nn.Module:
    """The net inside a DDP wrapper (whose state dict has no ``module.`` prefix)."""
    return net.module if isinstance(net, DistributedDataParallel) else net


def mean_across_ranks(values: torch.Tensor) -> torch.Tensor:
    """The mean of ``values`` over all ranks (a copy); ``values`` in one process."""
    if not active():
        return values
    total = values.detach().clone()
    dist.all_reduce(total)
    return total / world_size()


def gathered(value) -> list:
    """Every rank's ``value``, in rank order (a collective: all ranks must call it)."""
    if not active():
        return [value]
    values = [None] * world_size()
    dist.all_gather_object(values, value)
    return values


def barrier() -> None:
    if active():
        dist.barrier()


def start() -> torch.device:
    """Join the process group torchrun describes (its RANK, WORLD_SIZE, MASTER_ADDR,
    ... variables): NCCL on GPUs, gloo on CPUs. Returns this rank's device."""
    missing = [v for v in ("RANK", "WORLD_SIZE", "LOCAL_RANK") if v not in os.environ]
    if missing:
        raise RuntimeError(
            f"not started by torchrun ({', '.join(missing)} unset); run e.g. "
            "torchrun --standalone --nproc_per_node=2 -m gan_core.run ..."
        )
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return device


def wrap(net: nn.Module, device: torch.device) -> nn.Module:
    """``net`` on ``device`` inside DDP. Batch norm: synchronised across GPUs
    (SyncBatchNorm); on CPUs each rank keeps its own batch statistics. Buffers are not
    broadcast from rank 0 before every forward pass (``broadcast_buffers=False``): that
    would overwrite each rank's running statistics and break D's two forward passes
    (real, then fake) before one backward pass."""
    if not active():
        return net.to(device)
    if device.type == "cuda":
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    net = net.to(device)
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(net, device_ids=ids, **_rank_local_buffers())


def _rank_local_buffers() -> dict:
    """The DDP option that stops buffer broadcasts before each forward pass; its name
    changed in torch 2.13."""
    if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters:
        return {"forward_sync_buffers": False}
    return {"broadcast_buffers": False}


def stop() -> None:
    if active():
        dist.destroy_process_group()
