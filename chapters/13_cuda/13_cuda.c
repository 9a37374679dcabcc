/*md
# CUDA: from a naive kernel toward cuBLAS

Every chapter so far ran on the CPU, where one core does a few dozen floating-point operations
per clock. A GPU does tens of thousands, if you can keep it busy. This chapter is about keeping it
busy: it writes the kernels a neural network spends its time in (matrix products, softmax, layer
norm, attention, an int8 product) in CUDA C++, starting each from the version a careful
programmer writes first and changing one thing at a time, toward the speed of NVIDIA's own
library, cuBLAS. (How close each step comes can only be measured on a GPU, and has not been yet:
section 13.8.) Each step fixes the limitation the step before ran into, and each
limitation is a fact about the hardware: how threads are grouped, how memory is reached, how
many registers a thread may have. The chapter's arithmetic, those facts as formulas, is what its
exercises grade.

The kernels live in `gpu/`, one file per step (`gpu/sgemm/01_naive.cuh`, `02_coalesced.cuh`, …),
listed once in the table of `gpu/kernels.h` that the dispatcher, the tests, the benchmark and
this program all read. The host API is C (`gpu/gpu.h`), so this chapter stays a C program.

**What runs where.** The kernels of `gpu/` need an NVIDIA GPU; the exercises do not. Nine are
small functions of index or floating-point arithmetic that the kernels call from each thread
(`kernel_math.h`, compiled both for the CPU and for the GPU) or that predict what the hardware
will do (bank conflicts, occupancy, the roofline). Six are kernels (`ex_kernels.cuh`, section
13.13), written once and run either by a GPU or by a small simulator of CUDA's execution model
(`gpu/cusim.c`) that also counts their memory transactions and catches races, barrier divergence
and out-of-bounds accesses. `make check CH=13` grades all fifteen on any machine. `make run CH=13`
does the parts that need no GPU (the roofline from published numbers, the occupancy of every
kernel from the compiler's register counts) and then, without a GPU, runs the exercise kernels on
the simulator. On a machine with an H100 or H200, `make gpu-check` runs every kernel's tests, the
benchmark against cuBLAS and this program (`chapters/13_cuda/README-gpu.md` says how).

**Notation.** A matrix product $C = \alpha A B + \beta C$ has $A$ of shape $(M, K)$, $B$ of
shape $(K, N)$ and $C$ of shape $(M, N)$, row-major, so element $(r, c)$ of $C$ is
`C[r*N + c]`. Attention has $BH$ independent (batch, head) pairs, $T$ time steps and head size
$D$: `q, k, v, o` are `(BH, T, D)`. A kernel is launched on a *grid* of *blocks* of *threads*;
`blockIdx`, `blockDim` and `threadIdx` are a thread's coordinates.
*/

#include "csvlog.h"   /* out/13/log.csv, the measured ladder */
#include "error.h"    /* nn_error, nn_malloc */
#include "course.h"   /* TODO: the student edition's exercise stubs */
#include "flags.h"    /* --quick --out --seed --help, and --size */
#include "io.h"       /* io_create/io_commit, io_join, io_mkdirs */
#include "matmul.h"   /* OpenBLAS SGEMM: the CPU reference the GPU results are checked against */
#include "plot.h"     /* gnuplot figures */
#include "timing.h"   /* timing_seconds */
#include "rng.h"      /* the explicit random number generator */

#include "gpu.h"         /* the CUDA library's C API (gpu/gpu.h) */
#include "kernel_math.h" /* exercises 13.1, 13.2, 13.7, 13.8, 13.9: arithmetic the kernels share */
#include "kernels.h"     /* the one table of kernel versions (gpu/kernels.h) */
#include "cusim.h"       /* the CUDA simulator: kernels on the CPU, every memory access measured */
#include "ex_kernels.cuh" /* exercises 13.10 to 13.15: the kernels you write */

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

The hardware underneath has levels, and each level of the software maps onto one:

* A **streaming multiprocessor** (SM) is the GPU's equivalent of a core. The H100 SXM5 has 132
  of them. A block runs entirely on one SM, from start to finish; an SM holds several blocks at
  once, and the blocks of a grid are handed out to the SMs as earlier ones finish. Ordinary
  blocks cannot wait for one another, so a kernel must be correct in whatever order its blocks run.
* A **thread block cluster** (compute capability 9.0, the H100 and H200) is a group of up to 8
  blocks (16 with an opt-in) that the hardware runs at the same time on neighbouring SMs. The
  blocks of a cluster can read and write each other's shared memory (*distributed shared memory*)
  and wait for each other at `cluster.sync()`. A launch without clusters, like every kernel of this
  chapter, has clusters of one block.
* A **warp** is 32 threads of one block with consecutive thread numbers (threads 0–31, 32–63, …
  of the block, numbered `threadIdx.x` first). The SM issues one instruction for the whole warp,
  which its 32 threads execute together on their own data (*single instruction, multiple
  threads*). When threads of a warp take different sides of a branch, the warp runs both sides
  one after the other, each thread idle on the side it does not take: *divergence*.
* A **thread** is one lane of a warp, with its own registers.

Inside a block, threads can share data through fast on-chip *shared memory* and wait for each
other at a barrier, `__syncthreads()`. Across the blocks of a cluster they can use distributed
shared memory and `cluster.sync()`; between blocks of different clusters, only global memory
(and atomic operations on it) connects them.

```dot
digraph exec {
  rankdir=LR; node [shape=box, fontname="sans", fontsize=11]; edge [fontname="sans", fontsize=10];
  grid [label="grid\n(one kernel launch)"];
  block [label="block\n(up to 1024 threads,\nshares shared memory,\n__syncthreads)"];
  warp [label="warp\n(32 threads,\none instruction at a time)"];
  thread [label="thread\n(own registers)"];
  cluster [label="cluster (sm_90)\n(up to 8 blocks,\ndistributed shared memory,\ncluster.sync)"];
  sm [label="SM\n(132 on an H100/H200;\nruns several blocks)", style=filled, fillcolor="#eeeeee"];
  grid -> cluster [label="clusters"]; cluster -> block [label="blocks"];
  block -> warp [label="warps"]; warp -> thread [label="32 lanes"];
  block -> sm [label="runs on one", style=dashed];
}
```

