/* augment.h — data augmentation for images: flips, random crops, cutout, mixup.
 *
 * Augmentation trains on transformed copies of the training images that keep their labels (a
 * sneaker mirrored is still a sneaker), so the model sees a larger, more varied training set
 * and must learn what does not change under the transformations. Chapter 6 explains each.
 * Applied to training batches only, freshly at random every time an image is used; never to the
 * validation or test data.
 *
 * An image is (C, H, W) row-major floats (Fashion-MNIST: C = 1, H = W = 28). Every random
 * transform has a deterministic "_at" form taking the random choices as arguments (for tests and
 * for drawing figures); the random form draws them from the caller's rng_t.
 *
 *   flip         y(c, i, j) = x(c, i, W-1-j)                      mirror left-right
 *   crop         pad the image with `pad` zeros on every side, cut an H x W window at offset
 *                (oy, ox) in [0, 2 pad]^2:  y(c, i, j) = x(c, i+oy-pad, j+ox-pad), 0 outside;
 *                (oy, ox) = (pad, pad) is the identity: a random shift by up to pad pixels
 *   cutout       zero the size x size square centred at (cy, cx), clipped at the borders
 *                (DeVries & Taylor 2017); the centre is uniform over the image
 *   mixup        x = lam x_a + (1 - lam) x_b and target lam onehot(y_a) + (1 - lam) onehot(y_b),
 *                lam ~ Beta(alpha, alpha) (Zhang et al. 2018); the loss is then
 *                lam CE(z, y_a) + (1 - lam) CE(z, y_b), linear in the target
 *
 * Sizes below 1, pad < 0, size < 1 or alpha <= 0 stop with nn_fatal.
 *
 * Threads: no state of its own; the rng_t passed in belongs to the calling thread.
 * Prefixes: augment_
 */
#ifndef NN_AUGMENT_H
#define NN_AUGMENT_H

#include "rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* In place: mirror every row.  img: (C, H, W) */
void augment_flip(float *img, int C, int H, int W);

/* Mirror with probability 1/2; returns 1 if it flipped. */
int augment_random_flip(float *img, int C, int H, int W, rng_t *rng);

/* dst = the H x W window at (oy, ox) of src padded by pad zeros; 0 <= oy, ox <= 2 pad.
 * dst, src: (C, H, W), must not overlap. */
void augment_crop_at(float *dst, const float *src, int C, int H, int W, int pad, int oy, int ox);

/* The same with (oy, ox) uniform in [0, 2 pad]^2. */
void augment_random_crop(float *dst, const float *src, int C, int H, int W, int pad, rng_t *rng);

/* In place: zero the size x size square whose top-left corner is (cy - size/2, cx - size/2),
 * clipped to the image.  img: (C, H, W) */
void augment_cutout_at(float *img, int C, int H, int W, int size, int cy, int cx);

/* The same with the centre uniform over the image. */
void augment_cutout(float *img, int C, int H, int W, int size, rng_t *rng);

/* A draw from Beta(alpha, alpha) (through two Gamma(alpha) draws, Marsaglia & Tsang 2000). */
float augment_mixup_lambda(float alpha, rng_t *rng);

/* x_out[b] = lam x[b] + (1 - lam) x[perm[b]] for every row b.  x_out, x: (B, D), must not overlap;
 * perm: (B) a permutation of the batch (the partner of each example). */
void augment_mixup(float *x_out, const float *x, const int *perm, int B, int D, float lam);

#ifdef __cplusplus
}
#endif

#endif
