/* bench.c — chapter 13's benchmark: every kernel checked against cuBLAS, then timed against it.
 *
 *   make gpu-bench [GPU_BENCH_ARGS="--quick --out DIR"]       (make gpu-check runs it too)
 *
 * Needs an NVIDIA GPU, nvcc and cuBLAS; cuBLAS is linked here and nowhere else. For each kernel
 * the harness first compares its output with a reference computed in the same run (cuBLAS, or
 * an invariant for the row kernels), then times it with CUDA events: one warm-up call, one timed
 * call to size the repetitions, then enough repetitions to fill about 0.3 s, averaged. Every
 * figure is reported as a ratio to a limit measured in the same run, on the same GPU:
 *
 *   SGEMM        GFLOP/s at n = 1024, 2048, 4096 as a share of cuBLAS SGEMM (FP32), and the TF32
 *                step as a share of cuBLAS in TF32 tensor-op mode;
 *   row kernels  softmax and layer norm in GB/s (read + write) as a share of a device-to-device
 *                copy of the same bytes;
 *   attention    fused against unfused (ours, and one built on cuBLAS batched SGEMM), T = 512..4096;
 *   int8         our dp4a GEMM against cuBLAS's int8 GEMM (cublasGemmEx).
 *
 * Output: Markdown tables on stdout and in DIR/bench.md, one CSV line per measurement in
 * DIR/bench.csv, and the targets of DESIGN.md with "met" or "missed". Exit status 0 when every
 * result was correct (whether or not targets were met), 1 otherwise.
 */
#include "error.h"   /* nn_error */
#include "gpu.h"     /* our kernels and the runtime services */
#include "io.h"      /* io_mkdirs, io_join */
#include "kernels.h" /* the one table of kernel versions */
#include "rng.h"

#include <cublas_v2.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cublasHandle_t cublas;
static FILE *md, *csv; /* bench.md and bench.csv */
static int failures;

/* Print to stdout and to bench.md. */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    vfprintf(md, fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static gpu_status cublas_ok(cublasStatus_t s, const char *what, int line)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return GPU_OK;
    nn_error_at(__FILE__, line, "cuBLAS is the yardstick here; its error usually means bad sizes or no memory",
                "%s failed: %s", what, cublasGetStatusString(s));
    return GPU_ERR_CUDA;
}
#define CUBLAS(call) cublas_ok((call), #call, __LINE__)

/* Mean milliseconds per call of fn(arg): warm up, size the repetitions to ~0.3 s, time. A timing
 * that fails counts as a failure of the run and gives NaN, so no table shows a number made from it
 * (a -1 would have printed as a negative GFLOP/s) and no target counts as met because of it. */
static double time_ms(gpu_status (*fn)(void *), void *arg)
{
    double ms = 0;
    int reps = 0;
    if (gpu_time(fn, arg, 1, 1, &ms) == GPU_OK && ms > 0) {
        reps = (int)(300 / ms);
        reps = reps < 3 ? 3 : reps > 200 ? 200 : reps;
        if (gpu_time(fn, arg, 0, reps, &ms) == GPU_OK && ms > 0)
            return ms;
    }
    nn_error("the error paragraph above says why; the row shows nan", "timing failed (%s repetitions)",
             reps ? "timed" : "first");
    failures++;
    return NAN;
}

static float *dev_random(size_t n, rng_t *rng)
{
    float *h = nn_malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        h[i] = rng_range(rng, -1, 1);
    void *d = NULL;
    if (gpu_malloc(&d, n * sizeof(float)) != GPU_OK || gpu_upload(d, h, n * sizeof(float)) != GPU_OK) {
        gpu_free(d);
        d = NULL;
    }
    free(h);
    return d;
}

static float *dev_zeros(size_t n)
{
    void *d = NULL;
    if (gpu_malloc(&d, n * sizeof(float)) != GPU_OK || gpu_memset(d, 0, n * sizeof(float)) != GPU_OK) {
        gpu_free(d);
        return NULL;
    }
    return d;
}

