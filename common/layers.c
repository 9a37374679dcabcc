/* layers.c — see layers.h. */
#include "layers.h"

#include "error.h"
#include "matmul.h"
#include "timing.h"

#include <stdlib.h>
#include <string.h>

void linear_forward(float *y, const float *x, const float *W, const float *b, int B, int in, int out)
{
    /* Start every row of y at the bias, then let the product add x W on top (beta = 1): one pass
     * over y instead of a product followed by a separate bias pass. */
    if (b)
        for (int i = 0; i < B; i++)
            memcpy(y + (size_t)i * out, b, (size_t)out * sizeof(float));
    matmul_blas(0, 0, B, out, in, 1.0f, x, W, b ? 1.0f : 0.0f, y);
}

void linear_backward(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W,
                     int B, int in, int out)
{
    if (dx)
        matmul_blas(0, 1, B, in, out, 1.0f, dy, W, 0.0f, dx); /* (B, out) (out, in) */
    matmul_blas(1, 0, in, out, B, 1.0f, x, dy, 0.0f, dW);     /* (in, B) (B, out)  */
    if (db) /* column sums of dy, in double like every reduction of the library: 256 columns at a
             * time in a fixed buffer (no allocation, rows still read in order) */
        for (int j0 = 0; j0 < out; j0 += 256) {
            const int w = out - j0 < 256 ? out - j0 : 256;
            double acc[256] = {0};
            for (int i = 0; i < B; i++) {
                const float *row = dy + (size_t)i * out + j0;
                for (int j = 0; j < w; j++)
                    acc[j] += row[j];
            }
            for (int j = 0; j < w; j++)
                db[j0 + j] = (float)acc[j];
        }
}

/* Stops unless a and b agree in dimension ia / ib, naming both tensors and their shapes. */
static void agree(const char *op, const char *na, tensor_t a, int ia, const char *nb, tensor_t b, int ib,
                  const char *why)
{
    if (a.shape[ia] == b.shape[ib])
        return;
    char sa[64], sb[64];
    nn_fatal(why, "%s: %s has shape %s but %s has shape %s: expected %s's dimension %d (%d) to equal "
             "%s's dimension %d (%d)", op, na, tensor_shape_str(a, sa), nb, tensor_shape_str(b, sb),
             na, ia, a.shape[ia], nb, ib, b.shape[ib]);
}

static void rank(const char *op, const char *name, tensor_t t, int ndim)
{
    char s[64];
    if (t.ndim != ndim)
        nn_fatal("a linear layer works on matrices (B, features) and vectors (features); flatten "
                 "images to (B, 784) first", "%s: %s has shape %s: expected %d dimension%s, got %d",
                 op, name, tensor_shape_str(t, s), ndim, ndim > 1 ? "s" : "", t.ndim);
}

static const char *HINT_X_W = "x W needs x's columns (the input features) to equal W's rows; W is "
                              "stored (in, out). Is W transposed, or the input not flattened?";

void linear_forward_checked(tensor_t y, tensor_t x, tensor_t W, tensor_t b)
{
    const char *op = "linear_forward";
    rank(op, "x", x, 2), rank(op, "W", W, 2), rank(op, "y", y, 2);
    agree(op, "x", x, 1, "W", W, 0, HINT_X_W);
    agree(op, "y", y, 0, "x", x, 0, "y needs one row per example of x: (B, out)");
    agree(op, "y", y, 1, "W", W, 1, "y needs one column per output unit, W's columns: (B, out)");
    if (b.data) {
        rank(op, "b", b, 1);
        agree(op, "b", b, 0, "W", W, 1, "the bias has one entry per output unit: (out)");
    }
    linear_forward(y.data, x.data, W.data, b.data, x.shape[0], x.shape[1], W.shape[1]);
}

void linear_backward_checked(tensor_t dx, tensor_t dW, tensor_t db, tensor_t dy, tensor_t x, tensor_t W)
{
    const char *op = "linear_backward";
    rank(op, "x", x, 2), rank(op, "W", W, 2), rank(op, "dy", dy, 2), rank(op, "dW", dW, 2);
    agree(op, "x", x, 1, "W", W, 0, HINT_X_W);
    agree(op, "dy", dy, 0, "x", x, 0, "dy is the gradient of the layer's output: (B, out), one row per example");
    agree(op, "dy", dy, 1, "W", W, 1, "dy is the gradient of the layer's output: (B, out)");
    tensor_check_same(op, dW, W);
    if (dx.data)
        tensor_check_same(op, dx, x);
    if (db.data) {
        rank(op, "db", db, 1);
        agree(op, "db", db, 0, "W", W, 1, "the bias gradient has one entry per output unit: (out)");
    }
    linear_backward(dx.data, dW.data, db.data, dy.data, x.data, W.data, x.shape[0], x.shape[1], W.shape[1]);
}

double linear_stack_train_flops(const int *sizes, int L)
{
    double f = 0;
    for (int l = 0; l < L; l++)
        f += 2.0 * sizes[l] * sizes[l + 1] * (l > 0 ? 3 : 2); /* forward and dW; dx above the first layer */
    return f;
}

double linear_stack_products_seconds(const int *sizes, int L, int B, int steps)
{
    float *a[LINEAR_STACK_MAX + 1] = {0}, *d[LINEAR_STACK_MAX + 1] = {0}, *W[LINEAR_STACK_MAX] = {0},
          *dW[LINEAR_STACK_MAX] = {0};
    int ok = L >= 1 && L <= LINEAR_STACK_MAX && B >= 1;
    for (int l = 0; ok && l <= L; l++) {
        a[l] = calloc((size_t)B * sizes[l], sizeof(float)), d[l] = calloc((size_t)B * sizes[l], sizeof(float));
        if (l < L)
            W[l] = calloc((size_t)sizes[l] * sizes[l + 1], sizeof(float)),
            dW[l] = calloc((size_t)sizes[l] * sizes[l + 1], sizeof(float));
        ok = a[l] && d[l] && (l == L || (W[l] && dW[l]));
    }
    double t = -1;
    if (ok) {
        /* real pages with ordinary values: calloc's untouched pages would all read as one page of
         * zeros, always in the cache, which no network's data is */
        for (int l = 0; l <= L; l++)
            for (size_t i = 0; i < (size_t)B * sizes[l]; i++)
                a[l][i] = d[l][i] = (float)(i % 7) * 0.125f - 0.375f;
        for (int l = 0; l < L; l++)
            for (size_t i = 0; i < (size_t)sizes[l] * sizes[l + 1]; i++)
                W[l][i] = (float)(i % 5) * 0.0625f - 0.125f;
        t = timing_seconds();
        for (int s = 0; s < steps; s++) {
            for (int l = 0; l < L; l++) /* forward: z = a W */
                matmul_blas(0, 0, B, sizes[l + 1], sizes[l], 1, a[l], W[l], 0, a[l + 1]);
            for (int l = L - 1; l >= 0; l--) { /* backward: dW = a^T dz, and dx = dz W^T above layer 0 */
                matmul_blas(1, 0, sizes[l], sizes[l + 1], B, 1, a[l], d[l + 1], 0, dW[l]);
                if (l > 0)
                    matmul_blas(0, 1, B, sizes[l], sizes[l + 1], 1, d[l + 1], W[l], 0, d[l]);
            }
        }
        t = timing_seconds() - t;
    }
    for (int l = 0; l <= L && l <= LINEAR_STACK_MAX; l++) {
        free(a[l]), free(d[l]);
        if (l < LINEAR_STACK_MAX)
            free(W[l]), free(dW[l]);
    }
    return t;
}
