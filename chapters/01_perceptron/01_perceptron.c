/*md
# The perceptron

A neural network is many copies of one small machine: a *neuron* that weighs its inputs, adds
them up and decides. This chapter builds that machine, teaches it with the oldest learning rule
there is, Rosenblatt's perceptron rule of 1958, and watches it learn two things: a cloud of
synthetic points it can separate perfectly, and real photographs of shoes. Along the way it meets
every part of the training loop the rest of the course keeps using: data, a model, a measure of
error, an update, epochs, and curves that show whether learning happened. It also meets the
perceptron's famous limit, the XOR problem, which is the reason the later chapters exist.

This file is the chapter. Read it top to bottom; the code blocks are the program, and
`make run CH=01` runs it. Exercises are marked; `make workbook` gives you a copy with the
exercises blanked out, and `make check CH=01` grades your version.

**Notation.** $N$ examples, each a vector $\mathbf{x} \in \mathbb{R}^D$ of $D$ features (2 for
points in the plane, $28 \times 28 = 784$ pixel intensities for an image), with a label
$y \in \{-1, +1\}$. In the code, arrays of examples are row-major `(N, D)`: example $i$ starts at
`x + i*D`.
*/

#include "csvlog.h"   /* the per-epoch log, out/01/log.csv */
#include "data.h"     /* dataset_t, fashion_load, dataset_select_classes, dataset_split */
#include "error.h"    /* nn_error, nn_malloc */
#include "course.h"   /* TODO: the student edition's exercise stubs */
#include "flags.h"    /* --epochs --seed --quick --out --data --help */
#include "io.h"       /* io_create/io_commit: outputs written atomically */
#include "plot.h"     /* gnuplot figures */
#include "progress.h" /* the progress bar */
#include "timing.h"   /* timing_seconds */
#include "rng.h"      /* the explicit random number generator */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 1.1 A neuron

A neuron computes a weighted sum of its inputs, shifts it by a bias, and passes the result
through an *activation function* $\varphi$:

$$
z = \mathbf{w} \cdot \mathbf{x} + b = \sum_{j=1}^{D} w_j x_j + b, \qquad a = \varphi(z).
$$

The weights $\mathbf{w}$ say how much each input matters and in which direction (a negative
weight votes against); the bias $b$ moves the threshold. The number $z$ is the neuron's
*pre-activation*. Geometrically, $z = 0$ is a line in the plane (a hyperplane in $D$
dimensions) with normal vector $\mathbf{w}$, and the sign of $z$ says on which side of it a point
lies; $|z| / \lVert \mathbf{w} \rVert$ is the point's distance from it.

Everything else in this course, from convolutions to transformers, is built from this sum. It is
also where almost all the time goes: later chapters compute millions of these dot products per
step, as matrix products.

### Exercise 01.1 — the pre-activation

Write `neuron_preactivation`: return $\mathbf{w} \cdot \mathbf{x} + b$ for vectors of length
`d`. Accumulate in a `float` in the order $j = 0, 1, \dots$: the tests compare with a reference
to within rounding.
*/

/* z = w . x + b.   w: (D),  x: (D) */
static float neuron_preactivation(const float *w, const float *x, int d, float b)
{
    /* BEGIN EXERCISE 01.1 (2 points): the pre-activation w.x + b */
    float z = b;
    for (int j = 0; j < d; j++)
        z += w[j] * x[j];
    return z;
    /* END EXERCISE */
}

/*md
Which activation? The original perceptron used the *step function*, which turns the neuron into
a yes/no decision. Modern networks mostly use the *rectified linear unit* (ReLU), which passes
positive evidence through unchanged and silences the rest; the *sigmoid* squashes $z$ into a
probability-like number in $(0, 1)$, and chapter 2 uses it for logistic regression:

$$
\operatorname{step}(z) = \begin{cases} 1 & z \ge 0 \\ 0 & z < 0 \end{cases} \qquad
\operatorname{relu}(z) = \max(0, z) \qquad
\sigma(z) = \frac{1}{1 + e^{-z}}.
$$

So the simplest neuron, $\operatorname{relu}(m x + b)$, is one input, one weight $m$
and a bias $b$, with a ReLU on top. A network needs activations that are not straight lines: a
stack of linear maps is just another linear map, however deep. Chapter 3 studies the whole zoo
of activations and their derivatives; here we only need the step.
*/

