/*md
# Convolutional networks: seeing with convolutions

Chapter 3's network read an image as a list of 784 numbers. It never learned that pixel 300 sits
next to pixel 301, and a sleeve shifted by two pixels was, to it, a new pattern to learn from
scratch. This chapter builds the layer that knows what an image is: the *convolution*, one small
set of weights slid over every position of the picture. We derive it as a sliding dot product,
then turn it into one matrix product (*im2col*) so that OpenBLAS does the work; we derive its
backward pass, see why the gradient of the input is a convolution with the kernel flipped, and
add pooling. Then we assemble a LeNet-5-style network (LeCun et al. 1998: the network that read
the digits on American bank cheques) and train it on all of Fashion-MNIST, where it passes the
MLP's accuracy with a quarter of its parameters, and we look at what it learned.

**What lives where.** Later chapters reuse this chapter's layers (chapter 11 quantizes the network
trained here), so the fast versions live in the library: `common/conv.h` (output sizes, im2col,
col2im, conv2d and conv1d forward and backward), `common/pool.h` (max, average and global average
pooling), `common/lenet.h` (the network) and `common/se.h` (the squeeze-and-excitation block of
section 7.11). This file derives each of them and keeps, for the
exercises, the direct versions written for one image at a time: they are the definitions the
library's versions are checked against.

**Notation and shapes.** An image batch is a 4-dimensional array $x$ of shape $(B, C, H, W)$:
$B$ images, $C$ channels (1 for grey pictures, 3 for colour, many inside a network), $H$ rows
and $W$ columns, stored row-major, so element $x_{b,c,h,w}$ is at offset
$((bC + c)H + h)W + w$. A convolution layer has $O$ kernels (`OC` in code) of shape
$(C, K_h, K_w)$, so its weights $w$ are $(O, C, K_h, K_w)$ and its bias $b$ is $(O)$; its output
is $(B, O, H', W')$. Stride $s$, padding $p$ and dilation $d$ are defined in section 7.2. As in
chapter 3, $\bar v = \partial L / \partial v$ is the gradient of the loss with respect to $v$,
`dv` in code, with the shape of $v$.
*/

#include "conv.h"      /* conv_shape_t, im2col, conv2d_forward/backward: this chapter's layers, fast */
#include "csvlog.h"    /* out/07/log.csv */
#include "data.h"      /* dataset_t, fashion_load_splits, dataset_split, dataset_select_classes */
#include "error.h"     /* nn_error, nn_check_finite, nn_malloc */
#include "course.h"    /* TODO: the student edition's exercise stubs */
#include "flags.h"     /* --epochs --seed --quick --out --data --help, plus --lr --batch --bench */
#include "io.h"        /* io_create / io_commit / io_join / io_mkdirs */
#include "lenet.h"     /* the LeNet-5-style network of section 7.6 */
#include "loss.h"      /* softmax_cross_entropy (chapter 2) */
#include "matmul.h"    /* matmul_blas: cblas_sgemm (chapter 3) */
#include "metrics.h"   /* metrics_confusion (chapter 6) */
#include "norm.h"      /* batch norm (chapter 6), for the residual network of section 7.10 */
#include "layers.h"    /* linear_forward/backward (chapter 3), its classifier */
#include "activations.h" /* relu_forward/backward */
#include "init.h"      /* init_normal, init_he_normal */
#include "optim.h"     /* adam_t (chapter 3) */
#include "plot.h"      /* gnuplot figures */
#include "pool.h"      /* max and average pooling, fast */
#include "se.h"        /* squeeze-and-excitation (section 7.11) */
#include "dropout.h"   /* dropout (chapter 6), for the AlexNet of section 7.12 */
#include "augment.h"   /* random shifts and flips (chapter 6) */
#include "prep.h"      /* prep_gather_rows: a shuffled batch into contiguous rows */
#include "progress.h"  /* the progress bar */
#include "timing.h"    /* timing_seconds, timing_median */
#include "rng.h"       /* the explicit random number generator */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*md
## 7.1 What a fully connected layer cannot see

Three facts about pictures make a dense layer a poor fit. **Locality:** what matters about a pixel
is first of all its neighbourhood (an edge, a corner, the texture of knitwear), and a dense unit
connects to all 784 pixels at once. **Translation:** a collar is a collar wherever it appears, but
a dense layer learns a separate detector for each position. **Size:** a dense layer from a
$224 \times 224 \times 3$ colour image to just 1,000 units already has 150 million weights.

A convolution layer answers all three with two constraints. Each output unit looks at a small
window (*local connectivity*, its *receptive field*), and all units of one output channel use the
same weights (*weight sharing*): one kernel of $C K_h K_w$ numbers, slid over the image. The
output channel is then a *feature map*: the kernel's response at every position. A shifted input
gives a shifted map (the layer is *equivariant* to translation), and the weight count no longer
depends on the image size: LeNet's second convolution has $16 \times 6 \times 5 \times 5 = 2{,}400$
weights whether the image is $14 \times 14$ or a megapixel.

## 7.2 Convolution as a sliding dot product

For one image, one output channel $o$ and one output position $(i, j)$, the layer takes the dot
product of kernel $o$ with the patch of the input under it, and adds a bias:

$$
y_{o,i,j} = b_o + \sum_{c=0}^{C-1} \sum_{u=0}^{K_h-1} \sum_{v=0}^{K_w-1}
  w_{o,c,u,v} \; x_{c,\; i s + u d - p,\; j s + v d - p}
$$

where pixels outside the image read as zero. Three knobs place the patches:

* **stride** $s$: the patch moves $s$ pixels between neighbouring outputs ($s = 2$ halves the
  resolution);
* **padding** $p$: $p$ rows and columns of zeros around the image, so that border pixels are
  centred under the kernel as often as inner ones and the output need not shrink;
* **dilation** $d$: the kernel's taps are $d$ pixels apart, so a $3 \times 3$ kernel with $d = 2$
  covers a $5 \times 5$ area with 9 weights (a cheap way to grow the receptive field).

Strictly, this is a *cross-correlation*: a convolution in the mathematical sense flips the
kernel, $\sum_u w_u x_{i-u}$. Every deep-learning framework computes the unflipped version and
calls it convolution; since the kernel is learned, the network simply learns the flipped kernel.
The flip will reappear, for real, in the backward pass (section 7.4).

**The output size.** Along one axis, the padded input has $n + 2p$ positions, numbered
$0 \dots n + 2p - 1$. A dilated kernel of $k$ taps spans $d(k - 1) + 1$ of them: its first tap at
the patch's start, its last $d(k-1)$ further on. Output $i$ starts at $is$, so it fits when
$is + d(k-1) \le n + 2p - 1$, that is $i \le (n + 2p - d(k-1) - 1) / s$. Counting $i = 0$ too:

$$
n' = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1 .
$$

Check it on cases we know: a $5 \times 5$ kernel on a $28 \times 28$ image without padding gives
$28 - 5 + 1 = 24$ outputs; with $p = 2$ the size is kept, $(28 + 4 - 4 - 1) + 1 = 28$ (in general
$p = (k - 1)/2$ keeps the size for odd $k$ and $s = 1$); $k = 3$, $s = 2$, $p = 1$ on 7 pixels gives
$\lfloor 6 / 2 \rfloor + 1 = 4$. When the division is not exact, the floor means the last few
pixels are never the start of a patch: they are simply not covered. When the kernel does not fit
even once ($d(k-1) + 1 > n + 2p$) or the stride is 0 there is no sensible answer, and
`conv_out_size` in `common/conv.c` reports an error instead of returning a size.

### Exercise 07.1 — the output size

Write `output_size`: the number of outputs $n'$ along an axis of $n$ input pixels for a kernel of
$k$ taps with stride `stride`, padding `pad` (on each side) and dilation `dil`, by the formula
above. The arguments always fit (the library checks them before this is called).
*/

static int output_size(int n, int k, int stride, int pad, int dil)
{
    /* BEGIN EXERCISE 07.1 (1 point): the output size along one axis */
    return (n + 2 * pad - dil * (k - 1) - 1) / stride + 1;
    /* END EXERCISE */
}

/*md
### Exercise 07.2 — the direct convolution

Write `conv2d_direct`, the sliding dot product for **one image**: `x` is $(C, H, W)$, `w` is
$(O, C, K_h, K_w)$, `b` is $(O)$ or `NULL` (no bias), `y` is $(O, H', W')$, overwritten. The
sizes, stride, padding and dilation are in `s` (a `conv_shape_t` from `common/conv.h`, with
`s->OH` and `s->OW` already computed; ignore `s->B`). Follow the formula of section 7.2 exactly:
no kernel flip, and a tap that falls into the padding contributes nothing. Accumulate in a
`float`.
*/

static void conv2d_direct(float *y, const float *x, const float *w, const float *b, const conv_shape_t *s)
{
    /* BEGIN EXERCISE 07.2 (2 points): the sliding dot product, with stride, padding and dilation */
    for (int o = 0; o < s->OC; o++)
        for (int i = 0; i < s->OH; i++)
            for (int j = 0; j < s->OW; j++) {
                float acc = b ? b[o] : 0.0f;
                for (int c = 0; c < s->C; c++)
                    for (int u = 0; u < s->KH; u++)
                        for (int v = 0; v < s->KW; v++) {
                            int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                            int xx = j * s->stride_w + v * s->dil_w - s->pad_w;
                            if (yy >= 0 && yy < s->H && xx >= 0 && xx < s->W)
                                acc += w[((o * s->C + c) * s->KH + u) * s->KW + v] * x[(c * s->H + yy) * s->W + xx];
                        }
                y[(o * s->OH + i) * s->OW + j] = acc;
            }
    /* END EXERCISE */
}

/*md
## 7.3 Convolution as a matrix product: im2col

Seven nested loops with a bounds test in the innermost one run at a few GFLOP/s at best. But look
at the sum again: for a fixed output position, it is the dot product of the kernel, flattened into
a vector of $C K_h K_w$ numbers, with the patch, flattened the same way. Write every patch as a
*column* of a matrix and every kernel as a *row* of another, and all the dot products of the layer
become one matrix product, the operation chapter 3 showed OpenBLAS runs near the machine's peak.
This reshaping is **im2col** ("image to columns", Chellapilla et al. 2006; Caffe made it
standard):

$$
\text{cols}_{r,\; q} = x_{c,\; is + ud - p,\; js + vd - p}, \qquad
r = (c K_h + u) K_w + v, \qquad q = i W' + j,
$$

a matrix of shape $(C K_h K_w,\; H' W')$, zero where the patch reaches into the padding. Row $r$
lists tap $(c, u, v)$ of every patch; column $q$ is the patch of output $(i, j)$. The kernels
$w$ $(O, C, K_h, K_w)$ are already, in memory, the matrix $W$ of shape $(O, C K_h K_w)$ with the
taps in the same order $r$, so

$$
Y = W \,\text{cols} \qquad (O, H'W') = (O, C K_h K_w) \times (C K_h K_w, H'W'),
$$

and $Y$ is the output $(O, H', W')$ as it sits in memory. For a batch, `conv_im2col` puts the
$B$ images' columns side by side, cols is $(C K_h K_w, B H' W')$, and one product computes the
layer for the whole batch; a final pass reorders $(O, B, H'W')$ into $(B, O, H'W')$ while adding
the bias. That is `conv2d_forward` in `common/conv.c`.

The price is memory: every pixel is copied into up to $K_h K_w$ columns, 25 copies for a
$5 \times 5$ kernel. For LeNet's first layer and a batch of 128 images, cols holds
$25 \times 128 \times 784 = 2.5$ million floats, 10 MB, more than the processor's cache: writing
it and reading it back would cost more than the arithmetic. So the library processes the batch a
few images at a time (as many as fit in `CONV_CHUNK_BYTES`, half a megabyte): each chunk's
columns are written, multiplied and forgotten while they are still in the cache. The product per
chunk is still large enough for OpenBLAS to run efficiently.

### Exercise 07.3 — im2col

Write `im2col_image` for one image: `x` $(C, H, W)$ into `cols` $(C K_h K_w,\; H' W')$ by the
formula above: row $r = (c K_h + u) K_w + v$, column $q = i W' + j$, and a zero wherever the tap
falls into the padding. Every entry of `cols` must be written.
*/

static void im2col_image(float *cols, const float *x, const conv_shape_t *s)
{
    /* BEGIN EXERCISE 07.3 (2 points): im2col, one column per output position */
    const int P = s->OH * s->OW;
    for (int c = 0; c < s->C; c++)
        for (int u = 0; u < s->KH; u++)
            for (int v = 0; v < s->KW; v++) {
                const int r = (c * s->KH + u) * s->KW + v;
                for (int i = 0; i < s->OH; i++)
                    for (int j = 0; j < s->OW; j++) {
                        int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                        int xx = j * s->stride_w + v * s->dil_w - s->pad_w;
                        int inside = yy >= 0 && yy < s->H && xx >= 0 && xx < s->W;
                        cols[r * P + i * s->OW + j] = inside ? x[(c * s->H + yy) * s->W + xx] : 0.0f;
                    }
            }
    /* END EXERCISE */
}

/* The layer for one image through im2col and one product: y (OC, OH, OW) = W cols + b. cols is
 * scratch of C*KH*KW * OH*OW floats. The library's conv2d_forward does the same for a batch. */
static void conv2d_im2col_image(float *y, float *cols, const float *x, const float *w, const float *b,
                                const conv_shape_t *s)
{
    const int P = s->OH * s->OW, K = s->C * s->KH * s->KW;
    im2col_image(cols, x, s);
    matmul_blas(0, 0, s->OC, P, K, 1.0f, w, cols, 0.0f, y);
    for (int o = 0; o < s->OC; o++)
        for (int q = 0; q < P; q++)
            y[o * P + q] += b ? b[o] : 0.0f;
}

