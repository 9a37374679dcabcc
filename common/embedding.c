/* embedding.c — see embedding.h. */
#include "embedding.h"

#include "error.h"

#include <string.h>

static void check_id(int id, int n, int V)
{
    if (id < 0 || id >= V)
        nn_fatal("ids index the vocabulary: encode the text with the same vocabulary the table was "
                 "made for", "embedding: id %d at position %d: expected 0 <= id < V = %d", id, n, V);
}

void embedding_forward(float *y, const float *E, const int *ids, int N, int V, int D)
{
    for (int n = 0; n < N; n++) {
        check_id(ids[n], n, V);
        memcpy(y + (size_t)n * D, E + (size_t)ids[n] * D, (size_t)D * sizeof(float));
    }
}

void embedding_backward(float *dE, const float *dy, const int *ids, int N, int V, int D)
{
    memset(dE, 0, (size_t)V * D * sizeof(float));
    for (int n = 0; n < N; n++) {
        check_id(ids[n], n, V);
        float *row = dE + (size_t)ids[n] * D;
        const float *g = dy + (size_t)n * D;
        for (int j = 0; j < D; j++)
            row[j] += g[j];
    }
}

void embedding_one_hot(float *x, const int *ids, int N, int V)
{
    memset(x, 0, (size_t)N * V * sizeof(float));
    for (int n = 0; n < N; n++) {
        check_id(ids[n], n, V);
        x[(size_t)n * V + ids[n]] = 1.0f;
    }
}