static float step(float z) { return z >= 0 ? 1.0f : 0.0f; }
static float relu(float z) { return z > 0 ? z : 0.0f; }
static float sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

/* a = phi(w . x + b) for an activation phi.   w: (D),  x: (D) */
static float neuron_forward(const float *w, const float *x, int d, float b, float (*phi)(float))
{
    return phi(neuron_preactivation(w, x, d, b));
}

/*md
## 1.2 The perceptron

A *perceptron* is a single neuron with a step activation, used as a binary classifier. It is
convenient to label the two classes $-1$ and $+1$ rather than $0$ and $1$, and to predict

$$
\hat{y} = \operatorname{sign}(\mathbf{w} \cdot \mathbf{x} + b) \in \{-1, +1\},
$$

with the convention that $z = 0$ counts as $+1$ (the step function's choice). The model is the
pair $(\mathbf{w}, b)$: $D + 1$ numbers.

### Exercise 01.2 — predict

Write `perceptron_predict`: $+1$ when the pre-activation is $\ge 0$, else $-1$. Use the function
from exercise 01.1.
*/

typedef struct {
    int d;    /* inputs */
    float *w; /* (D) weights, owned */
    float b;  /* bias */
} perceptron;

static perceptron perceptron_new(int d)
{
    /* All-zero start: for the perceptron rule the starting point does not matter (see the
     * convergence theorem below), and zeros make runs easy to compare. */
    return (perceptron){.d = d, .w = nn_calloc((size_t)d, sizeof(float)), .b = 0};
}

static void perceptron_free(perceptron *p)
{
    free(p->w);
    p->w = NULL;
}

/* +1 or -1.   x: (D) */
static int perceptron_predict(const perceptron *p, const float *x)
{
    /* BEGIN EXERCISE 01.2 (1 point): predict the sign of w.x + b */
    return neuron_preactivation(p->w, x, p->d, p->b) >= 0 ? +1 : -1;
    /* END EXERCISE */
}

/*md
## 1.3 Learning from mistakes

How should $(\mathbf{w}, b)$ change when the perceptron gets an example wrong? Say the label is
$y = +1$ but $z = \mathbf{w} \cdot \mathbf{x} + b < 0$. We want $z$ larger, and the quickest way
to make a dot product with $\mathbf{x}$ larger is to add a bit of $\mathbf{x}$ itself to
$\mathbf{w}$: the new pre-activation is

$$
(\mathbf{w} + \eta \mathbf{x}) \cdot \mathbf{x} + (b + \eta) = z + \eta (\lVert \mathbf{x} \rVert^2 + 1) > z .
$$

For $y = -1$ we subtract instead. Both cases are one rule, the **perceptron rule**, applied only
when the example is misclassified, that is when $y z \le 0$:

$$
\mathbf{w} \leftarrow \mathbf{w} + \eta\, y\, \mathbf{x}, \qquad b \leftarrow b + \eta\, y .
$$

The *learning rate* $\eta > 0$ sets the step size. (For a perceptron started from zero weights it
does not change which predictions are made: every update adds $\eta\, y\, \tilde{\mathbf{x}}$, so
the weights are always $\eta$ times those of the run with $\eta = 1$, and the sign of $\mathbf{w}
\cdot \mathbf{x} + b$ is the same. So we use $\eta = 1$. From other starting weights $\eta$ does
matter, and from chapter 2 on it matters a great deal.)

The same rule falls out of minimizing a loss, which is how every later chapter will derive its
updates. The *perceptron criterion* charges each example by how far it sits on the wrong side:

$$
L(\mathbf{w}, b) = \frac{1}{N} \sum_{i=1}^{N} \max\bigl(0, -y_i (\mathbf{w} \cdot \mathbf{x}_i + b)\bigr).
$$

A correctly classified example costs nothing; a misclassified one costs $-y z > 0$, with gradient
$\partial / \partial \mathbf{w} = -y \mathbf{x}$ and $\partial / \partial b = -y$. Stepping
against the gradient of one example, $\mathbf{w} \leftarrow \mathbf{w} - \eta(-y\mathbf{x})$, is
exactly the perceptron rule: it is *stochastic gradient descent* on $L$, one example at a time.

### Exercise 01.3 — the update rule

Write `perceptron_update`: if the example $(\mathbf{x}, y)$ is misclassified ($y z \le 0$, note
the $\le$: a point exactly on the boundary counts as a mistake, otherwise a zero-initialized
perceptron would never start learning), apply the rule and return 1; otherwise change nothing and
return 0.
*/

