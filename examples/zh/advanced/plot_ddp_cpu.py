"""
分布式训练：梯度取平均、``no_sync()`` 与未使用的参数
====================================================

分布式数据并行（``DistributedDataParallel``，DDP）在每个进程里运行模型的一份副本，并在
``backward()`` 期间对各副本的梯度取平均。本脚本在一台 CPU 上用 gloo 后端启动两个进程，
检查梯度是否取了平均，统计梯度累积时 ``no_sync()`` 省下的 allreduce 次数，然后触发
``forward`` 未使用某个参数时的报错，并修正它。脚本用 ``fork`` 启动进程，所以需要支持
``fork`` 的系统（Windows 不支持）；本脚本在 Linux 上测试过，本站构建时也在 Linux 上运行。
"""

# %%
# 启动两个进程
# ------------
# ``fork`` 复制当前进程，所以下面的工作函数不需要能被导入的文件。进程在 127.0.0.1
# 的一个空闲端口会合；超时和 ``finally`` 保证一切有时限、有清理。子进程不打印，只把结果交给父进程。
import datetime
import socket
import time

import torch
import torch._dynamo  # DDP 首次构建时会导入它：在这里导入一次，省得每个子进程各导入一次
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
        while not context.join(timeout=1):  # 有子进程出错时抛出异常
            if time.monotonic() > deadline:
                raise TimeoutError(f"{worker.__name__} 运行超过了 {timeout} 秒")
    except (TimeoutError, KeyboardInterrupt):
        for process in context.processes:
            process.kill()
        raise
    return [value for _, value in sorted(results.get() for _ in range(WORLD_SIZE))]


# %%
# 梯度在进程之间取平均
# --------------------
# 两个进程的模型相同，数据不同（以 rank 作种子）。模型的普通副本给出每个进程自己的梯度；
# DDP 在两个进程中都给出它们的平均值。
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
print(f"只用自己的数据：\n{alone}")
print(f"使用 DDP：\n{synced}")
torch.testing.assert_close(synced[0], synced[1])
torch.testing.assert_close(synced[0], alone.mean(dim=0))

# %%
# 用 ``no_sync()`` 做梯度累积
# ----------------------------
# 每个训练步四个微批次。一个通信钩子（communication hook）统计 allreduce 的调用次数；在 ``no_sync()`` 之内，DDP
# 不发送任何数据，让 ``.grad`` 在本地累加。
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
print(f"每个微批次都同步，各次 allreduce 发送的数值个数：{every[0][0]}")
print(f"只在最后一个同步，各次 allreduce 发送的数值个数：{once[0][0]}")
for (_, grad_every), (_, grad_once) in zip(every, once):
    torch.testing.assert_close(torch.tensor(grad_once), torch.tensor(grad_every))
print("累积的梯度相同：是")

# %%
# 常见错误：``forward`` 从未用到的参数
# ------------------------------------
# 第二个头得不到梯度，它所在的桶永远装不满。第一次迭代顺利通过，第二次前向传播时报错。
# 报错从子进程传回父进程。
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
# 静默错误：第一次迭代
# ----------------------
# 一次迭代之后没有报错，但 ``used`` 的梯度从未取平均：两个进程持有的梯度不同。
first = launch(train_two_heads, 1)
for rank, (used, unused) in enumerate(first):
    print(f"rank {rank}: used.weight.grad {torch.tensor(used)}")

# %%
# 修正：``find_unused_parameters=True``
# -------------------------------------
# 每次前向传播之后，DDP 从输出出发遍历计算图，把遍历不到的参数标记为就绪。每次迭代都重新对梯度取平均；
# ``unused`` 没有梯度。两次迭代之间没有清零 ``.grad``，梯度会累加。上面第一次迭代时，两个进程的梯度各不相同、
# 没有取平均；这里打印出的梯度正好是它们平均值的两倍（``assert_close`` 检查了这一点）。
results = launch(train_two_heads, 2, True)
for rank, (used, unused) in enumerate(results):
    print(f"rank {rank}: used.weight.grad {torch.tensor(used)}  unused.weight.grad {unused}")
mean = (torch.tensor(first[0][0]) + torch.tensor(first[1][0])) / 2  # 两个进程各自的梯度
for used, unused in results:
    torch.testing.assert_close(torch.tensor(used), 2 * mean)  # 两次迭代，中间没有 zero_grad()

# %%
# 小结
# ----
# DDP 通过参数就绪时触发的钩子对梯度取平均；``no_sync()`` 把这一步推迟到最后一个微批次；
# 每个参数要么被用到，要么被声明为未使用。:ref:`分布式训练 <distributed>`\ 一页说明了这个选项的代价，
# 以及可重入激活检查点引起的“ready only once”报错。
