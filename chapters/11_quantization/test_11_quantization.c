/* test_11_quantization.c — the grader of chapter 11.
 *
 * One suite per exercise (ex11_K); the suite ch11 checks the chapter's handling of a bad
 * calibration set and carries no points. Golden values are worked out by hand in the comments
 * (scales chosen as powers of two, so that every quotient is exact in float), or come from the
 * library (common/quant.c, itself tested in common/tests/test_quant.c) or from a double-precision
 * recomputation of the same formula.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "11_quantization.c"
#endif
#include CHAPTER_SOURCE

#include "tests/capture.h" /* capture_stderr: a function's stderr and exit status */

#include <criterion/criterion.h>

TestSuite(ex11_1, .timeout = 10);
TestSuite(ex11_2, .timeout = 10);
TestSuite(ex11_3, .timeout = 10);
TestSuite(ex11_4, .timeout = 10);
TestSuite(ex11_5, .timeout = 10);
TestSuite(ex11_6, .timeout = 10);
TestSuite(ex11_7, .timeout = 10);
TestSuite(ex11_8, .timeout = 10);
TestSuite(ex11_9, .timeout = 10);
TestSuite(ch11, .timeout = 30);

/* --- 11.1 quantize ------------------------------------------------------------------------------- */

/*hint 11.1
1. Three steps in the formula of section 11.2: divide and round, shift by the zero point, clamp.
   Which of them does your code do, and in which order?
2. A cast (int)(x / s) truncates toward zero: 1.8 becomes 1. rintf rounds to the nearest integer,
   ties to even. The zero point is ADDED: x = 0 must give q = z.
3. q = clamp(rintf(x / s) + z, -128, 127), clamped BEFORE the conversion to int8_t: (int8_t)403
   wraps around to -109.
*/
/*note 11.1
Round-half-to-even is what IEEE arithmetic, PyTorch's quantize_per_tensor and ONNX's QuantizeLinear
use, so a model quantized here gives the same integers there. Integer runtimes that requantize
int32 sums (section 11.6) round to nearest in fixed point ("rounding right shift"), often with ties
away from zero, which differs only on exact ties. Next: why the zero point must itself
be an integer (section 11.2, asymmetric).
*/

/*forbid 11.1
-- its twins in common/quant.h: the exercise writes its own
quant_quantize_value quant_quantize
*/

Test(ex11_1, rounds_to_nearest_even_adds_zero_point_and_clamps)
{
    /* s = 0.25 (exact in binary), z = 3:  x / s, rounded, + 3 */
    static const struct {
        float x;
        int q;
        const char *why;
    } cases[] = {
        {0.0f, 3, "x = 0 is q = z. Hint: is the zero point added (not subtracted, not forgotten)?"},
        {0.45f, 5, "0.45 / 0.25 = 1.8 rounds to 2, + 3. Hint: a cast truncates 1.8 to 1; use rintf."},
        {-0.45f, 1, "-1.8 rounds to -2, + 3. Hint: truncation moves negative values up, to -1."},
        {0.625f, 5, "2.5 is a tie: to even, 2, + 3. Hint: rintf rounds ties to even; roundf would give 3."},
        {0.875f, 7, "3.5 is a tie: to even, 4, + 3."},
        {100.0f, 127, "400 + 3 is clamped to 127. Hint: clamp round(x / s) + z, the zero point already added (400 "
                      "clamped to 127, then + 3, is 130), and clamp before the int8_t conversion, which wraps 403 "
                      "to -109."},
        {-100.0f, -128, "-400 + 3 is clamped to -128. Hint: clamp to [-128, 127] before converting."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const int got = quantize(cases[i].x, 0.25f, 3);
        cr_assert_eq(got, cases[i].q, "quantize(%g, s = 0.25, z = 3): expected %d, got %d. %s", cases[i].x, cases[i].q,
                     got, cases[i].why);
    }
}

Test(ex11_1, agrees_with_the_library_on_random_values)
{
    rng_t rng;
    rng_seed(&rng, 1);
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        const float x = rng_normal(&rng) * 3, s = 0.01f + rng_uniform(&rng) * 0.05f;
        const int z = (int)rng_below(&rng, 256) - 128;
        bad += quantize(x, s, z) != quant_quantize_value(x, (quant_params_t){s, z});
    }
    cr_assert_eq(bad, 0, "quantize differs from quant_quantize_value on %d of 2000 random values (x ~ N(0, 9), "
                 "random s and z). Hint: the first test shows which step is off.", bad);
}

/* --- 11.2 dequantize ----------------------------------------------------------------------------- */

/*hint 11.2
1. The inverse of quantize's affine map, without the rounding: section 11.2's x-hat.
2. Which integer stands for the real 0? Its dequantized value must be exactly 0.
3. x = s (q - z): the zero point is SUBTRACTED from q before scaling.
*/
/*note 11.2
Dequantization is exact: every int8 value maps to one float, so the error of a round trip is all
in quantize. ONNX calls this DequantizeLinear; a quantized model exported there is a chain of
QuantizeLinear / DequantizeLinear pairs around float operators, which a runtime such as TensorRT
or onnxruntime fuses into integer kernels.
*/

/*forbid 11.2
-- its twins in common/quant.h: the exercise writes its own
quant_dequantize_value quant_dequantize
*/

Test(ex11_2, subtracts_the_zero_point_then_scales)
{
    /* s = 0.25, z = 3: q = 3 -> 0; q = 5 -> 0.5; q = -128 -> -32.75; q = 127 -> 31 */
    const int q[4] = {3, 5, -128, 127};
    const float want[4] = {0.0f, 0.5f, -32.75f, 31.0f};
    for (int i = 0; i < 4; i++) {
        const float got = dequantize((int8_t)q[i], 0.25f, 3);
        cr_assert(got == want[i], "dequantize(%d, s = 0.25, z = 3): expected %g, got %g. Hint: %s", q[i], want[i], got,
                  q[i] == -128 ? "q - z = -131 does not fit in an int8_t: compute the difference in int, then scale."
                               : "x = s (q - z); the zero point q = 3 must give exactly 0.");
    }
}

/* --- 11.3 asymmetric parameters ------------------------------------------------------------------ */

/*hint 11.3
1. How many steps lie between -128 and 127? The range hi - lo is divided into that many.
2. The zero point is where the real 0 lands: which integer does lo map to, and how far is 0 from lo
   in steps? Is the range widened to contain 0 first?
3. lo = min(lo, 0), hi = max(hi, 0); s = (hi - lo) / 255; z = clamp(rintf(-128 - lo / s), -128, 127).
*/
/*note 11.3
For a relu's output lo = 0 and z = -128: all 256 levels are spent on non-negative numbers. Some
runtimes use uint8 activations instead (0..255, z = 0 for relu): the same grid shifted by 128, which
is exactly the shift the VNNI path of qgemm makes (section 11.6). Next: calibration (section 11.4)
decides lo and hi.
*/

/*forbid 11.3
-- its twins in common/quant.h: the exercise writes its own
quant_params_asymmetric
*/