**The H100 and H200 on paper.** All numbers in this chapter that are not measured come from
NVIDIA's published specifications of the H100 SXM5 80 GB (the H100 PCIe card has fewer SMs and
slower memory) and of the H200 SXM 141 GB, the GPU this course's device machine has: the same
chip and the same compute, with more and faster memory (HBM3e, 4.8 TB/s). Each SM has 128 FP32 units, each doing one fused multiply-add (FMA, 2 floating-point
operations) per clock, so at the 1.98 GHz boost clock the FP32 peak is
$132 \times 128 \times 2 \times 1.98 \cdot 10^9 \approx 66.9$ TFLOP/s. Its tensor cores do dense
TF32 matrix products at a published 494.7 TFLOP/s and BF16 at 989.4. Main memory delivers
3.35 TB/s (HBM3, H100) or 4.8 TB/s (HBM3e, H200); the L2 cache is 50 MB. Per SM: 65,536 32-bit
registers; 256 KB of on-chip memory shared between the L1 cache and shared memory, of which up to
228 KB can be shared memory; at most 2048 resident threads and 32 resident blocks. One block may
use up to 227 KB of shared memory, but only as *dynamic* shared memory and only after the host
opts in (`cudaFuncSetAttribute` with `cudaFuncAttributeMaxDynamicSharedMemorySize`); without that,
a block gets at most 48 KB. The program prints these as its first lines, labelled as published
figures.
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
/* The H200 SXM 141 GB: the same GH100 chip and clocks, HBM3e memory. */
static const gpu_spec H200_SXM = {"H200 SXM 141 GB (published)", 132, 128, 1.98, 66.9, 494.7, 989.4, 4.8, 50};

/*md
## 13.2 The memory hierarchy

A GPU's arithmetic is fast and its memory is far. Each level of memory is smaller and faster
than the one below:

| level | size on an H100/H200 | who sees it | latency, order of magnitude (see below) |
|---|---|---|---|
| registers | 64K × 4 bytes per SM, at most 255 per thread | one thread | none (operands of an instruction) |
| L1 + shared memory | 256 KB per SM, up to 228 KB of it shared (48 KB per block without opt-in) | shared memory: one block (its cluster, on sm_90) | tens of clock cycles |
| L2 cache | 50 MB | the whole GPU | a few hundred cycles |
| HBM | 80 GB, 3.35 TB/s (H100); 141 GB, 4.8 TB/s (H200) | the whole GPU (and the host, by copies) | several hundred cycles |

*Global memory* is an address space, not a place: its bytes live in HBM, and the L2 and L1
caches keep copies of recently used ones. A load from global memory may be served by any of the
three; "HBM traffic" below means the bytes that actually cross the HBM interface. The latency
column is an order of magnitude from published microbenchmark studies of recent NVIDIA GPUs, not
from a specification (NVIDIA publishes none), and nothing here measured it.

Latency is hidden, not avoided: while one warp waits for memory, the SM issues instructions of
another warp that is ready. So a kernel needs many warps resident per SM (section 13.6), and each
warp should have independent work to do while its loads are in flight. Bandwidth cannot be
hidden: an SM's share of the H100's 3.35 TB/s is $3.35 / 132 \approx 0.025$ TB/s, about 13 bytes per
clock at 1.98 GHz (18 on the H200), while its FP32 units can do 256 flops per clock. Unless a
kernel does about 20 flops (14 on the H200) for every byte it reads from HBM, memory sets its
speed (section 13.7). Every optimization below is
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
  per thread takes $R = \lceil 32 r / 256 \rceil \cdot 256$ per warp. The SM's 65,536 registers
  are four banks of 16,384, one per *sub-partition* (the SM's four schedulers), and a warp's
  registers come from one of them, so the SM holds $4 \lfloor 16384 / R \rfloor$ warps, that is
  $\lfloor 4 \lfloor 16384 / R \rfloor / W \rfloor$ blocks. At 185 registers per thread,
  $R = 6144$: 2 warps per sub-partition, 8 per SM (not $\lfloor 65536 / 6144 \rfloor = 10$);
* **shared memory**: each block reserves its own shared memory plus 1 KB the system keeps per
  block, out of the SM's 228 KB (233,472 bytes): $\lfloor 233472 / (s + 1024) \rfloor$ blocks
  for $s$ bytes per block.

This is the model NVIDIA's occupancy calculator uses, slightly simplified (the real allocator
also has a granularity for shared memory, and a kernel may be capped at fewer than 228 KB by
its preferred carve-out between L1 and shared memory). On a GPU machine the program prints the
runtime's own answer (`cudaOccupancyMaxActiveBlocksPerMultiprocessor`) beside the model's.

High occupancy is not the goal in itself. The fast SGEMM kernels below use 109 to 255 registers
per thread to hold many partial sums, and run at 8 to 16 warps per SM; what they give up in
warps they make up in independent instructions per warp. The program prints this table for the
SGEMM ladder from the register and shared-memory counts the compiler reported when it built
`gpu/` (no GPU needed).

### Exercise 13.4 — resident blocks per SM

Write `occupancy_blocks`: the number of blocks of `threads` threads, using `regs` registers per
thread and `smem` bytes of shared memory per block, that fit on one SM with the limits `sm`, by
the four rules above. The numbers in the rules are the H100's: read each from its field of `sm`
(the tests also ask about an SM with other limits).
*/

/* The per-SM limits that decide occupancy; H100 values from NVIDIA's published tables. */
typedef struct {
    int max_threads;   /* resident threads per SM: 2048 */
    int max_blocks;    /* resident blocks per SM: 32 */
    int regs;          /* 32-bit registers per SM: 65536 */
    int reg_unit;      /* registers are allocated to a warp in units of this many: 256 */
    int reg_parts;     /* the register file is split into this many sub-partitions: 4 */
    int smem;          /* shared memory per SM, bytes: 228 KB */
    int smem_reserved; /* shared memory the system reserves per block, bytes: 1 KB */
} sm_limits;

