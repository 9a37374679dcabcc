/* mlp_train — train a small MLP on Fashion-MNIST with libnn and save it as a checkpoint.
 *
 *   mlp_train DATA_DIR CHECKPOINT [EPOCHS]
 *
 * DATA_DIR holds the four gzipped IDX files of Fashion-MNIST (Debian's dataset-fashion-mnist
 * installs them in /usr/share/datasets/fashion-mnist). Build: see the Makefile (pkg-config nn).
 */
#include "mlp.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s DATA_DIR CHECKPOINT [EPOCHS]\n", argv[0]);
        return 2;
    }
    int epochs = argc == 4 ? atoi(argv[3]) : 5;
    dataset_t train;
    if (fashion_load(&train, argv[1], "train") != 0)
        return 1; /* the library has printed what is wrong and a hint */

    enum { BATCH = 64 };
    rng_t rng;
    rng_seed(&rng, 1);
    mlp_t m = mlp_new(BATCH);
    init_he_normal(m.W1, MLP_IN, MLP_HIDDEN, &rng);
    init_he_normal(m.W2, MLP_HIDDEN, MLP_OUT, &rng);
    adam_t adam = adam_new(m.n, 1e-3f);
    int *order = nn_malloc((size_t)train.n * sizeof(int));
    float *xb = nn_malloc((size_t)BATCH * MLP_IN * sizeof(float));
    int yb[BATCH];

    for (int e = 1; e <= epochs; e++) {
        rng_iota(order, train.n);
        rng_shuffle(&rng, order, train.n);
        double loss = 0;
        long correct = 0;
        for (int s = 0; s < train.n; s += BATCH) {
            int B = train.n - s < BATCH ? train.n - s : BATCH;
            for (int i = 0; i < B; i++) {
                memcpy(xb + (size_t)i * MLP_IN, train.x + (size_t)order[s + i] * train.d, MLP_IN * sizeof(float));
                yb[i] = train.y[order[s + i]];
            }
            const float *z = mlp_forward(&m, xb, B);
            for (int i = 0; i < B; i++)
                correct += metrics_argmax(z + i * MLP_OUT, MLP_OUT) == yb[i];
            loss += softmax_cross_entropy(m.dz, z, yb, B, MLP_OUT) * B;
            linear_backward(m.dh, m.dW2, m.db2, m.dz, m.h, m.W2, B, MLP_HIDDEN, MLP_OUT);
            relu_backward(m.dh, m.dh, m.h, NULL, (size_t)B * MLP_HIDDEN); /* h = relu(a) > 0 iff a > 0 */
            linear_backward(NULL, m.dW1, m.db1, m.dh, xb, m.W1, B, MLP_IN, MLP_HIDDEN);
            adam_step(&adam, m.params, m.grads);
        }
        printf("epoch %d/%d  loss %.4f  train accuracy %.3f\n", e, epochs, loss / train.n,
               (double)correct / train.n);
    }
    int rc = checkpoint_save(argv[2], MLP_TAG, m.params, m.n);
    if (rc == 0)
        printf("saved %zu parameters to %s\n", m.n, argv[2]);
    free(order), free(xb), adam_free(&adam), mlp_free(&m), dataset_free(&train);
    return rc == 0 ? 0 : 1;
}
