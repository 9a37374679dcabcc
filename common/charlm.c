/* charlm.c — the character language model of chapter 8 (see charlm.h). */
#include "charlm.h"
#include "clip.h"
#include "dropout.h"
#include "embedding.h"
#include "error.h"
#include "init.h"
#include "layers.h"
#include "loss.h"
#include "sample.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *charlm_cell_name(charlm_cell_t cell) { return cell == CHARLM_GRU ? "gru" : "lstm"; }

size_t charlm_size(charlm_cell_t cell, int V, int H)
{
    size_t G = cell == CHARLM_LSTM ? 4 : 3;
    return (size_t)V * G * H + (size_t)H * G * H + G * H + (cell == CHARLM_GRU ? G * H : 0) + (size_t)H * V + V;
}

int charlm_new(charlm_t *m, charlm_cell_t cell, int V, int H, int T, int B)
{
    memset(m, 0, sizeof *m);
    if (cell != CHARLM_LSTM && cell != CHARLM_GRU) {
        nn_error("the cell is CHARLM_LSTM or CHARLM_GRU", "charlm_new: cell %d, expected %d or %d", (int)cell,
                 CHARLM_LSTM, CHARLM_GRU);
        return -1;
    }
    if (V < 1 || H < 1 || T < 1 || B < 1) {
        nn_error("V is the vocabulary's size, H the hidden units, (T, B) the window: steps and sequences",
                 "charlm_new: V = %d, H = %d, T = %d, B = %d, expected each >= 1", V, H, T, B);
        return -1;
    }
    m->cell = cell, m->V = V, m->H = H, m->T = T, m->B = B, m->G = cell == CHARLM_LSTM ? 4 : 3;
    m->carry = 1;
    m->n_params = charlm_size(cell, V, H);
    m->params = nn_calloc(m->n_params, sizeof(float));
    m->grads = nn_calloc(m->n_params, sizeof(float));
    float *views[2][6];
    for (int k = 0; k < 2; k++) {
        float *p = k ? m->grads : m->params;
        size_t GH = (size_t)m->G * H;
        views[k][0] = p, p += (size_t)V * GH;
        views[k][1] = p, p += (size_t)H * GH;
        views[k][2] = p, p += GH;
        views[k][3] = cell == CHARLM_GRU ? p : NULL, p += cell == CHARLM_GRU ? GH : 0;
        views[k][4] = p, p += (size_t)H * V;
        views[k][5] = p;
    }
    m->Wx = views[0][0], m->Wh = views[0][1], m->b = views[0][2], m->bh = views[0][3], m->Wy = views[0][4];
    m->by = views[0][5];
    m->dWx = views[1][0], m->dWh = views[1][1], m->db = views[1][2], m->dbh = views[1][3], m->dWy = views[1][4];
    m->dby = views[1][5];
    if (cell == CHARLM_LSTM)
        m->lc = lstm_cache_new(T, B, V, H);
    else
        m->gc = gru_cache_new(T, B, V, H);
    const size_t N = (size_t)T * B;
    m->x = nn_malloc(N * V * sizeof(float));
    m->logits = nn_malloc(N * V * sizeof(float));
    m->dlogits = nn_malloc(N * V * sizeof(float));
    m->dhs = nn_malloc(N * H * sizeof(float));
    m->hd = nn_malloc(N * H * sizeof(float));
    m->mask = nn_malloc(N * H * sizeof(float));
    m->h = nn_calloc((size_t)B * H, sizeof(float));
    m->c = nn_calloc((size_t)B * H, sizeof(float));
    return 0;
}

void charlm_free(charlm_t *m)
{
    if (m->cell == CHARLM_LSTM)
        lstm_cache_free(&m->lc);
    else
        gru_cache_free(&m->gc);
    free(m->params), free(m->grads), free(m->x), free(m->logits), free(m->dlogits), free(m->dhs), free(m->hd),
        free(m->mask), free(m->h), free(m->c);
    memset(m, 0, sizeof *m);
}

void charlm_init(charlm_t *m, rng_t *rng)
{
    float a = 1.0f / sqrtf((float)m->H);
    size_t GH = (size_t)m->G * m->H;
    init_uniform(m->Wx, (size_t)m->V * GH, a, rng);
    init_uniform(m->Wh, (size_t)m->H * GH, a, rng);
    memset(m->b, 0, GH * sizeof(float));
    if (m->cell == CHARLM_LSTM) /* the forget gate's block, i f g o: remember by default (chapter 8.4) */
        for (int j = 0; j < m->H; j++)
            m->b[m->H + j] = 1.0f;
    else
        memset(m->bh, 0, GH * sizeof(float));
    init_xavier_uniform(m->Wy, m->H, m->V, rng);
    memset(m->by, 0, (size_t)m->V * sizeof(float));
}

