/* test_matmul.c — matmul.h's process-wide OpenBLAS thread count under concurrent use: layers that
 * hold OpenBLAS to one thread (lenet.h, conv.h, attention.h through matmul_parts) called from two
 * threads at once must leave the count as they found it and compute what they compute alone. */
#include "lenet.h"
#include "loss.h"
#include "matmul.h"
#include "optim.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { TB = 32, TSTEPS = 4, TROUNDS = 4 };

static float tx[TB * LENET_PIXELS];
static int ty[TB];

typedef struct {
    float *params; /* the model's parameters after TSTEPS Adam steps (malloc'd), NULL on failure */
    size_t n;
} trained_t;

/* TSTEPS training steps of a LeNet-5 of its own, from seed 5, on tx/ty: everything it touches is
 * this thread's but OpenBLAS's thread count. */
static void *train_lenet(void *arg)
{
    trained_t *out = arg;
    lenet_t m;
    rng_t rng;
    float dz[TB * LENET_CLASSES];
    out->params = NULL;
    rng_seed(&rng, 5);
    if (lenet_new(&m, LENET_5, TB) != 0)
        return NULL;
    lenet_init(&m, &rng);
    adam_t opt = adam_new(m.n_params, 1e-3f);
    for (int s = 0; s < TSTEPS; s++) {
        const float *z = lenet_forward(&m, tx, TB);
        softmax_cross_entropy(dz, z, ty, TB, LENET_CLASSES);
        lenet_backward(&m, tx, dz, TB);
        adam_step(&opt, m.params, m.grads);
    }
    out->n = m.n_params;
    out->params = malloc(out->n * sizeof(float));
    if (out->params)
        memcpy(out->params, m.params, out->n * sizeof(float));
    adam_free(&opt);
    lenet_free(&m);
    return NULL;
}

Test(matmul, two_threads_training_their_own_lenet_match_a_solo_run_and_give_openblas_its_threads_back,
     .timeout = 60)
{
    rng_t rng;
    rng_seed(&rng, 1);
    for (int i = 0; i < TB * LENET_PIXELS; i++)
        tx[i] = rng_uniform(&rng);
    for (int i = 0; i < TB; i++)
        ty[i] = i % LENET_CLASSES;
    const int before = matmul_set_threads(2);
    trained_t solo;
    train_lenet(&solo);
    cr_assert(solo.params != NULL, "the solo run failed");
    cr_assert(matmul_set_threads(2) == 2, "a solo run left OpenBLAS on another thread count");
    for (int round = 0; round < TROUNDS; round++) {
        trained_t t[2];
        pthread_t id[2];
        for (int i = 0; i < 2; i++)
            cr_assert(pthread_create(&id[i], NULL, train_lenet, &t[i]) == 0);
        for (int i = 0; i < 2; i++)
            pthread_join(id[i], NULL);
        const int now = matmul_set_threads(2);
        for (int i = 0; i < 2; i++) {
            cr_assert(t[i].params != NULL, "round %d, thread %d: the run failed", round, i);
            cr_expect(memcmp(t[i].params, solo.params, solo.n * sizeof(float)) == 0,
                      "round %d, thread %d: the parameters differ from the solo run's (a layer ran its "
                      "products on another OpenBLAS thread count than it holds: see matmul_single_begin)",
                      round, i);
            free(t[i].params);
        }
        cr_assert(now == 2,
                  "round %d: two threads' layers left OpenBLAS on %d threads, not the 2 it had (the last "
                  "to leave must restore what the first to enter found)", round, now);
    }
    free(solo.params);
    matmul_set_threads(before);
}
