/* error.c — see error.h. */
#include "error.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The installed sink and its context, read and written together under the lock. */
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static nn_error_sink_fn_t sink_fn;
static void *sink_ctx;

void nn_set_error_sink(nn_error_sink_fn_t sink, void *ctx)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = sink, sink_ctx = ctx;
    pthread_mutex_unlock(&sink_lock);
}

static void vreport(const char *file, int line, const char *hint, const char *fmt, va_list ap)
{
    pthread_mutex_lock(&sink_lock);
    nn_error_sink_fn_t fn = sink_fn;
    void *ctx = sink_ctx;
    pthread_mutex_unlock(&sink_lock);
    if (!fn) {
        fflush(stdout); /* keep the error after whatever the program printed so far */
        fprintf(stderr, "error (%s:%d): ", file, line);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        if (hint)
            fprintf(stderr, "hint: %s\n", hint);
        return;
    }
    /* the sink gets the message as one string: format it on the stack, or on the heap when long */
    char small[512], *msg = small;
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    char *big = len >= (int)sizeof small ? malloc((size_t)len + 1) : NULL;
    if (big) { /* without memory for it, the sink gets the message's first 511 bytes */
        vsnprintf(big, (size_t)len + 1, fmt, again);
        msg = big;
    }
    va_end(again);
    fn(ctx, file, line, len < 0 ? fmt : msg, hint);
    free(big);
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
                "the learning rate is probably too large (try one ten times smaller: --lr in the course's "
                "programs), or the inputs are not normalized; also check for log(0) or division by zero",
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
