/* Tests of se.h: the squeeze-and-excitation block against its definition computed by hand (a
 * 2-channel case), its backward pass against centered differences for the input and all four
 * parameter blocks (random upstream gradient), and dx = NULL. */
#include "gradcheck.h"
#include "rng.h"
#include "se.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

enum { B = 3, C = 6, S = 5, R = 2, N = B * C * S };

typedef struct {
    float x[N], w1[C * R], b1[R], w2[R * C], b2[C], y[N], r[N], z[B * C], h[B * R], s[B * C];
} se_ctx;

static double se_loss(void *p)
{
    se_ctx *c = p;
    se_forward(c->y, c->z, c->h, c->s, c->x, c->w1, c->b1, c->w2, c->b2, B, C, S, R);
    return gradcheck_dot(c->y, c->r, N);
}

static void fill(se_ctx *c, unsigned seed)
{
    memset(c, 0, sizeof *c);
    rng_t rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < N; i++)
        c->x[i] = 2 * rng_normal(&rng) + 0.5f;
    for (int i = 0; i < C * R; i++)
        c->w1[i] = rng_normal(&rng), c->w2[i] = rng_normal(&rng);
    for (int i = 0; i < R; i++)
        c->b1[i] = 0.5f + 0.1f * rng_normal(&rng); /* keeps the hidden units away from relu's kink */
    for (int i = 0; i < C; i++)
        c->b2[i] = 0.3f * rng_normal(&rng);
    gradcheck_random_upstream(c->r, N, &rng);
}

Test(se, forward_by_hand)
{
    /* B = 1, C = 2, S = 2, R = 1: x = (1, 3 | -2, 0) -> z = (2, -1); w1 = (1, 1), b1 = 0.5:
     * h = relu(2 - 1 + 0.5) = 1.5; w2 = (2, -1), b2 = (0, 1): s = sigmoid(3, -0.5). */
    const float x[4] = {1, 3, -2, 0}, w1[2] = {1, 1}, b1 = 0.5f, w2[2] = {2, -1}, b2[2] = {0, 1};
    float y[4], z[2], h, s[2];
    se_forward(y, z, &h, s, x, w1, &b1, w2, b2, 1, 2, 2, 1);
    const float s0 = 1 / (1 + expf(-3.0f)), s1 = 1 / (1 + expf(0.5f));
    cr_assert(fabsf(z[0] - 2) < 1e-6f && fabsf(z[1] + 1) < 1e-6f, "squeeze: z = (%g, %g), expected the channel means "
              "(2, -1)", z[0], z[1]);
    cr_assert(fabsf(h - 1.5f) < 1e-6f, "excite: h = %g, expected relu(2 - 1 + 0.5) = 1.5", h);
    cr_assert(fabsf(s[0] - s0) < 1e-6f && fabsf(s[1] - s1) < 1e-6f, "gates s = (%g, %g), expected sigmoid(3) = %g and "
              "sigmoid(-0.5) = %g", s[0], s[1], s0, s1);
    const float want[4] = {s0, 3 * s0, -2 * s1, 0};
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(y[i] - want[i]) < 1e-6f, "y[%d] = %g, expected %g (each channel times its gate)", i, y[i],
                  want[i]);
}

Test(se, backward_matches_centered_differences)
{
    se_ctx c;
    fill(&c, 7);
    float dx[N], dw1[C * R], db1[R], dw2[R * C], db2[C], work[B * (2 * C + R)];
    cr_assert_eq(se_work_size(B, C, R), (size_t)B * (2 * C + R));
    cr_assert_eq(se_param_count(C, R), (size_t)(2 * C * R + R + C));
    se_loss(&c);
    se_backward(dx, dw1, db1, dw2, db2, work, c.r, c.x, c.z, c.h, c.s, c.w1, c.w2, B, C, S, R);
    /* smooth except relu (kinks are detected and reported by gradcheck), float32, h = 1e-2 */
    double ex = gradcheck_max_rel_error(se_loss, &c, c.x, dx, N, 1e-2f);
    double e1 = gradcheck_max_rel_error(se_loss, &c, c.w1, dw1, C * R, 1e-2f);
    double eb1 = gradcheck_max_rel_error(se_loss, &c, c.b1, db1, R, 1e-2f);
    double e2 = gradcheck_max_rel_error(se_loss, &c, c.w2, dw2, R * C, 1e-2f);
    double eb2 = gradcheck_max_rel_error(se_loss, &c, c.b2, db2, C, 1e-2f);
    cr_assert(ex < 1e-2 && e1 < 1e-2 && eb1 < 1e-2 && e2 < 1e-2 && eb2 < 1e-2,
              "SE backward: relative errors dx %.2g, dw1 %.2g, db1 %.2g, dw2 %.2g, db2 %.2g, expected < 1e-2. Hint: "
              "dx has two terms, dy * s and dz / S (the path through the channel's mean)", ex, e1, eb1, e2, eb2);
    /* without dx, the parameter gradients are the same (forward again: the check's last call was perturbed) */
    se_loss(&c);
    float dw1b[C * R], db1b[R], dw2b[R * C], db2b[C];
    se_backward(NULL, dw1b, db1b, dw2b, db2b, work, c.r, c.x, c.z, c.h, c.s, c.w1, c.w2, B, C, S, R);
    cr_assert(memcmp(dw1, dw1b, sizeof dw1) == 0 && memcmp(db2, db2b, sizeof db2) == 0 &&
              memcmp(dw2, dw2b, sizeof dw2) == 0 && memcmp(db1, db1b, sizeof db1) == 0,
              "se_backward with dx = NULL changed the parameter gradients");
}