Test(ex11_3, scale_and_zero_point_by_hand)
{
    static const struct {
        float lo, hi, s;
        int z;
        const char *why;
    } cases[] = {
        {-1.0f, 3.0f, 4.0f / 255, -64, "s = 4/255; z = round(-128 + 63.75) = -64"},
        {0.0f, 5.1f, 5.1f / 255, -128, "a relu's range: z = -128"},
        {1.0f, 3.0f, 3.0f / 255, -128, "[1, 3] widened to [0, 3] so that 0 stays representable"},
        {-2.0f, -1.0f, 2.0f / 255, 127, "[-2, -1] widened to [-2, 0]: z = round(-128 + 255) = 127"},
        /* s = 5/255 = 1/51: -lo / s = 61.2 and 193.8, so z = round(-66.8) = -67 and round(65.8) = 66. A cast
         * (toward 0) gives -66 and 65, ceil -66 and 66, floor -67 and 65: each misses one of the two. */
        {-1.2f, 3.8f, 5.0f / 255, -67, "z = round(-128 + 61.2) = round(-66.8) = -67"},
        {-3.8f, 1.2f, 5.0f / 255, 66, "z = round(-128 + 193.8) = round(65.8) = 66"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const quant_params_t p = asymmetric_params(cases[i].lo, cases[i].hi);
        cr_assert(fabsf(p.scale - cases[i].s) <= 1e-6f * cases[i].s,
                  "asymmetric_params(%g, %g): expected scale %.7g, got %.7g (%s). Hint: s = (hi - lo) / 255, the "
                  "whole range over 255 steps, not max / 255 or max / 127.", cases[i].lo, cases[i].hi, cases[i].s,
                  p.scale, cases[i].why);
        cr_assert_eq(p.zero_point, cases[i].z, "asymmetric_params(%g, %g): expected zero point %d, got %d (%s). Hint: "
                     "z = round(-128 - lo / s): lo itself maps to -128, and z is rounded to the NEAREST integer "
                     "(rintf), not truncated by a cast, floored or ceiled.", cases[i].lo, cases[i].hi, cases[i].z,
                     p.zero_point, cases[i].why);
    }
}

Test(ex11_3, the_real_zero_round_trips_exactly)
{
    /* The property the widening and the clamp exist for: whatever the range, quantizing 0 and
     * back gives exactly 0. Any zero point inside [-128, 127] has it; for [1, 3] or [-2, -1], which
     * do not hold 0, a range neither widened nor clamped puts z at -256 or 382, off the int8 grid,
     * and 0 comes back as about 1 or -2 (then scale_and_zero_point_by_hand names the mistake). */
    static const float ranges[4][2] = {{-0.37f, 2.9f}, {1.0f, 3.0f}, {-2.0f, -1.0f}, {0.5f, 0.75f}};
    for (int i = 0; i < 4; i++) {
        const quant_params_t p = asymmetric_params(ranges[i][0], ranges[i][1]);
        const float back = p.scale * (float)(quant_quantize_value(0.0f, p) - p.zero_point);
        cr_assert(back == 0.0f, "with your parameters for [%g, %g] (s %g, z %d), 0 comes back as %g. Hint: z must "
                  "be the integer that 0 maps to, inside [-128, 127]: widen [lo, hi] to contain 0 first.",
                  ranges[i][0], ranges[i][1], p.scale, p.zero_point, back);
    }
}

/* --- 11.4 per-channel -------------------------------------------------------------------------- */

/*hint 11.4
1. Which axis of w (channels, per_channel) is the output channel? Each scale belongs to one row.
2. For row o, the largest |w[o][k]| over k sets the scale; another row's weights play no part.
3. scales[o] = max_k |w[o*K + k]| / 127 (1 if the row is all zero); q[o*K + k] = quantize(w[o*K + k], scales[o], 0).
*/
/*note 11.4
Per-channel scales are free in the integer product because output o's scale multiplies output o
only (section 11.6). The same is not true of the input: its scale must be one per tensor, or the
terms of one dot product would have different units. PyTorch calls this quantize_per_channel with
axis 0 for convolution and linear weights (stored (out, in) there; the library stores linear
weights (in, out), hence our transpose).
*/

/*forbid 11.4
-- its twins in common/quant.h: the exercise writes its own
quant_per_channel quant_params_symmetric
*/

static float *channels_of_different_sizes(int O, int K)
{
    float *w = nn_malloc((size_t)O * K * sizeof(float));
    for (int o = 0; o < O; o++)
        for (int k = 0; k < K; k++)
            w[o * K + k] = sinf(1.3f * (float)(o * K + k) + 0.4f) * powf(10.0f, (float)o - 1);
    return w;
}

Test(ex11_4, one_scale_per_row_of_a_3x5_matrix)
{
    enum { O = 3, K = 5 }; /* not square: an axis mix-up shows */
    float *w = channels_of_different_sizes(O, K), sc[O], want_sc[O];
    for (int o = 0; o < O; o++) {
        float m = 0;
        for (int k = 0; k < K; k++)
            m = fmaxf(m, fabsf(w[o * K + k]));
        want_sc[o] = m / 127;
    }
    int8_t q[O * K];
    quantize_per_channel(q, sc, w, O, K);
    for (int o = 0; o < O; o++)
        cr_assert(fabsf(sc[o] - want_sc[o]) <= 1e-6f * want_sc[o],
                  "scale of channel (row) %d: expected max|row| / 127 = %g, got %g. Hint: the rows are 10x apart in "
                  "size: is the maximum of |w| (not of w) taken over the row (k), not over a column or the whole "
                  "tensor?", o,
                  want_sc[o], sc[o]);
    for (int i = 0; i < O * K; i++) {
        const int want = quant_quantize_value(w[i], (quant_params_t){want_sc[i / K], 0});
        cr_assert_eq(q[i], want, "q[%d] (row %d): expected %d, got %d. Hint: each row with its own scale, z = 0.", i,
                     i / K, want, q[i]);
    }
    free(w);
}

Test(ex11_4, a_row_of_zeros_gets_scale_one)
{
    const float w[6] = {0, 0, 0, 0.5f, -1.0f, 0.25f};
    float sc[2];
    int8_t q[6];
    memset(q, 85, sizeof q); /* every q is written: 85 must not survive */
    quantize_per_channel(q, sc, w, 2, 3);
    cr_assert(sc[0] == 1.0f && q[0] == 0 && q[1] == 0 && q[2] == 0, "a row of zeros: expected scale 1 and q = 0, got "
              "scale %g, q %d %d %d. Hint: %s", sc[0], q[0], q[1], q[2],
              sc[0] == 1.0f ? "the row's q must be written too (0 for each zero weight; q held 85 before the call)."
                            : "max|row| = 0 would give a scale of 0 and a division by zero.");
    cr_assert(q[4] == -127 && q[3] == 64 && q[5] == 32, "row 1 (0.5, -1, 0.25) with s = 1/127: expected 64 -127 32, "
              "got %d %d %d. Hint: the largest |w| of a row maps to +-127.", q[3], q[4], q[5]);
}

Test(ex11_4, the_largest_magnitude_may_be_the_first_and_negative)
{
    /* rows (-2, 1, 0.5) and (0.25, -0.5, 1): the largest |w| of row 0 is its FIRST weight, and it is negative.
     * Scales 2 / 127 and 1 / 127; q = (-127, 64, 32) (0.5 / (2/127) = 31.75) and (32, -64, 127) (0.25 x 127 =
     * 31.75, 0.5 x 127 = 63.5 rounds to even 64). A maximum started at row[0] itself (-2) rather than at 0 or
     * |row[0]| finds 1 in row 0, and its q of -2 clamps to -128. */
    const float w[6] = {-2.0f, 1.0f, 0.5f, 0.25f, -0.5f, 1.0f};
    float sc[2];
    int8_t q[6];
    quantize_per_channel(q, sc, w, 2, 3);
    const int want[6] = {-127, 64, 32, 32, -64, 127};
    cr_assert(fabsf(sc[0] - 2.0f / 127) <= 1e-7f && fabsf(sc[1] - 1.0f / 127) <= 1e-7f, "rows (-2, 1, 0.5) and "
              "(0.25, -0.5, 1): expected scales 2/127 = %g and 1/127 = %g, got %g and %g. Hint: the maximum of |w| "
              "over the WHOLE row, its first weight included: start it at 0 (or |row[0]|), not at row[0], which may "
              "be negative", 2.0 / 127, 1.0 / 127, (double)sc[0], (double)sc[1]);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(q[i], want[i], "rows (-2, 1, 0.5) and (0.25, -0.5, 1), q[%d]: expected %d, got %d. Hint: the "
                     "largest |w| of each row, here -2 (the first), maps to -127", i, want[i], q[i]);
}

/* --- 11.5 the straight-through estimator -------------------------------------------------------- */

/*hint 11.5
1. Where is the fake quantizer's output constant in x? There its true derivative is 0.
2. The representable range is [s (-128 - z), s (127 - z)]: the zero point shifts it.
3. dx[i] = dy[i] if s (-128 - z) <= x[i] <= s (127 - z), else 0.
*/
/*note 11.5
The STE is a heuristic, not a derivative, and it works because the rounding error is small and
zero-mean inside the range. Learned-range methods (PACT, LSQ) go one step further and give the
scale itself a gradient, so that training also chooses where to clip. Next: QAT in section 11.8
uses quant_fake_backward, the library's version of this function, at every layer input.
*/

/*forbid 11.5
-- its twins in common/quant.h: the exercise writes its own
quant_fake_backward
*/

Test(ex11_5, passes_inside_the_range_and_stops_outside)
{
    /* s = 0.5, z = 10: range [0.5 (-138), 0.5 (117)] = [-69, 58.5]. A range that ignores z would be
     * [-64, 63.5]: -66 inside, 60 outside tell the two apart. -69.2 and 58.7 lie outside the range but
     * within half a step of its ends: rint(x / s) + z is -128 and 127 there, so a test of the rounded
     * q instead of x (PyTorch's fake_quantize does that) lets them through. */
    const quant_params_t p = {0.5f, 10};
    const float x[9] = {-70.0f, -69.2f, -69.0f, -66.0f, 0.3f, 58.5f, 58.7f, 60.0f, 100.0f};
    const float want[9] = {0, 0, 2, 3, 4, 5, 0, 0, 0};
    float dy[9] = {1, 1, 2, 3, 4, 5, 6, 6, 7}, dx[9];
    for (int i = 0; i < 9; i++)
        dx[i] = 99.0f; /* every dx is written: 99 must not survive */
    fake_quant_backward(dx, dy, x, 9, p);
    for (int i = 0; i < 9; i++)
        cr_assert(dx[i] == want[i], "STE at x = %g (s = 0.5, z = 10, range [-69, 58.5]): expected dx = %g, got %g. "
                  "Hint: %s", x[i], want[i], dx[i],
                  dx[i] == 99.0f ? "dx held 99 before the call and still does: write every entry, 0 outside the "
                                   "range."
                  : x[i] == -69.2f || x[i] == 58.7f
                      ? "the condition is on x itself, s (-128 - z) <= x <= s (127 - z); this x is beyond the end "
                        "although rint(x / s) + z is still in [-128, 127]: do not test the rounded q."
                  : want[i] == 0 ? "outside the range the quantizer's output is constant: its gradient is 0."
                                 : "inside the range, pass dy through; does your range include the zero point's "
                                   "shift?");
}

/* --- 11.6 stochastic rounding ------------------------------------------------------------------ */

/*hint 11.6
1. Rounding up with probability p = frac(v): how does adding a uniform u in [0, 1) and taking the
   floor achieve that?
2. floor(v + u) is floor(v) + 1 exactly when u >= 1 - frac(v), which has probability frac(v).
3. q = clamp(floorf(x / s + rng_uniform(rng)) + z, -128, 127): floorf, not rintf.
*/
/*note 11.6
Stochastic rounding is unbiased, so updates smaller than one step still move a low-precision
weight on average: it is how training in 8 bits or less keeps learning (Gupta et al. 2015). For
inference, rounding to nearest is better: it has half the worst-case error and no noise.
*/

/*forbid 11.6
-- its twins in common/quant.h: the exercise writes its own
quant_quantize_stochastic
*/

Test(ex11_6, unbiased_and_one_of_the_two_neighbours)
{
    rng_t rng;
    rng_seed(&rng, 5);
    enum { N = 20000 };
    const float xs[3] = {0.3f, -0.3f, 2.75f};
    for (int t = 0; t < 3; t++) {
        double mean = 0;
        int outside = 0;
        const float lo = floorf(xs[t]);
        for (int i = 0; i < N; i++) {
            const int q = quantize_stochastic(xs[t], 1.0f, 0, &rng);
            outside += q != (int)lo && q != (int)lo + 1;
            mean += q;
        }
        mean /= N;
        cr_assert_eq(outside, 0, "stochastic rounding of %g: expected only %g or %g, got %d other values. Hint: "
                     "floor(v + u) with u in [0, 1).", xs[t], lo, lo + 1, outside);
        /* binomial mean: standard error at most sqrt(0.25 / 20000) = 0.0035; 5 of them */
        cr_assert(fabs(mean - xs[t]) < 0.018, "mean of %d stochastic roundings of %g: expected %g, got %.4f. Hint: "
                  "rintf(v + u) or rounding to nearest is biased; floorf(v + u) is not.", N, xs[t], xs[t], mean);
    }
    cr_assert_eq(quantize_stochastic(0.0f, 1.0f, 5, &rng), 5, "x = 0 with z = 5 must give 5. Hint: add the zero point.");
    cr_assert_eq(quantize_stochastic(1000.0f, 1.0f, 0, &rng), 127, "1000 must clamp to 127. Hint: clamp to [-128, 127].");
}

Test(ex11_6, rounds_x_over_s_in_units_of_the_step)
{
    /* s = 0.25, z = -3: x = 0.3 is v = x / s = 1.2 steps, so q is 1 + 1 - 3 = -1 with probability 0.2
     * and 1 - 3 = -2 otherwise, mean 1.2 - 3 = -1.8. Adding u to x before the division by s (u is a
     * fraction of a STEP, not of a unit of x), or ignoring s, lands on other integers. */
    rng_t rng;
    rng_seed(&rng, 6);
    enum { N = 20000 };
    double mean = 0;
    int outside = 0;
    for (int i = 0; i < N; i++) {
        const int q = quantize_stochastic(0.3f, 0.25f, -3, &rng);
        outside += q != -2 && q != -1;
        mean += q;
    }
    mean /= N;
    /* binomial mean: standard error sqrt(0.2 * 0.8 / 20000) = 0.0028; about 6 of them */
    cr_assert(outside == 0 && fabs(mean + 1.8) < 0.018, "x = 0.3, s = 0.25, z = -3 (v = x / s = 1.2): expected -2 or "
              "-1, mean -1.8; got %d other values, mean %.4f. Hint: divide x by s first, then add u (a fraction of "
              "one step) and take the floor: floorf(x / s + u) + z.", outside, mean);
}

Test(ex11_6, the_clamp_comes_after_the_zero_point)
{
    /* The clamp is on the final q = floor(x / s + u) + z. x = 1000, s = 1, z = -3: q = 997 clamps to 127 (clamping
     * floor(...) to 127 first and then adding z gives 124). x = -130, s = 1, z = 5: x / s + u lies in [-130, -129),
     * so floor is -130 whatever u, and q = -125 needs no clamp (clamping -130 to -128 first gives -123). */
    rng_t rng;
    rng_seed(&rng, 7);
    const int hi = quantize_stochastic(1000.0f, 1.0f, -3, &rng), lo = quantize_stochastic(-130.0f, 1.0f, 5, &rng);
    cr_assert(hi == 127 && lo == -125, "quantize_stochastic(1000, s = 1, z = -3) and (-130, s = 1, z = 5): expected "
              "127 and -125, got %d and %d. Hint: clamp the final q = floor(x / s + u) + z to [-128, 127], after "
              "adding the zero point, not floor(x / s + u) before it", hi, lo);
}

/* --- 11.7 the int8 linear layer ---------------------------------------------------------------- */

/*hint 11.7
1. Section 11.6 writes the layer as s_x s_o times an integer sum, plus the bias: which integers are
   multiplied in that sum, and what is done with the input's zero point?
2. Accumulate in an int32_t: two products of 255 x 127 already pass int16's 32767, and a float
   holds every integer only up to 2^24 (16.8 million), which such sums pass after about 520 terms.
   Each output o has its own weight scale sw[o].
3. acc = sum_k (qa[i*K + k] - z_x) * qw[o*K + k] (int32); y[i*O + o] = s_x * sw[o] * acc + b[o].
*/
/*note 11.7
The fast version does the zero-point subtraction once per layer instead of once per term:
sum (q_a - z) q_w = sum q_a q_w - z sum q_w, with sum q_w precomputed (qlayer_forward). A deployed
int8 model also folds s_x s_o / s_y into an integer multiplier and shift, so that the layer writes
int8 for the next one without ever touching a float (Jacob et al. 2018, "Quantization and training
of neural networks for efficient integer-arithmetic-only inference").
*/

/*forbid 11.7
-- its twins in common/qgemm.h: the exercise writes its own
qgemm_s8 qgemm_s8_path
*/

/* y (B, O) recomputed in double from the dequantized values: the definition. */
static void int8_linear_double(double *y, const int8_t *qa, quant_params_t pa, const int8_t *qw, const float *sw,
                               const float *b, int B, int K, int O)
{
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += (double)pa.scale * ((int)qa[i * K + k] - pa.zero_point) * (double)sw[o] * qw[o * K + k];
            y[i * O + o] = s + b[o];
        }
}

