"""
逐层的梯度范数：看见梯度消失，再修好它
======================================

由 sigmoid 层堆成的深层网络，训练时只有最后几层在动，最前面几层几乎停在原地：
梯度在自动求导（autograd）的反向传播中一路缩小。本示例记录每一层的梯度范数，训练几步，
再量出每一层的权重移动了多远，对比 sigmoid 网络和同样深度的残差 ReLU 网络。
"""

# %%
# 两个同样深度的网络
# ------------------
# 各有 12 个隐藏的线性层，最后接一个线性输出头。残差网络先做层归一化，
# 再把每个隐藏层的输出加到它的输入上。
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"设备：{device}")


class Plain(nn.Module):
    def __init__(self, depth=12, width=32):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        for layer in self.layers:
            x = torch.sigmoid(layer(x))
        return self.head(x)


class Residual(nn.Module):
    def __init__(self, depth=12, width=32):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(depth))
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        for norm, layer in zip(self.norms, self.layers):
            x = x + layer(torch.relu(norm(x)))
        return self.head(x)


inputs = torch.randn(64, 32, device=device)
targets = torch.randn(64, 1, device=device)
torch.manual_seed(0)
sigmoid_net = Plain().to(device)
torch.manual_seed(0)
residual_net = Residual().to(device)


# %%
# 每一层的梯度范数
# ----------------
# 做一次反向传播，从第一层到最后一层，依次取每个隐藏层的 ``weight.grad.norm()``。
def layer_grad_norms(model):
    model.zero_grad()
    nn.functional.mse_loss(model(inputs), targets).backward()
    return [layer.weight.grad.norm().item() for layer in model.layers]


sigmoid_norms = layer_grad_norms(sigmoid_net)
residual_norms = layer_grad_norms(residual_net)
print(f"{'层':<5}{'sigmoid':>12}{'    残差网络':<8}")
for i, (s, r) in enumerate(zip(sigmoid_norms, residual_norms)):
    print(f"{i + 1:<6}{s:12.2e}{r:12.2e}")


# %%
# 训练中每一层移动了多远
# ----------------------
# 用 SGD 训练 20 步，再量出每一层的权重离起点有多远（相对于权重本身的大小）。
# sigmoid 网络的第一层几乎没动，甚至完全没动：它的更新量远低于 ``float32`` 权重的精度。
def relative_moves(model, steps=20, lr=0.01):
    start = [layer.weight.detach().clone() for layer in model.layers]
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()
    return [((layer.weight.detach() - w0).norm() / w0.norm()).item()
            for layer, w0 in zip(model.layers, start)]


sigmoid_moves = relative_moves(sigmoid_net)
residual_moves = relative_moves(residual_net)
for name, moves in [("sigmoid 网络", sigmoid_moves), ("残差网络", residual_moves)]:
    print(f"{name:s}：第一层移动了 {moves[0]:.1e}，最后一层 {moves[-1]:.1e}")

assert sigmoid_moves[0] < sigmoid_moves[-1] / 1e6
assert residual_moves[0] > residual_moves[-1] / 10

# %%
# 小结
# ----
# 第一层的梯度范数比最后一层小好几个数量级，这一层就学不到东西。残差连接和归一化让各层的范数
# 从第一层到最后一层都保持在同一量级。:ref:`梯度裁剪 <gradient-clipping>`\ 一页讲的是相反的问题，
# 梯度爆炸，以及如何裁剪梯度。
