/* Bad input to chapter 7's program (the CNN): bad flags, a missing or corrupt dataset. Each must
 * exit non-zero with a message that says what is wrong, never crash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define PROG07 BUILD_DIR "/ref/07_cnn/prog"

static int run07(const char *args, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s %s 2>&1", PROG07, args);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(cli_cnn, bad_batch_and_learning_rate, .timeout = 30)
{
    char out[8192];
    int st = run07("--batch 0 --out /tmp/nn-cli-07", out, sizeof out);
    cr_assert_eq(st, 2, "--batch 0 exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "--batch 0: expected 1 to 500") && strstr(out, "hint:"), "got: %s", out);
    st = run07("--lr -1 --out /tmp/nn-cli-07", out, sizeof out);
    cr_assert_eq(st, 2, "--lr -1 exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "expected a positive number"), "got: %s", out);
}

Test(cli_cnn, bad_experiment_flags, .timeout = 30)
{
    char out[8192];
    int st = run07("--experiment resnet --width 16 --out /tmp/nn-cli-07", out, sizeof out);
    cr_assert_eq(st, 2, "--width 16 exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "expected C1,C2") && strstr(out, "hint:"), "got: %s", out);
    st = run07("--experiment resnet --sd 1.5 --out /tmp/nn-cli-07", out, sizeof out);
    cr_assert_eq(st, 2, "--sd 1.5 exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "out of range"), "got: %s", out);
    st = run07("--experiment alexnet --out /tmp/nn-cli-07", out, sizeof out);
    cr_assert_eq(st, 2, "--experiment alexnet exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "the experiments are: transfer, resnet, history"), "got: %s", out);
}

Test(cli_cnn, missing_dataset, .timeout = 30)
{
    char out[16384];
    int st = run07("--quick --data /nonexistent/fashion --out /tmp/nn-cli-07", out, sizeof out);
    cr_assert_eq(st, 1, "a missing dataset exits 1 (got %d)", st);
    cr_assert(strstr(out, "cannot open /nonexistent/fashion/train-images-idx3-ubyte.gz"), "got: %s", out);
}

Test(cli_cnn, corrupt_dataset, .timeout = 30)
{
    /* a directory whose image file is not gzipped IDX at all */
    char dir[] = "/tmp/nn-cli-07-data-XXXXXX", out[16384], cmd[512];
    cr_assert_not_null(mkdtemp(dir));
    const char *names[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"};
    for (int i = 0; i < 4; i++) {
        snprintf(cmd, sizeof cmd, "%s/%s", dir, names[i]);
        FILE *f = fopen(cmd, "w");
        cr_assert_not_null(f);
        fputs("this is not an IDX file\n", f);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "--quick --data %s --out /tmp/nn-cli-07", dir);
    int st = run07(cmd, out, sizeof out);
    cr_assert_eq(st, 1, "a corrupt dataset exits 1 (got %d): %s", st, out);
    cr_assert(strstr(out, "error (") && strstr(out, "hint:"), "a clear error paragraph: %s", out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
