/* test_08_rnn_lstm.c — the grader of chapter 8.
 *
 * One suite per exercise (exNN_K); the suite ch08 checks the chapter's handling of bad input
 * (no points). References: the library's layers (common/rnn, lstm, gru, sample), themselves
 * checked against PyTorch and centered differences in common/tests/test_rnn.c; PyTorch's nn.GRU
 * directly (common/tests/golden/rnn_golden.h, made by make_rnn_golden.py); centered differences
 * (common/gradcheck.h) with the bound stated next to each check; closed forms in the comments.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "08_rnn_lstm.c"
#endif
#include CHAPTER_SOURCE

#include "../../common/tests/golden/rnn_golden.h"
#include "tests/capture.h"

#include <criterion/criterion.h>

TestSuite(ex08_1, .timeout = 10);
TestSuite(ex08_2, .timeout = 10);
TestSuite(ex08_3, .timeout = 10);
TestSuite(ex08_4, .timeout = 10);
TestSuite(ex08_5, .timeout = 10);
TestSuite(ex08_6, .timeout = 10);
TestSuite(ex08_7, .timeout = 10);
TestSuite(ex08_8, .timeout = 10);
TestSuite(ch08, .timeout = 20);

static void fill_normal(float *a, size_t n, float sd, unsigned seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        a[i] = sd * rng_normal(&rng);
}

/* --- 08.1: windows ------------------------------------------------------------------------------ */

/* ids[i] = i, so every value names its own position in the text. */
Test(ex08_1, inputs_and_targets_at_the_right_positions)
{
    enum { N = 100, T = 4, B = 3 };
    int ids[N], in[T * B], tg[T * B];
    for (int i = 0; i < N; i++) ids[i] = i;
    const long stream = 30, offset = 8;
    make_window(in, tg, ids, stream, offset, T, B);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            int want = (int)(b * stream + offset + t);
            cr_assert(in[t * B + b] == want, "inputs[t=%d][b=%d] (index %d): expected the character at position "
                      "%d, got the one at %d. Hint: stream b starts at b*stream; the window at offset; the "
                      "layout is time-major, index t*B + b.", t, b, t * B + b, want, in[t * B + b]);
            cr_assert(tg[t * B + b] == want + 1, "targets[t=%d][b=%d]: expected position %d (the NEXT character "
                      "after the input %d), got %d. Hint: the target at step t is the input at step t + 1.",
                      t, b, want + 1, want, tg[t * B + b]);
        }
}

Test(ex08_1, consecutive_windows_tile_the_stream)
{
    /* window w+1's first input must be window w's last target: nothing skipped, nothing repeated */
    enum { N = 200, T = 5, B = 2 };
    int ids[N], a_in[T * B], a_tg[T * B], b_in[T * B], b_tg[T * B];
    for (int i = 0; i < N; i++) ids[i] = i;
    make_window(a_in, a_tg, ids, 90, 0, T, B);
    make_window(b_in, b_tg, ids, 90, T, T, B);
    for (int b = 0; b < B; b++)
        cr_assert(b_in[b] == a_tg[(T - 1) * B + b], "stream %d: window 0's last target is position %d, window 1 "
                  "(offset T) starts at %d. Hint: with offset = w T, window w covers inputs wT .. wT+T-1 and "
                  "targets one further.", b, a_tg[(T - 1) * B + b], b_in[b]);
}

/*hint 08.1
1. Where does stream b start in the text, and where does window `offset` start inside it?
2. The input at step t of stream b is ids[b*stream + offset + t]; its target is the character
   right after it.
3. Time-major layout: element (t, b) lives at index t*B + b (all B streams of step 0 first).
*/
/*note 08.1
Cutting the text into B streams and walking each window by window is what lets truncated BPTT
carry the hidden state across windows: window w+1 of stream b continues exactly where window w
ended, so the state the model carries over belongs to the text it reads next. Shuffling
windows, as we shuffled images, would break that.
*/

/* --- 08.2: BPTT --------------------------------------------------------------------------------- */

enum { ET = 6, EB = 3, ED = 2, EH = 4 };

typedef struct {
    float x[ET * EB * ED], Wx[ED * EH], Wh[EH * EH], b[EH], dh[ET * EB * EH];
    float da[ET * EB * EH], dWh[EH * EH], norms[ET], g[EB * EH];
    float ref_dWx[ED * EH], ref_dWh[EH * EH], ref_db[EH], ref_norms[ET], h0[EB * EH];
    rnn_cache_t c;
} elman_case;

/* The library's rnn_backward on the same forward pass is the reference (it is checked against
 * centered differences in common/tests/test_rnn.c); float32 both ways: agreement to 1e-5. The
 * initial state h_0 is not zero (training carries the state over from the previous window), so
 * that a dWh that leaves out the first step's h_0^T da_1 fails. */
static void elman_setup(elman_case *e, unsigned seed, int last_only)
{
    fill_normal(e->x, ET * EB * ED, 1, seed);
    fill_normal(e->Wx, ED * EH, 0.8f, seed + 1);
    fill_normal(e->Wh, EH * EH, 0.6f, seed + 2);
    fill_normal(e->b, EH, 0.3f, seed + 3);
    fill_normal(e->dh, ET * EB * EH, 1, seed + 4);
    if (last_only)
        memset(e->dh, 0, (ET - 1) * EB * EH * sizeof(float));
    e->c = rnn_cache_new(ET, EB, ED, EH);
    fill_normal(e->h0, EB * EH, 0.5f, seed + 5);
    for (int i = 0; i < EB * EH; i++) e->h0[i] = tanhf(e->h0[i]);
    rnn_forward(&e->c, e->x, e->Wx, e->Wh, e->b, e->h0);
    rnn_backward(NULL, e->ref_dWx, e->ref_dWh, e->ref_db, NULL, e->ref_norms, &e->c, e->dh, e->x, e->Wx, e->Wh);
    for (int i = 0; i < EH * EH; i++) e->dWh[i] = 123.0f; /* garbage: dWh must be overwritten */
    for (int i = 0; i < EB * EH; i++) e->g[i] = 50.0f;    /* garbage: the scratch holds no a_{T+1} */
    elman_bptt(e->da, e->dWh, e->norms, e->g, e->c.h, e->dh, e->Wh, ET, EB, EH);
}

