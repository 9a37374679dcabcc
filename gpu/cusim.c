/* cusim.c — the CUDA execution model on the CPU (see cusim.h for what it does and measures).
 *
 * How it works. A launch runs its blocks one after another. For a block it makes one fiber
 * (ucontext: a stack and saved registers) per thread and a scheduler that resumes each ready
 * thread in turn; a thread runs until it blocks at SYNC() or SHFL_XOR, or ends. When no thread
 * is ready, the scheduler releases whatever can be released: a warp whose live lanes all wait at
 * a shuffle, else the whole block when every live thread waits at SYNC(). Anything else is
 * barrier divergence: it is reported and the waiting threads are released so the launch ends.
 *
 * Every LD/ST appends an entry to the log of the current "phase" (the stretch between two
 * barriers). At the end of a phase the log is sorted by (warp, source site, how many times the
 * lane has executed that site, lane): each group is one warp-wide memory instruction, whose
 * sectors (global) or bank conflicts (shared) are counted; and by (shared word, thread): two
 * threads touching one word in one phase, one of them writing, is a race.
 */
#define _GNU_SOURCE
#include "cusim.h"

#include "error.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#if defined(__SANITIZE_ADDRESS__)
#define CUSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CUSIM_ASAN 1
#endif
#endif
#ifdef CUSIM_ASAN
#include <sanitizer/common_interface_defs.h>
#define STACK_BYTES (256 * 1024)
#else
#define STACK_BYTES (64 * 1024)
#endif

#define MAX_ALLOCS 64
#define MAX_SHARED 32
#define MAX_SITE_COUNTERS 64
#define GUARD_BYTES 512

cusim_coords_t *cusim_current;

/* ---- device memory ---------------------------------------------------------------------------- */

typedef struct {
    char *base;
    size_t bytes;
    const char *name;
    int shared;         /* 1: a SHARED array */
    unsigned long fill; /* shared: the block in which it was last refilled */
} region_t;

static region_t g_allocs[MAX_ALLOCS];
static region_t g_shared[MAX_SHARED];
static int g_n_shared;

cusim_dim3_t cusim_dim3_of(const unsigned *v, size_t n)
{
    cusim_dim3_t d = {n > 0 ? v[0] : 1, n > 1 ? v[1] : 1, n > 2 ? v[2] : 1};
    return d;
}

void *cusim_malloc(size_t bytes, const char *name)
{
    if (bytes == 0) {
        nn_error("allocate at least one element", "cusim_malloc(0) for '%s': expected a size > 0", name);
        return NULL;
    }
    for (int i = 0; i < MAX_ALLOCS; i++)
        if (!g_allocs[i].base) {
            /* 256-byte aligned like cudaMalloc, so sectors fall where they would on a GPU; a
             * guard after the end, so a small overrun never lands in another allocation. */
            size_t total = (bytes + GUARD_BYTES + 255) / 256 * 256;
            char *p = aligned_alloc(256, total);
            if (!p) {
                nn_error("use smaller sizes in the simulator", "cusim_malloc(%zu) for '%s': out of memory", bytes,
                         name);
                return NULL;
            }
            memset(p, 0xFF, total); /* cudaMalloc's contents are undefined: NaN floats, -1 ints */
            g_allocs[i] = (region_t){p, bytes, name ? name : "buffer", 0, 0};
            return p;
        }
    nn_error("free buffers you no longer need (cusim_free)", "cusim_malloc: more than %d live allocations",
             MAX_ALLOCS);
    return NULL;
}

void cusim_free(void *p)
{
    if (!p)
        return;
    for (int i = 0; i < MAX_ALLOCS; i++)
        if (g_allocs[i].base == p) {
            free(p);
            g_allocs[i] = (region_t){0};
            return;
        }
}

/* The region holding address a, or NULL. */
static region_t *region_of(uintptr_t a)
{
    for (int i = 0; i < MAX_ALLOCS; i++)
        if (g_allocs[i].base && a >= (uintptr_t)g_allocs[i].base && a < (uintptr_t)g_allocs[i].base + g_allocs[i].bytes)
            return &g_allocs[i];
    for (int i = 0; i < g_n_shared; i++)
        if (a >= (uintptr_t)g_shared[i].base && a < (uintptr_t)g_shared[i].base + g_shared[i].bytes)
            return &g_shared[i];
    return NULL;
}

