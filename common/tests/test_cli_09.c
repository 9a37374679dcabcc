/* Chapter 9's program given bad input: an unknown --experiment, and a --words text that is empty or has no
 * word often enough for a vocabulary. Each must exit non-zero with a message naming the problem. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG09 BUILD_DIR "/ref/09_graph_embeddings/prog"

static int run09(const char *args, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s %s --out /tmp/nn-cli-09-%d 2>&1", PROG09, args, (int)getpid());
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A file holding the bytes; returns its path. */
static const char *words_file(const char *name, const char *bytes, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/nn-cli-09-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert(fwrite(bytes, 1, n, f) == n);
    fclose(f);
    return path;
}

Test(cli09, unknown_experiment, .timeout = 30)
{
    char out[16384];
    int status = run09("--experiment poems", out, sizeof out);
    cr_assert_eq(status, 2, "--experiment poems: expected exit status 2 (bad command line), got %d: %s", status, out);
    cr_assert(strstr(out, "expected words or kg") && strstr(out, "hint:"), "message: %s", out);
}

Test(cli09, empty_words_file, .timeout = 60)
{
    char out[16384], args[512];
    snprintf(args, sizeof args, "--quick --words %s", words_file("empty.txt", "", 0));
    int status = run09(args, out, sizeof out);
    cr_assert_eq(status, 1, "an empty --words file: expected exit status 1, got %d: %s", status, out);
    cr_assert(strstr(out, "empty") && strstr(out, "hint:"), "the message must say the text is empty: %s", out);
    cr_assert(!strstr(out, "done in"), "no 'done' line after an error: %s", out);
}

Test(cli09, text_without_a_vocabulary, .timeout = 60)
{
    char text[1500], out[16384], args[512];
    memset(text, 'q', sizeof text); /* one 1500-letter word, seen once: nothing reaches --quick's min count 2 */
    snprintf(args, sizeof args, "--quick --words %s", words_file("oneword.txt", text, sizeof text));
    int status = run09(args, out, sizeof out);
    cr_assert_eq(status, 1, "a text whose only word occurs once: expected exit status 1, got %d: %s", status, out);
    cr_assert(strstr(out, "expected a vocabulary") && strstr(out, "hint:"), "message: %s", out);
}
