#!/usr/bin/python3
"""PyTorch on chapter 12's benchmark model, for make bench: the same GPT as common/gpt.h (V = 73,
context T = 128, L = 4 blocks, H = 4 heads, C = 128, batch B = 16): token + learned position
embeddings, pre-LN blocks (LayerNorm, causal multi-head attention written out as in the C code,
residual, LayerNorm, Linear(C, 4C), tanh GELU, Linear(4C, C), residual), final LayerNorm, logits
tied to the token table; mean cross-entropy, global-norm clipping at 1, AdamW. 2 threads, as the
machine has 2 cores. Prints one line: bench: name=gpt_torch tokens_s=<n>."""
import math
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
V, T, L, H, C, B = 73, 128, 4, 4, 128, 16


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = torch.nn.LayerNorm(C), torch.nn.LayerNorm(C)
        self.qkv, self.proj = torch.nn.Linear(C, 3 * C), torch.nn.Linear(C, C)
        self.fc, self.fcproj = torch.nn.Linear(C, 4 * C), torch.nn.Linear(4 * C, C)
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

    def forward(self, x):
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=-1)
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        s = (q @ k.transpose(-1, -2) / math.sqrt(C // H)).masked_fill(~self.mask, float("-inf"))
        y = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(V, C), torch.nn.Embedding(T, C)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(L))
        self.lnf = torch.nn.LayerNorm(C)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.lnf(x) @ self.wte.weight.T


model = GPT()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
ids = torch.randint(0, V, (B, T + 1))
x, y = ids[:, :-1], ids[:, 1:].reshape(-1)
times = []
for rep in range(6):
    t0 = time.perf_counter()
    loss = F.cross_entropy(model(x).reshape(-1, V), y)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if rep >= 1:
        times.append(time.perf_counter() - t0)
print(f"bench: name=gpt_torch tokens_s={B * T / statistics.median(times):.1f}")
