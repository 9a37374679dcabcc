/* plot.c — see plot.h. */
#include "plot.h"

#include "error.h"
#include "io.h"

#include <stdio.h>
#include <string.h>

static const char *const HINT_GNUPLOT = "install gnuplot with apt-get install gnuplot-nox (or run "
                                        "make deps); the numbers themselves are in the CSV log";

/* Run `gnuplot script` inside dir; 0 if it exited cleanly, else -1 after reporting. */
static int run_gnuplot(const char *dir, const char *script)
{
    int status = io_run_in(dir, (char *[]){"gnuplot", (char *)script, NULL});
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

int plot_render(const char *dir, const char *name, int width, int height, const char *body)
{
    char path[4096], gp[256];
    snprintf(gp, sizeof gp, "%s.gp", name);
    io_file f;
    if (io_create(&f, io_join(path, dir, gp)) != 0)
        return -1;
    fprintf(f.f,
            "# %s.gp — drawn by the course's plot_render(); re-run with: gnuplot %s.gp\n"
            "set terminal svg size %d,%d dynamic enhanced font 'sans,13' background rgb 'white'\n"
            "set output '%s.svg.tmp'\n"
            "set datafile separator ','\n"
            "set grid lc rgb '#dddddd'\n"
            "set border lc rgb '#555555'\n"
            "%s\n"
            "set terminal pngcairo size %d,%d enhanced font 'sans,11' background rgb 'white'\n"
            "set output '%s.png.tmp'\n"
            "%s\n"
            "unset output\n"
            "system('mv -f %s.svg.tmp %s.svg && mv -f %s.png.tmp %s.png')\n",
            name, name, width, height, name, body, width, height, name, body, name, name, name, name);
    if (io_commit(&f) != 0)
        return -1;
    return run_gnuplot(dir, gp);
}

int plot_curves(const char *dir, const char *name, const char *csv, const char *title,
                const char *xlabel, const char *ylabel, const char *x, const char *const *series)
{
    char body[4096];
    int n = snprintf(body, sizeof body,
                     "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\nset key top right\nplot ", title,
                     xlabel, ylabel);
    for (int i = 0; series[i] && n < (int)sizeof body; i++) {
        char column[128];
        const char *colon = strchr(series[i], ':');
        snprintf(column, sizeof column, "%.*s", colon ? (int)(colon - series[i]) : (int)strlen(series[i]),
                 series[i]);
        n += snprintf(body + n, sizeof body - (size_t)n, "%s'%s' using '%s':'%s' with lines lw 2 title '%s'",
                      i ? ", " : "", csv, x, column, colon ? colon + 1 : column);
    }
    if (n >= (int)sizeof body)
        nn_fatal("plot fewer series at once", "plot_curves: the plot command for %s is too long", name);
    return plot_render(dir, name, 800, 500, body);
}
