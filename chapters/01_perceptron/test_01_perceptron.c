/* test_01_perceptron.c — the grader of chapter 1.
 *
 * One test suite per exercise, named exNN_K (the grader's report reads the points and titles from the
 * exercise markers of the chapter). The chapter file itself is #included below:
 * `make check` points CHAPTER_SOURCE at the reference chapter or at your workbook copy, and
 * defines GRADING so that its main() stays out. Expected values are worked out by hand (closed
 * form) in the comments next to each check; every assertion message ends with a hint.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "01_perceptron.c"
#endif
#include CHAPTER_SOURCE

#include <criterion/criterion.h>

TestSuite(ex01_1, .timeout = 10);
TestSuite(ex01_2, .timeout = 10);
TestSuite(ex01_3, .timeout = 10);
TestSuite(ex01_4, .timeout = 20);
TestSuite(ex01_5, .timeout = 10);

/* --- 01.1 the pre-activation ---------------------------------------------------------------- */

Test(ex01_1, small_vectors_by_hand)
{
    const float w[3] = {1, -2, 0.5f}, x[3] = {3, 1, 4};
    /* 1*3 + (-2)*1 + 0.5*4 + 0.25 = 3.25 */
    float z = neuron_preactivation(w, x, 3, 0.25f);
    cr_assert_float_eq(z, 3.25f, 1e-6f,
                       "w=(1,-2,0.5), x=(3,1,4), b=0.25: expected 3.25, got %g. "
                       "Hint: is every product w[j]*x[j] added, and the bias added once?", z);
}

Test(ex01_1, bias_alone_when_d_is_zero)
{
    float z = neuron_preactivation(NULL, NULL, 0, -1.5f);
    cr_assert_float_eq(z, -1.5f, 0, "d=0: expected just the bias -1.5, got %g. "
                       "Hint: with no inputs the sum is empty; what is left of w.x + b?", z);
}

Test(ex01_1, matches_double_reference_on_784_inputs)
{
    rng_t r;
    rng_seed(&r, 7);
    float w[784], x[784];
    double ref = 0.3;
    for (int j = 0; j < 784; j++) {
        w[j] = rng_normal(&r);
        x[j] = rng_uniform(&r);
        ref += (double)w[j] * x[j];
    }
    float z = neuron_preactivation(w, x, 784, 0.3f);
    /* float accumulation over 784 terms of size ~1: rounding error well under 1e-3 */
    cr_assert(fabs(z - ref) < 1e-3, "784 random inputs: expected %.6f, got %.6f. "
              "Hint: does the loop run over all d elements (j < d, not j <= d or j < d-1)?", ref, z);
}

/* --- 01.2 predict ----------------------------------------------------------------------------- */

Test(ex01_2, sign_of_the_preactivation)
{
    float w[2] = {1, -1};
    perceptron p = {.d = 2, .w = w, .b = 0};
    const float pos[2] = {2, 1}, neg[2] = {1, 2};
    cr_assert_eq(perceptron_predict(&p, pos), 1, "w=(1,-1), x=(2,1): z = 1 > 0, expected +1. "
                 "Hint: return +1 or -1, not 1 or 0.");
    cr_assert_eq(perceptron_predict(&p, neg), -1, "w=(1,-1), x=(1,2): z = -1 < 0, expected -1. "
                 "Hint: the prediction is the sign of w.x + b.");
}

Test(ex01_2, boundary_counts_as_plus_one)
{
    float w[2] = {1, -1};
    perceptron p = {.d = 2, .w = w, .b = 0};
    const float on[2] = {1, 1};
    cr_assert_eq(perceptron_predict(&p, on), 1, "x on the boundary (z = 0): expected +1. "
                 "Hint: the step function says z >= 0 gives 1; is your comparison > instead of >=?");
}

Test(ex01_2, uses_the_bias)
{
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = -5};
    const float x[1] = {3};
    cr_assert_eq(perceptron_predict(&p, x), -1, "w=1, b=-5, x=3: z = -2, expected -1. "
                 "Hint: is the bias p->b included in z?");
}

