/* Tests of idx.h and data.h on the committed Fashion-MNIST sample and on broken files. */
#include "data.h"
#include "idx.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <zlib.h>

#define SAMPLE DATASETS "/fashion-mnist-sample"

Test(fashion, loads_the_sample)
{
    dataset tr;
    cr_assert_eq(fashion_load(SAMPLE, "train", &tr), 0, "the committed sample must load");
    cr_assert_eq(tr.n, 300, "the sample has 300 training images");
    cr_assert_eq(tr.d, 784);
    /* The first Fashion-MNIST training label is 9 (ankle boot), the second 0 (T-shirt/top). */
    cr_assert(tr.y[0] == 9 && tr.y[1] == 0, "first labels %d %d, expected 9 0", tr.y[0], tr.y[1]);
    float lo = 1, hi = 0;
    for (int i = 0; i < tr.n * tr.d; i++) lo = fminf(lo, tr.x[i]), hi = fmaxf(hi, tr.x[i]);
    cr_assert(lo == 0 && hi == 1, "pixels scaled to [0, 1]: min %g max %g", lo, hi);
    dataset_free(&tr);
}

Test(fashion, select_and_split)
{
    dataset tr;
    cr_assert_eq(fashion_load(SAMPLE, "train", &tr), 0);
    dataset two = dataset_select_classes(&tr, (int[]){7, 9}, 2);
    int n7 = 0, n9 = 0;
    for (int i = 0; i < tr.n; i++) n7 += tr.y[i] == 7, n9 += tr.y[i] == 9;
    cr_assert_eq(two.n, n7 + n9);
    int ones = 0;
    for (int i = 0; i < two.n; i++) ones += two.y[i];
    cr_assert_eq(ones, n9, "class 9 becomes label 1");
    rng_t r;
    rng_seed(&r, 1);
    dataset a, b;
    dataset_split(&two, 0.8f, &r, &a, &b);
    cr_assert_eq(a.n, (int)(0.8f * two.n));
    cr_assert_eq(a.n + b.n, two.n, "a split keeps every example once");
    dataset_free(&a), dataset_free(&b), dataset_free(&two), dataset_free(&tr);
}

/* Writes an IDX file (gzipped like Debian's) with the given header words and payload bytes. */
static void write_idx(const char *path, const uint32_t *words, int nwords, size_t payload)
{
    gzFile f = gzopen(path, "wb");
    for (int i = 0; i < nwords; i++) {
        unsigned char b[4] = {words[i] >> 24, words[i] >> 16, words[i] >> 8, words[i]};
        gzwrite(f, b, 4);
    }
    for (size_t i = 0; i < payload; i++)
        gzputc(f, (int)(i % 10));
    gzclose(f);
}

typedef struct {
    char dir[256];
    int rc;
} load_case;

static void load_train(void *arg)
{
    load_case *c = arg;
    dataset ds;
    c->rc = fashion_load(c->dir, "train", &ds);
    if (c->rc != 0)
        exit(1); /* the child reports the return value through its exit status */
    dataset_free(&ds);
}

/* Makes a temp dataset dir with an images file (header words given) and a labels file of n. */
static void make_dir(load_case *c, const uint32_t *img, int nimg, size_t img_payload, uint32_t nlabels)
{
    snprintf(c->dir, sizeof c->dir, "/tmp/nn-test-XXXXXX");
    cr_assert_not_null(mkdtemp(c->dir));
    char p[512];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", c->dir);
    write_idx(p, img, nimg, img_payload);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", c->dir);
    write_idx(p, (uint32_t[]){0x801, nlabels}, 2, nlabels);
}

static void expect_error(load_case *c, const char *needle)
{
    char err[4096];
    int status = capture_stderr(load_train, c, err, sizeof err);
    cr_assert_eq(status, 1, "a broken dataset must make fashion_load fail cleanly (status %d)", status);
    cr_assert(strstr(err, needle), "the message should say \"%s\"; it said:\n%s", needle, err);
    cr_assert(strstr(err, "hint:"), "the message should end with a hint:\n%s", err);
}

Test(idx, missing_file_says_what_to_install)
{
    load_case c = {.dir = "/nonexistent/fashion"};
    expect_error(&c, "apt-get install dataset-fashion-mnist");
}

Test(idx, wrong_magic_number)
{
    load_case c;
    make_dir(&c, (uint32_t[]){0x803u | 0x1000u, 2, 28, 28}, 4, 2 * 784, 2);
    expect_error(&c, "wrong IDX magic number: expected 0x00000803");
}

Test(idx, truncated_file)
{
    load_case c;
    make_dir(&c, (uint32_t[]){0x803, 2, 28, 28}, 4, 784 + 100, 2);
    expect_error(&c, "truncated: the header promises 1568 bytes of data, the file has 884");
}

Test(idx, truncated_gzip_stream)
{
    load_case c;
    make_dir(&c, (uint32_t[]){0x803, 2, 28, 28}, 4, 2 * 784, 2);
    char p[512];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", c.dir);
    cr_assert_eq(truncate(p, 40), 0);
    expect_error(&c, "train-images-idx3-ubyte.gz");
}

Test(idx, images_and_labels_count_mismatch)
{
    load_case c;
    make_dir(&c, (uint32_t[]){0x803, 2, 28, 28}, 4, 2 * 784, 3);
    expect_error(&c, "has 2 images but");
}

Test(idx, trailing_garbage)
{
    load_case c;
    make_dir(&c, (uint32_t[]){0x803, 2, 28, 28}, 4, 2 * 784 + 5, 2);
    expect_error(&c, "longer than its header says");
}

Test(fashion, load_splits_together)
{
    dataset tr, te;
    cr_assert_eq(fashion_load_splits(SAMPLE, &tr, &te), 0, "the committed sample's two splits must load");
    cr_assert(tr.n == 300 && te.n == 100, "300 training and 100 test images, got %d and %d", tr.n, te.n);
    dataset_free(&tr), dataset_free(&te);
}
