/* Tests of what a user types: make with a bad chapter, a chapter program with bad flags or no
 * data. Each must fail with a message that says what is wrong and what to do, never crash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* Runs a shell command, returns its exit status and its stdout+stderr in out. */
static int sh(const char *cmd, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "cd '%s' && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS %s 2>&1", REPO, cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define PROG01 BUILD_DIR "/ref/01_perceptron/prog"

Test(cli, make_with_an_unknown_chapter, .timeout = 60)
{
    char out[8192];
    int status = sh("make --no-print-directory run CH=99", out, sizeof out);
    cr_assert_neq(status, 0, "make run CH=99 must fail");
    cr_assert(strstr(out, "No chapter 99") && strstr(out, "01_perceptron"),
              "the message names the missing chapter and lists the real ones: %s", out);
}

Test(cli, chapter_with_unknown_flag, .timeout = 30)
{
    char out[8192];
    int status = sh(PROG01 " --frobnicate", out, sizeof out);
    cr_assert_eq(status, 2, "an unknown flag exits 2 (got %d)", status);
    cr_assert(strstr(out, "unknown option '--frobnicate'") && strstr(out, "--epochs N"), "got: %s", out);
}

Test(cli, chapter_with_non_numeric_epochs, .timeout = 30)
{
    char out[8192];
    int status = sh(PROG01 " --epochs many", out, sizeof out);
    cr_assert_eq(status, 2, "a non-numeric --epochs exits 2 (got %d)", status);
    cr_assert(strstr(out, "--epochs expects a whole number"), "got: %s", out);
}

Test(cli, chapter_with_missing_dataset, .timeout = 60)
{
    char out[16384];
    int status = sh(PROG01 " --quick --data /nonexistent/fashion --out /tmp/nn-cli-out", out, sizeof out);
    cr_assert_eq(status, 1, "a missing dataset exits 1 (got %d)", status);
    cr_assert(strstr(out, "cannot open /nonexistent/fashion/train-images-idx3-ubyte.gz") &&
                  strstr(out, "apt-get install dataset-fashion-mnist"),
              "the message names the file and the package: %s", out);
}

Test(cli, chapter_help_exits_0, .timeout = 30)
{
    char out[8192];
    cr_assert_eq(sh(PROG01 " --help", out, sizeof out), 0);
    cr_assert(strstr(out, "usage:") && strstr(out, "--quick"), "got: %s", out);
}

/* Issue 9: --out "" used to make io_mkdirs read past the string; a --data path longer than any
 * file name used to exit from inside io_join. Both are now a message and status 1 from main. */
Test(cli, chapter_with_empty_out_or_overlong_data, .timeout = 60)
{
    char out[16384];
    int status = sh(PROG01 " --quick --out ''", out, sizeof out);
    cr_assert_eq(status, 1, "--out '' exits 1 (got %d): %s", status, out);
    cr_assert(strstr(out, "empty directory name") && strstr(out, "hint:"), "got: %s", out);
    /* the shell makes the 4200-character directory name: /000...0 */
    status = sh(PROG01 " --quick --out /tmp/nn-cli-out --data /$(printf %04200d 0)", out, sizeof out);
    cr_assert_eq(status, 1, "an over-long --data exits 1 (got %d): %s", status, out);
    cr_assert(strstr(out, "path too long") && strstr(out, "hint:"), "got: %.400s", out);
}

#define PROG09 BUILD_DIR "/ref/09_graph_embeddings/prog"

Test(cli, graph_chapter_with_a_malformed_edge_list, .timeout = 60)
{
    char out[16384];
    /* "true;" ends sh()'s env prefix; the braces send the whole group's stderr to the capture */
    int status = sh("true; { d=$(mktemp -d) && mkdir -p $d/karate && printf '0 1\\n1 x\\n' >$d/karate/karate.edges && "
                    PROG09 " --quick --data $d --out $d/out; s=$?; rm -rf $d; exit $s; }", out, sizeof out);
    cr_assert_eq(status, 1, "a malformed edge list exits 1 (got %d): %s", status, out);
    cr_assert(strstr(out, "karate.edges:2: \"x\" is not a node id") && strstr(out, "hint:"),
              "the message names the file and the line: %s", out);
}

Test(cli, graph_chapter_with_an_empty_package_list, .timeout = 60)
{
    char out[16384];
    int status = sh("true; { d=$(mktemp -d) && printf '# nothing\\n' >$d/empty.txt && " PROG09
                    " --quick --packages $d/empty.txt --out $d/out; s=$?; rm -rf $d; exit $s; }", out, sizeof out);
    cr_assert_eq(status, 1, "an empty package list exits 1 (got %d): %s", status, out);
    cr_assert(strstr(out, "got no packages") && strstr(out, "apt-get update"),
              "the message says the list is empty and how to fill it: %s", out);
}
