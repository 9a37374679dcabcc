/* mlp.h — the model both examples share: a 784-128-10 perceptron with one ReLU hidden layer.
 *
 * All parameters live in one float block (W1, b1, W2, b2), so a checkpoint is that block and one
 * Adam state covers the whole model. Activations live in a workspace sized for `cap` rows,
 * allocated once: a training step allocates nothing.
 */
#ifndef EXAMPLE_MLP_H
#define EXAMPLE_MLP_H

#include <nn/nn.h>

#include <stdlib.h>

enum { MLP_IN = 784, MLP_HIDDEN = 128, MLP_OUT = 10 };
#define MLP_TAG "example mlp 784-128-10 relu"

typedef struct {
    float *params, *grads;        /* (n) each: W1 (784, 128), b1 (128), W2 (128, 10), b2 (10) */
    size_t n;
    float *W1, *b1, *W2, *b2;     /* views into params */
    float *dW1, *db1, *dW2, *db2; /* views into grads */
    int cap;                      /* rows the workspace holds */
    float *h, *z, *dz, *dh;       /* (cap, 128), (cap, 10), (cap, 10), (cap, 128) */
} mlp_t;

static inline mlp_t mlp_new(int cap)
{
    mlp_t m = {.n = (size_t)MLP_IN * MLP_HIDDEN + MLP_HIDDEN + (size_t)MLP_HIDDEN * MLP_OUT + MLP_OUT,
               .cap = cap};
    m.params = nn_calloc(m.n, sizeof(float));
    m.grads = nn_calloc(m.n, sizeof(float));
    float *p[2] = {m.params, m.grads}, **views[2][4] = {{&m.W1, &m.b1, &m.W2, &m.b2},
                                                       {&m.dW1, &m.db1, &m.dW2, &m.db2}};
    const size_t sizes[4] = {(size_t)MLP_IN * MLP_HIDDEN, MLP_HIDDEN, (size_t)MLP_HIDDEN * MLP_OUT, MLP_OUT};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 4; i++)
            *views[k][i] = p[k], p[k] += sizes[i];
    m.h = nn_malloc((size_t)cap * MLP_HIDDEN * sizeof(float));
    m.dh = nn_malloc((size_t)cap * MLP_HIDDEN * sizeof(float));
    m.z = nn_malloc((size_t)cap * MLP_OUT * sizeof(float));
    m.dz = nn_malloc((size_t)cap * MLP_OUT * sizeof(float));
    return m;
}

static inline void mlp_free(mlp_t *m)
{
    free(m->params), free(m->grads), free(m->h), free(m->dh), free(m->z), free(m->dz);
}

/* Logits m->z (B, 10) of the images x (B, 784), B <= cap. */
static inline const float *mlp_forward(mlp_t *m, const float *x, int B)
{
    linear_forward(m->h, x, m->W1, m->b1, B, MLP_IN, MLP_HIDDEN);
    relu_forward(m->h, m->h, (size_t)B * MLP_HIDDEN);
    linear_forward(m->z, m->h, m->W2, m->b2, B, MLP_HIDDEN, MLP_OUT);
    return m->z;
}

#endif
