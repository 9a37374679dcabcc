/* io.h — files: directories, atomic writes, checked opens.
 *
 * Outputs (logs, figures, checkpoints) are never left half-written: io_create() opens a temporary
 * file beside the target and io_commit() flushes it and renames it over the target, which POSIX
 * makes atomic. A crash in between leaves the old file (or none), never a truncated one.
 *
 * Threads: no shared state besides an atomic counter for temporary names and the C locale made
 * once for numbers (below); safe from any thread.
 * Prefixes: io_
 */
#ifndef NN_IO_H
#define NN_IO_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mkdir -p. Returns 0, or -1 after reporting the error (an empty path is one). */
int io_mkdirs(const char *path);

typedef struct {
    FILE *f;
    char path[4096]; /* the final name */
    char tmp[4096];  /* where it is written until io_commit */
} io_file_t;

/* Open `path` for writing through a temporary file (creating parent directories).
 * Returns 0, or -1 after reporting the error. */
int io_create(io_file_t *out, const char *path);

/* A suffix no other writer uses at the same time: ".tmp.<pid>.<thread id>.<counter>" into buf
 * (IO_TMP_SUFFIX_MAX bytes). io_create names its temporary file with it; so does plot_render
 * for the images gnuplot writes. Thread-safe (an atomic counter). */
#define IO_TMP_SUFFIX_MAX 64
const char *io_tmp_suffix(char *buf);

/* Flush, close and rename into place. Returns 0, or -1 (the temporary file is removed). */
int io_commit(io_file_t *out);

/* Close and delete the temporary file without touching the target. */
void io_abort(io_file_t *out);

/* "dir/name" into buf (size 4096). Returns buf, or NULL after reporting when it does not fit.
 * Every function here that takes a path returns -1 (0 for io_exists) for a NULL path without a
 * second message, so io_create(&f, io_join(buf, dir, name)) needs one check, not two. */
const char *io_join(char *buf, const char *dir, const char *name);

/* Read the whole file at path into a new buffer of *len bytes plus a terminating 0 (owned by the
 * caller: free()). Refuses files over max_bytes (a readable message, not an allocation failure).
 * Returns 0, or -1 after reporting (missing, unreadable, too big, a directory). */
int io_read_all(char **data, size_t *len, const char *path, size_t max_bytes);

/* 1 if a regular file exists at path. */
int io_exists(const char *path);

/* Run a program (argv[0] looked up in PATH, argv NULL-terminated) with dir as its working
 * directory and wait for it. Returns its exit status, 127 if it could not be started (not
 * installed), -1 if it was killed or could not be waited for. The figures' gnuplot and
 * Graphviz's dot run through this. */
int io_run_in(const char *dir, char *const argv[]);

/* Numbers in the files the library reads and writes (CSV, edge lists, gnuplot scripts) and in
 * its flags are in the C locale, "0.25" and never "0,25", whatever setlocale() the program made:
 * a log written under de_DE.UTF-8 must read back anywhere, and gnuplot expects the point.
 * io_strtof is strtof in the C locale; io_fprintf and io_snprintf are fprintf and snprintf with
 * the C locale's numbers. Safe from any thread: the locale is made once and switched per thread
 * (uselocale), never for the whole process. Text meant for a person (messages, progress) keeps
 * the program's locale. */
float io_strtof(const char *s, char **end);
int io_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int io_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif
