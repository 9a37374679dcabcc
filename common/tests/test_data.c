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
    dataset_t tr;
    cr_assert_eq(fashion_load(&tr, SAMPLE, "train"), 0, "the committed sample must load");
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
    dataset_t tr;
    cr_assert_eq(fashion_load(&tr, SAMPLE, "train"), 0);
    dataset_t two = dataset_select_classes(&tr, (int[]){7, 9}, 2);
    int n7 = 0, n9 = 0;
    for (int i = 0; i < tr.n; i++) n7 += tr.y[i] == 7, n9 += tr.y[i] == 9;
    cr_assert_eq(two.n, n7 + n9);
    int ones = 0;
    for (int i = 0; i < two.n; i++) ones += two.y[i];
    cr_assert_eq(ones, n9, "class 9 becomes label 1");
    rng_t r;
    rng_seed(&r, 1);
    dataset_t a, b;
    dataset_split(&a, &b, &two, 0.8f, &r);
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
    dataset_t ds;
    c->rc = fashion_load(&ds, c->dir, "train");
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
    dataset_t tr, te;
    cr_assert_eq(fashion_load_splits(&tr, &te, SAMPLE), 0, "the committed sample's two splits must load");
    cr_assert(tr.n == 300 && te.n == 100, "300 training and 100 test images, got %d and %d", tr.n, te.n);
    dataset_free(&tr), dataset_free(&te);
}

/* --- issue 9: bugs found in review; each of these failed before its fix ------------------------ */

typedef struct {
    char path[512];
    int ndim;
} idx_case;

static void read_idx_case(void *arg)
{
    idx_case *c = arg;
    idx_array_t a;
    int rc = idx_read(&a, c->path, c->ndim);
    exit(rc == -1 && a.data == NULL && a.count == 0 ? 5 : 0);
}

static void expect_idx_error(idx_case *c, const char *needle)
{
    char err[4096];
    int status = capture_stderr(read_idx_case, c, err, sizeof err);
    cr_assert_eq(status, 5, "idx_read must return -1 and leave out empty (status %d): %s", status, err);
    cr_assert(strstr(err, needle), "the message should say \"%s\"; it said:\n%s", needle, err);
    cr_assert(strstr(err, "hint:"), "the message should end with a hint:\n%s", err);
}

static void tmp_file(char *path, size_t n, const char *name)
{
    char dir[64] = "/tmp/nn-idx-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, n, "%s/%s", dir, name);
}

/* 2^28 x 2^28 x 256 = 2^64 wrapped to 0 when the sizes were multiplied before the check. */
Test(idx, overflowing_dimension_product_is_rejected)
{
    idx_case c = {.ndim = 3};
    tmp_file(c.path, sizeof c.path, "huge.idx");
    write_idx(c.path, (uint32_t[]){0x803, 1u << 28, 1u << 28, 256}, 4, 0);
    expect_idx_error(&c, "multiply to more than 2^32 values");
}

/* ndim is the caller's: more than 4 wrote past the header and dims buffers. */
Test(idx, ndim_out_of_range_is_rejected)
{
    idx_case c = {.ndim = 5};
    tmp_file(c.path, sizeof c.path, "five.idx");
    write_idx(c.path, (uint32_t[]){0x805, 1, 1, 1, 1, 1}, 6, 1);
    expect_idx_error(&c, "ndim is 5: expected 1 .. 4");
    c.ndim = 0;
    expect_idx_error(&c, "ndim is 0: expected 1 .. 4");
}

/* A damaged gzip trailer (CRC) is corruption, not "longer than its header says" (nor "file too
 * short", as zlib may find it on the first read of a small file). */
Test(idx, gzip_crc_error_is_reported_as_corruption)
{
    const uint32_t sizes[2] = {100, 1u << 20};
    for (int k = 0; k < 2; k++) {
        idx_case c = {.ndim = 1};
        tmp_file(c.path, sizeof c.path, "crc.idx.gz");
        write_idx(c.path, (uint32_t[]){0x801, sizes[k]}, 2, sizes[k]);
        FILE *f = fopen(c.path, "r+b");
        cr_assert_not_null(f);
        fseek(f, -8, SEEK_END); /* the trailer: CRC-32, then the length */
        int b = fgetc(f);
        fseek(f, -8, SEEK_END);
        fputc(b ^ 0xff, f);
        fclose(f);
        char err[4096];
        int status = capture_stderr(read_idx_case, &c, err, sizeof err);
        cr_assert_eq(status, 5, "a CRC error must make idx_read fail (status %d): %s", status, err);
        cr_assert(!strstr(err, "longer than its header") && !strstr(err, "too short"),
                  "a CRC error is neither extra data nor a short file: %s", err);
        cr_assert(strstr(err, "corrupt"), "the message should say the file is corrupt: %s", err);
    }
}

