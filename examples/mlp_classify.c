/* mlp_classify — load the checkpoint mlp_train saved and classify Fashion-MNIST's test images.
 *
 *   mlp_classify CHECKPOINT DATA_DIR [SHOW]
 *
 * Prints the test accuracy and the first SHOW predictions (default 5) by class name.
 */
#include <nn/nn.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const int SIZES[3] = {784, 128, 10}; /* the network mlp_train saved */

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
    enum { CHUNK = 256, K = 10 };
    mlp_t m;
    if (mlp_new(&m, SIZES, 2, 0, 0, CHUNK) != 0) {
        dataset_free(&test);
        return 1;
    }
    char tag[64];
    if (checkpoint_load(m.params, m.n_params, argv[1], mlp_tag(&m, tag, sizeof tag)) != 0) { /* wrong file, model or damage */
        mlp_free(&m), dataset_free(&test);
        return 1;
    }
    float *probs = nn_malloc((size_t)test.n * K * sizeof(float));
    metrics_eval_t e = mlp_evaluate(&m, probs, test.x, test.y, test.n); /* in chunks of CHUNK images */
    if (isnan(e.loss)) { /* no images: reported */
        free(probs), mlp_free(&m), dataset_free(&test);
        return 1;
    }
    for (int i = 0; i < show && i < test.n; i++) {
        int pred = metrics_argmax(probs + (size_t)i * K, K);
        printf("image %d: %-12s (true: %s)\n", i, FASHION_CLASSES[pred], FASHION_CLASSES[test.y[i]]);
    }
    printf("test accuracy %.3f on %d images\n", e.accuracy, test.n);
    free(probs), mlp_free(&m), dataset_free(&test);
    return 0;
}