/*md
## 7.4 The backward pass

The layer is $Y = W\,\text{cols} + b$ (bias added to every column), followed by a reshape, and
$\text{cols} = \text{im2col}(x)$. Chapter 3's linear layer $y = xW + b$ has exactly this form with
the roles of the two factors exchanged, so its three gradients carry over, with
$\bar Y$ the upstream gradient $\bar y$ arranged as $(O, H'W')$ per image:

$$
\bar W = \bar Y \,\text{cols}^\top, \qquad
\bar b_o = \sum_{q} \bar Y_{o,q}, \qquad
\overline{\text{cols}} = W^\top \bar Y .
$$

Shape check: $\bar W$ must be $(O, C K_h K_w)$, and from $\bar Y$ $(O, H'W')$ and cols
$(C K_h K_w, H'W')$ the only product of that shape is $\bar Y\,\text{cols}^\top$. For a batch,
the columns of all images sit side by side, so the same products sum over the batch as well:
a kernel is used at every position of every image, and the many-paths rule of chapter 3 adds the
contributions of all its uses. Forgetting that sum (keeping only the last position's product) is
the classic bug of a hand-written convolution backward.

**col2im.** The last step maps $\overline{\text{cols}}$ back to $\bar x$. im2col is linear: it
copies each pixel into several entries of cols. By the many-paths rule, the gradient of a pixel is
the *sum* of the gradients of all its copies, and copies into the padding had no pixel at all:
they are dropped. That operation, **col2im**, is the *adjoint* (transpose) of im2col: for any
image $x$ and matrix $c$ of the right shapes,
$\langle \text{im2col}(x), c \rangle = \langle x, \text{col2im}(c) \rangle$, which the library's
tests check. Its code is im2col's loop with the assignment `cols[...] = x[...]` turned around into
`dx[...] += dcols[...]`.

**Why the input gradient is a full convolution with the flipped kernel.** Take one channel, stride
1, no padding, no dilation: $y_{i,j} = \sum_{u,v} w_{u,v}\, x_{i+u, j+v}$. Pixel $x_{m,n}$ is read
by every output $(i, j) = (m - u, n - v)$ that exists, with weight $w_{u,v}$, so

$$
\bar x_{m,n} = \sum_{u,v} \bar y_{m-u,\; n-v}\; w_{u,v}
             = \sum_{u',v'} \bar y_{m-(K-1)+u',\; n-(K-1)+v'}\; w_{K-1-u',\; K-1-v'} ,
$$

with $u' = K - 1 - u$. The right-hand side is our sliding dot product again, over $\bar y$ with
the kernel **flipped** in both axes, at positions that start $K - 1$ before the first row: a
"full" convolution, $\bar y$ padded with $K - 1$ zeros on every side (outputs that do not exist
have zero gradient). So the backward of a convolution is a convolution, which is why frameworks
implement it with the same machinery, and it is what col2im of $W^\top \bar Y$ computes, without
ever forming the flipped kernel. The weight gradient is one too:
$\bar w_{u,v} = \sum_{i,j} \bar y_{i,j}\, x_{i+u,j+v}$ correlates the input with $\bar y$ used as
the kernel. With stride, $\bar y$ gets $s - 1$ zeros between its entries first; with padding, the
gradient of the padded zeros is simply not kept.

### Exercise 07.4 — col2im

Write `col2im_image` for one image: from `dcols` $(C K_h K_w, H'W')$ compute `dx` $(C, H, W)$ by
adding every entry of `dcols` to the pixel that im2col copied it from (same $r$ and $q$ as in
exercise 07.3), skipping the entries that came from the padding. `dx` holds garbage on entry: it
must be set to zero first.
*/

static void col2im_image(float *dx, const float *dcols, const conv_shape_t *s)
{
    /* BEGIN EXERCISE 07.4 (2 points): col2im, the adjoint of im2col */
    const int P = s->OH * s->OW;
    memset(dx, 0, (size_t)s->C * s->H * s->W * sizeof(float));
    for (int c = 0; c < s->C; c++)
        for (int u = 0; u < s->KH; u++)
            for (int v = 0; v < s->KW; v++) {
                const int r = (c * s->KH + u) * s->KW + v;
                for (int i = 0; i < s->OH; i++)
                    for (int j = 0; j < s->OW; j++) {
                        int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                        int xx = j * s->stride_w + v * s->dil_w - s->pad_w;
                        if (yy >= 0 && yy < s->H && xx >= 0 && xx < s->W)
                            dx[(c * s->H + yy) * s->W + xx] += dcols[r * P + i * s->OW + j];
                    }
            }
    /* END EXERCISE */
}

/*md
### Exercise 07.5 — the direct backward pass

Write `conv2d_direct_backward` for one image, the backward of exercise 07.2 written as loops:
given `dy` $(O, H', W')$ and the forward's `x` and `w`, compute `dw` $(O, C, K_h, K_w)$,
`db` $(O)$ and `dx` $(C, H, W)$, all three overwritten (set them to zero first, then add).
Visit every output $(o, i, j)$ and every tap $(c, u, v)$ of its patch that is inside the image, as
the forward pass did, and send $\bar y_{o,i,j}$ back along that connection: to $\bar w$ multiplied
by the pixel, to $\bar x$ multiplied by the weight. Every output adds to $\bar b_o$.
*/

static void conv2d_direct_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                                   const conv_shape_t *s)
{
    /* BEGIN EXERCISE 07.5 (3 points): dw, db and dx, summed over every position */
    memset(dx, 0, (size_t)s->C * s->H * s->W * sizeof(float));
    memset(dw, 0, (size_t)s->OC * s->C * s->KH * s->KW * sizeof(float));
    memset(db, 0, (size_t)s->OC * sizeof(float));
    for (int o = 0; o < s->OC; o++)
        for (int i = 0; i < s->OH; i++)
            for (int j = 0; j < s->OW; j++) {
                const float g = dy[(o * s->OH + i) * s->OW + j];
                db[o] += g;
                for (int c = 0; c < s->C; c++)
                    for (int u = 0; u < s->KH; u++)
                        for (int v = 0; v < s->KW; v++) {
                            int yy = i * s->stride_h + u * s->dil_h - s->pad_h;
                            int xx = j * s->stride_w + v * s->dil_w - s->pad_w;
                            if (yy < 0 || yy >= s->H || xx < 0 || xx >= s->W)
                                continue;
                            const int wi = ((o * s->C + c) * s->KH + u) * s->KW + v, xi = (c * s->H + yy) * s->W + xx;
                            dw[wi] += g * x[xi];
                            dx[xi] += g * w[wi];
                        }
            }
    /* END EXERCISE */
}

/*md
The library's `conv2d_backward` computes the same three gradients for a batch with two products
per chunk of images ($\bar W \mathrel{+}= \bar Y \text{cols}^\top$ and
$\overline{\text{cols}} = W^\top \bar Y$) and `conv_col2im`. It does not keep the forward pass's
cols: it recomputes im2col of each chunk, which costs one more pass over a small input and saves
writing and reading a matrix 25 times the size of the image. The first layer does not need $\bar x$
at all (nothing learnable comes before it), so that product is skipped there.

**The library's convolution and the exercises'.** They compute the same function, and `main`
checks that they agree, but they differ in four ways worth knowing when you read
`common/conv.c`. (1) The library works on a batch, and in chunks of images whose im2col matrix
fits in `CONV_CHUNK_BYTES`, where exercises 07.2-07.5 take one image. (2) Its forward pass and
its $\bar x$, $\bar w$ are matrix products (`matmul_blas`, that is `cblas_sgemm`), which add the
$C K_h K_w$ products of a dot product in another order than your loops do: the results agree to
rounding, about $10^{-6}$ here, not bit for bit. (Its own oracle, `conv2d_forward_naive`, is your
loop accumulated in `double`.) (3) Its backward pass recomputes im2col instead of keeping the
forward pass's matrix, and uses col2im for $\bar x$ where exercise 07.5 adds into $\bar x$ directly
in the same loop as $\bar w$. (4) It checks the shape once, in `conv_shape_init`, which reports a
kernel that does not fit and returns -1; the exercises trust the `conv_shape_t` they are given.

**conv1d.** A one-dimensional convolution over a sequence $(B, C, L)$ with kernels $(O, C, K)$ is
the same computation on images of height 1: `conv1d_shape_init` sets $H = K_h = 1$ and no padding
along the height, and `conv1d_forward`/`conv1d_backward` call the 2-D functions. Chapter 8's
sequence models can use it for local patterns in time.

## 7.5 Pooling

A convolution keeps the resolution (or halves it with stride 2). *Pooling* summarizes each
$k \times k$ window of a feature map by one number, separately for every channel, and with
$k = s = 2$ halves the height and width:

* **max pooling**: $y_{i,j} = \max_{(u,v) \in \text{window}(i,j)} x_{u,v}$: "is the feature
  present somewhere here?", and a small shift of the input often leaves the answer unchanged;
* **average pooling**: $y_{i,j} = \frac{1}{k^2} \sum_{(u,v) \in \text{window}(i,j)} x_{u,v}$,
  LeNet-5's original "subsampling". Its limit, **global average pooling**, averages a whole
  channel into one number; modern networks end with it instead of a large dense layer.

The output size is section 7.2's formula with $p = 0$, $d = 1$: $(n - k)/s + 1$. Pooling has no
parameters, so its backward pass only routes gradients.

**Max pooling backward.** Within a window, $y = x_{u^*,v^*}$ where $(u^*, v^*)$ is the winner: the
output does not depend on the other inputs at all (a small change to a loser does not change the
max). So $\bar x_{u^*,v^*} \mathrel{+}= \bar y$ and the other inputs of the window receive
nothing. The forward pass remembers the winner's index so the backward pass need not search
again; on a tie the first in row-major order wins (PyTorch's convention; the max is not
differentiable there, and either choice is a valid subgradient). When windows overlap ($s < k$),
one input can win several windows and must collect all their gradients: $\mathrel{+}=$, never $=$.

**Average pooling backward.** Each input of a window contributes $1/k^2$ of the output, so it
receives $\bar y / k^2$ from every window it belongs to.

### Exercise 07.6 — max pooling backward

Write `maxpool_backward_map` for one channel map: `x` $(H, W)$ is the forward input, `dy`
$(H', W')$ the upstream gradient of a $k \times k$ max pool with stride `stride` (no padding,
$H' = (H - k)/s + 1$, likewise $W'$). Set `dx` $(H, W)$ to zero, then, for every window, find the
winner (the first largest value in row-major order of the window) and add the window's $\bar y$ to
the winner's entry of `dx`, an index into the whole map.
*/

static void maxpool_backward_map(float *dx, const float *dy, const float *x, int H, int W, int k, int stride)
{
    /* BEGIN EXERCISE 07.6 (2 points): route each window's gradient to its winner */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
            int best = i * stride * W + j * stride;
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++) {
                    int at = (i * stride + u) * W + j * stride + v;
                    if (x[at] > x[best])
                        best = at;
                }
            dx[best] += dy[i * OW + j];
        }
    /* END EXERCISE */
}

/*md
### Exercise 07.7 — average pooling backward

Write `avgpool_backward_map` for one channel map: from `dy` $(H', W')$ of a $k \times k$ average
pool with stride `stride`, compute `dx` $(H, W)$ (set it to zero first): every input of window
$(i, j)$ receives $\bar y_{i,j} / k^2$, added up over all the windows it belongs to.
*/

static void avgpool_backward_map(float *dx, const float *dy, int H, int W, int k, int stride)
{
    /* BEGIN EXERCISE 07.7 (1 point): spread each window's gradient evenly */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
            const float g = dy[i * OW + j] / (float)(k * k);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                    dx[(i * stride + u) * W + j * stride + v] += g;
        }
    /* END EXERCISE */
}

/*md
**Flatten.** Between the last pooling layer and the dense layers, the $(B, C, H, W)$ activations
must become $(B, CHW)$ rows. In row-major storage they already are: image $b$'s $C H W$ numbers are
contiguous, in the order the dense layer will read them, so flattening is a change of the shape we
*say* the memory has, not a copy, and its backward is the same non-operation. (A framework that
stores images as $(B, H, W, C)$ flattens in another order; weights trained under one convention do
not transfer to the other without permuting them.)

## 7.6 LeNet-5

LeCun, Bottou, Bengio and Haffner (1998) stacked these layers into the network that read a
large share of the cheques written in the United States around 2000. Ours keeps its shape
and updates two details, as its modern re-implementations do: ReLU instead of a scaled tanh, and
max instead of average pooling.

```dot
digraph lenet {
  rankdir=LR;
  node [shape=box, style="rounded", fontname="sans", fontsize=10];
  x  [label="image\n1 x 28 x 28"];
  c1 [label="conv 5x5, pad 2\n6 x 28 x 28\n+ relu"];
  p1 [label="max pool 2x2\n6 x 14 x 14"];
  c2 [label="conv 5x5\n16 x 10 x 10\n+ relu"];
  p2 [label="max pool 2x2\n16 x 5 x 5"];
  f  [label="flatten\n400"];
  d1 [label="dense 120\n+ relu"];
  d2 [label="dense 84\n+ relu"];
  d3 [label="dense 10\nlogits"];
  x -> c1 -> p1 -> c2 -> p2 -> f -> d1 -> d2 -> d3;
}
```

**Parameters**: conv1 $6 \cdot 25 + 6 = 156$, conv2 $16 \cdot 150 + 16 = 2{,}416$, the dense
layers $400 \cdot 120 + 120 = 48{,}120$, $120 \cdot 84 + 84 = 10{,}164$ and $84 \cdot 10 + 10 = 850$:
**61,706** in all, a quarter of chapter 3's MLP (235,146). Most of them are in the first dense
layer; the convolutions, which do most of the work, hold 4% of the weights.

**Work** per image (multiply-adds counted as 2 FLOPs): conv1 computes $6 \cdot 28 \cdot 28$
outputs of 25 taps, $2 \cdot 117{,}600 = 235{,}200$ FLOPs; conv2 $16 \cdot 10 \cdot 10$ outputs of
150 taps, $480{,}000$; the dense layers $2 \cdot 59{,}040 = 118{,}080$: **0.83 MFLOP** forward, 70%
of it in the convolutions. The backward pass doubles every layer except the first convolution
(no $\bar x$ needed), so a training step costs $3 \times 0.833 - 0.235 = 2.26$ MFLOP per image and
an epoch of 60,000 images **136 GFLOP**, more than twice the MLP's 60 GFLOP for a quarter of the
weights: a convolution reuses each weight at every position.

`common/lenet.h` holds the network: all parameters in one block (the convolutional "trunk"
first, then the dense "head", which section 7.9 uses), the activations of a batch kept for the
backward pass, and every buffer allocated once. Its forward pass is the diagram read left to
right, each arrow one library call; its backward pass is the same calls' backward functions in
reverse order, with the max-pool indices and the ReLU outputs (positive exactly where the input
was) kept from the forward pass. The test suite checks it against centered differences.

Training is chapter 3's loop: shuffle, gather a batch, forward, softmax cross-entropy, backward,
one Adam step for the whole parameter block. The learning rate falls linearly to zero over the
run, as in chapter 3.
*/

/* One training step on the batch xb (B, 784), labels yb (B); returns the loss. */
static float lenet_train_step(lenet_t *m, adam_t *opt, float *dlogits, const float *xb, const int *yb, int B,
                              long step)
{
    const float *z = lenet_forward(m, xb, B);
    float loss = softmax_cross_entropy(dlogits, z, yb, B, LENET_CLASSES);
    nn_check_finite(loss, "the training loss", step);
    lenet_backward(m, xb, dlogits, B);
    adam_step(opt, m->params, m->grads);
    return loss;
}

