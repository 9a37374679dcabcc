/* Tests of the parsers of outside input: csv.h, text.h, edgelist.h. Each error path is checked
 * for its message (file:line, expected, got, hint) and for leaving nothing allocated; the fuzzers'
 * regression inputs (fuzz/regressions/) go through the same parsers in fuzz/regress.c. The last
 * section reads and writes numbers under a locale with a decimal comma (csv, csvlog, edge lists,
 * flags). */
#include "csv.h"
#include "csvlog.h"
#include "edgelist.h"
#include "flags.h"
#include "io.h"
#include "text.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *tmp_write(const char *name, const char *content, size_t len)
{
    static char path[256];
    char dir[64] = "/tmp/nn-parse-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(content, 1, len, f);
    fclose(f);
    return path;
}

/* --- csv -------------------------------------------------------------------------------------- */

Test(csv, reads_features_and_labels)
{
    const char *s = "\xEF\xBB\xBF" "a, b ,label,c\r\n1,2.5,0,-3e2\r\n\n  4 , 5 , 2 , 6\n";
    csv_table_t t;
    cr_assert_eq(csv_read(&t, tmp_write("ok.csv", s, strlen(s)), "label"), 0);
    cr_assert(t.n == 2 && t.d == 3 && t.classes == 3, "n %d d %d classes %d", t.n, t.d, t.classes);
    const float want[6] = {1, 2.5f, -300, 4, 5, 6};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(t.x[i], want[i], "x[%d] = %g, expected %g", i, t.x[i], want[i]);
    cr_assert(t.y[0] == 0 && t.y[1] == 2);
    cr_assert_str_eq(t.names[1], "b");
    cr_assert_str_eq(t.names[2], "c");
    cr_assert_eq(csv_column(&t, "c"), 2);
    cr_assert_eq(csv_column(&t, "label"), -1, "the label is not a feature");
    csv_free(&t);
    cr_assert_eq(csv_parse(&t, "x,y\n1,2", 7, "mem", NULL), 0, "no label column; no final newline");
    cr_assert(t.n == 1 && t.d == 2 && t.y == NULL && t.classes == 0 && t.x[1] == 2);
    csv_free(&t);
}

typedef struct {
    const char *text, *label, *needle;
} csv_case;

static void csv_child(void *arg)
{
    const csv_case *c = arg;
    csv_table_t t;
    int rc = csv_parse(&t, c->text, strlen(c->text), "data.csv", c->label);
    exit(rc == -1 && t.x == NULL && t.n == 0 ? 5 : 0);
}

