/* lenet.c — see lenet.h. */
#include "lenet.h"

#include "activations.h"
#include "error.h"
#include "init.h"
#include "layers.h"
#include "loss.h"
#include "matmul.h"
#include "metrics.h"
#include "pool.h"

#include <stdlib.h>
#include <string.h>

const lenet_config_t LENET_5 = {6, 16, 120, 84};

int lenet_new(lenet_t *m, lenet_config_t cfg, int max_batch)
{
    memset(m, 0, sizeof *m);
    if (cfg.c1 < 1 || cfg.c2 < 1 || cfg.h1 < 1 || cfg.h2 < 1 || max_batch < 1) {
        nn_error("every layer needs at least one channel or unit, and a batch at least one example",
                 "lenet_new: c1 %d, c2 %d, h1 %d, h2 %d, max_batch %d: expected each >= 1", cfg.c1, cfg.c2, cfg.h1,
                 cfg.h2, max_batch);
        return -1;
    }
    m->cfg = cfg, m->max_batch = max_batch;
    if (conv_shape_init(&m->s1, max_batch, 1, 28, 28, cfg.c1, 5, 5, 1, 2, 1) != 0 ||
        conv_shape_init(&m->s2, max_batch, cfg.c1, 14, 14, cfg.c2, 5, 5, 1, 0, 1) != 0)
        return -1;
    const size_t flat = (size_t)cfg.c2 * 25;
    const size_t sizes[10] = {conv_weight_count(&m->s1), (size_t)cfg.c1, conv_weight_count(&m->s2), (size_t)cfg.c2,
                              flat * cfg.h1, (size_t)cfg.h1, (size_t)cfg.h1 * cfg.h2, (size_t)cfg.h2,
                              (size_t)cfg.h2 * LENET_CLASSES, LENET_CLASSES};
    size_t n = 0;
    for (int i = 0; i < 10; i++)
        n += sizes[i];
    m->n_params = n, m->n_trunk = sizes[0] + sizes[1] + sizes[2] + sizes[3];
    m->params = nn_calloc(n, sizeof(float));
    m->grads = nn_calloc(n, sizeof(float));
    float **pv[10] = {&m->w1, &m->b1, &m->w2, &m->b2, &m->f1w, &m->f1b, &m->f2w, &m->f2b, &m->f3w, &m->f3b};
    float **gv[10] = {&m->dw1, &m->db1, &m->dw2, &m->db2, &m->df1w, &m->df1b, &m->df2w, &m->df2b, &m->df3w, &m->df3b};
    for (int i = 0, off = 0; i < 10; off += (int)sizes[i], i++)
        *pv[i] = m->params + off, *gv[i] = m->grads + off;
    const size_t B = (size_t)max_batch, A1 = B * cfg.c1 * 784, P1 = B * cfg.c1 * 196, A2 = B * cfg.c2 * 100,
                 P2 = B * flat;
    m->a1 = nn_malloc(A1 * sizeof(float)), m->da1 = nn_malloc(A1 * sizeof(float));
    m->p1 = nn_malloc(P1 * sizeof(float)), m->dp1 = nn_malloc(P1 * sizeof(float));
    m->i1 = nn_malloc(P1 * sizeof(int));
    m->a2 = nn_malloc(A2 * sizeof(float)), m->da2 = nn_malloc(A2 * sizeof(float));
    m->p2 = nn_malloc(P2 * sizeof(float)), m->dp2 = nn_malloc(P2 * sizeof(float));
    m->i2 = nn_malloc(P2 * sizeof(int));
    m->h1 = nn_malloc(B * cfg.h1 * sizeof(float)), m->dh1 = nn_malloc(B * cfg.h1 * sizeof(float));
    m->h2 = nn_malloc(B * cfg.h2 * sizeof(float)), m->dh2 = nn_malloc(B * cfg.h2 * sizeof(float));
    m->logits = nn_malloc(B * LENET_CLASSES * sizeof(float));
    size_t w1 = conv_work_size(&m->s1), w2 = conv_work_size(&m->s2);
    m->work = nn_malloc((w1 > w2 ? w1 : w2) * sizeof(float));
    return 0;
}

