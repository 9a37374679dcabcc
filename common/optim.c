/* optim.c — see optim.h. */
#include "optim.h"

#include "error.h"
#include "parallel.h"

#include <math.h>
#include <stdlib.h>

void sgd_step(float *p, const float *g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        p[i] -= lr * g[i];
}

adam_t adam_new(size_t n, float lr)
{
    return (adam_t){.lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .t = 0,
                    .m = nn_calloc(n, sizeof(float)), .v = nn_calloc(n, sizeof(float)), .n = n};
}

/* The update of one element: the definition, with the bias corrections folded into step and
 * eps (see adam_step). The only Adam arithmetic of the library: adam_step, and optim_step's
 * "adam" and "adamw", all go through it or its vector twins below, so they round alike. */
static inline void adam_one(float *p, float gi, float *m, float *v, float b1, float b2, float step, float eps)
{
    *m = b1 * *m + (1.0f - b1) * gi;
    *v = b2 * *v + (1.0f - b2) * gi * gi;
    *p -= step * *m / (sqrtf(*v) + eps);
}

/* The update of elements [i, n), one at a time. */
static void adam_scalar(float *p, const float *g, float *m, float *v, size_t i, size_t n, float b1,
                        float b2, float step, float eps)
{
    for (; i < n; i++)
        adam_one(p + i, g[i], m + i, v + i, b1, b2, step, eps);
}

/* Adam touches every parameter every step: for chapter 3's MLP that is 235,146 floats x 469 steps
 * an epoch, and the scalar loop above costs ~0.35 s an epoch, as much as all the matrix products.
 * The compiler does not vectorize it at -O2 (sqrtf may set errno, and the loop's trip count is
 * unknown), so on x86-64 we write the same arithmetic 4 (SSE, always there) or 8 (AVX, checked at
 * run time) elements at a time: 3-7x faster. Same operations in the same order (no fused
 * multiply-add), so every path gives bit-identical results. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx"))) static size_t adam_avx(float *p, const float *g, float *m, float *v, size_t n,
                                                      float b1, float b2, float step, float eps)
{
    const __m256 B1 = _mm256_set1_ps(b1), C1 = _mm256_set1_ps(1.0f - b1), B2 = _mm256_set1_ps(b2),
                 C2 = _mm256_set1_ps(1.0f - b2), S = _mm256_set1_ps(step), E = _mm256_set1_ps(eps);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(B1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(C1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(B2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(C2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 d = _mm256_div_ps(_mm256_mul_ps(S, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), E));
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), d));
    }
    return i;
}

static size_t adam_sse(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                       float step, float eps)
{
    const __m128 B1 = _mm_set1_ps(b1), C1 = _mm_set1_ps(1.0f - b1), B2 = _mm_set1_ps(b2),
                 C2 = _mm_set1_ps(1.0f - b2), S = _mm_set1_ps(step), E = _mm_set1_ps(eps);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i);
        __m128 mi = _mm_add_ps(_mm_mul_ps(B1, _mm_loadu_ps(m + i)), _mm_mul_ps(C1, gi));
        __m128 vi = _mm_add_ps(_mm_mul_ps(B2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(C2, gi), gi));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        __m128 d = _mm_div_ps(_mm_mul_ps(S, mi), _mm_add_ps(_mm_sqrt_ps(vi), E));
        _mm_storeu_ps(p + i, _mm_sub_ps(_mm_loadu_ps(p + i), d));
    }
    return i;
}

static size_t adam_simd(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                        float step, float eps)
{
    /* Asked on every call (a read of what the CPU reported at start-up, no cached flag of our
     * own: nothing here is shared between threads). */
    return __builtin_cpu_supports("avx") ? adam_avx(p, g, m, v, n, b1, b2, step, eps) : adam_sse(p, g, m, v, n, b1, b2, step, eps);
}
#else
static size_t adam_simd(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                        float step, float eps)
{
    (void)p, (void)g, (void)m, (void)v, (void)n, (void)b1, (void)b2, (void)step, (void)eps;
    return 0; /* no vector path: the scalar loop does everything */
}
#endif