Test(ex11_7, matches_the_dequantized_float_layer)
{
    enum { B = 3, K = 37, O = 5 };
    rng_t rng;
    rng_seed(&rng, 7);
    int8_t qa[B * K], qw[O * K];
    float sw[O], b[O], y[B * O];
    double want[B * O];
    for (int i = 0; i < B * K; i++)
        qa[i] = (int8_t)((int)rng_below(&rng, 256) - 128);
    for (int i = 0; i < O * K; i++)
        qw[i] = (int8_t)((int)rng_below(&rng, 255) - 127);
    for (int o = 0; o < O; o++)
        sw[o] = 0.001f * (float)(1 << o), b[o] = 0.1f * (float)o - 0.2f; /* channel scales 1, 2, 4, 8, 16 x 0.001 */
    const quant_params_t pa = {0.02f, -37};
    int8_linear(y, qa, pa, qw, sw, b, B, K, O);
    int8_linear_double(want, qa, pa, qw, sw, b, B, K, O);
    for (int i = 0; i < B * O; i++)
        cr_assert(fabs(y[i] - want[i]) <= 1e-5 * (1 + fabs(want[i])),
                  "y[%d] (example %d, output %d; channel scale sw[%d] = %g): expected %.6g, got %.6g. Hint: y = s_x "
                  "sw[o] sum_k (qa - z_x) qw + b[o]: is the zero point subtracted from every input, and does each "
                  "output use its own channel's scale?", i, i / O, i % O, i % O, sw[i % O], want[i], y[i]);
}

