/* init.c — see init.h. */
#include "init.h"

#include <math.h>

void init_zeros(float *w, size_t n) { init_constant(w, n, 0.0f); }

void init_constant(float *w, size_t n, float value)
{
    for (size_t i = 0; i < n; i++)
        w[i] = value;
}

void init_uniform(float *w, size_t n, float a, rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        w[i] = rng_range(rng, -a, a);
}

void init_normal(float *w, size_t n, float std, rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        w[i] = std * rng_normal(rng);
}

float init_lecun_std(int fan_in) { return sqrtf(1.0f / (float)fan_in); }
float init_xavier_std(int fan_in, int fan_out) { return sqrtf(2.0f / (float)(fan_in + fan_out)); }
float init_he_std(int fan_in) { return sqrtf(2.0f / (float)fan_in); }

static size_t count(int fan_in, int fan_out) { return (size_t)fan_in * (size_t)fan_out; }

/* U(-a, a) has variance a^2 / 3: a = sqrt(3) std. */
void init_xavier_uniform(float *w, int fan_in, int fan_out, rng_t *rng)
{
    init_uniform(w, count(fan_in, fan_out), sqrtf(3.0f) * init_xavier_std(fan_in, fan_out), rng);
}

void init_xavier_normal(float *w, int fan_in, int fan_out, rng_t *rng)
{
    init_normal(w, count(fan_in, fan_out), init_xavier_std(fan_in, fan_out), rng);
}

void init_he_normal(float *w, int fan_in, int fan_out, rng_t *rng)
{
    init_normal(w, count(fan_in, fan_out), init_he_std(fan_in), rng);
}

void init_he_uniform(float *w, int fan_in, int fan_out, rng_t *rng)
{
    init_uniform(w, count(fan_in, fan_out), sqrtf(3.0f) * init_he_std(fan_in), rng);
}

void init_lecun_normal(float *w, int fan_in, int fan_out, rng_t *rng)
{
    init_normal(w, count(fan_in, fan_out), init_lecun_std(fan_in), rng);
}