typedef struct {
    float frac;
    int rc, n1, n2;
} split_case;

static void split_child(void *arg)
{
    split_case *c = arg;
    dataset_t src = dataset_new(10, 2, 2), a, b;
    rng_t r;
    rng_seed(&r, 1);
    c->rc = dataset_split(&a, &b, &src, c->frac, &r);
    exit(c->rc == -1 && a.x == NULL && b.x == NULL ? 5 : 0);
}

Test(data, split_rejects_nan_and_out_of_range_fractions)
{
    float bad[] = {NAN, 1.5f, -0.25f, INFINITY};
    for (int i = 0; i < 4; i++) {
        char err[4096];
        split_case c = {.frac = bad[i]};
        int status = capture_stderr(split_child, &c, err, sizeof err);
        cr_assert_eq(status, 5, "frac %g must be reported and return -1 (status %d): %s", bad[i], status, err);
        cr_assert(strstr(err, "expected 0 <= frac <= 1") && strstr(err, "hint:"), "frac %g: %s", bad[i], err);
    }
    split_case ok = {.frac = 1};
    dataset_t src = dataset_new(10, 2, 2), a, b;
    rng_t r;
    rng_seed(&r, 1);
    cr_assert_eq(dataset_split(&a, &b, &src, ok.frac, &r), 0);
    cr_assert(a.n == 10 && b.n == 0, "frac 1 keeps everything in the first part: %d + %d", a.n, b.n);
    dataset_free(&a), dataset_free(&b), dataset_free(&src);
}

static void new_child(void *arg)
{
    const int *nd = arg;
    dataset_t ds = dataset_new(nd[0], nd[1], 2);
    exit(ds.x == NULL && ds.y == NULL && ds.n == 0 ? 5 : 0);
}

/* A negative or overflowing size used to reach calloc as a huge size_t: "out of memory", exit. */
Test(data, dataset_new_rejects_impossible_sizes)
{
    int cases[][2] = {{-1, 10}, {10, -3}, {1 << 30, 1 << 30}};
    for (int i = 0; i < 3; i++) {
        char err[4096];
        int status = capture_stderr(new_child, cases[i], err, sizeof err);
        cr_assert_eq(status, 5, "dataset_new(%d, %d) must report and return an empty dataset (status %d): %s",
                     cases[i][0], cases[i][1], status, err);
        cr_assert(strstr(err, "dataset_new") && strstr(err, "expected") && strstr(err, "hint:"), "got: %s", err);
    }
}

Test(dataset, gather_copies_rows_in_the_given_order)
{
    dataset_t ds = dataset_new(4, 3, 5);
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 3; j++)
            ds.x[i * 3 + j] = (float)(10 * i + j);
        ds.y[i] = i + 1;
    }
    const int rows[3] = {2, 0, 2};
    float x[9];
    int y[3];
    dataset_gather(x, y, &ds, rows, 3);
    const float want[9] = {20, 21, 22, 0, 1, 2, 20, 21, 22};
    for (int k = 0; k < 9; k++)
        cr_assert_eq(x[k], want[k], "x[%d]: expected %g (rows 2, 0, 2), got %g", k, want[k], x[k]);
    cr_assert(y[0] == 3 && y[1] == 1 && y[2] == 3, "labels follow the rows: expected 3 1 3, got %d %d %d", y[0], y[1],
              y[2]);
    float x1[3] = {0};
    dataset_gather(x1, NULL, &ds, (const int[]){3}, 1); /* no labels wanted */
    cr_assert(x1[0] == 30 && x1[2] == 32, "one row without labels: got %g %g", x1[0], x1[2]);
    dataset_free(&ds);
}

Test(dataset, truncate_keeps_a_prefix)
{
    dataset_t ds = dataset_new(5, 2, 2);
    ds.y[1] = 1;
    dataset_truncate(&ds, 10);
    cr_assert_eq(ds.n, 5, "a larger n keeps every example");
    dataset_truncate(&ds, 2);
    cr_assert(ds.n == 2 && ds.y[1] == 1 && ds.x != NULL, "the first 2 examples stay, in memory");
    dataset_truncate(&ds, -1);
    cr_assert_eq(ds.n, 0, "n < 0 counts as 0");
    dataset_free(&ds);
}
