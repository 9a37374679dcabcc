/* Tests of io.h, csvlog.h, plot.h and flags.h. */
#include "csvlog.h"
#include "flags.h"
#include "io.h"
#include "plot.h"
#include "progress.h"
#include "timing.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

static char *tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/nn-io-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

Test(io, mkdirs_and_atomic_write)
{
    char path[4096], sub[4096];
    char *dir = tmpdir();
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    cr_assert_eq(io_mkdirs(sub), 0);
    io_file_t f;
    cr_assert_eq(io_create(&f, io_join(path, sub, "x.txt")), 0);
    fprintf(f.f, "hello\n");
    cr_assert(!io_exists(path), "the target must not exist before commit (atomic write)");
    cr_assert_eq(io_commit(&f), 0);
    cr_assert_str_eq(slurp(path), "hello\n");
    cr_assert(!io_exists(f.tmp), "the temporary file is gone after commit");
}

Test(io, abort_leaves_old_file)
{
    char path[4096];
    char *dir = tmpdir();
    io_file_t f;
    io_create(&f, io_join(path, dir, "keep.txt"));
    fprintf(f.f, "old\n");
    io_commit(&f);
    io_create(&f, path);
    fprintf(f.f, "half-writ");
    io_abort(&f);
    cr_assert_str_eq(slurp(path), "old\n", "an aborted write leaves the previous file intact");
}

Test(csvlog_t, header_and_rows)
{
    char path[4096];
    csvlog_t log;
    cr_assert_eq(csvlog_open(&log, io_join(path, tmpdir(), "log.csv"), "epoch,loss"), 0);
    csvlog_row(&log, (double[]){1, 0.5});
    csvlog_row(&log, (double[]){2, 0.25});
    cr_assert_eq(csvlog_close(&log), 0);
    cr_assert_str_eq(slurp(path), "epoch,loss\n1,0.5\n2,0.25\n");
}

Test(plot, curves_render_svg_and_png)
{
    char path[4096];
    char *dir = tmpdir();
    csvlog_t log;
    csvlog_open(&log, io_join(path, dir, "log.csv"), "epoch,train_loss,val_loss");
    for (int e = 1; e <= 5; e++)
        csvlog_row(&log, (double[]){e, 1.0 / e, 1.2 / e});
    csvlog_close(&log);
    const char *series[] = {"train_loss:training", "val_loss:validation", NULL};
    cr_assert_eq(plot_curves(dir, "loss", "log.csv", "test", "epoch", "loss", "epoch", series), 0,
                 "gnuplot must draw the figure (is gnuplot-nox installed?)");
    char *svg = slurp(io_join(path, dir, "loss.svg"));
    cr_assert(svg && strstr(svg, "<svg"), "loss.svg is an SVG file");
    struct stat st;
    cr_assert_eq(stat(io_join(path, dir, "loss.png"), &st), 0, "loss.png exists");
    cr_assert_gt(st.st_size, 1000, "loss.png is a real image (%ld bytes)", (long)st.st_size);
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));)
        cr_assert(!strstr(e->d_name, ".tmp"), "no temporary file left behind: %s", e->d_name);
    closedir(d);
    /* the script is the recipe: re-run by hand, it writes the images under their own names */
    cr_assert_eq(remove(io_join(path, dir, "loss.svg")), 0);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot loss.gp", dir);
    cr_assert_eq(system(cmd), 0, "gnuplot loss.gp by hand");
    cr_assert(io_exists(io_join(path, dir, "loss.svg")), "re-run by hand, the script writes loss.svg");
}

/* Two programs drawing the same figure into the same directory at once (two test runs with one
 * --out) used to share gnuplot's temporary image names; one then failed to rename its images. */
static void draw_same(void *dir)
{
    const char *series[] = {"loss:training", NULL};
    exit(plot_curves(dir, "same", "log.csv", "t", "epoch", "loss", "epoch", series) == 0 ? 5 : 1);
}

Test(plot, concurrent_renders_of_one_figure_do_not_collide)
{
    char path[4096];
    char *dir = tmpdir();
    csvlog_t log;
    csvlog_open(&log, io_join(path, dir, "log.csv"), "epoch,loss");
    for (int e = 1; e <= 3; e++)
        csvlog_row(&log, (double[]){e, 1.0 / e});
    csvlog_close(&log);
    for (int round = 0; round < 4; round++) {
        pid_t pid[2];
        for (int k = 0; k < 2; k++)
            if ((pid[k] = fork()) == 0) {
                int null = open("/dev/null", O_WRONLY);
                dup2(null, 2);
                draw_same(dir);
            }
        for (int k = 0; k < 2; k++) {
            int status;
            waitpid(pid[k], &status, 0);
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 5, "round %d: render %d failed", round, k);
        }
    }
}

static void bad_plot(void *dir) { exit(plot_render(dir, "bad", 300, 200, "plot no_such_function(x)") == -1 ? 7 : 0); }