/* max |a - b| / max |b| over n device floats. */
static double rel_diff(const float *a, const float *b, size_t n)
{
    float *x = nn_malloc(n * sizeof(float)), *y = nn_malloc(n * sizeof(float));
    double diff = INFINITY, scale = 0, worst = 0;
    if (gpu_download(x, a, n * sizeof(float)) == GPU_OK && gpu_download(y, b, n * sizeof(float)) == GPU_OK) {
        for (size_t i = 0; i < n; i++) {
            scale = fmax(scale, fabs(y[i]));
            worst = fmax(worst, fabs((double)x[i] - y[i]));
            if (isnan(x[i]))
                worst = INFINITY;
        }
        diff = worst / (scale > 0 ? scale : 1);
    }
    free(x), free(y);
    return diff;
}

/* --- SGEMM ---------------------------------------------------------------------------------- */

typedef struct {
    int version, n, tf32; /* version 0: cuBLAS */
    const float *A, *B;
    float *C;
} gemm_job;

static gpu_status run_gemm(void *p)
{
    gemm_job *j = p;
    if (j->version)
        return gpu_sgemm(j->version, j->n, j->n, j->n, 1.0f, j->A, j->B, 0.0f, j->C);
    const float one = 1, zero = 0;
    gpu_status s = CUBLAS(cublasSetMathMode(cublas, j->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    if (s != GPU_OK)
        return s;
    /* Row-major C = A B is column-major C^T = B^T A^T: swap the operands. */
    return CUBLAS(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_N, j->n, j->n, j->n, &one, j->B, j->n, j->A, j->n, &zero,
                              j->C, j->n));
}

static double best_fp32_share_4096 = -1, tf32_share_4096 = -1;

static void bench_sgemm(int n, rng_t *rng)
{
    size_t nn = (size_t)n * n;
    float *A = dev_random(nn, rng), *B = dev_random(nn, rng), *C = dev_zeros(nn), *ref = dev_zeros(nn),
          *ref32 = dev_zeros(nn);
    if (!A || !B || !C || !ref || !ref32) {
        failures++;
        goto done;
    }
    const double flop = 2.0 * n * n * n;
    gemm_job cub = {0, n, 0, A, B, ref}, cub32 = {0, n, 1, A, B, ref32};
    if (run_gemm(&cub) != GPU_OK || run_gemm(&cub32) != GPU_OK) {
        failures++;
        goto done;
    }
    double ms_fp32 = time_ms(run_gemm, &cub), ms_tf32 = time_ms(run_gemm, &cub32);
    double gf_fp32 = flop / (ms_fp32 * 1e6), gf_tf32 = flop / (ms_tf32 * 1e6);
    out("\n### SGEMM, n = %d\n\n| step | kernel | precision | ms | GFLOP/s | share of cuBLAS | check |\n"
        "|---|---|---|---|---|---|---|\n", n);
    out("| - | cuBLAS SGEMM | fp32 | %.3f | %.0f | 100%% | reference |\n", ms_fp32, gf_fp32);
    out("| - | cuBLAS SGEMM, TF32 tensor ops | tf32 | %.3f | %.0f | 100%% (of TF32) | reference |\n", ms_tf32, gf_tf32);
    fprintf(csv, "sgemm,cublas_fp32,%d,%g,%g,GFLOP/s,1\nsgemm,cublas_tf32,%d,%g,%g,GFLOP/s,1\n", n, ms_fp32, gf_fp32, n,
            ms_tf32, gf_tf32);
    for (int i = 0; i < GPU_SGEMM_COUNT; i++) {
        const gpu_kernel_row *k = &GPU_SGEMM_TABLE[i];
        int tf32 = strcmp(k->precision, "tf32") == 0;
        gemm_job j = {k->number, n, 0, A, B, C};
        if (gpu_memset(C, 0xff, nn * sizeof(float)) != GPU_OK || run_gemm(&j) != GPU_OK) { /* NaN-fill first */
            out("| %d | %s | %s | | | | CUDA error |\n", k->number, k->name, k->precision);
            failures++;
            continue;
        }
        double err = rel_diff(C, tf32 ? ref32 : ref, nn), tol = tf32 ? 1e-2 : 1e-4;
        int ok = err <= tol;
        failures += !ok;
        double ms = time_ms(run_gemm, &j), gf = flop / (ms * 1e6), share = gf / (tf32 ? gf_tf32 : gf_fp32);
        out("| %d | %s | %s | %.3f | %.0f | %.1f%% | %s (%.1e) |\n", k->number, k->name, k->precision, ms, gf,
            100 * share, ok ? "ok" : "WRONG", err);
        fprintf(csv, "sgemm,%s,%d,%g,%g,GFLOP/s,%g\n", k->name, n, ms, gf, share);
        if (n == 4096 && !tf32 && share > best_fp32_share_4096)
            best_fp32_share_4096 = share;
        if (n == 4096 && tf32 && share > tf32_share_4096)
            tf32_share_4096 = share;
    }
done:
    gpu_free(A), gpu_free(B), gpu_free(C), gpu_free(ref), gpu_free(ref32);
}

/* --- softmax and layer norm against a copy ------------------------------------------------------ */

typedef struct {
    int kind, version, rows, cols; /* kind 0: copy, 1: softmax, 2: layer norm */
    float *x, *y, *gamma, *beta, *mean, *rstd;
} rows_job;

static gpu_status run_rows(void *p)
{
    rows_job *j = p;
    if (j->kind == 0)
        return gpu_copy(j->y, j->x, (size_t)j->rows * j->cols * sizeof(float));
    if (j->kind == 1)
        return gpu_softmax_forward(j->version, j->y, j->x, j->rows, j->cols);
    return gpu_layernorm_forward(j->y, j->mean, j->rstd, j->x, j->gamma, j->beta, j->rows, j->cols, 1e-5f);
}

/* Cheap invariants on the first rows: softmax rows sum to 1; layer norm with gamma = 1, beta = 0
 * gives rows of mean 0 and variance 1 (up to eps). Returns the worst deviation. */
static double rows_invariant(const rows_job *j, int check_rows)
{
    size_t n = (size_t)check_rows * j->cols;
    float *y = nn_malloc(n * sizeof(float));
    double worst = INFINITY;
    if (gpu_download(y, j->y, n * sizeof(float)) == GPU_OK) {
        worst = 0;
        for (int r = 0; r < check_rows; r++) {
            double s = 0, s2 = 0;
            for (int c = 0; c < j->cols; c++)
                s += y[(size_t)r * j->cols + c], s2 += (double)y[(size_t)r * j->cols + c] * y[(size_t)r * j->cols + c];
            worst = j->kind == 1 ? fmax(worst, fabs(s - 1))
                                 : fmax(worst, fmax(fabs(s / j->cols), fabs(s2 / j->cols - 1)));
        }
    }
    free(y);
    return worst;
}

static double worst_row_share = 2;

static void bench_rows(int rows, int cols, rng_t *rng)
{
    size_t n = (size_t)rows * cols;
    float *ones = nn_malloc((size_t)cols * sizeof(float));
    for (int c = 0; c < cols; c++)
        ones[c] = 1;
    rows_job j = {0, 1, rows, cols, dev_random(n, rng), dev_zeros(n), dev_zeros((size_t)cols), dev_zeros((size_t)cols),
                  dev_zeros((size_t)rows), dev_zeros((size_t)rows)};
    if (!j.x || !j.y || !j.gamma || !j.beta || !j.mean || !j.rstd ||
        gpu_upload(j.gamma, ones, (size_t)cols * sizeof(float)) != GPU_OK) {
        failures++;
        goto done;
    }
    const double gb = 2.0 * n * sizeof(float) / 1e9;
    double copy_ms = time_ms(run_rows, &j);
    out("\n### Row kernels, %d x %d floats (GB/s count bytes read + written)\n\n"
        "| kernel | ms | GB/s | share of copy | check |\n|---|---|---|---|---|\n", rows, cols);
    out("| device-to-device copy | %.3f | %.0f | 100%% | reference |\n", copy_ms, gb / (copy_ms / 1e3));
    fprintf(csv, "rows,copy,%dx%d,%g,%g,GB/s,1\n", rows, cols, copy_ms, gb / (copy_ms / 1e3));
    const struct {
        int kind, version;
        const char *name;
    } ks[] = {{1, 1, "softmax naive"}, {1, 2, "softmax online"}, {2, 1, "layer norm forward"}};
    for (int i = 0; i < 3; i++) {
        j.kind = ks[i].kind, j.version = ks[i].version;
        if (run_rows(&j) != GPU_OK) {
            failures++;
            continue;
        }
        double dev = rows_invariant(&j, 16), ms = time_ms(run_rows, &j), share = copy_ms / ms;
        int ok = dev < 1e-3;
        failures += !ok;
        out("| %s | %.3f | %.0f | %.1f%% | %s (%.1e) |\n", ks[i].name, ms, gb / (ms / 1e3), 100 * share,
            ok ? "ok" : "WRONG", dev);
        fprintf(csv, "rows,%s,%dx%d,%g,%g,GB/s,%g\n", ks[i].name, rows, cols, ms, gb / (ms / 1e3), share);
        if (!(ks[i].kind == 1 && ks[i].version == 1) && share < worst_row_share)
            worst_row_share = share; /* the target is for the fast versions */
    }
done:
    gpu_free(j.x), gpu_free(j.y), gpu_free(j.gamma), gpu_free(j.beta), gpu_free(j.mean), gpu_free(j.rstd);
    free(ones);
}

/* --- attention ----------------------------------------------------------------------------------- */

typedef struct {
    int version, BH, T, D, causal; /* version 0: unfused on cuBLAS (not causal) */
    float *q, *k, *v, *o, *S;
} attn_job;

static gpu_status run_attn(void *p)
{
    attn_job *j = p;
    if (j->version)
        return gpu_attention_forward(j->version, j->o, j->q, j->k, j->v, j->BH, j->T, j->D, j->causal, j->S);
    const float scale = 1.0f / sqrtf((float)j->D), one = 1, zero = 0;
    const long long TD = (long long)j->T * j->D, TT = (long long)j->T * j->T;
    gpu_status s = CUBLAS(cublasSetMathMode(cublas, CUBLAS_DEFAULT_MATH));
    /* Row-major S = Q K^T / sqrt(D) is column-major S^T = K Q^T. */
    if (s == GPU_OK)
        s = CUBLAS(cublasSgemmStridedBatched(cublas, CUBLAS_OP_T, CUBLAS_OP_N, j->T, j->T, j->D, &scale, j->k, j->D, TD,
                                             j->q, j->D, TD, &zero, j->S, j->T, TT, j->BH));
    if (s == GPU_OK)
        s = gpu_softmax_forward(2, j->S, j->S, j->BH * j->T, j->T);
    /* Row-major O = P V is column-major O^T = V^T P^T. */
    if (s == GPU_OK)
        s = CUBLAS(cublasSgemmStridedBatched(cublas, CUBLAS_OP_N, CUBLAS_OP_N, j->D, j->T, j->T, &one, j->v, j->D, TD,
                                             j->S, j->T, TT, &zero, j->o, j->D, TD, j->BH));
    return s;
}

static int fused_slower_somewhere, fused_measured;

static void bench_attention(const int *ts, int count, int BH, int D, rng_t *rng)
{
    out("\n### Attention, BH = %d, D = %d (FP32)\n\n"
        "| T | mask | unfused, ours (ms) | unfused, cuBLAS GEMMs (ms) | fused (ms) | fused speed-up over ours | check |\n"
        "|---|---|---|---|---|---|---|\n", BH, D);
    for (int c = 0; c < count; c++) {
        int T = ts[c];
        size_t n = (size_t)BH * T * D;
        attn_job j = {1, BH, T, D, 0, dev_random(n, rng), dev_random(n, rng), dev_random(n, rng), dev_zeros(n),
                      dev_zeros(gpu_attention_scratch_floats(BH, T))};
        float *o_ref = dev_zeros(n);
        if (!j.q || !j.k || !j.v || !j.o || !j.S || !o_ref) {
            out("| %d | | could not allocate | | | | |\n", T);
            failures++;
        } else {
            for (int causal = 0; causal <= 1; causal++) {
                j.causal = causal;
                double ms[3] = {-1, -1, -1}, err = 0;
                j.version = 1; /* ours, unfused: the reference output */
                if (run_attn(&j) != GPU_OK || gpu_copy(o_ref, j.o, n * sizeof(float)) != GPU_OK) {
                    failures++;
                    continue;
                }
                ms[0] = time_ms(run_attn, &j);
                if (!causal) {
                    j.version = 0;
                    if (run_attn(&j) == GPU_OK) {
                        err = fmax(err, rel_diff(j.o, o_ref, n));
                        ms[1] = time_ms(run_attn, &j);
                    }
                }
                j.version = 2;
                if (run_attn(&j) != GPU_OK) {
                    failures++;
                    continue;
                }
                err = fmax(err, rel_diff(j.o, o_ref, n));
                ms[2] = time_ms(run_attn, &j);
                int ok = err < 1e-3;
                failures += !ok;
                char cub[32] = "n/a (mask)";
                if (ms[1] > 0)
                    snprintf(cub, sizeof cub, "%.3f", ms[1]);
                out("| %d | %s | %.3f | %s | %.3f | %.2fx | %s (%.1e) |\n", T, causal ? "causal" : "none", ms[0], cub,
                    ms[2], ms[0] / ms[2], ok ? "ok" : "WRONG", err);
                fprintf(csv, "attention,%s,%d,%g,%g,ms_unfused_ours,%g\n", causal ? "causal" : "none", T, ms[2],
                        ms[0], ms[1]);
                if (!(ms[2] < ms[0])) /* NaN counts as slower */
                    fused_slower_somewhere = 1;
                fused_measured = 1;
            }
        }
        gpu_free(j.q), gpu_free(j.k), gpu_free(j.v), gpu_free(j.o), gpu_free(j.S), gpu_free(o_ref);
    }
}

/* --- int8 -------------------------------------------------------------------------------------- */

typedef struct {
    int ours, n;
    const int8_t *A, *Bt;
    int32_t *C;
} igemm_job;

static gpu_status run_igemm(void *p)
{
    igemm_job *j = p;
    if (j->ours)
        return gpu_igemm(j->C, j->A, j->Bt, j->n, j->n, j->n);
    const int32_t one = 1, zero = 0;
    /* Row-major C = A Bt^T is column-major C^T = Bt A^T: Bt (column-major K x N) transposed. */
    return CUBLAS(cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, j->n, j->n, j->n, &one, j->Bt, CUDA_R_8I, j->n, j->A,
                               CUDA_R_8I, j->n, &zero, j->C, CUDA_R_32I, j->n, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
}

static void bench_int8(int n, rng_t *rng)
{
    size_t nn = (size_t)n * n;
    int8_t *h = nn_malloc(nn);
    void *A = NULL, *B = NULL, *C = NULL, *R = NULL;
    out("\n### int8 GEMM, n = %d\n\n| kernel | ms | TOP/s | share of cuBLAS | check |\n|---|---|---|---|---|\n", n);
    for (size_t i = 0; i < nn; i++)
        h[i] = (int8_t)((int)rng_below(rng, 256) - 128);
    if (gpu_malloc(&A, nn) != GPU_OK || gpu_malloc(&B, nn) != GPU_OK || gpu_malloc(&C, nn * 4) != GPU_OK ||
        gpu_malloc(&R, nn * 4) != GPU_OK || gpu_upload(A, h, nn) != GPU_OK || gpu_upload(B, h, nn) != GPU_OK) {
        failures++;
    } else {
        igemm_job ours = {1, n, A, B, C}, ref = {0, n, A, B, R};
        double ops = 2.0 * n * n * n, ms_ref = -1;
        if (run_igemm(&ref) == GPU_OK)
            ms_ref = time_ms(run_igemm, &ref);
        if (ms_ref > 0)
            out("| cuBLAS cublasGemmEx int8 | %.3f | %.1f | 100%% | reference |\n", ms_ref, ops / (ms_ref * 1e9));
        else
            out("| cuBLAS cublasGemmEx int8 | | | | not available (see the error above) |\n");
        if (run_igemm(&ours) != GPU_OK) {
            failures++;
        } else {
            int32_t *x = nn_malloc(nn * 4), *y = nn_malloc(nn * 4);
            int same = -1;
            if (ms_ref > 0 && gpu_download(x, C, nn * 4) == GPU_OK && gpu_download(y, R, nn * 4) == GPU_OK)
                same = memcmp(x, y, nn * 4) == 0;
            failures += same == 0;
            double ms = time_ms(run_igemm, &ours);
            char share[32] = "";
            if (ms_ref > 0)
                snprintf(share, sizeof share, "%.1f%%", 100 * ms_ref / ms);
            out("| ours, dp4a | %.3f | %.1f | %s | %s |\n", ms, ops / (ms * 1e9), share,
                same < 0 ? "no reference" : same ? "ok (exact)" : "WRONG");
            fprintf(csv, "int8,dp4a,%d,%g,%g,TOP/s,%g\n", n, ms, ops / (ms * 1e9), ms_ref > 0 ? ms_ref / ms : 0);
            free(x), free(y);
        }
    }
    gpu_free(A), gpu_free(B), gpu_free(C), gpu_free(R);
    free(h);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("GPU_OUT") ? getenv("GPU_OUT") : "build/gpu/results";
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--out DIR]\n  --quick  n = 1024 and T <= 1024 only\n", argv[0]);
            return 2;
        }
    }
    char why[512];
    if (gpu_probe(why, sizeof why) != GPU_OK) {
        nn_error("run it on a machine with an NVIDIA GPU (chapters/13_cuda/README-gpu.md)",
                 "the benchmark needs an NVIDIA GPU: %s", why);
        return 1;
    }
    char path[4096];
    if (io_mkdirs(dir) != 0)
        return 1;
    md = fopen(io_join(path, dir, "bench.md"), "w");
    csv = fopen(io_join(path, dir, "bench.csv"), "w");
    if (!md || !csv) {
        nn_error("check that the directory is writable", "cannot write %s/bench.md and bench.csv", dir);
        return 1;
    }
    fprintf(csv, "op,variant,size,ms,value,unit,ratio\n");
    if (CUBLAS(cublasCreate(&cublas)) != GPU_OK)
        return 1;
    gpu_info info;
    if (gpu_get_info(&info) != GPU_OK)
        return 1;
    out("# Chapter 13 benchmark: %s (compute capability %d.%d, %d SMs, %.0f GB)%s\n", info.name, info.cc_major,
        info.cc_minor, info.sms, info.global_mem / 1e9, quick ? ", --quick" : "");
    out("\nEvery kernel's output is checked against a reference computed in the same run before it is timed;\n"
        "times are means over repetitions filling about 0.3 s, after a warm-up, measured with CUDA events.\n");
    rng_t rng;
    rng_seed(&rng, 13);
    const int sizes[] = {1024, 2048, 4096};
    for (int i = 0; i < (quick ? 1 : 3); i++)
        bench_sgemm(sizes[i], &rng);
    bench_rows(quick ? 4096 : 8192, 4096, &rng);
    bench_rows(quick ? 8192 : 32768, 768, &rng);
    const int ts[] = {512, 1024, 2048, 4096};
    bench_attention(ts, quick ? 2 : 4, 32, 64, &rng);
    bench_int8(quick ? 1024 : 4096, &rng);

    out("\n### Targets (DESIGN.md)\n\n");
    if (best_fp32_share_4096 >= 0)
        out("- best FP32 SGEMM step >= 85%% of cuBLAS at n = 4096: %.1f%%, %s\n", 100 * best_fp32_share_4096,
            best_fp32_share_4096 >= 0.85 ? "met" : "missed");
    else
        out("- best FP32 SGEMM step >= 85%% of cuBLAS at n = 4096: not measured (--quick)\n");
    if (tf32_share_4096 >= 0)
        out("- TF32 step >= 50%% of cuBLAS TF32 at n = 4096: %.1f%%, %s\n", 100 * tf32_share_4096,
            tf32_share_4096 >= 0.5 ? "met" : "missed");
    out("- softmax and layer norm >= 80%% of copy bandwidth: worst %.1f%%, %s\n", 100 * worst_row_share,
        worst_row_share >= 0.8 ? "met" : "missed");
    out("- fused attention faster than unfused at every T: %s\n",
        !fused_measured ? "not measured" : fused_slower_somewhere ? "missed" : "met");
    out("\n%s\n", failures ? "SOME RESULTS WERE WRONG (see the check columns)" : "every result checked out");
    cublasDestroy(cublas);
    fclose(md);
    fclose(csv);
    printf("(written to %s/bench.md and %s/bench.csv)\n", dir, dir);
    return failures ? 1 : 0;
}
