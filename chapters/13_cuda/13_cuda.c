/*md
# CUDA: from a naive kernel to near-cuBLAS

Every chapter so far ran on the CPU, where one core does a few dozen floating-point operations
per clock. A GPU does tens of thousands, if you can keep it busy. This chapter is about keeping it
busy: it writes the kernels a neural network spends its time in (matrix products, softmax, layer
norm, attention, an int8 product) in CUDA C++, starting each from the version a careful
programmer writes first and changing one thing at a time until it runs near the speed of
NVIDIA's own library, cuBLAS. Each step fixes the limitation the step before ran into, and each
limitation is a fact about the hardware: how threads are grouped, how memory is reached, how
many registers a thread may have. The chapter's arithmetic, those facts as formulas, is what its
exercises grade.

The kernels live in `gpu/`, one file per step (`gpu/sgemm/01_naive.cuh`, `02_coalesced.cuh`, …),
listed once in the table of `gpu/kernels.h` that the dispatcher, the tests, the benchmark and
this program all read. The host API is C (`gpu/gpu.h`), so this chapter stays a C program.

**What runs where.** The kernels need an NVIDIA GPU; the exercises do not. Every exercise is a
small function of index or floating-point arithmetic that the kernels call from each thread
(`kernel_math.h`, compiled both for the CPU and for the GPU) or that predicts what the hardware
will do (bank conflicts, occupancy, the roofline), and `make check CH=13` grades them on any
machine. `make run CH=13` does the parts that need no GPU (the H100's roofline from its
published numbers, the occupancy of every kernel from the compiler's register counts) and then,
without a GPU, stops with a message saying so. On a machine with an H100, `make gpu-check` runs
every kernel's tests, the benchmark against cuBLAS and this program
(`chapters/13_cuda/README-gpu.md` says how).

**Notation.** A matrix product $C = \alpha A B + \beta C$ has $A$ of shape $(M, K)$, $B$ of
shape $(K, N)$ and $C$ of shape $(M, N)$, row-major, so element $(r, c)$ of $C$ is
`C[r*N + c]`. Attention has $BH$ independent (batch, head) pairs, $T$ time steps and head size
$D$: `q, k, v, o` are `(BH, T, D)`. A kernel is launched on a *grid* of *blocks* of *threads*;
`blockIdx`, `blockDim` and `threadIdx` are a thread's coordinates.
*/

#include "csvlog.h"   /* out/13/log.csv, the measured ladder */
#include "error.h"    /* nn_error, nn_malloc */
#include "flags.h"    /* --quick --out --seed --help, and --size */
#include "io.h"       /* io_create/io_commit, io_join, io_mkdirs */
#include "matmul.h"   /* OpenBLAS SGEMM: the CPU reference the GPU results are checked against */
#include "plot.h"     /* gnuplot figures */
#include "progress.h" /* clock_seconds */
#include "rng.h"      /* the explicit random number generator */

#include "gpu.h"         /* the CUDA library's C API (gpu/gpu.h) */
#include "kernel_math.h" /* exercises 13.1, 13.2, 13.7, 13.8, 13.9: arithmetic the kernels share */
#include "kernels.h"     /* the one table of kernel versions (gpu/kernels.h) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GPU_RESOURCES /* set by chapter.mk: the register counts ptxas reported when gpu/ was built */
#define GPU_RESOURCES "build/gpu/ref/resources.txt"
#endif

/*md
## 13.1 The execution model

A CUDA program is a C++ program with two kinds of functions: ordinary ones that run on the CPU
(the *host*), and *kernels*, marked `__global__`, that run on the GPU (the *device*). The host
launches a kernel with a grid size and a block size,

```c
sgemm_naive_kernel<<<grid, block>>>(M, N, K, alpha, A, B, beta, C);
```

and the GPU runs the kernel's body once per thread: `grid.x * grid.y * grid.z` blocks of
`block.x * block.y * block.z` threads each. Every thread runs the same code and tells itself
apart from the others by its coordinates (`blockIdx`, `threadIdx`), from which it computes which
piece of the data it owns. The launch returns at once; the kernel runs asynchronously, and the
host finds out about errors (an out-of-bounds access, say) only at the next call that waits for
the GPU. That is why `gpu/` checks every CUDA call and asks for errors right after every launch
(`gpu/cuda_check.cuh`).

The hardware underneath has three levels, and each level of the software maps onto one:

* A **streaming multiprocessor** (SM) is the GPU's equivalent of a core. The H100 SXM5 has 132
  of them. A block runs entirely on one SM, from start to finish; an SM holds several blocks at
  once, and the blocks of a grid are handed out to the SMs as earlier ones finish. Blocks cannot
  wait for one another, so a kernel must be correct in whatever order its blocks run.
* A **warp** is 32 threads of one block with consecutive thread numbers (threads 0–31, 32–63, …
  of the block, numbered `threadIdx.x` first). The SM issues one instruction for the whole warp,
  which its 32 threads execute together on their own data (*single instruction, multiple
  threads*). When threads of a warp take different sides of a branch, the warp runs both sides
  one after the other, each thread idle on the side it does not take: *divergence*.
* A **thread** is one lane of a warp, with its own registers.

Inside a block, threads can share data through fast on-chip *shared memory* and wait for each
other at a barrier, `__syncthreads()`. Across blocks they can only go through the GPU's main
memory.

```dot
digraph exec {
  rankdir=LR; node [shape=box, fontname="sans", fontsize=11]; edge [fontname="sans", fontsize=10];
  grid [label="grid\n(one kernel launch)"];
  block [label="block\n(up to 1024 threads,\nshares shared memory,\n__syncthreads)"];
  warp [label="warp\n(32 threads,\none instruction at a time)"];
  thread [label="thread\n(own registers)"];
  sm [label="SM\n(132 on an H100;\nruns several blocks)", style=filled, fillcolor="#eeeeee"];
  grid -> block [label="blocks"]; block -> warp [label="warps"]; warp -> thread [label="32 lanes"];
  block -> sm [label="runs on one", style=dashed];
}
```

**The H100 on paper.** All numbers in this chapter that are not measured come from NVIDIA's
published specifications of the H100 SXM5 80 GB (the H100 PCIe card has fewer SMs and slower
memory). Each SM has 128 FP32 units, each doing one fused multiply-add (FMA, 2 floating-point
operations) per clock, so at the 1.98 GHz boost clock the FP32 peak is
$132 \times 128 \times 2 \times 1.98 \cdot 10^9 \approx 66.9$ TFLOP/s. Its tensor cores do dense
TF32 matrix products at a published 494.7 TFLOP/s and BF16 at 989.4. Main memory (HBM3) delivers
3.35 TB/s; the L2 cache is 50 MB. Per SM: 65,536 32-bit registers, up to 228 KB of shared memory
(227 KB for one block), at most 2048 resident threads and 32 resident blocks. The program prints
these as its first lines, labelled as published figures.
*/

/* NVIDIA's published figures for the H100 SXM5 80 GB: nothing here is measured. */
typedef struct {
    const char *name;
    int sms, fp32_lanes_per_sm;
    double boost_ghz;
    double fp32_tflops, tf32_tflops, bf16_tflops; /* dense (no sparsity) */
    double hbm_tbs;                               /* main-memory bandwidth */
    double l2_mb;
} gpu_spec;

static const gpu_spec H100_SXM = {"H100 SXM5 80 GB (published)", 132, 128, 1.98, 66.9, 494.7, 989.4, 3.35, 50};

