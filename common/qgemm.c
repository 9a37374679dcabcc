/* qgemm.c — int8 GEMM with int32 accumulation: portable, AVX2 and AVX-512 VNNI paths, and the
 * dispatch to them and to the AMX path (qgemm_amx.c); see qgemm.h.
 *
 * The SIMD paths compute blocks of MR rows of A times NR rows of B: MR + NR vector loads feed
 * MR * NR multiply-accumulates, so each byte loaded is used several times. Each output keeps a
 * vector of partial sums over K, added up (horizontally) once at the end. Sums wrap modulo 2^32
 * in the vector registers (unsigned arithmetic in C): the result is exact whenever the true sum
 * fits in int32, which qgemm.h's K bound guarantees.
 */
#include "qgemm.h"

#include "error.h"

#include <stddef.h>

#if defined(__x86_64__) || defined(__i386__)
#define QGEMM_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#if defined(__x86_64__) && defined(__linux__)
#define QGEMM_AMX 1
#include <sys/syscall.h>
#include <unistd.h>
int qgemm_amx_s8(int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K); /* qgemm_amx.c */
#endif

static void qgemm_portable(int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            const int8_t *a = A + (size_t)i * K, *b = B + (size_t)j * K;
            int32_t acc = 0;
            for (int k = 0; k < K; k++)
                acc += (int32_t)a[k] * (int32_t)b[k];
            C[(size_t)i * N + j] = acc;
        }
}

#ifdef QGEMM_X86

#define AVX2_MR 2
#define AVX2_NR 4

__attribute__((target("avx2"))) static inline int32_t avx2_hsum(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/* One block of mr x nr outputs (mr <= AVX2_MR, nr <= AVX2_NR). */
__attribute__((target("avx2"), always_inline)) static inline void avx2_block(int32_t *C, const int8_t *A,
                                                                             const int8_t *B, int N, int K, int i0,
                                                                             int j0, int mr, int nr)
{
    __m256i acc[AVX2_MR][AVX2_NR];
#pragma GCC unroll 8
    for (int r = 0; r < AVX2_MR; r++)
#pragma GCC unroll 8
        for (int c = 0; c < AVX2_NR; c++)
            acc[r][c] = _mm256_setzero_si256();
    int k = 0;
    for (; k + 16 <= K; k += 16) {
        __m256i a[AVX2_MR] = {0}, b[AVX2_NR] = {0}; /* rows past mr, nr stay 0 (and unused) */
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++)
            a[r] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(A + (size_t)(i0 + r) * K + k)));
#pragma GCC unroll 8
        for (int c = 0; c < nr; c++)
            b[c] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(B + (size_t)(j0 + c) * K + k)));
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
            for (int c = 0; c < nr; c++)
                acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(a[r], b[c]));
    }
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++) {
            const int8_t *a = A + (size_t)(i0 + r) * K, *b = B + (size_t)(j0 + c) * K;
            uint32_t s = (uint32_t)avx2_hsum(acc[r][c]);
            for (int kk = k; kk < K; kk++)
                s += (uint32_t)((int32_t)a[kk] * (int32_t)b[kk]);
            C[(size_t)(i0 + r) * N + j0 + c] = (int32_t)s;
        }
}

__attribute__((target("avx2"))) static void qgemm_avx2(int32_t *C, const int8_t *A, const int8_t *B, int M, int N,
                                                       int K)
{
    for (int i0 = 0; i0 < M; i0 += AVX2_MR) {
        const int mr = M - i0 < AVX2_MR ? M - i0 : AVX2_MR;
        for (int j0 = 0; j0 < N; j0 += AVX2_NR) {
            const int nr = N - j0 < AVX2_NR ? N - j0 : AVX2_NR;
            if (mr == AVX2_MR && nr == AVX2_NR)
                avx2_block(C, A, B, N, K, i0, j0, AVX2_MR, AVX2_NR); /* constants: fully unrolled */
            else
                avx2_block(C, A, B, N, K, i0, j0, mr, nr);
        }
    }
}

#define VNNI_MR 4
#define VNNI_NR 4
#define VNNI_TARGET "avx512vnni,avx512bw,avx512f"

__attribute__((target(VNNI_TARGET), always_inline)) static inline void vnni_block(int32_t *C, const int8_t *A,
                                                                                   const int8_t *B, const int32_t *bsum,
                                                                                   int N, int K, int i0, int j0,
                                                                                   int mr, int nr)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512i acc[VNNI_MR][VNNI_NR];
#pragma GCC unroll 16
    for (int r = 0; r < VNNI_MR; r++)
#pragma GCC unroll 16
        for (int c = 0; c < VNNI_NR; c++)
            acc[r][c] = _mm512_setzero_si512();
    for (int k = 0; k < K; k += 64) {
        /* the last, partial step loads only K - k bytes; B's other bytes read as 0, so whatever
         * A holds there (128 after the flip) contributes nothing */
        const __mmask64 m = K - k >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (K - k)) - 1);
        __m512i a[VNNI_MR] = {0}, b[VNNI_NR] = {0}; /* rows past mr, nr stay 0 (and unused) */
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++)
            a[r] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, A + (size_t)(i0 + r) * K + k), flip);