/* --- 01.3 the update rule --------------------------------------------------------------------- */

Test(ex01_3, mistake_moves_weights_towards_label)
{
    float w[2] = {1, 1};
    perceptron p = {.d = 2, .w = w, .b = 0.5f};
    const float x[2] = {2, -1};
    /* z = 2 - 1 + 0.5 = 1.5 > 0 but y = -1: a mistake. w -= 0.5*x, b -= 0.5 */
    int m = perceptron_update(&p, x, -1, 0.5f);
    cr_assert_eq(m, 1, "y=-1 with z=1.5 is a mistake: expected return value 1, got %d. "
                 "Hint: a mistake is y*z <= 0.", m);
    cr_assert_float_eq(w[0], 0.0f, 1e-6f, "w[0]: expected 1 + 0.5*(-1)*2 = 0, got %g. "
                       "Hint: the rule is w <- w + lr * y * x; is the sign of y applied?", w[0]);
    cr_assert_float_eq(w[1], 1.5f, 1e-6f, "w[1]: expected 1 + 0.5*(-1)*(-1) = 1.5, got %g. "
                       "Hint: every weight j moves by lr * y * x[j].", w[1]);
    cr_assert_float_eq(p.b, 0.0f, 1e-6f, "b: expected 0.5 + 0.5*(-1) = 0, got %g. "
                       "Hint: the bias is a weight whose input is always 1: b <- b + lr * y.", p.b);
}

Test(ex01_3, correct_example_changes_nothing)
{
    float w[2] = {1, 1};
    perceptron p = {.d = 2, .w = w, .b = 0};
    const float x[2] = {1, 2};
    int m = perceptron_update(&p, x, +1, 1.0f);
    cr_assert_eq(m, 0, "y=+1 with z=3: correct, expected return 0, got %d. "
                 "Hint: update (and return 1) only when y*z <= 0.", m);
    cr_assert(w[0] == 1 && w[1] == 1 && p.b == 0, "a correctly classified example must leave w and b "
              "alone; got w=(%g,%g), b=%g. Hint: the rule learns from mistakes only.", w[0], w[1], p.b);
}

Test(ex01_3, zero_weights_learn_from_the_first_example)
{
    float w[2] = {0, 0};
    perceptron p = {.d = 2, .w = w, .b = 0};
    const float x[2] = {3, 4};
    int m = perceptron_update(&p, x, +1, 1.0f);
    cr_assert_eq(m, 1, "zero weights give z = 0: y*z = 0 must count as a mistake, got %d. "
                 "Hint: the condition is y*z <= 0, with <=; with < a zero perceptron never learns.", m);
    cr_assert(w[0] == 3 && w[1] == 4 && p.b == 1, "expected w=(3,4), b=1 after the update, got "
              "w=(%g,%g), b=%g. Hint: w <- w + lr*y*x and b <- b + lr*y (the bias is a weight whose input is 1), with lr=1, y=+1.", w[0], w[1], p.b);
}

Test(ex01_3, the_bias_decides_what_is_a_mistake)
{
    /* w = 1, b = -5, x = 3, y = +1: z = 3 - 5 = -2, a mistake (w.x alone, 3, would look correct):
     * w = 1 + 3 = 4, b = -5 + 1 = -4. */
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = -5};
    const float x[1] = {3};
    int m = perceptron_update(&p, x, +1, 1.0f);
    cr_assert(m == 1 && w[0] == 4 && p.b == -4, "w=1, b=-5, x=3, y=+1: z = -2 is a mistake, expected return 1, "
              "w=4, b=-4; got %d, w=%g, b=%g. Hint: the mistake test uses z = w.x + b, bias included "
              "(neuron_preactivation of 01.1).", m, w[0], p.b);
    /* w = 1, b = 5, x = -3, y = +1: z = 2, correct (w.x alone, -3, would look like a mistake). */
    float w2[1] = {1};
    perceptron q = {.d = 1, .w = w2, .b = 5};
    const float x2[1] = {-3};
    int m2 = perceptron_update(&q, x2, +1, 1.0f);
    cr_assert(m2 == 0 && w2[0] == 1 && q.b == 5, "w=1, b=5, x=-3, y=+1: z = 2 is correct, expected return 0 "
              "and nothing changed; got %d, w=%g, b=%g. Hint: the mistake test uses z = w.x + b, bias included "
              "(neuron_preactivation of 01.1).", m2, w2[0], q.b);
}

