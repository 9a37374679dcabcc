/* tensor.h — row-major float32 tensors with a shape.
 *
 * A tensor is a view: a pointer to floats plus a shape of up to 4 dimensions, stored row-major
 * (the last index varies fastest), so element (i, j) of a (rows, cols) matrix is data[i*cols + j]
 * and the strides are implied by the shape. The struct is small and passed by value; the memory
 * belongs to whoever allocated it: tensor_new() takes it from an arena (freed by the arena's reset)
 * or, with arena == NULL, from the heap (freed by tensor_free()).
 *
 * Shape conventions used across the course: B = batch, D = input features, H = hidden units,
 * K = classes, T = time steps, C = channels. Comments state each tensor argument's shape.
 *
 * Threads: no state; a tensor from an arena follows the arena's rule.
 * Prefixes: tensor_, TENSOR_
 */
#ifndef NN_TENSOR_H
#define NN_TENSOR_H

#include "arena.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TENSOR_MAX_DIMS 4

typedef struct {
    float *data;
    int ndim;
    int shape[TENSOR_MAX_DIMS];
} tensor_t;

/* A zero-filled tensor of the given shape, e.g. tensor_new(a, 2, (int[]){B, D}) in C (a compound
 * literal; in C++, pass a named array: const int shape[] = {B, D}). */
tensor_t tensor_new(arena_t *arena, int ndim, const int *shape);
tensor_t tensor_new2(arena_t *arena, int rows, int cols);

/* A view of existing memory (no copy, no ownership). */
tensor_t tensor_view(float *data, int ndim, const int *shape);

/* Free a heap tensor (arena == NULL at creation). */
void tensor_free(tensor_t *t);

/* Number of elements. */
size_t tensor_size(tensor_t t);

/* Rows of a tensor seen as a matrix: product of all dimensions but the last / the last one. */
int tensor_rows(tensor_t t);
int tensor_cols(tensor_t t);

/* Writes "(2, 3)" into buf (at least 64 bytes) and returns buf: for error messages. */
const char *tensor_shape_str(tensor_t t, char *buf);

/* Stop with a message naming `op`, both shapes and a hint if a and b differ in shape. */
void tensor_check_same(const char *op, tensor_t a, tensor_t b);

/* 1 if t is exactly `ndim`-dimensional with these sizes (-1 = any size). */
int tensor_shape_matches(tensor_t t, int ndim, const int *shape);

/* Writes a shape pattern such as "(*, 784)" (-1 shown as *) into buf (at least 64 bytes). */
const char *tensor_pattern_str(int ndim, const int *shape, char *buf);

/* Stop with a message if t does not match the pattern (see tensor_shape_matches). */
void tensor_check_shape(const char *op, const char *name, tensor_t t, int ndim, const int *shape);

void tensor_fill(tensor_t t, float value);
void tensor_copy(tensor_t dst, tensor_t src);

/* Largest |a - b| over all elements (shapes must match). */
float tensor_max_abs_diff(tensor_t a, tensor_t b);

#ifdef __cplusplus
}
#endif

#endif