/*md
The default run (`make run CH=07`: 10 epochs, Adam with $\eta = 2 \times 10^{-3}$ decaying to 0,
batch 64, He initialization, 55,000 training and 5,000 validation images) reaches a test accuracy
of **about 90.5%** (about 90.7% in an earlier run with `--seed 2`; about 91% on the validation
images), where chapter 3's MLP reached 89% with four times the parameters. With batch 128
(`--batch 128`) the same ten epochs reached about 90.0% and 90.6% in two earlier runs: half as many
steps. The validation loss stops
improving after about eight epochs while the training loss keeps falling (0.14 against 0.25 at the
end): the network has started to memorize, and chapter 6's remedies (augmentation, dropout, weight
decay) would be the next step. The run used 64 s of processor time in user code and 5 s in the
kernel, both cores counted; we could not time it on an idle machine: ours was shared with other
jobs while we measured (a load of 6 to 8 on its two cores), and the run took 213 s of wall-clock
time. Both cores work on the convolutions, which are most of the work: `conv2d_forward` and
`conv2d_backward` give the second half of each batch to a thread of their own, and section 7.8
explains why that, and not OpenBLAS's own threads, is what uses two cores here. The result does not
depend on how many threads OpenBLAS is allowed (`OPENBLAS_NUM_THREADS=1 make run CH=07` writes the
same log, bit for bit): LeNet holds OpenBLAS to one thread, and the two halves' gradients are always
added in the same order.

![Cross-entropy during training, on the training batches and on the validation set.](out/07/loss.svg)

![Accuracy during training.](out/07/accuracy.svg)

## 7.7 What the network learned

The first layer's six kernels can be looked at directly: each is a $5 \times 5$ picture of the
pattern it responds to. Some read as oriented edge detectors (a band of positive weights beside a
band of negative ones, which responds where brightness changes across that direction); others are
harder to read. With six kernels of 25 weights trained for ten epochs they are far noisier than
the smooth, Gabor-like pictures that the first layers of large networks trained on millions of
images show.

![The six 5x5 kernels of the first convolution after training (blue negative, red positive).](out/07/filters.svg)

Their feature maps on a test image show what each detects where: the response of each kernel at
every position, after the ReLU. Some maps light up along the outline of the garment, others on
the interior texture or along vertical or horizontal edges only.

![A test image and the six feature maps of the first convolution (after the ReLU, each scaled to its own maximum).](out/07/feature_maps.svg)

The confusion matrix shows which mistakes remain: as for the MLP, nearly all are among the
upper-body garments (shirt, T-shirt/top, pullover, coat), which share a silhouette and differ in
details a $28 \times 28$ grey image barely shows. Shirts are the worst class: only about 70% of them
are recognized, and about one in ten is taken for a T-shirt. The misclassified test images make the point
better than any number: many of them a person would hesitate over too.

![Confusion matrix of the trained network on the 10,000 test images.](out/07/confusion.svg)

![The first misclassified test images, with the true and the predicted class.](out/07/misclassified.svg)

## 7.8 Speed

im2col turned the convolutions into matrix products; how close does an epoch get to the time of
those products alone? `--bench` trains 3 epochs of the default network on all 60,000 images
(batch 128, constant learning rate) and also times, in the same run, just the im2col and matrix
products of every layer, forward and backward, over the same number of batches: the
*products-only floor*, which no implementation built on im2col and OpenBLAS can beat. The floor
runs those products exactly as the network does (each convolution on two halves of the batch, as
below, OpenBLAS on one thread), so it is a floor of this program, not of a better one. `make bench`
prints both, their ratio, the share of the machine's SGEMM limit, and PyTorch 1.13 training the
same network (same layers, batch and optimizer, 2 threads) in the same run.

Two cores, but which work goes to the second? The obvious answer is OpenBLAS's: it splits every
product between its threads. For LeNet that is the wrong answer. Its products are thin: the
first convolution's is a $(6, 25)$ matrix of kernels times a $(25, N)$ im2col matrix, the
second's $(16, 150) \times (150, N)$, a few microseconds of work for each chunk of images. That is
too little to share: with two OpenBLAS threads, `perf record` found the threads waiting for work
(spinning in `sched_yield`, system time) for longer than OpenBLAS's kernels computed, and an
epoch took 12 s of processor time where one thread needs 6.1 s. So `conv2d_forward` and
`conv2d_backward` split the batch instead: the second half of the images goes to a thread of
their own, each half makes its own im2col matrices and products with OpenBLAS held to one thread
(`matmul_single_begin`, matmul.h), and the backward pass adds the second half's $\bar w$ and $\bar b$ to the
first half's, always in that order, so the result does not depend on which thread finishes
first. The two halves share nothing but the read-only weights and input.

In our runs the machine was shared with other jobs (a load of 6 to 9 on its two cores, so the
wall-clock times are several times what an idle machine gives, and move with the load): an epoch
took 25 s against a products-only floor of 18 s measured right after it in one run, 1.4 times the
floor, and 16 s against 14 s, 1.1 times, in the next; a third run, at a lower load, took 6.8 s
against 3.2 s, 2.1 times. The epoch waits for its second thread twice as often as the floor does
(after the ReLU and pooling too), and on a machine this busy each wait can cost a time slice of
another program, so these ratios say more about the load than about the code: the course's target
of 1.3 needs an idle machine to check. The processor time is the steadier number: 6.5 to 6.9 s
per epoch, both threads counted. The ReLU and max pooling after
each convolution split the batch the same way (they are as slow as the products would be on one
core); the dense layers, the softmax and Adam are small and run on one thread.

PyTorch 1.13 training the same network (`tools/bench_lenet_torch.py`, which `make bench` runs
right after ours) needed 126 s and 72 s per epoch in the same two runs, 5.0 and 4.5 times ours,
and 61 s and 56 s of processor time against our 6.5 and 6.9 s: PyTorch's two OpenMP threads wait
for each other at every operation, which costs little on an idle machine (the issue that asked
for this chapter quotes about 5.3 s per epoch there) and a great deal on a crowded one. The runs
reached about 88% (ours) and 86% test accuracy in their
3 epochs at a constant learning rate. Run `make bench` on a quiet machine for the fair comparison.

Where the rest of the time goes is easy to see with `perf record`: OpenBLAS's kernels are about a
third of it, im2col another third (it writes 25 floats for each output position of the first
layer and 150 for each of the second's, in rows of 28 and 10 floats), then col2im, the reordering
of the products' output into $(B, O, H', W')$ and max pooling. The direct
convolution of exercise 07.2, by comparison, is 15 to 25 times slower than im2col + sgemm on
LeNet's second layer for a batch of 128 images (`main` measures both in processor time before
training: 1.5 against 24 GFLOP/s in one of our runs, 1.4 against 35 in another; on a busy machine
these timings move by a third from run to run).

## 7.9 Transfer learning

The first layers of a trained network detect edges, blobs and textures, features that are useful
for images it has never seen. *Transfer learning* reuses them: train on a task with plenty of
data, keep the convolutional trunk, and put a new head on it for a task with little data.
`--experiment transfer` splits the ten classes in two halves. A network is trained on all 30,000
training images of classes 0-4 (T-shirt/top, trouser, pullover, dress, coat) for 3 epochs. Classes
5-9 (sandal, shirt, sneaker, bag, ankle boot) get a small budget: 100 training images per class,
20 epochs. On that budget we compare three networks, tested on the 5,000 test images of classes
5-9:

* **from scratch**: a freshly initialized LeNet;
* **frozen trunk**: the pretrained convolutions (`params[0 .. n_trunk)`) copied in and frozen,
  a new, randomly initialized head, and the optimizer updating only `params[n_trunk ..]`: since
  `common/lenet.h` stores the trunk first, freezing is an offset;
* **fine-tuned**: the frozen-trunk network then trained further with everything unfrozen and the
  learning rate divided by ten, so that the pretrained features are adjusted, not overwritten.

In our run (`make run CH=07 ARGS="--epochs 1 --experiment transfer"`) the three reached **about
93%** test accuracy on classes 5-9: 92.8% from scratch, 92.8% with the frozen trunk and 93.4% after
fine-tuning. The frozen trunk is as good as a network trained on these classes, although its
convolutions never saw a shoe or a bag: edges and textures learned from clothes serve for shoes
too. Fine-tuning adds half a point. The gap is small here because 500 images of five quite distinct
classes are already enough for a network this small; transfer matters most when the new task has
far less data than the network has parameters, or images unlike anything it could learn from
them.

## 7.10 Residual networks

LeNet's recipe, convolutions then dense layers, stopped working when people made networks deeper:
past a dozen layers, a plain stack trained *worse*, even on its training set, than a shallower
one. He et al. (2015) changed one thing: a block computes $y = \operatorname{relu}(F(x) + x)$,
adding its input back to what its layers computed. If the best thing a block can do is nothing,
it only has to learn $F = 0$; and in the backward pass the sum hands $\bar y$ to $x$ unchanged,
so gradients reach the first layers however deep the network is (the derivative of $x$ with
respect to $x$ is 1). Their residual blocks also use *batch norm* (chapter 6) after every
convolution: for an image batch $(B, C, H, W)$ the statistics are taken per channel over all $B H W$
positions, which is exactly `batchnorm_forward_train` with $S = HW$. When a block changes the
number of channels, $x$ no longer has $F(x)$'s shape, and the skip becomes a $1 \times 1$
convolution with batch norm (a "projection").

**A network as a list of layers.** From here on the networks have branches, so instead of writing
each one's forward and backward pass by hand, as `common/lenet.c` does, the code keeps a network as
a list of *nodes* in the order they run (`net_t` below): a convolution, a batch norm, a ReLU, a
pooling, a sum, a concatenation... each reading the outputs of earlier nodes. The forward pass
runs the list from the start; the backward pass runs it from the end, each node *adding* the
gradients of its inputs into their `dy`. That is chapter 4's tape with layers for operations, and
it gets the many-paths rule for free: the input of a residual block is read twice (by the block's
first convolution and by the skip), so its `dy` collects both gradients.

`--experiment resnet` trains one on all 60,000 training images: a $3 \times 3$ convolution with
batch norm and ReLU, max pooling to $14 \times 14$, a residual block of two $3 \times 3$
convolutions, max pooling to $7 \times 7$, a second block, and one dense layer to the 10 logits.
The first stage has 16 channels, the second 32 (so the second block's skip is a projection), and
the dense layer reads the $32 \times 7 \times 7 = 1{,}568$ features. It has **35,066 parameters**
(LeNet: 61,706) and costs **3.47 MFLOP** per image forward (LeNet: 0.83): fewer weights, each
used at more positions. Its backward pass is the forward read backwards: at each sum, the gradient
goes to both branches, and the skip's share is added to what the block's layers send back.

**Does it beat LeNet?** At the same budget, clearly. Trained side by side on the first 10,000
training images for 2 epochs (the table of section 7.12, `--experiment history`), the residual
network reached **84.7%** test accuracy and LeNet-5 **80.1%**; three seeds of the residual network
at that budget (section 7.11) spread over 0.7 points, far less than the gap of 4.6 points. Per
epoch it learns much faster: its training loss after two epochs was 0.36 against LeNet's 0.55.

On the full data set with the default run's ten epochs (`make run CH=07 ARGS="--only --experiment
resnet --net-epochs 10"`: all 60,000 training images, batch 128, seed 1) it reached **91.4%** test
accuracy, against the **90.5%** of LeNet's default run (ten epochs, batch 64, on 55,000 images: the
other 5,000 are its validation set). About one point better: more than the 0.2 points between
LeNet's runs with seeds 1 and 2, but one run each, and a smaller gap than at the small budget,
because LeNet catches up when it gets more data and epochs. The residual network's final training
loss was 0.08 (LeNet's 0.14): it fits the training images much more closely than it gains on the
test images (section 7.11 measures what augmentation does about that). It is also four
times as expensive: 331 s of processor time (one thread, 33 s per epoch), where LeNet's default
run takes about 76 s.

## 7.11 Squeeze-and-excitation, stochastic depth, CoordConv

Three later ideas, each a small change to the residual network, each switched on by a flag of
`--experiment resnet`.

**Squeeze-and-excitation** (Hu, Shen and Sun 2018; `--se`). A convolution weighs its input
channels with fixed weights, whatever the image. An SE block lets the image decide how much each
channel counts. It *squeezes* each channel of $x$ $(C, S)$, $S = HW$ positions, into its mean,
*excites* a gate per channel from those $C$ numbers with a small two-layer network that narrows to
$R = C/4$ units, and *scales* each channel by its gate:

$$
z_c = \frac{1}{S}\sum_q x_{c,q}, \qquad
h = \operatorname{relu}(z W_1 + b_1), \qquad
s = \sigma(h W_2 + b_2), \qquad
y_{c,q} = s_c\, x_{c,q},
$$

with $W_1$ $(C, R)$ and $W_2$ $(R, C)$. The gates lie in $(0, 1)$: an SE block can only turn
channels down, and it does so differently for a sandal and for a coat. It costs almost nothing
($2CR + R + C$ parameters: 148 for $C = 16$, $R = 4$) and sits on the residual branch, before the sum.
Its backward pass is the chain rule along two paths, because $x_{c,q}$ reaches $y$ directly and
through its channel's mean $z_c$:

$$
\bar s_c = \sum_q \bar y_{c,q}\, x_{c,q}, \qquad
\bar x_{c,q} = \bar y_{c,q}\, s_c + \frac{\bar z_c}{S},
$$

where $\bar z$ comes back through the sigmoid ($\bar a_2 = \bar s\, s(1-s)$), the second dense
layer, the ReLU and the first dense layer exactly as in chapter 3. `common/se.h` has both passes
for a batch (checked against centered differences in `common/tests/test_se.c`).

### Exercise 07.8 — the SE block's forward pass

Write `se_forward_image` for **one image**: `x` is $(C, S)$, `w1` $(C, R)$, `b1` $(R)$, `w2`
$(R, C)$, `b2` $(C)$, all row-major as above. Compute the gates `s` $(C)$ and the output `y`
$(C, S)$ by the four equations: the squeeze is a *mean*, the first layer has a ReLU, the second a
sigmoid, and every position of channel $c$ is multiplied by the same gate $s_c$. $C$ and $R$ are
at most `EX_MAX_CHANNELS`.
*/

enum { EX_MAX_CHANNELS = 256 };

static void se_forward_image(float *y, float *s, const float *x, const float *w1, const float *b1, const float *w2,
                             const float *b2, int C, int S, int R)
{
    /* BEGIN EXERCISE 07.8 (2 points): squeeze, excite, scale */
    float z[EX_MAX_CHANNELS], h[EX_MAX_CHANNELS];
    for (int c = 0; c < C; c++) {
        float sum = 0;
        for (int q = 0; q < S; q++)
            sum += x[c * S + q];
        z[c] = sum / (float)S;
    }
    for (int r = 0; r < R; r++) {
        float a = b1[r];
        for (int c = 0; c < C; c++)
            a += z[c] * w1[c * R + r];
        h[r] = a > 0 ? a : 0;
    }
    for (int c = 0; c < C; c++) {
        float a = b2[c];
        for (int r = 0; r < R; r++)
            a += h[r] * w2[r * C + c];
        s[c] = 1.0f / (1.0f + expf(-a));
    }
    for (int c = 0; c < C; c++)
        for (int q = 0; q < S; q++)
            y[c * S + q] = s[c] * x[c * S + q];
    /* END EXERCISE */
}