Test(csv, errors_name_the_file_line_and_column)
{
    const csv_case cases[] = {
        {"", NULL, "data.csv: empty file"},
        {"a,b\n", NULL, "a header but no data rows"},
        {"a,b\n1,2\n3\n", NULL, "data.csv:3: 1 fields: expected 2"},
        {"a,b\n1,2,3\n", NULL, "data.csv:2: more than 2 fields: expected 2"},
        {"a,b\n1,x\n", NULL, "data.csv:2: column \"b\" (field 2): \"x\" is not a finite number"},
        {"a,b\n1,nan\n", NULL, "\"nan\" is not a finite number"},
        {"a,b\n1,\n", NULL, "column \"b\" (field 2): \"\" is not a number"},
        {"a,,b\n", NULL, "data.csv:1: column 2 of the header has no name"},
        {"a,a\n1,2\n", NULL, "column name \"a\" appears twice"},
        {"a,b\n1,2\n", "y", "no column \"y\" in the header: expected it among the 2 column names, got \"a\", \"b\""},
        {"c1,c2,c3,c4,c5,Label\n1,2,3,4,5,0\n", "label", "got \"c1\", \"c2\", \"c3\", \"c4\", ... (2 more)"},
        {"a,y\n1,2.5\n", "y", "\"2.5\" is not a label: expected a whole number 0 .. 65535"},
        {"a,y\n1,-1\n", "y", "\"-1\" is not a label"},
        {"y\n1\n", "y", "no feature column"},
        {"a,b\n1,\"2\"\n", NULL, "\"\"2\"\" is not a finite number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[4096];
        int status = capture_stderr(csv_child, (void *)&cases[i], err, sizeof err);
        cr_assert_eq(status, 5, "case %zu must fail cleanly (status %d): %s", i, status, err);
        cr_assert(strstr(err, cases[i].needle) && strstr(err, "hint:"), "case %zu: expected \"%s\" in:\n%s", i,
                  cases[i].needle, err);
    }
}

static void csv_missing(void *unused)
{
    (void)unused;
    csv_table_t t;
    exit(csv_read(&t, "/nonexistent/x.csv", NULL) == -1 ? 5 : 0);
}

Test(csv, missing_file)
{
    char err[4096];
    cr_assert_eq(capture_stderr(csv_missing, NULL, err, sizeof err), 5);
    cr_assert(strstr(err, "cannot read /nonexistent/x.csv") && strstr(err, "hint:"), "got: %s", err);
}

/* --- text ------------------------------------------------------------------------------------- */

Test(text, char_level_round_trip)
{
    const char *s = "héllo wörld — ok 🙂\nline two\n";
    text_t t;
    cr_assert_eq(text_read(&t, tmp_write("c.txt", s, strlen(s)), 8), 0);
    cr_assert_eq(t.len, strlen(s));
    text_vocab_t v;
    cr_assert_eq(text_vocab_build(&v, t.data, t.len, TEXT_CHARS), 0);
    /* the distinct characters: 13 ASCII ("\n dehiklnortw") and é ö — 🙂 */
    cr_assert_eq(v.size, 17, "13 ASCII + 4 others = 17 symbols, got %d", v.size);
    cr_assert_eq(v.symbols[0], '\n', "ids follow code points: newline first");
    cr_assert_eq(v.symbols[v.size - 1], 0x1F642u, "the emoji is the largest code point");
    long n = text_count(&v, t.data, t.len);
    cr_assert_eq(n, 28, "28 characters, got %ld", n);
    int ids[64];
    cr_assert_eq(text_encode(ids, 64, &v, t.data, t.len), n);
    char back[256];
    cr_assert_eq(text_decode(back, sizeof back, &v, ids, (size_t)n), (long)t.len);
    cr_assert_str_eq(back, s, "decode(encode(t)) == t");
    cr_assert_eq(text_vocab_id(&v, 'z'), -1);
    text_vocab_free(&v);
    cr_assert_eq(text_vocab_build(&v, t.data, t.len, TEXT_BYTES), 0);
    cr_assert_eq(text_count(&v, t.data, t.len), (long)t.len, "byte level: one id per byte");
    cr_assert_eq(text_encode(ids, 64, &v, t.data, t.len), (long)t.len);
    cr_assert_eq(text_decode(back, sizeof back, &v, ids, t.len), (long)t.len);
    cr_assert_str_eq(back, s);
    text_vocab_free(&v);
    text_free(&t);
}

typedef struct {
    const char *data;
    size_t len, min;
    const char *needle;
} text_case;

static void text_child(void *arg)
{
    const text_case *c = arg;
    exit(text_check(c->data, c->len, "corpus.txt", c->min) == -1 ? 5 : 0);
}

Test(text, rejects_empty_short_binary_and_bad_utf8)
{
    const text_case cases[] = {
        {"", 0, 0, "corpus.txt: empty"},
        {"abc", 3, 100, "corpus.txt: 3 bytes: expected at least 100"},
        {"ab\0cd", 5, 0, "corpus.txt:1:3 (byte 2): a NUL byte"},
        {"ok\nl\xe9tter", 9, 0, "corpus.txt:2:2 (byte 4): invalid UTF-8 (bytes e9 74 74 65)"},
        {"\xc0\xaf", 2, 0, "invalid UTF-8"},          /* overlong '/' */
        {"\xed\xa0\x80", 3, 0, "invalid UTF-8"},      /* a surrogate */
        {"\xf4\x90\x80\x80", 4, 0, "invalid UTF-8"},  /* past U+10FFFF */
        {"ab\xe2\x82", 4, 0, "corpus.txt:1:3 (byte 2)"}, /* cut at the end */
        {"\x80", 1, 0, "invalid UTF-8"},              /* a lone continuation byte */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[4096];
        int status = capture_stderr(text_child, (void *)&cases[i], err, sizeof err);
        cr_assert_eq(status, 5, "case %zu must be rejected (status %d): %s", i, status, err);
        cr_assert(strstr(err, cases[i].needle) && strstr(err, "hint:"), "case %zu: expected \"%s\" in:\n%s", i,
                  cases[i].needle, err);
    }
}

static void encode_unknown(void *unused)
{
    (void)unused;
    text_vocab_t v;
    text_vocab_build(&v, "abc", 3, TEXT_CHARS);
    int ids[8];
    long a = text_encode(ids, 8, &v, "ab\nz", 4);
    long b = text_decode((char[8]){0}, 8, &v, (int[]){0, 3}, 2);
    long c = text_decode((char[2]){0}, 2, &v, (int[]){0, 1}, 2);
    exit(a == -1 && b == -1 && c == -1 ? 5 : 0);
}

Test(text, encode_and_decode_errors)
{
    char err[4096];
    cr_assert_eq(capture_stderr(encode_unknown, NULL, err, sizeof err), 5, "got: %s", err);
    cr_assert(strstr(err, "text_encode:1:3: symbol U+000A is not in the vocabulary of 3 symbols"), "got: %s", err);
    cr_assert(strstr(err, "text_decode: ids[1] is 3: expected 0 .. 2"), "got: %s", err);
    cr_assert(strstr(err, "does not fit in 2 bytes"), "got: %s", err);
}

/* A filter that upper-cases every line and drops the lines starting with '#'. */
static void upper_no_comments(FILE *out, const char *line, void *state)
{
    if (line[0] == '#')
        return;
    for (const char *c = line; *c; c++)
        fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, out);
    (*(int *)state)++;
}