/* One step of the perceptron rule; returns 1 if (x, y) was a mistake.   x: (D), y: -1 or +1 */
static int perceptron_update(perceptron *p, const float *x, int y, float lr)
{
    /* BEGIN EXERCISE 01.3 (3 points): the perceptron update rule */
    float z = neuron_preactivation(p->w, x, p->d, p->b);
    if ((float)y * z > 0)
        return 0;
    for (int j = 0; j < p->d; j++)
        p->w[j] += lr * (float)y * x[j];
    p->b += lr * (float)y;
    return 1;
    /* END EXERCISE */
}

/*md
### Why it works: the convergence theorem

Call the data *linearly separable* with margin $\gamma > 0$ if some hyperplane puts every
example on its correct side with room to spare: there is a unit vector $\mathbf{u}$ (over the
weights and the bias together) with $y_i\, \mathbf{u} \cdot \tilde{\mathbf{x}}_i \ge \gamma$ for
all $i$, where $\tilde{\mathbf{x}} = (\mathbf{x}, 1)$ appends a constant 1 so that the bias is
just one more weight. Let $R = \max_i \lVert \tilde{\mathbf{x}}_i \rVert$.

> **Theorem (Block 1962, Novikoff 1962).** Started from zero with any $\eta > 0$ and examples
> visited in any order, the perceptron rule makes at most $(R / \gamma)^2$ mistakes. After that
> it classifies every training example correctly.

*Proof.* Write $\tilde{\mathbf{w}} = (\mathbf{w}, b)$ and let $\tilde{\mathbf{w}}_k$ be the
weights after the $k$-th mistake, made on example $(\tilde{\mathbf{x}}, y)$. Two quantities are
tracked. The alignment with $\mathbf{u}$ grows by at least $\eta\gamma$ per mistake:
$\mathbf{u} \cdot \tilde{\mathbf{w}}_k = \mathbf{u} \cdot \tilde{\mathbf{w}}_{k-1} + \eta\, y\, \mathbf{u} \cdot \tilde{\mathbf{x}} \ge \mathbf{u} \cdot \tilde{\mathbf{w}}_{k-1} + \eta \gamma$,
so $\mathbf{u} \cdot \tilde{\mathbf{w}}_k \ge k \eta \gamma$. The length grows slowly, because a
mistake means $y\, \tilde{\mathbf{w}}_{k-1} \cdot \tilde{\mathbf{x}} \le 0$:

$$
\lVert \tilde{\mathbf{w}}_k \rVert^2 = \lVert \tilde{\mathbf{w}}_{k-1} \rVert^2
+ 2 \eta\, y\, \tilde{\mathbf{w}}_{k-1} \cdot \tilde{\mathbf{x}} + \eta^2 \lVert \tilde{\mathbf{x}} \rVert^2
\le \lVert \tilde{\mathbf{w}}_{k-1} \rVert^2 + \eta^2 R^2,
$$

so $\lVert \tilde{\mathbf{w}}_k \rVert^2 \le k \eta^2 R^2$. By Cauchy–Schwarz,
$k \eta \gamma \le \mathbf{u} \cdot \tilde{\mathbf{w}}_k \le \lVert \tilde{\mathbf{w}}_k \rVert \le \sqrt{k}\, \eta R$,
hence $k \le (R/\gamma)^2$. $\blacksquare$

Two lessons hide in the proof. The bound depends on the *geometry* of the data (how wide the gap
between the classes is, relative to the data's size), not on $N$ or $D$. And it promises nothing
when no separating hyperplane exists: then the rule keeps making mistakes forever, as we will see.

## 1.4 The training loop

An *epoch* is one pass over the training set. Each epoch visits the examples in a fresh random
order (a fixed order can make the rule cycle through the same sequence of bad updates), updates
on every mistake and counts them. When an epoch makes no mistake, the data has been separated and
training can stop.

### Exercise 01.4 — one epoch

Write `perceptron_epoch`: visit the examples in the order given by `order` (a permutation of
$0 \dots N-1$), convert each label from $\{0, 1\}$ (how datasets store classes) to
$\{-1, +1\}$, apply `perceptron_update` and return the number of mistakes.
*/