/* Step t of Adam on n elements. Fold both bias corrections into the step size and the epsilon,
 * once per step:
 *   lr m_hat / (sqrt(v_hat) + eps) = (lr / c1) m / (sqrt(v) / sqrt(c2) + eps)
 *                                  = step m / (sqrt(v) + eps sqrt(c2)),  step = lr sqrt(c2) / c1
 * with c1 = 1 - beta1^t, c2 = 1 - beta2^t: no per-element division by c1 or c2. */
typedef struct {
    float *p, *m, *v;
    const float *g;
    float b1, b2, step, eps;
} adam_args_t;

/* Elements [begin, end) of one Adam step: a part of parallel_for's loop. */
static void adam_part(void *ctx, size_t begin, size_t end)
{
    const adam_args_t *a = ctx;
    size_t n = end - begin;
    float *p = a->p + begin, *m = a->m + begin, *v = a->v + begin;
    const float *g = a->g + begin;
    size_t done = adam_simd(p, g, m, v, n, a->b1, a->b2, a->step, a->eps);
    adam_scalar(p, g, m, v, done, n, a->b1, a->b2, a->step, a->eps);
}

/* Every element's update is independent of the others, so the parts run on all the cores
 * (parallel.h) with the same result as one loop: on 2 cores this halves the time Adam keeps the
 * second core idle between the matrix products of chapter 3's training step. */
static void adam_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1, float b2,
                        float eps, long t)
{
    double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    adam_args_t a = {p, m, v, g, b1, b2, (float)(lr * sqrt(c2) / c1), (float)(eps * sqrt(c2))};
    parallel_for(n, 1 << 15, adam_part, &a);
}

void adam_step(adam_t *a, float *p, const float *g)
{
    a->t++;
    adam_update(p, g, a->m, a->v, a->n, a->lr, a->beta1, a->beta2, a->eps, (long)a->t);
}

void adam_free(adam_t *a)
{
    free(a->m);
    free(a->v);
    a->m = a->v = NULL;
    a->n = 0;
}

/* --- chapter 5: every optimizer behind one interface (see optim.h) --------------------------- */

#include <stdio.h>
#include <string.h>

static const char *const OPTIM_NAMES[OPTIM_KIND_COUNT] = {"sgd",  "momentum", "nesterov", "adagrad", "rmsprop",
                                                         "adam", "adamw",    "radam",    "lars",    "lamb"};

const char *optim_name(optim_kind_t kind)
{
    return kind >= 0 && kind < OPTIM_KIND_COUNT ? OPTIM_NAMES[kind] : "?";
}

int optim_parse(const char *name)
{
    for (int k = 0; k < OPTIM_KIND_COUNT; k++)
        if (name && !strcmp(name, OPTIM_NAMES[k]))
            return k;
    nn_error("the optimizers are sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, radam, lars, lamb",
             "unknown optimizer '%s'", name ? name : "(null)");
    return -1;
}

optim_t optim_new(optim_kind_t kind, size_t n, float lr)
{
    if (kind < 0 || kind >= OPTIM_KIND_COUNT)
        nn_fatal("use one of the OPT_* values of optim.h", "optim_new: kind %d, expected 0..%d", (int)kind,
                 OPTIM_KIND_COUNT - 1);
    optim_t o = {.kind = kind, .lr = lr, .momentum = 0.9f, .alpha = 0.99f, .beta1 = 0.9f, .beta2 = 0.999f,
                 .eps = kind == OPTIM_ADAGRAD ? 1e-10f : 1e-8f, .weight_decay = kind == OPTIM_ADAMW ? 0.01f : 0.0f,
                 .trust_coef = 0.001f, .t = 0, .n = n};
    if (kind != OPTIM_SGD)
        o.m = nn_calloc(n ? n : 1, sizeof(float));
    if (kind == OPTIM_ADAGRAD || kind == OPTIM_RMSPROP || kind >= OPTIM_ADAM)
        o.v = nn_calloc(n ? n : 1, sizeof(float));
    if (kind == OPTIM_ADAGRAD || kind == OPTIM_RMSPROP) { /* their accumulator is the second buffer */
        free(o.m);
        o.m = NULL;
    }
    return o;
}

void optim_free(optim_t *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
    o->n = 0;
}

static double norm2(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return sqrt(s);
}

/* One step of o on the tensor_t p[0..n) whose state starts at offset `off` of o->m / o->v.
 * t has already been incremented. */
