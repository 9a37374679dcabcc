/* mlp.c — see mlp.h. */
#include "mlp.h"

#include "activations.h"
#include "dropout.h"
#include "error.h"
#include "init.h"
#include "layers.h"
#include "loss.h"
#include "norm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The library's batch norm seen as an MLP layer: features (B, D) are (B, C = D, S = 1). */
static void batchnorm_train_lib(float *y, float *mean, float *rstd, float *run_mean, float *run_var, const float *x,
                                const float *gamma, const float *beta, int B, int D, float momentum, float eps)
{
    batchnorm_forward_train(y, mean, rstd, run_mean, run_var, x, gamma, beta, B, D, 1, momentum, eps);
}

static void batchnorm_backward_lib(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                   const float *mean, const float *rstd, const float *gamma, int B, int D)
{
    batchnorm_backward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, B, D, 1);
}

int mlp_new(mlp_t *m, const int *sizes, int L, int batchnorm, float dropout, int max_batch)
{
    memset(m, 0, sizeof *m);
    if (L < 1 || L > MLP_MAX_LAYERS) {
        nn_error("an MLP has between 1 and MLP_MAX_LAYERS linear layers; sizes holds L + 1 widths",
                 "mlp_new: %d layers, expected 1..%d", L, MLP_MAX_LAYERS);
        return -1;
    }
    for (int l = 0; l <= L; l++)
        if (sizes[l] < 1) {
            nn_error("every layer needs at least one unit (sizes[0] is the input width, sizes[L] the classes)",
                     "mlp_new: sizes[%d] = %d, expected >= 1", l, sizes[l]);
            return -1;
        }
    if (batchnorm != 0 && batchnorm != 1) {
        nn_error("batchnorm is a switch", "mlp_new: batchnorm = %d, expected 0 or 1", batchnorm);
        return -1;
    }
    if (!(dropout >= 0 && dropout < 1)) {
        nn_error("dropout is the probability of DROPPING a hidden unit (0: no dropout)",
                 "mlp_new: dropout = %g, expected 0 <= p < 1", dropout);
        return -1;
    }
    if (max_batch < 1) {
        nn_error("max_batch is the most rows a forward pass will get", "mlp_new: max_batch = %d, expected >= 1",
                 max_batch);
        return -1;
    }
    m->L = L, m->batchnorm = batchnorm, m->dropout = dropout, m->max_batch = max_batch;
    int widest = 1;
    for (int l = 0; l <= L; l++) {
        m->sizes[l] = sizes[l];
        if (l > 0 && sizes[l] > widest)
            widest = sizes[l];
    }
    for (int l = 0; l < L; l++)
        m->n_train += (size_t)sizes[l] * sizes[l + 1] + sizes[l + 1] + (batchnorm && l < L - 1 ? 2u * sizes[l + 1] : 0);
    m->n_params = m->n_train;
    for (int l = 0; batchnorm && l < L - 1; l++)
        m->n_params += 2u * sizes[l + 1];
    m->params = nn_calloc(m->n_params, sizeof(float));
    m->grads = nn_calloc(m->n_params, sizeof(float));
    size_t off = 0, stats = m->n_train;
    for (int l = 0; l < L; l++) {
        const int in = sizes[l], out = sizes[l + 1];
        const size_t rows = (size_t)max_batch * out;
        m->W[l] = m->params + off, m->dW[l] = m->grads + off, off += (size_t)in * out;
        m->b[l] = m->params + off, m->db[l] = m->grads + off, off += out;
        m->tensor_sizes[m->n_tensors] = (size_t)in * out, m->no_decay[m->n_tensors++] = 0;
        m->tensor_sizes[m->n_tensors] = out, m->no_decay[m->n_tensors++] = 1;
        m->z[l] = nn_malloc(rows * sizeof(float));
        if (l == L - 1)
            break;
        if (batchnorm) {
            m->gamma[l] = m->params + off, m->dgamma[l] = m->grads + off, off += out;
            m->beta[l] = m->params + off, m->dbeta[l] = m->grads + off, off += out;
            for (int k = 0; k < 2; k++)
                m->tensor_sizes[m->n_tensors] = out, m->no_decay[m->n_tensors++] = 1;
            m->run_mean[l] = m->params + stats, stats += out;
            m->run_var[l] = m->params + stats, stats += out;
            m->u[l] = nn_malloc(rows * sizeof(float));
            m->mean[l] = nn_malloc((size_t)out * sizeof(float));
            m->rstd[l] = nn_malloc((size_t)out * sizeof(float));
        }
        m->a[l] = nn_malloc(rows * sizeof(float));
        if (dropout > 0)
            m->mask[l] = nn_malloc(rows * sizeof(float));
    }
    for (int i = 0; i < 3; i++)
        m->scratch[i] = nn_malloc((size_t)max_batch * widest * sizeof(float));
    m->dlogits = nn_malloc((size_t)max_batch * sizes[L] * sizeof(float));
    return 0;
}

