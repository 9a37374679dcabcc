/* pool.c — see pool.h. */
#include "pool.h"

#include "error.h"
#include "simd4.h"

#include <stdint.h>
#include <string.h>

int pool_out_size(int n, int k, int stride)
{
    if (k < 1 || stride < 1 || n < 1) {
        nn_error("pooling windows and strides start at 1 (2 and 2 halve the image)",
                 "pooling: input %d, window %d, stride %d: expected each >= 1", n, k, stride);
        return -1;
    }
    if (k > n) {
        nn_error("use a smaller window, or pool before the image gets this small",
                 "pooling: the window (%d) is larger than the input (%d): expected it to fit at least once", k, n);
        return -1;
    }
    return (n - k) / stride + 1;
}

/* Whether v, later in the window, takes the place of best: it is larger, or it is NaN and best is
 * not. A strict > keeps the first of equal values; the NaN rule makes a NaN win wherever it stands
 * (the first NaN of the window), as in PyTorch: with > alone, a NaN won only in the window's
 * first position, and elsewhere a NaN input vanished from the loss while its gradient path stayed. */
static inline int beats(float v, float best) { return !(v <= best) & (best == best); }

/* The window of output j of one row pair: which of the four wins, and its offset in the map. */
static inline float max2_one(const float *r0, const float *r1, int j, int W, int *at)
{
    /* selects, not branches: after a relu, which of the four wins is a coin toss that a branch
     * predictor loses half the time. A window with a NaN (rare, so its branch is predicted) takes
     * the first NaN instead (beats). */
    const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    if (a != a || b != b || c != c || d != d) {
        const float v[4] = {a, b, c, d};
        int k = 0;
        for (int q = 1; q < 4; q++)
            if (beats(v[q], v[k]))
                k = q;
        *at = 2 * j + (k >= 2 ? W : 0) + (k & 1);
        return v[k];
    }
    const int top = b > a, bottom = d > c;
    const float vt = top ? b : a, vb = bottom ? d : c;
    const int low = vb > vt;
    *at = 2 * j + (low ? W + bottom : top);
    return low ? vb : vt;
}

/* Whether any lane of the mask is set (the 16 bytes as two words, or-ed). */
static inline int i4_any(i4_t m)
{
    uint64_t h[2];
    memcpy(h, &m, sizeof h);
    return (h[0] | h[1]) != 0;
}

/* The common 2x2, stride 2 case (LeNet's): four outputs at a time, each lane doing max2_one's
 * comparisons with a strict > (the first of equal values wins). A block of four windows that
 * holds a NaN (rare: tested apart, off the comparisons' chain) goes to max2_one instead, whose
 * rule lets the NaN win. Testing for NaN inside every comparison made LeNet's first pool (64 x 6
 * maps of 28x28) 1.6x slower; this test, about 1.25x (a shared machine: 180 -> 230 us). */
