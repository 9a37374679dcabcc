/* The AMX path of the int8 GEMM (qgemm_amx.c) on every machine: its packing and blocking run on a
 * model of the tile instructions in C, written from the pseudo-code of Intel's Software
 * Developer's Manual (LDTILECFG, TILELOADD, TILESTORED, TILEZERO, TDPBSSD, TILERELEASE), with the
 * checks that make the hardware fault (#GP on a bad configuration, #UD on a tile product of
 * mismatched shapes or on an unconfigured tile). The result must equal the portable product.
 * Where the CPU has AMX, test_quant.c runs the same kernel on the tiles themselves. */
#include "qgemm.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- the model: eight tiles of up to 16 rows x 64 bytes, palette 1 --------------------------- */
typedef struct {
    int rows, colsb; /* 0 rows: not configured */
    uint8_t data[16][64];
} model_tile_t;

static model_tile_t model_tmm[8];
static int model_configured;

static void model_load_config(const void *cfg)
{
    const uint8_t *c = cfg;
    cr_assert_eq(c[0], 1, "LDTILECFG: palette %d (this kernel must use palette 1)", c[0]);
    cr_assert_eq(c[1], 0, "LDTILECFG: start_row must be 0");
    for (int i = 2; i < 16; i++)
        cr_assert_eq(c[i], 0, "LDTILECFG: reserved byte %d is %d: #GP", i, c[i]);
    for (int t = 0; t < 8; t++) {
        const int colsb = c[16 + 2 * t] | c[17 + 2 * t] << 8, rows = c[48 + t];
        cr_assert(rows <= 16 && colsb <= 64, "LDTILECFG: tile %d is %d x %d bytes (at most 16 x 64): #GP", t,
                  rows, colsb);
        cr_assert((rows == 0) == (colsb == 0), "LDTILECFG: tile %d has %d rows of %d bytes: #GP", t, rows, colsb);
        model_tmm[t].rows = rows;
        model_tmm[t].colsb = colsb;
        memset(model_tmm[t].data, 0, sizeof model_tmm[t].data);
    }
    for (int t = 8; t < 16; t++) /* palette 1 has 8 tiles: the fields of the other 8 are reserved */
        cr_assert(c[16 + 2 * t] == 0 && c[17 + 2 * t] == 0 && c[48 + t] == 0, "LDTILECFG: tile %d does not exist: #GP",
                  t);
    model_configured = 1;
}

static model_tile_t *model_tile(int t)
{
    cr_assert(model_configured, "tile instruction before LDTILECFG: #UD");
    cr_assert(t >= 0 && t < 8 && model_tmm[t].rows > 0, "tmm%d is not configured: #UD", t);
    return &model_tmm[t];
}

static void model_zero(int t) { memset(model_tile(t)->data, 0, sizeof model_tmm[t].data); }

/* TILELOADD: rows x colsb bytes from base + row * stride; the rest of the tile is zeroed. */
static void model_load(int t, const void *base, size_t stride)
{
    model_tile_t *x = model_tile(t);
    memset(x->data, 0, sizeof x->data);
    for (int r = 0; r < x->rows; r++)
        memcpy(x->data[r], (const uint8_t *)base + (size_t)r * stride, (size_t)x->colsb);
}

static void model_store(int t, void *base, size_t stride)
{
    const model_tile_t *x = model_tile(t);
    for (int r = 0; r < x->rows; r++)
        memcpy((uint8_t *)base + (size_t)r * stride, x->data[r], (size_t)x->colsb);
}

static int32_t model_dword(const model_tile_t *x, int r, int n)
{
    int32_t v;
    memcpy(&v, x->data[r] + 4 * n, 4);
    return v;
}

/* TDPBSSD dst, a, b: dst.dword[m][n] += sum over k < a.colsb/4, i < 4 of
 * (int8) a.byte[m][4k + i] * (int8) b.byte[k][4n + i], wrapping in 32 bits. */
