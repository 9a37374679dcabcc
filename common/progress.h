/* progress.h — a terminal progress bar.
 *
 * On a terminal the bar redraws one line in place (at most ~10 times a second, so drawing costs
 * nothing next to training):
 *   epoch 3/10 [##########..........]  50%  loss 0.4312  acc 0.861   1.2s
 * When stdout is a file or a pipe (CI, make check, `| tee`), only progress_end() prints: one
 * line per epoch, no control characters in logs.
 *
 * Threads: a progress_t belongs to one thread (it draws on stdout).
 * Prefixes: progress_
 */
#ifndef NN_PROGRESS_H
#define NN_PROGRESS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    char label[64];
    long total;
    int tty;
    double start, last_draw;
} progress_t;

/* Start a bar labelled e.g. "epoch 3/10" for `total` steps. */
void progress_begin(progress_t *p, const char *label, long total);

/* Report that `done` of total steps are finished; fmt/... is the status text (loss, accuracy). */
void progress_step(progress_t *p, long done, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print the final line for this bar (always, terminal or not). */
void progress_end(progress_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