Test(ex11_7, sums_of_400_extreme_products_need_int32)
{
    enum { K = 400, O = 2 };
    static int8_t qa[K], qw[O * K];
    for (int k = 0; k < K; k++)
        qa[k] = 127, qw[k] = 127, qw[K + k] = -128;
    const quant_params_t pa = {1.0f / 1024, -128}; /* q - z = 255 for every input */
    const float sw[O] = {1.0f / 1024, 1.0f / 1024}, b[O] = {0, 0};
    float y[O];
    int8_linear(y, qa, pa, qw, sw, b, 1, K, O);
    /* 400 * 255 * 127 = 12,954,000 and 400 * 255 * (-128) = -13,056,000, times 2^-20 */
    const double want0 = 12954000.0 / 1048576, want1 = -13056000.0 / 1048576;
    cr_assert(fabs(y[0] - want0) < 1e-3 && fabs(y[1] - want1) < 1e-3,
              "400 products of 255 x 127 (and x -128), times 2^-20: expected %.4f and %.4f, got %.4f and %.4f. Hint: "
              "every input is q = 127 with z = -128, so q - z = 255: is z subtracted, and is the sum kept in an "
              "int32_t? (an int16 accumulator overflows after a few of these terms)", want0, want1, y[0],
              y[1]);
}

Test(ex11_7, sums_beyond_2_24_need_an_integer_accumulator)
{
    /* K = 1024 terms of 255 x 127 = 32385: the exact sum 33,162,240 = 32385 * 2^10 is a float, and so is y =
     * 32385 / 1024 = 31.6259765625 (the scales are powers of two). The partial sums pass 2^24 after 519 terms,
     * beyond which a float holds only even integers: a float accumulator (or a sum of dequantized float
     * terms) rounds at every addition after that and ends about 500 units of 2^-20 away. An int32 sum is
     * exact, and so is every correct y, to the last bit. */
    enum { K = 1024, O = 2 };
    static int8_t qa[K], qw[O * K];
    for (int k = 0; k < K; k++)
        qa[k] = 127, qw[k] = 127, qw[K + k] = -127;
    const quant_params_t pa = {1.0f / 1024, -128};
    const float sw[O] = {1.0f / 1024, 1.0f / 1024}, b[O] = {0, 0};
    float y[O];
    int8_linear(y, qa, pa, qw, sw, b, 1, K, O);
    const double want = 33162240.0 / 1048576;
    cr_assert(fabs(y[0] - want) < 1e-6 && fabs(y[1] + want) < 1e-6,
              "1024 products of 255 x 127 (and x -127), times 2^-20: expected %.10g and %.10g exactly, got %.10g "
              "and %.10g. Hint: a float holds integers exactly only up to 2^24 = 16,777,216, which these partial "
              "sums pass: accumulate sum_k (qa - z_x) qw in an int32_t, and convert to float once, at the end.",
              want, -want, y[0], y[1]);
}

/* --- 11.8 the magnitude mask ------------------------------------------------------------------ */