/*md
## 13.2 The memory hierarchy

A GPU's arithmetic is fast and its memory is far. Each level of memory is smaller and faster
than the one below:

| level | size on an H100 | who sees it | latency, order of magnitude |
|---|---|---|---|
| registers | 64K × 4 bytes per SM, at most 255 per thread | one thread | none (operands of an instruction) |
| shared memory / L1 | up to 228 KB per SM | one block | tens of clock cycles |
| L2 cache | 50 MB | the whole GPU | a few hundred cycles |
| HBM (global memory) | 80 GB, 3.35 TB/s | the whole GPU (and the host, by copies) | several hundred cycles |

Latency is hidden, not avoided: while one warp waits for memory, the SM issues instructions of
another warp that is ready. So a kernel needs many warps resident per SM (section 13.6), and each
warp should have independent work to do while its loads are in flight. Bandwidth cannot be
hidden: an SM's share of the 3.35 TB/s is $3.35 / 132 \approx 0.025$ TB/s, about 13 bytes per clock
at 1.98 GHz, while its FP32 units can do 256 flops per clock. Unless a kernel does about 20 flops for
every byte it reads from HBM, memory sets its speed (section 13.7). Every optimization below is
one of two things: read each byte from HBM as few times as possible (reuse it from registers and
shared memory), and read it in the way the hardware serves fastest.

## 13.3 Coalescing

Global memory is read in 32-byte *sectors*. When the 32 threads of a warp load 32 floats, the
hardware looks at their 32 addresses together and fetches every sector any of them touches. If
the floats are consecutive, that is 4 sectors (128 bytes) for 128 useful bytes: the accesses
*coalesce*. If the threads read addresses $K$ floats apart, every thread needs its own sector: 32
sectors, 1024 bytes moved for 128 used, and 32 separate transactions.

The first SGEMM kernel (`gpu/sgemm/01_naive.cuh`) gives each thread one element of $C$ and loops
over $k$:

$$
C_{rc} = \alpha \sum_{k=0}^{K-1} A_{rk} B_{kc} + \beta C_{rc}.
$$

Its threads are laid out on a 2-D block with `row = blockIdx.x * 32 + threadIdx.x` and
`col = blockIdx.y * 32 + threadIdx.y`. That looks natural and is exactly wrong: the threads of a
warp have consecutive `threadIdx.x`, hence consecutive *rows*, so at each step $k$ the warp reads
$A_{r,k}$ for 32 rows $r$ (addresses $K$ floats apart: uncoalesced), reads one $B_{k,c}$ (a
broadcast) and writes 32 elements of $C$ a row apart (uncoalesced). The second kernel changes
only this mapping. It launches blocks of $32 \times 32 = 1024$ threads numbered
`tid = 0 .. 1023` along one dimension, and makes consecutive `tid`s consecutive *columns*:

$$
\text{row} = b_r \cdot 32 + \lfloor \text{tid} / 32 \rfloor, \qquad
\text{col} = b_c \cdot 32 + (\text{tid} \bmod 32),
$$

where $(b_r, b_c)$ are the block's coordinates in the grid of tiles. A warp (32 consecutive
`tid`s) now reads one $A_{r,k}$ (broadcast) and 32 consecutive $B_{k,c}$ (4 sectors), and writes
32 consecutive $C_{r,c}$. Same arithmetic, same number of loads, many times fewer transactions.

### Exercise 13.1 — the coalesced thread-to-element mapping

Write `coalesced_index` in `chapters/13_cuda/kernel_math.h`: for a block of
`tile * tile` threads at block coordinates `(block_row, block_col)`, set `*row` and `*col` to
the element of $C$ that thread `tid` computes, by the formula above with 32 replaced by `tile`.
Kernels 2 and 3 call it in every thread; the tests check, among other things, that the 32 threads
of every warp get 32 consecutive columns of one row.

## 13.4 Tiles in shared memory

Kernel 2 still loads two floats from global memory for every FMA. Yet the data is reused a lot:
each $A_{rk}$ is needed by all $N$ threads of row $r$, each $B_{kc}$ by all $M$ of column $c$.
Caches catch some of that reuse, but the way to be sure is to stage it by hand. Kernel 3
(`03_smem.cuh`) gives each block a $32 \times 32$ tile of $C$, and walks along $k$ in steps of
32. At each step the block's 1024 threads copy a $32 \times 32$ tile of $A$ and one of $B$ into
shared memory, one element each (coalesced, by the mapping of exercise 13.1), wait at a barrier,
and then each thread does 32 FMAs reading only shared memory; a second barrier keeps anyone from
overwriting the tiles while others still read them. Every element brought in from global memory
is now used 32 times.

When $K$ is not a multiple of 32, the last tile sticks out of the matrices. The kernels load
zeros there (a zero adds nothing to a dot product), so the inner loop needs no bounds checks;
rows and columns of $C$ beyond $M$ or $N$ are computed on zeros and not stored. The number of
steps along $k$, and the number of blocks along each side of $C$, is the number of tiles needed
to cover a length $n$: $\lceil n / t \rceil$. The usual idiom `(n + t - 1) / t` overflows when
$n$ is close to `INT_MAX`, which a library that accepts any `int` must survive.

### Exercise 13.2 — how many tiles cover n elements

Write `tile_count(n, tile)` in `kernel_math.h`: $\lceil n / \text{tile} \rceil$ for every
$0 \le n \le$ `INT_MAX` and `tile` $\ge 1$, computed without overflowing an `int`. Every kernel
of `gpu/` uses it for its grid and its tile loops.

## 13.5 Bank conflicts

Shared memory is split into 32 *banks*, each 4 bytes wide, and 4-byte word $w$ lives in bank
$w \bmod 32$. Each bank serves one word per clock. When the 32 threads of a warp read 32 words in
32 different banks, the read takes one pass; when several threads need *different* words of the
same bank, the bank serves them one after the other: an $n$-way *bank conflict* takes $n$
passes. (Threads reading the *same* word are served together, a broadcast.)

A warp in which thread $t$ reads word $t \cdot s$ (stride $s$) puts thread $t$ in bank
$ts \bmod 32$. With $s = 1$ every thread has its own bank. With $s = 32$, a column of a
$32 \times 32$ float array, every thread is in bank 0: a 32-way conflict, a read 32 times slower.
In general the banks hit are the multiples of $g = \gcd(s, 32)$, each by $g$ threads. The cure
for the column case is to pad each row by one word: an array declared `float Ks[32][33]` puts
column element $(t, d)$ at word $33t + d$, bank $(t + d) \bmod 32$, all different. The unfused
attention kernel (`gpu/attention/01_unfused.cuh`) needs exactly this: it reads a tile of $K$ down
its columns to form $Q K^\top$.

### Exercise 13.3 — how many ways a strided warp access conflicts

Write `bank_conflict_ways(stride)`: the number of passes a warp needs when thread $t$
($0 \le t < 32$) reads 4-byte word $t \cdot$ `stride` of shared memory (`stride` $\ge 0$), that
is, the largest number of *distinct* words that fall in one bank. A stride of 0 is a broadcast:
one pass.
*/

/* The passes a warp needs when thread t reads shared-memory word t * stride (stride >= 0). */
static int bank_conflict_ways(int stride)
{
    /* BEGIN EXERCISE 13.3 (2 points): how many ways a strided warp access conflicts */
    if (stride == 0)
        return 1; /* one word for everyone: a broadcast */
    int per_bank[32] = {0};
    for (int t = 0; t < 32; t++) /* distinct t, distinct words (stride != 0) */
        per_bank[(int)(((long long)t * stride) % 32)]++;
    int ways = 0;
    for (int b = 0; b < 32; b++)
        ways = per_bank[b] > ways ? per_bank[b] : ways;
    return ways;
    /* END EXERCISE */
}