Test(ex08_2, da_at_every_step_matches_the_library)
{
    elman_case e;
    elman_setup(&e, 1, 0);
    for (int t = ET - 1; t >= 0; t--)
        for (int i = 0; i < EB * EH; i++) {
            float want = e.c.da[t * EB * EH + i], got = e.da[t * EB * EH + i];
            cr_assert(fabsf(got - want) <= 1e-5f * (1 + fabsf(want)), "da at step t=%d (of %d), element %d: expected "
                      "%.6g, got %.6g. Hint: %s", t, ET, i, want, got, t == ET - 1 ?
                      "at the last step only the loss's own dh reaches h_T (nothing comes back from step T+1: the "
                      "scratch g holds garbage on entry, so zero it first); da = dh * (1 - h^2), with h = h_{t+1} "
                      "in the cache (h_0 comes first)." :
                      "the total gradient at h_t is the loss's dh_t PLUS da_{t+1} Wh^T from the next step; did you "
                      "carry it back?");
        }
    rnn_cache_free(&e.c);
}

Test(ex08_2, dWh_is_summed_over_all_steps)
{
    elman_case e;
    elman_setup(&e, 2, 0);
    for (int i = 0; i < EH * EH; i++)
        cr_assert(fabsf(e.dWh[i] - e.ref_dWh[i]) <= 1e-5f * (1 + fabsf(e.ref_dWh[i])), "dWh[%d]: expected %.6g, got "
                  "%.6g. Hint: Wh is used at every step, so dWh = sum over t = 1..T of h_{t-1}^T da_t, the first "
                  "step's h_0 included (it is the state carried in, not zero: h is (T+1, B, H), h_0 first), "
                  "overwriting what was in dWh before (one product over the stacked T*B rows does it).", i, e.ref_dWh[i], e.dWh[i]);
    rnn_cache_free(&e.c);
}

Test(ex08_2, norms_of_the_total_gradient_per_step)
{
    elman_case e;
    elman_setup(&e, 3, 1); /* loss at the last step only: the norms show the decay */
    for (int t = 0; t < ET; t++)
        cr_assert(fabsf(e.norms[t] - e.ref_norms[t]) <= 1e-5f * (1 + e.ref_norms[t]), "norms[%d]: expected "
                  "||dL/dh_%d|| = %.6g, got %.6g. Hint: the norm of the TOTAL gradient at h_t (dh_t plus what "
                  "came back from t+1), before the tanh derivative.", t, t + 1, e.ref_norms[t], e.norms[t]);
    rnn_cache_free(&e.c);
}

/*hint 08.2
1. Which two paths lead from h_t to the loss, and which of them is the "through time" one?
2. Walk the blocks t = T-1 down to 0 (block t is step t + 1). Keep g = da[t+1] Wh^T (zero at the
   start); the total gradient is g + dh[t], its norm norms[t]; da[t] = total * (1 - s^2) with s the
   state block t + 1 of h, at h + (t+1)*B*H (h's block 0 is h_0).
3. After the loop: dWh = sum_t h_{t-1}^T da_t, one matmul_blas(1, 0, H, H, T*B, 1, h, da, 0, dWh):
   h's first T blocks are h_0..h_{T-1}, exactly the stacked inputs of the steps.
*/
/*note 08.2
You just wrote backpropagation through time: backprop on the unrolled graph, where every
parameter is shared by all steps and collects their gradients. The loop is sequential only
because of g; everything else is one big product. With the loss at the last step only, your
norms are the curves of the figure in section 8.3: watch them fall off geometrically for small
Wh. Chapter 10 replaces the recurrence by attention, where every step sees every other directly.
*/

/*forbid 08.2
-- its twins in common/rnn.h: the exercise writes its own
rnn_backward
*/

/* --- 08.3: LSTM step ---------------------------------------------------------------------------- */

enum { LB = 3, LH = 4 };

Test(ex08_3, gates_cell_and_hidden_match_the_library)
{
    float pre[LB * 4 * LH], ref[LB * 4 * LH], cp[LB * LH], c[LB * LH], tc[LB * LH], h[LB * LH];
    float rc[LB * LH], rtc[LB * LH], rh[LB * LH];
    fill_normal(pre, LB * 4 * LH, 1.5f, 7);
    fill_normal(cp, LB * LH, 1.0f, 8);
    memcpy(ref, pre, sizeof pre);
    lstm_cell_pointwise(ref, rc, rtc, rh, cp, LB, LH);
    lstm_step(pre, c, tc, h, cp, LB, LH);
    static const char *gate[4] = {"i (input, sigmoid)", "f (forget, sigmoid)", "g (candidate, tanh)",
                                  "o (output, sigmoid)"};
    for (int i = 0; i < LB * 4 * LH; i++)
        cr_assert(fabsf(pre[i] - ref[i]) < 1e-6f, "gate %s, row %d, unit %d: expected %.6g, got %.6g. Hint: blocks "
                  "of H columns in the order i, f, g, o; replace each pre-activation by its activation.",
                  gate[(i / LH) % 4], i / (4 * LH), i % LH, ref[i], pre[i]);
    for (int i = 0; i < LB * LH; i++) {
        cr_assert(fabsf(c[i] - rc[i]) < 1e-6f, "c[%d]: expected %.6g, got %.6g. Hint: c_t = f * c_{t-1} + i * g; "
                  "is the input gate scaling the candidate?", i, rc[i], c[i]);
        cr_assert(fabsf(tc[i] - rtc[i]) < 1e-6f, "tc[%d]: expected tanh(c_t) = %.6g, got %.6g. Hint: tc is the tanh "
                  "of the NEW cell c_t, the one just computed, not of c_{t-1}.", i, rtc[i], tc[i]);
        cr_assert(fabsf(h[i] - rh[i]) < 1e-6f, "h[%d]: expected %.6g, got %.6g. Hint: h_t = o * tanh(c_t), not "
                  "o * c_t.", i, rh[i], h[i]);
    }
}

Test(ex08_3, saturated_gates_behave_as_switches)
{
    /* f = 1, i = 0 (pre-activations +-30): the cell is kept exactly; o = 0: h = 0 */
    float pre[4] = {-30, 30, 0.5f, -30}, cp[1] = {0.7f}, c[1], tc[1], h[1];
    lstm_step(pre, c, tc, h, cp, 1, 1);
    cr_assert(fabsf(c[0] - 0.7f) < 1e-6f, "forget gate open (f = 1), input gate shut (i = 0): expected c_t = "
              "c_{t-1} = 0.7, got %.6g. Hint: c_t = f c_{t-1} + i g.", c[0]);
    cr_assert(fabsf(h[0]) < 1e-6f, "output gate shut (o = 0): expected h = 0, got %.6g.", h[0]);
}

