"""
截断的随时间反向传播：对隐藏状态调用 ``detach()``
=================================================

分段读取长序列的循环神经网络，会把隐藏状态从一段带到下一段。如果不用 ``detach()`` 把隐藏状态从计算图中
分离出来，它也会带上上一段的计算图，第二次 ``backward()`` 就会失败。本示例先运行这个错误写法，
再演示保留计算图（``retain_graph=True``）只是把这个报错换成了原地操作的报错，并测量不更新参数时
一直存活的计算图有多大，最后用正确的写法训练。
"""

# %%
# 分段读取的长序列
# ----------------
# 任务：复述上一步的第一个特征。每段 5 步。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

cell = nn.GRUCell(3, 8).to(device)
head = nn.Linear(8, 1).to(device)
parameters = [*cell.parameters(), *head.parameters()]
stream = torch.randn(40, 5, 4, 3, device=device)  # 段、步、批、特征
targets = stream[..., :1].roll(1, dims=1)


def run_chunk(hidden, k):
    loss = 0.0
    for step in range(stream.shape[1]):
        hidden = cell(stream[k, step], hidden)
        loss = loss + ((head(hidden) - targets[k, step]) ** 2).mean()
    return hidden, loss / stream.shape[1]


def graph_size(tensor):
    """从 ``tensor.grad_fn`` 出发可到达的节点数。"""
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


# %%
# 常见错误：隐藏状态保留了历史
# ----------------------------
# 第二段的损失只调用了一次 ``backward()``，它的计算图却一直延伸到第一段，
# 而第一次 ``backward()`` 已经释放了那一段。
import traceback

optimizer = torch.optim.Adam(parameters, lr=0.02)
hidden = torch.zeros(4, 8, device=device)
try:
    for k in range(2):
        hidden, loss = run_chunk(hidden, k)
        print(f"第 {k + 1} 段：从损失出发可到达 {graph_size(loss)} 个节点")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
except RuntimeError:
    traceback.print_exc()

# %%
# 似是而非的修复：``retain_graph=True``
# -------------------------------------
# 在同一个循环里，它只是把一个报错换成了另一个。第二次 ``backward()`` 仍会回到第 1 段，
# 而第 1 段保存的权重已经被 ``optimizer.step()`` 原地修改过了：
hidden = torch.zeros(4, 8, device=device)
try:
    for k in range(2):
        hidden, loss = run_chunk(hidden, k)
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        optimizer.step()
except RuntimeError:
    traceback.print_exc()

# %%
# 如果从不调用 ``optimizer.step()``\ （比如只计算梯度的循环），它能运行，但什么都没有被释放：
# 计算图每次迭代增长一段，每次反向传播都回到第 1 段。
hidden = torch.zeros(4, 8, device=device)
reached_first_chunk = 0
for k in range(12):
    hidden, loss = run_chunk(hidden, k)
    if k == 0:
        def count(grad):
            global reached_first_chunk
            reached_first_chunk += 1
        hidden.register_hook(count)
    loss.backward(retain_graph=True)
    if k % 4 == 3:
        print(f"第 {k + 1:2d} 段：保留着 {graph_size(loss):5d} 个节点，"
              f"已有 {reached_first_chunk} 次反向传播到达第 1 段")

# %%
# 解决办法：在段的边界 ``detach()``
# ---------------------------------
# 隐藏状态保留数值，计算图重新开始。40 段下来损失降低了：最后 10 段的平均损失低于最初 10 段（见 ``assert``）。
torch.manual_seed(0)
cell.reset_parameters()
head.reset_parameters()
optimizer = torch.optim.Adam(parameters, lr=0.02)

hidden = torch.zeros(4, 8, device=device)
losses = []
for k in range(40):
    hidden, loss = run_chunk(hidden.detach(), k)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if k % 10 == 9:
        print(f"第 {k + 1:2d} 段：损失 {loss.item():.4f}，{graph_size(loss)} 个节点")
assert sum(losses[-10:]) < sum(losses[:10])

# %%
# 小结
# ----
# 凡是存活时间超过一个批次的状态都要分离：隐藏状态、滑动平均、记忆库。
# 像这里这样的循环网络，旧计算图保存了循环层的权重，所以优化器一更新参数，
# ``retain_graph=True`` 就会把报错换成原地操作的报错。如果旧计算图没有保存任何会被更新的张量
# （比如对第一层特征求滑动平均，见\ :ref:`似是而非的修复 <wrong-fixes>`\ 一页），``retain_graph=True`` 就能不报错地运行。
# 但无论哪种情况，它都会留住每个批次的计算图。
# :ref:`跨批次携带的状态 <carried-state>`\ 一页测量了这样做的代价，并讲解了滑动平均的情形。