void charlm_reset_state(charlm_t *m)
{
    memset(m->h, 0, (size_t)m->B * m->H * sizeof(float));
    memset(m->c, 0, (size_t)m->B * m->H * sizeof(float));
}

const float *charlm_output(const charlm_t *m) { return m->cell == CHARLM_LSTM ? lstm_output(&m->lc) : gru_output(&m->gc); }

const float *charlm_forward(charlm_t *m, const int *inputs)
{
    const int N = m->T * m->B;
    const size_t BH = (size_t)m->B * m->H;
    for (int n = 0; n < N; n++) /* embedding_one_hot would exit on a bad id: report it here instead */
        if (inputs[n] < 0 || inputs[n] >= m->V) {
            nn_error("the inputs are ids of the vocabulary the model was made for",
                     "charlm_forward: id %d at position %d of the (T, B) = (%d, %d) window, expected 0 <= id < V = %d",
                     inputs[n], n, m->T, m->B, m->V);
            m->ready = 0;
            return NULL;
        }
    embedding_one_hot(m->x, inputs, N, m->V);
    const float *h0 = m->carry ? m->h : NULL, *out; /* NULL: the layer starts from zeros */
    if (m->cell == CHARLM_LSTM) {
        lstm_forward(&m->lc, m->x, m->Wx, m->Wh, m->b, h0, m->carry ? m->c : NULL);
        if (m->carry) {
            memcpy(m->h, lstm_last_h(&m->lc), BH * sizeof(float));
            memcpy(m->c, lstm_last_c(&m->lc), BH * sizeof(float));
        }
    } else {
        gru_forward(&m->gc, m->x, m->Wx, m->Wh, m->b, m->bh, h0);
        if (m->carry)
            memcpy(m->h, gru_output(&m->gc) + (size_t)(m->T - 1) * BH, BH * sizeof(float));
    }
    out = charlm_output(m);
    m->dropped = m->training && m->dropout > 0;
    if (m->dropped) { /* between the recurrent layer and the read-out, never on h_{t-1} -> h_t */
        dropout_forward(m->hd, m->mask, out, (size_t)N * m->H, m->dropout, m->rng);
        out = m->hd;
    }
    linear_forward(m->logits, out, m->Wy, m->by, N, m->H, m->V);
    m->ready = 1;
    return m->logits;
}

/* AR: ar * mean(h^2), gradient 2 ar h / n. TAR: tar * mean over the k = (T-1) B H differences of
 * (h_t - h_{t-1})^2, gradient +2 tar d / k into h_t and -2 tar d / k into h_{t-1}. */
double charlm_penalty(const charlm_t *m, float *dh)
{
    const float *h = charlm_output(m);
    const float ar = m->ar, tar = m->tar;
    const size_t BH = (size_t)m->B * m->H, n = (size_t)m->T * BH;
    double pen = 0;
    if (ar > 0) {
        double s = 0;
        for (size_t i = 0; i < n; i++) {
            s += (double)h[i] * h[i];
            if (dh) dh[i] += 2.0f * ar * h[i] / (float)n;
        }
        pen += ar * s / n;
    }
    if (tar > 0 && m->T > 1) {
        double s = 0, k = (double)(m->T - 1) * BH;
        for (size_t i = BH; i < n; i++) {
            float d = h[i] - h[i - BH];
            s += (double)d * d;
            if (dh) {
                dh[i] += (float)(2.0 * tar * d / k);
                dh[i - BH] -= (float)(2.0 * tar * d / k);
            }
        }
        pen += tar * s / k;
    }
    return pen;
}

float charlm_loss(charlm_t *m, const int *inputs, const int *targets)
{
    const int N = m->T * m->B;
    for (int n = 0; n < N; n++) /* softmax_cross_entropy trusts its labels */
        if (targets[n] < 0 || targets[n] >= m->V) {
            nn_error("the targets are ids of the vocabulary the model was made for",
                     "charlm_loss: target %d at position %d, expected 0 <= id < V = %d", targets[n], n, m->V);
            m->ready = 0;
            return NAN;
        }
    if (!charlm_forward(m, inputs))
        return NAN;
    return softmax_cross_entropy(m->dlogits, m->logits, targets, N, m->V);
}

