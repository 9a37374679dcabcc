/* Chapter 8's program given bad input: a corpus that is empty, not text or too short, and a
 * checkpoint of another model or another version. Each must exit 1 with a message naming the
 * problem, never crash or train on garbage. */
#include "checkpoint.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define PROG08 BUILD_DIR "/ref/08_rnn_lstm/prog"

static int run08(const char *args, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s %s --out %s/nn-cli-08 2>&1", PROG08, args, "/tmp");
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A fresh directory holding kjv.txt with the given bytes; returns the directory. */
static const char *corpus_dir(const void *bytes, size_t n)
{
    static char dir[64];
    strcpy(dir, "/tmp/nn-cli-08-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/kjv.txt", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(bytes, 1, n, f);
    fclose(f);
    return dir;
}

static void expect_exit1(const char *args, const char *needle, const char *what)
{
    char out[16384];
    int status = run08(args, out, sizeof out);
    cr_assert_eq(status, 1, "%s: expected exit status 1, got %d: %s", what, status, out);
    cr_assert(strstr(out, needle) && strstr(out, "hint:"), "%s: the message must say '%s' and give a hint: %s", what,
              needle, out);
}

Test(cli08, empty_corpus, .timeout = 30)
{
    char args[256];
    snprintf(args, sizeof args, "--quick --data %s", corpus_dir("", 0));
    expect_exit1(args, "empty: expected some text", "an empty kjv.txt");
}

Test(cli08, corpus_not_text, .timeout = 30)
{
    static unsigned char gz[100000] = {0x1f, 0x8b, 0x08}; /* a gzip header, then zeros: long enough */
    char args[256];
    snprintf(args, sizeof args, "--quick --data %s", corpus_dir(gz, sizeof gz));
    expect_exit1(args, "expected text", "a gzip file named kjv.txt");
}

Test(cli08, corpus_shorter_than_one_window, .timeout = 30)
{
    char args[256];
    snprintf(args, sizeof args, "--quick --data %s", corpus_dir("In the beginning God created", 28));
    expect_exit1(args, "expected at least", "a 28-character corpus");
}

Test(cli08, checkpoint_of_another_model, .timeout = 30)
{
    float p[10] = {0};
    const char *path = "/tmp/nn-cli-08-other.ckpt";
    cr_assert_eq(checkpoint_save(path, "mlp 784-256-128-10", p, 10), 0);
    char args[512];
    snprintf(args, sizeof args, "--quick --data %s/kjv-sample --sample %s", DATASETS, path);
    expect_exit1(args, "belongs to another model", "an MLP's checkpoint given to --sample");
}

Test(cli08, checkpoint_of_another_version, .timeout = 60)
{
    char out[16384], args[512];
    snprintf(args, sizeof args, "--quick --steps 2 --data %s/kjv-sample", DATASETS);
    cr_assert_eq(run08(args, out, sizeof out), 0, "a 2-step quick run on the sample must succeed: %s", out);
    FILE *f = fopen("/tmp/nn-cli-08/model.ckpt", "r+b");
    cr_assert_not_null(f, "the run must save /tmp/nn-cli-08/model.ckpt");
    fseek(f, 4, SEEK_SET);
    fputc(CHECKPOINT_VERSION + 1, f); /* the version field, little-endian */
    fclose(f);
    snprintf(args, sizeof args, "--quick --data %s/kjv-sample --sample /tmp/nn-cli-08/model.ckpt", DATASETS);
    expect_exit1(args, "version", "a checkpoint of another version");
}