/*md
**Stochastic depth** (Huang et al. 2016; `--sd P`). Dropout for whole blocks: in each training
step, each residual branch is skipped with probability $p_l$, so that the block is the identity
for that step ($y = \operatorname{relu}(x)$, and no gradient reaches the branch). The network
trains as an ensemble of shallower networks and its deep blocks cannot rely on each other; at test
time every branch is used, scaled by its survival probability $1 - p_l$ (the expected value it had
in training). Huang et al. let $p_l$ grow linearly with depth, to 0.5 for the last block of a
110-layer network; with two blocks we use $P/2$ and $P$.

**CoordConv** (Liu et al. 2018; `--coordconv`). A convolution is equivariant to translation: it
does not know *where* in the image it is. Liu et al. showed that this makes even "paint the pixel at
$(i, j)$" hard to learn, and proposed giving the first convolution two more input channels holding
each pixel's column and row, scaled to $[-1, 1]$. The layer can then use position when it helps
and ignore it otherwise. Fashion-MNIST's garments are centred, so position carries little that the
network cannot already infer from the borders (the zero padding also tells a convolution where the
edge is).

**Measuring an effect.** A difference between two runs is an effect of the change only if it is
larger than the difference between two runs that differ in nothing but the seed (the
initialization, the order of the batches, the dropped blocks).
Three runs of the plain network that differ only in `--seed` are the yardstick here.

Each variant was trained with the same budget and seeds as the plain network: 2 epochs on the
first 10,000 training images, batch 128, Adam from $2 \times 10^{-3}$ decaying to 0, tested on all
10,000 test images (`make run CH=07 ARGS="--only --experiment resnet --subset 10000 --seed 1"`,
with `--seed 2` and `--seed 3`, each alone and with `--se`, `--sd 0.2` or `--coordconv`). A smaller
budget than the full data set, because our machine was shared with many other jobs: each of these
runs took 5 to 15 minutes of wall-clock time. In our runs:

| network (10,000 images, 2 epochs) | parameters | test accuracy, seeds 1, 2, 3 | mean | final training loss |
|---|---|---|---|---|
| plain | 35,066 | 84.9%, 85.0%, 85.5% | 85.1% | 0.37, 0.36, 0.34 |
| + squeeze-and-excitation | 35,766 | 85.1%, 85.2%, 85.9% | 85.4% | 0.36, 0.36, 0.35 |
| + stochastic depth, $P = 0.2$ | 35,066 | 84.1%, 84.0%, 84.8% | 84.3% | 0.43, 0.45, 0.41 |
| + CoordConv | 35,354 | 83.8%, 84.8%, 83.2% | 84.0% | 0.43, 0.40, 0.44 |

The three seeds of the plain network span 0.7 points (84.9% to 85.5%): that is the noise a single
run carries, and a mean of three runs still moves by a few tenths. Against it, **SE** gained 0.1
to 0.4 points over the plain network with the same seed, every time, but its mean (+0.2 points)
is inside the noise: suggestive, not established; its gates have little to choose between in a
network this small trained this briefly. **Stochastic depth** lost 0.7 to 1.0 points with every
seed, and its training loss is higher (0.43 against 0.36 on average): a real effect, and the
expected one. It is a regularizer, and a network trained for two epochs underfits rather than
overfits; it pays off for deep networks trained for hundreds of epochs, which is where Huang et al.
used it. **CoordConv** lost ground with every seed too, by 0.2 to 2.3 points, with a higher
training loss: on centred garments the coordinates carry little, and the first layer first has to
learn to ignore two extra inputs. None of the three helps on this task at this budget, which is
itself the common outcome of bolting a published trick onto a different problem: measure, with
more than one seed, before believing.

**Data augmentation** (chapter 6; `--augment`). Every training image is shifted by up to 2 pixels
in each direction and mirrored left-right with probability 1/2, drawn anew at every epoch, so the
network never sees exactly the same picture twice. We trained the plain network on the first
10,000 training images with seeds 1, 2 and 3, with and without it (`make run CH=07 ARGS="--only
--experiment resnet --subset 10000 --net-epochs E --seed S"`, alone and with `--augment`), at two
budgets around a minute of processor time:

| 10,000 images | processor time | test accuracy, seeds 1, 2, 3 | mean | final training loss |
|---|---|---|---|---|
| plain, 5 epochs | about 30 s | 87.1%, 86.9%, 87.4% | 87.1% | 0.20, 0.20, 0.18 |
| augmented, 5 epochs | about 30 s | 84.1%, 85.0%, 85.7% | 84.9% | 0.42, 0.42, 0.41 |
| plain, 15 epochs | about 85 s | 87.3%, 87.8%, 87.6% | 87.6% | 0.027, 0.027, 0.024 |
| augmented, 15 epochs | about 85 s | 87.9%, 87.8%, 88.0% | 87.9% | 0.29, 0.29, 0.29 |

After 5 epochs augmentation *costs* 2.2 points, with every seed, far more than the seeds' spread
of half a point. Augmentation is a regularizer: it makes the training task harder (the network
must fit every shifted and mirrored version of an image), and in 5 epochs the augmented network
has not learned that harder task yet: its training loss is twice the plain network's. After 15
epochs the picture has turned: the plain network has memorized its 10,000 images (training loss
0.03) and gained only half a point, while the augmented one is still far from that (0.29) and
ahead by 0.0 to 0.6 points with each seed, about 0.3 on average. That is inside the noise of
three runs, but it is the direction one expects: augmentation pays when the network has time to
overfit, so a bigger budget is where to look for a clear gain. Fashion-MNIST's garments are also
centred in every image, test images included, so the shifts teach an invariance the test barely
asks for.

## 7.12 History in small: AlexNet and inception

LeNet-5 read digits in 1998; the next breakthrough came in 2012, when Krizhevsky, Sutskever and
Hinton's AlexNet won the ImageNet competition by a wide margin. Its recipe, scaled up from LeNet:
more layers (five convolutions, three dense layers), ReLU instead of tanh (six times faster to
train in their experiments), dropout in the dense layers against overfitting its 60 million
parameters, *overlapping* max pooling ($3 \times 3$ windows with stride 2, which they found
slightly better than $2 \times 2$ with stride 2), and two GPUs to train it on. Two years later
Szegedy et al.'s GoogLeNet won with a tenth of the parameters by building from *inception
modules*: instead of choosing a kernel size, a module runs several in parallel on the same input,
a $1 \times 1$, a $3 \times 3$ and a $5 \times 5$ convolution and a $3 \times 3$ max pooling, and
concatenates their outputs along the channels. $1 \times 1$ convolutions before the expensive
branches (and after the pooling) shrink the number of channels first, which is what keeps the
module cheap.

```dot
digraph inception {
  rankdir=TB;
  node [shape=box, style="rounded", fontname="sans", fontsize=10];
  x [label="input 16 x 14 x 14"];
  a [label="1x1 conv, 16"];
  b1 [label="1x1 conv, 12"]; b2 [label="3x3 conv, 24"];
  c1 [label="1x1 conv, 4"]; c2 [label="5x5 conv, 8"];
  d1 [label="3x3 max pool, stride 1"]; d2 [label="1x1 conv, 8"];
  y [label="concatenate: 56 x 14 x 14"];
  x -> a -> y; x -> b1 -> b2 -> y; x -> c1 -> c2 -> y; x -> d1 -> d2 -> y;
}
```

`--experiment history` builds both in small, next to LeNet-5, from the same nodes: an AlexNet with
five convolutions (16, 24, 32, 32 and 24 kernels), overlapping pooling after the first, second and
fifth, and two dense layers of 128 units with dropout 0.5; and a network of a $3 \times 3$
convolution, max pooling, one inception module (the diagram; every convolution followed by a
ReLU), max pooling and a dense layer. The branches' pooling keeps the size ($3 \times 3$, stride
1, padding 1 that never wins the max), so all four outputs are $14 \times 14$ and can be stacked.

The concatenation is where the module's backward pass needs care. In the $(B, C, H, W)$ layout,
the output of one image is its 16 channels from the first branch, then 24 from the second, and so
on, and the next image follows: the part of $\bar y$ that belongs to one branch is not one block of
memory but $B$ blocks, one per image. Its backward pass is a *split*: each branch receives its own
channels of $\bar y$, image by image.

### Exercise 07.9 — the gradient of a concatenation

Write `concat_backward`: $\bar y$ `dy` is $(B, C_0 + \dots + C_{n-1}, S)$, the gradient of the
concatenation of $n$ inputs of $C_i$ channels (`C[i]`) and $S$ positions each. **Add** each
input's share into `dx[i]` $(B, C_i, S)$: input $i$'s channels of image $b$ start at channel
$C_0 + \dots + C_{i-1}$ of image $b$ of `dy`. Add, do not assign: an input read by other nodes too
already holds their gradient.
*/

static void concat_backward(float *const *dx, const float *dy, const int *C, int n, int B, int S)
{
    /* BEGIN EXERCISE 07.9 (2 points): the gradient of a concatenation, split by channels */
    int total = 0;
    for (int i = 0; i < n; i++)
        total += C[i];
    for (int b = 0; b < B; b++) {
        int off = 0;
        for (int i = 0; i < n; i++) {
            const float *src = dy + ((size_t)b * total + off) * S;
            float *dst = dx[i] + (size_t)b * C[i] * S;
            for (int k = 0; k < C[i] * S; k++)
                dst[k] += src[k];
            off += C[i];
        }
    }
    /* END EXERCISE */
}

/*md
In our run (`make run CH=07 ARGS="--only --experiment history --subset 10000 --seed 1"`: each
network trained for 2 epochs on the first 10,000 training images, batch 128, Adam from
$2 \times 10^{-3}$ decaying to 0, tested on all 10,000 test images), the program printed:

| network | parameters | MFLOP per image | test accuracy |
|---|---|---|---|
| LeNet-5 | 61,706 | 0.83 | 80.1% |
| AlexNet, scaled down | 57,242 | 3.51 | 73.9% |
| one inception module | 31,714 | 1.86 | 84.5% |
| residual network (7.10) | 35,066 | 3.47 | 84.7% |

(FLOPs count the matrix products of one forward pass, two per multiply-add; the program also
prints each network's training time, which on our shared machine says little.) The parameters and
FLOPs are exact; the accuracies come from one short run each, and three seeds of the residual
network differed by up to 0.7 points (section 7.11). Three things stand out. The **inception**
network matches the residual one with the fewest parameters, about half of LeNet's, and half the residual network's
arithmetic: the $1 \times 1$ reductions let it look at three scales at once for little cost. The
**AlexNet** is the worst of the four after two epochs, and its training loss (1.06, against 0.36
to 0.55 for the others) says why: a plain stack of five convolutions without batch norm, with
dropout discarding half of its dense units at every step, learns slowly at first. AlexNet was
trained for about 90 epochs on 1.2 million images; its ideas (ReLU, dropout, overlapping pooling,
depth) are in every network since, but its budget is not ours. And the two networks with batch
norm or with parallel branches, the designs that came *after* AlexNet, learn fastest: more of
the progress between 2012 and 2015 went into making networks trainable than into making them
bigger.

## 7.13 When things go wrong

A convolution whose kernel does not fit, a stride of 0 or a negative padding is not a shape the
code can compute with; `conv_shape_init` (and `conv_out_size`, `pool_out_size`) report it and
return -1 rather than producing a 0 or negative size that would turn into a wild memory access
later:

    error (common/conv.c:…): convolution height: the kernel (5, extent 5) is larger than the padded
    input (4 + 2 * 0 = 4): expected the kernel to fit at least once
    hint: pad the input (padding (k - 1) / 2 keeps the size), or use a smaller kernel

The program rejects a batch size outside 1..500, a non-positive learning rate and an unknown
experiment with a message and status 2; a missing or corrupt dataset stops it with the loader's
message and status 1 (`common/tests/test_cli_cnn.c` checks all of these); and a loss that stops
being finite stops training at that step, as in chapter 3.

## 7.14 The program

`main` first checks this chapter's one-image layers against the library's batched ones, times the
direct convolution against im2col, then trains the network and draws the figures into `out/07/`.
`--quick` trains one epoch on 3,000 images; `--lr` and `--batch` change the training run;
`--experiment transfer`, `resnet` and `history` add sections 7.9, 7.10-7.11 and 7.12's
experiments (`--net-epochs` sets their length; `--se`, `--sd P`, `--coordconv`, `--augment` and
`--width C1,C2` change the residual network); `--bench` runs only the benchmark.
*/

#ifndef GRADING

/* --- 7.3: the direct convolution against im2col + GEMM, on LeNet's second layer ------------ */

/* Processor time used by this process so far (all its threads), in seconds: unlike the wall
 * clock, it does not count the time other programs had the cores. */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void compare_direct_and_im2col(rng_t *rng, int quick)
{
    const int B = quick ? 16 : 128;
    conv_shape_t s;
    if (conv_shape_init(&s, B, 6, 14, 14, 16, 5, 5, 1, 0, 1) != 0)
        return;
    const size_t nx = (size_t)B * 6 * 196, ny = conv_out_count(&s), img = 6 * 196, out = (size_t)16 * 100;
    float *x = nn_malloc(nx * sizeof(float)), *w = nn_malloc(conv_weight_count(&s) * sizeof(float));
    float *y1 = nn_malloc(ny * sizeof(float)), *y2 = nn_malloc(ny * sizeof(float));
    float *work = nn_malloc(conv_work_size(&s) * sizeof(float)), b[16] = {0};
    for (size_t i = 0; i < nx; i++)
        x[i] = rng_normal(rng);
    for (size_t i = 0; i < conv_weight_count(&s); i++)
        w[i] = rng_normal(rng) * 0.1f;
    double t_direct[3], t_lib[3];
    for (int r = 0; r < 3; r++) {
        double t0 = cpu_seconds();
        for (int i = 0; i < B; i++)
            conv2d_direct(y1 + i * out, x + i * img, w, b, &s);
        t_direct[r] = cpu_seconds() - t0;
        t0 = cpu_seconds();
        conv2d_forward(y2, work, x, w, b, &s);
        t_lib[r] = cpu_seconds() - t0;
    }
    float diff = 0;
    for (size_t i = 0; i < ny; i++)
        diff = fmaxf(diff, fabsf(y1[i] - y2[i]));
    double td = timing_median(t_direct, 3), tl = timing_median(t_lib, 3), gf = conv_forward_flops(&s) / 1e9;
    printf("conv2 of LeNet on %d images (%.3f GFLOP), processor time: direct loops %.2f ms (%.1f GFLOP/s), im2col + "
           "sgemm %.2f ms (%.1f GFLOP/s): %.0fx faster; largest difference %.1g\n",
           B, gf, 1e3 * td, gf / td, 1e3 * tl, gf / tl, td / tl, diff);
    free(x), free(w), free(y1), free(y2), free(work);
}

