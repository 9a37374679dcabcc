/* tensor.c — see tensor.h. */
#include "tensor.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_dims(int ndim, const int *shape)
{
    if (ndim < 1 || ndim > TENSOR_MAX_DIMS)
        nn_fatal("tensors have 1 to 4 dimensions", "tensor with %d dimensions", ndim);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            nn_fatal("a size is a count of elements", "tensor dimension %d has size %d", i, shape[i]);
}

tensor_t tensor_view(float *data, int ndim, const int *shape)
{
    check_dims(ndim, shape);
    tensor_t t = {.data = data, .ndim = ndim};
    memcpy(t.shape, shape, (size_t)ndim * sizeof(int));
    return t;
}

tensor_t tensor_new(arena_t *arena, int ndim, const int *shape)
{
    check_dims(ndim, shape);
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    float *data = arena ? arena_floats(arena, n) : nn_calloc(n, sizeof(float));
    return tensor_view(data, ndim, shape);
}

tensor_t tensor_new2(arena_t *arena, int rows, int cols)
{
    return tensor_new(arena, 2, (int[]){rows, cols});
}

void tensor_free(tensor_t *t)
{
    free(t->data);
    t->data = NULL;
}

size_t tensor_size(tensor_t t)
{
    size_t n = 1;
    for (int i = 0; i < t.ndim; i++)
        n *= (size_t)t.shape[i];
    return n;
}

int tensor_cols(tensor_t t) { return t.shape[t.ndim - 1]; }

int tensor_rows(tensor_t t) { return (int)(tensor_size(t) / (size_t)(t.shape[t.ndim - 1] ? t.shape[t.ndim - 1] : 1)); }

const char *tensor_shape_str(tensor_t t, char *buf)
{
    int n = sprintf(buf, "(");
    for (int i = 0; i < t.ndim; i++)
        n += sprintf(buf + n, i ? ", %d" : "%d", t.shape[i]);
    sprintf(buf + n, ")");
    return buf;
}

static int same_shape(tensor_t a, tensor_t b)
{
    if (a.ndim != b.ndim)
        return 0;
    for (int i = 0; i < a.ndim; i++)
        if (a.shape[i] != b.shape[i])
            return 0;
    return 1;
}

void tensor_check_same(const char *op, tensor_t a, tensor_t b)
{
    char sa[64], sb[64];
    if (!same_shape(a, b))
        nn_fatal("both operands must have the same shape here; print the shapes where the tensors "
                 "are created to find which one is off",
                 "%s: shape mismatch: %s vs %s", op, tensor_shape_str(a, sa), tensor_shape_str(b, sb));
}

int tensor_shape_matches(tensor_t t, int ndim, const int *shape)
{
    int ok = t.ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] < 0 || shape[i] == t.shape[i];
    return ok;
}

const char *tensor_pattern_str(int ndim, const int *shape, char *buf)
{
    int n = sprintf(buf, "(");
    for (int i = 0; i < ndim; i++)
        n += shape[i] < 0 ? sprintf(buf + n, i ? ", *" : "*") : sprintf(buf + n, i ? ", %d" : "%d", shape[i]);
    sprintf(buf + n, ")");
    return buf;
}

void tensor_check_shape(const char *op, const char *name, tensor_t t, int ndim, const int *shape)
{
    if (tensor_shape_matches(t, ndim, shape))
        return;
    char want[64], got[64];
    nn_fatal("check how this tensor was created or reshaped", "%s: %s has shape %s, expected %s", op,
             name, tensor_shape_str(t, got), tensor_pattern_str(ndim, shape, want));
}

void tensor_fill(tensor_t t, float value)
{
    size_t n = tensor_size(t);
    for (size_t i = 0; i < n; i++)
        t.data[i] = value;
}

void tensor_copy(tensor_t dst, tensor_t src)
{
    tensor_check_same("tensor_copy", dst, src);
    memcpy(dst.data, src.data, tensor_size(src) * sizeof(float));
}

float tensor_max_abs_diff(tensor_t a, tensor_t b)
{
    tensor_check_same("tensor_max_abs_diff", a, b);
    float m = 0;
    size_t n = tensor_size(a);
    for (size_t i = 0; i < n; i++) {
        float d = fabsf(a.data[i] - b.data[i]);
        if (d > m || isnan(d))
            m = isnan(d) ? NAN : d;
    }
    return m;
}