/*hint 08.3
1. Which activation does each of the four blocks get, and in which order are the blocks stored?
2. Row r's pre-activations start at gates + r*4H: a_i at [j], a_f at [H+j], a_g at [2H+j], a_o at
   [3H+j]. Overwrite each with sigmoid1 or tanhf of itself.
3. c = f c_prev + i g;  tc = tanh(c);  h = o tc.  Index c, tc, h, c_prev by r*H + j.
*/
/*note 08.3
Every gate is a vector of soft switches in (0, 1), computed from the input and the previous
state: the network learns WHEN to write, keep and show, per unit and per step. The cell is
updated by addition, which is what section 8.4's backward pass exploits. Fusing the four gates
into one (H, 4H) product is why common/lstm.c needs only one matrix product per step.
*/

/*forbid 08.3
-- its twins in common/lstm.h: the exercise writes its own
lstm_cell_pointwise lstm_forward
*/

/* --- 08.4: LSTM step backward ------------------------------------------------------------------- */

/* L = sum(h * Rh) + sum(c * Rc) of one pointwise step as a function of the pre-activations and
 * c_prev; its gradient is what lstm_step_backward returns for dh = Rh and incoming dc = Rc. */
typedef struct {
    float pre[LB * 4 * LH], cp[LB * LH], Rh[LB * LH], Rc[LB * LH];
} lstm_bw_ctx;

static double lstm_bw_loss(void *p)
{
    lstm_bw_ctx *k = p;
    float g[LB * 4 * LH], c[LB * LH], tc[LB * LH], h[LB * LH];
    memcpy(g, k->pre, sizeof g);
    lstm_cell_pointwise(g, c, tc, h, k->cp, LB, LH);
    return gradcheck_dot(h, k->Rh, LB * LH) + gradcheck_dot(c, k->Rc, LB * LH);
}

static void lstm_bw_run(lstm_bw_ctx *k, float *da, float *dc, unsigned seed)
{
    fill_normal(k->pre, LB * 4 * LH, 1.2f, seed);
    fill_normal(k->cp, LB * LH, 1.0f, seed + 1);
    fill_normal(k->Rh, LB * LH, 1.0f, seed + 2);
    fill_normal(k->Rc, LB * LH, 1.0f, seed + 3);
    float g[LB * 4 * LH], c[LB * LH], tc[LB * LH], h[LB * LH];
    memcpy(g, k->pre, sizeof g);
    lstm_cell_pointwise(g, c, tc, h, k->cp, LB, LH);
    memcpy(dc, k->Rc, sizeof k->Rc);
    lstm_step_backward(da, dc, k->Rh, g, k->cp, tc, LB, LH);
}

/* float32 forward, h = 1e-2: a correct gradient is within 1e-3 relative; the bound is 1e-2. */
Test(ex08_4, gate_gradients_match_centered_differences)
{
    lstm_bw_ctx k;
    float da[LB * 4 * LH], dc[LB * LH];
    lstm_bw_run(&k, da, dc, 21);
    gradcheck_result_t r = gradcheck_run(lstm_bw_loss, &k, k.pre, da, LB * 4 * LH, 1e-2f);
    static const char *hint[4] = {
        "da_i = dc * g * i (1 - i): the sigmoid's derivative is s (1 - s), not s",
        "da_f = dc * c_{t-1} * f (1 - f)",
        "da_g = dc * i * (1 - g^2): tanh' = 1 - tanh^2",
        "da_o = dh * tanh(c_t) * o (1 - o)"};
    int gate = (int)(r.worst / LH) % 4;
    cr_assert(r.max_rel_error < 1e-2, "da (gate block %d, row %zu, unit %zu): yours %.6g, centered difference %.6g "
              "(relative error %.2g, bound 1e-2). Hint: %s; and dc (the total cell gradient) is the incoming dc "
              "PLUS dh * o * (1 - tanh(c_t)^2).", gate, r.worst / (4 * LH), r.worst % LH, r.analytic, r.numeric,
              r.max_rel_error, hint[gate]);
}

Test(ex08_4, cell_gradient_sent_back_matches_centered_differences)
{
    lstm_bw_ctx k;
    float da[LB * 4 * LH], dc[LB * LH];
    lstm_bw_run(&k, da, dc, 31);
    gradcheck_result_t r = gradcheck_run(lstm_bw_loss, &k, k.cp, dc, LB * LH, 1e-2f);
    cr_assert(r.max_rel_error < 1e-2, "dc_{t-1} (element %zu): yours %.6g, centered difference %.6g (relative error "
              "%.2g, bound 1e-2). Hint: c_t = f c_{t-1} + i g, so dc_{t-1} = dc_t * f, where dc_t is the TOTAL "
              "cell gradient (incoming dc plus the path through h_t).", r.worst, r.analytic, r.numeric,
              r.max_rel_error);
}

Test(ex08_4, the_cell_path_alone_carries_gradient)
{
    /* dh = 0 and an incoming dc = 1: only the carousel path is active. Then da_o = 0,
     * dc_{t-1} = f, da_i = g i (1-i), da_f = c_{t-1} f (1-f), da_g = i (1 - g^2) (closed form). */
    float pre[4] = {0.3f, 1.0f, -0.4f, 0.8f}, cp[1] = {0.5f}, c[1], tc[1], h[1];
    lstm_cell_pointwise(pre, c, tc, h, cp, 1, 1); /* the library's forward gives tc = tanh(c_t) */
    float gates[4] = {sigmoid1(0.3f), sigmoid1(1.0f), tanhf(-0.4f), sigmoid1(0.8f)};
    float da[4], dc[1] = {1.0f}, dh[1] = {0.0f};
    lstm_step_backward(da, dc, dh, gates, cp, tc, 1, 1);
    float i = gates[0], f = gates[1], g = gates[2];
    cr_assert(fabsf(dc[0] - f) < 1e-6f, "with dh = 0 and dc = 1 coming in, dc_{t-1} must be f = %.6g, got %.6g. "
              "Hint: does the incoming dc take part at all? It is the carousel path.", f, dc[0]);
    const char *why = fabsf(da[0] - g * i) < 1e-6f ? "da_i came out as dc g i: the sigmoid's derivative is "
                      "i (1 - i), not i." : fabsf(da[2] - i * (1 - g)) < 1e-6f ? "da_g came out as dc i (1 - g): "
                      "tanh' = 1 - g^2." : "the incoming dc flows into i, f and g; o only gets gradient through h.";
    cr_assert(fabsf(da[0] - g * i * (1 - i)) < 1e-6f && fabsf(da[1] - 0.5f * f * (1 - f)) < 1e-6f &&
                  fabsf(da[2] - i * (1 - g * g)) < 1e-6f && fabsf(da[3]) < 1e-7f,
              "with dh = 0, dc = 1: expected da = (%.5g, %.5g, %.5g, 0), got (%.5g, %.5g, %.5g, %.5g). Hint: %s",
              g * i * (1 - i), 0.5f * f * (1 - f), i * (1 - g * g), da[0], da[1], da[2], da[3], why);
}