/*md
## 13.6 Occupancy

An SM hides the latency of one warp's memory accesses by running others, so it wants many warps
resident at once. *Occupancy* is the fraction of the SM's warp slots (2048 threads = 64 warps on
the H100) that a kernel fills. How many blocks fit on an SM is the smallest of four limits, each
a resource the blocks share:

* **blocks**: at most 32 per SM;
* **threads**: a block of $n$ threads occupies $W = \lceil n / 32 \rceil$ whole warps, and the
  SM has room for 2048 threads, so $\lfloor 2048 / (32 W) \rfloor$ blocks;
* **registers**: registers are handed to a warp in units of 256, so a kernel using $r$ registers
  per thread takes $R = \lceil 32 r / 256 \rceil \cdot 256$ per warp; the SM's 65,536 registers
  hold $\lfloor 65536 / R \rfloor$ warps, that is $\lfloor \lfloor 65536 / R \rfloor / W \rfloor$
  blocks;
* **shared memory**: each block reserves its own shared memory plus 1 KB the system keeps per
  block, out of the SM's 228 KB (233,472 bytes): $\lfloor 233472 / (s + 1024) \rfloor$ blocks
  for $s$ bytes per block.

This is the model NVIDIA's occupancy calculator uses, slightly simplified (the real allocator
also has a granularity for shared memory, and a kernel may be capped at fewer than 228 KB by
its preferred carve-out between L1 and shared memory). On a GPU machine the program prints the
runtime's own answer (`cudaOccupancyMaxActiveBlocksPerMultiprocessor`) beside the model's.

High occupancy is not the goal in itself. The fast SGEMM kernels below use 109 to 185 registers
per thread to hold many partial sums, and run at 8 to 16 warps per SM; what they give up in
warps they make up in independent instructions per warp. The program prints this table for the
SGEMM ladder from the register and shared-memory counts the compiler reported when it built
`gpu/` (no GPU needed).

### Exercise 13.4 — resident blocks per SM

Write `occupancy_blocks`: the number of blocks of `threads` threads, using `regs` registers per
thread and `smem` bytes of shared memory per block, that fit on one SM with the limits `sm`, by
the four rules above.
*/

/* The per-SM limits that decide occupancy; H100 values from NVIDIA's published tables. */
typedef struct {
    int max_threads;   /* resident threads per SM: 2048 */
    int max_blocks;    /* resident blocks per SM: 32 */
    int regs;          /* 32-bit registers per SM: 65536 */
    int reg_unit;      /* registers are allocated to a warp in units of this many: 256 */
    int smem;          /* shared memory per SM, bytes: 228 KB */
    int smem_reserved; /* shared memory the system reserves per block, bytes: 1 KB */
} sm_limits;

static const sm_limits H100_SM = {2048, 32, 65536, 256, 228 * 1024, 1024};

/* Blocks of `threads` threads (regs registers each, smem bytes of shared memory per block)
 * resident on one SM. */
static int occupancy_blocks(const sm_limits *sm, int threads, int regs, int smem)
{
    /* BEGIN EXERCISE 13.4 (3 points): resident blocks per SM */
    int warps = (threads + 31) / 32;
    int blocks = sm->max_blocks;
    int by_threads = sm->max_threads / (32 * warps);
    blocks = by_threads < blocks ? by_threads : blocks;
    int per_warp = (32 * regs + sm->reg_unit - 1) / sm->reg_unit * sm->reg_unit;
    if (per_warp > 0) {
        int by_regs = sm->regs / per_warp / warps;
        blocks = by_regs < blocks ? by_regs : blocks;
    }
    int by_smem = sm->smem / (smem + sm->smem_reserved);
    return by_smem < blocks ? by_smem : blocks;
    /* END EXERCISE */
}

/* The share of the SM's thread slots that `blocks` blocks of `threads` threads fill. */
static double occupancy_fraction(const sm_limits *sm, int threads, int blocks)
{
    return (double)blocks * 32 * ((threads + 31) / 32) / sm->max_threads;
}

/*md
## 13.7 The roofline

How fast can a kernel possibly be? It needs at least the time to do its arithmetic at the peak
rate $P$ (flop/s), and at least the time to move its bytes at the memory bandwidth $\beta$
(bytes/s). If it does $F$ flops and moves $Q$ bytes, and both can overlap perfectly,

$$
t \ge \max\left(\frac{F}{P}, \frac{Q}{\beta}\right)
\quad\Longrightarrow\quad
\frac{F}{t} \le \min(P,\; I \beta), \qquad I = \frac{F}{Q}.
$$

The ratio $I$ is the kernel's *arithmetic intensity* in flops per byte. Drawn against $I$ on
log-log axes, the bound $\min(P, I\beta)$ is a slanted line (memory-bound kernels, left) meeting a
flat roof (compute-bound, right) at the *ridge point* $I^* = P / \beta$. For the H100's FP32
units, $I^* = 66.9 / 3.35 \approx 20$ flops per byte; for its TF32 tensor cores about 148.

### Exercise 13.5 — the roofline bound

Write `roofline_gflops(intensity, peak_gflops, bandwidth_gbs)`: the attainable GFLOP/s,
$\min(P, I\beta)$, with $P$ in GFLOP/s and $\beta$ in GB/s (so $I\beta$ is in GFLOP/s).
*/

/* The roofline: attainable GFLOP/s at `intensity` flops per byte. */
static double roofline_gflops(double intensity, double peak_gflops, double bandwidth_gbs)
{
    /* BEGIN EXERCISE 13.5 (1 point): the roofline bound */
    double memory_bound = intensity * bandwidth_gbs;
    return memory_bound < peak_gflops ? memory_bound : peak_gflops;
    /* END EXERCISE */
}

/*md
**The intensity of a matrix product.** An $n \times n \times n$ SGEMM does $2n^3$ flops. If each
of $A$, $B$ and $C$ crossed the memory bus exactly once it would move $3 \cdot 4n^2$ bytes:
$I = n/6$, 683 flops per byte at $n = 4096$, far right of the ridge. But that requires keeping
everything on chip, which is impossible for large $n$; what a kernel actually moves depends on its
tiling. The naive kernel reuses nothing: every FMA (2 flops) loads two floats (8 bytes),
$I = 1/4$, memory-bound at a 0.84 TFLOP/s ceiling, 1/80 of the FP32 peak. A block computing a
$B_M \times B_N$ tile of $C$ loads, for each step of $k$, a column of $B_M$ values of $A$ and a
row of $B_N$ values of $B$, $4(B_M + B_N)$ bytes, and does $2 B_M B_N$ flops with them:

$$
I_{\text{tile}} = \frac{2 B_M B_N}{4 (B_M + B_N)} = \frac{B_M B_N}{2 (B_M + B_N)} .
$$

For $32 \times 32$ tiles (kernel 3) that is 8 flops per byte, still under the ridge; for the
$128 \times 128$ tiles of kernels 5 to 8 it is 32, over it. That is why the ladder moves to larger
tiles per block, and then to more outputs per thread, which raise the same ratio one level up,
for shared memory and registers.

### Exercise 13.6 — the intensity of a tiled matrix product

Write `tile_intensity(bm, bn)`: flops per byte of global-memory traffic for a block that
computes a `bm` × `bn` tile of $C$ in FP32, by the formula above.
*/

/* Flops per byte of global traffic of a block computing a bm x bn tile of C (FP32). */
static double tile_intensity(int bm, int bn)
{
    /* BEGIN EXERCISE 13.6 (2 points): the intensity of a tiled matrix product */
    return 2.0 * bm * bn / (4.0 * (bm + bn));
    /* END EXERCISE */
}

