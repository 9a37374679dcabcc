/* mlp_train — train a small MLP on Fashion-MNIST with libnn and save it as a checkpoint.
 *
 *   mlp_train DATA_DIR CHECKPOINT [EPOCHS]
 *
 * DATA_DIR holds the four gzipped IDX files of Fashion-MNIST (Debian's dataset-fashion-mnist
 * installs them in /usr/share/datasets/fashion-mnist). The model is the library's mlp_t
 * (mlp.h): 784-128-10, one ReLU hidden layer. Build: see the Makefile (pkg-config nn).
 */
#include <nn/nn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int SIZES[3] = {784, 128, 10}; /* mlp_classify builds the same network */

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
    mlp_t m;
    if (mlp_new(&m, SIZES, 2, 0, 0, BATCH) != 0) /* no batch norm, no dropout */
        return 1;
    mlp_init(&m, &rng);
    adam_t adam = adam_new(m.n_params, 1e-3f);
    int *order = nn_malloc((size_t)train.n * sizeof(int));
    float *xb = nn_malloc((size_t)BATCH * train.d * sizeof(float));
    int yb[BATCH];

    for (int e = 1; e <= epochs; e++) {
        rng_iota(order, train.n);
        rng_shuffle(&rng, order, train.n);
        double loss = 0;
        long correct = 0;
        for (int s = 0; s < train.n; s += BATCH) {
            int B = train.n - s < BATCH ? train.n - s : BATCH;
            dataset_gather(xb, yb, &train, order + s, B);
            loss += mlp_loss_grad(&m, xb, yb, B) * B; /* forward, cross-entropy, backward */
            const float *z = m.z[m.L - 1];           /* the logits of that forward pass */
            for (int i = 0; i < B; i++)
                correct += metrics_argmax(z + i * SIZES[2], SIZES[2]) == yb[i];
            adam_step(&adam, m.params, m.grads);
        }
        printf("epoch %d/%d  loss %.4f  train accuracy %.3f\n", e, epochs, loss / train.n,
               (double)correct / train.n);
    }
    char tag[64];
    int rc = checkpoint_save(argv[2], mlp_tag(&m, tag, sizeof tag), m.params, m.n_params);
    if (rc == 0)
        printf("saved %zu parameters to %s\n", m.n_params, argv[2]);
    free(order), free(xb), adam_free(&adam), mlp_free(&m), dataset_free(&train);
    return rc == 0 ? 0 : 1;
}