static void pool_max2_forward(float *y, int *argmax, const float *x, long maps, int H, int W)
{
    const int OH = (H - 2) / 2 + 1, OW = (W - 2) / 2 + 1;
    const i4_t lane2 = {0, 2, 4, 6}, one = {1, 1, 1, 1}, w = {W, W, W, W};
    for (long bc = 0; bc < maps; bc++) {
        const float *xc = x + bc * H * W;
        float *yc = y + bc * OH * OW;
        int *ac = argmax ? argmax + bc * OH * OW : NULL;
        for (int i = 0; i < OH; i++) {
            const float *r0 = xc + 2 * i * W, *r1 = r0 + W;
            int j = 0, at;
            for (; j + 4 <= OW; j += 4) {
                /* r0[2j .. 2j+7] and r1[2j .. 2j+7] */
                const f4_t p0 = f4_load(r0 + 2 * j), p1 = f4_load(r0 + 2 * j + 4);
                const f4_t q0 = f4_load(r1 + 2 * j), q1 = f4_load(r1 + 2 * j + 4);
                const f4_t a = F4_SHUFFLE(p0, p1, 0, 2, 4, 6), b = F4_SHUFFLE(p0, p1, 1, 3, 5, 7);
                const f4_t c = F4_SHUFFLE(q0, q1, 0, 2, 4, 6), d = F4_SHUFFLE(q0, q1, 1, 3, 5, 7);
                if (i4_any((p0 != p0) | (p1 != p1) | (q0 != q0) | (q1 != q1)))
                    break; /* the one-at-a-time loop below takes this block and the rest of the row */
                const i4_t top = b > a, bottom = d > c;
                const f4_t vt = f4_select(top, b, a), vb = f4_select(bottom, d, c);
                const i4_t low = vb > vt;
                const f4_t m = f4_select(low, vb, vt);
                f4_store(yc + i * OW + j, m);
                if (ac) { /* 2 i W + 2 j + (low ? W + bottom : top), masks of -1 turned into 1 */
                    const int b0 = 2 * i * W + 2 * j;
                    const i4_t base = lane2 + (i4_t){b0, b0, b0, b0};
                    const i4_t off = (low & (w + (bottom & one))) | (~low & (top & one));
                    const i4_t idx = base + off;
                    i4_store(ac + i * OW + j, idx);
                }
            }
            for (; j < OW; j++) {
                yc[i * OW + j] = max2_one(r0, r1, j, W, &at);
                if (ac)
                    ac[i * OW + j] = 2 * i * W + at;
            }
        }
    }
}

void pool_max_forward(float *y, int *argmax, const float *x, int B, int C, int H, int W, int k, int stride)
{
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    if (k == 2 && stride == 2) {
        pool_max2_forward(y, argmax, x, (long)B * C, H, W);
        return;
    }
    for (long bc = 0; bc < (long)B * C; bc++) {
        const float *xc = x + bc * H * W;
        float *yc = y + bc * OH * OW;
        int *ac = argmax ? argmax + bc * OH * OW : NULL;
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                int best = i * stride * W + j * stride;
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++) {
                        int at = (i * stride + u) * W + j * stride + v;
                        if (beats(xc[at], xc[best]))
                            best = at;
                    }
                yc[i * OW + j] = xc[best];
                if (ac)
                    ac[i * OW + j] = best;
            }
    }
}

void pool_max_backward(float *dx, const float *dy, const int *argmax, int B, int C, int H, int W, int k, int stride)
{
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)B * C * H * W * sizeof(float));
    for (long bc = 0; bc < (long)B * C; bc++)
        for (int p = 0; p < OH * OW; p++)
            dx[bc * H * W + argmax[bc * OH * OW + p]] += dy[bc * OH * OW + p];
}

void pool_avg_forward(float *y, const float *x, int B, int C, int H, int W, int k, int stride)
{
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    const float scale = 1.0f / (float)(k * k);
    for (long bc = 0; bc < (long)B * C; bc++) {
        const float *xc = x + bc * H * W;
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                float sum = 0;
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++)
                        sum += xc[(i * stride + u) * W + j * stride + v];
                y[bc * OH * OW + i * OW + j] = sum * scale;
            }
    }
}

void pool_avg_backward(float *dx, const float *dy, int B, int C, int H, int W, int k, int stride)
{
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    const float scale = 1.0f / (float)(k * k);
    memset(dx, 0, (size_t)B * C * H * W * sizeof(float));
    for (long bc = 0; bc < (long)B * C; bc++) {
        float *dxc = dx + bc * H * W;
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                const float g = dy[bc * OH * OW + i * OW + j] * scale;
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++)
                        dxc[(i * stride + u) * W + j * stride + v] += g;
            }
    }
}

void pool_global_avg_forward(float *y, const float *x, int B, int C, int H, int W)
{
    const int S = H * W;
    for (long bc = 0; bc < (long)B * C; bc++) {
        double sum = 0;
        for (int p = 0; p < S; p++)
            sum += x[bc * S + p];
        y[bc] = (float)(sum / S);
    }
}

void pool_global_avg_backward(float *dx, const float *dy, int B, int C, int H, int W)
{
    const int S = H * W;
    for (long bc = 0; bc < (long)B * C; bc++) {
        const float g = dy[bc] / (float)S;
        for (int p = 0; p < S; p++)
            dx[bc * S + p] = g;
    }
}
