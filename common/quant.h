/* quant.h — int8 quantization: scales and zero points, calibration, fake quantization with the
 * straight-through estimator, stochastic rounding. Chapter 11 derives everything here.
 *
 * Prefixes: quant_, QUANT_
 *
 * A real number x is stored as an 8-bit integer q with a scale s > 0 and a zero point z:
 *
 *   q = clamp(round(x / s) + z, -128, 127)        x ~ s (q - z)
 *
 * round() is round-half-to-even (rintf in the default rounding mode), as PyTorch and ONNX's
 * QuantizeLinear do. The representable range is [s (-128 - z), s (127 - z)]; the real 0 is exactly
 * representable (q = z), so zero padding and relu's zeros cost no error.
 *
 *   symmetric  (weights):     z = 0,  s = max|x| / 127           (q in -127..127; -128 unused)
 *   asymmetric (activations): s = (hi - lo) / 255,  z = round(-128 - lo / s) clamped to -128..127,
 *                             where [lo, hi] is the calibrated range widened to contain 0.
 *
 * Per-tensor: one (s, z) for a whole tensor. Per-channel: one scale per output channel of a weight
 * (row o of a (OC, ...) tensor), symmetric: a channel of small weights keeps its precision.
 *
 * Calibration picks [lo, hi] from sample activations: the min and max (every value fits, outliers
 * stretch the grid) or a percentile of |x| (outliers are clipped, the rest gets a finer grid).
 *
 * Fake quantization y = s (q(x) - z) runs the float model with the rounding error of the int8
 * one. Its exact derivative is 0 almost everywhere; the straight-through estimator (STE) passes
 * dy through unchanged where x lies inside the representable range and gives 0 outside (where the
 * clamp makes y constant): quantization-aware training (QAT).
 *
 * Stochastic rounding rounds x/s up with probability equal to its fractional part: unbiased,
 * E[s (q - z)] = x inside the range.
 *
 * Errors: quant_params_symmetric/asymmetric and the calibration functions return -1 after an
 * nn_error() paragraph for an empty set, a non-finite value or a range of zero width (a calibration
 * set of all-zero images: no scale can be derived). The element-wise functions trust their
 * parameters (a scale from those functions).
 *
 * Ownership: the caller owns every buffer; outputs are OVERWRITTEN.
 * Threads: no state; an rng_t belongs to one thread.
 */
#ifndef NN_QUANT_H
#define NN_QUANT_H

#include "rng.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUANT_MIN (-128)
#define QUANT_MAX 127

typedef struct {
    float scale;    /* > 0 */
    int zero_point; /* in QUANT_MIN..QUANT_MAX; 0 for symmetric */
} quant_params_t;

/* Symmetric parameters for values in [-absmax, absmax]: s = absmax / 127, z = 0. Returns 0, or -1
 * after reporting absmax <= 0 or not finite. `what` names the tensor in the message. */
int quant_params_symmetric(quant_params_t *p, float absmax, const char *what);

/* Asymmetric parameters for [lo, hi] (widened to contain 0): s = (hi - lo) / 255,
 * z = clamp(round(-128 - lo / s)). Returns 0, or -1 after reporting hi - lo <= 0 or not finite. */
int quant_params_asymmetric(quant_params_t *p, float lo, float hi, const char *what);

/* One value: clamp(round(x / s) + z, -128, 127), and back: s (q - z). */
int8_t quant_quantize_value(float x, quant_params_t p);
float quant_dequantize_value(int8_t q, quant_params_t p);

/* q (n) from x (n), and x (n) from q (n), with one set of parameters. */
void quant_quantize(int8_t *q, const float *x, size_t n, quant_params_t p);
void quant_dequantize(float *x, const int8_t *q, size_t n, quant_params_t p);

/* Per-channel symmetric quantization of w (channels, per_channel): p (channels) receives each row's
 * parameters (s = max|row| / 127; a row of zeros gets s = 1), q (channels, per_channel) the
 * integers. */
void quant_per_channel(int8_t *q, quant_params_t *p, const float *w, int channels, size_t per_channel);

/* Calibration. min/max of x (n) into *lo, *hi. Returns 0, or -1 after reporting n == 0 or a
 * non-finite value. */
int quant_calibrate_minmax(float *lo, float *hi, const float *x, size_t n);

/* The pct-th percentile (0 < pct <= 100) of |x| (n): returns it in *absmax (nearest rank on the
 * sorted |x|). scratch (n) is overwritten. Returns 0, or -1 after reporting n == 0, a bad pct or a
 * non-finite value. */
int quant_calibrate_percentile(float *absmax, float *scratch, const float *x, size_t n, float pct);

/* Fake quantization: y (n) = s (q(x) - z) (y may be x). Backward by the straight-through
 * estimator: dx (n) = dy where s (-128 - z) <= x <= s (127 - z), else 0 (dx may be dy). */
void quant_fake_forward(float *y, const float *x, size_t n, quant_params_t p);
void quant_fake_backward(float *dx, const float *dy, const float *x, size_t n, quant_params_t p);

/* Stochastic rounding: q = clamp(floor(x / s + u) + z) with u uniform in [0, 1) drawn from rng. */
void quant_quantize_stochastic(int8_t *q, const float *x, size_t n, quant_params_t p, rng_t *rng);

#ifdef __cplusplus
}
#endif

#endif
