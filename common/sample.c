/* sample.c — see sample.h. */
#include "sample.h"

#include <math.h>

void sample_softmax(float *p, const float *z, int V, float tau)
{
    float m = z[0];
    for (int v = 1; v < V; v++)
        m = z[v] > m ? z[v] : m;
    double s = 0;
    for (int v = 0; v < V; v++)
        s += p[v] = expf((z[v] - m) / tau);
    for (int v = 0; v < V; v++)
        p[v] = (float)(p[v] / s);
}

int sample_draw(const float *p, int V, rng_t *rng)
{
    double u = rng_uniform(rng), acc = 0;
    int last = 0;
    for (int v = 0; v < V; v++) {
        if (p[v] > 0)
            last = v;
        acc += p[v];
        if (u < acc)
            return v;
    }
    return last;
}

int sample_logits(float *scratch, const float *z, int V, float tau, rng_t *rng)
{
    if (tau <= 0) {
        int best = 0;
        for (int v = 1; v < V; v++)
            if (z[v] > z[best])
                best = v;
        return best;
    }
    sample_softmax(scratch, z, V, tau);
    return sample_draw(scratch, V, rng);
}