/*md
The other kernels of the chapter sit far to the left. A row softmax reads each element and
writes one result, 8 bytes, and does a handful of operations with it (a maximum, a subtraction,
an exponential, a sum, a multiplication): about one flop per byte, 20 times under the ridge. Layer
norm is the same. For those, flops are the wrong measure; the right one is bytes per second,
against what a plain device-to-device copy achieves on the same GPU. The attention of chapter 10,
done as three separate kernels, writes the $T \times T$ matrix of scores, reads and rewrites it for
the softmax, and reads it again for the product with $V$: $16T^2$ bytes per head for $4T^2D$
flops, $I = D/4 = 16$ at head size $D = 64$, memory-bound however long the sequence. Fused into one
kernel that never writes the scores, it moves only $Q, K, V, O$ ($16TD$ bytes) and
$I = T/4$: compute-bound from $T = 80$ on. The figure draws these bounds; the program prints the
table.

![The H100 SXM5 roofline from NVIDIA's published peak numbers (not measured): FP32 on the CUDA cores, TF32 on the tensor cores, HBM3 bandwidth, and where this chapter's kernels sit by their arithmetic intensity.](out/13/roofline.svg)
*/

typedef struct {
    const char *name;
    double intensity; /* flops per byte of main-memory traffic, by the model in the prose */
} roofline_point;

/* The kernels of this chapter on the roofline, at the intensities derived above. */
static int roofline_points(roofline_point *p, int attention_t, int head_d)
{
    int n = 0;
    p[n++] = (roofline_point){"SGEMM naive (no reuse)", 0.25};
    p[n++] = (roofline_point){"SGEMM 32x32 tiles", tile_intensity(32, 32)};
    p[n++] = (roofline_point){"SGEMM 128x128 tiles", tile_intensity(128, 128)};
    p[n++] = (roofline_point){"SGEMM n=4096, each matrix once", 4096.0 / 6};
    p[n++] = (roofline_point){"softmax / layer norm", 1.0};
    p[n++] = (roofline_point){"attention unfused, T=4096", (double)attention_t * head_d / (4.0 * (attention_t + head_d))};
    p[n++] = (roofline_point){"attention fused, T=4096", attention_t / 4.0};
    return n;
}

/* Prints the roofline table and draws out/13/roofline.svg. Returns 0 or -1. */
static int roofline_report(const char *out, const gpu_spec *g)
{
    const double peak = g->fp32_tflops * 1e3, bw = g->hbm_tbs * 1e3; /* GFLOP/s, GB/s */
    roofline_point pts[8];
    const int T = 4096, D = 64;
    int n = roofline_points(pts, T, D);
    printf("== The roofline of the %s, FP32 on the CUDA cores\n", g->name);
    printf("   ridge point: %.1f TFLOP/s / %.2f TB/s = %.1f flop/byte (TF32 tensor cores: %.0f)\n", g->fp32_tflops,
           g->hbm_tbs, peak / bw, g->tf32_tflops * 1e3 / bw);
    printf("   %-34s %14s %16s  %s\n", "kernel (attention: T=4096, D=64)", "flop/byte", "bound GFLOP/s", "bound by");
    char path[4096];
    io_file f;
    if (io_create(&f, io_join(path, out, "roofline.csv")) != 0)
        return -1;
    fprintf(f.f, "kernel,intensity,bound_gflops,label_side\n");
    for (int i = 0; i < n; i++) {
        double b = roofline_gflops(pts[i].intensity, peak, bw);
        printf("   %-34s %14.2f %16.0f  %s\n", pts[i].name, pts[i].intensity, b,
               pts[i].intensity * bw < peak ? "memory" : "compute");
        /* label placement on the figure: 0 right of the point, 1 above left, 2 below left */
        int side = pts[i].intensity < 100 ? 0 : i % 2 ? 1 : 2;
        fprintf(f.f, "\"%s\",%g,%g,%d\n", pts[i].name, pts[i].intensity, b, side);
    }
    if (io_commit(&f) != 0)
        return -1;
    printf("\n");
    char body[2048];
    snprintf(body, sizeof body,
             "set title 'H100 SXM5 roofline from published peaks (not measured)'\n"
             "set logscale xy\nset xrange [0.1:2000]\nset yrange [100:1000000]\n"
             "set xlabel 'arithmetic intensity (flop / byte of HBM traffic)'\nset ylabel 'GFLOP/s'\n"
             "set key bottom right\nset grid\nset datafile separator ','\n"
             "bw = %g\nfp32 = %g\ntf32 = %g\n"
             "plot (x * bw < tf32 ? x * bw : tf32) with lines dt 2 lw 2 lc rgb '#888888' title 'TF32 tensor cores', "
             "(x * bw < fp32 ? x * bw : fp32) with lines lw 3 lc rgb '#1f77b4' title 'FP32 CUDA cores', "
             "'roofline.csv' skip 1 using 2:3 with points pt 7 ps 1.2 lc rgb '#d62728' title 'kernel bounds', "
             "'' skip 1 using 2:($4 == 0 ? $3 : 1/0):1 with labels left offset 0.8,-0.7 font ',9' notitle, "
             "'' skip 1 using 2:($4 == 1 ? $3 : 1/0):1 with labels right offset -0.5,1.0 font ',9' notitle, "
             "'' skip 1 using 2:($4 == 2 ? $3 : 1/0):1 with labels right offset -0.5,-2.2 font ',9' notitle",
             bw, peak, g->tf32_tflops * 1e3);
    return plot_render(out, "roofline", 900, 600, body);
}

/*md
## 13.8 The SGEMM ladder

With the vocabulary in place, the ladder reads as a sequence of answers to "what is the
bottleneck now?". The table of `gpu/kernels.h`, which the program prints, has one row per step;
each file opens with a comment that develops its idea in detail.

1. **Naive** (`sgemm/01_naive.cuh`): one thread per element of $C$, threads mapped down the
   columns. Uncoalesced: a warp's 32 loads of $A$ are 32 transactions.
2. **Coalesced** (`sgemm/02_coalesced.cuh`): consecutive threads, consecutive columns (exercise
   13.1). Still two global loads per FMA, $I = 1/4$ from the kernel's point of view; the caches
   absorb part of it, but the kernel is limited by L1/L2 bandwidth.
3. **Shared-memory tiles** (`sgemm/03_smem.cuh`): $32 \times 32$ tiles of $A$ and $B$ staged
   in shared memory (exercise 13.2), each value loaded once and used 32 times. Now the bottleneck
   moves on chip: each FMA still reads two words of *shared* memory, and shared memory delivers
   fewer words per clock than the FP32 units consume.
4. **1-D register blocking** (`sgemm/04_blocktile_1d.cuh`): each thread computes 8 elements of a
   column of $C$. At each $k$ it reads $B_{kc}$ once into a register and uses it for 8 FMAs:
   9 shared loads for 8 FMAs instead of 16.
5. **2-D register blocking** (`sgemm/05_blocktile_2d.cuh`): each thread computes an
   $8 \times 8$ block of $C$ as a sum of outer products: 8 values of $A$ and 8 of $B$ (16 loads)
   feed 64 FMAs. Block tiles grow to $128 \times 128$, over the ridge point (section 13.7).
   The 64 accumulators live in registers, because every index into them is a compile-time
   constant once the loops are unrolled.
6. **Vectorized** (`sgemm/06_vectorized.cuh`): the same work with 16-byte loads and stores
   (`float4`): a quarter as many memory instructions. The tile of $A$ is transposed on its way
   into shared memory so that the 8 values a thread needs at one $k$ are adjacent. Where a row
   length is not a multiple of 4, or a vector would cross the matrix's edge, the guarded helpers of
   `gpu/tile_io.cuh` fall back to single floats, so odd sizes stay correct.
7. **Warp tiling** (`sgemm/07_warptile.cuh`): a level of tiling between block and thread. Each
   warp owns a $64 \times 64$ piece of the block's tile and its threads are arranged so that their
   shared-memory reads are broadcasts; operands loaded once are reused across sub-tiles. This is
   the last FP32 step, and the one the benchmark compares with cuBLAS.
8. **Tensor cores, TF32** (`sgemm/08_tf32_wmma.cuh`): the same tiles, multiplied by the tensor
   cores through the WMMA API, $16 \times 16 \times 8$ per warp instruction, with inputs rounded
   to TF32 (a 10-bit mantissa). A different number format, so a different question: it is
   compared with cuBLAS's TF32 mode, and its results with a looser error bound.

Every step is checked against a CPU reference by the tests, at sizes chosen to break bounds
checks: $1 \times 1 \times 1$, sizes that are not multiples of any tile, tall-skinny and
short-wide shapes, $\beta \ne 0$, and $\beta = 0$ with $C$ full of NaN (which must not be read).
The tests bound the error of each element by $2(u_{\text{in}} + K u) \sum_k |A_{rk} B_{kc}|$,
with $u = 2^{-24}$ the FP32 rounding unit and $u_{\text{in}}$ the relative error of a product of
rounded inputs (0 for FP32, $2^{-10}$ for TF32): the standard bound for a dot product of length
$K$, with a factor 2 to spare.

**Measured.** Not measured yet: this chapter was written on a machine without a GPU, and no
number in this section comes from a run. On an H100, `make gpu-check` writes the measured table
(GFLOP/s of every step at $n$ = 1024, 2048 and 4096 as a share of cuBLAS in the same run) to
`build/gpu/results/bench.md`, and `make run CH=13` draws `out/13/ladder.svg`; the next revision of
this chapter quotes them here. The targets: the best FP32 step at 85% of cuBLAS at $n = 4096$.
*/