/*hint 08.4
1. Which node of the forward pass has two consumers, so that its gradient is a sum?
2. First the total cell gradient: dc_t = dc_in + dh * o * (1 - tc^2). Then each gate's gradient
   is the product rule on c_t = f c_prev + i g and h = o tanh(c).
3. da_i = dc_t g i(1-i); da_f = dc_t c_prev f(1-f); da_g = dc_t i (1-g^2);
   da_o = dh tc o(1-o); and dc <- dc_t f.
*/
/*note 08.4
The line dc <- dc_t f is the whole point of the LSTM: from step to step the cell's gradient is
scaled by the forget gate only, no weight matrix and no squashing derivative in between. When
f stays near 1 the gradient survives hundreds of steps; compare section 8.3's figure. The GRU
gets the same effect from h_t = (1 - z) n + z h_{t-1}.
*/

/*forbid 08.4
-- its twins in common/lstm.h: the exercise writes its own
lstm_backward
*/

/* --- 08.5: GRU step ----------------------------------------------------------------------------- */

/* PyTorch's nn.GRU, first step of the golden sequence: u = x_1 Wx + bx and v = h_0 Wh + bh are
 * computed here in double, then the chapter's step must reproduce PyTorch's h_1 to 1e-5. */
Test(ex08_5, first_step_matches_pytorch)
{
    enum { B = GOLD_B, D = GOLD_D, H = GOLD_H };
    float u[B * 3 * H], v[B * 3 * H], h[B * H];
    for (int r = 0; r < B; r++)
        for (int j = 0; j < 3 * H; j++) {
            double su = GRU_BX[j], sv = GRU_BH[j];
            for (int d = 0; d < D; d++) su += (double)GRU_X[r * D + d] * GRU_WX[d * 3 * H + j];
            for (int k = 0; k < H; k++) sv += (double)GRU_H0[r * H + k] * GRU_WH[k * 3 * H + j];
            u[r * 3 * H + j] = (float)su, v[r * 3 * H + j] = (float)sv;
        }
    gru_step(u, h, v, GRU_H0, B, H);
    for (int i = 0; i < B * H; i++)
        cr_assert(fabsf(h[i] - GRU_Y[i]) < 1e-5f, "h_1[%d]: PyTorch's nn.GRU gives %.6g, got %.6g. Hint: n = tanh(u_n + "
                  "r * v_n), the reset gate scaling only v_n; h = (1 - z) n + z h_prev (z = 1 keeps the old "
                  "state).", i, GRU_Y[i], h[i]);
}

Test(ex08_5, gates_are_replaced_by_their_activations)
{
    float u[3] = {0.2f, -0.5f, 0.3f}, v[3] = {0.1f, 0.4f, -0.6f}, hp[1] = {0.9f}, h[1];
    gru_step(u, h, v, hp, 1, 1);
    float r = sigmoid1(0.3f), z = sigmoid1(-0.1f), n = tanhf(0.3f + r * -0.6f);
    cr_assert(fabsf(u[0] - r) < 1e-6f && fabsf(u[1] - z) < 1e-6f && fabsf(u[2] - n) < 1e-6f,
              "gates: expected r, z, n = %.6g, %.6g, %.6g, got %.6g, %.6g, %.6g. Hint: r = sigmoid(u_r + v_r), "
              "z = sigmoid(u_z + v_z), n = tanh(u_n + r v_n), written back over u.", r, z, n, u[0], u[1], u[2]);
    cr_assert(fabsf(h[0] - ((1 - z) * n + z * 0.9f)) < 1e-6f, "h: expected (1 - z) n + z h_prev = %.6g, got %.6g. "
              "Hint: %s", (1 - z) * n + z * 0.9f, h[0], fabsf(h[0] - (z * n + (1 - z) * 0.9f)) < 1e-6f ?
              "that is z n + (1 - z) h_prev: in PyTorch's convention z = 1 KEEPS the old state." :
              "h = (1 - z) n + z h_prev.");
}

/*hint 08.5
1. Which of the three gates needs the other's value before it can be computed?
2. r and z first, each the sigmoid of u + v in its block; then n = tanh(u_n + r v_n).
3. h = (1 - z) n + z h_prev: PyTorch's convention, where z = 1 keeps the old state. The reset
   gate multiplies v_n = (h_prev Wh + bh)_n, after the product, not h_prev before it.
*/
/*note 08.5
Two gates instead of three and no separate cell: the GRU often matches the LSTM with a quarter
fewer parameters. Whether r acts before or after the product looks like a detail; it decides
whether the three gates share one matrix product per step, and checkpoints of the two variants
are not interchangeable (ONNX calls PyTorch's variant linear_before_reset).
*/

/*forbid 08.5
-- its twins in common/gru.h: the exercise writes its own
gru_forward
*/

/* --- 08.6: bits per character ------------------------------------------------------------------- */

Test(ex08_6, uniform_logits_cost_log2_V_bits)
{
    /* equal logits: p = 1/V for every symbol, so -log2 p = log2 V exactly */
    enum { N = 3, V = 8 };
    float z[N * V];
    for (int i = 0; i < N * V; i++) z[i] = 0.25f;
    int t[N] = {0, 5, 7};
    double b = bits_per_char(z, t, N, V);
    cr_assert(fabs(b - 3.0) < 1e-6, "8 equally likely symbols: expected log2 8 = 3 bits, got %.6g. Hint: %s", b,
              fabs(b - 3 * log(2.0)) < 1e-4 ? "that is 3 ln 2, the loss in nats: divide by ln 2." :
              "mean over the rows of -log2 softmax(z)[target].");
}

Test(ex08_6, agrees_with_the_cross_entropy_in_nats)
{
    enum { N = 20, V = 7 };
    float z[N * V];
    int t[N];
    fill_normal(z, N * V, 2.0f, 41);
    for (int n = 0; n < N; n++) t[n] = (n * 3) % V;
    double want = softmax_cross_entropy(NULL, z, t, N, V) / log(2.0), got = bits_per_char(z, t, N, V);
    cr_assert(fabs(got - want) < 1e-5 * want, "expected the mean cross-entropy / ln 2 = %.6g bits, got %.6g. Hint: "
              "-log2 p = -ln p / ln 2; average over the N rows.", want, got);
}

