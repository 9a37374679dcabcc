#!/usr/bin/python3
"""PyTorch on chapter 8's benchmark model, for make bench: a char-LSTM (and GRU) with one-hot
input of V = 73 symbols, hidden 256, T = 64, B = 32, a linear output layer, mean cross-entropy,
global-norm clipping at 1 and Adam, exactly the training step chapter 8 times (2 threads, as the
machine has 2 cores). Prints one line: torch: lstm_tokens_s=<n> gru_tokens_s=<n>."""
import statistics
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)
V, H, T, B = 73, 256, 64, 32


def tokens_per_second(cell):
    rnn = cell(V, H)
    out = torch.nn.Linear(H, V)
    params = list(rnn.parameters()) + list(out.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    ids = torch.randint(0, V, (T + 1, B))
    x = torch.nn.functional.one_hot(ids[:-1], V).float()
    y = ids[1:].reshape(-1)
    times = []
    for rep in range(5):
        t0 = time.perf_counter()
        for _ in range(2):
            h, _ = rnn(x)
            loss = torch.nn.functional.cross_entropy(out(h).reshape(-1, V), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        if rep >= 2:
            times.append((time.perf_counter() - t0) / 2)
    return T * B / statistics.median(times)


print("torch: lstm_tokens_s=%.0f gru_tokens_s=%.0f" % (tokens_per_second(torch.nn.LSTM),
                                                        tokens_per_second(torch.nn.GRU)))
