/* error.h — one-paragraph error messages and checked allocation.
 *
 * Every error the course reports has the same shape, so a reader always learns the same four
 * things: where the program noticed it (source file:line), what is wrong, what was expected
 * versus what it got, and what to do about it:
 *
 *   error (common/idx.c:71): datasets/x.gz: wrong IDX magic number: expected 0x00000803
 *   (unsigned bytes, 3 dimensions), got 0x1f8b0808.
 *   hint: is this an IDX file? Fashion-MNIST comes from Debian's dataset-fashion-mnist.
 *
 * nn_error() prints such a paragraph and returns; functions that read user input (files, flags)
 * print it and then return an error value (-1 or NULL) so the caller decides. nn_fatal() prints
 * and exits with status 1: for programming errors that leave no sensible way on (a shape mismatch
 * passed to a layer, memory exhausted).
 *
 * "Prints" means: hands the paragraph to the process's error sink, which writes it to stderr
 * unless the program installed its own (nn_set_error_sink: a server that logs, a GUI that shows a
 * dialog, a test that checks the message). That sink is the module's only state.
 *
 * Threads: safe from any thread; paragraphs that two threads report at once may interleave on
 * stderr (an installed sink is called from the reporting thread, so it must be thread-safe).
 * Prefixes: nn_, NN_
 */
#ifndef NN_ERROR_H
#define NN_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#define NN_NORETURN [[noreturn]]
#else
#define NN_NORETURN _Noreturn /* C11's spelling; C++ has the attribute instead */
#endif

/* Report "error (file:line): <message>\nhint: <hint>" (to stderr, or to the sink). hint may be NULL. */
void nn_error_at(const char *file, int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* As nn_error_at, then exit(1). */
NN_NORETURN void nn_fatal_at(const char *file, int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define nn_error(hint, ...) nn_error_at(__FILE__, __LINE__, hint, __VA_ARGS__)
#define nn_fatal(hint, ...) nn_fatal_at(__FILE__, __LINE__, hint, __VA_ARGS__)

/* Receives each error paragraph in parts: where it was noticed (file, line), the message (what is
 * wrong, expected vs got: formatted, one line, no trailing newline) and the hint (NULL when there
 * is none). Called from the thread that reports, before nn_fatal exits: the sink cannot prevent
 * that exit (a programming error), but it sees the paragraph first. */
typedef void (*nn_error_sink_fn_t)(void *ctx, const char *file, int line, const char *message, const char *hint);

/* Sends every later error paragraph to sink(ctx, ...) instead of stderr; NULL restores stderr.
 * Set it once, at start-up, before other threads report: a paragraph reported while it changes
 * goes to the old sink or the new one, never half to each. */
void nn_set_error_sink(nn_error_sink_fn_t sink, void *ctx);

/* malloc/calloc that never return NULL: on failure they report the size and the call site. */
void *nn_malloc_at(const char *file, int line, size_t bytes);
void *nn_calloc_at(const char *file, int line, size_t count, size_t size);
#define nn_malloc(bytes) nn_malloc_at(__FILE__, __LINE__, bytes)
#define nn_calloc(count, size) nn_calloc_at(__FILE__, __LINE__, count, size)

/* Stop with a clear message when a number that must be finite is not (a loss, a gradient norm).
 * `what` names it ("training loss"), `step` says when it happened. */
void nn_check_finite_at(const char *file, int line, double value, const char *what, long step);
#define nn_check_finite(value, what, step) nn_check_finite_at(__FILE__, __LINE__, value, what, step)

/* Stop because exercise `exercise` of chapter `chapter` (in `file`) is not written yet: explains
 * which and where, then exits with status 3 (the grader recognises it). The course's TODO macro
 * (course.h) calls it; a library user never needs it. */
NN_NORETURN void nn_todo(int chapter, int exercise, const char *file);

#ifdef __cplusplus
}
#endif

#endif
