/* clip.c — see clip.h. */
#include "clip.h"

#include "error.h"

#include <math.h>

double clip_grad_norm(float *const *grads, const size_t *sizes, int k, float max_norm)
{
    if (!(max_norm > 0))
        nn_fatal("the largest allowed norm must be positive (1.0 is common)", "clip_grad_norm: max_norm = %g",
                 max_norm);
    double sq = 0;
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < sizes[j]; i++)
            sq += (double)grads[j][i] * grads[j][i];
    double norm = sqrt(sq);
    if (norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (int j = 0; j < k; j++)
            for (size_t i = 0; i < sizes[j]; i++)
                grads[j][i] *= scale;
    }
    return norm;
}

double clip_grad_norm_flat(float *g, size_t n, float max_norm)
{
    return clip_grad_norm(&g, &n, 1, max_norm);
}

size_t clip_grad_value(float *g, size_t n, float c)
{
    if (!(c > 0))
        nn_fatal("the clipping value must be positive", "clip_grad_value: c = %g", c);
    size_t clipped = 0;
    for (size_t i = 0; i < n; i++) {
        if (g[i] > c)
            g[i] = c, clipped++;
        else if (g[i] < -c)
            g[i] = -c, clipped++;
    }
    return clipped;
}
