#!/usr/bin/python3
"""check_onnx.py — checks chapter 11's ONNX files with Debian's python3-onnx (section 11.14).

Usage: check_onnx.py DIR N
  DIR holds lenet_fp32.onnx and lenet_int8.onnx, and from the C side: images.f32 (N, 1, 28, 28),
  logits_fp32.f32 and logits_int8.f32 (N, 10), little-endian float32.
For each model: onnx.checker.check_model (with shape inference: full_check), then the logits of
the N images recomputed from the file alone, by a small interpreter of its seven operators
written with numpy (not onnx's own reference code), and compared with the C network's:
  fp32: within 1e-4 relative (to the largest logit);
  int8: within 5% of the largest logit (an activation on a rounding tie can land one int8 step
        apart in the two), and the same predicted class wherever C's top two are further apart
        than that.
Exit status 0 when all hold, 1 with a message saying what differs, 77 when onnx or numpy is
missing (the test then skips).
"""
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # the caller skips with this message
    print(f"check_onnx.py: {e}: install Debian's python3-onnx and python3-numpy "
          "(apt-get install python3-onnx python3-numpy)")
    sys.exit(77)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def conv(x, w, b, pads):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh, ow = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    y = np.zeros((n, o, oh, ow), np.float64)
    for u in range(kh):  # cross-correlation, as ONNX's Conv (and chapter 7) defines it
        for v in range(kw):
            y += np.einsum("nchw,oc->nohw", x[:, :, u:u + oh, v:v + ow], w[:, :, u, v])
    return y + b.reshape(1, -1, 1, 1)


def per_axis(p, x, axis):
    """A scale or zero point p broadcast along `axis` of x (a scalar stays a scalar)."""
    if p.ndim == 0:
        return p
    shape = [1] * x.ndim
    shape[axis] = -1
    return p.reshape(shape)


def run(model, image):
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env[model.graph.input[0].name] = image
    for node in model.graph.node:
        a, x = attrs(node), [env[i] for i in node.input]
        op = node.op_type
        if op == "Conv":
            y = conv(x[0].astype(np.float64), x[1].astype(np.float64), x[2], a.get("pads", [0, 0, 0, 0]))
        elif op == "Relu":
            y = np.maximum(x[0], 0)
        elif op == "MaxPool":
            n, c, h, w = x[0].shape
            y = x[0].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
        elif op == "Flatten":
            y = x[0].reshape(x[0].shape[0], -1)
        elif op == "Gemm":
            w = x[1].T if a.get("transB", 0) else x[1]
            y = x[0].astype(np.float64) @ w.astype(np.float64) + x[2]
        elif op == "QuantizeLinear":  # saturate(round_half_even(x / s) + z), in float32 as ONNX says
            s, z = x[1], x[2]
            q = np.rint(x[0].astype(np.float32) / s).astype(np.float64) + z
            y = np.clip(q, -128, 127).astype(np.int8)
        elif op == "DequantizeLinear":
            ax = a.get("axis", 1)
            s, z = per_axis(x[1], x[0], ax), per_axis(x[2], x[0], ax)
            y = ((x[0].astype(np.int32) - z.astype(np.int32)) * s).astype(np.float32)
        else:
            raise SystemExit(f"check_onnx.py: unexpected operator {op} in {model.graph.name}")
        env[node.output[0]] = y if y.dtype == np.int8 else np.asarray(y, np.float32)
    return env[model.graph.output[0].name]


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    read = lambda name, shape: np.fromfile(os.path.join(d, name), "<f4").reshape(shape)
    images = read("images.f32", (n, 1, 28, 28))
    bad = []
    for kind in ("fp32", "int8"):
        path = os.path.join(d, f"lenet_{kind}.onnx")
        model = onnx.load(path)
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as e:  # onnx.checker.ValidationError, shape inference errors
            bad.append(f"{path}: onnx.checker.check_model: {e}")
            continue
        ops = sorted({node.op_type for node in model.graph.node})
        c = read(f"logits_{kind}.f32", (n, 10)).astype(np.float64)
        z = run(model, images).astype(np.float64)
        big = np.abs(c).max()
        diff = np.abs(z - c).max()
        tol = 1e-4 * big if kind == "fp32" else 0.05 * big
        print(f"{kind}: {len(model.graph.node)} nodes ({', '.join(ops)}), {len(model.graph.initializer)} "
              f"initializers, opset {model.opset_import[0].version}; largest logit difference {diff:.3g} "
              f"(logits up to {big:.3g}, tolerance {tol:.3g})")
        if diff > tol:
            bad.append(f"{kind}: the file's logits differ from the C network's by {diff:.3g}, more than {tol:.3g}")
        top2 = np.sort(c, axis=1)[:, -2:]
        clear = (top2[:, 1] - top2[:, 0]) > 2 * tol
        wrong = int(((z.argmax(1) != c.argmax(1)) & clear).sum())
        if wrong:
            bad.append(f"{kind}: {wrong} image(s) get another class from the file than from the C network")
        if kind == "int8":
            wq = [t for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8 and len(t.dims) >= 2]
            if len(wq) != 5:
                bad.append(f"int8: expected the 5 weight tensors stored as int8 initializers, found {len(wq)}")
            if ops.count("QuantizeLinear") != 1 or sum(nd.op_type == "QuantizeLinear" for nd in model.graph.node) != 5:
                bad.append("int8: expected one QuantizeLinear before each of the 5 products")
    for b in bad:
        print("MISMATCH " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
