/* plot.c — see plot.h. */
#include "plot.h"

#include "error.h"
#include "io.h"

#include <stdio.h>
#include <string.h>

static const char *const HINT_GNUPLOT = "install gnuplot with apt-get install gnuplot-nox (or run "
                                        "make deps); the numbers themselves are in the CSV log";

/* Run `gnuplot -e "suffix='...'" script` inside dir; 0 if it exited cleanly, else -1 after
 * reporting. */
static int run_gnuplot(const char *dir, const char *script, const char *suffix)
{
    char set[128];
    snprintf(set, sizeof set, "suffix='%s'", suffix); /* digits and dots only: nothing to quote */
    int status = io_run_in(dir, (char *[]){"gnuplot", "-e", set, (char *)script, NULL});
    if (status == 127) {
        nn_error(HINT_GNUPLOT, "cannot draw %s/%s: gnuplot is not installed", dir, script);
        return -1;
    }
    if (status != 0) {
        nn_error("gnuplot printed its complaint above; fix the plot commands in the .gp file",
                 "gnuplot failed on %s/%s", dir, script);
        return -1;
    }
    return 0;
}

/* s as the inside of a gnuplot single-quoted string, into dst (n bytes). Inside single quotes
 * gnuplot expands nothing (no `command`, no @macro, no backslash escapes); the one special
 * character is the quote itself, written twice. A line break cannot be quoted at all, so control
 * characters are refused. Returns 0, or -1 after reporting (`what` names the argument). */
static int gp_quote(char *dst, size_t n, const char *s, const char *what)
{
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            nn_error("use a name without line breaks or other control characters",
                     "plot: the %s \"%.60s\" contains control character 0x%02x: expected printable text", what, s,
                     *p);
            return -1;
        }
        if (j + 3 > n) {
            nn_error("use a shorter name or title", "plot: the %s \"%.60s...\" is too long: expected at most %zu "
                     "bytes once quoted", what, s, n - 1);
            return -1;
        }
        if (*p == '\'')
            dst[j++] = '\'';
        dst[j++] = (char)*p;
    }
    dst[j] = '\0';
    return 0;
}

/* Rename dir/<name><ext><suffix> to dir/<name><ext>. */
static int rename_in(const char *dir, const char *name, const char *ext, const char *suffix)
{
    char a[512], b[512], pa[4096], pb[4096];
    snprintf(a, sizeof a, "%s%s%s", name, ext, suffix);
    snprintf(b, sizeof b, "%s%s", name, ext);
    if (!io_join(pa, dir, a) || !io_join(pb, dir, b))
        return -1;
    if (rename(pa, pb) != 0) {
        nn_error("did gnuplot write the image? Run the .gp script by hand to see", "cannot rename %s to %s", pa, pb);
        return -1;
    }
    return 0;
}

int plot_render(const char *dir, const char *name, int width, int height, const char *body)
{
    char path[4096], gp[256], qname[512];
    if (snprintf(gp, sizeof gp, "%s.gp", name) >= (int)sizeof gp) {
        nn_error("use a shorter figure name", "plot_render: figure name \"%.60s...\" is too long: expected at "
                 "most %zu bytes", name, sizeof gp - 4);
        return -1;
    }
    if (gp_quote(qname, sizeof qname, name, "figure name") != 0 || !io_join(path, dir, gp))
        return -1;
    io_file_t f;
    if (io_create(&f, path) != 0)
        return -1;
    /* plot_render runs the script with a unique `suffix` (io_tmp_suffix), so both images are
     * written under temporary names that no concurrent run shares, and renames them here in C
     * (no shell command in the script) once gnuplot has succeeded. Re-run by hand, suffix is
     * empty and the script writes the images directly. */
    fprintf(f.f,
            "# %s.gp — drawn by the course's plot_render(); re-run with: gnuplot '%s.gp'\n"
            "if (!exists(\"suffix\")) suffix = ''\n"
            "set terminal svg size %d,%d dynamic enhanced font 'sans,13' background rgb 'white'\n"
            "set output '%s.svg'.suffix\n"
            "set datafile separator ','\n"
            "set grid lc rgb '#dddddd'\n"
            "set border lc rgb '#555555'\n"
            "%s\n"
            "set terminal pngcairo size %d,%d enhanced font 'sans,11' background rgb 'white'\n"
            "set output '%s.png'.suffix\n"
            "%s\n"
            "unset output\n",
            name, qname, width, height, qname, body, width, height, qname, body);
    if (io_commit(&f) != 0)
        return -1;
    char suffix[IO_TMP_SUFFIX_MAX];
    io_tmp_suffix(suffix);
    if (run_gnuplot(dir, gp, suffix) != 0) {
        char tmp[4096], t[640];
        snprintf(t, sizeof t, "%s.svg%s", name, suffix);
        if (io_join(tmp, dir, t))
            remove(tmp);
        snprintf(t, sizeof t, "%s.png%s", name, suffix);
        if (io_join(tmp, dir, t))
            remove(tmp);
        return -1;
    }
    if (rename_in(dir, name, ".svg", suffix) != 0 || rename_in(dir, name, ".png", suffix) != 0)
        return -1;
    return 0;
}