/* --- 7.2-7.5: the chapter's one-image layers against the library's batched ones -------------- */

static float max_abs_diff(const float *a, const float *b, size_t n)
{
    float d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmaxf(d, fabsf(a[i] - b[i]));
    return d;
}

/* Runs each exercise's function on one random image and compares with common/conv.c and pool.c;
 * returns the largest difference seen (0 up to rounding when every exercise is right). */
static float check_layers(rng_t *rng)
{
    conv_shape_t s;
    if (conv_shape_init(&s, 1, 3, 9, 8, 4, 3, 3, 2, 1, 1) != 0) /* stride 2, padding 1 */
        return INFINITY;
    float worst = 0;
    if (output_size(9, 3, 2, 1, 1) != s.OH || output_size(8, 3, 2, 1, 1) != s.OW)
        worst = INFINITY;
    enum { NX = 3 * 9 * 8, NW = 4 * 3 * 9, NY = 4 * 5 * 4, NC = 27 * 20 };
    float x[NX], w[NW], b[4], dy[NY], y1[NY], y2[NY], y3[NY], cols[NC], lib_cols[NC], work[NC + NY];
    float dx1[NX], dx2[NX], dw1[NW], dw2[NW], db1[4], db2[4];
    for (int i = 0; i < NX; i++) x[i] = rng_normal(rng);
    for (int i = 0; i < NW; i++) w[i] = rng_normal(rng);
    for (int i = 0; i < 4; i++) b[i] = rng_normal(rng);
    for (int i = 0; i < NY; i++) dy[i] = rng_normal(rng);
    conv2d_direct(y1, x, w, b, &s);
    conv2d_im2col_image(y2, cols, x, w, b, &s);
    conv2d_forward(y3, work, x, w, b, &s);
    conv_im2col(lib_cols, x, &s);
    worst = fmaxf(worst, fmaxf(max_abs_diff(y1, y3, NY), max_abs_diff(y2, y3, NY)));
    worst = fmaxf(worst, max_abs_diff(cols, lib_cols, NC));
    col2im_image(dx1, lib_cols, &s);
    conv_col2im(dx2, lib_cols, &s);
    worst = fmaxf(worst, max_abs_diff(dx1, dx2, NX));
    conv2d_direct_backward(dx1, dw1, db1, dy, x, w, &s);
    conv2d_backward(dx2, dw2, db2, work, dy, x, w, &s);
    worst = fmaxf(worst, fmaxf(max_abs_diff(dx1, dx2, NX), fmaxf(max_abs_diff(dw1, dw2, NW), max_abs_diff(db1, db2, 4))));
    /* pooling on the first channel (9 x 8): max 3x3 stride 2 (overlapping), average 2x2 stride 2 */
    float p[16], pd[16], px1[72], px2[72];
    int idx[16];
    for (int i = 0; i < 16; i++) pd[i] = rng_normal(rng);
    pool_max_forward(p, idx, x, 1, 1, 9, 8, 3, 2);
    maxpool_backward_map(px1, pd, x, 9, 8, 3, 2);
    pool_max_backward(px2, pd, idx, 1, 1, 9, 8, 3, 2);
    worst = fmaxf(worst, max_abs_diff(px1, px2, 72));
    avgpool_backward_map(px1, pd, 9, 8, 2, 2);
    pool_avg_backward(px2, pd, 1, 1, 9, 8, 2, 2);
    worst = fmaxf(worst, max_abs_diff(px1, px2, 72));
    /* SE on x as (C = 6, S = 12), R = 2: the exercise against common/se.c */
    float sw[6 * 2 + 2 + 2 * 6 + 6], se_y1[72], se_y2[72], s1[6], s2[6], z[6], h[2];
    for (int i = 0; i < (int)(sizeof sw / sizeof *sw); i++) sw[i] = rng_normal(rng);
    se_forward_image(se_y1, s1, x, sw, sw + 12, sw + 14, sw + 26, 6, 12, 2);
    se_forward(se_y2, z, h, s2, x, sw, sw + 12, sw + 14, sw + 26, 1, 6, 12, 2);
    worst = fmaxf(worst, fmaxf(max_abs_diff(se_y1, se_y2, 72), max_abs_diff(s1, s2, 6)));
    /* the concatenation's backward: x as 2 images of (1 + 2) channels of 36 positions, split */
    float d0[2 * 36], d1[2 * 72], *dxs[2] = {d0, d1};
    const int cs[2] = {1, 2};
    memset(d0, 0, sizeof d0), memset(d1, 0, sizeof d1);
    concat_backward(dxs, x, cs, 2, 2, 36);
    for (int b = 0; b < 2; b++) {
        worst = fmaxf(worst, max_abs_diff(d0 + b * 36, x + b * 108, 36));
        worst = fmaxf(worst, max_abs_diff(d1 + b * 72, x + b * 108 + 36, 72));
    }
    return worst;
}

/* --- 7.6: training ------------------------------------------------------------------------- */

typedef struct {
    lenet_t *m;
    adam_t *opt;
    const dataset_t *train, *val; /* val may be NULL (the benchmark) */
    int batch, quiet;
    csvlog_t *log;                /* may be NULL */
    rng_t *rng;
    int *order;                 /* (train->n) owned */
    float *xb, *dlogits;        /* (batch, 784), (batch, 10) owned */
    int *yb;                    /* (batch) owned */
    long step, decay_steps;     /* decay_steps > 0: lr falls linearly to 0 over that many steps */
    float lr0;
    size_t first_param;         /* update params[first_param ..] only (a frozen trunk: n_trunk) */
} trainer_t;

static trainer_t trainer_new(lenet_t *m, adam_t *opt, const dataset_t *train, const dataset_t *val, int batch, rng_t *rng,
                             csvlog_t *log, int quiet)
{
    trainer_t t = {m, opt, train, val, batch, quiet, log, rng, nn_malloc((size_t)train->n * sizeof(int)),
                   nn_malloc((size_t)batch * LENET_PIXELS * sizeof(float)),
                   nn_malloc((size_t)batch * LENET_CLASSES * sizeof(float)), nn_malloc((size_t)batch * sizeof(int)),
                   0, 0, opt->lr, 0};
    rng_iota(t.order, train->n);
    return t;
}

static void trainer_free(trainer_t *t) { free(t->order), free(t->xb), free(t->dlogits), free(t->yb); }

/* One epoch; logs LOG_ROWS rows (train loss/accuracy of the batches since the last row, validation
 * loss and accuracy). Returns the seconds spent training (evaluation excluded). Each row runs the
 * 5,000 validation images forward, a third of a training step's work per image, which is why
 * there are only 2 rows an epoch (4 cost 8 of the default run's 70 s on an AVX2-only EPYC). */
enum { LOG_ROWS = 2 };

static double train_epoch(trainer_t *t, int epoch, int epochs)
{
    const dataset_t *ds = t->train;
    const int steps = (ds->n + t->batch - 1) / t->batch;
    char label[64];
    snprintf(label, sizeof label, "epoch %2d/%d", epoch, epochs);
    progress_t bar;
    if (!t->quiet)
        progress_begin(&bar, label, steps);
    double busy = 0, t0 = timing_seconds(), sum_loss = 0, epoch_loss = 0, vl = 0, va = 0;
    long seen = 0, correct = 0, row_steps = 0;
    rng_shuffle(t->rng, t->order, ds->n);
    for (int s = 0; s < steps; s++) {
        int first = s * t->batch, b = ds->n - first < t->batch ? ds->n - first : t->batch;
        prep_gather_rows(t->xb, ds->x, t->order + first, b, LENET_PIXELS);
        for (int r = 0; r < b; r++)
            t->yb[r] = ds->y[t->order[first + r]];
        if (t->decay_steps > 0)
            t->opt->lr = t->lr0 * (float)(t->decay_steps - t->step) / (float)t->decay_steps;
        float loss;
        if (t->first_param == 0) {
            loss = lenet_train_step(t->m, t->opt, t->dlogits, t->xb, t->yb, b, ++t->step);
        } else { /* frozen trunk: forward and backward as usual, update only the head */
            const float *z = lenet_forward(t->m, t->xb, b);
            loss = softmax_cross_entropy(t->dlogits, z, t->yb, b, LENET_CLASSES);
            nn_check_finite(loss, "the training loss", ++t->step);
            lenet_backward(t->m, t->xb, t->dlogits, b);
            adam_step(t->opt, t->m->params + t->first_param, t->m->grads + t->first_param);
        }
        for (int r = 0; r < b; r++)
            correct += metrics_argmax(t->m->logits + (size_t)r * LENET_CLASSES, LENET_CLASSES) == t->yb[r];
        sum_loss += loss, epoch_loss += loss, seen += b, row_steps++;
        if (!t->quiet)
            progress_step(&bar, s + 1, "loss %.4f", epoch_loss / (s + 1));
        if (t->log && (s + 1) * LOG_ROWS / steps != s * LOG_ROWS / steps) {
            busy += timing_seconds() - t0;
            lenet_evaluate(t->m, t->val->x, t->val->y, t->val->n, &vl, &va, NULL);
            csvlog_row(t->log, (double[]){(double)t->step, epoch - 1 + (double)(s + 1) / steps, sum_loss / row_steps,
                                          (double)correct / seen, vl, va});
            sum_loss = 0, seen = correct = row_steps = 0;
            t0 = timing_seconds();
        }
    }
    busy += timing_seconds() - t0;
    if (!t->quiet && t->log)
        progress_end(&bar, "loss %.4f  val loss %.4f  val acc %.4f  (%.2fs)", epoch_loss / steps, vl, va, busy);
    else if (!t->quiet)
        progress_end(&bar, "loss %.4f  (%.2fs)", epoch_loss / steps, busy);
    return busy;
}

/* --- 7.7: figures -------------------------------------------------------------------------- */

/* Writes "x,y,value" rows of an image grid: `n` images (h, w) each, laid out `cols` per row with a
 * gap of one pixel (NaN: drawn as background), into dir/name (gnuplot's "with image" input). */
static int write_image_grid(const char *dir, const char *name, const float *const *images, int n, int h, int w,
                            int cols)
{
    char path[4096];
    io_file_t out;
    if (io_create(&out, io_join(path, dir, name)) != 0)
        return -1;
    const int rows = (n + cols - 1) / cols, GW = cols * (w + 1) - 1, GH = rows * (h + 1) - 1;
    for (int gy = 0; gy < GH; gy++)
        for (int gx = 0; gx < GW; gx++) {
            int k = (gy / (h + 1)) * cols + gx / (w + 1), r = gy % (h + 1), c = gx % (w + 1);
            if (k < n && r < h && c < w)
                fprintf(out.f, "%d,%d,%.5g\n", gx, gy, images[k][r * w + c]);
            else
                fprintf(out.f, "%d,%d,NaN\n", gx, gy);
        }
    return io_commit(&out);
}

static int plot_filters(const char *dir, const lenet_t *m)
{
    const float *imgs[64];
    int n = m->cfg.c1 < 64 ? m->cfg.c1 : 64;
    float scale = 0;
    for (int k = 0; k < n * 25; k++)
        scale = fmaxf(scale, fabsf(m->w1[k]));
    for (int k = 0; k < n; k++)
        imgs[k] = m->w1 + k * 25;
    if (write_image_grid(dir, "filters.dat", imgs, n, 5, 5, n) != 0)
        return -1;
    char body[1024];
    snprintf(body, sizeof body,
             "set title 'first-layer kernels (5x5 each)'\nunset key\nunset xtics\nunset ytics\nset size ratio -1\n"
             "set yrange [*:*] reverse\nset palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')\n"
             "set cbrange [%g:%g]\nplot 'filters.dat' using 1:2:3 with image",
             -scale, scale);
    return plot_render(dir, "filters", 900, 260, body);
}

static int plot_feature_maps(const char *dir, lenet_t *m, const float *image)
{
    lenet_forward(m, image, 1);
    const float *imgs[65] = {image};
    int n = m->cfg.c1 < 64 ? m->cfg.c1 : 64;
    float *maps = nn_malloc((size_t)n * 784 * sizeof(float));
    for (int k = 0; k < n; k++) { /* each map scaled to [0, 1] by its own maximum */
        const float *a = m->a1 + (size_t)k * 784;
        float mx = 0;
        for (int i = 0; i < 784; i++)
            mx = fmaxf(mx, a[i]);
        for (int i = 0; i < 784; i++)
            maps[k * 784 + i] = mx > 0 ? a[i] / mx : 0;
        imgs[k + 1] = maps + (size_t)k * 784;
    }
    int rc = write_image_grid(dir, "feature_maps.dat", imgs, n + 1, 28, 28, n + 1);
    free(maps);
    if (rc != 0)
        return -1;
    return plot_render(dir, "feature_maps", 1100, 230,
                       "set title 'a test image, then the feature maps of the first convolution (after relu; each "
                       "scaled to its own maximum)'\n"
                       "unset key\nunset xtics\nunset ytics\nset size ratio -1\nset yrange [*:*] reverse\n"
                       "set cbrange [0:1]\nset palette grey\nunset colorbox\nplot 'feature_maps.dat' using 1:2:3 with image");
}

static int plot_misclassified(const char *dir, const dataset_t *test, const int *pred)
{
    enum { N = 12 };
    const float *imgs[N];
    int idx[N], n = 0;
    for (int i = 0; i < test->n && n < N; i++)
        if (pred[i] != test->y[i])
            idx[n] = i, imgs[n] = test->x + (size_t)i * LENET_PIXELS, n++;
    if (n == 0)
        return 0;
    if (write_image_grid(dir, "misclassified.dat", imgs, n, 28, 28, 6) != 0)
        return -1;
    char body[4096];
    int len = snprintf(body, sizeof body,
                       "set title 'misclassified test images: true / predicted'\nunset key\nunset xtics\nunset ytics\n"
                       "set size ratio -1\nset yrange [*:*] reverse\nset palette grey negative\nunset colorbox\n");
    for (int k = 0; k < n; k++)
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "set label %d '%s / %s' at %d,%d center font ',8' front\n", k + 1, FASHION_CLASSES[test->y[idx[k]]],
                        FASHION_CLASSES[pred[idx[k]]], (k % 6) * 29 + 14, (k / 6) * 29 + 29);
    snprintf(body + len, sizeof body - (size_t)len, "plot 'misclassified.dat' using 1:2:3 with image");
    return plot_render(dir, "misclassified", 1000, 420, body);
}

/* --- the training run -------------------------------------------------------------------------- */