/* The region whose start is the closest at or below a (to name an out-of-bounds access). */
static region_t *region_below(uintptr_t a)
{
    region_t *best = NULL;
    for (int i = 0; i < MAX_ALLOCS + MAX_SHARED; i++) {
        region_t *r = i < MAX_ALLOCS ? &g_allocs[i] : &g_shared[i - MAX_ALLOCS];
        if (i >= MAX_ALLOCS && i - MAX_ALLOCS >= g_n_shared)
            break;
        if (r->base && (uintptr_t)r->base <= a && (!best || r->base > best->base))
            best = r;
    }
    return best;
}

/* ---- threads as fibers ----------------------------------------------------------------------- */

enum { READY, AT_SYNC, AT_SHFL, DONE };

typedef struct {
    ucontext_t ctx;
    cusim_coords_t coords;
    int tid, state, wait_line;
    float shfl_in, shfl_out;
    int shfl_mask;
    int counters[MAX_SITE_COUNTERS], counts[MAX_SITE_COUNTERS], n_counters;
    char *stack;
} fiber_t;

typedef struct {
    uintptr_t addr;
    int tid, counter, occ, line;
    unsigned char size, write, shared;
} access_t;

static struct {
    fiber_t *fibers;
    int n_fibers, capacity;
    fiber_t *running;
    ucontext_t sched;
    const void *sched_bottom;
    size_t sched_size;
    void (*entry)(void *);
    void *args;
    cusim_stats_t *st;
    access_t *log;
    size_t n_log, log_cap;
    unsigned long block_serial;
    int verbose;
    int race_pairs[CUSIM_MAX_ERRORS][2], n_race_pairs;
    int oob_sites[CUSIM_MAX_ERRORS], n_oob_sites;
} S;

