"""
训练循环逐步拆解：梯度清零、前向传播、反向传播、参数更新
========================================================

PyTorch 的每个训练步都由同样的四个阶段组成。本示例在一个很小的线性模型上逐个执行它们，
并在每个阶段之后打印参数、参数的 ``.grad`` 和版本计数器 ``_version``。可以看到：
``backward()`` 只填充 ``.grad``，而 ``optimizer.step()`` 原地更新参数。
"""

# %%
# 一个小模型和两个样本
# --------------------
# 一个 ``nn.Linear`` 层、普通 SGD 优化器、固定的输入和目标。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")

model = nn.Linear(2, 1).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
loss_fn = nn.MSELoss()
inputs = torch.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
targets = torch.tensor([[1.0], [2.0]], device=device)

# %%
# 要观察的量
# ----------
# 每个参数的值、梯度和版本号。版本号一开始就是 1：构造函数原地初始化了参数。


def show(stage):
    print(f"-- {stage}")
    for name, p in model.named_parameters():
        print(f"{name}：{p.detach().cpu()}  梯度：{None if p.grad is None else p.grad.cpu()}  _version：{p._version}")


show("初始状态")

# %%
# 梯度清零
# --------
# 还没有梯度可清，``.grad`` 仍是 ``None``。
optimizer.zero_grad()
show("zero_grad() 之后")

# %%
# 前向传播与损失
# --------------
# 前向传播读取参数，并在 ``loss`` 背后记录计算图。
outputs = model(inputs)
loss = loss_fn(outputs, targets)
print(f"损失：{loss.item():.4f}，grad_fn：{loss.grad_fn.name()}")
show("前向传播之后")

# %%
# 反向传播
# --------
# ``backward()`` 填充 ``.grad``，参数的值和版本号都不变。
weight_before = model.weight.detach().clone()
loss.backward()
show("backward() 之后")
print(f"权重未变：{torch.equal(model.weight, weight_before)}")

# %%
# 优化器更新参数
# --------------
# ``step()`` 把 ``weight - lr * grad`` 写回同一个张量：同一个对象、同一块内存，
# 版本号加 1。
weight_object = model.weight
weight_ptr = model.weight.data_ptr()
optimizer.step()
show("step() 之后")
print(f"同一个对象：{model.weight is weight_object}")
print(f"同一块内存：{model.weight.data_ptr() == weight_ptr}")
torch.testing.assert_close(model.weight.detach(), weight_before - 0.02 * model.weight.grad)

# %%
# 完整循环
# --------
# 把这四个阶段重复执行：损失下降，每一步都让版本号加 1。
for step in range(5):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    print(f"第 {step + 1} 步：损失 {loss.item():.4f}  weight._version {model.weight._version}")

# %%
# 小结
# ----
# ``backward()`` 把梯度算进 ``.grad``；``step()`` 原地应用这些梯度。各阶段的详细说明见\ :ref:`计算梯度与更新参数 <backward-and-step>`；循环为什么先梯度清零，见\ :ref:`梯度清零 <zero-grad>`；
# 计算图在 ``step()`` 之后再次使用时版本号为什么要紧，见\ :ref:`参数更新的时机 <step-between-backwards>`。