/* Prints the ladder as the table of gpu/kernels.h lists it. */
static void print_ladder(void)
{
    printf("== The SGEMM ladder (gpu/kernels.h)\n");
    for (int i = 0; i < GPU_SGEMM_COUNT; i++) {
        const gpu_kernel_row *k = &GPU_SGEMM_TABLE[i];
        printf("   %d %-12s %-26s %s  %s\n", k->number, k->name, k->file, k->precision, k->lesson);
    }
    printf("\n");
}

/* Registers and shared memory of kernel `name` as ptxas reported them in the resources file of
 * the build (the output of nvcc -Xptxas -v). Returns 0, or -1 if it is not there. */
static int kernel_resources(const char *path, const char *name, int *regs, int *smem)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024], current[512] = "";
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "Compiling entry function '");
        if (p) {
            snprintf(current, sizeof current, "%s", p + strlen("Compiling entry function '"));
            continue;
        }
        p = strstr(line, "Used ");
        if (p && strstr(current, name)) {
            *regs = atoi(p + 5);
            const char *s = strstr(line, "bytes smem");
            *smem = 0;
            if (s) { /* "..., 35328 bytes smem": back up to the number */
                while (s > line && s[-1] == ' ')
                    s--;
                while (s > line && s[-1] >= '0' && s[-1] <= '9')
                    s--;
                *smem = atoi(s);
            }
            found = 0;
        }
    }
    fclose(f);
    return found;
}

/* The occupancy table of the SGEMM ladder (exercise 13.4) from the build's register counts; with a
 * GPU, the CUDA runtime's own answer beside it. */
static void occupancy_report(const char *resources, int have_gpu)
{
    printf("== Occupancy of the SGEMM ladder on an H100 SM (registers and shared memory from ptxas)\n");
    int regs, smem;
    if (kernel_resources(resources, "sgemm_naive_kernel", &regs, &smem) != 0) {
        printf("   (no register counts: %s is missing; gpu/ was %s)\n\n", resources,
               gpu_built_with_cuda() ? "built elsewhere" : "built without nvcc");
        return;
    }
    printf("   %-3s %-12s %7s %5s %11s %10s %10s%s\n", "", "kernel", "threads", "regs", "smem bytes", "blocks/SM",
           "occupancy", have_gpu ? "   CUDA runtime: blocks/SM (regs, smem)" : "");
    for (int i = 0; i < GPU_SGEMM_COUNT; i++) {
        const gpu_kernel_row *k = &GPU_SGEMM_TABLE[i];
        char fn[64];
        snprintf(fn, sizeof fn, "sgemm_%s_kernel", k->name);
        if (kernel_resources(resources, fn, &regs, &smem) != 0) {
            printf("   %-3d %-12s (not in %s)\n", k->number, k->name, resources);
            continue;
        }
        int blocks = occupancy_blocks(&H100_SM, k->threads, regs, smem);
        printf("   %-3d %-12s %7d %5d %11d %10d %9.1f%%", k->number, k->name, k->threads, regs, smem, blocks,
               100 * occupancy_fraction(&H100_SM, k->threads, blocks));
        int rt_blocks, rt_regs, rt_smem;
        if (have_gpu && gpu_sgemm_occupancy(k->number, &rt_blocks, &rt_regs, &rt_smem) == GPU_OK)
            printf("   %d (%d, %d)%s", rt_blocks, rt_regs, rt_smem, rt_blocks == blocks ? "" : "  <- differs");
        printf("\n");
    }
    printf("\n");
}