/*hint 11.8
1. Section 11.10 ranks weights by what removing them costs: is -0.9 a small weight? How many are
   kept at sparsity s, and which of several equal magnitudes?
2. Sort a copy of the magnitudes |w| to find the k-th largest one, t. Everything above t is kept;
   of the weights exactly at t, only as many as are needed to make k, first index first.
3. k = lround((1.0 - s) * n) in double; t = the k-th largest |w|; mask[i] = 1 if |w_i| > t, or if
   |w_i| == t and fewer than k - #(|w| > t) ties have been kept so far (scanning i upwards); else 0.
*/
/*note 11.8
Magnitude is the cheapest of the pruning criteria: it reads the weights and nothing else. Better
ones use data: the movement of a weight during fine-tuning (movement pruning), or the product
|w g| of the weight and its gradient (a first-order Taylor estimate, used for structured pruning
of filters). Iterating prune-and-fine-tune in small steps (to 20%, then 36%, ...) reaches higher
sparsities than one large step. Next: section 11.11, the lottery ticket, asks what the mask alone
is worth.
*/

static int mask_sum(const float *mask, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += mask[i] != 0.0f;
    return k;
}

static void mask_text(char *out, const float *mask, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = mask[i] != 0.0f ? '1' : '0';
    out[n] = 0;
}

Test(ex11_8, keeps_the_largest_magnitudes)
{
    /* |w| = 0.5 3 1 0.2 2 0 0.7 0.1; s = 0.5 keeps 4: the 3, the 2, the 1 and the 0.7 */
    const float w[8] = {0.5f, -3.0f, 1.0f, -0.2f, 2.0f, 0.0f, -0.7f, 0.1f};
    float mask[8], scratch[8];
    char got[9];
    for (int i = 0; i < 8; i++)
        mask[i] = 1.0f; /* a mask buffer used before: every entry must be written */
    magnitude_mask(mask, scratch, w, 8, 0.5f);
    mask_text(got, mask, 8);
    cr_assert_str_eq(got, "01101010", "mask of w = (0.5, -3, 1, -0.2, 2, 0, -0.7, 0.1) at sparsity 0.5: expected "
                     "01101010 (keep -3, 2, 1, -0.7), got %s. Hint: %s", got,
                     !strcmp(got, "10101001") ? "you kept the largest SIGNED values: -3 is the largest magnitude."
                     : !strcmp(got, "10010101") ? "you kept the smallest magnitudes: pruning removes them."
                     : !strcmp(got, "11111111") ? "the mask held 1 everywhere before the call: write every entry, 0 "
                                                  "for a pruned weight."
                                                : "rank by |w|, keep the largest.");
    for (int i = 0; i < 8; i++)
        cr_assert(mask[i] == 0.0f || mask[i] == 1.0f, "mask[%d] = %g: expected 0 or 1. Hint: the mask multiplies the "
                  "weights.", i, mask[i]);
}

Test(ex11_8, keeps_round_of_1_minus_s_times_n)
{
    /* distinct magnitudes 1..n (sign alternating): the kept ones must be the k largest */
    static const struct {
        int n;
        float s;
        int k;
    } cases[] = {{7, 0.5f, 4}, {6, 0.75f, 2}, {10, 0.25f, 8}, {5, 0.0f, 5}, {9, 0.5f, 5}, {4, 0.9f, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const int n = cases[c].n;
        float w[10], mask[10], scratch[10];
        for (int i = 0; i < n; i++)
            w[i] = (float)((i * 11) % n + 1) * (i % 2 ? -1.0f : 1.0f); /* 11 is prime to every n here */
        magnitude_mask(mask, scratch, w, (size_t)n, cases[c].s);
        const int got = mask_sum(mask, n);
        cr_assert_eq(got, cases[c].k, "n = %d, sparsity %g: expected round((1 - s) n) = %d weights kept, got %d. Hint: "
                     "k = lround((1 - s) n) with halves rounded up; removing round(s n) is one too many when s n "
                     "ends in .5, and floor is one too few.", n, (double)cases[c].s, cases[c].k, got);
        int wrong = 0;
        for (int i = 0; i < n; i++)
            wrong += (mask[i] != 0.0f) != (fabsf(w[i]) > (float)(n - cases[c].k));
        cr_assert_eq(wrong, 0, "n = %d, sparsity %g: %d weights kept or dropped wrongly (the %d largest |w| must be "
                     "kept). Hint: rank by |w|.", n, (double)cases[c].s, wrong, cases[c].k);
    }
}

Test(ex11_8, ties_keep_the_smaller_index)
{
    /* four weights of magnitude 1, three to keep: indices 0, 1, 3 (the first three of them) */
    const float w[6] = {1.0f, -1.0f, 0.5f, 1.0f, -0.25f, 1.0f};
    float mask[6] = {1, 1, 1, 1, 1, 1}, scratch[6]; /* a mask buffer used before: every entry must be written */
    char got[7];
    magnitude_mask(mask, scratch, w, 6, 0.5f);
    mask_text(got, mask, 6);
    cr_assert_str_eq(got, "110100", "mask of (1, -1, 0.5, 1, -0.25, 1) at sparsity 0.5: expected 110100 (three of "
                     "the four weights of magnitude 1, the first three), got %s. Hint: %s", got,
                     mask_sum(mask, 6) == 6 ? "the mask held 1 everywhere before the call: write every entry, 0 "
                                              "for a pruned weight."
                     : mask_sum(mask, 6) > 3 ? "keeping every |w| >= t keeps all the ties; keep exactly k, smaller "
                                               "index first."
                                             : "rank by |w|, and among equal |w| keep the smaller index.");
    const float zeros[4] = {0, 0, 0, 0};
    magnitude_mask(mask, scratch, zeros, 4, 0.5f);
    mask_text(got, mask, 4);
    cr_assert_str_eq(got, "1100", "mask of four zeros at sparsity 0.5: expected 1100, got %s. Hint: all four tie; "
                     "keep k = 2 of them, the first two.", got);
}

Test(ex11_8, nothing_kept_when_k_is_zero)
{
    /* n = 4 at sparsity 0.9: k = round(0.1 x 4) = round(0.4) = 0, so every weight is pruned. The k-th largest
     * magnitude does not exist then: scratch[n - k] is scratch[n], one past the n sorted magnitudes. Here the
     * scratch buffer has a fifth float, 0, after them (in keeps_round_of_1_minus_s_times_n it held a leftover
     * magnitude from an earlier case, larger than every weight, which hid the mistake): a threshold of 0 read
     * there makes every weight "above" it. */
    const float w[4] = {0.5f, -2.0f, 1.5f, -0.25f};
    float mask[4] = {1, 1, 1, 1}, scratch[5] = {0, 0, 0, 0, 0};
    char got[5];
    magnitude_mask(mask, scratch, w, 4, 0.9f);
    mask_text(got, mask, 4);
    cr_assert_str_eq(got, "0000", "mask of (0.5, -2, 1.5, -0.25) at sparsity 0.9: k = round(0.4) = 0, expected "
                     "0000, got %s. Hint: when k = 0 there is no k-th largest magnitude: scratch[n - k] is "
                     "scratch[n], past the end of the n sorted values; keep nothing (and write 0 everywhere).", got);
}

typedef struct {
    float a;
    int i;
} ranked_t;

static int by_magnitude_then_index(const void *x, const void *y)
{
    const ranked_t *p = x, *q = y;
    if (p->a != q->a)
        return p->a > q->a ? -1 : 1;
    return p->i - q->i;
}

Test(ex11_8, agrees_with_a_full_sort_on_random_weights)
{
    enum { N = 1000 };
    static float w[N], mask[N], scratch[N], want[N];
    static ranked_t r[N];
    rng_t rng;
    rng_seed(&rng, 8);
    int bad = 0;
    const float sparsities[3] = {0.3f, 0.9f, 0.999f};
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < N; i++) /* rounded to 1/64: plenty of ties */
            w[i] = rintf(rng_normal(&rng) * 64) / 64, r[i] = (ranked_t){fabsf(w[i]), i}, want[i] = 0;
        qsort(r, N, sizeof *r, by_magnitude_then_index);
        const long k = lround((1.0 - (double)sparsities[t]) * N);
        for (long j = 0; j < k; j++)
            want[r[j].i] = 1;
        magnitude_mask(mask, scratch, w, N, sparsities[t]);
        for (int i = 0; i < N; i++)
            bad += mask[i] != want[i];
    }
    cr_assert_eq(bad, 0, "on 1000 random weights (rounded to 1/64, so many ties) at sparsities 0.3, 0.9, 0.999: %d "
                 "mask entries differ from a sort by (|w| descending, index ascending). Hint: the tests above show "
                 "which rule is off.", bad);
}