#pragma GCC unroll 16
        for (int c = 0; c < nr; c++)
            b[c] = _mm512_maskz_loadu_epi8(m, B + (size_t)(j0 + c) * K + k);
#pragma GCC unroll 16
        for (int r = 0; r < mr; r++)
#pragma GCC unroll 16
            for (int c = 0; c < nr; c++)
                acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], a[r], b[c]);
    }
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++)
            C[(size_t)(i0 + r) * N + j0 + c] =
                (int32_t)((uint32_t)_mm512_reduce_add_epi32(acc[r][c]) - 128u * (uint32_t)bsum[j0 + c]);
}

__attribute__((target(VNNI_TARGET))) static void qgemm_vnni(int32_t *C, const int8_t *A, const int8_t *B, int M,
                                                             int N, int K)
{
    enum { CHUNK = 256 }; /* row sums of B for this many columns at a time, on the stack */
    int32_t bsum[CHUNK];
    for (int n0 = 0; n0 < N; n0 += CHUNK) {
        const int nn = N - n0 < CHUNK ? N - n0 : CHUNK;
        for (int j = 0; j < nn; j++) {
            const int8_t *b = B + (size_t)(n0 + j) * K;
            int32_t s = 0;
            for (int k = 0; k < K; k++)
                s += b[k];
            bsum[j] = s;
        }
        const int8_t *Bn = B + (size_t)n0 * K;
        for (int i0 = 0; i0 < M; i0 += VNNI_MR) {
            const int mr = M - i0 < VNNI_MR ? M - i0 : VNNI_MR;
            for (int j0 = 0; j0 < nn; j0 += VNNI_NR) {
                const int nr = nn - j0 < VNNI_NR ? nn - j0 : VNNI_NR;
                /* C's columns n0.. : shift C by n0 and keep its row stride N */
                if (mr == VNNI_MR && nr == VNNI_NR)
                    vnni_block(C + n0, A, Bn, bsum, N, K, i0, j0, VNNI_MR, VNNI_NR);
                else
                    vnni_block(C + n0, A, Bn, bsum, N, K, i0, j0, mr, nr);
            }
        }
    }
}

#endif /* QGEMM_X86 */

#ifdef QGEMM_AMX
/* AMX-TILE and AMX-INT8 (CPUID leaf 7: EDX bits 24 and 25), and Linux's permission for this
 * process to use the tile state (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA = 18;
 * kernels before 5.16 refuse). Asked once: the answer is the process's. */
static int amx_usable(void)
{
    static _Atomic int state = -1;
    int s = state;
    if (s < 0) {
        unsigned a, b, c, d;
        s = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (d >> 24 & 1) && (d >> 25 & 1) &&
            syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
        state = s;
    }
    return s;
}
#endif

int qgemm_available(qgemm_path_t path)
{
    switch (path) {
    case QGEMM_PORTABLE:
        return 1;
#ifdef QGEMM_X86
    case QGEMM_AVX2:
        return __builtin_cpu_supports("avx2") != 0;
    case QGEMM_AVX512_VNNI:
        return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512f");
#endif
#ifdef QGEMM_AMX
    case QGEMM_AMX_INT8:
        return amx_usable();
#endif
    default:
        return 0;
    }
}

const char *qgemm_path_name(qgemm_path_t path)
{
    static const char *const names[QGEMM_PATHS] = {"portable", "avx2", "avx512-vnni", "amx-int8"};
    return path >= 0 && path < QGEMM_PATHS ? names[path] : "unknown";
}

qgemm_path_t qgemm_best_path(void)
{
    for (int p = QGEMM_PATHS - 1; p > 0; p--)
        if (qgemm_available((qgemm_path_t)p))
            return (qgemm_path_t)p;
    return QGEMM_PORTABLE;
}

int qgemm_s8_path(qgemm_path_t path, int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K)
{
    if (!qgemm_available(path)) {
        nn_error("qgemm_available() tells which paths this CPU has; qgemm_s8() picks the best one",
                 "int8 GEMM: path '%s' is not available on this CPU", qgemm_path_name(path));
        return -1;
    }
    switch (path) {
#ifdef QGEMM_X86
    case QGEMM_AVX2:
        qgemm_avx2(C, A, B, M, N, K);
        break;
    case QGEMM_AVX512_VNNI:
        qgemm_vnni(C, A, B, M, N, K);
        break;
#endif
#ifdef QGEMM_AMX
    case QGEMM_AMX_INT8:
        if (qgemm_amx_s8(C, A, B, M, N, K) == 0)
            break;
        /* no memory for its packed copies: the next path gives the same integers */
        return qgemm_s8_path(qgemm_available(QGEMM_AVX512_VNNI) ? QGEMM_AVX512_VNNI : QGEMM_PORTABLE, C, A, B, M,
                             N, K);
#endif
    default:
        qgemm_portable(C, A, B, M, N, K);
    }
    return 0;
}

void qgemm_s8(int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K)
{
    static _Atomic int best = -1; /* chosen once; a race writes the same value */
    if (best < 0)
        best = (int)qgemm_best_path();
    qgemm_s8_path((qgemm_path_t)best, C, A, B, M, N, K);
}