Test(plot, gnuplot_error_is_reported)
{
    char err[8192];
    int status = capture_stderr(bad_plot, tmpdir(), err, sizeof err);
    cr_assert_eq(status, 7, "plot_render returns -1 when gnuplot fails");
    cr_assert(strstr(err, "gnuplot failed on"), "the message names the script: %s", err);
}

/* --- issue 9: bugs found in review; each of these failed before its fix ------------------------ */

static void mkdirs_empty(void *dir)
{
    if (chdir(dir) != 0)
        exit(9);
    exit(io_mkdirs("") == -1 ? 5 : 0);
}

/* io_mkdirs("") (from --out "") read past the end of the string. */
Test(io, mkdirs_of_the_empty_path_is_an_error)
{
    char err[4096];
    int status = capture_stderr(mkdirs_empty, tmpdir(), err, sizeof err);
    cr_assert_eq(status, 5, "io_mkdirs(\"\") returns -1 (status %d): %s", status, err);
    cr_assert(strstr(err, "empty directory name") && strstr(err, "hint:"), "got: %s", err);
}

/* Two writers of the same file (threads of one process) used to share the pid-only temp name. */
Test(io, temporary_names_are_unique_within_a_process)
{
    char path[4096];
    io_file_t a, b;
    io_join(path, tmpdir(), "same.txt");
    cr_assert_eq(io_create(&a, path), 0);
    cr_assert_eq(io_create(&b, path), 0);
    cr_assert_str_neq(a.tmp, b.tmp, "two open writers of one file need two temporary names");
    fprintf(a.f, "a\n");
    fprintf(b.f, "b\n");
    cr_assert_eq(io_commit(&a), 0);
    cr_assert_eq(io_commit(&b), 0);
    cr_assert_str_eq(slurp(path), "b\n", "the last commit wins, whole");
}


typedef struct {
    const char *path;
    char tmp[4096];
} thread_case;

static void *create_in_thread(void *arg)
{
    thread_case *c = arg;
    io_file_t f;
    if (io_create(&f, c->path) == 0) {
        snprintf(c->tmp, sizeof c->tmp, "%s", f.tmp);
        io_abort(&f);
    }
    return NULL;
}