void mlp_free(mlp_t *m)
{
    free(m->params), free(m->grads), free(m->dlogits);
    for (int l = 0; l < m->L; l++)
        free(m->z[l]), free(m->u[l]), free(m->a[l]), free(m->mask[l]), free(m->mean[l]), free(m->rstd[l]);
    for (int i = 0; i < 3; i++)
        free(m->scratch[i]);
    memset(m, 0, sizeof *m);
}

void mlp_init(mlp_t *m, rng_t *rng)
{
    memset(m->params, 0, m->n_params * sizeof(float));
    for (int l = 0; l < m->L; l++) {
        init_he_normal(m->W[l], m->sizes[l], m->sizes[l + 1], rng);
        if (l < m->L - 1 && m->batchnorm)
            for (int j = 0; j < m->sizes[l + 1]; j++)
                m->gamma[l][j] = 1, m->run_var[l][j] = 1;
    }
}

const float *mlp_forward(mlp_t *m, const float *x, int B)
{
    m->batch = 0; /* no backward until this pass has succeeded */
    if (B < 1 || B > m->max_batch) {
        nn_error("split the data into batches of at most max_batch rows (mlp_new's argument)",
                 "mlp_forward: batch of %d rows, expected 1..%d", B, m->max_batch);
        return NULL;
    }
    if (m->training && m->batchnorm && B < 2) {
        nn_error("batch norm in training normalizes over the batch: give it 2 rows or more, or evaluate "
                 "(m->training = 0) to use the running statistics", "mlp_forward: batch of 1 row in training mode");
        return NULL;
    }
    if (m->training && m->dropout > 0 && !m->rng) {
        nn_error("set m->rng before a training-mode forward pass: dropout draws its masks from it",
                 "mlp_forward: dropout %g in training mode, m->rng is NULL", m->dropout);
        return NULL;
    }
    const float *in = x;
    for (int l = 0; l < m->L; l++) {
        const int n_in = m->sizes[l], n = m->sizes[l + 1];
        linear_forward(m->z[l], in, m->W[l], m->b[l], B, n_in, n);
        if (l == m->L - 1)
            break;
        const float *pre = m->z[l];
        if (m->batchnorm) {
            if (m->training)
                (m->hooks.batchnorm_train ? m->hooks.batchnorm_train : batchnorm_train_lib)(
                    m->u[l], m->mean[l], m->rstd[l], m->run_mean[l], m->run_var[l], m->z[l], m->gamma[l],
                    m->beta[l], B, n, NORM_MOMENTUM, NORM_EPS);
            else
                batchnorm_forward_eval(m->u[l], m->z[l], m->gamma[l], m->beta[l], m->run_mean[l], m->run_var[l],
                                       B, n, 1, NORM_EPS);
            pre = m->u[l];
        }
        relu_forward(m->a[l], pre, (size_t)B * n);
        if (m->training && m->dropout > 0)
            (m->hooks.dropout ? m->hooks.dropout : dropout_forward)(m->a[l], m->mask[l], m->a[l], (size_t)B * n,
                                                                    m->dropout, m->rng);
        in = m->a[l];
    }
    m->batch = B, m->batch_training = m->training;
    return m->z[m->L - 1];
}

