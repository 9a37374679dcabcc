#!/usr/bin/env python3
"""make bench: PyTorch training the same LeNet-5 as chapter 7, for comparison.

    /usr/bin/python3 tools/bench_lenet_torch.py [DATA_DIR] [EPOCHS]

Same network (conv 5x5 pad 2 -> relu -> maxpool 2 -> conv 5x5 -> relu -> maxpool 2 -> 120 -> 84 ->
10, relu), batch 128, Adam lr 1e-3, all 60,000 training images decoded once into a float tensor,
2 threads (the machine's cores). Prints one line in the format tools/bench.sh reads:

    bench: name=lenet5-pytorch epoch_s=<median seconds per epoch> test_acc=<accuracy> cpu_s=<processor seconds>
"""
import gzip
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(path, images):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if images:
        n, h, w = struct.unpack(">III", data[4:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32) / 255
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.relu(self.f1(x.flatten(1)))
        return self.f3(F.relu(self.f2(x)))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(2)
    torch.manual_seed(1)
    xtr = torch.from_numpy(load(f"{d}/train-images-idx3-ubyte.gz", True))
    ytr = torch.from_numpy(load(f"{d}/train-labels-idx1-ubyte.gz", False))
    xte = torch.from_numpy(load(f"{d}/t10k-images-idx3-ubyte.gz", True))
    yte = torch.from_numpy(load(f"{d}/t10k-labels-idx1-ubyte.gz", False))
    net = LeNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    secs, cpu = [], []
    for _ in range(epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(net(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        secs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"bench: name=lenet5-pytorch epoch_s={statistics.median(secs):.3f} test_acc={acc:.4f} "
          f"cpu_s={statistics.median(cpu):.3f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
