/* xor.c — the example of README.md ("Using the library"): a two-layer network learns XOR. */
#include <nn/nn.h>
#include <stdio.h>

int main(void)
{
    float x[4 * 2] = {0, 0, 0, 1, 1, 0, 1, 1}, h[4 * 8], z[4 * 2], dz[4 * 2], dh[4 * 8];
    int y[4] = {0, 1, 1, 0};
    float p[2 * 8 + 8 + 8 * 2 + 2], g[sizeof p / sizeof *p]; /* W1 b1 W2 b2, one block */
    float *W1 = p, *b1 = p + 16, *W2 = p + 24, *b2 = p + 40;
    rng_t rng;
    rng_seed(&rng, 1);
    init_zeros(p, 42), init_he_normal(W1, 2, 8, &rng), init_he_normal(W2, 8, 2, &rng);
    adam_t opt = adam_new(42, 0.05f);
    for (int step = 0; step < 300; step++) {
        linear_forward(h, x, W1, b1, 4, 2, 8);
        relu_forward(h, h, 4 * 8);
        linear_forward(z, h, W2, b2, 4, 8, 2);
        float loss = softmax_cross_entropy(dz, z, y, 4, 2);
        linear_backward(dh, g + 24, g + 40, dz, h, W2, 4, 8, 2);
        relu_backward(dh, dh, h, NULL, 4 * 8);
        linear_backward(NULL, g, g + 16, dh, x, W1, 4, 2, 8);
        adam_step(&opt, p, g);
        if (step % 100 == 99) printf("step %d  loss %.4f\n", step + 1, loss);
    }
    adam_free(&opt);
}