Test(ex08_6, stable_for_huge_logits)
{
    /* row 0 puts all mass on its target (0 bits); row 1 on another symbol, 1000 nats below:
     * 1000 / ln 2 = 1442.695 bits; mean 721.3475 */
    float z[2 * 3] = {1000, 0, -1000, 1000, 0, -1000};
    int t[2] = {0, 1};
    double b = bits_per_char(z, t, 2, 3);
    cr_assert(isfinite(b) && fabs(b - 500.0 / log(2.0)) < 1e-3, "logits of +-1000: expected %.4f bits, got %g. "
              "Hint: %s", 500.0 / log(2.0), b, isinf(b) ?
              "an infinite cost is log(0): p_y = exp(z_y - m) / sum underflows to 0 when the target is 1000 below "
              "the maximum. Stay in the log domain: -ln p_y = log sum exp(z - m) - (z_y - m)."
              : "expf(1000) overflows; subtract the row's maximum m first: log sum exp(z) = m + log sum exp(z - m).");
}

Test(ex08_6, very_negative_logits_are_stable_too)
{
    /* Every logit far below 0: row 0 (-1000, -999, -1001), target 0; row 1 (-500, -502, -501),
     * target 2. Both rows cost (1 + ln(1 + e^-1 + e^-2)) / ln 2 bits: the maximum is 1 above the
     * target's logit and the other two are 1 and 2 below the maximum. */
    float z[2 * 3] = {-1000, -999, -1001, -500, -502, -501};
    int t[2] = {0, 2};
    double want = (1 + log(1 + exp(-1.0) + exp(-2.0))) / log(2.0), b = bits_per_char(z, t, 2, 3);
    cr_assert(isfinite(b) && fabs(b - want) < 1e-4, "logits near -1000: expected %.6f bits, got %g. Hint: %s", want, b,
              isfinite(b) ? "per row, (logsumexp(z_n) - z_n[y_n]) / ln 2 with the row's own target; average over the "
              "rows." : "m must be the row's true maximum: a running maximum started at 0 stays 0 when every logit is "
              "negative, and exp(-1000 - 0) underflows to 0, so log(0) = -inf. Start it at the row's first logit.");
}

Test(ex08_6, a_long_text_is_averaged_in_double)
{
    /* 2^18 rows, all the same: (0.5, -0.25, 1), target 0, so the mean is that row's cost, c bits.
     * Summed in double, the mean is c to about 1e-11; in a float total the rounding of each addition
     * (the total's last bit is worth 2^-6 once it passes 2^17) shifts it by 1e-4 to 1e-2 relative.
     * Bound 1e-6 relative. */
    enum { N = 1 << 18, V = 3 };
    float *z = nn_malloc((size_t)N * V * sizeof(float));
    int *t = nn_calloc(N, sizeof(int));
    for (int n = 0; n < N; n++)
        z[n * V] = 0.5f, z[n * V + 1] = -0.25f, z[n * V + 2] = 1.0f;
    double want = (log(exp(0.5) + exp(-0.25) + exp(1.0)) - 0.5) / log(2.0), got = bits_per_char(z, t, N, V);
    cr_assert(fabs(got - want) < 1e-6 * want, "%d identical rows: expected their cost %.9f bits, got %.9f (relative "
              "error %.2g). Hint: accumulate the sum over the rows in a double: a float total of hundreds of "
              "thousands of terms loses the last bits of every addition.", N, want, got, fabs(got - want) / want);
    free(z), free(t);
}

/*hint 08.6
1. How many bits does a uniform guess over V symbols cost, and what does the loss in nats give?
2. Per row: -log2 p_target = (logsumexp(z) - z_target) / ln 2; average over the rows.
3. logsumexp(z) = m + log(sum_v exp(z_v - m)) with m the row's maximum (start the running maximum
   at z[0], not at 0: logits can all be negative), in double, and the total over the rows in double.
*/
/*note 08.6
Bits per character is a compression rate: an arithmetic coder driven by the model would store
the validation text in that many bits per character. The default run reaches about 2.8 (section
8.9), against 6.19 for a uniform guess and 4.4 for the letter frequencies alone. It is the same
cross-entropy as before, only in base 2 so that models and compressors can be compared.
*/

/*forbid 08.6
-- its twins in common/loss.h: the exercise writes its own
softmax_cross_entropy softmax_cross_entropy_smooth log_softmax_forward
*/

/* --- 08.7: sampling ----------------------------------------------------------------------------- */

/* The softmax of z * scale, in double, stabilized: the reference and two diagnoses of a mistake. */
static double softmax_at(const float *z, int V, int v, double scale)
{
    double m = z[0] * scale, s = 0;
    for (int u = 1; u < V; u++) m = fmax(m, z[u] * scale);
    for (int u = 0; u < V; u++) s += exp(z[u] * scale - m);
    return exp(z[v] * scale - m) / s;
}

static void expect_softmax_t(const float *z, int V, float tau, const char *hint)
{
    float p[8];
    rng_t rng;
    rng_seed(&rng, 1);
    sample_next(p, z, V, tau, &rng);
    int no_tau = 1, times_tau = 1;
    float zmax = z[0];
    for (int v = 1; v < V; v++)
        zmax = fmaxf(zmax, z[v]);
    for (int v = 0; v < V; v++) {
        no_tau &= fabs(p[v] - softmax_at(z, V, v, 1.0)) < 1e-6;
        times_tau &= fabs(p[v] - softmax_at(z, V, v, tau)) < 1e-6;
    }
    for (int v = 0; v < V; v++) {
        double want = softmax_at(z, V, v, 1.0 / tau);
        cr_assert(fabs(p[v] - want) < 1e-6, "tau = %g, p[%d]: expected exp(z/tau) / sum = %.6g, got %.6g. Hint: %s",
                  tau, v, want, p[v], !isfinite(p[v]) ? (zmax < 0 ? hint : "exp overflowed: subtract the maximum "
                  "logit before dividing by tau and taking exp (exp((z - m) / tau)).") : no_tau ? "your p is the "
                  "softmax of z WITHOUT the temperature: it must divide the logits, not the probabilities "
                  "(normalizing again undoes that)." :
                  times_tau ? "your p is the softmax of z * tau: divide by tau instead." : hint);
    }
}

Test(ex08_7, probabilities_are_the_softmax_of_z_over_tau)
{
    const float z[4] = {1.0f, 2.0f, 0.5f, -1.0f};
    expect_softmax_t(z, 4, 1.0f, "at tau = 1 it is the plain softmax of the logits.");
    expect_softmax_t(z, 4, 0.5f, "divide the LOGITS by tau before exp: dividing probabilities by tau is undone "
                                 "by normalizing again, and multiplying by tau flattens instead of sharpens.");
    expect_softmax_t(z, 4, 2.0f, "tau > 1 must flatten the distribution: z / tau, not z * tau.");
}

Test(ex08_7, small_temperatures_do_not_overflow)
{
    const float z[3] = {10.0f, 9.0f, -3.0f};
    expect_softmax_t(z, 3, 0.05f, "at tau = 0.05 the logit 10 becomes 200 and expf(200) is inf: subtract the "
                                  "maximum logit first (exp((z - m) / tau)).");
}