static int run_training(const flags_t *f, const dataset_t *full, const dataset_t *test, rng_t *rng, float lr, int batch)
{
    dataset_t train, val;
    dataset_split(&train, &val, full, 11.0f / 12.0f, rng); /* 55,000 / 5,000 */
    lenet_t m;
    if (lenet_new(&m, LENET_5, 500) != 0)
        return -1;
    lenet_init(&m, rng);
    printf("training LeNet-5 (%zu parameters, %.2f MFLOP per image and step) with adam, lr %g, batch %d on %d "
           "images, validating on %d\n", m.n_params, lenet_flops_train(&m) / 1e6, lr, batch, train.n, val.n);
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"), "step,epoch,train_loss,train_acc,val_loss,val_acc") != 0)
        return -1;
    adam_t opt = adam_new(m.n_params, lr);
    trainer_t t = trainer_new(&m, &opt, &train, &val, batch, rng, &log, 0);
    t.decay_steps = (long)f->epochs * ((train.n + batch - 1) / batch);
    double busy = 0, loss, acc;
    for (int e = 1; e <= f->epochs; e++)
        busy += train_epoch(&t, e, f->epochs);
    int *pred = nn_malloc((size_t)test->n * sizeof(int));
    lenet_evaluate(&m, test->x, test->y, test->n, &loss, &acc, pred);
    printf("test accuracy %.4f, test loss %.4f; %.1fs of training (%.2fs per epoch)\n", acc, loss, busy,
           busy / f->epochs);
    int rc = csvlog_close(&log);
    const char *loss_series[] = {"train_loss:training batches", "val_loss:validation", NULL};
    const char *acc_series[] = {"train_acc:training batches", "val_acc:validation", NULL};
    rc |= plot_curves(f->out, "loss", "log.csv", "LeNet-5 on Fashion-MNIST: loss", "epoch", "cross-entropy", "epoch",
                      loss_series);
    rc |= plot_curves(f->out, "accuracy", "log.csv", "LeNet-5 on Fashion-MNIST: accuracy", "epoch", "accuracy",
                      "epoch", acc_series);
    long cm[LENET_CLASSES * LENET_CLASSES];
    metrics_confusion(cm, pred, test->y, (size_t)test->n, LENET_CLASSES);
    rc |= plot_confusion(f->out, "confusion", cm, LENET_CLASSES, FASHION_CLASSES,
                         "LeNet-5: confusion matrix on the 10,000 test images (counts; colour: fraction of the row)");
    rc |= plot_misclassified(f->out, test, pred);
    rc |= plot_filters(f->out, &m);
    rc |= plot_feature_maps(f->out, &m, test->x);
    free(pred);
    trainer_free(&t), adam_free(&opt), lenet_free(&m), dataset_free(&train), dataset_free(&val);
    return rc;
}

/* --- 7.9: transfer learning ---------------------------------------------------------------------- */

/* Trains m on ds for `epochs` (batch 50, Adam lr, constant), updating params[first ..] only;
 * returns the accuracy on test. */
static double fit(lenet_t *m, const dataset_t *ds, const dataset_t *test, int epochs, float lr, size_t first, rng_t *rng)
{
    adam_t opt = adam_new(m->n_params - first, lr);
    trainer_t t = trainer_new(m, &opt, ds, NULL, 50, rng, NULL, 1);
    t.first_param = first;
    for (int e = 1; e <= epochs; e++)
        train_epoch(&t, e, epochs);
    double loss, acc;
    lenet_evaluate(m, test->x, test->y, test->n, &loss, &acc, NULL);
    trainer_free(&t), adam_free(&opt);
    return acc;
}

static int run_transfer(const flags_t *f, const dataset_t *full, const dataset_t *test, rng_t *rng)
{
    const int A[5] = {0, 1, 2, 3, 4}, Bc[5] = {5, 6, 7, 8, 9};
    const int per_class = f->quick ? 20 : 100, pre_epochs = f->quick ? 1 : 3, small_epochs = f->quick ? 3 : 20;
    dataset_t a = dataset_select_classes(full, A, 5), b = dataset_select_classes(full, Bc, 5);
    dataset_t bt = dataset_select_classes(test, Bc, 5), small, rest;
    dataset_split(&small, &rest, &b, (float)(5 * per_class) / (float)b.n, rng);
    printf("transfer: trunk pretrained on %d images of classes 0-4 (%d epochs); classes 5-9 learned from %d images "
           "(%d epochs each), tested on %d\n", a.n, pre_epochs, small.n, small_epochs, bt.n);
    lenet_t pre, net;
    if (lenet_new(&pre, LENET_5, 500) != 0 || lenet_new(&net, LENET_5, 500) != 0)
        return -1;
    lenet_init(&pre, rng);
    fit(&pre, &a, &a, pre_epochs, 2e-3f, 0, rng);
    lenet_init(&net, rng); /* from scratch */
    double scratch = fit(&net, &small, &bt, small_epochs, 2e-3f, 0, rng);
    lenet_init(&net, rng); /* pretrained trunk, new head, trunk frozen */
    memcpy(net.params, pre.params, pre.n_trunk * sizeof(float));
    double frozen = fit(&net, &small, &bt, small_epochs, 2e-3f, net.n_trunk, rng);
    double tuned = fit(&net, &small, &bt, small_epochs, 2e-4f, 0, rng); /* then everything, lr / 10 */
    printf("transfer, test accuracy on classes 5-9: from scratch %.4f; frozen pretrained trunk + new head %.4f; "
           "then fine-tuned (lr / 10) %.4f\n", scratch, frozen, tuned);
    char path[4096];
    io_file_t out;
    int rc = io_create(&out, io_join(path, f->out, "transfer.csv"));
    if (rc == 0) {
        fprintf(out.f, "setup,test_acc\nscratch,%.4f\nfrozen trunk,%.4f\nfine-tuned,%.4f\n", scratch, frozen, tuned);
        rc = io_commit(&out);
    }
    lenet_free(&pre), lenet_free(&net);
    dataset_free(&a), dataset_free(&b), dataset_free(&bt), dataset_free(&small), dataset_free(&rest);
    return rc;
}

#endif /* GRADING */

/* --- 7.10-7.12: networks as lists of layers ------------------------------------------------------ */

/* A network of section 7.10 onwards is a list of nodes in the order they run: each node reads the
 * outputs of earlier nodes (one, or several for a sum or a concatenation) and keeps its own output
 * y and gradient dy for a batch of up to max_batch images. Forward runs the list from the start;
 * backward from the end, every node ADDING its inputs' gradients into their dy (zeroed first), so
 * an output read by two nodes (the input of a residual block, read by the block and by its skip)
 * collects both contributions: chapter 4's tape, with layers for operations. This part is compiled
 * for the grader too: test_07_cnn.c checks these networks' gradients against centered differences. */
typedef enum { NET_INPUT, NET_CONV, NET_BN, NET_RELU, NET_MAXPOOL, NET_DENSE, NET_DROPOUT, NET_ADD, NET_CONCAT,
               NET_SE, NET_COORD } net_kind_t;

enum { NET_MAX_NODES = 64, NET_MAX_IN = 4 };

typedef struct {
    net_kind_t kind;
    int in[NET_MAX_IN], n_in, fanout; /* inputs (node ids); how many nodes read this one */
    int C, H, W;                    /* the output's shape per image (a dense layer: C features, H = W = 1) */
    conv_shape_t cs;                /* NET_CONV */
    int k, stride, pad;             /* NET_MAXPOOL */
    int R, bias;                    /* NET_SE: reduced channels; NET_CONV, NET_DENSE: with a bias */
    float p;                        /* NET_DROPOUT: drop probability; NET_ADD: stochastic depth, the
                                     * probability of dropping the residual branch in[1] */
    int dropped;                    /* NET_ADD: the branch was dropped in this training step */
    size_t off, count;              /* its parameters: params[off .. off + count) */
    float *y, *dy, *aux;            /* output, its gradient; dropout mask / bn or SE statistics */
    int *arg;                       /* NET_MAXPOOL: the winners */
} net_node_t;

typedef struct {
    net_node_t node[NET_MAX_NODES];
    int n, max_batch, train;
    size_t n_params;
    float *params, *grads, *work, *tmp;
    size_t work_n, tmp_n;
    double flops;                   /* forward FLOPs per image (matrix products, 2 per multiply-add) */
    rng_t *rng;                     /* dropout and stochastic depth draws */
} net_t;

static int net_add_node(net_t *m, net_kind_t kind, const int *in, int n_in, int C, int H, int W, size_t count)
{
    if (m->n == NET_MAX_NODES)
        nn_fatal("raise NET_MAX_NODES", "net: more than %d nodes", NET_MAX_NODES);
    net_node_t *d = &m->node[m->n];
    memset(d, 0, sizeof *d);
    d->kind = kind, d->n_in = n_in, d->C = C, d->H = H, d->W = W, d->off = m->n_params, d->count = count;
    for (int i = 0; i < n_in; i++)
        d->in[i] = in[i], m->node[in[i]].fanout++;
    m->n_params += count;
    return m->n++;
}

static size_t net_size(const net_node_t *d) { return (size_t)d->C * d->H * d->W; }

static int net_input(net_t *m, int C, int H, int W)
{
    memset(m, 0, sizeof *m);
    return net_add_node(m, NET_INPUT, NULL, 0, C, H, W, 0);
}

static int net_conv(net_t *m, int x, int OC, int k, int stride, int pad, int bias)
{
    const net_node_t *a = &m->node[x];
    conv_shape_t s;
    if (conv_shape_init(&s, 1, a->C, a->H, a->W, OC, k, k, stride, pad, 1) != 0)
        nn_fatal(NULL, "net: a convolution that does not fit");
    int id = net_add_node(m, NET_CONV, &x, 1, OC, s.OH, s.OW, conv_weight_count(&s) + (bias ? (size_t)OC : 0));
    m->node[id].cs = s, m->node[id].bias = bias;
    m->flops += conv_forward_flops(&s);
    return id;
}

static int net_unary(net_t *m, net_kind_t kind, int x)
{
    const net_node_t *a = &m->node[x];
    return net_add_node(m, kind, &x, 1, a->C, a->H, a->W, kind == NET_BN ? 2 * (size_t)a->C : 0);
}

static int net_maxpool(net_t *m, int x, int k, int stride, int pad)
{
    const net_node_t *a = &m->node[x];
    int id = net_add_node(m, NET_MAXPOOL, &x, 1, a->C, (a->H + 2 * pad - k) / stride + 1,
                          (a->W + 2 * pad - k) / stride + 1, 0);
    m->node[id].k = k, m->node[id].stride = stride, m->node[id].pad = pad;
    return id;
}

static int net_dense(net_t *m, int x, int out)
{
    size_t in = net_size(&m->node[x]);
    m->flops += 2.0 * (double)in * out;
    int id = net_add_node(m, NET_DENSE, &x, 1, out, 1, 1, in * out + (size_t)out);
    m->node[id].bias = 1;
    return id;
}

static int net_dropout(net_t *m, int x, float p)
{
    int id = net_unary(m, NET_DROPOUT, x);
    m->node[id].p = p;
    return id;
}

/* y = x + branch; in training the branch is dropped with probability sd (stochastic depth). */
static int net_sum(net_t *m, int x, int branch, float sd)
{
    const int in[2] = {x, branch};
    int id = net_add_node(m, NET_ADD, in, 2, m->node[x].C, m->node[x].H, m->node[x].W, 0);
    m->node[id].p = sd;
    return id;
}

static int net_concat(net_t *m, const int *in, int n)
{
    int C = 0;
    for (int i = 0; i < n; i++)
        C += m->node[in[i]].C;
    return net_add_node(m, NET_CONCAT, in, n, C, m->node[in[0]].H, m->node[in[0]].W, 0);
}

static int net_se(net_t *m, int x, int R)
{
    const net_node_t *a = &m->node[x];
    int id = net_add_node(m, NET_SE, &x, 1, a->C, a->H, a->W, se_param_count(a->C, R));
    m->node[id].R = R;
    m->flops += 4.0 * a->C * R;
    return id;
}

/* CoordConv's input: the channels of x, then two more holding each pixel's column and row,
 * scaled to [-1, 1]. */
static int net_coord(net_t *m, int x)
{
    const net_node_t *a = &m->node[x];
    return net_add_node(m, NET_COORD, &x, 1, a->C + 2, a->H, a->W, 0);
}

/* Allocates parameters and buffers for batches of up to max_batch and initializes the weights:
 * He normal for convolutions and dense layers, batch norm's gamma 1, biases 0. */
static void net_alloc(net_t *m, int max_batch, rng_t *rng)
{
    m->max_batch = max_batch, m->rng = rng;
    m->params = nn_calloc(m->n_params, sizeof(float)), m->grads = nn_calloc(m->n_params, sizeof(float));
    const size_t B = (size_t)max_batch;
    for (int i = 0; i < m->n; i++) {
        net_node_t *d = &m->node[i];
        const net_node_t *a = d->n_in ? &m->node[d->in[0]] : NULL;
        float *w = m->params + d->off;
        size_t n = B * net_size(d);
        if (d->kind != NET_INPUT)
            d->y = nn_malloc(n * sizeof(float)), d->dy = nn_malloc(n * sizeof(float));
        m->tmp_n = n > m->tmp_n ? n : m->tmp_n;
        switch (d->kind) {
        case NET_CONV:
            d->cs.B = max_batch;
            m->work_n = conv_work_size(&d->cs) > m->work_n ? conv_work_size(&d->cs) : m->work_n;
            init_normal(w, conv_weight_count(&d->cs), init_he_std(d->cs.C * d->cs.KH * d->cs.KW), rng);
            break;
        case NET_DENSE:
            init_he_normal(w, (int)net_size(a), d->C, rng);
            break;
        case NET_BN: /* gamma, beta; aux: batch mean, rstd, running mean, running variance */
            init_constant(w, (size_t)d->C, 1.0f);
            d->aux = nn_calloc(4 * (size_t)d->C, sizeof(float));
            init_constant(d->aux + 3 * d->C, (size_t)d->C, 1.0f);
            break;
        case NET_DROPOUT:
            d->aux = nn_malloc(n * sizeof(float));
            break;
        case NET_MAXPOOL:
            d->arg = nn_malloc(n * sizeof(int));
            break;
        case NET_SE: /* w1 (C, R), b1, w2 (R, C), b2; aux: z (B, C), h (B, R), s (B, C) */
            init_he_normal(w, d->C, d->R, rng);
            init_normal(w + (size_t)d->C * d->R + d->R, (size_t)d->R * d->C, init_xavier_std(d->R, d->C), rng);
            d->aux = nn_malloc(B * (2 * (size_t)d->C + d->R) * sizeof(float));
            m->work_n = se_work_size(max_batch, d->C, d->R) > m->work_n ? se_work_size(max_batch, d->C, d->R) : m->work_n;
            break;
        default:
            break;
        }
    }
    m->work = nn_malloc(m->work_n * sizeof(float)), m->tmp = nn_malloc(m->tmp_n * sizeof(float));
}

