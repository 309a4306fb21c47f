"""PyTorch's side of the MNIST_CNN step comparison (cma-bench/compare-pytorch; docs/performance.md §4).

The step BenchmarkFineTuneStep times, written the way DomainBed writes it: DomainBed's MNIST_CNN (networks.py) on
2×28×28 float32 images, a linear head with a folded bias, a domain-balanced batch of 3 × 64 with binary labels,
forward, loss, backward and Adam (lr 1e-3). ERM is cross-entropy; CMA adds the full-Hessian penalty of the DomainBed
fork (docs/math.md §3: c_g = 1/√C, c_h = 1/C, α = 5000, β = 1000, past its anneal), built from the closed forms
and differentiated by autograd. Prints one JSON line: method, threads, seconds per step (mean, median and each).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MnistCnn(nn.Module):
    """DomainBed's MNIST_CNN: four 3×3 convolutions, each followed by ReLU and GroupNorm(8), then mean pooling."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 64, 3, 1, padding=1)
        self.conv2 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(128, 128, 3, 1, padding=1)
        self.conv4 = nn.Conv2d(128, 128, 3, 1, padding=1)
        self.bn0 = nn.GroupNorm(8, 64)
        self.bn1 = nn.GroupNorm(8, 128)
        self.bn2 = nn.GroupNorm(8, 128)
        self.bn3 = nn.GroupNorm(8, 128)

    def forward(self, x):
        x = self.bn0(F.relu(self.conv1(x)))
        x = self.bn1(F.relu(self.conv2(x)))
        x = self.bn2(F.relu(self.conv3(x)))
        x = self.bn3(F.relu(self.conv4(x)))
        return x.mean(dim=(2, 3))


def cma_penalty(logits, features, labels, domains, classes, alpha=5000.0, beta=1000.0):
    """α·P_grad + β·P_hess over the domains, from the per-domain closed forms of the head's gradient and Hessian."""
    folded = torch.cat([features, torch.ones_like(features[:, :1])], dim=1)
    p = logits.softmax(dim=1)
    r = p - F.one_hot(labels, classes).to(p.dtype)
    grads, hessians = [], []
    for e in domains.unique():
        mask = domains == e
        x, pe, re = folded[mask], p[mask], r[mask]
        n = x.shape[0]
        grads.append(re.t() @ x / n / classes ** 0.5)
        a = torch.diag_embed(pe) - pe.unsqueeze(2) * pe.unsqueeze(1)          # n × C × C
        hessians.append(torch.einsum('ikl,ij,im->kjlm', a, x, x).reshape(classes * x.shape[1], -1) / n / classes)
    g = torch.stack(grads)
    h = torch.stack(hessians)
    p_grad = ((g - g.mean(0)) ** 2).sum() / g.shape[0]
    p_hess = ((h - h.mean(0)) ** 2).sum() / h.shape[0]
    return alpha * p_grad + beta * p_hess


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--method', choices=['ERM', 'CMA'], required=True)
    parser.add_argument('--threads', type=int, required=True)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, classes = 3 * 64, 2
    x = torch.rand(n, 2, 28, 28)
    labels = torch.randint(0, classes, (n,))
    domains = torch.arange(n) // 64
    net = MnistCnn(2)
    head = nn.Linear(128, classes)
    optimizer = torch.optim.Adam(list(net.parameters()) + list(head.parameters()), lr=1e-3)
    times = []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        features = net(x)
        logits = head(features)
        loss = F.cross_entropy(logits, labels)
        if args.method == 'CMA':
            loss = loss + cma_penalty(logits, features, labels, domains, classes)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    ordered = sorted(times)
    print(json.dumps({'side': 'pytorch', 'method': args.method, 'threads': args.threads,
                      'mean_s': sum(times) / len(times), 'median_s': ordered[len(ordered) // 2], 'seconds': times, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