Test(ex08_7, draws_are_those_of_sample_draw)
{
    /* the same seed must give the same text as the library's sample_draw on the same p */
    const float z[5] = {0.3f, 1.2f, -0.7f, 0.9f, 0.0f};
    float p[5], q[5];
    rng_t a, b;
    rng_seed(&a, 9), rng_seed(&b, 9);
    for (int k = 0; k < 200; k++) {
        int got = sample_next(p, z, 5, 0.8f, &a);
        sample_softmax(q, z, 5, 0.8f);
        int want = sample_draw(q, 5, &b);
        cr_assert(got == want, "draw %d: expected symbol %d, got %d. Hint: draw exactly once per call with "
                  "sample_draw(p, V, rng) after computing p.", k, want, got);
    }
}

Test(ex08_7, all_negative_logits_do_not_underflow)
{
    const float z[3] = {-10.0f, -9.0f, -20.0f};
    expect_softmax_t(z, 3, 0.05f, "every logit is negative: the maximum is -9, not 0. A running maximum started at 0 "
                                  "gives exp((z - 0) / tau) = exp(-180), which is 0 in float: start it at z[0].");
}

/*hint 08.7
1. Where does the temperature act: on the logits or on the probabilities? (Section 8.7.)
2. m = max z (start from z[0], not 0: all the logits may be negative); p_v = exp((z_v - m) / tau);
   divide every p_v by their sum.
3. Then return sample_draw(p, V, rng): one uniform number, inverted through the cumulative sum.
*/
/*note 08.7
Temperature is the simplest of the decoding rules. Chapter 12 adds top-k and nucleus (top-p)
sampling, which cut off the long tail of unlikely characters that makes tau = 1.5 text
unreadable, and greedy decoding (temperature 0), which gives up randomness altogether.
*/

/*forbid 08.7
-- its twins in common/sample.h: the exercise writes its own
sample_softmax sample_logits
*/

/* --- 08.8: the masked cross-entropy ------------------------------------------------------------ */

enum { MN = 12, MK = 5 };
static const unsigned char MASK8[MN] = {1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0}; /* 7 real rows */

/* The reference: the library's softmax_cross_entropy on the real rows alone, packed together. */
static float masked_reference(float *dref /* (MN, MK) */, const float *z, const int *y)
{
    float zc[MN * MK], dc[MN * MK];
    int yc[MN], r = 0;
    for (int n = 0; n < MN; n++)
        if (MASK8[n])
            memcpy(zc + r * MK, z + n * MK, sizeof(float) * MK), yc[r++] = y[n];
    float L = softmax_cross_entropy(dc, zc, yc, r, MK);
    memset(dref, 0, sizeof(float) * MN * MK);
    for (int n = 0, k = 0; n < MN; n++)
        if (MASK8[n])
            memcpy(dref + n * MK, dc + (k++) * MK, sizeof(float) * MK);
    return L;
}

static void masked_inputs(float *z, int *y, float pad_logit, unsigned seed)
{
    fill_normal(z, MN * MK, 2.0f, seed);
    for (int n = 0; n < MN; n++) {
        y[n] = (n * 3 + 1) % MK;
        if (!MASK8[n])
            for (int k = 0; k < MK; k++)
                z[n * MK + k] = pad_logit * (k == 0 ? 1.0f : -1.0f);
    }
}

Test(ex08_8, loss_is_the_mean_over_the_real_rows)
{
    float z[MN * MK], dz[MN * MK], dref[MN * MK];
    int y[MN];
    masked_inputs(z, y, 3.0f, 81);
    double want = masked_reference(dref, z, y);
    double got = masked_cross_entropy(dz, z, y, MASK8, MN, MK);
    cr_assert(fabs(got - want) < 1e-5, "loss: expected %.6f (the mean over the 7 real rows of 12), got %.6f. Hint: %s",
              want, got, fabs(got - want * 7 / 12) < 1e-4 ? "you divided by N = 12, all the rows: divide by the "
              "number of real rows (mask 1)." : "sum -log softmax(z_n)[y_n] over the rows with mask 1 only, then "
              "divide by their count.");
}

Test(ex08_8, gradient_on_real_rows_is_softmax_minus_onehot_over_the_real_count)
{
    float z[MN * MK], dz[MN * MK], dref[MN * MK];
    int y[MN];
    masked_inputs(z, y, 3.0f, 82);
    masked_reference(dref, z, y);
    masked_cross_entropy(dz, z, y, MASK8, MN, MK);
    for (int n = 0; n < MN; n++)
        if (MASK8[n])
            for (int k = 0; k < MK; k++)
                cr_assert(fabs(dz[n * MK + k] - dref[n * MK + k]) < 1e-6, "dz[%d][%d] (a real row): expected %.6g, "
                          "got %.6g. Hint: %s", n, k, dref[n * MK + k], dz[n * MK + k],
                          fabs(dz[n * MK + k] - dref[n * MK + k] * 7 / 12) < 1e-6 ? "you divided by N = 12: the "
                          "loss is a mean over the 7 real rows, so is its gradient." : "(softmax(z_n) - e_{y_n}) / "
                          "(number of real rows).");
}

Test(ex08_8, padded_rows_get_exactly_zero_gradient)
{
    float z[MN * MK], dz[MN * MK];
    int y[MN];
    masked_inputs(z, y, 3.0f, 83);
    for (int i = 0; i < MN * MK; i++)
        dz[i] = 7.0f; /* whatever the buffer held before */
    masked_cross_entropy(dz, z, y, MASK8, MN, MK);
    for (int n = 0; n < MN; n++)
        if (!MASK8[n])
            for (int k = 0; k < MK; k++)
                cr_assert(dz[n * MK + k] == 0.0f, "dz[%d][%d] (a PADDED row): expected exactly 0, got %g. Hint: a "
                          "padded step must send no gradient back, so write zeros into its row of dz (the buffer "
                          "is not cleared for you).", n, k, dz[n * MK + k]);
}

Test(ex08_8, padding_cannot_change_the_loss)
{
    float z[MN * MK], dz[MN * MK];
    int y[MN];
    masked_inputs(z, y, 3.0f, 84);
    double a = masked_cross_entropy(dz, z, y, MASK8, MN, MK);
    masked_inputs(z, y, 80.0f, 84); /* the same real rows, wild logits on the padded ones */
    for (int n = 0; n < MN; n++)
        if (!MASK8[n])
            y[n] = MK - 1;
    double b = masked_cross_entropy(dz, z, y, MASK8, MN, MK);
    cr_assert(isfinite(b) && fabs(a - b) < 1e-9, "the loss changed from %.6f to %.6f when only the padded rows' "
              "logits and targets changed. Hint: skip every row whose mask is 0, in the loss and in the count.", a, b);
}