/* --- 11.9 the loss-scale update ---------------------------------------------------------------- */

/*hint 11.9
1. Section 11.13: what does an infinite gradient say about S, and may such a step touch the
   master weights? What must have happened before S is allowed to grow?
2. Two cases. Overflow: the step is skipped and S was too large. No overflow: the step is
   applied, and one more clean step is counted; only the N-th clean step in a row doubles S.
3. overflow: S /= 2, clean = 0, return 0. Otherwise: clean += 1; if clean == N: S *= 2,
   clean = 0; return 1.
*/
/*note 11.9
This is exactly torch.cuda.amp.GradScaler's rule (growth factor 2, backoff factor 0.5, growth
interval 2000), and the one NVIDIA's Apex and most frameworks use. Because a skipped step costs a
whole forward and backward pass, the interval is long: S spends most of the run just below the
size at which the largest gradients overflow. Some scalers keep one S per layer instead, since
the layers' gradients differ by orders of magnitude. bf16, with float32's range, needs none of
this, which is much of why it replaced fp16 for training. Next: section 11.14.
*/

/* Applies a sequence of steps (1 = the step's gradients overflowed) and writes what happened:
 * per step 'A' (applied) or 's' (skipped), then the final S and count. */
static void scale_run(char *out, loss_scale_t *ls, const char *overflows, int interval)
{
    int k = 0;
    for (const char *c = overflows; *c; c++)
        out[k++] = loss_scale_update(ls, *c == '1', interval) ? 'A' : 's';
    out[k] = 0;
}

Test(ex11_9, overflow_halves_resets_and_skips)
{
    loss_scale_t ls = {1024.0f, 3};
    const int apply = loss_scale_update(&ls, 1, 4);
    cr_assert_eq(apply, 0, "an overflowing step (S 1024, 3 clean steps, N 4) was applied: expected 0 (skip), got %d. "
                 "Hint: an inf or NaN gradient would poison the master weights and Adam's moments; skip the step.",
                 apply);
    cr_assert_eq(ls.scale, 512.0f, "S after an overflow at S = 1024: expected 512, got %g. Hint: halve S.",
                 (double)ls.scale);
    cr_assert_eq(ls.clean, 0, "the clean count after an overflow (it was 3): expected 0, got %d. Hint: the count is "
                 "of clean steps IN A ROW; an overflow breaks the row.", ls.clean);
}

Test(ex11_9, a_clean_step_is_applied_and_counted)
{
    loss_scale_t ls = {1024.0f, 1};
    const int apply = loss_scale_update(&ls, 0, 4);
    cr_assert_eq(apply, 1, "a clean step (no overflow): expected 1 (apply), got %d. Hint: finite gradients are "
                 "applied.", apply);
    cr_assert(ls.scale == 1024.0f && ls.clean == 2, "S 1024, count 1, N 4, a clean step: expected S 1024 and count "
              "2, got S %g and count %d. Hint: %s", (double)ls.scale, ls.clean,
              ls.scale != 1024.0f ? "S changes only after N clean steps in a row, not after every step."
                                  : "count the clean step.");
}

Test(ex11_9, doubles_after_n_clean_steps_in_a_row)
{
    /* N = 3 from S = 8, count 0: steps clean clean clean -> 16 (count 0); clean clean -> count 2;
     * overflow -> 8, count 0, skipped; clean clean clean -> 16, count 0 */
    loss_scale_t ls = {8.0f, 0};
    char got[32];
    scale_run(got, &ls, "111", 3); /* warm-up: three overflows, 8 -> 1 */
    cr_assert_str_eq(got, "sss", "three overflows: expected three skipped steps (sss), got %s. Hint: skip on "
                     "overflow.", got);
    cr_assert_eq(ls.scale, 1.0f, "S after three overflows from 8: expected 1, got %g. Hint: halve on each.",
                 (double)ls.scale);
    ls = (loss_scale_t){8.0f, 0};
    scale_run(got, &ls, "000", 3);
    cr_assert(ls.scale == 16.0f && ls.clean == 0, "S 8, N 3, three clean steps: expected S 16 and count 0, got S %g "
              "and count %d. Hint: %s", (double)ls.scale, ls.clean,
              ls.scale == 64.0f ? "you doubled after every step; double only when the count reaches N."
              : ls.scale == 8.0f ? "double S when the count of clean steps reaches N."
                                 : "after doubling, the count starts again from 0.");
    scale_run(got + 3, &ls, "001000", 3);
    cr_assert_str_eq(got, "AAAAAsAAA", "S 8, N 3, steps clean x5, overflow, clean x3: expected AAAAAsAAA, got %s. "
                     "Hint: A is an applied step, s a skipped one; only the overflow is skipped.", got);
    cr_assert(ls.scale == 16.0f && ls.clean == 0, "S 8, N 3, steps clean x5, overflow, clean x3: expected S 16 "
              "(8 -> 16 -> 8 -> 16) and count 0, got S %g and count %d. Hint: %s", (double)ls.scale, ls.clean,
              ls.scale == 32.0f ? "after the overflow the count must start again from 0: the two clean steps "
                                  "before it do not count toward the next doubling."
                                : "halve on overflow and reset the count; double on the N-th clean step in a row.");
}

Test(ex11_9, a_long_clean_run_doubles_every_n_steps)
{
    loss_scale_t ls = {1.0f, 0};
    int applied = 0;
    for (int s = 0; s < 2000; s++)
        applied += loss_scale_update(&ls, 0, 100);
    cr_assert(ls.scale == 1048576.0f && ls.clean == 0 && applied == 2000,
              "2000 clean steps from S 1 with N 100: expected S 2^20 = 1048576, count 0, 2000 applied; got S %g, "
              "count %d, %d applied. Hint: one doubling per N clean steps: 2000 / 100 = 20 doublings.",
              (double)ls.scale, ls.clean, applied);
}

/* --- fp16 and bf16 rounding (section 11.13's statements about the formats) ---------------------- */

