/* data.c — see data.h. */
#include "data.h"

#include "error.h"
#include "idx.h"
#include "io.h"
#include "prep.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const char *const FASHION_CLASSES[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/* A training step reads a batch of rows scattered over the whole matrix (60,000 x 784 floats is
 * 188 MB): with 4 KiB pages nearly every row costs a miss in the processor's address translation
 * cache (TLB) on top of the cache miss (chapter 3's gather is a tenth of its epoch). Linux
 * backs a region with 2 MiB pages where it is asked to (transparent huge pages, "madvise" mode on
 * Debian): a hint only, so a refusal (another kernel, no huge pages free) changes nothing but speed.
 * calloc's large blocks are fresh pages not yet touched, so the hint comes before they exist. */
static void advise_huge_pages(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t page = 4096, begin = ((uintptr_t)p + page - 1) & ~(page - 1), end = ((uintptr_t)p + bytes) & ~(page - 1);
    if (bytes >= ((size_t)4 << 20) && end > begin)
        (void)madvise((void *)begin, end - begin, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

dataset_t dataset_new(int n, int d, int classes)
{
    dataset_t ds = {0};
    if (n < 0 || d < 0 || classes < 0) {
        nn_error("sizes come from the data: check the file or the arguments that gave them",
                 "dataset_new: n=%d examples, d=%d features, %d classes: expected sizes >= 0", n, d, classes);
        return ds;
    }
    if ((double)n * (double)d > (double)DATASET_MAX_VALUES) {
        nn_error("use fewer examples or features", "dataset_new: n=%d x d=%d = %.3g values: expected at most "
                 "2^34 (64 GiB of floats)", n, d, (double)n * (double)d);
        return ds;
    }
    /* The big allocation is the data's size, which comes from outside: failing it is an error
     * the caller handles, not an abort. */
    ds.x = calloc(n && d ? (size_t)n : 1, d ? (size_t)d * sizeof(float) : sizeof(float));
    if (ds.x)
        advise_huge_pages(ds.x, (size_t)n * d * sizeof(float));
    ds.y = calloc(n ? (size_t)n : 1, sizeof(int));
    if (!ds.x || !ds.y) {
        nn_error("use fewer examples or features (or a machine with more memory)",
                 "dataset_new: cannot allocate %d x %d floats (%.3g GB): expected a size that fits in memory", n,
                 d, (double)n * d * sizeof(float) / 1e9);
        free(ds.x), free(ds.y);
        return (dataset_t){0};
    }
    ds.n = n, ds.d = d, ds.classes = classes;
    return ds;
}

void dataset_free(dataset_t *ds)
{
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

/* The file may be installed gzipped (Debian) or plain (unpacked by hand): accept either. */
static const char *find_file(char *buf, const char *dir, const char *split, const char *kind)
{
    char name[128];
    snprintf(name, sizeof name, "%s-%s-ubyte.gz", split, kind);
    if (!io_join(buf, dir, name))
        return NULL; /* too long: reported */
    if (io_exists(buf))
        return buf;
    snprintf(name, sizeof name, "%s-%s-ubyte", split, kind);
    if (io_exists(io_join(buf, dir, name)))
        return buf;
    snprintf(name, sizeof name, "%s-%s-ubyte.gz", split, kind);
    return io_join(buf, dir, name); /* missing: idx_read reports it under its usual name */
}

int fashion_load(dataset_t *out, const char *dir, const char *split)
{
    memset(out, 0, sizeof *out);
    if (!dir)
        dir = FASHION_DIR;
    if (strcmp(split, "train") != 0 && strcmp(split, "t10k") != 0) {
        nn_error("the splits are \"train\" and \"t10k\"", "unknown Fashion-MNIST split \"%s\"", split);
        return -1;
    }
    char ipath[4096], lpath[4096];
    idx_array_t images, labels;
    if (!find_file(ipath, dir, split, "images-idx3") || !find_file(lpath, dir, split, "labels-idx1"))
        return -1;
    if (idx_read(&images, ipath, 3) != 0)
        return -1;
    if (idx_read(&labels, lpath, 1) != 0) {
        idx_free(&images);
        return -1;
    }
    int ok = 0;
    if (images.dims[1] != 28 || images.dims[2] != 28)
        nn_error("Fashion-MNIST images are 28x28; is this another dataset?",
                 "%s: images are %dx%d, expected 28x28", ipath, images.dims[1], images.dims[2]);
    else if (images.dims[0] != labels.dims[0])
        nn_error("the two files must come from the same split and the same download",
                 "%s has %d images but %s has %d labels: expected one label per image", ipath,
                 images.dims[0], lpath, labels.dims[0]);
    else
        ok = 1;
    for (size_t i = 0; ok && i < labels.count; i++)
        if (labels.data[i] > 9) {
            nn_error("Fashion-MNIST labels are 0..9; the label file is damaged",
                     "%s: label %zu is %d, expected 0..9", lpath, i, labels.data[i]);
            ok = 0;
        }
    if (ok) {
        *out = dataset_new(images.dims[0], 28 * 28, 10);
        ok = out->x != NULL;
    }
    if (ok) {
        for (size_t i = 0; i < images.count; i++)
            out->x[i] = images.data[i] / 255.0f;
        for (int i = 0; i < out->n; i++)
            out->y[i] = labels.data[i];
    }
    idx_free(&images);
    idx_free(&labels);
    return ok ? 0 : -1;
}

int fashion_load_splits(dataset_t *train, dataset_t *test, const char *dir)
{
    if (fashion_load(train, dir, "train") != 0)
        return -1;
    if (fashion_load(test, dir, "t10k") != 0) {
        dataset_free(train);
        return -1;
    }
    return 0;
}

dataset_t dataset_select_classes(const dataset_t *src, const int *keep, int k)
{
    if (k < 1) {
        nn_error("keep at least one class", "dataset_select_classes: k=%d classes: expected k >= 1", k);
        return (dataset_t){0};
    }
    int n = 0;
    for (int i = 0; i < src->n; i++)
        for (int c = 0; c < k; c++)
            n += src->y[i] == keep[c];
    dataset_t out = dataset_new(n, src->d, k);
    if (!out.x)
        return out;
    for (int i = 0, j = 0; i < src->n; i++)
        for (int c = 0; c < k; c++)
            if (src->y[i] == keep[c]) {
                memcpy(out.x + (size_t)j * src->d, src->x + (size_t)i * src->d, (size_t)src->d * sizeof(float));
                out.y[j++] = c;
            }
    return out;
}

int dataset_split(dataset_t *first, dataset_t *second, const dataset_t *src, float frac, rng_t *rng)
{
    *first = *second = (dataset_t){0};
    if (!(frac >= 0 && frac <= 1)) { /* also catches NaN */
        nn_error("frac is the fraction of the examples that go to the first part, e.g. 0.8 for an 80/20 split",
                 "dataset_split: frac is %g: expected 0 <= frac <= 1", frac);
        return -1;
    }
    int *idx = nn_malloc((size_t)src->n * sizeof(int));
    rng_iota(idx, src->n);
    rng_shuffle(rng, idx, src->n);
    int n1 = (int)(frac * (float)src->n);
    if (n1 > src->n)
        n1 = src->n;
    *first = dataset_new(n1, src->d, src->classes);
    *second = dataset_new(src->n - n1, src->d, src->classes);
    if (!first->x || !second->x) {
        dataset_free(first), dataset_free(second), free(idx);
        return -1;
    }
    for (int i = 0; i < src->n; i++) {
        dataset_t *dst = i < n1 ? first : second;
        int j = i < n1 ? i : i - n1;
        memcpy(dst->x + (size_t)j * src->d, src->x + (size_t)idx[i] * src->d, (size_t)src->d * sizeof(float));
        dst->y[j] = src->y[idx[i]];
    }
    free(idx);
    return 0;
}

void dataset_gather(float *x, int *y, const dataset_t *ds, const int *rows, int n)
{
    prep_gather_rows(x, ds->x, rows, n, ds->d);
    for (int i = 0; y && i < n; i++)
        y[i] = ds->y[rows[i]];
}

void dataset_truncate(dataset_t *ds, int n)
{
    n = n < 0 ? 0 : n;
    if (n < ds->n)
        ds->n = n;
}