/* --- 01.4 one epoch ----------------------------------------------------------------------------- */

/* Three 1-D examples, x = (1, -1, 2) with labels (1, 0, 1) i.e. y = (+1, -1, +1). */
static dataset_t tiny(void)
{
    dataset_t ds = dataset_new(3, 1, 2);
    ds.x[0] = 1, ds.x[1] = -1, ds.x[2] = 2;
    ds.y[0] = 1, ds.y[1] = 0, ds.y[2] = 1;
    return ds;
}

Test(ex01_4, follows_the_given_order)
{
    dataset_t ds = tiny();
    /* Order 1,0,2 from w=0,b=0: ex1 (x=-1,y=-1): z=0 -> mistake, w=1, b=-1.
     * ex0 (x=1,y=+1): z=0 -> mistake, w=2, b=0. ex2 (x=2,y=+1): z=4 -> ok. 2 mistakes. */
    perceptron p = perceptron_new(1);
    int order[3] = {1, 0, 2};
    int m = perceptron_epoch(&p, &ds, order, 1.0f);
    cr_assert_eq(m, 2, "order (1,0,2) on the 3-example set: expected 2 mistakes, got %d. "
                 "Hint: visit ds examples order[0], order[1], ... and sum perceptron_update's results.", m);
    cr_assert(p.w[0] == 2 && p.b == 0, "expected w=2, b=0 after the epoch, got w=%g, b=%g. "
              "Hint: the label of example i is ds->y[i] in {0,1}: convert it to -1/+1 first.", p.w[0], p.b);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, uses_the_learning_rate)
{
    dataset_t ds = tiny();
    /* Order 1,0,2 with lr = 0.5: ex1 (x=-1,y=-1): z=0 -> mistake, w=0.5, b=-0.5.
     * ex0 (x=1,y=+1): z=0 -> mistake, w=1, b=0. ex2: z=2 -> ok. */
    perceptron p = perceptron_new(1);
    int order[3] = {1, 0, 2};
    int m = perceptron_epoch(&p, &ds, order, 0.5f);
    cr_assert(m == 2 && p.w[0] == 1 && p.b == 0, "lr=0.5, order (1,0,2): expected 2 mistakes, w=1, b=0; "
              "got %d mistakes, w=%g, b=%g. Hint: pass the epoch's lr on to perceptron_update "
              "(not 1).", m, p.w[0], p.b);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, visits_the_examples_in_the_shuffled_order)
{
    dataset_t ds = tiny();
    /* Order 2,1,0 from zero: ex2 (x=2,y=+1): z=0 -> mistake, w=2, b=1. ex1 (x=-1,y=-1): z=-1 -> ok.
     * ex0 (x=1,y=+1): z=3 -> ok. One mistake (in the order 0,1,2 it would be two, ending at b=0). */
    perceptron p = perceptron_new(1);
    int order[3] = {2, 1, 0};
    int m = perceptron_epoch(&p, &ds, order, 1.0f);
    cr_assert(m == 1 && p.w[0] == 2 && p.b == 1, "order (2,1,0): expected 1 mistake, w=2, b=1; got %d "
              "mistakes, w=%g, b=%g. Hint: the k-th example visited is i = order[k], not k.", m, p.w[0], p.b);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, visits_the_last_example_of_the_order)
{
    dataset_t ds = tiny();
    /* Order 0,2,1 from zero: ex0 (x=1,y=+1): z=0 -> mistake, w=1, b=1. ex2 (x=2,y=+1): z=3 -> ok.
     * ex1 (x=-1,y=-1): z=-1+1=0 -> mistake, w=2, b=0. The last example visited is a mistake:
     * 2 mistakes (a loop that stops one short ends at 1 mistake, w=1, b=1). */
    perceptron p = perceptron_new(1);
    int order[3] = {0, 2, 1};
    int m = perceptron_epoch(&p, &ds, order, 1.0f);
    cr_assert(m == 2 && p.w[0] == 2 && p.b == 0, "order (0,2,1): expected 2 mistakes, w=2, b=0; got %d "
              "mistakes, w=%g, b=%g. Hint: does the loop visit all n examples (k < ds->n, not "
              "k < ds->n - 1), the last one included?", m, p.w[0], p.b);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, reads_rows_of_length_d)
{
    /* Two 2-D examples stored row after row: x0 = (1, 2) label 1, x1 = (3, -1) label 0.
     * Order 0,1 from zero: ex0 (y=+1): z=0 -> mistake, w=(1,2), b=1.
     * ex1 (y=-1): z = 3 - 2 + 1 = 2 -> mistake, w=(1-3, 2+1) = (-2,3), b=0. 2 mistakes.
     * (Example 1 read at ds->x + 1, i.e. (2, 3), would give w=(-1,-1).) */
    dataset_t ds = dataset_new(2, 2, 2);
    const float xs[4] = {1, 2, 3, -1};
    memcpy(ds.x, xs, sizeof xs);
    ds.y[0] = 1, ds.y[1] = 0;
    perceptron p = perceptron_new(2);
    int order[2] = {0, 1};
    int m = perceptron_epoch(&p, &ds, order, 1.0f);
    cr_assert(m == 2 && p.w[0] == -2 && p.w[1] == 3 && p.b == 0, "2-D examples (1,2) and (3,-1), "
              "order (0,1): expected 2 mistakes, w=(-2,3), b=0; got %d mistakes, w=(%g,%g), b=%g. "
              "Hint: example i is a row of d numbers: it starts at ds->x + i * ds->d, not ds->x + i.",
              m, p.w[0], p.w[1], p.b);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, keeps_learning_across_epochs)
{
    dataset_t ds = tiny();
    /* Order 0,1,2 from zero: ex0: z=0 -> mistake, w=1,b=1. ex1: z=-1+1=0 -> mistake, w=2,b=0.
     * ex2: z=4 -> ok. 2 mistakes; a second epoch then makes none. */
    perceptron p = perceptron_new(1);
    int order[3] = {0, 1, 2};
    int m = perceptron_epoch(&p, &ds, order, 1.0f);
    cr_assert_eq(m, 2, "order (0,1,2): expected 2 mistakes, got %d. "
                 "Hint: are you using order[k] as the example index, not k itself?", m);
    int again = perceptron_epoch(&p, &ds, order, 1.0f);
    cr_assert_eq(again, 0, "a second epoch on the now separated data: expected 0 mistakes, got %d. "
                 "Hint: does your epoch keep the weights it learned (p is updated in place)?", again);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, converges_within_the_theorem_bound)
{
    rng_t r;
    rng_seed(&r, 3);
    dataset_t ds = make_separable(300, 0.1f, &r);
    double bound = mistake_bound(&ds);
    perceptron p = perceptron_new(2);
    int *order = nn_malloc(300 * sizeof(int)), total = 0, m = 1, epochs = 0;
    rng_iota(order, 300);
    while (m > 0 && epochs < 1000) {
        rng_shuffle(&r, order, 300);
        m = perceptron_epoch(&p, &ds, order, 1.0f);
        total += m;
        epochs++;
    }
    cr_assert_eq(m, 0, "separable data with margin 0.1: the rule must reach an epoch with 0 mistakes "
                 "(still %d after %d epochs). Hint: is perceptron_update called on every example of order, with its "
                 "label turned into -1/+1?",
                 m, epochs);
    cr_assert(total <= bound, "%d mistakes in all, but the convergence theorem allows at most %.0f. "
              "Hint: are you counting mistakes, not examples?", total, bound);
    free(order);
    perceptron_free(&p);
    dataset_free(&ds);
}