static const sm_limits H100_SM = {2048, 32, 65536, 256, 4, 228 * 1024, 1024};

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
    if (per_warp > 0) { /* whole warps per sub-partition, then whole blocks */
        int by_regs = sm->reg_parts * (sm->regs / sm->reg_parts / per_warp) / warps;
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
units, $I^* = 66.9 / 3.35 \approx 20$ flops per byte; for its TF32 tensor cores about 148. The H200
has the same peaks and faster memory: ridge points of about 14 (FP32) and 103 (TF32).

Two cautions. The intensities below count the bytes a kernel *requests* from global memory; the
caches serve some of those requests, so HBM traffic can only be lower, and a point placed on the
HBM roofline by its requested bytes gets a pessimistic bound. And the TF32 roof of 494.7 TFLOP/s
is the tensor cores' rate through Hopper's warpgroup instructions (`wgmma`); the WMMA interface
that kernel 8 uses issues the older `mma` instructions, several per `wmma::mma_sync` call, and
cannot reach that roof. cuBLAS uses `wgmma`.

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
$I = 1/4$ flop per requested byte. If every one of those bytes came from HBM, that would cap it at
$0.25 \times 3.35 = 0.84$ TFLOP/s, 1/80 of the FP32 peak; in fact most of them hit the L1 and L2
caches (neighbouring threads read the same rows of $A$ and columns of $B$), so its real limit is
the bandwidth of those caches, for which NVIDIA publishes no figure. The 0.84 is a bound for a
kernel with no cache at all, not a prediction. A block computing a
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
kernel that never writes the scores (section 13.11), it reads $Q$ and writes $O$ once ($8TD$
bytes), but each block of $B_q$ queries streams *all* of $K$ and $V$ through its shared memory, so
$K$ and $V$ are read $T / B_q$ times: $8TD \cdot T / B_q$ bytes more. Then

$$
I_{\text{fused}} = \frac{4 T^2 D}{8 T D + 8 T^2 D / B_q} = \frac{T}{2 + 2T / B_q}
\;\longrightarrow\; \frac{B_q}{2} \quad (T \gg B_q),
$$

which levels off at 32 flops per byte for the fused kernel's $B_q = 64$ (31.5 at $T = 4096$):
over the FP32 ridge from $T \approx 107$ on (H100; $T \approx 50$ on the H200), but never far over
it. This is FlashAttention's result that its memory traffic is $\Theta(T^2 D^2 / M)$ for $M$ bytes
of on-chip memory: larger query tiles, hence more shared memory, are what raise the intensity. (It
counts every re-read of $K$ and $V$ as global-memory traffic; for a head of $T = 4096$, $D = 64$,
$K$ and $V$ take 2 MB, so the re-reads may well come from the L2 cache: an expectation, not
measured.) The figure draws these bounds; the program prints the table.

![The H100 SXM5 roofline from NVIDIA's published peak numbers (not measured): FP32 on the CUDA cores, TF32 on the tensor cores, HBM3 bandwidth (the H200's faster HBM3e dashed), and where this chapter's kernels sit by their arithmetic intensity of requested bytes.](out/13/roofline.svg)
*/

typedef struct {
    const char *name;
    double intensity; /* flops per byte of main-memory traffic, by the model in the prose */
} roofline_point;

/* The kernels of this chapter on the roofline, at the intensities derived above. */
static int roofline_points(roofline_point *p, int attention_t, int head_d)
{
    int n = 0;
    p[n++] = (roofline_point){"SGEMM naive, no cache", 0.25};
    p[n++] = (roofline_point){"SGEMM 32x32 tiles", tile_intensity(32, 32)};
    p[n++] = (roofline_point){"SGEMM 128x128 tiles", tile_intensity(128, 128)};
    p[n++] = (roofline_point){"SGEMM n=4096, each matrix once", 4096.0 / 6};
    p[n++] = (roofline_point){"softmax / layer norm", 1.0};
    p[n++] = (roofline_point){"attention unfused, T=4096", (double)attention_t * head_d / (4.0 * (attention_t + head_d))};
    /* each block of 64 queries streams all of K and V: I = T / (2 + 2T / Bq) */
    p[n++] = (roofline_point){"attention fused, T=4096", attention_t / (2.0 + 2.0 * attention_t / 64)};
    return n;
}

/* Prints the roofline table (bounds for g, and for g2 beside them) and draws out/13/roofline.svg.
 * Returns 0, or -1 if the table cannot be written; a figure that cannot be drawn (no gnuplot) is
 * only a note. */
static int roofline_report(const char *out, const gpu_spec *g, const gpu_spec *g2)
{
    const double peak = g->fp32_tflops * 1e3, bw = g->hbm_tbs * 1e3; /* GFLOP/s, GB/s */
    roofline_point pts[8];
    const int T = 4096, D = 64;
    int n = roofline_points(pts, T, D);
    printf("== The roofline of the %s, FP32 on the CUDA cores\n", g->name);
    const double bw2 = g2->hbm_tbs * 1e3;
    printf("   ridge point: %.1f TFLOP/s / %.2f TB/s = %.1f flop/byte (TF32 tensor cores: %.0f)\n", g->fp32_tflops,
           g->hbm_tbs, peak / bw, g->tf32_tflops * 1e3 / bw);
    printf("   %s: %.1f TFLOP/s / %.2f TB/s = %.1f flop/byte (TF32 tensor cores: %.0f)\n", g2->name, g2->fp32_tflops,
           g2->hbm_tbs, g2->fp32_tflops * 1e3 / bw2, g2->tf32_tflops * 1e3 / bw2);
    printf("   %-34s %14s %16s  %-8s %16s\n", "kernel (attention: T=4096, D=64)", "flop/byte", "bound GFLOP/s",
           "bound by", "H200 bound");
    char path[4096];
    io_file_t f;
    if (io_create(&f, io_join(path, out, "roofline.csv")) != 0)
        return -1;
    fprintf(f.f, "kernel,intensity,bound_gflops,label_side\n");
    for (int i = 0; i < n; i++) {
        double b = roofline_gflops(pts[i].intensity, peak, bw);
        printf("   %-34s %14.2f %16.0f  %-8s %16.0f\n", pts[i].name, pts[i].intensity, b,
               pts[i].intensity * bw < peak ? "memory" : "compute",
               roofline_gflops(pts[i].intensity, g2->fp32_tflops * 1e3, bw2));
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
             "bw = %g\nbw2 = %g\nfp32 = %g\ntf32 = %g\n"
             "plot (x * bw < tf32 ? x * bw : tf32) with lines dt 2 lw 2 lc rgb '#888888' title 'TF32 tensor cores', "
             "(x * bw < fp32 ? x * bw : fp32) with lines lw 3 lc rgb '#1f77b4' title 'FP32 CUDA cores', "
             "(x * bw2 < fp32 ? x * bw2 : fp32) with lines dt 3 lw 2 lc rgb '#2ca02c' title 'FP32, H200 memory', "
             "'roofline.csv' skip 1 using 2:3 with points pt 7 ps 1.2 lc rgb '#d62728' title 'kernel bounds', "
             "'' skip 1 using 2:($4 == 0 ? $3 : 1/0):1 with labels left offset 0.8,-0.7 font ',9' notitle, "
             "'' skip 1 using 2:($4 == 1 ? $3 : 1/0):1 with labels right offset -0.5,1.0 font ',9' notitle, "
             "'' skip 1 using 2:($4 == 2 ? $3 : 1/0):1 with labels right offset -0.5,-2.2 font ',9' notitle",
             bw, bw2, peak, g->tf32_tflops * 1e3);
    if (plot_render(out, "roofline", 900, 600, body) != 0)
        printf("   (the figure roofline.svg was not drawn: see the message above; the table is complete)\n\n");
    return 0;
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
   absorb part of it, and the kernel is expected to be limited by L1/L2 bandwidth (an
   expectation: not measured yet).
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
   shared-memory reads are broadcasts; operands loaded once are reused across sub-tiles. Two
   things still cost it, and step 9 removes them: the block waits at a barrier while each tile is
   loaded, and the transposed tile of $A$ has bank conflicts (4-way on its stores, 2-way on its
   reads).
8. **Tensor cores, TF32** (`sgemm/08_tf32_wmma.cuh`): the same tiles, multiplied by the tensor
   cores through the WMMA API, a $16 \times 16 \times 8$ tile per `wmma::mma_sync` call (which
   compiles to several `mma` instructions), with inputs rounded to TF32 (a 10-bit mantissa). On
   Hopper the tensor cores' full rate needs `wgmma`, which WMMA does not use, so this step is not
   expected to approach the 494.7 TFLOP/s roof. A different number format, so a different question: it is
   compared with cuBLAS's TF32 mode, and its results with a looser error bound.
9. **Asynchronous copies, no bank conflicts** (`sgemm/09_async_swizzle.cuh`): back to FP32, the
   warp tiles of step 7 with two changes. The tiles are *double-buffered*: `cp.async` (compute
   capability 8.0 and later) copies global memory straight into shared memory without passing
   through registers or stopping the thread, so the copies of tile $t+1$ go into one buffer while
   tile $t$ is multiplied out of the other, and `cp.async.wait_group` waits only for the older
   tile. And the transposed tile of $A$ is *swizzled*: element $(k, m)$ goes to 16-byte slot
   $\lfloor m/4 \rfloor \oplus (k \bmod 8)$ of row $k$, so that the 32 threads of a warp write
   32 different banks, and a thread's 8 rows are taken as two groups of 4, 32 rows apart, so that
   a warp's 16-byte reads cover 8 consecutive slots: 128 bytes in one pass instead of two. The
   file's opening comment counts the conflicts of both layouts. It doubles the shared memory
   (32 KB per block) and, by the count of ptxas (CUDA 13, `sm_90`), needs 255 registers per
   thread against step 7's 185; both round to the same 2 blocks (8 warps) per SM. What this buys is an
   expectation until a GPU measures it: the loads hidden behind the FMAs, fewer shared-memory
   passes, and a step that should come closer to cuBLAS than step 7 (the target is 85% at
   $n = 4096$).

Every step is checked against a CPU reference by the tests, at sizes chosen to break bounds
checks: $1 \times 1 \times 1$, sizes that are not multiples of any tile, tall-skinny and
short-wide shapes, $\beta \ne 0$, and $\beta = 0$ with $C$ full of NaN (which must not be read).
The tests bound the error of each element by $2(u_{\text{in}} + K u) \sum_k |A_{rk} B_{kc}|$,
with $u = 2^{-24}$ the FP32 rounding unit and $u_{\text{in}}$ the relative error of a product of
rounded inputs (0 for FP32, $2^{-10}$ for TF32): the standard bound for a dot product of length
$K$, with a factor 2 to spare.

**Measured.** Not measured yet: this chapter was written on a machine without a GPU, and no
number in this section comes from a run. On an H100 or H200, `make gpu-check` writes the measured table
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
the row a second time to write $y$. We expect that second read to hit the L2 cache (a row of a
few thousand floats was read a moment before; not measured yet), in which case the kernel moves
about as many HBM bytes as a copy, and the benchmark measures it against one (target: 80% of the
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
$2^{14}$ in size ($(-128) \cdot (-128) = 16384$), so a sum of $K$ of them is at most $K \cdot 2^{14}$
in size. An int32 holds at most $2^{31} - 1$, so the sum is safe for $K \le 2^{17} - 1 = 131071$:
at $K = 2^{17}$, a row and a column of $-128$s give $2^{17} \cdot 2^{14} = 2^{31}$, one more than
`INT32_MAX`. The library refuses $K > 131071$ with a message rather than overflow silently. Integer results are exact: the test compares them
with the CPU bit for bit.

## 13.13 Writing kernels on any machine: a simulator

Arithmetic about kernels is not writing kernels. Exercises 13.10 to 13.15 are kernels, in
`chapters/13_cuda/ex_kernels.cuh`, and they are graded on a machine without a GPU by a small
simulator of CUDA's execution model, `gpu/cusim.c`. The same source compiles with nvcc for a GPU
(`gpu/exercises.cu` includes it) and with cc for the simulator, through a thin layer of macros
(`gpu/cusim.h`) that under nvcc *are* CUDA: `KERNEL` is `__global__`, `SHARED(float, buf, [256])`
is `__shared__ float buf[256]`, `SYNC()` is `__syncthreads()`, `SHFL_XOR(v, m)` is
`__shfl_xor_sync(0xffffffff, v, m)`, and `threadIdx`, `blockIdx`, `blockDim` keep their names.
One thing is written differently from plain CUDA: every load and store of global or shared memory
is `LD(p, i)` for `p[i]` and `ST(p, i, v)` for `p[i] = v`, so that the simulator sees it (on the
GPU they are exactly those expressions). Local variables are registers and are written as usual.

The simulator runs a grid's blocks one after another, and the threads of a block as cooperative
fibers: a thread runs until it reaches `SYNC()`, which is a real barrier (it waits until every
thread of the block is there), or a warp shuffle (it waits for the other lanes of its warp), or its
end. That order is deterministic, which a GPU's is not, so the simulator does not wait for a bug
to show up in the results; it looks for the bug itself. It groups the accesses of the 32 lanes of
a warp that come from the same `LD`/`ST` of the source (the $n$-th time each lane executes it) into
one warp-wide *request*, as the hardware does, and reports:

* **global memory**: requests and 32-byte sectors (section 13.3): a warp reading 32 consecutive
  floats takes 4 sectors, one reading floats 16 bytes apart 16, a column of a matrix 32;
* **shared memory**: requests and wavefronts, the passes of section 13.5 (1 when there is no
  bank conflict; a broadcast is free);
* **out-of-bounds accesses**, with the thread and block that made them and the buffer's size (the
  access is not performed, so the program does not crash);
* **races on shared memory**: two threads touching one word between two barriers, one of them
  writing. Because the fibers run in order, a missing barrier often gives the right answer here,
  and a wrong one on a GPU now and then; the race report is what catches it;
* **barrier divergence**: a thread that finishes, or waits at another `SYNC()`, while others of
  its block wait at one. On a GPU that is undefined behaviour: a hang, or silent corruption.

It does not model time: caches, latency, occupancy and clock rates are the GPU's business, and
the only numbers it gives are counts. Its own tests (`gpu/test_cusim.c`) run a kernel with each
bug and one without, and check that each detector fires on the first and stays silent on the
second. Each exercise's checks test the result against a CPU reference *and* the access pattern;
`make run CH=13` without a GPU runs all six kernels at small sizes and prints what was measured.

### Exercise 13.10 — a coalesced elementwise map

`ex_saxpy` computes $y_i \leftarrow a x_i + y_i$. Block $b$ owns the `blockDim.x * 4` consecutive
elements from `b * blockDim.x * 4` on; each thread handles 4 of them, one per iteration $j$. Write
the body of the loop: the index $i$ that thread `threadIdx.x` takes at iteration $j$, so that the
32 lanes of a warp read 32 consecutive floats (4 sectors per request), and the update, skipping
$i \ge n$.

### Exercise 13.11 — a block reduction in shared memory

`ex_block_sum` writes to `out[b]` the sum of the 256 elements of block $b$ (those past $n$ count as
0). Each thread stores its element into `buf`, then a tree halves the number of active threads
at each level: thread $t < s$ adds `buf[t + s]` into `buf[t]`, for $s = 128, 64, \dots, 1$; thread
0 writes `buf[0]`. Every level reads what the previous one wrote, so a barrier separates them,
and every thread of the block must reach it, active or not. This *sequential addressing* keeps
the active threads on consecutive words: no bank conflicts (the checks require none).

### Exercise 13.12 — a shared-memory tiled SGEMM

`ex_sgemm_tiled` is kernel 3 of the ladder with $16 \times 16$ tiles: block $(b_x, b_y)$ of
$16 \times 16$ threads computes the tile of $C$ at rows $16 b_y + t_y$, columns $16 b_x + t_x$.
For each step $k_0$ along $K$, thread $(t_x, t_y)$ loads `As[ty][tx]` $= A_{\text{row}, k_0 + t_x}$
and `Bs[ty][tx]` $= B_{k_0 + t_y, \text{col}}$ (0 outside the matrices), waits at a barrier, adds
$\sum_k$ `As[ty][k] * Bs[k][tx]` to its sum, and waits again before the next tile overwrites these
(section 13.4). The checks run sizes that are multiples of no tile and require every tile load to
be coalesced.

### Exercise 13.13 — a 2-D register-tiled SGEMM step

`ex_sgemm_regtile` (written for you) is kernel 5 in small: $32 \times 32$ block tiles, $k$ in
steps of 8, and $8 \times 8$ threads that each compute a $4 \times 4$ block of $C$. Write its step
`ex_outer_step`: for one $k$, thread $(t_x, t_y)$ adds $A_{r k} B_{k c}$ to its 16 accumulators
`acc[i][j]`, rows $r = 4 t_y + i$, columns $c = 4 t_x + j$ of the tile, reading `As_k[r]` and
`Bs_k[c]` from shared memory. Load the 4 values of $A$ and the 4 of $B$ into registers first, then
do the 16 multiply-adds from registers: 8 shared loads per warp and step, not 32. (The tile of $A$
is stored transposed on its way in, as in kernel 6, and that store has an 8-way bank conflict: in
the table `make run CH=13` prints, the kernel's shared stores average 4.5 wavefronts (`wf/st`, the
8 of $A$'s tile and the 1 of $B$'s), while the loads you write take 1 (`wf/ld`).)

### Exercise 13.14 — online softmax, one row per warp

`ex_softmax_warp` gives each row to one warp (4 warps per block). Lane $l$ reads elements
$l, l + 32, l + 64, \dots$ of its row (coalesced) and keeps the online state $(m, d)$ of section 13.9,
updated element by element: $m' = \max(m, x)$, $d \leftarrow d\,e^{m - m'} + e^{x - m'}$. Five
`SHFL_XOR` exchanges (masks 16, 8, 4, 2, 1) merge the 32 lanes' states, so that every lane holds
the row's; a lane with no element holds $(-\infty, 0)$, which the merge must treat as empty. A
second pass writes $y_j = e^{x_j - m} / d$. The checks require two reads of the row in total (the
three-pass version reads it three times) and 4 sectors per request.

### Exercise 13.15 — the fused attention's inner update

`ex_attention` (written for you) gives each query of a head to one thread and walks the keys in
tiles of 16, loaded into shared memory; head size $D = 16$, no mask. Write `ex_attn_tile`, which
folds one tile into the thread's state $(m, \ell, o)$ of section 13.11: compute the tile's scores
$s_j = \text{scale} \cdot q \cdot k_j$ into a local array (`ex_attention` passes
$\text{scale} = 1/\sqrt{D}$; the checks also call your function with another scale, twice in a
row), take $m' = \max(m, \max_j s_j)$, multiply $\ell$ and $o$ by $e^{m - m'}$, add $e^{s_j - m'}$
to $\ell$ and $e^{s_j - m'} v_j$ to $o$, and set $m = m'$.
Read each element of `Ks` and `Vs` once. The checks include a tile whose scores are all lower than
an earlier one's, by 128: taking the tile's own maximum as the reference then overflows.

## 13.14 Measuring on an H100/H200

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

## 13.15 The program

`main` prints the published H100 and H200 numbers and the roofline table and figure, the ladder and its
occupancy (all without a GPU), then looks for a GPU. Without one it runs the kernels of
exercises 13.10 to 13.15 on the simulator (section 13.13) at small sizes, checks each against the
CPU, prints the requests, sectors and wavefronts it counted, writes them to `out/13/log.csv`, and
exits with status 0 (1 if a kernel is wrong or made a memory error). With a GPU, it runs every SGEMM step at `--size` (default 2048; 512 with
`--quick`), checks each result against OpenBLAS on the CPU and prints GFLOP/s, then measures
softmax and layer norm against the copy bandwidth, fused against unfused attention, and the int8
product, writing `out/13/log.csv` and the figures `ladder.svg` and `attention.svg`.
*/

/* --- the exercise kernels on the simulator ---------------------------------------------------------
 * A CUDA launch is kernel<<<grid, block>>>(a, b, c). In C the arguments travel in a struct, and a
 * small entry function unpacks them in every simulated thread. */

typedef struct {
    float *y;
    const float *x;
    float a;
    int n;
} saxpy_args;
static void saxpy_entry(void *p)
{
    saxpy_args *a = p;
    ex_saxpy(a->y, a->x, a->a, a->n);
}
#define SIM_MAP_THREADS 128
static int sim_saxpy(cusim_stats_t *st, float *y, const float *x, float a, int n)
{
    saxpy_args args = {y, x, a, n};
    unsigned per_block = SIM_MAP_THREADS * EX_MAP_PER_THREAD;
    return cusim_launch(st, CUSIM_DIM3(((unsigned)n + per_block - 1) / per_block), CUSIM_DIM3(SIM_MAP_THREADS),
                        saxpy_entry, &args);
}

typedef struct {
    float *out;
    const float *x;
    int n;
} sum_args;
static void sum_entry(void *p)
{
    sum_args *a = p;
    ex_block_sum(a->out, a->x, a->n);
}
/* out has (n + 255) / 256 floats. */
static int sim_block_sum(cusim_stats_t *st, float *out, const float *x, int n)
{
    sum_args args = {out, x, n};
    return cusim_launch(st, CUSIM_DIM3(((unsigned)n + EX_REDUCE_THREADS - 1) / EX_REDUCE_THREADS),
                        CUSIM_DIM3(EX_REDUCE_THREADS), sum_entry, &args);
}

typedef struct {
    float *C;
    const float *A, *B;
    int M, N, K, version; /* 1: tiled (13.12), 2: register-tiled (13.13) */
} gemm_args;
static void gemm_entry(void *p)
{
    gemm_args *a = p;
    if (a->version == 1)
        ex_sgemm_tiled(a->C, a->A, a->B, a->M, a->N, a->K);
    else
        ex_sgemm_regtile(a->C, a->A, a->B, a->M, a->N, a->K);
}
static int sim_sgemm(cusim_stats_t *st, int version, float *C, const float *A, const float *B, int M, int N, int K)
{
    gemm_args args = {C, A, B, M, N, K, version};
    if (version == 1)
        return cusim_launch(st, CUSIM_DIM3(((unsigned)N + EX_TILE - 1) / EX_TILE, ((unsigned)M + EX_TILE - 1) / EX_TILE),
                            CUSIM_DIM3(EX_TILE, EX_TILE), gemm_entry, &args);
    return cusim_launch(st, CUSIM_DIM3(((unsigned)N + EX_BN - 1) / EX_BN, ((unsigned)M + EX_BM - 1) / EX_BM),
                        CUSIM_DIM3(EX_BN / EX_TN, EX_BM / EX_TM), gemm_entry, &args);
}

typedef struct {
    float *y;
    const float *x;
    int rows, cols;
} softmax_args;
static void softmax_entry(void *p)
{
    softmax_args *a = p;
    ex_softmax_warp(a->y, a->x, a->rows, a->cols);
}
#define SIM_SOFTMAX_WARPS 4 /* rows per block */
static int sim_softmax(cusim_stats_t *st, float *y, const float *x, int rows, int cols)
{
    softmax_args args = {y, x, rows, cols};
    return cusim_launch(st, CUSIM_DIM3(((unsigned)rows + SIM_SOFTMAX_WARPS - 1) / SIM_SOFTMAX_WARPS),
                        CUSIM_DIM3(32 * SIM_SOFTMAX_WARPS), softmax_entry, &args);
}

typedef struct {
    float *o;
    const float *q, *k, *v;
    int T;
} attn_args;
static void attn_entry(void *p)
{
    attn_args *a = p;
    ex_attention(a->o, a->q, a->k, a->v, a->T);
}
/* q, k, v, o: (BH, T, EX_D). */
static int sim_attention(cusim_stats_t *st, float *o, const float *q, const float *k, const float *v, int BH, int T)
{
    attn_args args = {o, q, k, v, T};
    return cusim_launch(st, CUSIM_DIM3(((unsigned)T + 31) / 32, (unsigned)BH), CUSIM_DIM3(32), attn_entry, &args);
}

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
    matmul_blas(0, 0, n, n, n, 1.0f, A, B, 0.0f, ref);
    float ref_max = 0;
    for (size_t i = 0; i < nn; i++)
        ref_max = fmaxf(ref_max, fabsf(ref[i]));
    float *dA = device_floats(A, nn), *dB = device_floats(B, nn), *dC = device_floats(NULL, nn);
    int rc = dA && dB && dC ? 0 : -1;
    char path[4096];
    csvlog_t log;
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
    /* A missing gnuplot costs the figure, not the measurements (the GPU machine may have none). */
    if (rc == 0 && plot_render(out, "ladder", 800, 500,
                         "set title 'SGEMM ladder on this GPU (measured)'\nset datafile separator ','\n"
                         "set style fill solid 0.7\nset boxwidth 0.6\nset xlabel 'step (gpu/kernels.h)'\n"
                         "set ylabel 'GFLOP/s'\nset grid ytics\nunset key\nset xtics 1\n"
                         "plot 'log.csv' skip 1 using 1:4 with boxes lc rgb '#1f77b4'") != 0)
        printf("   (ladder.svg not drawn; the numbers are in log.csv)\n\n");
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
    io_file_t f;
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
    if (plot_render(out, "attention", 800, 500,
                       "set title 'causal attention on this GPU (measured)'\nset datafile separator ','\n"
                       "set logscale xy\nset xlabel 'sequence length T'\nset ylabel 'ms per call'\nset grid\n"
                       "set key top left\n"
                       "plot 'attention.csv' skip 1 using 1:2 with linespoints lw 2 title 'unfused', "
                       "'' skip 1 using 1:3 with linespoints lw 2 title 'fused'") != 0)
        printf("   (attention.svg not drawn; the numbers are in attention.csv)\n\n");
    return 0;
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
        double t0 = timing_seconds();
        int reps = 10;
        rc = 0;
        for (int i = 0; i < reps + 1 && rc == 0; i++) {
            if (i == 1 && gpu_synchronize() == GPU_OK)
                t0 = timing_seconds(); /* the first call is the warm-up */
            rc = gpu_igemm(C, A, B, n, n, n) == GPU_OK ? 0 : -1;
        }
        if (rc == 0 && gpu_synchronize() == GPU_OK) {
            double s = (timing_seconds() - t0) / reps;
            printf("== int8 GEMM (dp4a), n = %d: %.3f ms, %.1f TOP/s\n\n", n, s * 1e3, 2.0 * n * n * n / s / 1e12);
        } else
            rc = -1;
    }
    gpu_free(A), gpu_free(B), gpu_free(C);
    free(h);
    return rc;
}

