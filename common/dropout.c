/* dropout.c — see dropout.h. */
#include "dropout.h"

#include "error.h"

static void check_p(const char *op, float p)
{
    if (!(p >= 0 && p < 1))
        nn_fatal("p is the probability of DROPPING a unit: 0 <= p < 1 (p = 0.5 drops half; p = 1 would drop "
                 "everything and divide by zero)", "%s: p = %g, expected 0 <= p < 1", op, p);
}

void dropout_mask(float *mask, size_t n, float p, rng_t *rng)
{
    check_p("dropout_mask", p);
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++)
        mask[i] = rng_uniform(rng) < p ? 0.0f : keep;
}

void dropout_forward(float *y, float *mask, const float *x, size_t n, float p, rng_t *rng)
{
    dropout_mask(mask, n, p, rng);
    for (size_t i = 0; i < n; i++)
        y[i] = mask[i] * x[i];
}

void dropout_backward(float *dx, const float *dy, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = mask[i] * dy[i];
}

void dropconnect_weights(float *Wm, float *mask, const float *W, size_t n, float p, rng_t *rng)
{
    dropout_forward(Wm, mask, W, n, p, rng);
}

void dropconnect_backward(float *dW, const float *dWm, const float *mask, size_t n)
{
    dropout_backward(dW, dWm, mask, n);
}
