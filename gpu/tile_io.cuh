/* tile_io.cuh — guarded loads and stores of matrix tiles, shared by the GEMM kernels.
 *
 * A tile that sticks out of the matrix (the last tile when a size is not a multiple of the tile)
 * reads zeros there and writes nothing: zeros add nothing to a dot product, so the inner loops
 * need no bounds checks at all. The check is made once per tile load, and a tile that lies
 * entirely inside the matrix takes the fast path (one 16-byte load) through a branch that all
 * threads of a warp take the same way.
 */
#ifndef NN_GPU_TILE_IO_CUH
#define NN_GPU_TILE_IO_CUH

#include <stdint.h>

/* alpha * acc + beta * c, where beta == 0 means "do not read c" (it may be uninitialized:
 * 0 * NaN would be NaN). */
__device__ __forceinline__ float gemm_epilogue(float acc, float alpha, float beta, const float *c)
{
    return beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
}

/* Elements (row, col .. col+3) of a rows x cols matrix with leading dimension ld, zeros outside.
 * vec: a 16-byte load is allowed (ld % 4 == 0, p 16-byte aligned, col % 4 == 0). */
__device__ __forceinline__ float4 load4(const float *p, int row, int col, int rows, int cols, int ld, bool vec)
{
    if (vec && row < rows && col + 3 < cols)
        return *reinterpret_cast<const float4 *>(p + (size_t)row * ld + col);
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (row < rows) {
        const float *q = p + (size_t)row * ld;
        if (col < cols) v.x = q[col];
        if (col + 1 < cols) v.y = q[col + 1];
        if (col + 2 < cols) v.z = q[col + 2];
        if (col + 3 < cols) v.w = q[col + 3];
    }
    return v;
}

/* C[row][col .. col+3] = alpha * acc + beta * C, for the elements inside the matrix. */
__device__ __forceinline__ void store4(float *p, int row, int col, int rows, int cols, int ld, bool vec,
                                       float4 acc, float alpha, float beta)
{
    if (row >= rows)
        return;
    float *q = p + (size_t)row * ld + col;
    if (vec && col + 3 < cols) {
        float4 c = beta == 0.0f ? make_float4(0.0f, 0.0f, 0.0f, 0.0f) : *reinterpret_cast<const float4 *>(q);
        float4 out = make_float4(alpha * acc.x + beta * c.x, alpha * acc.y + beta * c.y,
                                 alpha * acc.z + beta * c.z, alpha * acc.w + beta * c.w);
        *reinterpret_cast<float4 *>(q) = out;
        return;
    }
    if (col < cols) q[0] = gemm_epilogue(acc.x, alpha, beta, q);
    if (col + 1 < cols) q[1] = gemm_epilogue(acc.y, alpha, beta, q + 1);
    if (col + 2 < cols) q[2] = gemm_epilogue(acc.z, alpha, beta, q + 2);
    if (col + 3 < cols) q[3] = gemm_epilogue(acc.w, alpha, beta, q + 3);
}

/* Can rows of this matrix be read 16 bytes at a time? */
static inline bool vec4_ok(const void *p, int ld)
{
    return ((uintptr_t)p % 16 == 0) && ld % 4 == 0;
}

#endif