Test(ex01_4, learns_sneakers_from_ankle_boots_on_the_sample)
{
    /* The committed sample: 300 training and 100 test images, real Fashion-MNIST files. */
    dataset_t tr_all, te_all;
    cr_assert_eq(fashion_load(&tr_all, DATASETS "/fashion-mnist-sample", "train"), 0,
                 "could not load the committed Fashion-MNIST sample (see the error above). Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    cr_assert_eq(fashion_load(&te_all, DATASETS "/fashion-mnist-sample", "t10k"), 0,
                 "could not load the committed Fashion-MNIST sample (see the error above). Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    const int classes[2] = {7, 9};
    dataset_t tr = dataset_select_classes(&tr_all, classes, 2), te = dataset_select_classes(&te_all, classes, 2);
    perceptron p = perceptron_new(784);
    int *order = nn_malloc((size_t)tr.n * sizeof(int));
    rng_iota(order, tr.n);
    for (int e = 0; e < 5; e++)
        perceptron_epoch(&p, &tr, order, 1.0f);
    /* The test accuracy is counted here, sign(w.x + b) with +1 at 0, not with 01.2's
     * perceptron_predict: a mistake in 01.2 must not cost 01.4 its points. */
    int correct = 0;
    for (int i = 0; i < te.n; i++) {
        double z = p.b;
        for (int j = 0; j < 784; j++)
            z += (double)p.w[j] * te.x[(size_t)i * 784 + j];
        correct += (z >= 0 ? 1 : -1) == (te.y[i] ? 1 : -1);
    }
    double acc = (double)correct / te.n;
    /* The reference reaches 0.95 here (20 test images); chance is about 0.5. */
    cr_assert(acc >= 0.8, "5 epochs on the sample's %d sneakers/ankle boots: test accuracy %.2f, "
              "expected at least 0.80. Hint: check the label conversion: dataset labels are 0/1, the "
              "perceptron's are -1/+1.", tr.n, acc);
    free(order);
    perceptron_free(&p);
    dataset_free(&tr), dataset_free(&te), dataset_free(&tr_all), dataset_free(&te_all);
}

/* --- 01.5 loss and accuracy ----------------------------------------------------------------- */

Test(ex01_5, loss_and_accuracy_by_hand)
{
    dataset_t ds = tiny();
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = -1.5f};
    /* z = (-0.5, -2.5, 0.5), y = (+1, -1, +1): per-example loss max(0,-yz) = (0.5, 0, 0);
     * predictions (-1, -1, +1): 2 of 3 correct. Loss 0.5/3. */
    double loss = -1, acc = -1;
    perceptron_evaluate(&p, &ds, &loss, &acc);
    cr_assert(fabs(loss - 0.5 / 3) < 1e-6, "expected mean loss 0.5/3 = 0.1667, got %g. "
              "Hint: only the misclassified example costs -y*z = 0.5; divide by N = 3.", loss);
    cr_assert(fabs(acc - 2.0 / 3) < 1e-9, "expected accuracy 2/3, got %g. "
              "Hint: compare perceptron_predict with the -1/+1 label and divide by N.", acc);
    dataset_free(&ds);
}