void lenet_free(lenet_t *m)
{
    float *bufs[] = {m->params, m->grads, m->a1, m->da1, m->p1, m->dp1, m->a2, m->da2, m->p2, m->dp2,
                     m->h1, m->dh1, m->h2, m->dh2, m->logits, m->work};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        free(bufs[i]);
    free(m->i1), free(m->i2);
    memset(m, 0, sizeof *m);
}

void lenet_init(lenet_t *m, rng_t *rng)
{
    const lenet_config_t c = m->cfg;
    init_normal(m->w1, conv_weight_count(&m->s1), init_he_std(25), rng);
    init_normal(m->w2, conv_weight_count(&m->s2), init_he_std(c.c1 * 25), rng);
    init_he_normal(m->f1w, c.c2 * 25, c.h1, rng);
    init_he_normal(m->f2w, c.h1, c.h2, rng);
    init_he_normal(m->f3w, c.h2, LENET_CLASSES, rng);
    init_zeros(m->b1, (size_t)c.c1), init_zeros(m->b2, (size_t)c.c2);
    init_zeros(m->f1b, (size_t)c.h1), init_zeros(m->f2b, (size_t)c.h2), init_zeros(m->f3b, LENET_CLASSES);
}

static int check_batch(const lenet_t *m, int B, const char *op)
{
    if (B >= 1 && B <= m->max_batch)
        return 0;
    nn_error("split the data into batches of at most max_batch examples (lenet_evaluate does)",
             "%s: batch of %d examples: expected 1 to %d (the network's max_batch)", op, B, m->max_batch);
    return -1;
}

/* The ReLU and max pooling after convolution `layer` (1 or 2), for images [lo, lo + n): forward
 * (the ReLU in place, then the pooling) or backward (the pooling's gradient into da, then the
 * ReLU's mask). Element-wise per image, so two halves of a batch can run at once. */
typedef struct {
    lenet_t *m;
    int layer, backward, lo, n;
} lenet_half_t;

static void *relu_pool_half(void *arg)
{
    const lenet_half_t *t = arg;
    lenet_t *m = t->m;
    const int one = t->layer == 1, C = one ? m->cfg.c1 : m->cfg.c2, S = one ? 28 : 10;
    const size_t in = (size_t)C * S * S, out = in / 4, lo = (size_t)t->lo; /* (C, S, S) -> (C, S/2, S/2) */
    float *a = (one ? m->a1 : m->a2) + lo * in, *da = (one ? m->da1 : m->da2) + lo * in;
    float *p = (one ? m->p1 : m->p2) + lo * out, *dp = (one ? m->dp1 : m->dp2) + lo * out;
    int *arg_max = (one ? m->i1 : m->i2) + lo * out;
    if (!t->backward) {
        relu_forward(a, a, (size_t)t->n * in);
        pool_max_forward(p, arg_max, a, t->n, C, S, S, 2, 2);
    } else {
        pool_max_backward(da, dp, arg_max, t->n, C, S, S, 2, 2);
        relu_backward(da, da, a, NULL, (size_t)t->n * in); /* a > 0 exactly where the conv's output was */
    }
    return NULL;
}

/* relu_pool_half on the whole batch, its two halves on two threads (matmul_run2) from 16 images
 * on: these passes are as slow as the convolutions' products would be if they stayed on one core
 * while the products use two. The results do not depend on the split: nothing is summed. */
static void relu_pool(lenet_t *m, int layer, int backward, int B)
{
    lenet_half_t t[2] = {{m, layer, backward, 0, B / 2}, {m, layer, backward, B / 2, B - B / 2}};
    if (B < 16) {
        t[0].n = B;
        relu_pool_half(&t[0]);
    } else
        matmul_run2(relu_pool_half, &t[0], &t[1]);
}

