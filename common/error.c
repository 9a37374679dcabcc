/* error.c — see error.h. */
#include "error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void vreport(const char *file, int line, const char *hint, const char *fmt, va_list ap)
{
    fflush(stdout); /* keep the error after whatever the program printed so far */
    fprintf(stderr, "error (%s:%d): ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    if (hint)
        fprintf(stderr, "hint: %s\n", hint);
}

void nn_error_at(const char *file, int line, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(file, line, hint, fmt, ap);
    va_end(ap);
}

void nn_fatal_at(const char *file, int line, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(file, line, hint, fmt, ap);
    va_end(ap);
    exit(1);
}

void *nn_malloc_at(const char *file, int line, size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        nn_fatal_at(file, line, "close other programs or use a smaller model/batch",
                    "out of memory: could not allocate %zu bytes", bytes);
    return p;
}

void *nn_calloc_at(const char *file, int line, size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        nn_fatal_at(file, line, "close other programs or use a smaller model/batch",
                    "out of memory: could not allocate %zu x %zu bytes", count, size);
    return p;
}

void nn_check_finite_at(const char *file, int line, double value, const char *what, long step)
{
    if (isfinite(value))
        return;
    nn_fatal_at(file, line,
                "the learning rate is probably too large (try --lr ten times smaller), or the "
                "inputs are not normalized; also check for log(0) or division by zero",
                "%s became %g at step %ld: expected a finite number", what, value, step);
}

void nn_todo(int chapter, int exercise, const char *file)
{
    fflush(stdout);
    fprintf(stderr,
            "TODO(%02d, %d): exercise %02d.%d is not written yet.\n"
            "hint: open %s, find the region marked 'BEGIN EXERCISE %02d.%d' and replace the "
            "TODO with your code; the prose just above it states the task.\n",
            chapter, exercise, chapter, exercise, file, chapter, exercise);
    exit(3);
}