Test(ex01_5, a_point_on_the_boundary_is_predicted_plus_one)
{
    dataset_t ds = tiny();
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = -1};
    /* z = (0, -2, 1), y = (+1, -1, +1): the first example sits on the boundary, where
     * perceptron_predict says +1, which is its label: all three are correct. Its loss max(0, -0) = 0. */
    double loss = -1, acc = -1;
    perceptron_evaluate(&p, &ds, &loss, &acc);
    cr_assert(fabs(acc - 1) < 1e-9 && loss == 0, "z = (0, -2, 1) with labels (+1, -1, +1): expected "
              "accuracy 1 and loss 0, got %g and %g. Hint: the accuracy compares perceptron_predict "
              "(which says +1 at z = 0) with the label; testing y*z > 0 counts z = 0 as wrong.", acc, loss);
    dataset_free(&ds);
}

Test(ex01_5, reads_rows_of_length_d)
{
    /* Three 2-D examples stored row after row: (1,2) label 1, (3,-1) label 0, (1,-1) label 1;
     * w = (1,-1), b = 0: z = (-1, 4, 2), y = (+1, -1, +1): losses (1, 4, 0), one correct.
     * Loss 5/3, accuracy 1/3. (Rows read at ds->x + i would give 1/3 and 2/3.) */
    dataset_t ds = dataset_new(3, 2, 2);
    const float xs[6] = {1, 2, 3, -1, 1, -1};
    memcpy(ds.x, xs, sizeof xs);
    ds.y[0] = 1, ds.y[1] = 0, ds.y[2] = 1;
    float w[2] = {1, -1};
    perceptron p = {.d = 2, .w = w, .b = 0};
    double loss = -1, acc = -1;
    perceptron_evaluate(&p, &ds, &loss, &acc);
    cr_assert(fabs(loss - 5.0 / 3) < 1e-6 && fabs(acc - 1.0 / 3) < 1e-9, "2-D examples (1,2), (3,-1), "
              "(1,-1) with w=(1,-1), b=0: expected loss 5/3 and accuracy 1/3, got %g and %g. "
              "Hint: example i is a row of d numbers: it starts at ds->x + i * ds->d, not ds->x + i.",
              loss, acc);
    dataset_free(&ds);
}

