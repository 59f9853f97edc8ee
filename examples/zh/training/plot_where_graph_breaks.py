"""
计算图在哪里断开：找出损失到达不了的参数
========================================

``backward()`` 之后某个参数的 ``.grad`` 仍是 ``None``，说明记录下的计算图中没有一条路径
从损失通往它。本示例定义一个纯 torch 的小函数：它从 ``loss.grad_fn`` 出发遍历计算图，
列出所有到达不了的参数，并给出可能的原因。把它复制到自己的代码里即可，不依赖任何其他东西。
"""

# %%
# 辅助函数
# --------
# 计算图能到达的每个参数，都会作为某个 ``AccumulateGrad`` 节点的 ``variable`` 出现。
# 遍历时遇不到的参数，就得不到梯度；例外是藏在自行运行嵌套反向传播的自定义 ``Function``
# 后面的参数，例如可重入的检查点：遍历看不穿它（见小结前的最后一节）。
import torch
from torch import nn


def unreached_parameters(loss, model):
    """返回 {名称: 原因}，列出 ``model`` 中 ``loss`` 到达不了的每个参数。"""
    reached, seen, stack = set(), set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):  # AccumulateGrad 节点：一个会得到 .grad 的叶子张量
            reached.add(id(node.variable))
        stack.extend(next_node for next_node, _ in node.next_functions)

    report = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            report[name] = "requires_grad=False（已冻结）"
        elif loss.grad_fn is None:
            report[name] = "损失没有计算图（在 no_grad 中计算，或已完全分离）"
        elif id(parameter) not in reached:
            report[name] = "损失没有路径通往它（未被使用，或计算图在它之前断开）"
    return report


# %%
# 有三处问题的模型
# ----------------
# 编码器被冻结了，门控的输出绕道 Python 列表走了一圈，辅助输出头从未用在损失中。
# ``backward()`` 运行时没有任何报错。
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 8)
        self.gate = nn.Linear(8, 1)
        self.head = nn.Linear(8, 1)
        self.aux_head = nn.Linear(8, 1)

    def forward(self, inputs):
        features = self.encoder(inputs).relu()
        # 错误所在：绕道 Python 列表
        gate = torch.tensor(self.gate(features).sigmoid().tolist(), device=inputs.device)
        return self.head(features) * gate, self.aux_head(features)


model = Model().to(device)
model.encoder.requires_grad_(False)
inputs, targets = torch.randn(16, 4, device=device), torch.randn(16, 1, device=device)

output, aux_output = model(inputs)
loss = nn.functional.mse_loss(output, targets)
loss.backward()

for name, reason in unreached_parameters(loss, model).items():
    print(f"{name:16} {reason}")

# %%
# 报告与梯度一致
# --------------
# 它列出的参数，恰好就是 ``.grad`` 为 ``None`` 的那些。
no_grad = {name for name, p in model.named_parameters() if p.grad is None}
print(f".grad 为 None：{sorted(no_grad)}")
assert no_grad == set(unreached_parameters(loss, model))

# %%
# 解决办法
# --------
# 解冻编码器，让门控留在 torch 里，并加上辅助损失。
class FixedModel(Model):
    def forward(self, inputs):
        features = self.encoder(inputs).relu()
        gate = self.gate(features).sigmoid()
        return self.head(features) * gate, self.aux_head(features)


torch.manual_seed(0)
model = FixedModel().to(device)
output, aux_output = model(inputs)
loss = nn.functional.mse_loss(output, targets) + 0.1 * (aux_output ** 2).mean()
loss.backward()

print(f"未到达：{unreached_parameters(loss, model)}")
print(f".grad 为 None：{[name for name, p in model.named_parameters() if p.grad is None]}")

# %%
# 完全没有计算图的损失
# --------------------
# 在 ``torch.no_grad()`` 中什么都不记录：辅助函数会指出这一点，随后 ``backward()`` 抛出
# :ref:`element 0 of tensors does not require grad <error-does-not-have-a-grad-fn>` 错误。
with torch.no_grad():
    loss = nn.functional.mse_loss(model(inputs)[0], targets)
print(next(iter(unreached_parameters(loss, model).values())))
try:
    loss.backward()
except RuntimeError as error:
    print(f"backward(): {error}")

# %%
# 盲区：可重入的检查点
# --------------------
# ``checkpoint(..., use_reentrant=True)`` 和所有运行嵌套反向传播的自定义 ``Function`` 一样，
# 会把块内的参数藏起来，遍历到达不了它们，但它们照样得到梯度。所以报告只是线索，
# 要在 ``backward()`` 之后对照 ``.grad`` 确认。
from torch.utils.checkpoint import checkpoint


class CheckpointedModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Linear(4, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, inputs):
        return self.head(checkpoint(self.block, inputs, use_reentrant=True))


model = CheckpointedModel().to(device)
inputs = torch.randn(16, 4, device=device, requires_grad=True)
loss = (model(inputs) ** 2).mean()
report = unreached_parameters(loss, model)
loss.backward()
print(f"遍历判定未到达：{sorted(report)}")
print(f".grad 为 None：{[name for name, p in model.named_parameters() if p.grad is None]}")
assert set(report) == {"block.weight", "block.bias"}
assert all(p.grad is not None for p in model.parameters())

# %%
# 小结
# ----
# 算出损失之后立即调用 ``unreached_parameters(loss, model)``，就能找出得不到梯度的参数；
# ``backward()`` 之后再用 ``.grad`` 核对一遍，因为遇到可重入检查点时，遍历会把其实能得到梯度的参数也报出来（见上文）。
# 有些参数得到了梯度却仍然不会被训练，遍历发现不了：优化器里根本没有的参数，
# 以及经过 ``round``、``sign`` 之后梯度为零的参数。:ref:`梯度缺失 <grad-is-none>`\ 一页也列出了这些原因，各配一段简短的检查代码。