int charlm_backward(charlm_t *m)
{
    if (!m->ready) {
        nn_error("call charlm_forward (or charlm_loss) on the window first",
                 "charlm_backward: no forward pass to go back through");
        return -1;
    }
    const int N = m->T * m->B;
    const float *out = charlm_output(m);
    linear_backward(m->dhs, m->dWy, m->dby, m->dlogits, m->dropped ? m->hd : out, m->Wy, N, m->H, m->V);
    if (m->dropped)
        dropout_backward(m->dhs, m->dhs, m->mask, (size_t)N * m->H);
    charlm_penalty(m, m->dhs);
    if (m->cell == CHARLM_LSTM)
        lstm_backward(NULL, m->dWx, m->dWh, m->db, NULL, NULL, &m->lc, m->dhs, m->x, m->Wx, m->Wh);
    else
        gru_backward(NULL, m->dWx, m->dWh, m->db, m->dbh, NULL, &m->gc, m->dhs, m->x, m->Wx, m->Wh);
    return 0;
}

float charlm_train_step(charlm_t *m, adam_t *opt, double *grad_norm, const int *inputs, const int *targets,
                        float clip)
{
    m->training = 1;
    float loss = charlm_loss(m, inputs, targets);
    int rc = isnan(loss) ? -1 : charlm_backward(m);
    m->training = 0;
    if (rc != 0)
        return NAN;
    double gn = clip_grad_norm_flat(m->grads, m->n_params, clip);
    if (grad_norm)
        *grad_norm = gn;
    adam_step(opt, m->params, m->grads);
    return loss;
}

double charlm_bits(charlm_t *m, const int *inputs, const int *targets)
{
    const int N = m->T * m->B, training = m->training;
    m->training = 0;
    const float *z = charlm_forward(m, inputs);
    m->training = training;
    if (!z)
        return NAN;
    if (m->hooks.bits)
        return m->hooks.bits(z, targets, N, m->V);
    return softmax_cross_entropy(m->dlogits, z, targets, N, m->V) / log(2.0);
}

int charlm_generate(const charlm_t *m, char *out, const text_vocab_t *vocab, const char *prompt, int len, float tau,
                    rng_t *rng)
{
    if (vocab->size != m->V || vocab->level != TEXT_BYTES || !(tau > 0) || len < 0) {
        nn_error("generate with the byte-level vocabulary the model was trained with, tau > 0, len >= 0",
                 "charlm_generate: vocabulary of %d %s, tau %g, len %d; expected %d bytes, tau > 0, len >= 0",
                 vocab->size, vocab->level == TEXT_BYTES ? "bytes" : "characters", tau, len, m->V);
        return -1;
    }
    charlm_t g; /* batch 1, one step a pass: its own caches, the same weights and hooks */
    charlm_new(&g, m->cell, m->V, m->H, 1, 1);
    memcpy(g.params, m->params, m->n_params * sizeof(float));
    g.hooks = m->hooks;
    float *p = nn_malloc((size_t)m->V * sizeof(float));
    int id = -1;
    for (const char *s = prompt; *s; s++) { /* read the prompt in (skipping symbols the text lacks) */
        int next = text_vocab_id(vocab, (unsigned char)*s);
        if (next < 0)
            continue;
        if (id >= 0)
            charlm_forward(&g, &id);
        id = next;
    }
    id = id < 0 ? 0 : id;
    for (int k = 0; k < len; k++) {
        const float *z = charlm_forward(&g, &id);
        id = g.hooks.sample ? g.hooks.sample(p, z, m->V, tau, rng) : sample_logits(p, z, m->V, tau, rng);
        out[k] = (char)vocab->symbols[id];
    }
    out[len] = '\0';
    free(p);
    charlm_free(&g);
    return 0;
}

const char *charlm_tag(const charlm_t *m, char *buf, size_t size, const text_vocab_t *vocab)
{
    int k = snprintf(buf, size, "charlm %s V=%d H=%d vocab=", charlm_cell_name(m->cell), m->V, m->H);
    uint32_t hsh = 2166136261u; /* FNV-1a of the vocabulary: the same sizes over other symbols differ */
    for (int v = 0; v < vocab->size; v++)
        hsh = (hsh ^ vocab->symbols[v]) * 16777619u;
    if (k >= 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, "%08x", hsh);
    return buf;
}