/* Labels in a dataset are 0/1; the perceptron wants -1/+1. */
static int signed_label(int y01) { return y01 ? +1 : -1; }

/* One pass of the perceptron rule over ds in the given order; returns the number of mistakes.
 * ds->x: (N, D),  order: (N) a permutation of 0..N-1 */
static int perceptron_epoch(perceptron *p, const dataset_t *ds, const int *order, float lr)
{
    /* BEGIN EXERCISE 01.4 (3 points): one epoch of the perceptron rule */
    int mistakes = 0;
    for (int k = 0; k < ds->n; k++) {
        int i = order[k];
        mistakes += perceptron_update(p, ds->x + (size_t)i * ds->d, signed_label(ds->y[i]), lr);
    }
    return mistakes;
    /* END EXERCISE */
}

/*md
To see learning happen we measure the model on data after each epoch: the perceptron criterion
$L$ from above (the *loss*, what training pushes down) and the *accuracy*, the fraction of
examples classified correctly (what we actually care about). We measure both on the training
set and on a *validation set* the rule never updates on: a model that does well only on the
examples it has seen has memorized, not learned.

### Exercise 01.5 — loss and accuracy

Write `perceptron_evaluate`: the mean perceptron criterion
$\frac{1}{N}\sum_i \max(0, -y_i z_i)$ and the accuracy (the fraction of examples where
`perceptron_predict` equals the $\pm 1$ label) over a dataset. Accumulate the loss in a `double`.
An empty dataset has no mean: report 0 for both rather than divide by zero.
*/

/* Mean perceptron criterion and accuracy of p on ds.   ds->x: (N, D) */
static void perceptron_evaluate(const perceptron *p, const dataset_t *ds, double *loss, double *accuracy)
{
    /* BEGIN EXERCISE 01.5 (2 points): mean perceptron loss and accuracy */
    double total = 0;
    int correct = 0;
    for (int i = 0; i < ds->n; i++) {
        const float *x = ds->x + (size_t)i * ds->d;
        int y = signed_label(ds->y[i]);
        float z = neuron_preactivation(p->w, x, p->d, p->b);
        total += fmax(0.0, -(double)y * z);
        correct += perceptron_predict(p, x) == y;
    }
    *loss = ds->n ? total / ds->n : 0;
    *accuracy = ds->n ? (double)correct / ds->n : 0;
    /* END EXERCISE */
}

/*md
## 1.5 Separable data: watching the theorem work

To test the theorem we need data whose margin we know. We draw points uniformly in the square
$[-1, 1]^2$, label each by the side of a fixed "true" line $\mathbf{u} \cdot \tilde{\mathbf{x}} = 0$
it falls on, and throw away the points closer to the line than a chosen gap. Every point is then
at least that gap away from the line. The theorem measures the margin with a unit vector over the
weights *and* the bias, so in its units the margin is the gap divided by
$\lVert (\mathbf{w}, b) \rVert$ of the true line: $\gamma \ge 0.1 / \lVert (0.8, -0.6, 0.1) \rVert = 0.1/1.005$.
The bound $(R/\gamma)^2$ can then be computed before training starts.
*/

/* The true boundary: 0.8 x1 - 0.6 x2 + 0.1 = 0 (already a unit normal in the x plane). */
static const float TRUE_W[2] = {0.8f, -0.6f}, TRUE_B = 0.1f;

/* n points in [-1,1]^2 labelled by the side of the true line, none closer to it than `gap`. */
static dataset_t make_separable(int n, float gap, rng_t *rng)
{
    dataset_t ds = dataset_new(n, 2, 2);
    for (int i = 0; i < n;) {
        float x[2] = {rng_range(rng, -1, 1), rng_range(rng, -1, 1)};
        float z = neuron_preactivation(TRUE_W, x, 2, TRUE_B);
        if (fabsf(z) < gap)
            continue;
        memcpy(ds.x + 2 * i, x, sizeof x);
        ds.y[i++] = z > 0;
    }
    return ds;
}

/* The theorem's bound (R / gamma)^2, with the margin measured from the true line, both over
 * augmented vectors (x, 1).   ds->x: (N, 2) */
