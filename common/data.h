/* data.h — labelled datasets in memory: loading Fashion-MNIST, picking classes, splitting.
 *
 * A dataset is a matrix of inputs x (n, d), one example per row, and a label y[i] in
 * [0, classes) per example. Images are decoded once, at load time, into floats in [0, 1]
 * (pixel / 255): every epoch then reads the same memory, nothing is parsed twice.
 *
 * Threads: no shared state; a dataset_t may be read from several threads, changed by one.
 * Prefixes: dataset_, fashion_, FASHION_
 */
#ifndef NN_DATA_H
#define NN_DATA_H

#include "rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where Debian's dataset-fashion-mnist installs the four gzipped IDX files. */
#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

extern const char *const FASHION_CLASSES[10]; /* "T-shirt/top", "Trouser", ... */

typedef struct {
    int n;        /* examples */
    int d;        /* features per example */
    int classes;  /* labels are 0 .. classes-1 */
    float *x;     /* (n, d), owned */
    int *y;       /* (n), owned */
} dataset_t;

/* Load split "train" (60,000 images) or "t10k" (10,000) from dir (NULL: FASHION_DIR), checking
 * that the images are 28x28 and that there is exactly one label per image.
 * Returns 0, or -1 after reporting the problem. */
int fashion_load(dataset_t *out, const char *dir, const char *split);

/* Both splits at once: train (60,000) and test (t10k, 10,000). Returns 0, or -1 after reporting
 * the problem (then nothing is left allocated). */
int fashion_load_splits(dataset_t *train, dataset_t *test, const char *dir);

/* The most values (n x d) a dataset may hold: 2^34 floats, 64 GiB. */
#define DATASET_MAX_VALUES ((size_t)1 << 34)

/* An empty dataset of n examples with d features (x zeroed, y zeroed). Negative sizes, more than
 * DATASET_MAX_VALUES values, or too many to allocate are reported and give a dataset with
 * x == NULL (n = d = 0): check x when the sizes come from outside. */
dataset_t dataset_new(int n, int d, int classes);

void dataset_free(dataset_t *ds);

/* Keep the examples whose label is one of `keep` (k labels) and relabel them 0 .. k-1 in that
 * order. E.g. keep = {7, 9}: sneakers become 0, ankle boots 1. k < 1 is reported and gives a
 * dataset with x == NULL. */
dataset_t dataset_select_classes(const dataset_t *src, const int *keep, int k);

/* Split src at random into `first` (a fraction `frac` of the examples, rounded down) and
 * `second` (the rest). Both are new copies; src is unchanged. Returns 0, or -1 after reporting
 * a frac outside [0, 1] (or NaN); then both are empty (x == NULL). */
int dataset_split(dataset_t *first, dataset_t *second, const dataset_t *src, float frac, rng_t *rng);

/* Copy the examples rows[0..n) of ds, in that order, into one contiguous batch: x (n, ds->d) and
 * y (n); y may be NULL. The rows are indices into ds (a shuffled order, say); they must lie in
 * [0, ds->n) (the caller's invariant: not checked). */
void dataset_gather(float *x, int *y, const dataset_t *ds, const int *rows, int n);

/* Keep the first n examples of ds (all of them when it has n or fewer), in place: ds->n shrinks
 * and the memory stays allocated (dataset_free frees it all). What --quick does to a loaded
 * dataset: the rows are already in memory, a prefix costs nothing. n < 0 counts as 0. */
void dataset_truncate(dataset_t *ds, int n);

#ifdef __cplusplus
}
#endif

#endif