static void net_free(net_t *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->node[i].kind == NET_INPUT ? NULL : m->node[i].y), free(m->node[i].dy), free(m->node[i].aux),
            free(m->node[i].arg);
    free(m->params), free(m->grads), free(m->work), free(m->tmp);
}

/* Max pooling with "minus infinity" padding (a padded position never wins), for
 * the inception module's 3x3 stride-1 pool that keeps the size. arg holds the winner's index in
 * its channel, and a NaN in the window wins (the first one), as in pool_max_forward: with a plain
 * > a NaN would win only from the window's first position, and vanish from the loss elsewhere. */
static void maxpool_padded_forward(float *y, int *arg, const float *x, int B, int C, int H, int W, int k, int stride,
                                   int pad)
{
    const int OH = (H + 2 * pad - k) / stride + 1, OW = (W + 2 * pad - k) / stride + 1;
    for (long bc = 0; bc < (long)B * C; bc++)
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                int best = -1;
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++) {
                        int r = i * stride + u - pad, c = j * stride + v - pad;
                        if (r < 0 || r >= H || c < 0 || c >= W)
                            continue;
                        const float now = x[bc * H * W + r * W + c], top = best < 0 ? 0 : x[bc * H * W + best];
                        if (best < 0 || (!(now <= top) && top == top)) /* larger, or a NaN over a number */
                            best = r * W + c;
                    }
                arg[bc * OH * OW + i * OW + j] = best, y[bc * OH * OW + i * OW + j] = x[bc * H * W + best];
            }
}

/* y (B, sum of the inputs' channels, S): each image's channels of input 0, then of input 1, ... */
static void concat_channels(float *y, const net_t *m, const net_node_t *d, int B)
{
    const size_t S = (size_t)d->H * d->W;
    for (int b = 0; b < B; b++) {
        size_t off = 0;
        for (int i = 0; i < d->n_in; i++) {
            const net_node_t *a = &m->node[d->in[i]];
            memcpy(y + ((size_t)b * d->C + off) * S, a->y + (size_t)b * a->C * S, (size_t)a->C * S * sizeof(float));
            off += (size_t)a->C;
        }
    }
}

/* Its backward: exercise 07.9 adds each input's share of dy into that input's dy. */
static void split_channels(net_t *m, const net_node_t *d, int B)
{
    float *dx[NET_MAX_IN];
    int C[NET_MAX_IN];
    for (int i = 0; i < d->n_in; i++)
        dx[i] = m->node[d->in[i]].dy, C[i] = m->node[d->in[i]].C;
    concat_backward(dx, d->dy, C, d->n_in, B, d->H * d->W);
}

/* Forward pass of x (B, input shape); returns the last node's output. */
static const float *net_forward(net_t *m, const float *x, int B, int train)
{
    m->train = train;
    m->node[0].y = (float *)x;
    for (int i = 1; i < m->n; i++) {
        net_node_t *d = &m->node[i];
        const net_node_t *a = &m->node[d->in[0]];
        const float *w = m->params + d->off;
        const size_t n = (size_t)B * net_size(d), S = (size_t)d->H * d->W;
        switch (d->kind) {
        case NET_CONV:
            d->cs.B = B;
            conv2d_forward(d->y, m->work, a->y, w, d->bias ? w + conv_weight_count(&d->cs) : NULL, &d->cs);
            break;
        case NET_BN:
            if (train)
                batchnorm_forward_train(d->y, d->aux, d->aux + d->C, d->aux + 2 * d->C, d->aux + 3 * d->C, a->y, w,
                                        w + d->C, B, d->C, (int)S, NORM_MOMENTUM, NORM_EPS);
            else
                batchnorm_forward_eval(d->y, a->y, w, w + d->C, d->aux + 2 * d->C, d->aux + 3 * d->C, B, d->C, (int)S,
                                       NORM_EPS);
            break;
        case NET_RELU:
            relu_forward(d->y, a->y, n);
            break;
        case NET_MAXPOOL:
            if (d->pad == 0)
                pool_max_forward(d->y, d->arg, a->y, B, a->C, a->H, a->W, d->k, d->stride);
            else
                maxpool_padded_forward(d->y, d->arg, a->y, B, a->C, a->H, a->W, d->k, d->stride, d->pad);
            break;
        case NET_DENSE:
            linear_forward(d->y, a->y, w, w + net_size(a) * d->C, B, (int)net_size(a), d->C);
            break;
        case NET_DROPOUT:
            if (train)
                dropout_forward(d->y, d->aux, a->y, n, d->p, m->rng);
            else
                memcpy(d->y, a->y, n * sizeof(float));
            break;
        case NET_ADD: { /* stochastic depth: in training the branch survives with probability 1 - p;
                         * at test time it always counts, scaled by that probability */
            const float *br = m->node[d->in[1]].y;
            d->dropped = train && d->p > 0 && rng_uniform(m->rng) < d->p;
            const float scale = d->dropped ? 0.0f : train ? 1.0f : 1.0f - d->p;
            for (size_t k = 0; k < n; k++)
                d->y[k] = a->y[k] + scale * br[k];
            break;
        }
        case NET_CONCAT:
            concat_channels(d->y, m, d, B);
            break;
        case NET_SE:
            se_forward(d->y, d->aux, d->aux + (size_t)B * d->C, d->aux + (size_t)B * (d->C + d->R), a->y, w,
                       w + (size_t)d->C * d->R, w + (size_t)d->C * d->R + d->R, w + 2 * (size_t)d->C * d->R + d->R,
                       B, d->C, (int)S, d->R);
            break;
        case NET_COORD:
            for (int b = 0; b < B; b++) {
                float *yb = d->y + (size_t)b * net_size(d);
                memcpy(yb, a->y + (size_t)b * net_size(a), net_size(a) * sizeof(float));
                for (int r = 0; r < d->H; r++)
                    for (int c = 0; c < d->W; c++) {
                        yb[(size_t)a->C * S + r * d->W + c] = 2.0f * c / (d->W - 1) - 1;
                        yb[(size_t)(a->C + 1) * S + r * d->W + c] = 2.0f * r / (d->H - 1) - 1;
                    }
            }
            break;
        case NET_INPUT:
            break;
        }
    }
    return m->node[m->n - 1].y;
}

