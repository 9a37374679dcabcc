/* Tests of error.h: the paragraph on stderr, and the sink a program installs instead. */
#include "error.h"
#include "io.h"

#include "capture.h"

#include <criterion/criterion.h>

/* What a sink received: the last paragraph's parts, and how many it got. */
typedef struct {
    int calls, line;
    char file[256], message[4096], hint[1024];
    int hint_was_null;
} got_t;

static void keep(void *ctx, const char *file, int line, const char *message, const char *hint)
{
    got_t *g = ctx;
    g->calls++, g->line = line, g->hint_was_null = hint == NULL;
    snprintf(g->file, sizeof g->file, "%s", file);
    snprintf(g->message, sizeof g->message, "%s", message);
    snprintf(g->hint, sizeof g->hint, "%s", hint ? hint : "");
}

/* Children of capture_stderr: report through a sink (printing nothing; exit status 7 if it saw
 * the wrong parts), or with none. */
static void report_to_sink(void *arg)
{
    (void)arg;
    got_t g = {0};
    nn_set_error_sink(keep, &g);
    nn_error("a hint", "value %d, expected %s", 3, "4");
    nn_set_error_sink(NULL, NULL);
    if (g.calls != 1 || strcmp(g.message, "value 3, expected 4") || strcmp(g.hint, "a hint"))
        _exit(7);
}

static void report_to_stderr(void *arg)
{
    (void)arg;
    nn_error("a hint", "value %d, expected %s", 3, "4");
}

Test(error, the_default_paragraph_names_place_message_and_hint)
{
    char err[1024];
    int status = capture_stderr(report_to_stderr, NULL, err, sizeof err);
    cr_assert_eq(status, 0);
    cr_assert(strstr(err, "error (common/tests/test_error.c:") && strstr(err, "): value 3, expected 4\nhint: a hint\n"),
              "expected the one-paragraph format, got: %s", err);
}

Test(error, a_sink_receives_the_parts_and_nothing_reaches_stderr)
{
    got_t g = {0};
    nn_set_error_sink(keep, &g);
    int line = __LINE__ + 1;
    nn_error(NULL, "%s has %d rows: expected %d", "x", 5, 4);
    nn_set_error_sink(NULL, NULL);
    cr_assert_eq(g.calls, 1, "the sink was called %d times, expected once", g.calls);
    cr_assert_str_eq(g.message, "x has 5 rows: expected 4", "the message arrives formatted, without a newline");
    cr_assert(g.hint_was_null, "no hint arrives as NULL, got \"%s\"", g.hint);
    cr_assert(strstr(g.file, "test_error.c") && g.line == line, "place: %s:%d, expected test_error.c:%d", g.file,
              g.line, line);

    char err[256];
    cr_assert_eq(capture_stderr(report_to_sink, NULL, err, sizeof err), 0, "the child's sink saw the wrong parts");
    cr_assert_str_eq(err, "", "with a sink installed nothing goes to stderr, got: %s", err);
}

Test(error, a_long_message_arrives_whole)
{
    char path[3000];
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    got_t g = {0};
    nn_set_error_sink(keep, &g);
    nn_error("hint", "cannot open %s: no such file", path);
    nn_set_error_sink(NULL, NULL);
    cr_assert_eq(strlen(g.message), strlen(path) + strlen("cannot open : no such file"),
                 "a message longer than the sink's stack buffer is formatted whole, got %zu characters",
                 strlen(g.message));
}

/* A library function's error goes through the sink too: io_mkdirs("") returns -1 and reports. */
Test(error, library_errors_go_through_the_sink)
{
    got_t g = {0};
    nn_set_error_sink(keep, &g);
    int rc = io_mkdirs("");
    nn_set_error_sink(NULL, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(g.calls == 1 && strstr(g.message, "empty directory name") && strstr(g.file, "io.c") && g.hint[0],
              "expected io_mkdirs's paragraph in the sink, got %d call(s): %s: %s (hint %s)", g.calls, g.file,
              g.message, g.hint);
}

/* nn_fatal still exits 1 after the sink saw the paragraph: the sink writes it where the program
 * wants it (here stderr, marked), and cannot turn a programming error into a return. */
static void marked(void *ctx, const char *file, int line, const char *message, const char *hint)
{
    (void)ctx, (void)file, (void)line;
    fprintf(stderr, "SINK: %s | %s\n", message, hint ? hint : "-");
}

static void fatal_with_sink(void *arg)
{
    (void)arg;
    nn_set_error_sink(marked, NULL);
    nn_fatal("fix the caller", "shape %d", 2);
}

Test(error, fatal_calls_the_sink_then_exits_1)
{
    char err[512];
    int status = capture_stderr(fatal_with_sink, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "nn_fatal exits with status 1, got %d", status);
    /* starts with the sink's line, and the default paragraph never came (under AddressSanitizer
     * the leak check may add its own lines after the exit) */
    cr_assert(!strncmp(err, "SINK: shape 2 | fix the caller\n", 31) && !strstr(err, "error ("), "got: %s", err);
}