/*md
## 13.9 Softmax: three passes or one

The softmax of a row $x_1, \dots, x_n$ is $y_j = e^{x_j - m} / d$ with $m = \max_k x_k$ and
$d = \sum_k e^{x_k - m}$ (subtracting $m$ changes nothing mathematically and keeps $e^x$ from
overflowing). The direct kernel (`softmax/01_naive.cuh`) reads the row three times: for $m$, for
$d$, and to write $y$. And it gives each row to one thread, so a warp's loads are a row apart:
uncoalesced, like SGEMM step 1.

The *online softmax* (Milakov and Gimelshein, 2018) computes $m$ and $d$ in one pass. Keep, for
the part of the row seen so far, its maximum $m$ and $d = \sum e^{x_j - m}$ over that part. To
fold in another part with state $(m', d')$, bring both sums to the common maximum
$M = \max(m, m')$:

$$
d_{\text{merged}} = \sum_{\text{part 1}} e^{x_j - M} + \sum_{\text{part 2}} e^{x_j - M}
= d\, e^{m - M} + d'\, e^{m' - M}.
$$

One element $x$ is the state $(x, 1)$; the empty part is $(-\infty, 0)$. Since the merge of two
states gives the state of the union, it can be applied in any grouping: element by element within
a thread, then across the 32 threads of a warp with shuffles (`__shfl_xor_sync` exchanges a
register with the thread whose lane differs in one bit; five exchanges merge 32 states), then
across warps through shared memory (`gpu/reduce.cuh`). Kernel 2 (`softmax/02_online.cuh`) gives
each row a block of threads reading neighbouring elements, merges with this rule, and then reads
the row a second time to write $y$. That second read mostly hits the L2 cache, so the kernel
moves about as many bytes as a copy, and the benchmark measures it against one (target: 80% of the
copy bandwidth).

One detail is a classic bug. A masked element ($x = -\infty$, as attention's causal mask makes) or
an empty part gives a state with $m = -\infty$, and merging two of them computes
$e^{-\infty - (-\infty)} = e^{\text{NaN}}$. A state with $m = -\infty$ holds no mass whatever its
$d$, so the merge must simply return the other state.

### Exercise 13.7 — merge two online-softmax states

Write `softmax_merge(a, b)` in `kernel_math.h`: the state $(M, d_a e^{m_a - M} + d_b e^{m_b - M})$
with $M = \max(m_a, m_b)$; if either state has $m = -\infty$, return the other one unchanged.
Both softmax kernels' tests and the attention kernels depend on it.

## 13.10 Layer norm: mean and variance in one pass

Layer norm (chapter 6) normalizes each row: $y_j = (x_j - \mu)\,\rho\,\gamma_j + \beta_j$ with
$\mu$ the row's mean, $\rho = 1/\sqrt{\sigma^2 + \epsilon}$ and $\sigma^2$ its (biased) variance.
The one-pass formula $\sigma^2 = \overline{x^2} - \mu^2$ is a trap in floating point: for a row
with values near $10^4$ and spread 1, $\overline{x^2} \approx 10^8$ and the difference of two
numbers of that size, each rounded to 24 bits, has an error around 10 in a result near 1.
*Welford's* method keeps, for the values seen so far, their count $n$, mean $\mu$ and
$M_2 = \sum (x_j - \mu)^2$, which never subtracts large numbers. Two parts merge (Chan, Golub and
LeVeque, 1979) by

$$
n = n_a + n_b, \quad \delta = \mu_b - \mu_a, \quad
\mu = \mu_a + \delta \frac{n_b}{n}, \quad
M_2 = M_{2,a} + M_{2,b} + \delta^2 \frac{n_a n_b}{n}.
$$

(Derivation: write each $x$ of part $a$ as $(x - \mu_a) + (\mu_a - \mu)$, square and sum; the
cross term vanishes because deviations from a part's own mean sum to zero, leaving
$M_{2,a} + n_a(\mu_a - \mu)^2$, and $\mu_a - \mu = -\delta n_b / n$; the same for $b$ with
$\mu_b - \mu = \delta n_a / n$; adding, $\delta^2 (n_a n_b^2 + n_b n_a^2)/n^2 = \delta^2 n_a n_b /
n$.) A single value $x$ is $(1, x, 0)$. As with softmax, the rule works at every level: a thread
folds in its elements, a warp merges with shuffles, a block through shared memory
(`layernorm/forward.cuh`); then $\sigma^2 = M_2 / n$. The backward pass (`layernorm/backward.cuh`)
needs two sums per row, $\sum_j g_j$ and $\sum_j g_j \hat x_j$ with $g_j = \partial L/\partial y_j
\cdot \gamma_j$ and $\hat x_j = (x_j - \mu)\rho$, and then
$\partial L / \partial x_j = \rho\,(g_j - \overline{g} - \hat x_j\, \overline{g \hat x})$; the
tests check it against a CPU reference whose own correctness is checked against centered
differences.

### Exercise 13.8 — merge two partial means and variances

Write `welford_merge(a, b)` in `kernel_math.h` by the formulas above; merging with an empty part
($n = 0$) returns the other part unchanged.

## 13.11 Fused attention

Chapter 10's attention, $O = \operatorname{softmax}(Q K^\top / \sqrt{D})\, V$, done the
straightforward way on a GPU is three kernels (`attention/01_unfused.cuh`): scores to memory,
softmax in place, product with $V$. As section 13.7 showed, the $T \times T$ scores make it
memory-bound. The fused kernel (`attention/02_fused.cuh`, in the style of FlashAttention, Dao et
al. 2022) never stores them. A block takes 64 queries, one per thread, and walks through the keys
in tiles of 32, loading each tile of $K$ and $V$ into shared memory. Each thread computes its 32
scores and must fold them into its output without ever seeing the whole row of scores. It keeps
the online-softmax state $(m, \ell)$ of its row, and the *unnormalized* output
$o = \sum_j e^{s_j - m} v_j$ over the keys seen so far. When a tile with maximum score
$m_{\text{tile}}$ arrives, the new maximum is $m' = \max(m, m_{\text{tile}})$, and every term
already in $o$ and $\ell$ must be multiplied by $e^{m - m'}$ to be relative to it:

$$
o \leftarrow e^{m - m'} o + \sum_{j \in \text{tile}} e^{s_j - m'} v_j, \qquad
\ell \leftarrow e^{m - m'} \ell + \sum_{j \in \text{tile}} e^{s_j - m'},
$$

and at the end $O = o / \ell$. It is the softmax merge of section 13.9 with a vector riding
along. With the causal mask of a language model, keys after a query score $-\infty$; a tile can
then hold no valid key for some rows, and before the first valid key a row's maximum is still
$-\infty$: the rescaling must then leave everything alone rather than compute
$e^{-\infty - (-\infty)}$. The tests compare the fused kernel with the unfused one and with a CPU
reference, and a CPU simulation of the tiled algorithm built on your function is tested against
the direct formula.

### Exercise 13.9 — rescale the running attention output

Write `attn_rescale(o, d, l, m, m_tile)` in `kernel_math.h`: set $m' = \max(m, m_{\text{tile}})$;
if $m' = -\infty$, change nothing; otherwise multiply $\ell$ and the $d$ entries of $o$ by
$e^{m - m'}$ and store $m'$ in `*m`.

## 13.12 An int8 product with dp4a

Chapter 11 quantized a network to 8-bit integers. On the GPU, the instruction `__dp4a(a, b, c)`
treats two 32-bit registers as four signed bytes each and returns
$c + \sum_{i=0}^{3} a_i b_i$: four multiply-adds in one instruction, on operands a quarter the size
of FP32. The kernel (`int8/dp4a.cuh`) multiplies $A$ $(M, K)$ by $B^\top$ given as $B_t$
$(N, K)$, the layout of a linear layer's weights, so that both operands are contiguous along $K$
and four consecutive $k$ are one 32-bit word. Each product of two int8 values is at most
$2^{14}$ in size, so an int32 sum is safe only up to $K = 2^{17}$; the library refuses larger $K$
with a message rather than overflow silently. Integer results are exact: the test compares them
with the CPU bit for bit.

## 13.13 Measuring on an H100

`make gpu-check` (on a machine with an NVIDIA GPU; `chapters/13_cuda/README-gpu.md` has the
exact command for ours) builds `gpu/` for the GPU's own architecture, runs this chapter's tests,
runs them again under `compute-sanitizer` (which catches out-of-bounds and misaligned accesses,
and races on shared memory), runs the benchmark, then this program. The benchmark
(`gpu/bench.c`) first checks each kernel's output against cuBLAS, then times it with CUDA events
(warm-up runs first; the mean of the timed repetitions) and reports:

* SGEMM: GFLOP/s of every step at $n$ = 1024, 2048 and 4096, as a share of cuBLAS's SGEMM
  measured in the same run (and the TF32 step against cuBLAS in TF32 mode);
* softmax and layer norm: GB/s (bytes read plus bytes written) as a share of a device-to-device
  copy of the same size, measured in the same run;
* attention: fused against unfused (ours, and one built on cuBLAS) at $T$ = 512 to 4096;
* int8: tera-operations per second against cuBLAS's int8 GEMM.

With a GPU, this program's occupancy table gains a column: the CUDA runtime's own count of
resident blocks (`cudaOccupancyMaxActiveBlocksPerMultiprocessor`), flagged where it differs from
the model of exercise 13.4.

## 13.14 The program

`main` prints the published H100 numbers and the roofline table and figure, the ladder and its
occupancy (all without a GPU), then looks for a GPU. Without one it stops there with a message
and exit status 1. With one, it runs every SGEMM step at `--size` (default 2048; 512 with
`--quick`), checks each result against OpenBLAS on the CPU and prints GFLOP/s, then measures
softmax and layer norm against the copy bandwidth, fused against unfused attention, and the int8
product, writing `out/13/log.csv` and the figures `ladder.svg` and `attention.svg`.
*/

#ifndef GRADING

/* --- the measurements (need a GPU) --------------------------------------------------------- */

