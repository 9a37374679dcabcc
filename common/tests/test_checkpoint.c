/* Tests of checkpoint.h: a round trip, and every way a file can be wrong, each with its message
 * (and the destination left unchanged). */
#include "capture.h"
#include "checkpoint.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/nn_ckpt_test_%d", (int)getpid());
    mkdir(dir, 0755);
}

/* Remove what a test wrote (the files of its directory, then the directory). */
static void teardown(void)
{
    const char *names[] = {"a.ckpt", "magic.ckpt", "ver.ckpt", "arch.ckpt", "trunc.ckpt", "crc.ckpt"};
    char p[160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        remove(p);
    }
    rmdir(dir);
}

static const char *path_of(const char *name)
{
    static char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static const float W[5] = {1.5f, -2, 3.25f, 0, 1e-7f};

typedef struct {
    const char *path, *tag;
    size_t n;
} load_args;

/* In the child: load and exit 0 on success, 7 on error, 8 if the destination was touched. */
static void try_load(void *p)
{
    load_args *a = p;
    float dst[8];
    for (int i = 0; i < 8; i++)
        dst[i] = 42;
    int rc = checkpoint_load(dst, a->n, a->path, a->tag);
    for (int i = 0; rc != 0 && i < 8; i++)
        if (dst[i] != 42)
            exit(8);
    exit(rc == 0 ? 0 : 7);
}

static void expect_error(const char *path, const char *tag, size_t n, const char *needle)
{
    char err[2048];
    load_args a = {path, tag, n};
    int st = capture_stderr(try_load, &a, err, sizeof err);
    cr_assert(st == 7, "loading %s: expected an error (status 7), got %d (8: the destination was changed): %s", path, st, err);
    cr_assert(strstr(err, needle) && strstr(err, "hint"), "loading %s: expected the message to say '%s' and give a hint, "
              "got: %s", path, needle, err);
}

/* Write a file of arbitrary bytes. */
static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    fwrite(b, 1, n, f);
    fclose(f);
}

static size_t read_bytes(const char *path, unsigned char *b, size_t cap)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    size_t n = fread(b, 1, cap, f);
    fclose(f);
    return n;
}

Test(checkpoint, round_trip_and_layout, .init = setup, .fini = teardown)
{
    const char *p = path_of("a.ckpt");
    cr_assert(checkpoint_save(p, "mlp", W, 5) == 0, "save failed");
    float back[5] = {0};
    cr_assert(checkpoint_load(back, 5, p, "mlp") == 0, "load failed");
    cr_assert(memcmp(back, W, sizeof W) == 0, "the loaded values differ from the saved ones");
    unsigned char b[256];
    size_t n = read_bytes(p, b, sizeof b);
    /* 20 header bytes + 3 of tag + 20 of floats + 4 of CRC = 47 */
    cr_assert(n == 47 && memcmp(b, "NNCK", 4) == 0 && b[4] == 1 && b[8] == 5 && b[16] == 3,
              "file layout: %zu bytes (expected 47), magic/version/count/tag length as documented", n);
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    cr_assert(access(tmp, F_OK) != 0, "no temporary file may be left behind after an atomic save");
}

Test(checkpoint, missing_file, .init = setup, .fini = teardown)
{
    expect_error(path_of("nope.ckpt"), "mlp", 5, "cannot open");
}

Test(checkpoint, wrong_magic, .init = setup, .fini = teardown)
{
    const char *p = path_of("magic.ckpt");
    write_bytes(p, "epoch,loss\n1,2\n3,4\n5,6\n7,8\n", 27);
    expect_error(p, "mlp", 5, "wrong magic number");
}

Test(checkpoint, wrong_version, .init = setup, .fini = teardown)
{
    const char *p = path_of("ver.ckpt");
    checkpoint_save(p, "mlp", W, 5);
    unsigned char b[64];
    size_t n = read_bytes(p, b, sizeof b);
    b[4] = 9;
    write_bytes(p, b, n);
    expect_error(p, "mlp", 5, "version 9, expected version 1");
}

Test(checkpoint, another_architecture, .init = setup, .fini = teardown)
{
    const char *p = path_of("arch.ckpt");
    checkpoint_save(p, "mlp", W, 5);
    expect_error(p, "mlp", 4, "holds 5 parameters of \"mlp\", expected 4");
    expect_error(p, "mlp bn", 5, "expected 5 parameters of \"mlp bn\"");
}

Test(checkpoint, truncated, .init = setup, .fini = teardown)
{
    const char *p = path_of("trunc.ckpt");
    checkpoint_save(p, "mlp", W, 5);
    unsigned char b[64];
    size_t n = read_bytes(p, b, sizeof b);
    write_bytes(p, b, n - 6); /* loses the CRC and part of the last float */
    expect_error(p, "mlp", 5, "truncated");
    write_bytes(p, b, 10); /* inside the header */
    expect_error(p, "mlp", 5, "truncated");
}

Test(checkpoint, corrupted_and_extra_bytes, .init = setup, .fini = teardown)
{
    const char *p = path_of("crc.ckpt");
    checkpoint_save(p, "mlp", W, 5);
    unsigned char b[64];
    size_t n = read_bytes(p, b, sizeof b);
    b[25] ^= 0x10; /* one bit of a parameter */
    write_bytes(p, b, n);
    expect_error(p, "mlp", 5, "corrupted");
    b[25] ^= 0x10;
    b[n] = 0;
    write_bytes(p, b, n + 1);
    expect_error(p, "mlp", 5, "extra bytes");
}
