/* qgemm_amx.c — the int8 GEMM on AMX, Intel's tile unit (Sapphire Rapids and later); see qgemm.h.
 *
 * AMX adds eight tile registers tmm0..tmm7 of up to 16 rows x 64 bytes, and one instruction,
 * tdpbssd, that multiplies two int8 tiles into an int32 one:
 *
 *   C[m][n] += sum_{q < 16} sum_{i < 4} A[m][4q + i] * Bt[q][4n + i]    C 16 x 16 int32, A 16 x 64,
 *                                                                        Bt 16 x 64 (int8, signed)
 *
 * so one instruction does 16 * 16 * 64 = 16,384 multiply-adds. A's tile is 16 rows of A, 64
 * values of K each, as they lie in memory. B's tile must be in the "VNNI layout": its row q holds,
 * for each of 16 output columns n, the four bytes B[n][4q .. 4q+3] side by side. So B is repacked
 * once per call, in tiles of 16 columns x 64 values of K (1 KiB each, contiguous); A is copied
 * into rows padded to a multiple of 64 bytes (and M to a multiple of 32), and the padding is 0,
 * which adds nothing to any sum. Each block of 32 x 32 outputs keeps its four C tiles in tmm0..3
 * for the whole of K, loading two A tiles (tmm4, tmm5) and two B tiles (tmm6, tmm7) per step of
 * 64: four tile products per four loads.
 *
 * Before a process may touch the tiles, Linux must be asked for the (8 KiB) tile state:
 * arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), done once by qgemm.c. Each call loads its
 * tile configuration (palette 1: every tile 16 rows x 64 bytes) and releases the tiles at the
 * end, so calls from several threads do not interfere.
 *
 * Testing. The tile operations are written as the amx_* macros below. The library maps them to
 * the instructions; common/tests/test_qgemm_amx.c defines them as C functions written from the
 * pseudo-code of Intel's manual (with its shape checks) and includes this file, so every machine
 * checks the packing and the blocking against the portable product. On a machine with AMX,
 * test_quant.c also runs this path on the hardware, against the same oracle.
 */
#ifndef QGEMM_AMX_EMULATED
#include "qgemm.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(QGEMM_AMX_EMULATED)

#ifndef QGEMM_AMX_EMULATED
#include <immintrin.h>
#define AMX_TARGET __attribute__((target("amx-tile,amx-int8")))
#define amx_load_config(cfg) _tile_loadconfig(cfg)
#define amx_zero(t) _tile_zero(t)
#define amx_load(t, base, stride) _tile_loadd(t, base, stride)
#define amx_store(t, base, stride) _tile_stored(t, base, stride)
#define amx_dpbssd(c, a, b) _tile_dpbssd(c, a, b)
#define amx_release() _tile_release()
#define QGEMM_AMX_FN qgemm_amx_s8
int qgemm_amx_s8(int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K);
#endif

enum { AMX_ROWS = 16, AMX_BYTES = 64, AMX_TILE = AMX_ROWS * AMX_BYTES, AMX_BLOCK = 32 };

/* The 64-byte operand of ldtilecfg: palette 1, then bytes per row and rows for each tile. */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_config_t;

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

/* B (N, K) into tiles of 16 columns x 64 k in the VNNI layout: tile (jt, kt) at
 * Bp + (jt * kts + kt) * 1 KiB, its row q = for n < 16: B[16 jt + n][64 kt + 4q .. 4q + 3]. */
static void pack_b(int8_t *Bp, const int8_t *B, int N, int K, size_t Np, size_t Kp)
{
    const size_t kts = Kp / AMX_BYTES;
    memset(Bp, 0, Np * Kp);
    for (int j = 0; j < N; j++) {
        const size_t jt = (size_t)j / AMX_ROWS, n = (size_t)j % AMX_ROWS;
        for (int k = 0; k < K; k++) {
            const size_t kt = (size_t)k / AMX_BYTES, q = (size_t)(k % AMX_BYTES) / 4;
            Bp[(jt * kts + kt) * AMX_TILE + q * AMX_BYTES + 4 * n + (size_t)(k % 4)] = B[(size_t)j * K + k];
        }
    }
}