int plot_curves(const char *dir, const char *name, const char *csv, const char *title,
                const char *xlabel, const char *ylabel, const char *x, const char *const *series)
{
    char body[8192], qt[512], qx[512], qy[512], qcsv[1024], qcol[512];
    if (gp_quote(qt, sizeof qt, title, "title") || gp_quote(qx, sizeof qx, xlabel, "x label") ||
        gp_quote(qy, sizeof qy, ylabel, "y label") || gp_quote(qcsv, sizeof qcsv, csv, "CSV file name") ||
        gp_quote(qcol, sizeof qcol, x, "x column"))
        return -1;
    int n = snprintf(body, sizeof body, "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\nset key top right\nplot ",
                     qt, qx, qy);
    for (int i = 0; series[i] && n < (int)sizeof body; i++) {
        char column[256], qc[512], qtitle[512];
        const char *colon = strchr(series[i], ':');
        snprintf(column, sizeof column, "%.*s", colon ? (int)(colon - series[i]) : (int)strlen(series[i]),
                 series[i]);
        if (gp_quote(qc, sizeof qc, column, "series column") ||
            gp_quote(qtitle, sizeof qtitle, colon ? colon + 1 : column, "series title"))
            return -1;
        n += snprintf(body + n, sizeof body - (size_t)n, "%s'%s' using '%s':'%s' with lines lw 2 title '%s'",
                      i ? ", " : "", qcsv, qcol, qc, qtitle);
    }
    if (n >= (int)sizeof body) {
        nn_error("plot fewer series at once", "plot_curves: the plot command for %s is too long: expected at "
                 "most %zu bytes", name, sizeof body - 1);
        return -1;
    }
    return plot_render(dir, name, 800, 500, body);
}

int plot_confusion(const char *dir, const char *name, const long *cm, int K, const char *const *names,
                   const char *title)
{
    char path[4096], file[256], qfile[512], qtitle[512];
    io_file_t out;
    if (snprintf(file, sizeof file, "%s.csv", name) >= (int)sizeof file) {
        nn_error("use a shorter figure name", "plot_confusion: figure name \"%.60s...\" is too long: expected at "
                 "most %zu bytes", name, sizeof file - 5);
        return -1;
    }
    if (gp_quote(qfile, sizeof qfile, file, "figure name") || gp_quote(qtitle, sizeof qtitle, title, "title"))
        return -1;
    if (io_create(&out, io_join(path, dir, file)) != 0)
        return -1;
    for (int t = 0; t < K; t++) { /* row-normalized: the fraction of class t predicted as p */
        long row = 0;
        for (int p = 0; p < K; p++)
            row += cm[t * K + p];
        for (int p = 0; p < K; p++)
            io_fprintf(out.f, "%d,%d,%ld,%.4f\n", p, t, cm[t * K + p], row ? (double)cm[t * K + p] / row : 0);
    }
    if (io_commit(&out) != 0)
        return -1;
    char body[16384];
    int len = io_snprintf(body, sizeof body, /* gnuplot reads 9.5, not 9,5 */
                       "set title '%s'\nunset key\nset size ratio -1\nset xrange [-0.5:%g]\nset yrange [%g:-0.5]\n"
                       "set xlabel 'predicted'\nset ylabel 'true'\nset palette defined (0 'white', 0.1 '#fee8c8', "
                       "0.5 '#fc8d59', 1 '#b30000')\nset cbrange [0:1]\nset xtics rotate by 45 right font ',9'\n"
                       "set ytics font ',9'\n", qtitle, K - 0.5, K - 0.5);
    for (int axis = 0; axis < 2 && len < (int)sizeof body; axis++) {
        len += snprintf(body + len, sizeof body - (size_t)len, "set %stics (", axis ? "y" : "x");
        for (int k = 0; k < K && len < (int)sizeof body; k++) {
            char qn[512];
            if (gp_quote(qn, sizeof qn, names[k], "class name"))
                return -1;
            len += snprintf(body + len, sizeof body - (size_t)len, "%s'%s' %d", k ? ", " : "", qn, k);
        }
        if (len < (int)sizeof body)
            len += snprintf(body + len, sizeof body - (size_t)len, ")\n");
    }
    if (len < (int)sizeof body)
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "plot '%s' using 1:2:4 with image, '' using 1:2:(sprintf('%%d', $3)) with labels font ',8'",
                        qfile);
    if (len >= (int)sizeof body) { /* checked before every append: no write past the buffer */
        nn_error("use fewer or shorter class names", "plot_confusion: the plot commands for %d classes are too "
                 "long: expected at most %zu bytes", K, sizeof body - 1);
        return -1;
    }
    return plot_render(dir, name, 800, 720, body);
}