static void optim_tensor(optim_t *o, float *p, const float *g, size_t off, size_t n)
{
    const float lr = o->lr, mu = o->momentum, wd = o->weight_decay, eps = o->eps;
    const int l2 = o->kind != OPTIM_ADAMW && o->kind != OPTIM_LARS && o->kind != OPTIM_LAMB;
    float *m = o->m ? o->m + off : NULL, *v = o->v ? o->v + off : NULL;
    const double c1 = 1.0 - pow(o->beta1, (double)o->t), c2 = 1.0 - pow(o->beta2, (double)o->t);
    switch (o->kind) {
    case OPTIM_LARS: {
        double pn = norm2(p, n), gn = norm2(g, n);
        float trust = pn > 0 && gn > 0 ? (float)(o->trust_coef * pn / (gn + wd * pn)) : 1.0f;
        for (size_t i = 0; i < n; i++) {
            m[i] = mu * m[i] + lr * trust * (g[i] + wd * p[i]);
            p[i] -= m[i];
        }
        return;
    }
    case OPTIM_LAMB: {
        /* Two passes: the update direction r (kept in a scratch copy of g's size would cost an
         * allocation) is recomputed in the second pass from the updated moments. */
        double rn = 0;
        for (size_t i = 0; i < n; i++) {
            m[i] = o->beta1 * m[i] + (1.0f - o->beta1) * g[i];
            v[i] = o->beta2 * v[i] + (1.0f - o->beta2) * g[i] * g[i];
            double r = (m[i] / c1) / (sqrt(v[i] / c2) + eps) + wd * p[i];
            rn += r * r;
        }
        rn = sqrt(rn);
        double pn = norm2(p, n), trust = pn > 0 && rn > 0 ? pn / rn : 1.0;
        for (size_t i = 0; i < n; i++) {
            double r = (m[i] / c1) / (sqrt(v[i] / c2) + eps) + wd * p[i];
            p[i] -= (float)(lr * trust * r);
        }
        return;
    }
    default: break;
    }
    if (o->kind == OPTIM_ADAMW)
        for (size_t i = 0; i < n; i++)
            p[i] *= 1.0f - lr * wd;
    if ((o->kind == OPTIM_ADAM && wd == 0) || o->kind == OPTIM_ADAMW) { /* the same code as adam_step */
        adam_update(p, g, m, v, n, lr, o->beta1, o->beta2, eps, (long)o->t);
        return;
    }
    const double rho_inf = 2.0 / (1.0 - o->beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * (double)o->t * pow(o->beta2, (double)o->t) / c2;
    const float adam_step_size = (float)(lr * sqrt(c2) / c1), adam_eps = (float)(eps * sqrt(c2));
    const double rect = rho_t > 5 ? sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0;
    for (size_t i = 0; i < n; i++) {
        float gi = l2 && wd != 0 ? g[i] + wd * p[i] : g[i];
        switch (o->kind) {
        case OPTIM_SGD: p[i] -= lr * gi; break;
        case OPTIM_MOMENTUM: m[i] = mu * m[i] + gi; p[i] -= lr * m[i]; break;
        case OPTIM_NESTEROV: m[i] = mu * m[i] + gi; p[i] -= lr * (gi + mu * m[i]); break;
        case OPTIM_ADAGRAD: v[i] += gi * gi; p[i] -= lr * gi / (sqrtf(v[i]) + eps); break;
        case OPTIM_RMSPROP:
            v[i] = o->alpha * v[i] + (1.0f - o->alpha) * gi * gi;
            p[i] -= lr * gi / (sqrtf(v[i]) + eps);
            break;
        case OPTIM_ADAM: /* with L2 weight decay folded into gi; as adam_update otherwise */
            adam_one(p + i, gi, m + i, v + i, o->beta1, o->beta2, adam_step_size, adam_eps);
            break;
        case OPTIM_RADAM:
            m[i] = o->beta1 * m[i] + (1.0f - o->beta1) * gi;
            v[i] = o->beta2 * v[i] + (1.0f - o->beta2) * gi * gi;
            if (rho_t > 5)
                p[i] -= (float)(lr * rect * (m[i] / c1) * sqrt(c2) / (sqrt(v[i]) + eps));
            else
                p[i] -= (float)(lr * m[i] / c1);
            break;
        default: break;
        }
    }
}

void optim_step_tensors(optim_t *o, float *p, const float *g, const size_t *sizes, int k)
{
    size_t total = 0;
    for (int j = 0; j < k; j++)
        total += sizes[j];
    if (total != o->n)
        nn_fatal("pass the sizes of the consecutive tensors that make up the parameter block",
                 "optim_step_tensors: the %d tensor sizes add up to %zu floats, but the optimizer has %zu", k,
                 total, o->n);
    o->t++;
    size_t off = 0;
    const float wd = o->weight_decay;
    for (int j = 0; j < k; j++) {
        o->weight_decay = o->no_decay && o->no_decay[j] ? 0.0f : wd; /* this tensor's group */
        optim_tensor(o, p + off, g + off, off, sizes[j]);
        o->weight_decay = wd;
        off += sizes[j];
    }
}

void optim_step(optim_t *o, float *p, const float *g)
{
    const unsigned char *groups = o->no_decay; /* one tensor: no groups */
    o->no_decay = NULL;
    optim_step_tensors(o, p, g, &o->n, 1);
    o->no_decay = groups;
}

lookahead_t lookahead_new(const float *p, size_t n, int k, float alpha)
{
    if (k < 1 || !(alpha > 0 && alpha <= 1))
        nn_fatal("Lookahead needs k >= 1 inner steps and 0 < alpha <= 1 (the paper uses k = 5, alpha = 0.5)",
                 "lookahead_new: k = %d, alpha = %g", k, alpha);
    lookahead_t la = {.k = k, .alpha = alpha, .count = 0, .n = n, .slow = nn_malloc((n ? n : 1) * sizeof(float))};
    memcpy(la.slow, p, n * sizeof(float));
    return la;
}

void lookahead_step(lookahead_t *la, float *p)
{
    if (++la->count % la->k != 0)
        return;
    for (size_t i = 0; i < la->n; i++) {
        la->slow[i] += la->alpha * (p[i] - la->slow[i]);
        p[i] = la->slow[i];
    }
}

void lookahead_free(lookahead_t *la)
{
    free(la->slow);
    la->slow = NULL;
    la->n = 0;
}

int optim_newton_step(float *p, const float *g, const float *H, int n)
{
    double *a = nn_malloc((size_t)n * (n + 1) * sizeof(double)), big = 0; /* [H | g] */
    for (int r = 0; r < n; r++) {
        for (int c = 0; c < n; c++) {
            a[r * (n + 1) + c] = H[r * n + c];
            big = fmax(big, fabs(H[r * n + c]));
        }
        a[r * (n + 1) + n] = g[r];
    }
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * (n + 1) + c]) > fabs(a[piv * (n + 1) + c]))
                piv = r;
        if (!(fabs(a[piv * (n + 1) + c]) > 1e-12 * big)) {
            nn_error("Newton's method needs an invertible Hessian; away from a strict minimum use a damped "
                     "step (H + lambda I) or a gradient method",
                     "optim_newton_step: the %dx%d Hessian is singular (pivot %g in column %d, largest entry %g)",
                     n, n, a[piv * (n + 1) + c], c, big);
            free(a);
            return -1;
        }
        if (piv != c)
            for (int j = 0; j <= n; j++) {
                double t = a[c * (n + 1) + j];
                a[c * (n + 1) + j] = a[piv * (n + 1) + j];
                a[piv * (n + 1) + j] = t;
            }
        for (int r = c + 1; r < n; r++) {
            double f = a[r * (n + 1) + c] / a[c * (n + 1) + c];
            for (int j = c; j <= n; j++)
                a[r * (n + 1) + j] -= f * a[c * (n + 1) + j];
        }
    }
    for (int r = n - 1; r >= 0; r--) { /* back substitution: d overwrites the last column */
        double s = a[r * (n + 1) + n];
        for (int j = r + 1; j < n; j++)
            s -= a[r * (n + 1) + j] * a[j * (n + 1) + n];
        a[r * (n + 1) + n] = s / a[r * (n + 1) + r];
    }
    for (int r = 0; r < n; r++)
        p[r] -= (float)a[r * (n + 1) + n];
    free(a);
    return 0;
}

void ema_update(float *shadow, const float *p, size_t n, float decay)
{
    for (size_t i = 0; i < n; i++)
        shadow[i] = decay * shadow[i] + (1.0f - decay) * p[i];
}