/* A (M, K) into rows of Kp bytes, Mp rows, zero-padded. */
static void pack_a(int8_t *Ap, const int8_t *A, int M, int K, size_t Mp, size_t Kp)
{
    memset(Ap, 0, Mp * Kp);
    for (int i = 0; i < M; i++)
        memcpy(Ap + (size_t)i * Kp, A + (size_t)i * K, (size_t)K);
}

/* One 16 x 16 C tile from its buffer into C, the rows and columns that exist. */
static void copy_out(int32_t *C, const int32_t *tile, int i0, int j0, int M, int N)
{
    for (int r = 0; r < AMX_ROWS && i0 + r < M; r++)
        for (int c = 0; c < AMX_ROWS && j0 + c < N; c++)
            C[(size_t)(i0 + r) * N + j0 + c] = tile[r * AMX_ROWS + c];
}

/* Returns 0, or -1 (nothing written) when the packed copies cannot be allocated. */
AMX_TARGET int QGEMM_AMX_FN(int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K)
{
    if (M == 0 || N == 0)
        return 0;
    const size_t Mp = round_up((size_t)M, AMX_BLOCK), Np = round_up((size_t)N, AMX_BLOCK);
    const size_t Kp = round_up(K > 0 ? (size_t)K : 1, AMX_BYTES), kts = Kp / AMX_BYTES;
    int8_t *Ap = malloc(Mp * Kp), *Bp = malloc(Np * Kp);
    if (!Ap || !Bp) {
        free(Ap);
        free(Bp);
        return -1;
    }
    pack_a(Ap, A, M, K, Mp, Kp);
    pack_b(Bp, B, N, K, Np, Kp);

    amx_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) {
        cfg.rows[t] = AMX_ROWS;
        cfg.colsb[t] = AMX_BYTES;
    }
    amx_load_config(&cfg);
    int32_t out[4][AMX_ROWS * AMX_ROWS];
    for (size_t i0 = 0; i0 < Mp; i0 += AMX_BLOCK)
        for (size_t j0 = 0; j0 < Np; j0 += AMX_BLOCK) {
            const int8_t *a = Ap + i0 * Kp, *b = Bp + (j0 / AMX_ROWS) * kts * AMX_TILE;
            amx_zero(0);
            amx_zero(1);
            amx_zero(2);
            amx_zero(3);
            for (size_t kt = 0; kt < kts; kt++) {
                amx_load(4, a + kt * AMX_BYTES, Kp);                         /* rows i0 .. i0+15  */
                amx_load(5, a + AMX_ROWS * Kp + kt * AMX_BYTES, Kp);         /* rows i0+16 .. +31 */
                amx_load(6, b + kt * AMX_TILE, AMX_BYTES);                   /* columns j0 .. +15 */
                amx_load(7, b + (kts + kt) * AMX_TILE, AMX_BYTES);           /* columns j0+16 ..  */
                amx_dpbssd(0, 4, 6);
                amx_dpbssd(1, 4, 7);
                amx_dpbssd(2, 5, 6);
                amx_dpbssd(3, 5, 7);
            }
            amx_store(0, out[0], AMX_BYTES);
            amx_store(1, out[1], AMX_BYTES);
            amx_store(2, out[2], AMX_BYTES);
            amx_store(3, out[3], AMX_BYTES);
            copy_out(C, out[0], (int)i0, (int)j0, M, N);
            copy_out(C, out[1], (int)i0, (int)j0 + AMX_ROWS, M, N);
            copy_out(C, out[2], (int)i0 + AMX_ROWS, (int)j0, M, N);
            copy_out(C, out[3], (int)i0 + AMX_ROWS, (int)j0 + AMX_ROWS, M, N);
        }
    amx_release();
    free(Ap);
    free(Bp);
    return 0;
}

#endif
