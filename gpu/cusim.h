/* cusim.h — a CPU simulator of CUDA's execution model, and the thin macro layer that lets one
 * kernel source compile both with nvcc (for a GPU) and with cc (for the simulator). Chapter 13.
 *
 * Prefix: cusim_ (functions, types end in _t), CUSIM_ (constants). The macro layer's names are
 * CUDA's own (threadIdx, blockIdx, blockDim, gridDim) plus KERNEL, DEVICE, SHARED, SYNC, LD, ST
 * and SHFL_XOR, which a kernel file uses instead of the CUDA keywords:
 *
 *   KERNEL void scale(float *y, const float *x, float a, int n)   __global__ void ...
 *   {
 *       SHARED(float, buf, [256]);                                  __shared__ float buf[256];
 *       int i = blockIdx.x * blockDim.x + threadIdx.x;
 *       if (i < n)
 *           ST(y, i, a * LD(x, i));                                 y[i] = a * x[i];
 *       SYNC();                                                     __syncthreads();
 *   }
 *
 * Every load and store of global or shared memory goes through LD(p, i) (the value p[i]) and
 * ST(p, i, v) (p[i] = v): under nvcc they are exactly those expressions; under the simulator they
 * are how it sees each access. Registers (ordinary local variables) are not instrumented.
 *
 * The simulator. cusim_launch() runs a grid of blocks one block after another; the threads of a
 * block run as cooperative fibers (ucontext), one at a time, deterministically: a thread runs until
 * it reaches SYNC() (a real barrier: it waits until every thread of its block is there), a warp
 * shuffle (it waits for the other 31 lanes of its warp) or its end. Warps are 32 consecutive
 * threads of the block, numbered threadIdx.x first. SHARED arrays are one per block (they are
 * static storage, refilled with NaN at the start of every block, as real shared memory holds
 * garbage). Global memory is what cusim_malloc() returned.
 *
 * What it measures, per launch (cusim_stats_t), grouping the accesses of the 32 lanes of a warp
 * that come from the same LD/ST in the source, the n-th time each lane executes it (that is one
 * warp-wide memory instruction, a "request"):
 *   - global memory: requests and 32-byte sectors (a coalesced float load: 4 sectors; a warp
 *     whose lanes read addresses 4*K bytes apart: 32);
 *   - shared memory: requests and wavefronts (passes): an n-way bank conflict takes n
 *     (32 banks of 4-byte words; lanes reading the same word share it: a broadcast);
 *   - errors, each reported once per kind and site with the thread and block that made it:
 *       out-of-bounds accesses (the access is not performed: a read gives 0),
 *       barrier divergence (a thread that exits or reaches another SYNC() while others wait),
 *       races on shared memory (two threads touch a word between barriers, one of them writes).
 * Per source line (cusim_site_t) the same counts, so a grader can say which load was uncoalesced.
 *
 * Errors in the calls themselves (a block of more than 1024 threads, a grid of 0 blocks) are
 * reported with nn_error and cusim_launch returns -1. Nothing here exits the program.
 */
#ifndef NN_CUSIM_H
#define NN_CUSIM_H

#ifdef __CUDACC__
/* ---- nvcc: the macro layer is CUDA itself --------------------------------------------------- */
#define KERNEL __global__
#define DEVICE static __device__ __forceinline__
#define SHARED(type, name, dims) __shared__ type name dims
#define SYNC() __syncthreads()
#define LD(p, i) ((p)[i])
#define ST(p, i, v) ((p)[i] = (v))
#define SHFL_XOR(v, lane_mask) __shfl_xor_sync(0xffffffffu, (v), (lane_mask))
#define CUSIM_WARP 32

#else
/* ---- cc: the simulator ------------------------------------------------------------------------ */
#include <stddef.h>

#define CUSIM_WARP 32
#define CUSIM_MAX_THREADS 1024 /* per block, as on every CUDA GPU since compute capability 2.0 */
#define CUSIM_MAX_SITES 64
#define CUSIM_MAX_ERRORS 16

typedef struct {
    unsigned x, y, z;
} cusim_dim3_t;

