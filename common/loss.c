/* loss.c — see loss.h. */
#include "loss.h"

#include "error.h"
#include "parallel.h"

#include <math.h>
#include <stddef.h>

/* An empty batch has no mean: report it (rather than return 0/0 = NaN silently). */
static int empty_batch(const char *fn, int B, int K)
{
    if (B >= 1 && K >= 1)
        return 0;
    nn_error("a loss is a mean over the batch: is the dataset (or the last batch of the epoch) empty? "
             "The caller's nn_check_finite stops on the NaN returned",
             "%s: B=%d, K=%d: expected a batch of B >= 1 examples with K >= 1 outputs each", fn, B, K);
    return 1;
}

/* Labels index the K columns of the logits; an index outside reads another example's memory. */
static int bad_labels(const char *fn, const int *labels, int B, int K)
{
    for (int b = 0; b < B; b++)
        if (labels[b] < 0 || labels[b] >= K) {
            nn_error("labels index the K columns of the logits: are the logits (B, K) with K = the number of "
                     "classes, and the labels 0-based?",
                     "%s: labels[%d] is %d: expected 0 .. %d", fn, b, labels[b], K - 1);
            return 1;
        }
    return 0;
}

float mse_loss(float *dy, const float *y, const float *t, int B, int K)
{
    if (empty_batch("mse_loss", B, K))
        return NAN;
    size_t n = (size_t)B * (size_t)K;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        float e = y[i] - t[i];
        sum += (double)e * e;
        if (dy)
            dy[i] = 2.0f * e / (float)n;
    }
    return (float)(sum / (double)n);
}

/* log(1 + e^x) without overflow: for x > 0 it is x + log(1 + e^-x). */
static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

float bce_logits_loss(float *dz, const float *z, const float *t, int B)
{
    if (empty_batch("bce_logits_loss", B, 1))
        return NAN;
    double sum = 0;
    for (int i = 0; i < B; i++) {
        /* -[t log s(z) + (1-t) log(1-s(z))] = softplus(z) - t z, using log s(z) = -softplus(-z) */
        sum += softplus(z[i]) - (double)t[i] * z[i];
        if (dz)
            dz[i] = (1.0f / (1.0f + expf(-z[i])) - t[i]) / (float)B;
    }
    return (float)(sum / B);
}

void softmax_forward(float *p, const float *z, int B, int K)
{
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        float *pb = p + (size_t)b * K;
        float m = zb[0];
        for (int k = 1; k < K; k++)
            m = fmaxf(m, zb[k]);
        double sum = 0;
        for (int k = 0; k < K; k++) {
            pb[k] = expf(zb[k] - m); /* <= 1: no overflow */
            sum += pb[k];
        }
        for (int k = 0; k < K; k++)
            pb[k] = (float)(pb[k] / sum);
    }
}

/* Rows [begin, end) of softmax_cross_entropy's chunk: each row's loss into row[] (indexed from the
 * chunk's first row) and its gradient into dz. The rows are independent, so parallel_for may run
 * them on any threads; the caller adds row[] in order, which keeps the bits of a plain loop. */
typedef struct {
    float *dz;
    const float *z;
    const int *labels;
    int B, K, first;
    double *row;
} sce_chunk_t;

static void sce_rows(void *ctx, size_t begin, size_t end)
{
    const sce_chunk_t *a = ctx;
    const int K = a->K;
    for (size_t r = begin; r < end; r++) {
        size_t b = (size_t)a->first + r;
        const float *zb = a->z + b * K;
        float m = zb[0];
        for (int k = 1; k < K; k++)
            m = fmaxf(m, zb[k]);
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += exp((double)(zb[k] - m));
        double logsumexp = m + log(sum);
        a->row[r] = logsumexp - zb[a->labels[b]];
        if (a->dz)
            for (int k = 0; k < K; k++)
                a->dz[b * K + k] = (float)((exp(zb[k] - logsumexp) - (k == a->labels[b])) / a->B);
    }
}

float softmax_cross_entropy(float *dz, const float *z, const int *labels, int B, int K)
{
    if (empty_batch("softmax_cross_entropy", B, K) || bad_labels("softmax_cross_entropy", labels, B, K))
        return NAN;
    /* Two exponentials in double per logit: for a large batch (chapter 8's 2,048 positions of 73
     * symbols) worth both cores. Chunks of CHUNK rows keep their losses on the stack. */
    enum { CHUNK = 1024 };
    double row[CHUNK], total = 0;
    size_t min_rows = 32768 / (size_t)K + 1;
    for (int first = 0; first < B; first += CHUNK) {
        int n = B - first < CHUNK ? B - first : CHUNK;
        sce_chunk_t a = {dz, z, labels, B, K, first, row};
        parallel_for((size_t)n, min_rows, sce_rows, &a);
        for (int r = 0; r < n; r++)
            total += row[r];
    }
    return (float)(total / B);
}

/* m + log sum_k exp(z_k - m), m = max z: every exp() is <= 1, and the sum is >= 1 (the max term). */
static double logsumexp_row(const float *zb, int K)
{
    float m = zb[0];
    for (int k = 1; k < K; k++)
        m = fmaxf(m, zb[k]);
    double sum = 0;
    for (int k = 0; k < K; k++)
        sum += exp((double)zb[k] - m);
    return m + log(sum);
}

void log_softmax_forward(float *out, const float *z, int B, int K)
{
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        double lse = logsumexp_row(zb, K);
        for (int k = 0; k < K; k++)
            out[(size_t)b * K + k] = (float)(zb[k] - lse);
    }
}

float softmax_cross_entropy_smooth(float *dz, const float *z, const int *labels, int B, int K,
                                   float eps)
{
    if (!(eps >= 0 && eps <= 1)) {
        nn_error("label smoothing takes eps in [0, 1]; 0.1 is the usual choice, 0 turns it off",
                 "softmax_cross_entropy_smooth: eps is %g: expected 0 <= eps <= 1", eps);
        return NAN;
    }
    if (empty_batch("softmax_cross_entropy_smooth", B, K) ||
        bad_labels("softmax_cross_entropy_smooth", labels, B, K))
        return NAN;
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        double lse = logsumexp_row(zb, K), row = 0;
        for (int k = 0; k < K; k++) {
            double q = (1.0 - eps) * (k == labels[b]) + (double)eps / K;
            double logp = zb[k] - lse; /* log softmax(z_b)_k, never log(0) */
            row -= q * logp;
            if (dz)
                dz[(size_t)b * K + k] = (float)((exp(logp) - q) / B);
        }
        total += row;
    }
    return (float)(total / B);
}


void softmax_backward(float *dz, const float *dp, const float *p, int B, int K)
{
    for (int b = 0; b < B; b++) {
        const float *pb = p + (size_t)b * K, *gb = dp + (size_t)b * K;
        float *out = dz + (size_t)b * K;
        double dot = 0;
        for (int j = 0; j < K; j++)
            dot += (double)gb[j] * pb[j];
        for (int j = 0; j < K; j++)
            out[j] = pb[j] * (gb[j] - (float)dot);
    }
}