typedef struct {
    int version, n;
    const float *A, *B;
    float *C;
} sgemm_job;

static gpu_status run_sgemm(void *p)
{
    sgemm_job *j = p;
    return gpu_sgemm(j->version, j->n, j->n, j->n, 1.0f, j->A, j->B, 0.0f, j->C);
}

typedef struct {
    int kind, version, rows, cols; /* kind 0: copy, 1: softmax, 2: layer norm */
    float *x, *y, *gamma, *beta, *mean, *rstd;
} rows_job;

static gpu_status run_rows(void *p)
{
    rows_job *j = p;
    size_t n = (size_t)j->rows * j->cols;
    if (j->kind == 0)
        return gpu_copy(j->y, j->x, n * sizeof(float));
    if (j->kind == 1)
        return gpu_softmax_forward(j->version, j->y, j->x, j->rows, j->cols);
    return gpu_layernorm_forward(j->y, j->mean, j->rstd, j->x, j->gamma, j->beta, j->rows, j->cols, 1e-5f);
}

typedef struct {
    int version, BH, T, D;
    float *q, *k, *v, *o, *scratch;
} attn_job;

static gpu_status run_attention(void *p)
{
    attn_job *j = p;
    return gpu_attention_forward(j->version, j->o, j->q, j->k, j->v, j->BH, j->T, j->D, 1, j->scratch);
}

/* Device buffer of n floats filled from the host (or zeros); NULL after reporting. */
static float *device_floats(const float *host, size_t n)
{
    void *p = NULL;
    if (gpu_malloc(&p, n * sizeof(float)) != GPU_OK)
        return NULL;
    if ((host ? gpu_upload(p, host, n * sizeof(float)) : gpu_memset(p, 0, n * sizeof(float))) != GPU_OK) {
        gpu_free(p);
        return NULL;
    }
    return p;
}

static void fill_uniform(float *x, size_t n, rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_range(rng, -1, 1);
}

/* The SGEMM ladder at n x n x n: each step checked against OpenBLAS, then timed. */
static int measure_ladder(const char *out, int n, rng_t *rng)
{
    size_t nn = (size_t)n * n;
    float *A = nn_malloc(nn * sizeof(float)), *B = nn_malloc(nn * sizeof(float));
    float *ref = nn_malloc(nn * sizeof(float)), *got = nn_malloc(nn * sizeof(float));
    fill_uniform(A, nn, rng);
    fill_uniform(B, nn, rng);
    matmul(0, 0, n, n, n, 1.0f, A, B, 0.0f, ref);
    float ref_max = 0;
    for (size_t i = 0; i < nn; i++)
        ref_max = fmaxf(ref_max, fabsf(ref[i]));
    float *dA = device_floats(A, nn), *dB = device_floats(B, nn), *dC = device_floats(NULL, nn);
    int rc = dA && dB && dC ? 0 : -1;
    char path[4096];
    csvlog log;
    if (rc == 0)
        rc = csvlog_open(&log, io_join(path, out, "log.csv"), "step,n,ms,gflops,max_rel_err");
    if (rc == 0) {
        printf("== SGEMM ladder, n = %d (checked against OpenBLAS; error relative to max |C|)\n", n);
        for (int i = 0; i < GPU_SGEMM_COUNT && rc == 0; i++) {
            sgemm_job job = {GPU_SGEMM_TABLE[i].number, n, dA, dB, dC};
            double ms = 0;
            int reps = i < 2 ? 2 : 10; /* the first two steps are slow */
            if (run_sgemm(&job) != GPU_OK || gpu_download(got, dC, nn * sizeof(float)) != GPU_OK ||
                gpu_time(run_sgemm, &job, 1, reps, &ms) != GPU_OK) {
                rc = -1;
                break;
            }
            float err = 0;
            for (size_t e = 0; e < nn; e++)
                err = fmaxf(err, fabsf(got[e] - ref[e]));
            double gflops = 2.0 * n * n * n / (ms * 1e6);
            printf("   %d %-12s %9.3f ms %10.0f GFLOP/s   max error %.2e\n", GPU_SGEMM_TABLE[i].number,
                   GPU_SGEMM_TABLE[i].name, ms, gflops, err / ref_max);
            csvlog_row(&log, (double[]){GPU_SGEMM_TABLE[i].number, n, ms, gflops, err / ref_max});
        }
        rc |= csvlog_close(&log);
        printf("\n");
    }
    if (rc == 0)
        rc = plot_render(out, "ladder", 800, 500,
                         "set title 'SGEMM ladder on this GPU (measured)'\nset datafile separator ','\n"
                         "set style fill solid 0.7\nset boxwidth 0.6\nset xlabel 'step (gpu/kernels.h)'\n"
                         "set ylabel 'GFLOP/s'\nset grid ytics\nunset key\nset xtics 1\n"
                         "plot 'log.csv' skip 1 using 1:4 with boxes lc rgb '#1f77b4'");
    gpu_free(dA), gpu_free(dB), gpu_free(dC);
    free(A), free(B), free(ref), free(got);
    return rc;
}

/* Softmax and layer norm (rows x cols) in GB/s against a device-to-device copy of the same size. */
static int measure_rows(int rows, int cols, rng_t *rng)
{
    size_t n = (size_t)rows * cols;
    float *h = nn_malloc(n * sizeof(float));
    fill_uniform(h, n, rng);
    float *ones = nn_malloc((size_t)cols * sizeof(float));
    for (int j = 0; j < cols; j++)
        ones[j] = 1.0f;
    rows_job j = {0, 1, rows, cols, device_floats(h, n), device_floats(NULL, n), device_floats(ones, (size_t)cols),
                  device_floats(NULL, (size_t)cols), device_floats(NULL, (size_t)rows), device_floats(NULL, (size_t)rows)};
    int rc = j.x && j.y && j.gamma && j.beta && j.mean && j.rstd ? 0 : -1;
    double copy_ms = 0, ms = 0;
    if (rc == 0 && gpu_time(run_rows, &j, 2, 20, &copy_ms) != GPU_OK)
        rc = -1;
    if (rc == 0) {
        double gb = 2.0 * n * sizeof(float) / 1e9; /* read + write */
        printf("== Row kernels, %d x %d floats: GB/s (read + write) against a device-to-device copy\n", rows, cols);
        printf("   %-22s %8.3f ms %8.0f GB/s\n", "copy", copy_ms, gb / (copy_ms / 1e3));
        for (int kind = 1; kind <= 2 && rc == 0; kind++) {
            int versions = kind == 1 ? GPU_SOFTMAX_COUNT : 1;
            for (int v = 1; v <= versions && rc == 0; v++) {
                j.kind = kind, j.version = v;
                if (gpu_time(run_rows, &j, 2, 20, &ms) != GPU_OK) {
                    rc = -1;
                    break;
                }
                char name[64];
                snprintf(name, sizeof name, "%s %s", kind == 1 ? "softmax" : "layer norm",
                         kind == 1 ? GPU_SOFTMAX_TABLE[v - 1].name : "forward");
                printf("   %-22s %8.3f ms %8.0f GB/s  %5.1f%% of copy\n", name, ms, gb / (ms / 1e3),
                       100 * copy_ms / ms);
            }
        }
        printf("\n");
    }
    gpu_free(j.x), gpu_free(j.y), gpu_free(j.gamma), gpu_free(j.beta), gpu_free(j.mean), gpu_free(j.rstd);
    free(h), free(ones);
    return rc;
}

