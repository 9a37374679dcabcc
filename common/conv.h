/* conv.h — convolution layers: conv2d and conv1d, through im2col and one matrix product.
 *
 * Prefixes: conv_, conv2d_, conv1d_ (conv_: shapes, im2col, col2im; conv2d_, conv1d_: the
 * layers). Chapter 7 derives everything here.
 *
 * Layout (PyTorch's): input x (B, C, H, W), kernels w (OC, C, KH, KW), bias b (OC), output
 * y (B, OC, OH, OW), all row-major. Each output is a dot product of one kernel with one patch:
 *
 *   y[b,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] * x[b, c, i*sh + u*dh - ph, j*sw + v*dw - pw]
 *
 * (cross-correlation, as every framework computes it; pixels outside the image read as 0), with
 * stride s, zero padding p and dilation d per axis. The output size along an axis of n pixels is
 *
 *   out = floor((n + 2p - d (k - 1) - 1) / s) + 1,
 *
 * the number of positions where the dilated kernel (extent d (k - 1) + 1) fits in the padded
 * input. conv_out_size() computes it and rejects what does not fit.
 *
 * im2col. Put the patch that output position (b, i, j) reads into column b*OH*OW + i*OW + j of a
 * matrix cols (C*KH*KW, B*OH*OW); row r = (c*KH + u)*KW + v is one kernel tap. Then the whole
 * layer is ONE product, the (OC, C*KH*KW) kernel matrix times cols:
 *
 *   Y' (OC, B*OH*OW) = w (OC, C*KH*KW) cols (C*KH*KW, B*OH*OW),   y[b,o,:,:] = Y'[o, b-th block] + b[o]
 *
 * (the last step reorders Y' into (B, OC, OH, OW) while adding the bias: one pass over y). The
 * functions below do this for a few images at a time, so the im2col matrix stays in the cache.
 *
 * Backward, given dy (B, OC, OH, OW): reorder it to dY' (OC, B*OH*OW), then
 *
 *   dw = dY' cols^T      db[o] = sum of dY' row o      dcols = w^T dY'      dx = col2im(dcols)
 *
 * col2im is the adjoint (transpose) of im2col: every entry of dcols is ADDED back to the input
 * pixel it was copied from (a pixel belongs to up to KH*KW patches; padding positions are
 * dropped). The forward products go through matmul_blas(), that is cblas_sgemm.
 *
 * Errors: conv_out_size() and conv_shape_init() return -1 after an nn_error() paragraph for a
 * stride or dilation below 1, negative padding, or a kernel larger than the padded input; the
 * layer functions trust a shape that conv_shape_init() accepted.
 *
 * Ownership: the caller owns every buffer (the scratch size from conv_work_size); nothing is
 * allocated, so a training step allocates nothing. Outputs are OVERWRITTEN.
 *
 * Threads: no state. conv2d_forward/backward split a batch in two halves, the second one on a
 * thread of their own, and hold OpenBLAS to one thread meanwhile (matmul_run2): LeNet's products
 * are too thin for OpenBLAS to share (OC = 6 or 16 rows), while the two halves of a batch are
 * independent. Several threads may call them at once, each with its own outputs and scratch. A
 * split batch computes the same bits as alone, and while it runs, the process's other products run
 * on one OpenBLAS thread too (matmul.h, matmul_single_begin); a batch too small to split
 * (CONV_SPLIT_FLOPS) runs its products on OpenBLAS's threads, like any product, so its last bits
 * can differ from a run alone while another thread holds OpenBLAS to one.
 */
#ifndef NN_CONV_H
#define NN_CONV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of im2col scratch per chunk of images (see conv2d_forward): about half a typical L2. */
#define CONV_CHUNK_BYTES (512 * 1024)
/* Layers of fewer floating-point operations (conv_forward_flops) run on one thread: below about
 * 0.2 ms of work, starting a thread costs more than it saves. */
#define CONV_SPLIT_FLOPS 2e6

typedef struct {
    int B, C, H, W;              /* input (B, C, H, W) */
    int OC, KH, KW;              /* kernels (OC, C, KH, KW) */
    int stride_h, stride_w;      /* >= 1 */
    int pad_h, pad_w;            /* >= 0, zeros on both sides */
    int dil_h, dil_w;            /* >= 1; 1 = a dense kernel */
    int OH, OW;                  /* output (B, OC, OH, OW), set by conv_shape_init */
} conv_shape_t;

