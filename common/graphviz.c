/* graphviz.c — see graphviz.h. */
#include "graphviz.h"

#include "error.h"
#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const HINT_DOT = "install Graphviz with apt-get install graphviz (or run make deps); "
                                    "the graph's DOT source is written beside, to draw it later";

/* Run `dot -T<format> dotfile -o out` inside dir: io_run_in's status (127: dot is missing). */
static int run_dot(const char *dir, const char *dotfile, const char *format, const char *out)
{
    char fmt[32];
    snprintf(fmt, sizeof fmt, "-T%s", format);
    return io_run_in(dir, (char *[]){"dot", fmt, (char *)dotfile, "-o", (char *)out, NULL});
}

int graphviz_render(const char *dir, const char *name, const char *dot_source)
{
    char path[4096], file[256];
    if (snprintf(file, sizeof file, "%s.dot", name) >= (int)sizeof file) {
        nn_error("use a shorter figure name", "graphviz_render: name \"%.60s...\" is too long: expected at most "
                 "%zu bytes", name, sizeof file - 5);
        return -1;
    }
    io_file_t f;
    if (io_create(&f, io_join(path, dir, file)) != 0)
        return -1;
    fputs(dot_source, f.f);
    if (io_commit(&f) != 0)
        return -1;
    const char *formats[2] = {"svg", "png"};
    for (int i = 0; i < 2; i++) {
        char tmp[300], final[300], tpath[4096], fpath[4096];
        snprintf(tmp, sizeof tmp, "%s.%s.tmp", name, formats[i]);
        snprintf(final, sizeof final, "%s.%s", name, formats[i]);
        int rc = run_dot(dir, file, formats[i], tmp);
        if (rc == 127) {
            nn_error(HINT_DOT, "cannot draw %s/%s: Graphviz's dot is not installed", dir, file);
            return -1;
        }
        if (rc != 0) {
            if (io_join(tpath, dir, tmp))
                remove(tpath);
            nn_error("dot printed its complaint above; the DOT source is in the .dot file",
                     "dot failed on %s/%s (exit status %d)", dir, file, rc);
            return -1;
        }
        if (!io_join(tpath, dir, tmp) || !io_join(fpath, dir, final))
            return -1;
        if (rename(tpath, fpath) != 0) {
            nn_error("check that the output directory is writable", "cannot rename %s to %s: %s", tpath,
                     fpath, strerror(errno));
            return -1;
        }
    }
    return 0;
}

void graphviz_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}