const float *lenet_forward(lenet_t *m, const float *x, int B)
{
    if (check_batch(m, B, "lenet_forward") != 0)
        return NULL;
    const lenet_config_t c = m->cfg;
    matmul_single_begin(); /* see lenet.h, Threads */
    m->s1.B = m->s2.B = B;
    conv2d_forward(m->a1, m->work, x, m->w1, m->b1, &m->s1);
    relu_pool(m, 1, 0, B);
    conv2d_forward(m->a2, m->work, m->p1, m->w2, m->b2, &m->s2);
    relu_pool(m, 2, 0, B);
    linear_forward(m->h1, m->p2, m->f1w, m->f1b, B, c.c2 * 25, c.h1);
    relu_forward(m->h1, m->h1, (size_t)B * c.h1);
    linear_forward(m->h2, m->h1, m->f2w, m->f2b, B, c.h1, c.h2);
    relu_forward(m->h2, m->h2, (size_t)B * c.h2);
    linear_forward(m->logits, m->h2, m->f3w, m->f3b, B, c.h2, LENET_CLASSES);
    matmul_single_end();
    return m->logits;
}

int lenet_backward(lenet_t *m, const float *x, const float *dlogits, int B)
{
    if (check_batch(m, B, "lenet_backward") != 0)
        return -1;
    const lenet_config_t c = m->cfg;
    matmul_single_begin();
    m->s1.B = m->s2.B = B;
    linear_backward(m->dh2, m->df3w, m->df3b, dlogits, m->h2, m->f3w, B, c.h2, LENET_CLASSES);
    relu_backward(m->dh2, m->dh2, m->h2, NULL, (size_t)B * c.h2); /* h > 0 exactly where its input was */
    linear_backward(m->dh1, m->df2w, m->df2b, m->dh2, m->h1, m->f2w, B, c.h1, c.h2);
    relu_backward(m->dh1, m->dh1, m->h1, NULL, (size_t)B * c.h1);
    linear_backward(m->dp2, m->df1w, m->df1b, m->dh1, m->p2, m->f1w, B, c.c2 * 25, c.h1);
    relu_pool(m, 2, 1, B);
    conv2d_backward(m->dp1, m->dw2, m->db2, m->work, m->da2, m->p1, m->w2, &m->s2);
    relu_pool(m, 1, 1, B);
    conv2d_backward(NULL, m->dw1, m->db1, m->work, m->da1, x, m->w1, &m->s1);
    matmul_single_end();
    return 0;
}

void lenet_evaluate(lenet_t *m, const float *x, const int *y, int n, double *loss, double *acc, int *pred)
{
    double total = 0;
    long correct = 0;
    for (int i = 0; i < n; i += m->max_batch) {
        int b = n - i < m->max_batch ? n - i : m->max_batch;
        const float *z = lenet_forward(m, x + (size_t)i * LENET_PIXELS, b);
        total += (double)softmax_cross_entropy(NULL, z, y + i, b, LENET_CLASSES) * b;
        for (int r = 0; r < b; r++) {
            int p = metrics_argmax(z + (size_t)r * LENET_CLASSES, LENET_CLASSES);
            correct += p == y[i + r];
            if (pred)
                pred[i + r] = p;
        }
    }
    *loss = n ? total / n : 0;
    *acc = n ? (double)correct / n : 0;
}

double lenet_flops_forward(const lenet_t *m)
{
    const lenet_config_t c = m->cfg;
    conv_shape_t s1 = m->s1, s2 = m->s2;
    s1.B = s2.B = 1;
    return conv_forward_flops(&s1) + conv_forward_flops(&s2) +
           2.0 * ((double)c.c2 * 25 * c.h1 + (double)c.h1 * c.h2 + (double)c.h2 * LENET_CLASSES);
}

double lenet_flops_train(const lenet_t *m)
{
    conv_shape_t s1 = m->s1;
    s1.B = 1;
    return 3 * lenet_flops_forward(m) - conv_forward_flops(&s1); /* forward, dW, dx; conv1 has no dx */
}