/* A dim3 with defaults of 1, like CUDA's dim3(x), dim3(x, y). */
#define CUSIM_DIM3(...) cusim_dim3_of((unsigned[3]){__VA_ARGS__}, sizeof((unsigned[]){__VA_ARGS__}) / sizeof(unsigned))
cusim_dim3_t cusim_dim3_of(const unsigned *v, size_t n);

typedef enum { CUSIM_GLOBAL_LOAD, CUSIM_GLOBAL_STORE, CUSIM_SHARED_LOAD, CUSIM_SHARED_STORE } cusim_kind_t;

/* The counts of one LD or ST of the source (one line, one kind of access). */
typedef struct {
    int line;
    cusim_kind_t kind;
    long requests; /* warp-wide instructions */
    long units;    /* global: 32-byte sectors; shared: wavefronts (1 per request without conflicts) */
    int max_ways;  /* shared: the worst bank conflict seen; global: the most sectors of one request */
} cusim_site_t;

typedef struct {
    long global_load_requests, global_load_sectors;
    long global_store_requests, global_store_sectors;
    long shared_load_requests, shared_load_wavefronts;
    long shared_store_requests, shared_store_wavefronts;
    int shared_max_ways;
    long barriers; /* block-wide barriers passed, summed over blocks */
    long shuffles; /* warp-wide shuffles */
    int out_of_bounds, races, divergences, errors; /* errors: their sum */
    char messages[CUSIM_MAX_ERRORS][400];          /* the first errors, one sentence each */
    int n_messages;
    cusim_site_t sites[CUSIM_MAX_SITES];
    int n_sites;
} cusim_stats_t;

/* Device memory of the simulator: `bytes` bytes named `name` (for error messages). Like
 * cudaMalloc's, their contents are not zeroed: every byte is 0xFF (each float a NaN, each int -1),
 * so a kernel that reads memory nobody wrote, or adds into an output it should store, shows it.
 * NULL after reporting, if bytes is 0 or the simulator's table is full. */
void *cusim_malloc(size_t bytes, const char *name);
void cusim_free(void *p);

/* Runs kernel(args) on a grid of blocks. `entry` is a function that unpacks `args` and calls the
 * kernel (a launch in CUDA is kernel<<<grid, block>>>(a, b, c); in C the arguments travel in a
 * struct). `stats` (may be NULL) receives the counts and errors of this launch. Returns 0, or -1
 * for an impossible launch (reported). Simulated errors (out of bounds, races...) do not make it
 * fail: they are in stats. Set CUSIM_VERBOSE=1 to print them as they happen. */
int cusim_launch(cusim_stats_t *stats, cusim_dim3_t grid, cusim_dim3_t block, void (*entry)(void *args),
                 void *args);

/* The site of `line` and `kind` in stats, or NULL. */
const cusim_site_t *cusim_site(const cusim_stats_t *stats, int line, cusim_kind_t kind);

/* One line per site: line, kind, requests, sectors or wavefronts per request. */
void cusim_print(const cusim_stats_t *stats, const char *title);

/* ---- what the macros call (not for direct use) ---- */
typedef struct {
    cusim_dim3_t thread_idx, block_idx, block_dim, grid_dim;
} cusim_coords_t;
extern cusim_coords_t *cusim_current;
void *cusim_access(const void *p, long long i, size_t size, int write, int line, int counter);
void cusim_shared(void *p, size_t bytes, const char *name);
void cusim_sync(int line);
float cusim_shfl_xor(float v, int lane_mask, int line);

#define KERNEL static
#define DEVICE static inline
#define threadIdx (cusim_current->thread_idx)
#define blockIdx (cusim_current->block_idx)
#define blockDim (cusim_current->block_dim)
#define gridDim (cusim_current->grid_dim)
#define SHARED(type, name, dims)                                                                   \
    static type name dims __attribute__((aligned(128)));                                          \
    cusim_shared(name, sizeof name, #name)
#define SYNC() cusim_sync(__LINE__)
#define LD(p, i) (*(__typeof__(&(p)[0]))cusim_access((p), (i), sizeof((p)[0]), 0, __LINE__, __COUNTER__))
#define ST(p, i, v) (*(__typeof__(&(p)[0]))cusim_access((p), (i), sizeof((p)[0]), 1, __LINE__, __COUNTER__) = (v))
#define SHFL_XOR(v, lane_mask) cusim_shfl_xor((v), (lane_mask), __LINE__)
#endif

#endif
