/* activations.c — see activations.h. Each backward applies the derivative stated there. */
#include "activations.h"

#include <math.h>
#include <string.h>

void identity_forward(float *y, const float *x, size_t n)
{
    if (y != x)
        memmove(y, x, n * sizeof(float));
}

void identity_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)x, (void)y;
    if (dx != dy)
        memmove(dx, dy, n * sizeof(float));
}

void step_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] >= 0 ? 1.0f : 0.0f;
}

void step_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)dy, (void)x, (void)y;
    memset(dx, 0, n * sizeof(float));
}

/* 1 / (1 + e^-x) without ever computing e^(large positive): for x < 0 use e^x / (1 + e^x). */
static inline float sigmoid1(float x)
{
    if (x >= 0)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

/* log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows, exact for large |x|. */
static inline float softplus1(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

void sigmoid_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = sigmoid1(x[i]);
}

void sigmoid_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void tanh_act_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

void tanh_act_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

/* ReLU runs twice per hidden layer per training step, so it is written in blocks of 8: at -O2
 * the compiler turns each block into SIMD compare-and-mask instructions (it will not vectorize
 * the plain loop, whose length it does not know). In the backward, the plain form also branched
 * on the sign, and the branch mispredicts half the time: the block form was about 10x faster in
 * chapter 3's profile. Same results.
 *
 * The forward tests x <= 0, not x > 0: the two differ only at NaN, for which every comparison
 * is false, and NaN must come out NaN (as in PyTorch). Mapped to 0 it would vanish from the
 * loss while dW = x^T dy still multiplies it in, so the weights turn NaN and the loss does not
 * say why. The backward keeps x > 0 (dx = 0 at NaN, as PyTorch): the loss is NaN by then. */
static inline float relu1(float x) { return x <= 0 ? 0.0f : x; }

void relu_forward(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float v[8];
        for (int k = 0; k < 8; k++)
            v[k] = relu1(x[i + k]);
        for (int k = 0; k < 8; k++)
            y[i + k] = v[k];
    }
    for (; i < n; i++)
        y[i] = relu1(x[i]);
}

void relu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)y;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float v[8];
        for (int k = 0; k < 8; k++) {
            float d = dy[i + k]; /* loaded whatever the sign: the select then needs no branch */
            v[k] = x[i + k] > 0 ? d : 0.0f;
        }
        for (int k = 0; k < 8; k++)
            dx[i + k] = v[k];
    }
    for (; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : 0.0f;
}

void leaky_relu_forward(float *y, const float *x, size_t n, float a)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : a * x[i];
}

void leaky_relu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n, float a)
{
    (void)y;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : a * dy[i];
}

void prelu_forward(float *y, const float *x, const float *alpha, int B, int C)
{
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)b * C + c;
            y[i] = x[i] > 0 ? x[i] : alpha[c] * x[i];
        }
}

void prelu_backward(float *dx, float *dalpha, const float *dy, const float *x, const float *alpha,
                    int B, int C)
{
    if (dalpha) /* a sum over the batch: in double, like every reduction of the library */
        for (int c = 0; c < C; c++) {
            double sum = 0;
            for (int b = 0; b < B; b++) {
                size_t i = (size_t)b * C + c;
                if (!(x[i] > 0))
                    sum += (double)dy[i] * x[i]; /* d(a x)/da = x on the negative side */
            }
            dalpha[c] = (float)sum;
        }
    if (dx)
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++) {
                size_t i = (size_t)b * C + c;
                dx[i] = x[i] > 0 ? dy[i] : alpha[c] * dy[i];
            }
}

void elu_forward(float *y, const float *x, size_t n, float a)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : a * expm1f(x[i]);
}

void elu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n, float a)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : dy[i] * (y[i] + a); /* a e^x = y + a */
}

void softplus_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = softplus1(x[i]);
}

void softplus_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)y;
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * sigmoid1(x[i]);
}

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

/* Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2: the erfc form keeps full relative
 * precision in the left tail, where 1 + erf(x / sqrt 2) would cancel (x = -5: Phi = 2.9e-7). */
static inline float normal_cdf(float x) { return 0.5f * erfcf(-x * INV_SQRT2); }

void gelu_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * normal_cdf(x[i]);
}

void gelu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)y;
    for (size_t i = 0; i < n; i++) {
        float cdf = normal_cdf(x[i]);
        float pdf = INV_SQRT_2PI * expf(-0.5f * x[i] * x[i]);
        dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
}

void silu_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * sigmoid1(x[i]);
}

void silu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)y;
    for (size_t i = 0; i < n; i++) {
        float s = sigmoid1(x[i]);
        dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

void mish_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * tanhf(softplus1(x[i]));
}

void mish_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    (void)y;
    for (size_t i = 0; i < n; i++) {
        float t = tanhf(softplus1(x[i]));
        dx[i] = dy[i] * (t + x[i] * sigmoid1(x[i]) * (1.0f - t * t));
    }
}

void maxout_forward(float *y, int *argmax, const float *x, int B, int C, int k)
{
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            const float *g = x + ((size_t)b * C + c) * k;
            int best = 0; /* the first NaN wins, as in PyTorch: a NaN input must reach the loss */
            for (int j = 1; j < k; j++)
                if (g[j] > g[best] || (isnan(g[j]) && !isnan(g[best])))
                    best = j;
            y[(size_t)b * C + c] = g[best];
            argmax[(size_t)b * C + c] = best;
        }
}

void maxout_backward(float *dx, const float *dy, const int *argmax, int B, int C, int k)
{
    memset(dx, 0, (size_t)B * C * k * sizeof(float));
    for (size_t i = 0; i < (size_t)B * C; i++)
        dx[i * k + argmax[i]] = dy[i];
}

void glu_forward(float *y, const float *x, int B, int C)
{
    for (int b = 0; b < B; b++) {
        const float *a = x + (size_t)b * 2 * C, *g = a + C;
        for (int c = 0; c < C; c++)
            y[(size_t)b * C + c] = a[c] * sigmoid1(g[c]);
    }
}

void glu_backward(float *dx, const float *dy, const float *x, int B, int C)
{
    for (int b = 0; b < B; b++) {
        const float *a = x + (size_t)b * 2 * C, *g = a + C, *d = dy + (size_t)b * C;
        float *da = dx + (size_t)b * 2 * C, *dg = da + C;
        for (int c = 0; c < C; c++) {
            float s = sigmoid1(g[c]);
            da[c] = d[c] * s;
            dg[c] = d[c] * a[c] * s * (1.0f - s);
        }
    }
}
