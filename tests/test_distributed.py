"""Training on several processes (gan_core.training.distributed, gan_core.run): two CPU
ranks with the gloo backend, as the README's torchrun command starts them."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gan_core import run
from gan_core.models import mlp
from gan_core.training import (
    TrainConfig,
    distributed,
    load_checkpoint,
    losses,
    make_optimizer,
    read_checkpoint,
)
from gan_core.training.loop import discriminator_step, generator_step
from gan_core.training.state import check_config

B = 8  # batch per rank
ROOT = Path(__file__).resolve().parent.parent
TORCHRUN = Path(sys.executable).parent / "torchrun"


def nets():
    """A G and a D without batch norm, the same on every rank."""
    torch.manual_seed(0)
    return (
        mlp.MLPGenerator(z_dim=3, out_dim=2, width=16, depth=2),
        mlp.MLPDiscriminator(in_dim=2, width=16, depth=2),
    )


def batches():
    g = torch.Generator().manual_seed(1)
    return [torch.randn(2 * B, d, generator=g) for d in (2, 3, 3)]  # real, z for D, z for G


def one_step(generator, discriminator, real, z_d, z_g):
    """Algorithm 1's D step then G step, with Adam as the book trains image models."""
    loss = losses.get("non_saturating")
    config = TrainConfig()
    opt_d = make_optimizer(discriminator.parameters(), "adam", 2e-4, config)
    opt_g = make_optimizer(generator.parameters(), "adam", 2e-4, config)
    with torch.no_grad():
        fake = generator(z_d)
    discriminator_step(discriminator, opt_d, loss.d_loss, real, fake)
    generator_step(generator, discriminator, opt_g, loss.g_loss, z_g)


def weights(*nets):
    return [t.detach().clone() for net in nets for t in net.state_dict().values()]


def rank_worker(rank, world, folder):
    store = f"file://{folder / 'store'}"
    dist.init_process_group("gloo", init_method=store, rank=rank, world_size=world)
    try:
        generator, discriminator = (distributed.wrap(n, torch.device("cpu")) for n in nets())
        half = slice(rank * B, (rank + 1) * B)
        one_step(generator, discriminator, *(batch[half] for batch in batches()))
        began = losses.get("began", gamma=0.5, lambda_k=0.1)
        began.after_step(torch.full((4,), rank + 1.0), torch.tensor(0.0))  # L(x): 1 or 2
        try:
            check_config(TrainConfig(updates="simultaneous"))
            refused = None
        except ValueError as error:
            refused = str(error)
        found = (weights(distributed.plain(generator), distributed.plain(discriminator)),
                 began.k, refused, distributed.gathered(rank * 10))
        torch.save(found, folder / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    mp.start_processes(rank_worker, args=(2, folder), nprocs=2, start_method="spawn")
    return {rank: torch.load(folder / f"rank{rank}.pt") for rank in (0, 1)}


def test_one_ddp_step_with_batch_b_per_rank_equals_one_step_with_batch_2b(two_ranks):
    generator, discriminator = nets()
    one_step(generator, discriminator, *batches())
    single = weights(generator, discriminator)
    for rank in (0, 1):
        ddp = two_ranks[rank][0]
        assert len(ddp) == len(single)
        for a, b in zip(ddp, single):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    alone = nets()  # one rank's half alone moves the weights elsewhere: the test can tell
    one_step(*alone, *(batch[:B] for batch in batches()))
    assert max((a - b).abs().max() for a, b in zip(weights(*alone), single)) > 1e-5


def test_began_k_is_updated_from_the_mean_over_ranks(two_ranks):
    # k = clip(0 + 0.1 * (0.5 * mean L(x) - 0), 0, 1), mean L(x) = (1 + 2) / 2 on both ranks
    assert two_ranks[0][1] == two_ranks[1][1] == pytest.approx(0.1 * 0.5 * 1.5)


def test_simultaneous_updates_are_refused_under_ddp_and_objects_gather_in_rank_order(two_ranks):
    for rank in (0, 1):
        assert "DistributedDataParallel does not average" in two_ranks[rank][2]
        assert two_ranks[rank][3] == [0, 10]


def test_in_one_process_the_helpers_change_nothing():
    net = torch.nn.Linear(2, 1)
    values = torch.tensor([1.0, 2.0])
    assert (distributed.rank(), distributed.world_size(), distributed.rank_seed(7)) == (0, 1, 7)
    assert distributed.plain(net) is net and distributed.wrap(net, torch.device("cpu")) is net
    assert distributed.mean_across_ranks(values) is values and distributed.gathered(3) == [3]


def torchrun(*arguments, cwd):
    command = [str(TORCHRUN), "--standalone", "--nproc_per_node=2", "-m", "gan_core.run",
               "--model", "dcgan", "--size", "32", "--batch-size", "4", *arguments]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_two_ranks_train_resume_and_the_checkpoint_loads_in_one_process(tmp_path):
    checkpoint = tmp_path / "dcgan.pt"
    first = torchrun("--steps", "3", "--checkpoint", str(checkpoint), cwd=tmp_path)
    assert "2 process(es) on cpu: step 3" in first
    again = torchrun("--steps", "5", "--checkpoint", str(checkpoint), "--resume", cwd=tmp_path)
    assert "step 5" in again
    state = read_checkpoint(checkpoint)
    assert state["step"] == 5 and len(state["history"]["step"]) == 5
    first_rank, second_rank = state["rank_rngs"]
    assert not torch.equal(first_rank[0], second_rank[0])  # each rank draws its own batches
    generator, discriminator = run.MODELS["dcgan"].nets(32, 1)
    config = TrainConfig(steps=5, batch_size=4, lr_d=2e-4, lr_g=2e-4)
    opt_g = make_optimizer(generator.parameters(), "adam", 2e-4, config)
    opt_d = make_optimizer(discriminator.parameters(), "adam", 2e-4, config)
    rng = torch.Generator()
    step, history = load_checkpoint(checkpoint, generator, discriminator, opt_g, opt_d, rng)
    assert step == 5 and len(history) == 5
    assert torch.equal(rng.get_state(), first_rank[0])  # one process continues as rank 0


def test_run_refuses_bad_arguments_with_the_valid_choices(capsys):
    with pytest.raises(SystemExit):
        run.parse(["--model", "wgan"])
    # the quotes around the choices vary with the Python version
    assert re.search(r"invalid choice: 'wgan' \(choose from '?began'?, '?dcgan'?\)", capsys.readouterr().err)
    with pytest.raises(SystemExit):
        run.parse(["--model", "dcgan", "--resume"])
    assert "--resume needs --checkpoint" in capsys.readouterr().err