static double mistake_bound(const dataset_t *ds)
{
    double norm_u = sqrt(TRUE_W[0] * TRUE_W[0] + TRUE_W[1] * TRUE_W[1] + TRUE_B * TRUE_B);
    double r2 = 0, gamma = INFINITY;
    for (int i = 0; i < ds->n; i++) {
        const float *x = ds->x + 2 * i;
        r2 = fmax(r2, x[0] * x[0] + x[1] * x[1] + 1.0);
        double margin = signed_label(ds->y[i]) * neuron_preactivation(TRUE_W, x, 2, TRUE_B) / norm_u;
        gamma = fmin(gamma, margin);
    }
    return r2 / (gamma * gamma);
}

/*md
Training is the loop of section 1.4 around the exercises: shuffle, one epoch, evaluate, log,
until an epoch makes no mistakes or the epoch budget runs out. `train_run` is shared by all three
experiments of the chapter; it writes one row per epoch to a CSV log when given one.
*/

typedef struct {
    int epochs_run, total_mistakes, last_mistakes;
    double train_loss, train_acc, val_loss, val_acc;
} train_result;

static int perceptron_epoch_averaged(perceptron *p, const dataset_t *ds, const int *order,
                                     double *sum_w, double *sum_b);

/* Train p for up to `epochs` epochs (stopping early after an epoch without mistakes). With sum_w
 * and sum_b, also accumulate the weights for the averaged perceptron of section 1.7. */
static train_result train_run(perceptron *p, const dataset_t *train, const dataset_t *val, int epochs,
                              rng_t *rng, csvlog_t *log, const char *name, double *sum_w, double *sum_b)
{
    train_result r = {0};
    int *order = nn_malloc((size_t)train->n * sizeof(int));
    rng_iota(order, train->n);
    for (int e = 1; e <= epochs; e++) {
        char label[64];
        snprintf(label, sizeof label, "%-9s epoch %3d/%d", name ? name : "", e, epochs);
        progress_t bar;
        progress_begin(&bar, label, train->n);
        rng_shuffle(rng, order, train->n);
        r.last_mistakes = sum_w ? perceptron_epoch_averaged(p, train, order, sum_w, sum_b)
                                : perceptron_epoch(p, train, order, 1.0f);
        r.total_mistakes += r.last_mistakes;
        r.epochs_run = e;
        perceptron_evaluate(p, train, &r.train_loss, &r.train_acc);
        perceptron_evaluate(p, val, &r.val_loss, &r.val_acc);
        nn_check_finite(r.train_loss, "the training loss", e);
        if (log)
            csvlog_row(log, (double[]){e, r.last_mistakes, r.train_loss, r.train_acc, r.val_loss, r.val_acc});
        if (name) /* a NULL name trains silently */
            progress_end(&bar, "mistakes %5d  loss %.4f  acc %.4f  val loss %.4f  val acc %.4f",
                         r.last_mistakes, r.train_loss, r.train_acc, r.val_loss, r.val_acc);
        if (r.last_mistakes == 0)
            break;
    }
    free(order);
    return r;
}

/*md
The figure below is the result of one run (`make run CH=01`, seed 1): 400 training points with a
gap of 0.1 around the true line (dashed). The theorem allowed at most
$(R/\gamma)^2 \approx 295$ mistakes; the perceptron made 22, all in its first epoch, and the
second epoch made none. The bound is loose, as worst-case bounds are, but it held. The learned
line (solid) is *a* separating line, not the true one: the rule stops as soon as every training
point is on its correct side, anywhere inside the gap. That is why it classifies only 98.5% of
200 fresh validation points correctly: a few of them fall between the two lines.

![The perceptron's decision boundary (solid) on separable data, and the line that generated the labels (dashed).](out/01/boundary.svg)
*/