Test(ex01_5, accumulates_the_loss_in_a_double)
{
    /* 1001 examples with w = 1, b = 0, all labelled +1: x0 = -1e8 (loss 1e8), then 1000 with x = -1
     * (loss 1 each). The exact mean is (1e8 + 1000) / 1001 = 99900100.8991...; a float sum stays at
     * 1e8 (floats near 1e8 are 8 apart, so adding 1 rounds away) and gives 99900099.9. */
    dataset_t ds = dataset_new(1001, 1, 2);
    for (int i = 0; i < 1001; i++)
        ds.x[i] = i == 0 ? -1e8f : -1.0f, ds.y[i] = 1;
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = 0};
    double loss = -1, acc = -1, want = (1e8 + 1000) / 1001;
    perceptron_evaluate(&p, &ds, &loss, &acc);
    cr_assert(fabs(loss - want) < 1e-3 && acc == 0, "one loss of 1e8 then 1000 losses of 1: expected "
              "mean loss %.4f and accuracy 0, got %.4f and %g. Hint: the prose asks for the loss to "
              "be summed in a double: a float sum near 1e8 cannot hold + 1.", want, loss, acc);
    dataset_free(&ds);
}

Test(ex01_5, a_second_evaluation_starts_from_zero)
{
    /* Two evaluations in a row, as the training loop does (train split, then validation): first
     * w = 1, b = -1.5 (loss 0.5/3, accuracy 2/3, as by hand above), then w = 1, b = 0.1, all correct
     * (loss 0, accuracy 1). Sums carried over from the first call (static) would give the second
     * loss 0.5/3 or 0.5/6 and an accuracy of 5/3 or 5/6. */
    dataset_t ds = tiny();
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = -1.5f};
    double loss = -1, acc = -1;
    perceptron_evaluate(&p, &ds, &loss, &acc);
    p.b = 0.1f;
    double loss2 = -1, acc2 = -1;
    perceptron_evaluate(&p, &ds, &loss2, &acc2);
    cr_assert(fabs(loss - 0.5 / 3) < 1e-6 && fabs(acc - 2.0 / 3) < 1e-9 && loss2 == 0 && acc2 == 1,
              "two evaluations in a row, b = -1.5 then b = 0.1: expected loss 0.1667, accuracy 0.6667, then "
              "loss 0 and accuracy 1; got %g, %g, then %g, %g. Hint: each call starts its sums at 0 (local "
              "variables, not static ones) and counts only its own N examples.", loss, acc, loss2, acc2);
    dataset_free(&ds);
}