static void add_error(int *counter, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_error(int *counter, const char *fmt, ...)
{
    cusim_stats_t *st = S.st;
    (*counter)++;
    st->errors++;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (S.verbose)
        fprintf(stderr, "cusim: %s\n", msg);
    if (st->n_messages < CUSIM_MAX_ERRORS)
        snprintf(st->messages[st->n_messages++], sizeof st->messages[0], "%s", msg);
}

static void yield_to_scheduler(fiber_t *f)
{
#ifdef CUSIM_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(f->state == DONE ? NULL : &fake, S.sched_bottom, S.sched_size);
#endif
    swapcontext(&f->ctx, &S.sched);
#ifdef CUSIM_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

static void resume(fiber_t *f)
{
    S.running = f;
    cusim_current = &f->coords;
#ifdef CUSIM_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, f->stack, STACK_BYTES);
#endif
    swapcontext(&S.sched, &f->ctx);
#ifdef CUSIM_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    S.running = NULL;
    cusim_current = NULL;
}

static void fiber_main(void)
{
#ifdef CUSIM_ASAN
    __sanitizer_finish_switch_fiber(NULL, &S.sched_bottom, &S.sched_size);
#endif
    fiber_t *f = S.running;
    S.entry(S.args);
    f->state = DONE;
    yield_to_scheduler(f);
}

static const char *fmt3(char *buf, cusim_dim3_t d)
{
    sprintf(buf, "(%u,%u,%u)", d.x, d.y, d.z);
    return buf;
}

/* ---- what the macros call --------------------------------------------------------------------- */

void cusim_shared(void *p, size_t bytes, const char *name)
{
    if (!S.running)
        return;
    for (int i = 0; i < g_n_shared; i++)
        if (g_shared[i].base == p) {
            if (g_shared[i].fill != S.block_serial) { /* first thread of a new block: garbage in */
                g_shared[i].fill = S.block_serial;
                for (size_t w = 0; w < bytes / sizeof(float); w++)
                    ((float *)p)[w] = NAN;
            }
            return;
        }
    if (g_n_shared == MAX_SHARED)
        return;
    g_shared[g_n_shared++] = (region_t){p, bytes, name, 1, S.block_serial};
    for (size_t w = 0; w < bytes / sizeof(float); w++)
        ((float *)p)[w] = NAN;
}

static int next_occurrence(fiber_t *f, int counter)
{
    for (int i = 0; i < f->n_counters; i++)
        if (f->counters[i] == counter)
            return f->counts[i]++;
    if (f->n_counters == MAX_SITE_COUNTERS)
        return 0;
    f->counters[f->n_counters] = counter;
    f->counts[f->n_counters++] = 1;
    return 0;
}

static _Alignas(64) unsigned char g_scratch[64]; /* where out-of-bounds accesses go */

void *cusim_access(const void *p, long long i, size_t size, int write, int line, int counter)
{
    uintptr_t a = (uintptr_t)p + (uintptr_t)(i * (long long)size);
    fiber_t *f = S.running;
    if (!f)
        return (void *)a; /* host code: a plain access */
    region_t *r = region_of(a);
    if (!r || a + size > (uintptr_t)r->base + r->bytes || (region_of((uintptr_t)p) && region_of((uintptr_t)p) != r)) {
        region_t *near = region_of((uintptr_t)p);
        if (!near)
            near = region_below(a);
        int seen = 0;
        for (int k = 0; k < S.n_oob_sites; k++)
            seen |= S.oob_sites[k] == counter;
        char t[40], b[40];
        if (!seen && S.n_oob_sites < CUSIM_MAX_ERRORS) {
            S.oob_sites[S.n_oob_sites++] = counter;
            if (near)
                add_error(&S.st->out_of_bounds,
                          "out of bounds: thread %s of block %s %s %s[%lld] (line %d), but %s has %zu elements",
                          fmt3(t, f->coords.thread_idx), fmt3(b, f->coords.block_idx), write ? "writes" : "reads",
                          near->name, (long long)(((intptr_t)a - (intptr_t)near->base) / (intptr_t)size), line,
                          near->name, near->bytes / size);
            else
                add_error(&S.st->out_of_bounds,
                          "out of bounds: thread %s of block %s %s an address that is neither device memory nor "
                          "SHARED (line %d)", fmt3(t, f->coords.thread_idx), fmt3(b, f->coords.block_idx),
                          write ? "writes" : "reads", line);
        } else {
            S.st->out_of_bounds++;
            S.st->errors++;
        }
        memset(g_scratch, 0, sizeof g_scratch);
        return g_scratch;
    }
    if (S.n_log == S.log_cap) {
        S.log_cap = S.log_cap ? 2 * S.log_cap : 1 << 16;
        S.log = realloc(S.log, S.log_cap * sizeof *S.log);
        if (!S.log)
            nn_fatal(NULL, "cusim: out of memory for the access log");
    }
    S.log[S.n_log++] = (access_t){a, f->tid, counter, next_occurrence(f, counter), line,
                                  (unsigned char)size, (unsigned char)write, (unsigned char)r->shared};
    return (void *)a;
}

void cusim_sync(int line)
{
    fiber_t *f = S.running;
    if (!f)
        return;
    f->state = AT_SYNC;
    f->wait_line = line;
    yield_to_scheduler(f);
}

float cusim_shfl_xor(float v, int lane_mask, int line)
{
    fiber_t *f = S.running;
    if (!f)
        return v;
    f->state = AT_SHFL;
    f->wait_line = line;
    f->shfl_in = v;
    f->shfl_mask = lane_mask;
    yield_to_scheduler(f);
    return f->shfl_out;
}

/* ---- the end of a phase: requests, sectors, bank conflicts, races ----------------------------- */

static int by_instruction(const void *pa, const void *pb)
{
    const access_t *a = pa, *b = pb;
    int wa = a->tid / CUSIM_WARP, wb = b->tid / CUSIM_WARP;
    if (wa != wb)
        return wa < wb ? -1 : 1;
    if (a->counter != b->counter)
        return a->counter < b->counter ? -1 : 1;
    if (a->occ != b->occ)
        return a->occ < b->occ ? -1 : 1;
    return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int by_word(const void *pa, const void *pb)
{
    const access_t *a = pa, *b = pb;
    if (a->addr / 4 != b->addr / 4)
        return a->addr / 4 < b->addr / 4 ? -1 : 1;
    return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int cmp_uptr(const void *pa, const void *pb)
{
    uintptr_t a = *(const uintptr_t *)pa, b = *(const uintptr_t *)pb;
    return a < b ? -1 : a > b;
}

static void count_site(int line, cusim_kind_t kind, long units, int ways)
{
    cusim_stats_t *st = S.st;
    cusim_site_t *s = NULL;
    for (int i = 0; i < st->n_sites && !s; i++)
        if (st->sites[i].line == line && st->sites[i].kind == kind)
            s = &st->sites[i];
    if (!s && st->n_sites < CUSIM_MAX_SITES) {
        s = &st->sites[st->n_sites++];
        *s = (cusim_site_t){line, kind, 0, 0, 0};
    }
    if (s) {
        s->requests++;
        s->units += units;
        s->max_ways = ways > s->max_ways ? ways : s->max_ways;
    }
}

static cusim_coords_t coords_of(int tid)
{
    return S.fibers[tid].coords;
}

static void report_race(const access_t *w, const access_t *o)
{
    for (int k = 0; k < S.n_race_pairs; k++)
        if (S.race_pairs[k][0] == w->line && S.race_pairs[k][1] == o->line) {
            S.st->races++;
            S.st->errors++;
            return;
        }
    if (S.n_race_pairs < CUSIM_MAX_ERRORS)
        S.race_pairs[S.n_race_pairs][0] = w->line, S.race_pairs[S.n_race_pairs++][1] = o->line;
    region_t *r = region_of(w->addr);
    char t1[40], t2[40], b[40];
    cusim_coords_t c1 = coords_of(w->tid), c2 = coords_of(o->tid);
    add_error(&S.st->races,
              "race on shared memory: thread %s of block %s writes %s[%ld] (line %d) and thread %s %s it "
              "(line %d) with no SYNC() between", fmt3(t1, c1.thread_idx), fmt3(b, c1.block_idx),
              r ? r->name : "?", r ? (long)((w->addr - (uintptr_t)r->base) / w->size) : 0L, w->line,
              fmt3(t2, c2.thread_idx), o->write ? "also writes" : "reads", o->line);
}

static void end_phase(void)
{
    cusim_stats_t *st = S.st;
    access_t *L = S.log;
    size_t n = S.n_log;
    qsort(L, n, sizeof *L, by_instruction);
    uintptr_t keys[CUSIM_WARP * 4];
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int m = 0;
        while (j < n && L[j].tid / CUSIM_WARP == L[i].tid / CUSIM_WARP && L[j].counter == L[i].counter &&
               L[j].occ == L[i].occ) {
            if (m < CUSIM_WARP * 4) {
                if (L[j].shared) /* words */
                    keys[m++] = L[j].addr / 4;
                else /* sectors, possibly two for an access that straddles a boundary */
                    for (uintptr_t s = L[j].addr / 32; s <= (L[j].addr + L[j].size - 1) / 32 && m < CUSIM_WARP * 4; s++)
                        keys[m++] = s;
            }
            j++;
        }
        qsort(keys, (size_t)m, sizeof keys[0], cmp_uptr);
        int distinct = 0;
        for (int k = 0; k < m; k++)
            if (k == 0 || keys[k] != keys[k - 1])
                keys[distinct++] = keys[k];
        cusim_kind_t kind;
        long units;
        int ways;
        if (L[i].shared) {
            int per_bank[32] = {0};
            ways = 1;
            for (int k = 0; k < distinct; k++) {
                int c = ++per_bank[keys[k] % 32];
                ways = c > ways ? c : ways;
            }
            units = ways;
            kind = L[i].write ? CUSIM_SHARED_STORE : CUSIM_SHARED_LOAD;
            if (L[i].write)
                st->shared_store_requests++, st->shared_store_wavefronts += units;
            else
                st->shared_load_requests++, st->shared_load_wavefronts += units;
            st->shared_max_ways = ways > st->shared_max_ways ? ways : st->shared_max_ways;
        } else {
            units = distinct;
            ways = distinct;
            kind = L[i].write ? CUSIM_GLOBAL_STORE : CUSIM_GLOBAL_LOAD;
            if (L[i].write)
                st->global_store_requests++, st->global_store_sectors += units;
            else
                st->global_load_requests++, st->global_load_sectors += units;
        }
        count_site(L[i].line, kind, units, ways);
        i = j;
    }
    /* races: shared entries grouped by word */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (L[i].shared)
            L[ns++] = L[i];
    qsort(L, ns, sizeof *L, by_word);
    for (size_t i = 0; i < ns;) {
        size_t j = i;
        const access_t *w = NULL;
        while (j < ns && L[j].addr / 4 == L[i].addr / 4) {
            if (L[j].write && !w)
                w = &L[j];
            j++;
        }
        if (w)
            for (size_t k = i; k < j; k++)
                if (L[k].tid != w->tid) {
                    report_race(w, &L[k]);
                    break;
                }
        i = j;
    }
    S.n_log = 0;
}

/* ---- the scheduler ----------------------------------------------------------------------------- */

static int ensure_fibers(int n)
{
    if (n <= S.capacity)
        return 0;
    fiber_t *f = realloc(S.fibers, (size_t)n * sizeof *f);
    if (!f)
        return -1;
    S.fibers = f;
    for (int i = S.capacity; i < n; i++) {
        void *st = mmap(NULL, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (st == MAP_FAILED)
            return -1;
        S.fibers[i].stack = st;
        S.capacity = i + 1;
    }
    return 0;
}

/* Completes the shuffle of warp w: lane l gets the value of lane l ^ mask when that lane waits at
 * the same shuffle, else its own. */
static void complete_shuffle(int w, int n)
{
    for (int l = w * CUSIM_WARP; l < n && l < (w + 1) * CUSIM_WARP; l++) {
        fiber_t *f = &S.fibers[l];
        if (f->state != AT_SHFL)
            continue;
        int src = w * CUSIM_WARP + ((l % CUSIM_WARP) ^ (f->shfl_mask & (CUSIM_WARP - 1)));
        f->shfl_out = src < n && S.fibers[src].state == AT_SHFL ? S.fibers[src].shfl_in : f->shfl_in;
    }
    for (int l = w * CUSIM_WARP; l < n && l < (w + 1) * CUSIM_WARP; l++)
        if (S.fibers[l].state == AT_SHFL)
            S.fibers[l].state = READY;
    S.st->shuffles++;
}

/* A fresh context that starts in fiber_main on the thread's own stack (a function of its own:
 * getcontext returns twice, which must not touch the caller's variables). */
static __attribute__((noinline)) void init_fiber(fiber_t *f)
{
    getcontext(&f->ctx);
    f->ctx.uc_stack.ss_sp = f->stack;
    f->ctx.uc_stack.ss_size = STACK_BYTES;
    f->ctx.uc_link = NULL;
    makecontext(&f->ctx, fiber_main, 0);
}

static void run_block(cusim_dim3_t grid, cusim_dim3_t block, cusim_dim3_t bidx, int n)
{
    char t1[40], b[40];
    S.block_serial++;
    for (int t = 0; t < n; t++) {
        fiber_t *f = &S.fibers[t];
        f->tid = t;
        f->state = READY;
        f->n_counters = 0;
        f->coords = (cusim_coords_t){{t % block.x, t / block.x % block.y, t / (block.x * block.y)}, bidx, block, grid};
        init_fiber(f);
    }
    int warps = (n + CUSIM_WARP - 1) / CUSIM_WARP;
    for (;;) {
        for (int t = 0; t < n; t++)
            if (S.fibers[t].state == READY)
                resume(&S.fibers[t]);
        /* nobody is ready: release a warp whose live lanes all wait at a shuffle */
        int released = 0;
        for (int w = 0; w < warps; w++) {
            int waiting = 0, live = 0, line = -1, same = 1;
            for (int l = w * CUSIM_WARP; l < n && l < (w + 1) * CUSIM_WARP; l++) {
                fiber_t *f = &S.fibers[l];
                live += f->state != DONE;
                if (f->state == AT_SHFL) {
                    same &= line < 0 || line == f->wait_line;
                    line = f->wait_line, waiting++;
                }
            }
            if (waiting && waiting == live) {
                if (!same)
                    add_error(&S.st->divergences,
                              "barrier divergence: lanes of warp %d of block %s wait at different SHFL_XOR calls",
                              w, fmt3(b, bidx));
                complete_shuffle(w, n);
                released = 1;
            }
        }
        if (released)
            continue;
        int at_sync = 0, at_shfl = 0, done = 0, line = -1, other_line = -1, exited = -1;
        for (int t = 0; t < n; t++) {
            fiber_t *f = &S.fibers[t];
            if (f->state == AT_SYNC) {
                at_sync++;
                if (line < 0)
                    line = f->wait_line;
                else if (f->wait_line != line && other_line < 0)
                    other_line = f->wait_line;
            } else if (f->state == AT_SHFL)
                at_shfl++;
            else if (f->state == DONE) {
                done++;
                if (exited < 0)
                    exited = t;
            }
        }
        if (at_sync == 0 && at_shfl == 0)
            break; /* every thread has finished */
        if (at_shfl) {
            add_error(&S.st->divergences,
                      "barrier divergence: in block %s some lanes wait at a warp shuffle while others of their warp "
                      "wait at SYNC() or have finished", fmt3(b, bidx));
            for (int w = 0; w < warps; w++)
                complete_shuffle(w, n);
            continue;
        }
        if (done)
            add_error(&S.st->divergences,
                      "barrier divergence: thread %s of block %s finished without reaching the SYNC() on line %d "
                      "that %d other threads wait at", fmt3(t1, S.fibers[exited].coords.thread_idx), fmt3(b, bidx),
                      line, at_sync);
        else if (other_line >= 0)
            add_error(&S.st->divergences,
                      "barrier divergence: threads of block %s wait at different SYNC() calls (lines %d and %d)",
                      fmt3(b, bidx), line, other_line);
        end_phase();
        S.st->barriers++;
        for (int t = 0; t < n; t++)
            if (S.fibers[t].state == AT_SYNC)
                S.fibers[t].state = READY;
    }
    end_phase();
}

int cusim_launch(cusim_stats_t *stats, cusim_dim3_t grid, cusim_dim3_t block, void (*entry)(void *args), void *args)
{
    static cusim_stats_t ignored;
    long threads = (long)block.x * block.y * block.z, blocks = (long)grid.x * grid.y * grid.z;
    if (threads < 1 || threads > CUSIM_MAX_THREADS || block.z > 64) {
        nn_error("a block has 1 to 1024 threads (block.z at most 64), as on a GPU",
                 "cusim_launch: block (%u, %u, %u) = %ld threads", block.x, block.y, block.z, threads);
        return -1;
    }
    if (blocks < 1 || blocks > (1L << 24)) {
        nn_error("the simulator runs small grids: at most 2^24 blocks", "cusim_launch: grid (%u, %u, %u) = %ld blocks",
                 grid.x, grid.y, grid.z, blocks);
        return -1;
    }
    if (S.running) {
        nn_error("launch kernels from the host, not from inside a kernel", "cusim_launch called from a kernel");
        return -1;
    }
    if (ensure_fibers((int)threads) != 0) {
        nn_error("use smaller blocks", "cusim_launch: no memory for %ld thread stacks", threads);
        return -1;
    }
    S.st = stats ? stats : &ignored;
    memset(S.st, 0, sizeof *S.st);
    S.entry = entry;
    S.args = args;
    S.n_log = 0;
    S.n_race_pairs = 0;
    S.n_oob_sites = 0;
    g_n_shared = 0;
    const char *v = getenv("CUSIM_VERBOSE");
    S.verbose = v && *v && strcmp(v, "0") != 0;
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++)
                run_block(grid, block, (cusim_dim3_t){x, y, z}, (int)threads);
    free(S.log);
    S.log = NULL;
    S.log_cap = 0;
    return 0;
}

const cusim_site_t *cusim_site(const cusim_stats_t *st, int line, cusim_kind_t kind)
{
    for (int i = 0; i < st->n_sites; i++)
        if (st->sites[i].line == line && st->sites[i].kind == kind)
            return &st->sites[i];
    return NULL;
}

void cusim_print(const cusim_stats_t *st, const char *title)
{
    static const char *kinds[] = {"global load", "global store", "shared load", "shared store"};
    printf("   %s\n", title);
    for (int i = 0; i < st->n_sites; i++) {
        const cusim_site_t *s = &st->sites[i];
        int global = s->kind == CUSIM_GLOBAL_LOAD || s->kind == CUSIM_GLOBAL_STORE;
        printf("     line %4d  %-12s %8ld requests  %5.2f %s per request%s\n", s->line, kinds[s->kind], s->requests,
               s->requests ? (double)s->units / s->requests : 0.0, global ? "sectors" : "wavefronts",
               !global && s->max_ways > 1 ? "  (bank conflicts)" : "");
    }
    if (st->errors)
        printf("     errors: %d out of bounds, %d races, %d barrier divergences; first: %s\n", st->out_of_bounds,
               st->races, st->divergences, st->messages[0]);
}
