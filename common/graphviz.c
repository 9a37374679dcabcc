/* graphviz.c — see graphviz.h. */
#include "graphviz.h"

#include "error.h"
#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const HINT_DOT = "install Graphviz with apt-get install graphviz (or run make deps); "
                                    "the graph's DOT source is written beside, to draw it later";

/* Run `dot -T<format> name.dot -o name.<format>.tmp` inside dir. 0 if it exited cleanly,
 * 127 if dot is not installed, another value if it failed. */
static int run_dot(const char *dir, const char *dotfile, const char *format, const char *out)
{
    char fmt[32];
    snprintf(fmt, sizeof fmt, "-T%s", format);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        execlp("dot", "dot", fmt, dotfile, "-o", out, (char *)NULL);
        _exit(127); /* exec failed: dot is not installed */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int graphviz_render(const char *dir, const char *name, const char *dot_source)
{
    char path[4096], file[256];
    snprintf(file, sizeof file, "%s.dot", name);
    io_file f;
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
            remove(io_join(tpath, dir, tmp));
            nn_error("dot printed its complaint above; the DOT source is in the .dot file",
                     "dot failed on %s/%s (exit status %d)", dir, file, rc);
            return -1;
        }
        if (rename(io_join(tpath, dir, tmp), io_join(fpath, dir, final)) != 0) {
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