Test(ch11, fp16_rounding_follows_the_ieee_rules_of_the_prose)
{
    const struct {
        float x, fp16;
        const char *why;
    } cases[] = {
        {65504.0f, 65504.0f, "the largest fp16, (2 - 2^-10) 2^15"},
        {65519.0f, 65504.0f, "below the half-way point 65520: rounds down"},
        {65520.0f, INFINITY, "exactly half-way to 65536, ties to even: 65536, which overflows"},
        {1e-8f, 0.0f, "below half the smallest subnormal 2^-24: 0"},
        {3e-8f, 5.9604644775390625e-08f, "just above half of 2^-24: the smallest subnormal"},
        {5.9604644775390625e-08f, 5.9604644775390625e-08f, "2^-24, the smallest subnormal"},
        {6.103515625e-05f, 6.103515625e-05f, "2^-14, the smallest normal"},
        {1.0f + 0.00048828125f, 1.0f, "1 + 2^-11: half-way between 1 and 1 + 2^-10, ties to even: 1"},
        {-70000.0f, -INFINITY, "overflow keeps the sign"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const float got = to_fp16(cases[i].x);
        cr_assert(got == cases[i].fp16, "(_Float16)%.9g: expected %.9g (%s), got %.9g", (double)cases[i].x,
                  (double)cases[i].fp16, cases[i].why, (double)got);
    }
    size_t flushed = 0, sub = 0;
    float v[4] = {1e-8f, 1e-6f, 1.0f, 70000.0f};
    const int bad = store_as(FMT_FP16, v, 4, &flushed, &sub);
    cr_assert(flushed == 1 && sub == 1 && bad == 1, "store_as fp16 of (1e-8, 1e-6, 1, 70000): expected 1 flushed, "
              "1 subnormal, an overflow; got %zu, %zu, %d", flushed, sub, bad);
    cr_assert(to_bf16(1e-30f) > 0.9e-30f && to_bf16(70000.0f) == 70144.0f,
              "bf16 keeps float32's range: 1e-30 -> %g, 70000 -> %g (expected about 1e-30 and 70144)",
              (double)to_bf16(1e-30f), (double)to_bf16(70000.0f));
}

Test(ch11, pruning_per_layer_keeps_each_layers_share_and_the_biases)
{
    lenet_t m;
    rng_t rng;
    rng_seed(&rng, 3);
    cr_assert_eq(lenet_new(&m, LENET_5, 4), 0);
    lenet_init(&m, &rng);
    for (size_t i = 0; i < m.n_params; i++) /* non-zero biases, to see that they are kept */
        m.params[i] += 0.01f;
    float *mask = nn_malloc(m.n_params * sizeof(float));
    prune_per_layer(mask, &m, 0.9f);
    weight_block_t wb[NLAYERS];
    weight_blocks(wb, &m);
    size_t kept_weights = 0, total_weights = 0;
    for (int l = 0; l < NLAYERS; l++) {
        const size_t k = (size_t)mask_sum(mask + wb[l].offset, (int)wb[l].count);
        cr_assert_eq(k, (size_t)lround(0.1 * (double)wb[l].count), "layer %d: %zu of %zu weights kept at 90%%", l, k,
                     wb[l].count);
        kept_weights += k, total_weights += wb[l].count;
    }
    cr_assert_eq((size_t)mask_sum(mask, (int)m.n_params), kept_weights + (m.n_params - total_weights),
                 "every bias is kept (mask 1)");
    free(mask), lenet_free(&m);
}

Test(ch11, structured_pruning_gives_the_smaller_dense_network)
{
    /* Removing half of the units of each hidden layer must leave exactly the parameters of a LeNet
     * 3-8-60-42: the removed units' incoming weights, biases and outgoing weights are all masked. */
    lenet_t m;
    rng_t rng;
    rng_seed(&rng, 4);
    cr_assert_eq(lenet_new(&m, LENET_5, 4), 0);
    lenet_init(&m, &rng);
    for (size_t i = 0; i < m.n_params; i++)
        m.params[i] += 0.01f;
    float *mask = nn_malloc(m.n_params * sizeof(float));
    int kept[4];
    prune_structured(mask, kept, &m, 0.5f);
    cr_assert(kept[0] == 3 && kept[1] == 8 && kept[2] == 60 && kept[3] == 42, "kept %d %d %d %d units, expected 3 8 "
              "60 42", kept[0], kept[1], kept[2], kept[3]);
    const size_t want = lenet_size((lenet_config_t){3, 8, 60, 42});
    cr_assert_eq((size_t)mask_sum(mask, (int)m.n_params), want, "mask keeps %d parameters, a LeNet 3-8-60-42 has %zu",
                 mask_sum(mask, (int)m.n_params), want);
    cr_assert_eq(lenet_size(LENET_5), m.n_params, "lenet_size(LeNet-5) = %zu, expected %zu", lenet_size(LENET_5),
                 m.n_params);
    free(mask), lenet_free(&m);
}

/* --- ch11: the distillation loss (section 11.12) ---------------------------------------------- */

Test(ch11, distillation_gradient_matches_centered_differences)
{
    /* dL/dz against (L(z + h e_i) - L(z - h e_i)) / 2h, for random logits of 3 examples and 10
     * classes. L is computed in double from float logits: with h about 1e-2 the truncation error is
     * O(h^2) (about 1e-5 here) and the rounding of z + h is accounted for by dividing by the step
     * actually taken. Bound: 1e-4 absolute, for gradients of size about 0.1. */
    enum { B = 3, C = 10 };
    rng_t rng;
    rng_seed(&rng, 12);
    float z[B * C], zt[B * C], dz[B * C], scratch[B * C];
    int y[B];
    for (int i = 0; i < B * C; i++)
        z[i] = 3 * rng_normal(&rng), zt[i] = 3 * rng_normal(&rng);
    for (int b = 0; b < B; b++)
        y[b] = (int)rng_below(&rng, C);
    const float temps[2] = {1.0f, 3.0f}, alphas[2] = {0.3f, 0.9f};
    for (int c = 0; c < 2; c++) {
        distill_loss(dz, z, zt, y, B, C, temps[c], alphas[c]);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < B * C; i++) {
            const float z0 = z[i], zp = z0 + 0.01f, zm = z0 - 0.01f;
            z[i] = zp;
            const double lp = distill_loss(scratch, z, zt, y, B, C, temps[c], alphas[c]);
            z[i] = zm;
            const double lm = distill_loss(scratch, z, zt, y, B, C, temps[c], alphas[c]);
            z[i] = z0;
            const double num = (lp - lm) / ((double)zp - (double)zm), err = fabs(num - dz[i]);
            if (err > worst)
                worst = err, at = i;
        }
        cr_assert(worst < 1e-4, "T = %g, alpha = %g: dL/dz[%d] = %g but centered differences give a value %g away "
                  "(bound 1e-4)", (double)temps[c], (double)alphas[c], at, (double)dz[at], worst);
    }
}