static void net_add_into(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* Backward pass from dout, the gradient of the last node's output (B, ...), after net_forward on
 * the same batch with train = 1: fills m->grads (every parameter is used once: overwritten). */
static void net_backward(net_t *m, const float *dout, int B)
{
    for (int i = 1; i < m->n - 1; i++)
        memset(m->node[i].dy, 0, (size_t)B * net_size(&m->node[i]) * sizeof(float));
    memcpy(m->node[m->n - 1].dy, dout, (size_t)B * net_size(&m->node[m->n - 1]) * sizeof(float));
    for (int i = m->n - 1; i >= 1; i--) {
        net_node_t *d = &m->node[i];
        net_node_t *a = &m->node[d->in[0]];
        const float *w = m->params + d->off;
        float *g = m->grads + d->off;
        const size_t n = (size_t)B * net_size(d), na = (size_t)B * net_size(a), S = (size_t)d->H * d->W;
        /* The library's backward functions overwrite their dx: write straight into the input's dy
         * when this node is its only reader, else into tmp and add. No dx for the input image. */
        float *dx = a->kind == NET_INPUT ? NULL : a->fanout == 1 ? a->dy : m->tmp;
        switch (d->kind) {
        case NET_CONV:
            d->cs.B = B;
            conv2d_backward(dx, g, d->bias ? g + conv_weight_count(&d->cs) : NULL, m->work, d->dy, a->y, w, &d->cs);
            break;
        case NET_BN:
            batchnorm_backward(dx, g, g + d->C, d->dy, a->y, d->aux, d->aux + d->C, w, B, d->C, (int)S);
            break;
        case NET_RELU:
            if (dx)
                relu_backward(dx, d->dy, d->y, NULL, n); /* y > 0 exactly where its input was */
            break;
        case NET_MAXPOOL:
            if (!dx)
                break;
            if (d->pad == 0) {
                pool_max_backward(dx, d->dy, d->arg, B, a->C, a->H, a->W, d->k, d->stride);
            } else {
                memset(dx, 0, na * sizeof(float));
                for (size_t bc = 0; bc < (size_t)B * d->C; bc++)
                    for (size_t q = 0; q < S; q++)
                        dx[bc * a->H * a->W + d->arg[bc * S + q]] += d->dy[bc * S + q];
            }
            break;
        case NET_DENSE:
            linear_backward(dx, g, g + net_size(a) * d->C, d->dy, a->y, w, B, (int)net_size(a), d->C);
            break;
        case NET_DROPOUT:
            if (dx)
                dropout_backward(dx, d->dy, d->aux, n);
            break;
        case NET_ADD: /* both addends receive dy; a dropped branch nothing */
            net_add_into(a->dy, d->dy, n);
            if (!d->dropped)
                net_add_into(m->node[d->in[1]].dy, d->dy, n);
            dx = NULL;
            break;
        case NET_CONCAT:
            split_channels(m, d, B);
            dx = NULL;
            break;
        case NET_SE:
            se_backward(dx, g, g + (size_t)d->C * d->R, g + (size_t)d->C * d->R + d->R,
                        g + 2 * (size_t)d->C * d->R + d->R, m->work, d->dy, a->y, d->aux, d->aux + (size_t)B * d->C,
                        d->aux + (size_t)B * (d->C + d->R), w, w + (size_t)d->C * d->R + d->R, B, d->C, (int)S, d->R);
            break;
        case NET_COORD: /* the coordinate channels are constants: only x's channels pass back */
            if (dx)
                for (int b = 0; b < B; b++)
                    memcpy(dx + (size_t)b * net_size(a), d->dy + (size_t)b * net_size(d), net_size(a) * sizeof(float));
            break;
        case NET_INPUT:
            break;
        }
        if (dx == m->tmp)
            net_add_into(a->dy, m->tmp, na);
    }
}

static double net_accuracy(net_t *m, const dataset_t *ds)
{
    long correct = 0;
    for (int i = 0; i < ds->n; i += m->max_batch) {
        int b = ds->n - i < m->max_batch ? ds->n - i : m->max_batch;
        const float *z = net_forward(m, ds->x + (size_t)i * LENET_PIXELS, b, 0);
        for (int r = 0; r < b; r++)
            correct += metrics_argmax(z + r * 10, 10) == ds->y[i + r];
    }
    return ds->n ? (double)correct / ds->n : 0;
}

/* Trains for `epochs` on train (batch 128, Adam, lr falling linearly to 0; with aug, every image
 * shifted by up to 2 pixels and mirrored at random) and returns the test accuracy. Prints one line
 * per epoch, prefixed by name, unless quiet. */
static double net_fit(net_t *m, const char *name, const dataset_t *train, const dataset_t *test, int epochs, float lr,
                      int aug, int quiet, rng_t *rng)
{
    const int batch = m->max_batch;
    adam_t opt = adam_new(m->n_params, lr);
    int *order = nn_malloc((size_t)train->n * sizeof(int)), *yb = nn_malloc((size_t)batch * sizeof(int));
    float *xb = nn_malloc((size_t)batch * LENET_PIXELS * sizeof(float)), *dz = nn_malloc((size_t)batch * 10 * sizeof(float));
    float *img = nn_malloc(LENET_PIXELS * sizeof(float));
    rng_iota(order, train->n);
    const int steps = train->n / batch;
    long step = 0, total = (long)epochs * steps;
    double t0 = timing_seconds();
    for (int e = 1; e <= epochs; e++) {
        rng_shuffle(rng, order, train->n);
        double sum = 0;
        for (int s = 0; s < steps; s++, step++) {
            prep_gather_rows(xb, train->x, order + s * batch, batch, LENET_PIXELS);
            for (int r = 0; r < batch; r++) {
                yb[r] = train->y[order[s * batch + r]];
                if (aug) {
                    float *x = xb + (size_t)r * LENET_PIXELS;
                    augment_random_crop(img, x, 1, 28, 28, 2, rng);
                    augment_random_flip(img, 1, 28, 28, rng);
                    memcpy(x, img, LENET_PIXELS * sizeof(float));
                }
            }
            opt.lr = lr * (float)(total - step) / (float)total;
            float loss = softmax_cross_entropy(dz, net_forward(m, xb, batch, 1), yb, batch, 10);
            nn_check_finite(loss, name, step);
            net_backward(m, dz, batch);
            adam_step(&opt, m->params, m->grads);
            sum += loss;
        }
        if (!quiet) {
            printf("%s, epoch %d/%d: training loss %.4f (%.0fs)\n", name, e, epochs, sum / steps,
                   timing_seconds() - t0);
            fflush(stdout);
        }
    }
    double acc = net_accuracy(m, test);
    free(order), free(yb), free(xb), free(dz), free(img), adam_free(&opt);
    return acc;
}

/* --- 7.10: residual networks, with SE, stochastic depth and CoordConv (7.11) -------------------- */

typedef struct {
    int c1, c2;  /* channels at 28x28 and 14x14, and at 7x7 */
    int se;      /* a squeeze-and-excitation block (reduction 4) on each residual branch */
    float sd;    /* stochastic depth: the last block's drop probability (the first one's is half) */
    int coord;   /* CoordConv: two coordinate channels added to the input */
} res_config_t;

/* A residual block at x's resolution with C channels: relu(skip + bn(conv(relu(bn(conv(x)))))),
 * the skip being x itself, or a 1x1 convolution + batch norm when the channel count changes. */
static int res_block(net_t *m, int x, int C, int se, float sd)
{
    int h = net_unary(m, NET_RELU, net_unary(m, NET_BN, net_conv(m, x, C, 3, 1, 1, 0)));
    int u = net_unary(m, NET_BN, net_conv(m, h, C, 3, 1, 1, 0));
    if (se)
        u = net_se(m, u, C / 4);
    int skip = m->node[x].C == C ? x : net_unary(m, NET_BN, net_conv(m, x, C, 1, 1, 0, 0));
    return net_unary(m, NET_RELU, net_sum(m, skip, u, sd));
}

static void build_resnet(net_t *m, const res_config_t *c)
{
    int x = net_input(m, 1, 28, 28);
    if (c->coord)
        x = net_coord(m, x);
    x = net_maxpool(m, net_unary(m, NET_RELU, net_unary(m, NET_BN, net_conv(m, x, c->c1, 3, 1, 1, 0))), 2, 2, 0);
    x = net_maxpool(m, res_block(m, x, c->c1, c->se, c->sd / 2), 2, 2, 0);
    x = res_block(m, x, c->c2, c->se, c->sd);
    net_dense(m, x, 10);
}

static int run_resnet(const flags_t *f, const dataset_t *train, const dataset_t *test, int epochs, const res_config_t *c,
                      int aug, rng_t *rng)
{
    net_t m;
    build_resnet(&m, c);
    net_alloc(&m, 128, rng);
    printf("residual network: %d and %d channels%s%s%s%s; %zu parameters, %.2f MFLOP per image forward; %d epochs, "
           "adam 2e-3 decaying to 0, batch 128 on %d images, seed %llu\n", c->c1, c->c2, c->se ? ", SE" : "",
           c->sd > 0 ? ", stochastic depth" : "", c->coord ? ", CoordConv" : "", aug ? ", augmented" : "", m.n_params,
           m.flops / 1e6, epochs, train->n, (unsigned long long)f->seed);
    double t0 = timing_seconds();
    double acc = net_fit(&m, "residual network", train, test, epochs, 2e-3f, aug, 0, rng);
    printf("residual network: test accuracy %.4f after %d epochs (%.0fs)\n", acc, epochs, timing_seconds() - t0);
    net_free(&m);
    return 0;
}

/* --- 7.12: history in small -------------------------------------------------------------------- */

/* LeNet-5 again (the network of section 7.6, in this section's form, to count it the same way). */
static void build_lenet(net_t *m)
{
    int x = net_input(m, 1, 28, 28);
    x = net_maxpool(m, net_unary(m, NET_RELU, net_conv(m, x, 6, 5, 1, 2, 1)), 2, 2, 0);
    x = net_maxpool(m, net_unary(m, NET_RELU, net_conv(m, x, 16, 5, 1, 0, 1)), 2, 2, 0);
    x = net_unary(m, NET_RELU, net_dense(m, x, 120));
    x = net_unary(m, NET_RELU, net_dense(m, x, 84));
    net_dense(m, x, 10);
}

/* AlexNet's shape, scaled down: five convolutions with relu, overlapping 3x3 max pooling with
 * stride 2 after the first, second and fifth, two dense layers with dropout 0.5. */
static void build_alexnet(net_t *m)
{
    int x = net_input(m, 1, 28, 28);
    x = net_maxpool(m, net_unary(m, NET_RELU, net_conv(m, x, 16, 5, 1, 2, 1)), 3, 2, 0); /* 28 -> 13 */
    x = net_maxpool(m, net_unary(m, NET_RELU, net_conv(m, x, 24, 3, 1, 1, 1)), 3, 2, 0); /* 13 -> 6 */
    x = net_unary(m, NET_RELU, net_conv(m, x, 32, 3, 1, 1, 1));
    x = net_unary(m, NET_RELU, net_conv(m, x, 32, 3, 1, 1, 1));
    x = net_maxpool(m, net_unary(m, NET_RELU, net_conv(m, x, 24, 3, 1, 1, 1)), 3, 2, 0); /* 6 -> 2 */
    x = net_dropout(m, net_unary(m, NET_RELU, net_dense(m, x, 128)), 0.5f);
    x = net_dropout(m, net_unary(m, NET_RELU, net_dense(m, x, 128)), 0.5f);
    net_dense(m, x, 10);
}

/* One inception module between a small stem and the classifier: four branches in parallel on the
 * same input, concatenated along the channels. */
static void build_inception(net_t *m)
{
    int x = net_input(m, 1, 28, 28);
    x = net_maxpool(m, net_unary(m, NET_RELU, net_conv(m, x, 16, 3, 1, 1, 1)), 2, 2, 0); /* 16 x 14 x 14 */
    int b1 = net_unary(m, NET_RELU, net_conv(m, x, 16, 1, 1, 0, 1));
    int b2 = net_unary(m, NET_RELU, net_conv(m, x, 12, 1, 1, 0, 1));
    b2 = net_unary(m, NET_RELU, net_conv(m, b2, 24, 3, 1, 1, 1));
    int b3 = net_unary(m, NET_RELU, net_conv(m, x, 4, 1, 1, 0, 1));
    b3 = net_unary(m, NET_RELU, net_conv(m, b3, 8, 5, 1, 2, 1));
    int b4 = net_unary(m, NET_RELU, net_conv(m, net_maxpool(m, x, 3, 1, 1), 8, 1, 1, 0, 1));
    const int branches[4] = {b1, b2, b3, b4};
    x = net_maxpool(m, net_concat(m, branches, 4), 2, 2, 0); /* 56 x 7 x 7 */
    net_dense(m, x, 10);
}

/* The residual network of section 7.10 with its default channels, to compare it with the others. */
static void build_resnet_default(net_t *m)
{
    const res_config_t c = {16, 32, 0, 0, 0};
    build_resnet(m, &c);
}

#ifndef GRADING

static int run_history(const flags_t *f, const dataset_t *train, const dataset_t *test, int epochs, rng_t *rng)
{
    enum { NETS = 4 };
    void (*const build[NETS])(net_t *) = {build_lenet, build_alexnet, build_inception, build_resnet_default};
    const char *const names[NETS] = {"LeNet-5", "AlexNet, scaled down", "one inception module", "residual (7.10)"};
    double params[NETS], mflop[NETS], acc[NETS], secs[NETS];
    printf("history: each network trained %d epochs on %d images (adam 2e-3 decaying to 0, batch 128, seed %llu)\n",
           epochs, train->n, (unsigned long long)f->seed);
    for (int k = 0; k < NETS; k++) {
        net_t m;
        build[k](&m);
        net_alloc(&m, 128, rng);
        double t0 = timing_seconds();
        acc[k] = net_fit(&m, names[k], train, test, epochs, 2e-3f, 0, 0, rng);
        secs[k] = timing_seconds() - t0, params[k] = (double)m.n_params, mflop[k] = m.flops / 1e6;
        net_free(&m);
    }
    printf("\n  %-22s %10s %14s %14s %9s\n", "network", "parameters", "MFLOP/image", "test accuracy", "seconds");
    for (int k = 0; k < NETS; k++)
        printf("  %-22s %10.0f %14.2f %14.4f %9.0f\n", names[k], params[k], mflop[k], acc[k], secs[k]);
    printf("\n");
    return 0;
}

/* --- 7.8: the benchmark ------------------------------------------------------------------------ */

/* The products-only floor: for `steps` batches of B images, only the im2col and matrix products
 * of every layer, forward and backward (what lenet_forward/backward cannot avoid). */
static double products_floor(lenet_t *m, const float *x, int B, int steps)
{
    const lenet_config_t c = m->cfg;
    conv_shape_t s1 = m->s1, s2 = m->s2;
    s1.B = s2.B = B;
    const int threads = matmul_set_threads(1); /* as lenet_forward/backward run them */
    double t0 = timing_seconds();
    for (int k = 0; k < steps; k++) {
        const float *xb = x + (size_t)(k % 8) * B * LENET_PIXELS;
        conv2d_forward(m->a1, m->work, xb, m->w1, NULL, &s1);
        conv2d_forward(m->a2, m->work, m->p1, m->w2, NULL, &s2);
        matmul_blas(0, 0, B, c.h1, c.c2 * 25, 1, m->p2, m->f1w, 0, m->h1);
        matmul_blas(0, 0, B, c.h2, c.h1, 1, m->h1, m->f2w, 0, m->h2);
        matmul_blas(0, 0, B, LENET_CLASSES, c.h2, 1, m->h2, m->f3w, 0, m->logits);
        matmul_blas(1, 0, c.h2, LENET_CLASSES, B, 1, m->h2, m->logits, 0, m->df3w);
        matmul_blas(0, 1, B, c.h2, LENET_CLASSES, 1, m->logits, m->f3w, 0, m->dh2);
        matmul_blas(1, 0, c.h1, c.h2, B, 1, m->h1, m->dh2, 0, m->df2w);
        matmul_blas(0, 1, B, c.h1, c.h2, 1, m->dh2, m->f2w, 0, m->dh1);
        matmul_blas(1, 0, c.c2 * 25, c.h1, B, 1, m->p2, m->dh1, 0, m->df1w);
        matmul_blas(0, 1, B, c.c2 * 25, c.h1, 1, m->dh1, m->f1w, 0, m->dp2);
        conv2d_backward(m->dp1, m->dw2, NULL, m->work, m->a2, m->p1, m->w2, &s2);
        conv2d_backward(NULL, m->dw1, NULL, m->work, m->a1, xb, m->w1, &s1);
    }
    double secs = timing_seconds() - t0;
    matmul_set_threads(threads);
    return secs;
}

static int run_bench(const flags_t *f, int batch)
{
    dataset_t train, test;
    if (fashion_load_splits(&train, &test, f->data) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f->seed);
    lenet_t m;
    if (lenet_new(&m, LENET_5, batch > 500 ? batch : 500) != 0)
        return 1;
    lenet_init(&m, &rng);
    adam_t opt = adam_new(m.n_params, 1e-3f);
    trainer_t t = trainer_new(&m, &opt, &train, NULL, batch, &rng, NULL, 1);
    enum { EPOCHS = 3 };
    const int steps = (train.n + batch - 1) / batch;
    double secs[EPOCHS], floor_s[EPOCHS], cpu[EPOCHS], loss, acc;
    for (int e = 0; e < EPOCHS; e++) {
        double c0 = cpu_seconds();
        secs[e] = train_epoch(&t, e + 1, EPOCHS);
        cpu[e] = cpu_seconds() - c0;
        floor_s[e] = products_floor(&m, train.x, batch, steps);
    }
    lenet_evaluate(&m, test.x, test.y, test.n, &loss, &acc, NULL);
    /* cpu_s: processor time of an epoch, all threads counted: comparable across runs on a busy machine */
    printf("bench: name=lenet5 epoch_s=%.3f test_acc=%.4f gflop_epoch=%.2f floor_s=%.3f cpu_s=%.3f\n",
           timing_median(secs, EPOCHS), acc, lenet_flops_train(&m) * train.n / 1e9, timing_median(floor_s, EPOCHS),
           timing_median(cpu, EPOCHS));
    trainer_free(&t), adam_free(&opt), lenet_free(&m), dataset_free(&train), dataset_free(&test);
    return 0;
}

/* Reads "C1,C2" (the residual network's channels) into c; 0, or -1 after reporting. */
static int parse_width(res_config_t *c, const char *text)
{
    int a, b;
    char end;
    if (sscanf(text, "%d,%d%c", &a, &b, &end) != 2 || a < 4 || b < 4 || a > 128 || b > 128 || a % 4 || b % 4) {
        nn_error("give two multiples of 4 between 4 and 128, e.g. --width 16,32",
                 "--width '%s': expected C1,C2 (channels at 14x14 and at 7x7)", text);
        return -1;
    }
    c->c1 = a, c->c2 = b;
    return 0;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 10, .quick_epochs = 1, .seed = 1, .out = "out/07"};
    float lr = 2e-3f, sd = 0;
    int batch = 64, bench = 0, net_epochs = 0, se = 0, coord = 0, aug = 0, only = 0, subset = 0;
    const char *experiment = "", *width = "16,32";
    const flags_option_t extra[] = {
        {"--experiment", FLAGS_STRING, &experiment, "also run an experiment: transfer (7.9), resnet (7.10, 7.11) or "
                                                    "history (7.12)"},
        {"--lr", FLAGS_FLOAT, &lr, "Adam's initial learning rate (falls linearly to 0)"},
        {"--batch", FLAGS_INT, &batch, "mini-batch size (1..500)"},
        {"--bench", FLAGS_SWITCH, &bench, "only the benchmark: 3 epochs on 60k images and the products-only floor"},
        {"--only", FLAGS_SWITCH, &only, "run the experiment only, not the LeNet training before it"},
        {"--net-epochs", FLAGS_INT, &net_epochs, "epochs of the resnet and history experiments (default 2)"},
        {"--width", FLAGS_STRING, &width, "resnet: channels C1,C2 at 14x14 and at 7x7 (default 16,32)"},
        {"--se", FLAGS_SWITCH, &se, "resnet: a squeeze-and-excitation block on each residual branch"},
        {"--sd", FLAGS_FLOAT, &sd, "resnet: stochastic depth, the last block's drop probability (0..0.9)"},
        {"--coordconv", FLAGS_SWITCH, &coord, "resnet: CoordConv, two coordinate channels added to the input"},
        {"--augment", FLAGS_SWITCH, &aug, "resnet: random shifts by up to 2 pixels and mirroring"},
        {"--subset", FLAGS_INT, &subset, "train on the first N training images only (0: all)"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 7: convolutions, im2col, pooling, LeNet-5 on Fashion-MNIST.",
                             extra, (int)(sizeof extra / sizeof *extra));
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (batch < 1 || batch > 500) {
        nn_error("use --batch between 1 and 500", "--batch %d: expected 1 to 500", batch);
        return 2;
    }
    if (!(lr > 0) || !isfinite(lr)) {
        nn_error("Adam's learning rate is usually between 1e-4 and 1e-2", "--lr %g: expected a positive number", lr);
        return 2;
    }
    if (experiment[0] && strcmp(experiment, "transfer") != 0 && strcmp(experiment, "resnet") != 0 &&
        strcmp(experiment, "history") != 0) {
        nn_error("the experiments are: transfer, resnet, history", "--experiment '%s': unknown experiment", experiment);
        return 2;
    }
    if (net_epochs < 0 || net_epochs > 100 || !(sd >= 0 && sd <= 0.9f) || subset < 0 || (subset > 0 && subset < 1000)) {
        nn_error("--net-epochs takes 1 to 100 (0: the default), --sd a probability up to 0.9, --subset 0 or at least 1000",
                 "--net-epochs %d, --sd %g, --subset %d: out of range", net_epochs, sd, subset);
        return 2;
    }
    res_config_t rc_cfg = {16, 32, se, sd, coord};
    if (parse_width(&rc_cfg, width) != 0)
        return 2;
    if (bench)
        return run_bench(&f, 128); /* the batch PyTorch's run uses too (tools/bench_lenet_torch.py) */
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    dataset_t full, test;
    if (fashion_load_splits(&full, &test, f.data) != 0)
        return 1;
    if (f.quick)
        full.n = full.n < 3000 ? full.n : 3000, test.n = test.n < 1000 ? test.n : 1000;
    if (subset > 0 && subset < full.n)
        full.n = subset;
    float worst = check_layers(&rng);
    printf("this chapter's one-image layers (exercises 07.1-07.9) against common/conv.c, pool.c and se.c: largest "
           "difference %.2g%s\n", worst, worst < 1e-4f ? "" : "  <- an exercise is not right yet (make check CH=07)");
    int rc = 0;
    if (!only || !experiment[0]) {
        compare_direct_and_im2col(&rng, f.quick);
        rc = run_training(&f, &full, &test, &rng, lr, batch);
    }
    if (strcmp(experiment, "transfer") == 0)
        rc |= run_transfer(&f, &full, &test, &rng);
    if (strcmp(experiment, "resnet") == 0)
        rc |= run_resnet(&f, &full, &test, f.quick ? 1 : net_epochs ? net_epochs : 2, &rc_cfg, aug, &rng);
    if (strcmp(experiment, "history") == 0)
        rc |= run_history(&f, &full, &test, f.quick ? 1 : net_epochs ? net_epochs : 2, &rng);
    dataset_free(&full);
    dataset_free(&test);
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
