/* io.c — see io.h. */
#include "io.h"

#include "error.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int io_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        nn_error("use a shorter --out directory", "path too long: %.80s...", path);
        return -1;
    }
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                nn_error("check the --out directory and its permissions", "cannot create directory %s: %s",
                         buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

const char *io_join(char *buf, const char *dir, const char *name)
{
    if (snprintf(buf, 4096, "%s/%s", dir, name) >= 4096)
        nn_fatal("use a shorter directory", "path too long: %.80s/%s", dir, name);
    return buf;
}

int io_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int io_run_in(const char *dir, char *const argv[])
{
    fflush(NULL); /* or the child would write our buffered output a second time */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127); /* exec failed: the program is not installed */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int io_create(io_file *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (snprintf(out->path, sizeof out->path, "%s", path) >= (int)sizeof out->path ||
        snprintf(out->tmp, sizeof out->tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof out->tmp) {
        nn_error("use a shorter --out directory", "path too long: %.80s...", path);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (io_mkdirs(dir) != 0)
            return -1;
    }
    out->f = fopen(out->tmp, "w");
    if (!out->f) {
        nn_error("check that the output directory is writable", "cannot write %s: %s", out->tmp,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int io_commit(io_file *out)
{
    int bad = ferror(out->f);
    bad |= fflush(out->f) != 0;
    bad |= fsync(fileno(out->f)) != 0 && errno != EINVAL;
    bad |= fclose(out->f) != 0;
    out->f = NULL;
    if (bad || rename(out->tmp, out->path) != 0) {
        nn_error("is the disk full?", "could not finish writing %s: %s", out->path, strerror(errno));
        remove(out->tmp);
        return -1;
    }
    return 0;
}

void io_abort(io_file *out)
{
    if (out->f)
        fclose(out->f);
    out->f = NULL;
    remove(out->tmp);
}