Test(ex08_8, stable_for_huge_logits_and_zero_for_no_real_row)
{
    float z[2 * 3] = {1000.0f, 0.0f, -1000.0f, 500.0f, 501.0f, 499.0f}, dz[6];
    const int y[2] = {0, 1};
    const unsigned char m[2] = {1, 1}, none[2] = {0, 0};
    double L = masked_cross_entropy(dz, z, y, m, 2, 3);
    double want = 0.5 * log(1.0 + exp(-1.0) + exp(-2.0)); /* row 0 costs ~0, row 1 logsumexp - 501 */
    cr_assert(isfinite(L) && fabs(L - want) < 1e-5, "logits of 1000: expected loss %.6f, got %.6g. Hint: subtract "
              "each row's maximum before exp (logsumexp = m + log sum exp(z - m)).", want, L);
    for (int i = 0; i < 6; i++)
        cr_assert(isfinite(dz[i]), "dz[%d] = %g is not finite for logits of 1000. Hint: softmax with the maximum "
                  "subtracted: exp(z - m) / sum.", i, dz[i]);
    L = masked_cross_entropy(dz, z, y, none, 2, 3);
    cr_assert(L == 0.0, "no real row: expected loss 0, got %g. Hint: with nothing to average, return 0 (and do not "
              "divide by zero).", L);
    for (int i = 0; i < 6; i++)
        cr_assert(dz[i] == 0.0f, "no real row: dz[%d] expected 0, got %g. Hint: every row is padding, so every "
                  "gradient is 0.", i, dz[i]);
}

Test(ex08_8, very_negative_logits_are_stable_too)
{
    /* Two real rows of logits near -1000 and -500 (row 0 target 0, row 1 target 2): each costs
     * 1 + ln(1 + e^-1 + e^-2) nats (closed form: the maximum is 1 above the target's logit), and
     * row 0's softmax is (e^-1, 1, e^-2) / (1 + e^-1 + e^-2). */
    float z[2 * 3] = {-1000, -999, -1001, -500, -502, -501}, dz[6];
    const int y[2] = {0, 2};
    const unsigned char m[2] = {1, 1};
    const double S = 1 + exp(-1.0) + exp(-2.0), want = 1 + log(S);
    double L = masked_cross_entropy(dz, z, y, m, 2, 3);
    const char *underflow = "m must be the row's true maximum: a running maximum started at 0 stays 0 when every "
                            "logit is negative, and exp(-1000 - 0) underflows to 0. Start it at the row's first logit.";
    cr_assert(isfinite(L) && fabs(L - want) < 1e-5, "logits near -1000: expected loss %.6f, got %g. Hint: %s", want, L,
              isfinite(L) ? "the mean over the real rows of logsumexp(z_n) - z_n[y_n]." : underflow);
    const double d0[3] = {(exp(-1.0) / S - 1) / 2, 1 / S / 2, exp(-2.0) / S / 2};
    for (int k = 0; k < 3; k++)
        cr_assert(fabs(dz[k] - d0[k]) < 1e-6, "logits near -1000: dz[0][%d] expected %.6g, got %g. Hint: %s", k, d0[k],
                  dz[k], isfinite(dz[k]) ? "dz_n = (softmax(z_n) - e_{y_n}) / n_real." : underflow);
}

Test(ex08_8, many_rows_are_summed_in_double)
{
    /* 2^18 rows, every fourth one padding (logits 50, -50, 0, target 1); the real ones all
     * (0.5, -0.25, 1), target 0, so the loss is that row's cost c = ln(e^0.5 + e^-0.25 + e) - 0.5.
     * A double total gives c to about 1e-11; a float total, whose last bit is worth 2^-6 once it
     * passes 2^17, is off by 1e-4 to 1e-2 relative. Bound 1e-6 relative. */
    enum { N = 1 << 18, K = 3 };
    float *z = nn_malloc((size_t)N * K * sizeof(float)), *dz = nn_malloc((size_t)N * K * sizeof(float));
    int *y = nn_malloc(N * sizeof(int));
    unsigned char *m = nn_malloc(N);
    for (int n = 0; n < N; n++) {
        m[n] = n % 4 != 3, y[n] = m[n] ? 0 : 1;
        z[n * K] = m[n] ? 0.5f : 50.0f, z[n * K + 1] = m[n] ? -0.25f : -50.0f, z[n * K + 2] = m[n] ? 1.0f : 0.0f;
    }
    double want = log(exp(0.5) + exp(-0.25) + exp(1.0)) - 0.5, got = masked_cross_entropy(dz, z, y, m, N, K);
    cr_assert(fabs(got - want) < 1e-6 * want, "%d rows, %d of them real and identical: expected their cost %.9f, got "
              "%.9f (relative error %.2g). Hint: accumulate the loss in a double, as the exercise asks: a float "
              "total of that many terms loses the last bits of every addition.", N, N / 4 * 3, want, got,
              fabs(got - want) / want);
    free(z), free(dz), free(y), free(m);
}

/*hint 08.8
1. Which rows does the loss average over, and how many are there? (Section 8.10, padding.)
2. Count the real rows first; for a real row, loss += logsumexp(z_n) - z_n[y_n]; a padded row adds nothing.
3. dz_n = (softmax(z_n) - e_{y_n}) / n_real on a real row, a row of zeros on a padded one; softmax and
   logsumexp with the row's maximum subtracted (the running maximum starts at z_n[0], not 0); the
   total summed in a double; return total / n_real (0 when n_real = 0).
*/
/*note 08.8
The mask is the whole trick of batching sequences of different lengths: the batch stays one
rectangular (T, B) block that one matrix product per step handles, and the mask decides which of
its steps count. Attention (section 10.2) masks padding too, inside the softmax, so that no
query attends to it. Section 8.10 shows what an unmasked loss reports.
*/

/*forbid 08.8
-- its twins in common/loss.h: the exercise writes its own
softmax_cross_entropy softmax_cross_entropy_smooth log_softmax_forward
*/

/* --- ch08: bad input (no points) ---------------------------------------------------------------- */

static char tmp_dir[64];

static const char *write_tmp(const char *name, const void *data, size_t n)
{
    static char path[256];
    if (!tmp_dir[0]) {
        strcpy(tmp_dir, "/tmp/nn-ch08-XXXXXX");
        cr_assert_not_null(mkdtemp(tmp_dir));
    }
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(data, 1, n, f);
    fclose(f);
    return path;
}

typedef struct {
    const char *path;
    long min_len;
    int rc;
} load_arg;

