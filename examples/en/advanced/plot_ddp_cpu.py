"""
Distributed training: averaged gradients, ``no_sync()`` and unused parameters
=============================================================================

``DistributedDataParallel`` (DDP) runs one copy of a model per process and averages
their gradients during ``backward()``. This script starts two processes on one CPU with
the gloo backend, checks the averaging, counts the allreduce calls that ``no_sync()``
saves during gradient accumulation, then triggers the error of a parameter that
``forward`` never uses, and fixes it. It starts its processes with ``fork``, which Windows
does not have; it is tested on Linux, as this site's build runs it.
"""

# %%
# Starting two processes
# ----------------------
# ``fork`` copies this process, so the workers below need no importable file. The
# processes meet on a free port of 127.0.0.1; timeouts and a ``finally`` bound and clean
# up everything. The children print nothing: they send their results to the parent.
import datetime
import socket
import time

import torch
import torch._dynamo  # DDP imports it when first built: once here instead of in each child
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

WORLD_SIZE = 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child(rank, port, results, worker, args):
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=WORLD_SIZE,
        timeout=datetime.timedelta(seconds=60),
    )
    try:
        results.put((rank, worker(rank, *args)))
    finally:
        dist.destroy_process_group()


def launch(worker, *args, timeout=90):
    results = mp.get_context("fork").SimpleQueue()
    context = mp.start_processes(
        child,
        args=(free_port(), results, worker, args),
        nprocs=WORLD_SIZE,
        join=False,
        start_method="fork",
    )
    deadline = time.monotonic() + timeout
    try:
        while not context.join(timeout=1):  # raises if a child failed
            if time.monotonic() > deadline:
                raise TimeoutError(f"{worker.__name__} ran longer than {timeout} s")
    except (TimeoutError, KeyboardInterrupt):
        for process in context.processes:
            process.kill()
        raise
    return [value for _, value in sorted(results.get() for _ in range(WORLD_SIZE))]


# %%
# Gradients averaged across the processes
# ---------------------------------------
# Same model in both processes, different data (seeded by the rank). A plain copy of the
# model gives each process's own gradient; DDP gives their mean, in both.
import copy


def average(rank):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    alone = copy.deepcopy(model)
    inputs = torch.randn(4, 3, generator=torch.Generator().manual_seed(rank))
    (alone(inputs) ** 2).mean().backward()
    ddp = DDP(model)
    (ddp(inputs) ** 2).mean().backward()
    return alone.weight.grad.tolist(), model.weight.grad.tolist()


alone, synced = (torch.tensor(grads) for grads in zip(*launch(average)))
print(f"own data only:\n{alone}")
print(f"with DDP:\n{synced}")
torch.testing.assert_close(synced[0], synced[1])
torch.testing.assert_close(synced[0], alone.mean(dim=0))

# %%
# Gradient accumulation with ``no_sync()``
# ----------------------------------------
# Four micro-batches per step. A communication hook counts the allreduce calls; inside
# ``no_sync()`` DDP sends nothing and lets ``.grad`` add up locally.
import contextlib

from torch.distributed.algorithms.ddp_comm_hooks import default_hooks


def counting_allreduce(sent, bucket):
    sent.append(bucket.buffer().numel())
    return default_hooks.allreduce_hook(None, bucket)


def accumulate(rank, skip_sync):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    ddp = DDP(model)
    sent = []
    ddp.register_comm_hook(sent, counting_allreduce)
    micro_batches = torch.randn(4, 2, 3, generator=torch.Generator().manual_seed(rank))
    for i, inputs in enumerate(micro_batches):
        last = i == len(micro_batches) - 1
        with ddp.no_sync() if skip_sync and not last else contextlib.nullcontext():
            ((ddp(inputs) ** 2).mean() / len(micro_batches)).backward()
    return sent, model.weight.grad.tolist()


every = launch(accumulate, False)
once = launch(accumulate, True)
print(f"allreduce calls (values each), every micro-batch: {every[0][0]}")
print(f"allreduce calls (values each), with no_sync():    {once[0][0]}")
for (_, grad_every), (_, grad_once) in zip(every, once):
    torch.testing.assert_close(torch.tensor(grad_once), torch.tensor(grad_every))
print("same accumulated gradients: yes")

# %%
# The mistake: a parameter that ``forward`` never uses
# ----------------------------------------------------
# The second head gets no gradient, so its bucket never fills. The first iteration
# passes; the second forward pass raises. The error comes back from a child process.
import traceback


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(3, 1)
        self.unused = nn.Linear(3, 1)

    def forward(self, x):
        return self.used(x)


def train_two_heads(rank, iterations, find_unused_parameters=False):
    torch.manual_seed(0)
    net = TwoHeads()
    ddp = DDP(net, find_unused_parameters=find_unused_parameters)
    inputs = torch.randn(4, 3, generator=torch.Generator().manual_seed(rank))
    for _ in range(iterations):
        ddp(inputs).sum().backward()
    return net.used.weight.grad.tolist(), net.unused.weight.grad


try:
    launch(train_two_heads, 2)
except mp.ProcessRaisedException:
    traceback.print_exc()

# %%
# The silent mistake: the first iteration
# ---------------------------------------
# After one iteration there is no error, but the gradients of ``used`` were never
# averaged: the two processes hold different ones.
first = launch(train_two_heads, 1)
for rank, (used, unused) in enumerate(first):
    print(f"rank {rank}: used.weight.grad {torch.tensor(used)}")

# %%
# Fix: ``find_unused_parameters=True``
# ------------------------------------
# DDP walks the graph from the outputs after every forward pass and marks what it does
# not reach as ready. Each iteration averages the gradients again; ``unused`` has none.
# Nothing zeroes ``.grad`` between the two iterations, so they add up: twice the average
# of the two gradients the first iteration left unaveraged (the asserts check it).
results = launch(train_two_heads, 2, True)
for rank, (used, unused) in enumerate(results):
    print(f"rank {rank}: used.weight.grad {torch.tensor(used)}  unused.weight.grad {unused}")
mean = (torch.tensor(first[0][0]) + torch.tensor(first[1][0])) / 2  # of the two processes' own gradients
for used, unused in results:
    torch.testing.assert_close(torch.tensor(used), 2 * mean)  # two iterations, no zero_grad()

# %%
# Conclusion
# ----------
# DDP averages gradients through hooks that fire as parameters become ready; ``no_sync()``
# defers that to the last micro-batch, and every parameter must be used or declared
# unused. The page on :ref:`distributed training <distributed>` explains the cost of that flag and the
# "ready only once" error of reentrant checkpointing.
