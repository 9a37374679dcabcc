/* io.c — see io.h. */
#define _GNU_SOURCE /* strtof_l */
#include "io.h"

#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int io_mkdirs(const char *path)
{
    char buf[4096];
    if (!path)
        return -1; /* a failed io_join, already reported */
    if (!*path) {
        nn_error("pass a directory name, e.g. out/01 (the course's programs take it from --out)", "io_mkdirs: empty directory name: expected a path");
        return -1;
    }
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        nn_error("use a shorter directory name (the course's programs: --out)", "path too long: %.80s...", path);
        return -1;
    }
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                nn_error("check the directory and its permissions (the course's programs: --out)", "cannot create directory %s: %s",
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
    int n = snprintf(buf, 4096, "%s/%s", dir, name);
    if (n < 0 || n >= 4096) {
        nn_error("use a shorter directory name (the course's programs: --out, --data)", "path too long: %.80s.../%s is %d bytes: expected "
                 "at most 4095", dir, name, n);
        buf[0] = '\0';
        return NULL;
    }
    return buf;
}

int io_read_all(char **data, size_t *len, const char *path, size_t max_bytes)
{
    *data = NULL, *len = 0;
    if (!path)
        return -1; /* a failed io_join, already reported */
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        nn_error("check the path (is it a file, not a directory?) and its permissions", "cannot read %s: %s",
                 path, f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        nn_error("use a smaller file, or raise the limit this program passes", "%s is %lld bytes: expected at "
                 "most %zu", path, (long long)st.st_size, max_bytes);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = nn_malloc(n + 1);
    size_t got = fread(buf, 1, n, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != n) {
        nn_error("was the file changed while it was read?", "cannot read %s: expected %zu bytes, got %zu", path, n,
                 got);
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *data = buf, *len = n;
    return 0;
}

int io_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
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

/* Temporary names are <target>.tmp.<pid>.<thread id>.<counter>: unique between processes, threads
 * and successive writers of one thread. The counter is the module's only state (atomic). */
static atomic_ulong tmp_counter;

const char *io_tmp_suffix(char *buf)
{
    snprintf(buf, IO_TMP_SUFFIX_MAX, ".tmp.%ld.%ld.%lu", (long)getpid(), (long)syscall(SYS_gettid),
             atomic_fetch_add(&tmp_counter, 1));
    return buf;
}

int io_create(io_file_t *out, const char *path)
{
    char suffix[IO_TMP_SUFFIX_MAX];
    memset(out, 0, sizeof *out);
    if (!path)
        return -1; /* a failed io_join, already reported */
    if (snprintf(out->path, sizeof out->path, "%s", path) >= (int)sizeof out->path ||
        snprintf(out->tmp, sizeof out->tmp, "%s%s", path, io_tmp_suffix(suffix)) >= (int)sizeof out->tmp) {
        nn_error("use a shorter directory name (the course's programs: --out)", "path too long: %.80s...", path);
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
    int fd = open(out->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); /* never someone else's file */
    out->f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !out->f)
        close(fd), remove(out->tmp);
    if (!out->f) {
        nn_error("check that the output directory is writable", "cannot write %s: %s", out->tmp,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int io_commit(io_file_t *out)
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

void io_abort(io_file_t *out)
{
    if (out->f)
        fclose(out->f);
    out->f = NULL;
    remove(out->tmp);
}

/* The C locale, made once: newlocale allocates, and pthread_once makes the first use safe when
 * several threads read files at once. It lives as long as the process. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_new(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static locale_t io_c_locale(void)
{
    pthread_once(&c_locale_once, c_locale_new);
    if (c_locale == (locale_t)0)
        nn_fatal(NULL, "newlocale(\"C\") failed: out of memory");
    return c_locale;
}

float io_strtof(const char *s, char **end) { return strtof_l(s, end, io_c_locale()); }

/* printf has no _l variant: switch this thread's locale around the call (uselocale touches only
 * the calling thread) and put back whatever it was. */
int io_fprintf(FILE *f, const char *fmt, ...)
{
    locale_t old = uselocale(io_c_locale());
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    uselocale(old);
    return n;
}

int io_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    locale_t old = uselocale(io_c_locale());
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    uselocale(old);
    return n;
}
