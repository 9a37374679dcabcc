/* Tests of layers.h: the linear layer against the three-loop definition, its three gradients
 * against centered differences (random upstream gradient), and the shape checks' messages. */
#include "capture.h"
#include "gradcheck.h"
#include "layers.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>

enum { B = 3, IN = 5, OUT = 4 };

typedef struct {
    float x[B * IN], W[IN * OUT], b[OUT], y[B * OUT], r[B * OUT];
} lin_ctx;

static double lin_loss(void *p)
{
    lin_ctx *c = p;
    linear_forward(c->y, c->x, c->W, c->b, B, IN, OUT);
    return gradcheck_dot(c->y, c->r, B * OUT);
}

static void fill(lin_ctx *c, unsigned seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < B * IN; i++) c->x[i] = rng_normal(&rng);
    for (int i = 0; i < IN * OUT; i++) c->W[i] = rng_normal(&rng);
    for (int i = 0; i < OUT; i++) c->b[i] = rng_normal(&rng);
    gradcheck_random_upstream(c->r, B * OUT, &rng);
}

Test(layers, linear_forward_is_x_W_plus_b)
{
    lin_ctx c;
    fill(&c, 1);
    linear_forward(c.y, c.x, c.W, c.b, B, IN, OUT);
    for (int i = 0; i < B; i++)
        for (int j = 0; j < OUT; j++) {
            double s = c.b[j];
            for (int k = 0; k < IN; k++)
                s += (double)c.x[i * IN + k] * c.W[k * OUT + j];
            cr_assert(fabs(c.y[i * OUT + j] - s) < 1e-5, "y[%d,%d] = %g, expected %g", i, j, c.y[i * OUT + j], s);
        }
    float y2[B * OUT];
    linear_forward(y2, c.x, c.W, NULL, B, IN, OUT);
    cr_assert(fabs(c.y[0] - y2[0] - c.b[0]) < 1e-5, "b = NULL means no bias");
}

Test(layers, linear_backward_matches_centered_differences)
{
    lin_ctx c;
    fill(&c, 2);
    float dx[B * IN], dW[IN * OUT], db[OUT];
    /* garbage in the outputs: backward must overwrite, not accumulate */
    for (int i = 0; i < IN * OUT; i++) dW[i] = 1e3f;
    for (int i = 0; i < OUT; i++) db[i] = -1e3f;
    linear_backward(dx, dW, db, c.r, c.x, c.W, B, IN, OUT);
    /* L = sum(y R) is linear in each of x, W, b: centered differences are exact up to float
     * rounding; bound 1e-3 relative with h = 1e-2. */
    double ex = gradcheck_max_rel_error(lin_loss, &c, c.x, dx, B * IN, 1e-2f);
    double eW = gradcheck_max_rel_error(lin_loss, &c, c.W, dW, IN * OUT, 1e-2f);
    double eb = gradcheck_max_rel_error(lin_loss, &c, c.b, db, OUT, 1e-2f);
    cr_assert_lt(ex, 1e-3, "dx: relative error %g", ex);
    cr_assert_lt(eW, 1e-3, "dW: relative error %g", eW);
    cr_assert_lt(eb, 1e-3, "db: relative error %g", eb);
}

Test(layers, linear_backward_without_dx)
{
    lin_ctx c;
    fill(&c, 3);
    float dW[IN * OUT], dW2[IN * OUT], dx[B * IN], db[OUT];
    linear_backward(NULL, dW, NULL, c.r, c.x, c.W, B, IN, OUT);
    linear_backward(dx, dW2, db, c.r, c.x, c.W, B, IN, OUT);
    for (int i = 0; i < IN * OUT; i++)
        cr_assert(dW[i] == dW2[i], "dW does not depend on whether dx is wanted");
}

Test(layers, checked_versions_compute_the_same)
{
    lin_ctx c;
    fill(&c, 4);
    float y[B * OUT];
    linear_forward_checked(tensor_view(y, 2, (int[]){B, OUT}), tensor_view(c.x, 2, (int[]){B, IN}),
                           tensor_view(c.W, 2, (int[]){IN, OUT}), tensor_view(c.b, 1, (int[]){OUT}));
    linear_forward(c.y, c.x, c.W, c.b, B, IN, OUT);
    for (int i = 0; i < B * OUT; i++)
        cr_assert(y[i] == c.y[i], "same result");
}

static void bad_forward(void *arg)
{
    (void)arg;
    static float x[4 * 100], W[784 * 256], b[256], y[4 * 256];
    linear_forward_checked(tensor_view(y, 2, (int[]){4, 256}), tensor_view(x, 2, (int[]){4, 100}),
                           tensor_view(W, 2, (int[]){784, 256}), tensor_view(b, 1, (int[]){256}));
}

Test(layers, shape_mismatch_names_the_op_and_both_shapes)
{
    char err[4096];
    int status = capture_stderr(bad_forward, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "a shape mismatch exits 1, got %d", status);
    cr_assert(strstr(err, "linear_forward") && strstr(err, "(4, 100)") && strstr(err, "(784, 256)") &&
                  strstr(err, "hint:"),
              "the message names the op, both shapes and a hint; got: %s", err);
}

static void bad_backward(void *arg)
{
    (void)arg;
    static float x[4 * 784], W[784 * 256], dW[256 * 784], dy[4 * 256];
    linear_backward_checked(tensor_view(NULL, 2, (int[]){4, 784}), tensor_view(dW, 2, (int[]){256, 784}),
                            tensor_view(NULL, 1, (int[]){256}), tensor_view(dy, 2, (int[]){4, 256}),
                            tensor_view(x, 2, (int[]){4, 784}), tensor_view(W, 2, (int[]){784, 256}));
}

Test(layers, backward_shape_mismatch_of_the_weight_gradient)
{
    char err[4096];
    int status = capture_stderr(bad_backward, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "exit 1, got %d", status);
    cr_assert(strstr(err, "linear_backward") && strstr(err, "(256, 784)") && strstr(err, "(784, 256)"),
              "names the op and both shapes; got: %s", err);
}

/* Issue 9 ("float accumulation in reductions"): the bias gradient summed the batch in float;
 * 1e8 followed by 1000 ones lost every one. Summed in double now, 256 columns at a time. */
Test(layers, bias_gradient_is_summed_in_double)
{
    enum { B = 1001, IN = 1, OUT = 300 };
    static float dy[B * OUT], x[B * IN], dW[IN * OUT], db[OUT];
    const float W[IN * OUT] = {0};
    for (int i = 0; i < B; i++)
        for (int j = 0; j < OUT; j++)
            dy[i * OUT + j] = i == 0 ? 1e8f : 1.0f;
    linear_backward(NULL, dW, db, dy, x, W, B, IN, OUT);
    for (int j = 0; j < OUT; j += 299)
        cr_assert_eq(db[j], 1e8f + 1000, "db[%d] = %.1f, expected 100001000", j, db[j]);
}

Test(layers, stack_flops_of_the_course_mlp)
{
    /* 784-256-128-10: 2 (784 256) 2 + 2 (256 128) 3 + 2 (128 10) 3 = 802816 + 196608 + 7680 */
    const int sizes[4] = {784, 256, 128, 10};
    cr_assert_eq(linear_stack_train_flops(sizes, 3), 1007104.0, "got %.0f", linear_stack_train_flops(sizes, 3));
    cr_assert_eq(linear_stack_train_flops(sizes, 1), 802816.0, "one layer: forward and dW only");
}
