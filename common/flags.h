/* flags.h — the command line every chapter accepts.
 *
 *   --epochs N   passes over the training data     --seed N    random seed (same seed, same run)
 *   --quick      a tiny run (tests, CI): seconds   --out DIR   where logs and figures go
 *   --data DIR   where datasets are read from      --help      usage, then exit 0
 *
 * A chapter may add its own options (a learning rate, an experiment name) as a table of
 * flags_option_t. Anything unknown, a missing value or a value that is not a number prints the
 * problem and the usage; the program then exits with status 2, the convention for a bad command
 * line. The library itself never exits: flags_parse returns, and main decides:
 *
 *   int rc = flags_parse(&f, argc, argv, "Chapter 1: ...", extra, n_extra);
 *   if (rc != 0)
 *       return rc < 0 ? 2 : 0;   // -1: bad command line (reported); 1: --help was shown
 *
 * Threads: no state; meant for main.
 * Prefixes: flags_, FLAGS_
 */
#ifndef NN_FLAGS_H
#define NN_FLAGS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int epochs;
    int quick_epochs; /* epochs under --quick when --epochs is not given (0: keep epochs) */
    uint64_t seed;
    int quick;
    const char *out;  /* output directory, e.g. "out/01" */
    const char *data; /* dataset_t directory, or NULL for the dataset's default */
} flags_t;

typedef enum { FLAGS_INT, FLAGS_FLOAT, FLAGS_STRING, FLAGS_SWITCH } flags_type_t;

typedef struct {
    const char *name;  /* "--lr" */
    flags_type_t type;
    void *value;       /* int *, float *, const char **, int * (switch: set to 1) */
    const char *help;  /* "learning rate" */
} flags_option_t;

/* Parse argv into f (whose fields hold the defaults on entry) and into the extra options. With
 * --quick and no --epochs, epochs becomes quick_epochs (when that is set).
 * `about` is one line saying what the program does (shown by --help). Returns 0 to run, 1 after
 * printing the usage for --help (exit 0), -1 after reporting a bad command line and the usage
 * (exit 2). The result must be used. */
__attribute__((warn_unused_result)) int flags_parse(flags_t *f, int argc, char **argv, const char *about,
                                                    const flags_option_t *extra, int n_extra);

#ifdef __cplusplus
}
#endif

#endif
