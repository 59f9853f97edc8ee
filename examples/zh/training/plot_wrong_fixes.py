"""
似是而非的修复：压下报错对训练循环做了什么
==========================================

有几种流行的回答能让自动求导（autograd）的报错消失：在 ``no_grad()`` 代码块之后，
或者用 ``loss.item()`` 重新构造损失之后（在 NumPy 里计算损失，归根结底就是这样），设置
``loss.requires_grad = True``；以及给每次 ``backward()`` 都传入 ``retain_graph=True`` 来保留计算图。
本示例分别用这些写法和正确的训练循环训练同一个小模型，量出每种写法破坏了什么。
"""

# %%
# 模型、数据和报错
# ----------------
# 一个线性回归，前向传播放在 ``torch.no_grad()`` 里，就像是从评估用的辅助函数里照搬过来的。
# ``backward()`` 找不到计算图。
import traceback

import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

inputs = torch.randn(64, 3, device=device)
targets = inputs @ torch.tensor([[1.0], [-2.0], [0.5]], device=device)
model = nn.Linear(3, 1).to(device)

with torch.no_grad():
    loss = nn.functional.mse_loss(model(inputs), targets)
try:
    loss.backward()
except RuntimeError:
    traceback.print_exc()


# %%
# 一个训练函数，三种计算损失的方式
# --------------------------------
# 每次训练都从相同的权重出发，训练 20 步。
def train(compute_loss, steps=20):
    torch.manual_seed(0)
    model = nn.Linear(3, 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = compute_loss(model)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    missing = [name for name, p in model.named_parameters() if p.grad is None]
    return losses[0], losses[-1], missing


def correct(model):
    return nn.functional.mse_loss(model(inputs), targets)


def requires_grad_fix(model):
    with torch.no_grad():
        loss = nn.functional.mse_loss(model(inputs), targets)
    loss.requires_grad = True
    return loss


def item_fix(model):
    loss = nn.functional.mse_loss(model(inputs), targets).item()
    return torch.tensor(loss, device=device, requires_grad=True)


# %%
# 20 步之后的损失
# ---------------
# 两种“修复”的起始损失和正确的训练循环相同，之后就再没变过：参数拿不到梯度，
# ``step()`` 没有东西可以更新。由 ``loss.item()`` 重新构造的张量是一个没有历史的新叶子张量，
# 和 ``no_grad()`` 下算出的损失一样。
results = {name: train(fn) for name, fn in
           [("正确", correct), ("requires_grad 修复", requires_grad_fix), ("item 修复", item_fix)]}
for name, (first, last, missing) in results.items():
    print(f"{name:>16}：损失 {first:.4f} -> {last:.4f}，没有梯度的参数：{missing}")

for name in ("requires_grad 修复", "item 修复"):
    first, last, missing = results[name]
    assert first == last and missing == ["weight", "bias"]

# %%
# 对跨批次携带的张量使用 ``retain_graph=True``
# ------------------------------------------------
# 特征的滑动平均把每个批次的计算图带进下一步。加上 ``retain_graph=True`` 后脚本能运行，
# 但计算图留住了所有旧批次：损失背后的节点数一步比一步多。改用 ``detach()`` 分离，节点数就保持不变。


def graph_nodes(tensor):
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def train_with_center(detach_center, steps=50):
    torch.manual_seed(0)
    model = nn.Linear(64, 8).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    center = torch.zeros(8, device=device)
    sizes = []
    for step in range(steps):
        if detach_center:
            center = center.detach()
        features = model(torch.randn(32, 64, device=device))
        center = 0.9 * center + 0.1 * features.mean(0)
        loss = ((features - center) ** 2).mean()
        optimizer.zero_grad()
        loss.backward(retain_graph=not detach_center)
        optimizer.step()
        sizes.append(graph_nodes(loss))
    return sizes


retained = train_with_center(detach_center=False)
detached = train_with_center(detach_center=True)
assert retained[-1] > retained[0] and set(detached) == {detached[0]}
for step in (1, 10, 25, 50):
    print(f"第 {step:2} 步：retain_graph {retained[step - 1]:3} 个节点，detach {detached[step - 1]:2} 个节点")

# %%
# 小结
# ----
# 一行代码就能压下去的报错，往往是计算图断了，或者本该分离的状态没有分离的症状。
# 要治本：去掉弄断计算图的东西，在损失里用 torch 运算，对跨批次携带的张量调用 ``detach()``。
# :ref:`似是而非的修复 <wrong-fixes>`\ 一页现场演示了每个报错，还包括返回错误梯度的 ``.data``
# 写法；:ref:`自动求导报错索引 <errors>`\ 为这里的每条报错信息都收录了一个条目。
