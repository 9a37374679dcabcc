/* arena.h — a bump allocator for tensors that live for one step (or one run).
 *
 * Training allocates the same temporaries every step. Instead of malloc/free for each, an arena
 * hands out slices of one big block by bumping an offset, and arena_reset() gives them all back
 * at once at the end of the step: no allocation in the inner loop, no leaks, no fragmentation.
 * arena_mark()/arena_release() free everything allocated after a mark (nested scopes).
 *
 * Ownership: the arena owns its block; pointers it returns are valid until the next reset or
 * release past them. Running out is a programming error: it stops with the sizes and a hint.
 *
 * Threads: an arena belongs to one thread at a time; different arenas are independent.
 * Prefixes: arena_
 */
#ifndef NN_ARENA_H
#define NN_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    char *base;
    size_t cap;  /* bytes in the block */
    size_t used; /* bytes handed out, including alignment padding */
    size_t peak; /* largest `used` seen: tells you how big the arena needs to be */
} arena_t;

/* Create an arena of `bytes` capacity. */
arena_t arena_new(size_t bytes);

/* Free the block. */
void arena_free(arena_t *a);

/* `bytes` of uninitialised memory, 64-byte aligned (a cache line, and enough for AVX-512). */
void *arena_alloc(arena_t *a, size_t bytes);

/* `count` zeroed floats. */
float *arena_floats(arena_t *a, size_t count);

/* Give back everything: the next allocation starts at the beginning again. */
void arena_reset(arena_t *a);

/* Remember the current offset / give back everything allocated since that mark. */
size_t arena_mark(const arena_t *a);
void arena_release(arena_t *a, size_t mark);

#ifdef __cplusplus
}
#endif

#endif