static char cache_dir[64];

static void cache_too_short(void *arg)
{
    (void)arg;
    char path[4096];
    exit(text_cache_command(path, cache_dir, "short.txt", "printf 'abc\\n'", NULL, NULL, 100,
                            "install the thing") == -1 ? 5 : 0);
}

static void cache_failing_command(void *arg)
{
    (void)arg;
    char path[4096];
    exit(text_cache_command(path, cache_dir, "none.txt", "no-such-command-here 2>/dev/null", NULL, NULL, 0,
                            "install no-such-command") == -1 ? 5 : 0);
}

Test(text, cache_command_writes_once_through_the_filter)
{
    snprintf(cache_dir, sizeof cache_dir, "/tmp/nn-text-cache-%d", (int)getpid());
    cr_assert_eq(io_mkdirs(cache_dir), 0);
    char path[4096], got[64] = "";
    int lines = 0;
    cr_assert_eq(text_cache_command(path, cache_dir, "t.txt", "printf '#x\\nab\\ncd'", upper_no_comments, &lines,
                                    5, "-"), 0);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s was not written", path);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    cr_assert_str_eq(got, "AB\nCD", "the filtered output: expected \"AB\\nCD\" (comment dropped, last line without "
                     "its newline kept), got \"%s\"", got);
    cr_assert_eq(lines, 2, "the filter saw %d lines that are not comments, expected 2", lines);
    /* a second call finds the file and does not run the command again */
    lines = 0;
    cr_assert_eq(text_cache_command(path, cache_dir, "t.txt", "false", upper_no_comments, &lines, 5, "-"), 0);
    cr_assert_eq(lines, 0, "the cached file must be used as it is, without running the command");

    char err[4096];
    cr_assert_eq(capture_stderr(cache_too_short, NULL, err, sizeof err), 5, "got: %s", err);
    cr_assert(strstr(err, "after 4 bytes (expected at least 100)") && strstr(err, "install the thing"), "got: %s", err);
    cr_assert_eq(capture_stderr(cache_failing_command, NULL, err, sizeof err), 5, "got: %s", err);
    cr_assert(strstr(err, "status 127 (command not found)"), "got: %s", err);
    char short_path[4096];
    snprintf(short_path, sizeof short_path, "%s/short.txt", cache_dir);
    cr_assert(access(short_path, F_OK) != 0, "a rejected output must leave no file (found %s)", short_path);
    unlink(path);
    rmdir(cache_dir);
}