static void model_dpbssd(int d, int a, int b)
{
    cr_assert(d != a && d != b && a != b, "TDPBSSD tmm%d, tmm%d, tmm%d: the registers must differ: #UD", d, a, b);
    model_tile_t *C = model_tile(d);
    const model_tile_t *A = model_tile(a), *B = model_tile(b);
    cr_assert(C->colsb % 4 == 0 && A->colsb % 4 == 0 && B->colsb == C->colsb && A->colsb / 4 == B->rows &&
                  C->rows == A->rows,
              "TDPBSSD: shapes dst %dx%d, a %dx%d, b %dx%d do not fit: #UD", C->rows, C->colsb, A->rows, A->colsb,
              B->rows, B->colsb);
    for (int m = 0; m < C->rows; m++)
        for (int n = 0; n < C->colsb / 4; n++) {
            uint32_t acc = (uint32_t)model_dword(C, m, n);
            for (int k = 0; k < A->colsb / 4; k++)
                for (int i = 0; i < 4; i++)
                    acc += (uint32_t)((int32_t)(int8_t)A->data[m][4 * k + i] * (int32_t)(int8_t)B->data[k][4 * n + i]);
            memcpy(C->data[m] + 4 * n, &acc, 4);
        }
}

static void model_release(void)
{
    memset(model_tmm, 0, sizeof model_tmm);
    model_configured = 0;
}

/* --- the kernel, compiled against the model ---------------------------------------------------- */
#define QGEMM_AMX_EMULATED 1
#define AMX_TARGET static
#define QGEMM_AMX_FN qgemm_amx_s8_on_model
#define amx_load_config(cfg) model_load_config(cfg)
#define amx_zero(t) model_zero(t)
#define amx_load(t, base, stride) model_load(t, base, (size_t)(stride))
#define amx_store(t, base, stride) model_store(t, base, (size_t)(stride))
#define amx_dpbssd(c, a, b) model_dpbssd(c, a, b)
#define amx_release() model_release()
#include "qgemm_amx.c"

Test(qgemm_amx, the_model_multiplies_one_quad_by_hand)
{
    uint8_t cfg[64] = {1};
    for (int t = 0; t < 3; t++) {
        cfg[16 + 2 * t] = 4; /* 1 row of 4 bytes each */
        cfg[48 + t] = 1;
    }
    model_load_config(cfg);
    const int8_t a[4] = {-128, 127, 3, -1}, b[4] = {-128, -128, 2, 5};
    int32_t c = 7;
    model_load(0, &c, 4);
    model_load(1, a, 4);
    model_load(2, b, 4);
    model_dpbssd(0, 1, 2);
    model_store(0, &c, 4);
    model_release();
    cr_assert_eq(c, 7 + 16384 - 16256 + 6 - 5, "7 + (-128)(-128) + 127(-128) + 3*2 + (-1)*5 = 136, got %d", c);
}

Test(qgemm_amx, kernel_on_the_model_equals_portable_on_odd_shapes)
{
    /* blocks of 32 x 32 and steps of 64 in K: shapes below, at and past each edge */
    static const int shapes[][3] = {{1, 1, 1},   {3, 5, 7},     {16, 16, 64},  {17, 15, 65}, {32, 32, 128},
                                    {33, 31, 63}, {2, 300, 33}, {47, 70, 200}, {64, 33, 1000}, {0, 3, 5},
                                    {3, 4, 0}};
    rng_t rng;
    rng_seed(&rng, 12);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        int8_t *A = malloc((size_t)M * K + 1), *B = malloc((size_t)N * K + 1);
        int32_t *ref = malloc(((size_t)M * N + 1) * 4), *got = malloc(((size_t)M * N + 1) * 4);
        for (size_t i = 0; i < (size_t)M * K; i++)
            A[i] = (int8_t)((int)rng_below(&rng, 256) - 128);
        for (size_t i = 0; i < (size_t)N * K; i++)
            B[i] = (int8_t)((int)rng_below(&rng, 256) - 128);
        if (M * K > 0 && N * K > 0)
            A[0] = B[0] = -128;
        for (int i = 0; i < M * N; i++)
            got[i] = 0x5a5a5a5a; /* every output must be written */
        cr_assert_eq(qgemm_s8_path(QGEMM_PORTABLE, ref, A, B, M, N, K), 0);
        cr_assert_eq(qgemm_amx_s8_on_model(got, A, B, M, N, K), 0);
        cr_assert_not(model_configured, "the kernel must release the tiles (TILERELEASE) before returning");
        for (int i = 0; i < M * N; i++)
            cr_assert_eq(got[i], ref[i], "shape M=%d N=%d K=%d, output (%d, %d): %d, portable %d", M, N, K, i / N,
                         i % N, got[i], ref[i]);
        free(A), free(B), free(ref), free(got);
    }
}
