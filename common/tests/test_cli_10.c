/* Chapter 10's program given bad input: sequences longer than its positional table, and lengths
 * out of range. Each must exit non-zero with a message naming the problem, never read past the
 * table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG10 BUILD_DIR "/ref/10_attention/prog"

static int run10(const char *args, const char *out_dir, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s %s --out /tmp/nn-cli-10-%s-%d 2>&1", PROG10, args, out_dir, (int)getpid());
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(cli10, sequence_longer_than_the_positional_table, .timeout = 30)
{
    char out[16384];
    int status = run10("--quick --len 20 --max-len 16", "table", out, sizeof out);
    cr_assert_eq(status, 1, "--len 20 --max-len 16: expected exit status 1, got %d: %s", status, out);
    cr_assert(strstr(out, "longer than the positional table") && strstr(out, "T <= 16") && strstr(out, "T = 20") &&
                  strstr(out, "hint:"),
              "the message must give the table's length, the sequence's and a hint: %s", out);
}

Test(cli10, length_out_of_range, .timeout = 30)
{
    char out[16384];
    int status = run10("--quick --len 0", "len", out, sizeof out);
    cr_assert_eq(status, 2, "--len 0: expected exit status 2 (bad command line), got %d: %s", status, out);
    cr_assert(strstr(out, "--len expects 1..64"), "message: %s", out);
}