/* Writes the points as CSV and draws them with the learned and the true boundary. */
static int plot_boundary(const char *dir, const char *name, const char *title, const dataset_t *ds,
                         const perceptron *p, int with_true_line)
{
    char path[4096], csv[256];
    snprintf(csv, sizeof csv, "%s.csv", name);
    io_file_t f;
    if (io_create(&f, io_join(path, dir, csv)) != 0)
        return -1;
    fprintf(f.f, "x1,x2,label\n");
    for (int i = 0; i < ds->n; i++)
        fprintf(f.f, "%g,%g,%d\n", ds->x[2 * i], ds->x[2 * i + 1], ds->y[i]);
    if (io_commit(&f) != 0)
        return -1;
    /* On the line w1 x1 + w2 x2 + b = 0:  x2 = -(w1 x1 + b) / w2. */
    char body[2048];
    snprintf(body, sizeof body,
             "set title '%s'\nset xlabel 'x_1'\nset ylabel 'x_2'\nset size ratio -1\n"
             "set xrange [-1.3:1.3]\nset yrange [-1.3:1.3]\nset key outside right\n"
             "learned(x) = -(%.9g * x + %.9g) / %.9g\ntruth(x) = -(%.9g * x + %.9g) / %.9g\n"
             "plot '%s' using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 0.6 lc rgb '#1f77b4' title 'y = +1', "
             "'' using 1:($3 == 0 ? $2 : 1/0) with points pt 5 ps 0.6 lc rgb '#d62728' title 'y = -1', "
             "learned(x) with lines lw 2 lc rgb 'black' title 'perceptron'%s",
             title, p->w[0], p->b, p->w[1] != 0 ? p->w[1] : 1e-9f, TRUE_W[0], TRUE_B, TRUE_W[1], csv,
             with_true_line ? ", truth(x) with lines dt 2 lw 2 lc rgb '#555555' title 'true line'" : "");
    return plot_render(dir, name, 700, 560, body);
}

/*md
## 1.6 What a single neuron cannot do: XOR

Take four points, the corners of the unit square, labelled by *exclusive or*: $(0,0)$ and
$(1,1)$ are $-1$, $(0,1)$ and $(1,0)$ are $+1$. No line separates them: a line with the two $+1$
corners on its positive side has their midpoint $(\frac12, \frac12)$ there too (the positive side
of a line is convex), and that midpoint is also the midpoint of the two $-1$ corners, which
would then need it on the negative side. So the theorem does not apply, and the rule never
settles: in our run it makes between 2 and 4 mistakes in every one of its 100 epochs (328 in
all), the boundary swinging back and forth, and it never gets more than two of the four points
right. Minsky and Papert's 1969 book made this limit famous, and it stalled
neural network research for a decade. The way out is to stack neurons, so that a hidden layer
computes new features in which the problem *is* linearly separable (for XOR, "$x_1$ OR $x_2$"
and "$x_1$ AND $x_2$" will do). Training such stacks needs gradients through the layers:
backpropagation, chapter 3.
*/