int mlp_backward(mlp_t *m, const float *x, const float *dlogits, int B)
{
    if (B < 1 || B != m->batch) {
        nn_error("call mlp_backward right after a successful mlp_forward, with the same batch",
                 "mlp_backward: %d rows, the last forward pass had %d", B, m->batch);
        return -1;
    }
    if (!m->batch_training && (m->batchnorm || m->dropout > 0)) {
        nn_error("set m->training = 1 before the forward pass: batch norm and dropout differentiate what training "
                 "mode computes", "mlp_backward: the last forward pass was in evaluation mode");
        return -1;
    }
    mlp_batchnorm_backward_fn_t bn_backward = m->hooks.batchnorm_backward ? m->hooks.batchnorm_backward
                                                                           : batchnorm_backward_lib;
    const float *d = dlogits; /* dL/dz of the current layer, (B, n_{l+1}) */
    for (int l = m->L - 1; l >= 0; l--) {
        const int n_in = m->sizes[l], n = m->sizes[l + 1];
        const float *in = l > 0 ? m->a[l - 1] : x;
        float *din = l > 0 ? m->scratch[l % 2] : NULL; /* never the buffer d points to */
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, n_in, n);
        if (l == 0)
            break;
        /* hidden layer h = l - 1, undone in reverse: dropout, relu, batch norm */
        const int h = l - 1;
        const size_t cnt = (size_t)B * n_in;
        if (m->dropout > 0)
            dropout_backward(din, din, m->mask[h], cnt);
        relu_backward(din, din, m->batchnorm ? m->u[h] : m->z[h], NULL, cnt); /* 1 where the relu's input > 0 */
        if (m->batchnorm) {
            bn_backward(m->scratch[2], m->dgamma[h], m->dbeta[h], din, m->z[h], m->mean[h], m->rstd[h], m->gamma[h],
                        B, n_in);
            d = m->scratch[2];
        } else {
            d = din;
        }
    }
    return 0;
}

float mlp_loss_grad(mlp_t *m, const float *x, const int *y, int B)
{
    const float *z = mlp_forward(m, x, B);
    if (!z)
        return NAN;
    float loss = softmax_cross_entropy(m->dlogits, z, y, B, m->sizes[m->L]);
    return mlp_backward(m, x, m->dlogits, B) == 0 ? loss : NAN;
}

typedef struct {
    mlp_t *m;
    float *probs; /* (n, K) or NULL */
} eval_ctx;

/* metrics_evaluate's view of the network: the logits of b rows starting at row `first`. */
static const float *eval_logits(void *ctx, const float *x, int first, int b)
{
    eval_ctx *c = ctx;
    const float *z = mlp_forward(c->m, x, b); /* b <= max_batch: the chunk size */
    const int K = c->m->sizes[c->m->L];
    if (c->probs)
        softmax_forward(c->probs + (size_t)first * K, z, b, K);
    return z;
}

metrics_eval_t mlp_evaluate(mlp_t *m, float *probs, const float *x, const int *y, int n)
{
    if (n < 1) { /* a mean over no examples: 0 and 0 would read as a perfect loss and a useless model */
        nn_error("check that the evaluation split is not empty (a split fraction of 0, a selection "
                 "that kept no rows)", "mlp_evaluate: %d examples: expected at least 1", n);
        return (metrics_eval_t){NAN, NAN};
    }
    const int was = m->training;
    m->training = 0;
    eval_ctx c = {m, probs};
    metrics_eval_t e = metrics_evaluate(x, y, n, m->sizes[0], m->sizes[m->L], m->max_batch, eval_logits, &c);
    m->training = was;
    return e;
}

const char *mlp_tag(const mlp_t *m, char *buf, size_t size)
{
    int k = snprintf(buf, size, "mlp");
    for (int l = 0; l <= m->L && k >= 0 && (size_t)k < size; l++)
        k += snprintf(buf + k, size - k, "%s%d", l ? "-" : " ", m->sizes[l]);
    if (m->batchnorm && k >= 0 && (size_t)k < size)
        snprintf(buf + k, size - k, " bn");
    return buf;
}