static void load_child(void *p)
{
    load_arg *a = p;
    corpus_t c;
    a->rc = corpus_load(&c, a->path, a->min_len);
    exit(a->rc == 0 ? 0 : 7); /* 7: returned an error, as the library must */
}

static void expect_refused(const char *path, long min_len, const char *what, const char *needle)
{
    char err[4096];
    load_arg a = {path, min_len, 0};
    int st = capture_stderr(load_child, &a, err, sizeof err);
    cr_assert(st == 7, "%s: corpus_load must report and return -1 (exit status 7 here), got status %d; stderr: %s",
              what, st, err);
    cr_assert(strstr(err, needle) && strstr(err, "hint:"), "%s: the message must say '%s' and give a hint, got: %s",
              what, needle, err);
}

Test(ch08, empty_corpus_is_refused) { expect_refused(write_tmp("empty.txt", "", 0), 10, "an empty file", "empty"); }

Test(ch08, invalid_utf8_corpus_is_refused)
{
    const unsigned char latin1[] = "In the beginning Gott sch\xf6pfte Himmel und Erde.";
    expect_refused(write_tmp("latin1.txt", latin1, sizeof latin1 - 1), 2, "Latin-1 text", "invalid UTF-8");
}

Test(ch08, binary_corpus_is_refused)
{
    const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 'a', 'b'};
    expect_refused(write_tmp("kjv.gz", gz, sizeof gz), 2, "a gzip file", "expected text");
}

Test(ch08, short_corpus_is_refused)
{
    expect_refused(write_tmp("short.txt", "In the beginning", 16), 1000, "16 characters", "expected at least 1000");
}

Test(ch08, sample_corpus_loads_with_its_vocabulary)
{
    corpus_t c;
    cr_assert(corpus_load(&c, DATASETS "/kjv-sample/kjv.txt", 1000) == 0, "the committed sample must load");
    cr_assert(c.V > 40 && c.V <= 73, "vocabulary of the sample: expected 41..73 symbols, got %d", c.V);
    for (long i = 0; i < c.n; i++)
        cr_assert(c.vocab.symbols[c.ids[i]] == (unsigned char)c.text.data[i], "id %d of position %ld must be its byte",
                  c.ids[i], i);
    corpus_free(&c);
}

typedef struct {
    charlm_t *m;
    corpus_t *c;
    const char *path;
} ckpt_arg;

static void ckpt_child(void *p)
{
    ckpt_arg *a = p;
    char t[CHECKPOINT_TAG_MAX];
    exit(checkpoint_load(a->m->params, a->m->n_params, a->path, charlm_tag(a->m, t, sizeof t, &a->c->vocab)) == 0 ? 0 : 7);
}

Test(ch08, checkpoint_of_another_model_is_refused)
{
    corpus_t c;
    cr_assert(corpus_load(&c, DATASETS "/kjv-sample/kjv.txt", 1000) == 0);
    charlm_t gru, lstm;
    cr_assert(lm_new(&gru, CHARLM_GRU, c.V, 8, 2, 1) == 0 && lm_new(&lstm, CHARLM_LSTM, c.V, 8, 2, 1) == 0);
    char tag[CHECKPOINT_TAG_MAX], path[256];
    snprintf(path, sizeof path, "%s", write_tmp("x", "", 0));
    strcat(path, ".ckpt");
    cr_assert(checkpoint_save(path, charlm_tag(&gru, tag, sizeof tag, &c.vocab), gru.params, gru.n_params) == 0);
    char err[4096];
    ckpt_arg arg = {&lstm, &c, path};
    int st = capture_stderr(ckpt_child, &arg, err, sizeof err);
    cr_assert(st == 7 && strstr(err, "charlm gru") && strstr(err, "charlm lstm"),
              "loading a GRU's checkpoint into the LSTM must fail naming both architectures; status %d, stderr: %s",
              st, err);
    charlm_free(&gru), charlm_free(&lstm), corpus_free(&c);
}

/* Section 8.10's model (both directions, the masked readouts) against centered differences, on
 * a linear loss L = sum_n w_n . z_n that ignores padded steps (their w is 0). */
typedef struct {
    seqnet_t m;
    float x[4 * 3 * 3], w[4 * 3 * 3];
    int len[3];
} seqnet_ctx;

static double seqnet_loss(void *p)
{
    seqnet_ctx *k = p;
    memcpy(k->m.len, k->len, sizeof k->len);
    const float *z = seqnet_forward(&k->m, k->x);
    int rows = k->m.read == READ_STEPS ? 4 * 3 : 3;
    double L = 0;
    for (int i = 0; i < rows * 3; i++)
        L += (double)k->w[i] * z[i];
    return L;
}

static void check_seqnet(int dirs, readout_t read)
{
    seqnet_ctx *k = calloc(1, sizeof *k);
    rng_t rng;
    rng_seed(&rng, 11);
    k->m = seqnet_new(4, 3, 3, 2, 3, dirs, read, &rng);
    for (size_t i = 0; i < k->m.n_params; i++) k->m.params[i] += 0.3f * rng_normal(&rng);
    const int len[3] = {4, 2, 3};
    memcpy(k->len, len, sizeof len);
    fill_normal(k->x, 4 * 3 * 3, 1.0f, 12);
    fill_normal(k->w, 4 * 3 * 3, 1.0f, 13);
    for (int t = 0; t < 4; t++)
        for (int b = 0; b < 3; b++)
            if (t >= len[b]) {
                for (int d = 0; d < 3; d++) k->x[(t * 3 + b) * 3 + d] = 0;
                if (read == READ_STEPS)
                    for (int c = 0; c < 3; c++) k->w[(t * 3 + b) * 3 + c] = 0;
            }
    seqnet_loss(k);
    memcpy(k->m.dz, k->w, sizeof k->w);
    seqnet_backward(&k->m, k->x);
    float *g = malloc(k->m.n_params * sizeof(float));
    memcpy(g, k->m.grads, k->m.n_params * sizeof(float));
    gradcheck_result_t r = gradcheck_run(seqnet_loss, k, k->m.params, g, k->m.n_params, 1e-2f);
    cr_assert(r.max_rel_error < 1e-2, "seqnet (%d direction(s), readout %d): parameter %zu: backward %.6g, centered "
              "difference %.6g (relative error %.2g, bound 1e-2)", dirs, (int)read, r.worst, r.analytic, r.numeric,
              r.max_rel_error);
    free(g);
    seqnet_free(&k->m);
    free(k);
}

Test(ch08, setups_bidirectional_per_step_gradient) { check_seqnet(2, READ_STEPS); }
Test(ch08, setups_bidirectional_masked_mean_gradient) { check_seqnet(2, READ_MEAN); }
Test(ch08, setups_causal_last_real_state_gradient) { check_seqnet(1, READ_LAST); }