static dataset_t make_xor(void)
{
    dataset_t ds = dataset_new(4, 2, 2);
    const float pts[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    for (int i = 0; i < 4; i++) {
        memcpy(ds.x + 2 * i, pts[i], sizeof pts[i]);
        ds.y[i] = (i == 1 || i == 2);
    }
    return ds;
}

/*md
## 1.7 Real data: telling sneakers from ankle boots

Fashion-MNIST is 70,000 grayscale photographs of clothing, 28×28 pixels, ten classes, 60,000 for
training and 10,000 for testing; Debian ships it as `dataset-fashion-mnist`. Each image becomes a
vector of $D = 784$ numbers (pixel intensity / 255, in $[0, 1]$), and we keep two classes,
*Sneaker* (label $-1$) and *Ankle boot* ($+1$): 12,000 training and 2,000 test images. We hold
out a fifth of the training images as the validation set.

Are the two classes linearly separable in pixel space? There is no way to know in advance,
and the run shows they are not quite: the number of mistakes per epoch falls quickly but never
reaches zero, so the weights never settle and the accuracy after the last epoch depends on
which examples happened to come last. A simple remedy is the *averaged perceptron* (Freund and
Schapire 1999): predict with the average of the weight vectors after every example of training,
not the last one. Weights that survived many examples without a mistake count more, and the
jitter of the last few updates averages out. We keep the running sum alongside the model; the
averaged weights are used only for the final test.
*/

/* Run the perceptron rule over ds, also accumulating the weights after every example into
 * sum_w/sum_b (for the averaged perceptron).   ds->x: (N, D), sum_w: (D) */
static int perceptron_epoch_averaged(perceptron *p, const dataset_t *ds, const int *order,
                                     double *sum_w, double *sum_b)
{
    int mistakes = 0;
    for (int k = 0; k < ds->n; k++) {
        int i = order[k];
        mistakes += perceptron_update(p, ds->x + (size_t)i * ds->d, signed_label(ds->y[i]), 1.0f);
        for (int j = 0; j < p->d; j++)
            sum_w[j] += p->w[j];
        *sum_b += p->b;
    }
    return mistakes;
}

/*md
The figures show a run with the default 10 epochs (well under a second of training). The
mistakes per epoch fall from 787 to about 480, but never to zero, and the loss and accuracy after each epoch jump
around (validation accuracy between 85% and 97%): each epoch ends wherever the last few mistakes
left the boundary. The validation curve follows the training curve closely, so the model is not
memorizing; it is just restless. The last weights reached 95.1% accuracy on the 2,000 test
images, the averaged perceptron 96.45%, and the average does not depend on luck at the end.
The weights themselves, drawn as an image, show what the perceptron looks at: positive weights
(red, "ankle boot") fill the upper part of the image, where an ankle boot's shaft rises and a
sneaker has only background; negative weights (blue, "sneaker") sit in a few spots along the
low outline of a sneaker's toe and sole.

![Perceptron criterion per epoch on Sneaker vs Ankle boot: training and validation.](out/01/loss.svg)

![Accuracy per epoch, training and validation.](out/01/accuracy.svg)

![The learned weights as a 28×28 image: red pushes towards "ankle boot", blue towards "sneaker".](out/01/weights.svg)
*/

/* Draws the 784 weights as a 28x28 heat map (writes them to weights.csv first).   w: (784) */
static int plot_weights(const char *dir, const float *w)
{
    char path[4096];
    io_file_t f;
    if (io_create(&f, io_join(path, dir, "weights.csv")) != 0)
        return -1;
    float m = 1e-12f;
    for (int j = 0; j < 784; j++)
        m = fmaxf(m, fabsf(w[j]));
    for (int r = 0; r < 28; r++) /* one line per image row */
        for (int c = 0; c < 28; c++)
            fprintf(f.f, c ? ",%g" : "\n%g", w[r * 28 + c] / m);
    fputc('\n', f.f);
    if (io_commit(&f) != 0)
        return -1;
    return plot_render(dir, "weights", 560, 500,
                       "set title 'perceptron weights (scaled to [-1, 1])'\nunset key\nset size ratio -1\n"
                       "set yrange [27.5:-0.5]\nset xrange [-0.5:27.5]\nunset xtics\nunset ytics\n"
                       "set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')\nset cbrange [-1:1]\n"
                       "plot 'weights.csv' matrix with image");
}

/*md
## 1.8 The program

`main` runs the three experiments in order and writes everything to `out/01/`: `log.csv` (one
row per Fashion-MNIST epoch), the figures as SVG and PNG, and beside each figure the gnuplot
script that drew it. `--quick` shrinks every experiment to a few seconds' worth (it is what the
tests and CI run); `--epochs` sets the Fashion-MNIST epochs.
*/

#ifndef GRADING

static int run_separable(const flags_t *f, rng_t *rng)
{
    dataset_t train = make_separable(f->quick ? 100 : 400, 0.1f, rng);
    dataset_t val = make_separable(f->quick ? 50 : 200, 0.1f, rng);
    perceptron p = perceptron_new(2);
    printf("== Separable 2-D data: %d training points, margin >= 0.1\n", train.n);
    double bound = mistake_bound(&train);
    train_result r = train_run(&p, &train, &val, 100, rng, NULL, "separable", NULL, NULL);
    printf("mistakes: %d in %d epochs (the convergence theorem allows at most %.0f); "
           "validation accuracy %.4f\n\n", r.total_mistakes, r.epochs_run, bound, r.val_acc);
    int rc = plot_boundary(f->out, "boundary", "perceptron on separable data", &train, &p, 1);
    perceptron_free(&p);
    dataset_free(&train);
    dataset_free(&val);
    return rc;
}

static int run_xor(const flags_t *f, rng_t *rng)
{
    dataset_t xor = make_xor();
    perceptron p = perceptron_new(2);
    printf("== XOR: 4 points that no line separates\n");
    train_result r = train_run(&p, &xor, &xor, f->quick ? 10 : 100, rng, NULL, NULL, NULL, NULL);
    printf("after %d epochs the rule still made %d mistakes in the last epoch (%d in all): it never "
           "converges\n\n", r.epochs_run, r.last_mistakes, r.total_mistakes);
    int rc = plot_boundary(f->out, "xor", "the perceptron after its last epoch on XOR", &xor, &p, 0);
    perceptron_free(&p);
    dataset_free(&xor);
    return rc;
}

/* Accuracy on ds of the averaged weights.   sum_w: (D) */
static double averaged_accuracy(const dataset_t *ds, const double *sum_w, double sum_b, long count)
{
    perceptron avg = perceptron_new(ds->d);
    for (int j = 0; j < ds->d; j++)
        avg.w[j] = (float)(sum_w[j] / (double)count);
    avg.b = (float)(sum_b / (double)count);
    double loss, acc;
    perceptron_evaluate(&avg, ds, &loss, &acc);
    perceptron_free(&avg);
    return acc;
}

static int run_fashion(const flags_t *f, rng_t *rng)
{
    dataset_t full_train, full_test;
    if (fashion_load_splits(&full_train, &full_test, f->data) != 0)
        return -1;
    const int classes[2] = {7, 9}; /* Sneaker -> 0 (-1), Ankle boot -> 1 (+1) */
    dataset_t all = dataset_select_classes(&full_train, classes, 2);
    dataset_t test = dataset_select_classes(&full_test, classes, 2);
    dataset_free(&full_train);
    dataset_free(&full_test);
    if (f->quick)
        all.n = all.n < 2000 ? all.n : 2000; /* a prefix: the rows are already in memory */
    dataset_t train, val;
    dataset_split(&train, &val, &all, 0.8f, rng);
    printf("== Fashion-MNIST, %s vs %s: %d training, %d validation, %d test images\n",
           FASHION_CLASSES[classes[0]], FASHION_CLASSES[classes[1]], train.n, val.n, test.n);

    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"),
                    "epoch,mistakes,train_loss,train_acc,val_loss,val_acc") != 0)
        return -1;
    perceptron p = perceptron_new(train.d);
    double *sum_w = nn_calloc((size_t)train.d, sizeof(double)), sum_b = 0;
    double t0 = timing_seconds();
    train_result r = train_run(&p, &train, &val, f->epochs, rng, &log, "fashion", sum_w, &sum_b);
    double seconds = timing_seconds() - t0, loss, acc;
    perceptron_evaluate(&p, &test, &loss, &acc);
    double avg_acc = averaged_accuracy(&test, sum_w, sum_b, (long)r.epochs_run * train.n);
    printf("test accuracy: %.4f (last weights), %.4f (averaged perceptron); training took %.2fs\n",
           acc, avg_acc, seconds);

    int rc = csvlog_close(&log);
    const char *loss_series[] = {"train_loss:training", "val_loss:validation", NULL};
    const char *acc_series[] = {"train_acc:training", "val_acc:validation", NULL};
    rc |= plot_curves(f->out, "loss", "log.csv", "Sneaker vs Ankle boot: perceptron criterion", "epoch",
                      "loss", "epoch", loss_series);
    rc |= plot_curves(f->out, "accuracy", "log.csv", "Sneaker vs Ankle boot: accuracy", "epoch",
                      "accuracy", "epoch", acc_series);
    rc |= plot_weights(f->out, p.w);
    free(sum_w);
    perceptron_free(&p);
    dataset_free(&all);
    dataset_free(&train);
    dataset_free(&val);
    dataset_free(&test);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "out/01"};
    int parsed = flags_parse(&f, argc, argv, "Chapter 1: the perceptron on separable points, XOR and Fashion-MNIST.",
                             NULL, 0);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    /* The two activations not used by the experiments, shown once so the reader sees them work. */
    const float w[1] = {2.0f}, x[1] = {0.5f};
    printf("a neuron relu(2 * 0.5 - 3) = %g, sigmoid(2 * 0.5 - 3) = %.4f, step = %g\n\n",
           neuron_forward(w, x, 1, -3.0f, relu), neuron_forward(w, x, 1, -3.0f, sigmoid),
           neuron_forward(w, x, 1, -3.0f, step));
    if (run_separable(&f, &rng) != 0 || run_xor(&f, &rng) != 0 || run_fashion(&f, &rng) != 0)
        return 1;
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return 0;
}

#endif /* GRADING */
