/* quant.c — int8 quantization; see quant.h (the maths) and chapter 11 (the derivations). */
#include "quant.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int quant_params_symmetric(quant_params_t *p, float absmax, const char *what)
{
    if (!(absmax > 0) || !isfinite(absmax)) {
        nn_error("a calibration set of all-zero (or empty) inputs has no range to quantize: calibrate on real data",
                 "%s: cannot derive a symmetric int8 scale: expected a largest |value| > 0 and finite, got %g",
                 what ? what : "tensor", absmax);
        return -1;
    }
    p->scale = absmax / 127.0f;
    p->zero_point = 0;
    return 0;
}

int quant_params_asymmetric(quant_params_t *p, float lo, float hi, const char *what)
{
    lo = fminf(lo, 0.0f), hi = fmaxf(hi, 0.0f); /* the real 0 must be representable */
    if (!(hi - lo > 0) || !isfinite(hi - lo)) {
        nn_error("a calibration set of all-zero (or empty) inputs has no range to quantize: calibrate on real data",
                 "%s: cannot derive an asymmetric int8 scale: expected a range hi - lo > 0 and finite, got [%g, %g]",
                 what ? what : "tensor", lo, hi);
        return -1;
    }
    p->scale = (hi - lo) / 255.0f;
    float z = rintf(-128.0f - lo / p->scale);
    p->zero_point = (int)fminf(fmaxf(z, QUANT_MIN), QUANT_MAX);
    return 0;
}

/* q clamped to [-128, 127]; a NaN becomes -128 (comparisons instead of fminf/fmaxf, which are
 * calls that handle NaNs, several times slower here) */
static inline int8_t clamp_s8(float q) { return (int8_t)(q > QUANT_MIN ? (q < QUANT_MAX ? q : QUANT_MAX) : QUANT_MIN); }

int8_t quant_quantize_value(float x, quant_params_t p) { return clamp_s8(rintf(x / p.scale) + (float)p.zero_point); }

float quant_dequantize_value(int8_t q, quant_params_t p) { return p.scale * (float)((int)q - p.zero_point); }

void quant_quantize(int8_t *q, const float *x, size_t n, quant_params_t p)
{
    for (size_t i = 0; i < n; i++)
        q[i] = quant_quantize_value(x[i], p);
}

void quant_dequantize(float *x, const int8_t *q, size_t n, quant_params_t p)
{
    for (size_t i = 0; i < n; i++)
        x[i] = quant_dequantize_value(q[i], p);
}

void quant_per_channel(int8_t *q, quant_params_t *p, const float *w, int channels, size_t per_channel)
{
    for (int c = 0; c < channels; c++) {
        const float *row = w + (size_t)c * per_channel;
        float m = 0;
        for (size_t i = 0; i < per_channel; i++)
            m = fmaxf(m, fabsf(row[i]));
        p[c] = (quant_params_t){m > 0 ? m / 127.0f : 1.0f, 0};
        quant_quantize(q + (size_t)c * per_channel, row, per_channel, p[c]);
    }
}

static int check_set(const float *x, size_t n, const char *what)
{
    if (n == 0) {
        nn_error("calibrate on at least one batch of real inputs", "%s: expected a calibration set of at least one "
                 "value, got 0 values", what);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            nn_error("a NaN or infinity in the activations: is the model trained and the input normalized?",
                     "%s: expected finite values, got %g at index %zu", what, x[i], i);
            return -1;
        }
    return 0;
}

int quant_calibrate_minmax(float *lo, float *hi, const float *x, size_t n)
{
    if (check_set(x, n, "min/max calibration") != 0)
        return -1;
    float a = x[0], b = x[0];
    for (size_t i = 1; i < n; i++)
        a = fminf(a, x[i]), b = fmaxf(b, x[i]);
    *lo = a, *hi = b;
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int quant_calibrate_percentile(float *absmax, float *scratch, const float *x, size_t n, float pct)
{
    if (!(pct > 0 && pct <= 100)) {
        nn_error("99.9 or 99.99 are usual choices", "percentile calibration: expected 0 < pct <= 100, got %g", pct);
        return -1;
    }
    if (check_set(x, n, "percentile calibration") != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabsf(x[i]);
    qsort(scratch, n, sizeof(float), cmp_float);
    size_t rank = (size_t)ceil((double)pct / 100.0 * (double)n); /* nearest rank, 1-based */
    *absmax = scratch[(rank < 1 ? 1 : rank) - 1];
    return 0;
}

void quant_fake_forward(float *y, const float *x, size_t n, quant_params_t p)
{
    for (size_t i = 0; i < n; i++)
        y[i] = quant_dequantize_value(quant_quantize_value(x[i], p), p);
}

void quant_fake_backward(float *dx, const float *dy, const float *x, size_t n, quant_params_t p)
{
    const float lo = p.scale * (float)(QUANT_MIN - p.zero_point), hi = p.scale * (float)(QUANT_MAX - p.zero_point);
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] >= lo && x[i] <= hi ? dy[i] : 0.0f;
}

void quant_quantize_stochastic(int8_t *q, const float *x, size_t n, quant_params_t p, rng_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        q[i] = clamp_s8(floorf(x[i] / p.scale + rng_uniform(rng)) + (float)p.zero_point);
    }
}