Test(ch11, distillation_at_high_temperature_matches_logits)
{
    /* Section 11.12: for zero-mean logits and a large T, dKL/dz_i -> (z_i - v_i) / (N T^2), so the
     * T^2-weighted soft gradient (alpha = 1) of one example is about (z_i - v_i) / N, whatever T. And a
     * student equal to its teacher has a soft loss of 0 and no gradient. */
    enum { C = 10 };
    rng_t rng;
    rng_seed(&rng, 13);
    float z[C], v[C], dz[C];
    double mz = 0, mv = 0;
    for (int i = 0; i < C; i++)
        z[i] = rng_normal(&rng), v[i] = rng_normal(&rng), mz += z[i] / C, mv += v[i] / C;
    for (int i = 0; i < C; i++)
        z[i] -= (float)mz, v[i] -= (float)mv;
    const int y[1] = {2};
    const float T = 100.0f;
    distill_loss(dz, z, v, y, 1, C, T, 1.0f);
    double worst = 0, size = 0; /* the largest error, relative to the largest component */
    for (int i = 0; i < C; i++)
        worst = fmax(worst, fabs(dz[i] - (z[i] - v[i]) / C)), size = fmax(size, fabs(z[i] - v[i]) / C);
    worst /= size;
    cr_assert(worst < 0.03, "at T = 100 the T^2-weighted soft gradient should be (z - v) / N within 3%%, off by %.1f%%",
              100 * worst);
    const double l = distill_loss(dz, z, z, y, 1, C, 4.0f, 1.0f);
    float most = 0;
    for (int i = 0; i < C; i++)
        most = fmaxf(most, fabsf(dz[i]));
    cr_assert(fabs(l) < 1e-9 && most < 1e-7, "a student equal to its teacher: expected loss 0 and gradient 0, got %g "
              "and %g", l, (double)most);
}

/* --- ch11: a calibration set of zero images ----------------------------------------------------- */

static void calibrate_on_black_images(void *arg)
{
    (void)arg;
    lenet_t m;
    rng_t rng;
    rng_seed(&rng, 1);
    if (lenet_new(&m, LENET_5, 16) != 0)
        exit(9);
    lenet_init(&m, &rng);
    static float black[10 * 784]; /* ten images, every pixel 0 */
    quant_params_t in[NLAYERS];
    exit(calibrate(in, &m, black, 10, 100.0f) == -1 ? 7 : 0);
}

static void calibrate_on_no_images(void *arg)
{
    (void)arg;
    lenet_t m;
    if (lenet_new(&m, LENET_5, 16) != 0)
        exit(9);
    quant_params_t in[NLAYERS];
    float none[1];
    exit(calibrate(in, &m, none, 0, 100.0f) == -1 ? 7 : 0);
}

Test(ch11, a_calibration_set_of_zero_images_is_an_error)
{
    char err[4096];
    int st = capture_stderr(calibrate_on_black_images, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "calibrate on ten all-black images: expected -1 (status 7), got status %d: %s", st, err);
    cr_assert(strstr(err, "conv1 input") && strstr(err, "all-zero") && strstr(err, "hint:"), "message: %s", err);
    st = capture_stderr(calibrate_on_no_images, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "calibrate on 0 images: expected -1 (status 7), got status %d: %s", st, err);
    cr_assert(strstr(err, "at least 1 image") && strstr(err, "hint:"), "message: %s", err);
}

Test(ch11, the_int8_network_agrees_with_fake_quantization)
{
    /* The int8 engine (qgemm, integer sums) and the float simulation (fake quantization of weights
     * and inputs) compute the same network: their logits agree up to float rounding. */
    lenet_t m;
    rng_t rng;
    rng_seed(&rng, 2);
    cr_assert_eq(lenet_new(&m, LENET_5, 8), 0);
    lenet_init(&m, &rng);
    static float x[8 * 784];
    for (int i = 0; i < 8 * 784; i++)
        x[i] = rng_uniform(&rng);
    quant_params_t in[NLAYERS];
    cr_assert_eq(calibrate(in, &m, x, 8, 100.0f), 0);
    qnet_t q;
    qnet_new(&q, &m, in, 1, 8);
    const float *zq = qnet_forward(&q, x, 8);
    qat_t t;
    cr_assert_eq(qat_new(&t, &m, in), 0);
    fake_quant_weights(&t.fq, &m, 1, 8);
    const float *zf = qat_forward(&t, x, 8);
    float worst = 0, scale = 0;
    for (int i = 0; i < 80; i++)
        worst = fmaxf(worst, fabsf(zq[i] - zf[i])), scale = fmaxf(scale, fabsf(zf[i]));
    /* an input sitting on a rounding tie can land one step apart in the two: a small difference */
    cr_assert(worst <= 0.05f * scale, "int8 network vs fake quantization: largest logit difference %g (logits up to %g)",
              worst, scale);
    qnet_free(&q), qat_free(&t), lenet_free(&m);
}

/* --- ch11: the ONNX files (section 11.14) -------------------------------------------------------- */

#ifndef ONNX_CHECK_SCRIPT
#define ONNX_CHECK_SCRIPT "chapters/11_quantization/onnx/check_onnx.py"
#endif

static void write_floats(const char *dir, const char *name, const float *v, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(v, sizeof *v, n, f) == n && fclose(f) == 0, "cannot write %s", path);
}

Test(ch11, the_onnx_files_pass_the_checker_and_compute_the_same_logits)
{
    /* A LeNet with its initial (random) weights, calibrated on eight random images, exported; the
     * Python side (Debian's python3-onnx) checks both files and recomputes their logits with numpy
     * from the initializers alone. */
    enum { N = 8 };
    lenet_t m;
    rng_t rng;
    rng_seed(&rng, 5);
    cr_assert_eq(lenet_new(&m, LENET_5, N), 0);
    lenet_init(&m, &rng);
    static float x[N * 784], zf[N * 10];
    for (int i = 0; i < N * 784; i++)
        x[i] = rng_uniform(&rng);
    quant_params_t in[NLAYERS];
    cr_assert_eq(calibrate(in, &m, x, N, 100.0f), 0);
    qnet_t q;
    qnet_new(&q, &m, in, 1, N);
    char dir[] = "/tmp/nn-onnx-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(export_onnx(dir, &m, &q), 0, "export_onnx into %s failed", dir);
    memcpy(zf, lenet_forward(&m, x, N), sizeof zf);
    write_floats(dir, "images.f32", x, N * 784);
    write_floats(dir, "logits_fp32.f32", zf, N * 10);
    write_floats(dir, "logits_int8.f32", qnet_forward(&q, x, N), N * 10);
    char cmd[8192], out[8192] = "";
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' %d 2>&1", ONNX_CHECK_SCRIPT, dir, N);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = 0;
    const int st = pclose(p), code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
    qnet_free(&q), lenet_free(&m);
    if (code == 77 || code == 127)
        cr_skip_test("the ONNX check needs Debian's python3-onnx and python3-numpy (apt-get install python3-onnx "
                     "python3-numpy): %s", out);
    cr_log_info("%s", out);
    cr_assert_eq(code, 0, "%s exited with %d:\n%s\nHint: the file's graph (section 11.14) does not compute what the C "
                 "network computes; the MISMATCH lines say which model and how.", ONNX_CHECK_SCRIPT, code, out);
}

static void export_into_a_file(void *arg)
{
    (void)arg;
    lenet_t m;
    rng_t rng;
    rng_seed(&rng, 1);
    if (lenet_new(&m, LENET_5, 4) != 0)
        exit(9);
    lenet_init(&m, &rng);
    /* /dev/null is a file, not a directory: nothing can be created under it, not even by root */
    exit(export_onnx("/dev/null/onnx", &m, NULL) == -1 ? 7 : 0);
}

Test(ch11, exporting_onnx_into_an_unwritable_directory_is_an_error)
{
    char err[4096];
    int st = capture_stderr(export_into_a_file, NULL, err, sizeof err);
    cr_assert_eq(st, 7, "export_onnx into /dev/null/onnx: expected -1 (status 7), got status %d: %s", st, err);
    cr_assert(strstr(err, "/dev/null/onnx") && strstr(err, "hint:"), "message: %s", err);
}