Test(ex01_5, perfect_model_has_zero_loss)
{
    dataset_t ds = tiny();
    float w[1] = {1};
    perceptron p = {.d = 1, .w = w, .b = 0.1f}; /* z = (1.1, -0.9, 2.1): all correct */
    double loss = -1, acc = -1;
    perceptron_evaluate(&p, &ds, &loss, &acc);
    cr_assert(loss == 0 && acc == 1, "all three examples are correct: expected loss 0 and accuracy 1, "
              "got %g and %g. Hint: max(0, -y*z) is 0 when y*z > 0.", loss, acc);
    dataset_free(&ds);
}

/* --- hints (make hint EX=NN.K shows one more level each time) and the teacher's notes (shown
 * by the report once the exercise passes) ------------------------------------------------- */

/*hint 01.1
1. What is w.x + b when d is 0? Start from that value, then add what each input contributes.
2. One loop over j from 0 to d-1 (j < d), adding one product per input; the bias is added exactly
   once, outside the loop.
3. z = b + sum_j w[j]*x[j]: float z = b; for (j = 0; j < d; j++) z += w[j] * x[j]; return z;
*/
/*note 01.1
Every layer of every network in this book is this dot product plus a bias, done for many neurons at
once. Chapter 2 writes it as one matrix product (matmul) over a whole batch.
*/

/*hint 01.2
1. The prediction is only the sign of the pre-activation: which function of 01.1 gives you z?
2. Return +1 or -1 (not 1 or 0), and decide what the boundary z = 0 gives.
3. return neuron_preactivation(p->w, x, p->d, p->b) >= 0 ? +1 : -1;  (z = 0 counts as +1, like the
   step function)
*/
/*note 01.2
Labels in {-1, +1} make the update rule of 01.3 one formula instead of two cases. Section 1.3 uses
this.
*/

/*hint 01.3
1. When does the perceptron change anything? Compare the label's sign with z's sign.
2. A mistake is y*z <= 0 (the boundary counts as a mistake). Only then move w towards y*x and b
   towards y; return 1 for a mistake, 0 otherwise.
3. if (y*z > 0) return 0; w[j] += lr*y*x[j] for every j; b += lr*y; return 1;
*/
/*note 01.3
This is gradient descent on the perceptron criterion max(0, -y z): its gradient is -y x on a
mistake and 0 otherwise. The convergence theorem in the prose bounds how many mistakes it can make
on separable data.
*/

/*hint 01.4
1. An epoch visits every example once, in the order the caller gives. Which array says which example
   comes k-th?
2. For k = 0..n-1 take i = order[k]; example i starts at ds->x + i*ds->d; its label must be converted
   from 0/1 to -1/+1.
3. mistakes += perceptron_update(p, ds->x + (size_t)order[k] * ds->d, signed_label(ds->y[order[k]]),
   lr); return the total.
*/
/*note 01.4
Updating after every single example is what makes this stochastic gradient descent (section 1.3);
the caller reshuffles the order every epoch because a fixed order can make the rule cycle
(section 1.4). The run prints the mistakes per epoch (section 1.7: 787 falling to about 480).
*/

/*hint 01.5
1. Two numbers over the whole data set: the mean of a per-example loss, and the share of correct
   predictions.
2. Per example: y in {-1,+1} (signed_label), z from 01.1, loss max(0, -y z), correct when
   perceptron_predict equals y. Sum the loss in a double, divide by n, and guard n = 0 (an empty
   data set gives 0 and 0, as the prose says).
3. loss = (sum_i max(0, -y_i z_i)) / n with the sum a double; accuracy = (double)correct / n (in C,
   1/n with an int n is 0); both 0 when n == 0.
*/
/*note 01.5
Loss and accuracy tell different stories: accuracy only counts the mistakes, the loss also measures
how far on the wrong side they are, so the two curves of section 1.7 need not move together.
Every later chapter logs both.
*/