/* --- without a GPU: the exercise kernels on the simulator --------------------------------------------- */

static double max_abs_diff(const float *a, const double *ref, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        worst = d > worst || d != d ? d : worst;
    }
    return worst;
}

static void fill_sim(float *x, size_t n, rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_range(rng, -1, 1);
}

/* One line of the simulated ladder and one row of log.csv. */
static void sim_line(csvlog_t *log, int id, const char *name, const cusim_stats_t *st, double err, double tol)
{
    double ld = st->global_load_requests ? (double)st->global_load_sectors / st->global_load_requests : 0;
    double sd = st->global_store_requests ? (double)st->global_store_sectors / st->global_store_requests : 0;
    double sh = st->shared_load_requests ? (double)st->shared_load_wavefronts / st->shared_load_requests : 0;
    double ss = st->shared_store_requests ? (double)st->shared_store_wavefronts / st->shared_store_requests : 0;
    printf("   %2d %-26s %8ld %6.2f %6.2f %8ld %6.2f %6.2f %5d %6d  %-5s %.1e\n", id, name, st->global_load_requests, ld,
           sd, st->shared_load_requests, sh, ss, st->barriers ? (int)st->barriers : 0, st->errors,
           err <= tol ? "ok" : "WRONG", err);
    csvlog_row(log, (double[]){id, (double)st->global_load_requests, ld, sd, (double)st->shared_load_requests, sh, ss,
                               (double)st->errors, err});
}