/* Causal attention, fused against unfused, at each sequence length of `ts`. */
static int measure_attention(const char *out, const int *ts, int count, int BH, int D, rng_t *rng)
{
    char path[4096];
    io_file f;
    if (io_create(&f, io_join(path, out, "attention.csv")) != 0)
        return -1;
    fprintf(f.f, "T,unfused_ms,fused_ms\n");
    printf("== Causal attention, BH = %d, D = %d: unfused (3 kernels) and fused\n", BH, D);
    int rc = 0;
    for (int c = 0; c < count && rc == 0; c++) {
        int T = ts[c];
        size_t n = (size_t)BH * T * D;
        float *h = nn_malloc(n * sizeof(float));
        fill_uniform(h, n, rng);
        attn_job j = {1, BH, T, D, device_floats(h, n), device_floats(h, n), device_floats(h, n),
                      device_floats(NULL, n), device_floats(NULL, gpu_attention_scratch_floats(BH, T))};
        float *o1 = nn_malloc(n * sizeof(float)), *o2 = nn_malloc(n * sizeof(float));
        double ms[2] = {0, 0};
        rc = j.q && j.k && j.v && j.o && j.scratch ? 0 : -1;
        for (int v = 1; v <= 2 && rc == 0; v++) {
            j.version = v;
            if (run_attention(&j) != GPU_OK || gpu_download(v == 1 ? o1 : o2, j.o, n * sizeof(float)) != GPU_OK ||
                gpu_time(run_attention, &j, 1, 5, &ms[v - 1]) != GPU_OK)
                rc = -1;
        }
        if (rc == 0) {
            float diff = 0;
            for (size_t i = 0; i < n; i++)
                diff = fmaxf(diff, fabsf(o1[i] - o2[i]));
            printf("   T = %5d   unfused %8.3f ms   fused %8.3f ms   fused is %.2fx faster   max |diff| %.1e\n", T,
                   ms[0], ms[1], ms[0] / ms[1], diff);
            fprintf(f.f, "%d,%g,%g\n", T, ms[0], ms[1]);
        }
        gpu_free(j.q), gpu_free(j.k), gpu_free(j.v), gpu_free(j.o), gpu_free(j.scratch);
        free(h), free(o1), free(o2);
    }
    printf("\n");
    if (rc != 0) {
        io_abort(&f);
        return -1;
    }
    if (io_commit(&f) != 0)
        return -1;
    return plot_render(out, "attention", 800, 500,
                       "set title 'causal attention on this GPU (measured)'\nset datafile separator ','\n"
                       "set logscale xy\nset xlabel 'sequence length T'\nset ylabel 'ms per call'\nset grid\n"
                       "set key top left\n"
                       "plot 'attention.csv' skip 1 using 1:2 with linespoints lw 2 title 'unfused', "
                       "'' skip 1 using 1:3 with linespoints lw 2 title 'fused'");
}

/* The int8 product at n x n x n: tera-operations per second (2 per multiply-add). */
static int measure_int8(int n, rng_t *rng)
{
    size_t nn = (size_t)n * n;
    int8_t *h = nn_malloc(nn);
    for (size_t i = 0; i < nn; i++)
        h[i] = (int8_t)((int)rng_below(rng, 256) - 128);
    void *A = NULL, *B = NULL, *C = NULL;
    int rc = -1;
    if (gpu_malloc(&A, nn) == GPU_OK && gpu_malloc(&B, nn) == GPU_OK && gpu_malloc(&C, nn * 4) == GPU_OK &&
        gpu_upload(A, h, nn) == GPU_OK && gpu_upload(B, h, nn) == GPU_OK) {
        double t0 = clock_seconds();
        int reps = 10;
        rc = 0;
        for (int i = 0; i < reps + 1 && rc == 0; i++) {
            if (i == 1 && gpu_synchronize() == GPU_OK)
                t0 = clock_seconds(); /* the first call is the warm-up */
            rc = gpu_igemm(C, A, B, n, n, n) == GPU_OK ? 0 : -1;
        }
        if (rc == 0 && gpu_synchronize() == GPU_OK) {
            double s = (clock_seconds() - t0) / reps;
            printf("== int8 GEMM (dp4a), n = %d: %.3f ms, %.1f TOP/s\n\n", n, s * 1e3, 2.0 * n * n * n / s / 1e12);
        } else
            rc = -1;
    }
    gpu_free(A), gpu_free(B), gpu_free(C);
    free(h);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 1, .seed = 1, .out = "out/13"};
    int size = 2048;
    flag_option extra[] = {{"--size", FLAG_INT, &size, "n of the n x n x n SGEMM ladder"}};
    int parsed = flags_parse(&f, argc, argv,
                             "Chapter 13: CUDA kernels from naive to near-cuBLAS (the kernels need an NVIDIA GPU; the "
                             "roofline and occupancy parts run anywhere).",
                             extra, 1);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (f.quick && size == 2048)
        size = 512;
    if (size < 1 || size > 16384) {
        nn_error("a few thousand is plenty: n = 4096 is already 137 GFLOP per product",
                 "--size %d: expected 1 <= n <= 16384", size);
        return 2;
    }
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);

    const gpu_spec *g = &H100_SXM;
    printf("== The %s on paper\n", g->name);
    printf("   %d SMs x %d FP32 lanes x 2 flop x %.2f GHz = %.1f TFLOP/s FP32 (published: %.1f)\n", g->sms,
           g->fp32_lanes_per_sm, g->boost_ghz, g->sms * g->fp32_lanes_per_sm * 2 * g->boost_ghz / 1e3, g->fp32_tflops);
    printf("   tensor cores, dense: %.1f TFLOP/s TF32, %.1f BF16; HBM3 %.2f TB/s; L2 %.0f MB\n\n", g->tf32_tflops,
           g->bf16_tflops, g->hbm_tbs, g->l2_mb);
    if (roofline_report(f.out, g) != 0)
        return 1;
    print_ladder();
    char why[512];
    const int have_gpu = gpu_probe(why, sizeof why) == GPU_OK;
    occupancy_report(GPU_RESOURCES, have_gpu);
    printf("== Shared-memory bank conflicts: a warp reading word t * stride (exercise 13.3)\n  ");
    const int strides[] = {1, 2, 4, 8, 16, 32, 33};
    for (int i = 0; i < 7; i++)
        printf(" stride %d: %d-way%s", strides[i], bank_conflict_ways(strides[i]), i < 6 ? "," : "\n\n");

    if (!have_gpu) {
        char hint[4400];
        snprintf(hint, sizeof hint,
                 "the CPU parts above ran and %s/roofline.svg was drawn; make check CH=13 grades the exercises "
                 "on any machine, and chapters/13_cuda/README-gpu.md says how to run the kernels on an H100",
                 f.out);
        nn_error(hint, "chapter 13 needs an NVIDIA GPU to run its kernels: %s", why);
        return 1;
    }
    gpu_info info;
    if (gpu_get_info(&info) != GPU_OK)
        return 1;
    printf("== This GPU: %s, compute capability %d.%d, %d SMs, %.1f GB, L2 %.0f MB\n\n", info.name, info.cc_major,
           info.cc_minor, info.sms, info.global_mem / 1e9, info.l2_bytes / 1e6);
    double t0 = clock_seconds();
    const int ts_full[] = {512, 1024, 2048}, ts_quick[] = {256};
    if (measure_ladder(f.out, size, &rng) != 0 || measure_rows(f.quick ? 1024 : 4096, 4096, &rng) != 0 ||
        measure_attention(f.out, f.quick ? ts_quick : ts_full, f.quick ? 1 : 3, f.quick ? 8 : 32, 64, &rng) != 0 ||
        measure_int8(f.quick ? 512 : 4096, &rng) != 0)
        return 1;
    printf("done in %.1fs; log and figures in %s/ (make gpu-check runs the full benchmark against cuBLAS)\n",
           clock_seconds() - t0, f.out);
    return 0;
}

#endif /* GRADING */