/* --- edge lists ------------------------------------------------------------------------------- */

Test(edgelist, csr_of_a_small_graph)
{
    const char *s = "# a triangle and a tail\n0 1\n2\t0 0.5 % weighted\n\n1,2\n3 2\n";
    edgelist_graph_t g;
    cr_assert_eq(edgelist_read(&g, tmp_write("g.txt", s, strlen(s)), NULL), 0);
    cr_assert(g.n == 4 && g.m == 4, "directed: 4 nodes, 4 edges; got %d, %ld", g.n, g.m);
    const long rp[5] = {0, 1, 2, 3, 4};
    const int col[4] = {1, 2, 0, 2};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(g.row_ptr[i], rp[i], "row_ptr[%d]", i);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(g.col[i], col[i], "col[%d] = %d", i, g.col[i]);
    cr_assert(g.w[2] == 0.5f && g.w[0] == 1, "weights: given or 1");
    edgelist_free(&g);
    edgelist_options_t o = {.n = 6, .undirected = 1};
    cr_assert_eq(edgelist_parse(&g, s, strlen(s), "mem", &o), 0);
    cr_assert(g.n == 6 && g.m == 8, "undirected, n fixed at 6: 8 stored edges; got %d, %ld", g.n, g.m);
    const long rp2[7] = {0, 2, 4, 7, 8, 8, 8};
    const int col2[8] = {1, 2, 0, 2, 0, 1, 3, 2};
    for (int i = 0; i < 7; i++)
        cr_assert_eq(g.row_ptr[i], rp2[i], "row_ptr[%d] = %ld", i, g.row_ptr[i]);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(g.col[i], col2[i], "col[%d] = %d", i, g.col[i]);
    edgelist_free(&g);
    o = (edgelist_options_t){.allow_self_loops = 1, .undirected = 1};
    cr_assert_eq(edgelist_parse(&g, "1 1\n", 4, "mem", &o), 0);
    cr_assert(g.n == 2 && g.m == 1 && g.col[0] == 1, "a self loop is stored once");
    edgelist_free(&g);
}

typedef struct {
    const char *text;
    edgelist_options_t opt;
    const char *needle;
} edge_case;

static void edge_child(void *arg)
{
    const edge_case *c = arg;
    edgelist_graph_t g;
    int rc = edgelist_parse(&g, c->text, strlen(c->text), "g.txt", &c->opt);
    exit(rc == -1 && g.row_ptr == NULL && g.n == 0 ? 5 : 0);
}

Test(edgelist, errors_name_the_file_and_line)
{
    const edge_case cases[] = {
        {"", {0}, "g.txt: no edges (0 lines)"},
        {"# only a comment\n\n", {0}, "g.txt: no edges (2 lines)"},
        {"0 1\n2\n", {0}, "g.txt:2: 1 field (\"2\"): expected 2 node ids"},
        {"0 1 2 3\n", {0}, "g.txt:1: more than 3 fields"},
        {"0 x\n", {0}, "g.txt:1: \"x\" is not a node id"},
        {"0 -1\n", {0}, "\"-1\" is not a node id"},
        {"0 1.5\n", {0}, "\"1.5\" is not a node id"},
        {"0 1\n0 5\n", {.n = 5}, "g.txt:2: node id 5 is out of range: expected 0 .. 4"},
        {"0 99999999999\n", {0}, "is not a node id: expected a whole number 0 .. 4194303"},
        {"3 3\n", {0}, "g.txt:1: self loop 3 -> 3"},
        {"0 1 inf\n", {0}, "weight \"inf\" is not a finite number"},
        {"0 1 w\n", {0}, "weight \"w\" is not a finite number"},
        {"0 1\n", {.n = -2}, "options n = -2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[4096];
        int status = capture_stderr(edge_child, (void *)&cases[i], err, sizeof err);
        cr_assert_eq(status, 5, "case %zu must fail cleanly (status %d): %s", i, status, err);
        cr_assert(strstr(err, cases[i].needle) && strstr(err, "hint:"), "case %zu: expected \"%s\" in:\n%s", i,
                  cases[i].needle, err);
    }
}

/* --- numbers under a locale with a decimal comma ---------------------------------------------- */

/* Make a locale whose decimal separator is a comma the process's, as a program that calls
 * setlocale(LC_ALL, "") does under de_DE.UTF-8 (Criterion runs each test in a process of its
 * own, so it goes no further), or skip the test when none is installed. */
static void use_a_comma_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8",
                                        "es_ES.UTF-8", "it_IT.UTF-8", "ru_RU.UTF-8", "pt_BR.UTF-8"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (setlocale(LC_ALL, names[i]) && !strcmp(localeconv()->decimal_point, ",")) {
            cr_assert_eq(strtof("1.5", NULL), 1.0f, "%s: strtof must stop at the point here", names[i]);
            return;
        }
    setlocale(LC_ALL, "C");
    cr_skip_test("no locale with a decimal comma is installed (tried de_DE.UTF-8, fr_FR.UTF-8 and others); on "
                 "Debian: apt-get install locales, uncomment de_DE.UTF-8 in /etc/locale.gen, run locale-gen");
}