Test(io, temporary_names_differ_between_threads)
{
    char path[4096];
    io_join(path, tmpdir(), "t.txt");
    thread_case c[2] = {{.path = path}, {.path = path}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, create_in_thread, &c[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert(c[0].tmp[0] && c[1].tmp[0], "both threads opened the file");
    cr_assert_str_neq(c[0].tmp, c[1].tmp, "threads get different temporary names");
}

/* Titles, labels and paths are quoted for gnuplot: a quote no longer breaks the figure, and a
 * crafted title cannot run a command; the script has no system('mv ...'): C renames the images. */
Test(plot, quotes_in_titles_and_names_are_escaped)
{
    char path[4096];
    char *dir = tmpdir();
    csvlog_t log;
    csvlog_open(&log, io_join(path, dir, "it's.csv"), "epoch,loss");
    for (int e = 1; e <= 3; e++)
        csvlog_row(&log, (double[]){e, 1.0 / e});
    csvlog_close(&log);
    const char *series[] = {"loss:Bob's loss", NULL};
    cr_assert_eq(plot_curves(dir, "Bob's figure", "it's.csv", "Bob's run", "epoch", "l'oss", "epoch", series), 0,
                 "a quote in a title or a file name must not break the figure");
    cr_assert(io_exists(io_join(path, dir, "Bob's figure.svg")) && io_exists(io_join(path, dir, "Bob's figure.png")),
              "both images are there");
    char *gp = slurp(io_join(path, dir, "Bob's figure.gp"));
    cr_assert(gp && !strstr(gp, "system("), "the script runs no shell command:\n%s", gp);

    const char *evil = "x'; system('touch PWNED'); print '";
    const char *s2[] = {"loss:x", NULL};
    plot_curves(dir, "evil", "it's.csv", evil, "epoch", "loss", "epoch", s2);
    cr_assert(!io_exists(io_join(path, dir, "PWNED")), "a crafted title ran a command");
}

/* --- flags ----------------------------------------------------------------------------------- */

typedef struct {
    int argc;
    char **argv;
} args;

static void parse(void *a_)
{
    args *a = a_;
    flags_t f = {.epochs = 10, .seed = 1, .out = "out/xx"};
    float lr = 0.1f;
    flags_option_t extra[] = {{"--lr", FLAGS_FLOAT, &lr, "learning rate"}};
    int rc = flags_parse(&f, a->argc, a->argv, "test program", extra, 1);
    exit(rc < 0 ? 2 : 0); /* what a chapter's main does with the result */
}

/* Issue 9: the library never exits on a user's input; flags_parse returns, main decides. */
static void parse_returns(void *a_)
{
    args *a = a_;
    flags_t f = {.epochs = 10, .seed = 1, .out = "out/xx"};
    int rc = flags_parse(&f, a->argc, a->argv, "test program", NULL, 0);
    exit(rc == -1 ? 5 : rc == 1 ? 6 : rc == 0 ? 7 : 8);
}

Test(flags, parse_returns_instead_of_exiting)
{
    char err[8192];
    args bad = {3, (char *[]){"prog", "--epochs", "ten"}}, help = {2, (char *[]){"prog", "--help"}},
         ok = {3, (char *[]){"prog", "--seed", "4"}};
    cr_assert_eq(capture_stderr(parse_returns, &bad, err, sizeof err), 5, "a bad flag returns -1: %s", err);
    cr_assert(strstr(err, "--epochs expects a whole number") && strstr(err, "usage:"), "got: %s", err);
    cr_assert_eq(capture_stderr(parse_returns, &help, err, sizeof err), 6, "--help returns 1");
    cr_assert_eq(capture_stderr(parse_returns, &ok, err, sizeof err), 7, "a good command line returns 0");
}

static int run_flags(char **argv, int argc, char *err, size_t n)
{
    args a = {argc, argv};
    return capture_stderr(parse, &a, err, n);
}

Test(flags, parses_the_common_flags)
{
    char *argv[] = {"prog", "--epochs", "3", "--seed", "9", "--quick", "--out", "o", "--data", "d"};
    flags_t f = {.epochs = 10, .seed = 1, .out = "out/xx"};
    cr_assert_eq(flags_parse(&f, 10, argv, "test", NULL, 0), 0);
    cr_assert(f.epochs == 3 && f.seed == 9 && f.quick == 1, "epochs/seed/quick parsed");
    cr_assert_str_eq(f.out, "o");
    cr_assert_str_eq(f.data, "d");
}

Test(flags, unknown_flag_exits_2_with_usage)
{
    char err[8192];
    int status = run_flags((char *[]){"prog", "--epoch", "3"}, 3, err, sizeof err);
    cr_assert_eq(status, 2, "an unknown flag exits with status 2 (got %d)", status);
    cr_assert(strstr(err, "unknown option '--epoch'") && strstr(err, "usage:"), "got: %s", err);
}

Test(flags, non_numeric_epochs_exits_2)
{
    char err[8192];
    int status = run_flags((char *[]){"prog", "--epochs", "ten"}, 3, err, sizeof err);
    cr_assert_eq(status, 2);
    cr_assert(strstr(err, "--epochs expects a whole number from 1 to 1000000, got 'ten'"), "got: %s", err);
}

Test(flags, missing_value_and_bad_float)
{
    char err[8192];
    cr_assert_eq(run_flags((char *[]){"prog", "--seed"}, 2, err, sizeof err), 2);
    cr_assert(strstr(err, "option '--seed' needs a value"), "got: %s", err);
    cr_assert_eq(run_flags((char *[]){"prog", "--lr", "fast"}, 3, err, sizeof err), 2);
    cr_assert(strstr(err, "--lr expects a number such as 0.01, got 'fast'"), "got: %s", err);
}

Test(clock, median_of_timings)
{
    double odd[5] = {0.3, 0.1, 9.0, 0.2, 0.25}, even[4] = {4, 1, 3, 2};
    /* sorted: 0.1 0.2 0.25 0.3 9.0 -> 0.25; 1 2 3 4 -> (2 + 3) / 2 */
    cr_assert_float_eq(timing_median(odd, 5), 0.25, 1e-12, "the median ignores the outlier 9.0");
    cr_assert_float_eq(timing_median(even, 4), 2.5, 1e-12, "an even count averages the middle two");
}

Test(flags, quick_shortens_epochs_unless_they_are_given)
{
    flags_t f = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "o"};
    cr_assert_eq(flags_parse(&f, 2, (char *[]){"prog", "--quick"}, "test", NULL, 0), 0);
    cr_assert_eq(f.epochs, 2, "--quick alone uses quick_epochs (got %d)", f.epochs);
    flags_t g = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "o"};
    cr_assert_eq(flags_parse(&g, 4, (char *[]){"prog", "--quick", "--epochs", "10"}, "test", NULL, 0), 0);
    cr_assert_eq(g.epochs, 10, "an explicit --epochs wins over --quick, even when it equals the default (got %d)", g.epochs);
}

/* The same quoting for the confusion-matrix figure (moved to common/ by chapter 07): a quote in
 * the title or a class name, and a crafted name, stay text. */
Test(plot, confusion_titles_and_class_names_are_escaped)
{
    char path[4096];
    char *dir = tmpdir();
    const long cm[4] = {5, 1, 2, 7};
    const char *names[2] = {"Bob's shirt", "x'; system('touch PWNED'); print '"};
    cr_assert_eq(plot_confusion(dir, "conf's", cm, 2, names, "it's confusing"), 0,
                 "a quote in a title or a class name must not break the figure");
    cr_assert(io_exists(io_join(path, dir, "conf's.png")), "the image is there");
    cr_assert(!io_exists(io_join(path, dir, "PWNED")), "a crafted class name ran a command");
}
