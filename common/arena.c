/* arena.c — see arena.h. */
#include "arena.h"

#include "error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_ALIGN = 64 };

arena_t arena_new(size_t bytes)
{
    arena_t a = {0};
    bytes = (bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    a.base = aligned_alloc(ARENA_ALIGN, bytes ? bytes : ARENA_ALIGN);
    if (!a.base)
        nn_fatal("ask for a smaller arena", "out of memory: could not allocate an arena of %zu bytes",
                 bytes);
    a.cap = bytes;
    return a;
}

void arena_free(arena_t *a)
{
    free(a->base);
    *a = (arena_t){0};
}

void *arena_alloc(arena_t *a, size_t bytes)
{
    size_t start = (a->used + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (start > a->cap || bytes > a->cap - start)
        nn_fatal("create the arena with more bytes (its peak use so far is printed above)",
                 "arena full: asked for %zu bytes with %zu of %zu in use (peak %zu)", bytes, a->used,
                 a->cap, a->peak);
    a->used = start + bytes;
    if (a->used > a->peak)
        a->peak = a->used;
    return a->base + start;
}

float *arena_floats(arena_t *a, size_t count)
{
    float *p = arena_alloc(a, count * sizeof(float));
    memset(p, 0, count * sizeof(float));
    return p;
}

void arena_reset(arena_t *a) { a->used = 0; }

size_t arena_mark(const arena_t *a) { return a->used; }

void arena_release(arena_t *a, size_t mark)
{
    if (mark <= a->used)
        a->used = mark;
}