Test(locale, csv_reads_a_decimal_point_under_a_comma_locale)
{
    use_a_comma_locale();
    csv_table_t t;
    const char *s = "a,label\n1.5,0\n-2.25e1,1\n";
    cr_assert_eq(csv_parse(&t, s, strlen(s), "mem", "label"), 0, "1.5 must read as a number in any locale");
    cr_assert(t.x[0] == 1.5f && t.x[1] == -22.5f, "read %g and %g, expected 1.5 and -22.5", t.x[0], t.x[1]);
    csv_free(&t);
}

Test(locale, csvlog_writes_a_decimal_point_that_csv_reads_back)
{
    use_a_comma_locale();
    char dir[64] = "/tmp/nn-locale-XXXXXX", path[128];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/log.csv", dir);
    csvlog_t log;
    cr_assert_eq(csvlog_open(&log, path, "epoch,loss"), 0);
    csvlog_row(&log, (const double[]){1, 0.25});
    cr_assert_eq(csvlog_close(&log), 0);
    char *text;
    size_t len;
    cr_assert_eq(io_read_all(&text, &len, path, 1 << 20), 0);
    cr_assert_str_eq(text, "epoch,loss\n1,0.25\n", "the log under a comma locale");
    free(text);
    csv_table_t t;
    cr_assert_eq(csv_read(&t, path, NULL), 0);
    cr_assert(t.n == 1 && t.d == 2 && t.x[1] == 0.25f, "read back %d rows of %d, loss %g", t.n, t.d, t.x[1]);
    csv_free(&t);
    remove(path), rmdir(dir);
}

Test(locale, edge_weights_flags_and_gnuplot_numbers_under_a_comma_locale)
{
    use_a_comma_locale();
    edgelist_graph_t g;
    cr_assert_eq(edgelist_parse(&g, "0 1 0.25\n", 9, "mem", NULL), 0, "the weight 0.25");
    cr_assert(g.w[0] == 0.25f, "weight %g", g.w[0]);
    edgelist_free(&g);
    flags_t f = {.epochs = 1, .out = "out"};
    float lr = 0.1f;
    const flags_option_t opt[] = {{"--lr", FLAGS_FLOAT, &lr, "learning rate"}};
    char *argv[] = {"prog", "--lr", "0.01", NULL};
    cr_assert_eq(flags_parse(&f, 3, argv, "test", opt, 1), 0, "--lr 0.01");
    cr_assert(lr == 0.01f, "--lr 0.01 read as %g", lr);
    char buf[32];
    io_snprintf(buf, sizeof buf, "%g", 9.5);
    cr_assert_str_eq(buf, "9.5", "io_snprintf (gnuplot scripts) under a comma locale");
    cr_assert(strchr(localeconv()->decimal_point, ','), "the program's own locale is left as it was");
}
