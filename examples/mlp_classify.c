/* mlp_classify — load the checkpoint mlp_train saved and classify Fashion-MNIST's test images.
 *
 *   mlp_classify CHECKPOINT DATA_DIR [SHOW]
 *
 * Prints the test accuracy and the first SHOW predictions (default 5) by class name.
 */
#include "mlp.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s CHECKPOINT DATA_DIR [SHOW]\n", argv[0]);
        return 2;
    }
    int show = argc == 4 ? atoi(argv[3]) : 5;
    dataset_t test;
    if (fashion_load(&test, argv[2], "t10k") != 0)
        return 1;
    enum { CHUNK = 256 };
    mlp_t m = mlp_new(CHUNK);
    if (checkpoint_load(m.params, m.n, argv[1], MLP_TAG) != 0) { /* wrong file, model or damage */
        mlp_free(&m), dataset_free(&test);
        return 1;
    }
    long correct = 0;
    for (int s = 0; s < test.n; s += CHUNK) {
        int B = test.n - s < CHUNK ? test.n - s : CHUNK;
        const float *z = mlp_forward(&m, test.x + (size_t)s * test.d, B);
        for (int i = 0; i < B; i++) {
            int pred = metrics_argmax(z + i * MLP_OUT, MLP_OUT), truth = test.y[s + i];
            correct += pred == truth;
            if (s + i < show)
                printf("image %d: %-12s (true: %s)\n", s + i, FASHION_CLASSES[pred], FASHION_CLASSES[truth]);
        }
    }
    printf("test accuracy %.3f on %d images\n", (double)correct / test.n, test.n);
    mlp_free(&m), dataset_free(&test);
    return 0;
}