/* floor((n + 2 pad - dil (k - 1) - 1) / stride) + 1 along one axis; -1 after an nn_error paragraph
 * when stride < 1, dil < 1, pad < 0, k < 1 or the dilated kernel does not fit the padded input.
 * `what` names the axis in the message ("height"). */
int conv_out_size(int n, int k, int stride, int pad, int dil, const char *what);

/* Fill s for a square stride/padding/dilation on both axes and compute OH, OW. Returns 0, or -1
 * after reporting (sizes < 1 or what conv_out_size rejects). */
int conv_shape_init(conv_shape_t *s, int B, int C, int H, int W, int OC, int KH, int KW, int stride, int pad,
                    int dil);

/* Same for conv1d: x (B, C, L), w (OC, C, K), y (B, OC, OL); stored as H = 1, KH = 1, no padding
 * along the height, so OH = 1 and OW = OL. */
int conv1d_shape_init(conv_shape_t *s, int B, int C, int L, int OC, int K, int stride, int pad, int dil);

/* Floats of cols: C*KH*KW * B*OH*OW. */
size_t conv_cols_size(const conv_shape_t *s);
/* Floats of the output y: B*OC*OH*OW. */
size_t conv_out_count(const conv_shape_t *s);
/* Floats of the weights: OC*C*KH*KW. */
size_t conv_weight_count(const conv_shape_t *s);

/* cols (C*KH*KW, B*OH*OW) from x (B, C, H, W): column (b, i, j) holds the patch of output (i, j)
 * of image b, zeros where it reaches into the padding. */
void conv_im2col(float *cols, const float *x, const conv_shape_t *s);

/* The adjoint of conv_im2col: dx (B, C, H, W) = sum of the entries of dcols (C*KH*KW, B*OH*OW)
 * over every patch position that copied each pixel. dx is overwritten. */
void conv_col2im(float *dx, const float *dcols, const conv_shape_t *s);

/* Floats of the scratch buffer `work` the layer functions need: for each of the two halves of the
 * batch, the im2col matrix and the reordered output of one chunk of images (see conv2d_forward),
 * then the second half's dw and db. Depends on s->B only while half the batch is smaller than a
 * chunk: allocate it for the largest batch. */
size_t conv_work_size(const conv_shape_t *s);

/* y (B, OC, OH, OW) = conv(x, w) + b, b may be NULL (no bias). The batch is processed in chunks of
 * images whose im2col matrix fits in about CONV_CHUNK_BYTES (so it is written and read back from
 * the cache instead of memory): one im2col and one matmul per chunk. The first and second halves
 * of the batch run on two threads (see Threads above). */
void conv2d_forward(float *y, float *work, const float *x, const float *w, const float *b, const conv_shape_t *s);

/* Gradients from dy (B, OC, OH, OW) and the forward input x (B, C, H, W): dw (OC, C, KH, KW),
 * db (OC) or NULL, dx (B, C, H, W) or NULL (not wanted: the first layer). Per chunk, im2col of x
 * is recomputed (cheaper than keeping the whole matrix from the forward pass), then
 * dw += dY' cols^T, and dcols = w^T dY' (written over cols) goes through col2im into dx. Each
 * half of the batch sums its own dw and db; then dw = first half's + second half's, always in
 * that order, so the result depends on the shape only, not on the threads' timing.
 * Outputs are overwritten. */
void conv2d_backward(float *dx, float *dw, float *db, float *work, const float *dy, const float *x, const float *w,
                     const conv_shape_t *s);

/* The definition, one multiply-add at a time (accumulated in double): the oracle the tests
 * compare the im2col versions with, and the version to read. Same arguments, no scratch. */
void conv2d_forward_naive(float *y, const float *x, const float *w, const float *b, const conv_shape_t *s);
void conv2d_backward_naive(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                           const conv_shape_t *s);

/* conv1d: x (B, C, L), w (OC, C, K), y (B, OC, OL), shape from conv1d_shape_init; the same
 * computation as conv2d on images of height 1 (these call it). */
void conv1d_forward(float *y, float *work, const float *x, const float *w, const float *b, const conv_shape_t *s);
void conv1d_backward(float *dx, float *dw, float *db, float *work, const float *dy, const float *x, const float *w,
                     const conv_shape_t *s);

/* FLOPs of one forward pass of the whole batch (2 per multiply-add): 2 B OH OW OC C KH KW. The
 * backward pass costs twice that (dw and dx), once when dx is not wanted. */
double conv_forward_flops(const conv_shape_t *s);

#ifdef __cplusplus
}
#endif

#endif