/* Runs exercises 13.10 to 13.15 on the simulator at small sizes, checks each against the CPU and
 * prints what the simulator measured. Returns 0, or -1 when a kernel is wrong or made errors. */
static int simulate_ladder(const char *out, int quick, rng_t *rng)
{
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, out, "log.csv"),
                    "kernel,global_load_requests,sectors_per_load,sectors_per_store,shared_load_requests,"
                    "wavefronts_per_shared_load,wavefronts_per_shared_store,errors,max_abs_error") != 0)
        return -1;
    printf("== The kernels you write (exercises 13.10 to 13.15), run on the CUDA simulator (gpu/cusim.c)\n");
    printf("   per warp-wide request: sectors of 32 bytes (global), wavefronts (shared; 1 = no bank conflict)\n");
    printf("   %2s %-26s %8s %6s %6s %8s %6s %6s %5s %6s  %-5s %s\n", "ex", "kernel", "loads", "sec/ld", "sec/st",
           "sh.loads", "wf/ld", "wf/st", "syncs", "errors", "check", "max |err|");
    int bad = 0, n = quick ? 2048 : 8192, g = quick ? 48 : 96, rows = quick ? 16 : 64, T = quick ? 64 : 128;
    cusim_stats_t st;
    { /* 13.10 */
        float *x = cusim_malloc((size_t)n * 4, "x"), *y = cusim_malloc((size_t)n * 4, "y");
        double *ref = nn_malloc((size_t)n * sizeof(double));
        fill_sim(x, (size_t)n, rng), fill_sim(y, (size_t)n, rng);
        for (int i = 0; i < n; i++)
            ref[i] = 2.0 * x[i] + y[i];
        if (sim_saxpy(&st, y, x, 2.0f, n) != 0)
            bad = 1;
        double e = max_abs_diff(y, ref, (size_t)n);
        bad |= e > 1e-6 || st.errors;
        sim_line(&log, 10, "saxpy (coalesced map)", &st, e, 1e-6);
        cusim_free(x), cusim_free(y), free(ref);
    }
    { /* 13.11 */
        int blocks = (n + EX_REDUCE_THREADS - 1) / EX_REDUCE_THREADS;
        float *x = cusim_malloc((size_t)n * 4, "x"), *o = cusim_malloc((size_t)blocks * 4, "out");
        double *ref = nn_calloc((size_t)blocks, sizeof(double));
        fill_sim(x, (size_t)n, rng);
        for (int i = 0; i < n; i++)
            ref[i / EX_REDUCE_THREADS] += x[i];
        if (sim_block_sum(&st, o, x, n) != 0)
            bad = 1;
        double e = max_abs_diff(o, ref, (size_t)blocks);
        bad |= e > 1e-4 || st.errors;
        sim_line(&log, 11, "block sum (shared memory)", &st, e, 1e-4);
        cusim_free(x), cusim_free(o), free(ref);
    }
    for (int version = 1; version <= 2; version++) { /* 13.12, 13.13 */
        float *A = cusim_malloc((size_t)g * g * 4, "A"), *B = cusim_malloc((size_t)g * g * 4, "B");
        float *C = cusim_malloc((size_t)g * g * 4, "C");
        double *ref = nn_calloc((size_t)g * g, sizeof(double));
        fill_sim(A, (size_t)g * g, rng), fill_sim(B, (size_t)g * g, rng);
        for (int i = 0; i < g; i++)
            for (int k = 0; k < g; k++)
                for (int j = 0; j < g; j++)
                    ref[i * g + j] += (double)A[i * g + k] * B[k * g + j];
        if (sim_sgemm(&st, version, C, A, B, g, g, g) != 0)
            bad = 1;
        double e = max_abs_diff(C, ref, (size_t)g * g);
        bad |= e > 1e-4 || st.errors;
        sim_line(&log, 11 + version, version == 1 ? "SGEMM 16x16 smem tiles" : "SGEMM 4x4 register tiles", &st, e,
                 1e-4);
        cusim_free(A), cusim_free(B), cusim_free(C), free(ref);
    }
    { /* 13.14 */
        int cols = 256;
        size_t m = (size_t)rows * cols;
        float *x = cusim_malloc(m * 4, "x"), *y = cusim_malloc(m * 4, "y");
        double *ref = nn_malloc(m * sizeof(double));
        fill_sim(x, m, rng);
        for (int r = 0; r < rows; r++) {
            double mx = -INFINITY, sum = 0;
            for (int j = 0; j < cols; j++)
                mx = fmax(mx, x[r * cols + j]);
            for (int j = 0; j < cols; j++)
                sum += exp(x[r * cols + j] - mx);
            for (int j = 0; j < cols; j++)
                ref[r * cols + j] = exp(x[r * cols + j] - mx) / sum;
        }
        if (sim_softmax(&st, y, x, rows, cols) != 0)
            bad = 1;
        double e = max_abs_diff(y, ref, m);
        bad |= e > 1e-6 || st.errors;
        sim_line(&log, 14, "online softmax (warp/row)", &st, e, 1e-6);
        cusim_free(x), cusim_free(y), free(ref);
    }
    { /* 13.15 */
        int BH = 2;
        size_t m = (size_t)BH * T * EX_D;
        float *q = cusim_malloc(m * 4, "q"), *k = cusim_malloc(m * 4, "k"), *v = cusim_malloc(m * 4, "v");
        float *o = cusim_malloc(m * 4, "o");
        double *ref = nn_calloc(m, sizeof(double)), *p = nn_malloc((size_t)T * sizeof(double));
        fill_sim(q, m, rng), fill_sim(k, m, rng), fill_sim(v, m, rng);
        for (int h = 0; h < BH; h++)
            for (int i = 0; i < T; i++) {
                const float *qi = q + ((size_t)h * T + i) * EX_D;
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j < T; j++) {
                    double dot = 0;
                    for (int d = 0; d < EX_D; d++)
                        dot += (double)qi[d] * k[((size_t)h * T + j) * EX_D + d];
                    p[j] = dot / sqrt((double)EX_D);
                    mx = fmax(mx, p[j]);
                }
                for (int j = 0; j < T; j++)
                    sum += p[j] = exp(p[j] - mx);
                for (int j = 0; j < T; j++)
                    for (int d = 0; d < EX_D; d++)
                        ref[((size_t)h * T + i) * EX_D + d] += p[j] / sum * v[((size_t)h * T + j) * EX_D + d];
            }
        if (sim_attention(&st, o, q, k, v, BH, T) != 0)
            bad = 1;
        double e = max_abs_diff(o, ref, m);
        bad |= e > 1e-5 || st.errors;
        sim_line(&log, 15, "fused attention (D = 16)", &st, e, 1e-5);
        cusim_free(q), cusim_free(k), cusim_free(v), cusim_free(o), free(ref), free(p);
    }
    printf("   (sizes: map and sum n = %d, SGEMM %d x %d x %d, softmax %d x 256, attention 2 heads x T = %d)\n\n", n,
           g, g, g, rows, T);
    if (csvlog_close(&log) != 0)
        return -1;
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 1, .seed = 1, .out = "out/13"};
    int size = 2048;
    flags_option_t extra[] = {{"--size", FLAGS_INT, &size, "n of the n x n x n SGEMM ladder"}};
    int parsed = flags_parse(&f, argc, argv,
                             "Chapter 13: CUDA kernels from naive toward cuBLAS (the kernels need an NVIDIA GPU; "
                             "without one the exercise kernels run on a simulator).",
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
    printf("== The %s on paper (the H200 SXM: the same, with HBM3e at %.1f TB/s)\n", g->name, H200_SXM.hbm_tbs);
    printf("   %d SMs x %d FP32 lanes x 2 flop x %.2f GHz = %.1f TFLOP/s FP32 (published: %.1f)\n", g->sms,
           g->fp32_lanes_per_sm, g->boost_ghz, g->sms * g->fp32_lanes_per_sm * 2 * g->boost_ghz / 1e3, g->fp32_tflops);
    printf("   tensor cores, dense: %.1f TFLOP/s TF32, %.1f BF16; HBM3 %.2f TB/s; L2 %.0f MB\n\n", g->tf32_tflops,
           g->bf16_tflops, g->hbm_tbs, g->l2_mb);
    if (roofline_report(f.out, g, &H200_SXM) != 0)
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
        printf("== No GPU here (%s): the kernels of exercises 13.10 to 13.15 run on the simulator instead\n\n", why);
        if (simulate_ladder(f.out, f.quick, &rng) != 0) {
            nn_error("make check CH=13 grades each kernel and says what is wrong",
                     "a kernel of exercises 13.10 to 13.15 computed a wrong result or made a memory error on the "
                     "simulator (see the table above)");
            return 1;
        }
        printf("done; %s/log.csv has the simulator's counts. On an H100/H200, make gpu-check runs the real kernels "
               "(chapters/13_cuda/README-gpu.md)\n", f.out);
        return 0;
    }
    gpu_info info;
    if (gpu_get_info(&info) != GPU_OK)
        return 1;
    printf("== This GPU: %s, compute capability %d.%d, %d SMs, %.1f GB, L2 %.0f MB\n\n", info.name, info.cc_major,
           info.cc_minor, info.sms, info.global_mem / 1e9, info.l2_bytes / 1e6);
    double t0 = timing_seconds();
    const int ts_full[] = {512, 1024, 2048}, ts_quick[] = {256};
    if (measure_ladder(f.out, size, &rng) != 0 || measure_rows(f.quick ? 1024 : 4096, 4096, &rng) != 0 ||
        measure_attention(f.out, f.quick ? ts_quick : ts_full, f.quick ? 1 : 3, f.quick ? 8 : 32, 64, &rng) != 0 ||
        measure_int8(f.quick ? 512 : 4096, &rng) != 0)
        return 1;
    printf("done in %.1fs; log and figures in %s/ (make gpu-check runs the full benchmark against cuBLAS)\n",
           timing_seconds() - t0, f.out);
    return 0;
}

#endif /* GRADING */
