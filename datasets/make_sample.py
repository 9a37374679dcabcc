#!/usr/bin/env python3
"""Cut the small Fashion-MNIST sample the tests use out of Debian's full dataset.

    python3 datasets/make_sample.py [/usr/share/datasets/fashion-mnist]

Writes datasets/fashion-mnist-sample/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz: the first
300 training and the first 100 test images with their labels, in the same IDX format (and the
same gzip wrapping) as the originals, so the tests exercise the real loader on real files.
"""
import gzip, os, struct, sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
DST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-sample")
KEEP = {"train": 300, "t10k": 100}


def cut(name, n):
    with gzip.open(os.path.join(SRC, name), "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = list(struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim]))
    per_item = 1
    for d in dims[1:]:
        per_item *= d
    body = raw[4 + 4 * ndim: 4 + 4 * ndim + n * per_item]
    dims[0] = n
    out = raw[:4] + struct.pack(">" + "I" * ndim, *dims) + body
    # mtime=0 keeps the committed bytes identical from run to run
    with open(os.path.join(DST, name), "wb") as f:
        f.write(gzip.compress(out, mtime=0))


os.makedirs(DST, exist_ok=True)
for split, n in KEEP.items():
    cut(f"{split}-images-idx3-ubyte.gz", n)
    cut(f"{split}-labels-idx1-ubyte.gz", n)
print("wrote", DST)
