/* contain: run a command, then kill every process it left behind; optionally time it out.
 *
 *     contain [-t SECONDS] COMMAND [ARG...]
 *
 * The grader runs code it does not trust: a student's exercise (or a cheat attempt) that forks
 * and lets the parent return can leave a chain of processes that outlives the test binary, each
 * one forking again on the next call of the exercise. Such a chain once ran for hours on a CI
 * machine and slowed everything after it fifty-fold. contain makes itself the "child subreaper"
 * (prctl(PR_SET_CHILD_SUBREAPER)): any descendant whose parent exits is re-parented to contain,
 * not to init. When COMMAND exits (or SECONDS pass), contain SIGKILLs each child it still has,
 * reaps, and repeats until none is left; a chain cannot outrun that, since a killed process
 * forks no more and its children come to contain in turn.
 *
 * The exit status is COMMAND's (128+N when signal N killed it), 124 on the time-out, 125 for a
 * usage error, 127 when COMMAND cannot run. SIGINT, SIGTERM and SIGHUP sent to contain end
 * COMMAND and its leftovers the same way. Linux only (the subreaper is a Linux feature).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal; /* SIGALRM for the time-out, else the signal received */

static void on_signal(int sig) { stop_signal = sig; }

/* SIGKILL every process whose parent is this one (read from /proc/PID/stat: "pid (comm) S ppid"). */
static void kill_children(void) {
    DIR *proc = opendir("/proc");
    if (!proc) return;
    pid_t self = getpid();
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        char path[300], buf[512];
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *close_paren = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
        char state;
        int ppid;
        if (close_paren && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == self)
            kill((pid_t)atoi(e->d_name), SIGKILL);
    }
    closedir(proc);
}

/* Kill and reap until no child is left (waitpid says ECHILD). */
static void kill_leftovers(void) {
    for (;;) {
        kill_children();
        pid_t p;
        while ((p = waitpid(-1, NULL, WNOHANG)) > 0) {}
        if (p < 0 && errno == ECHILD) return;
        usleep(1000);
    }
}

int main(int argc, char **argv) {
    int arg = 1;
    unsigned seconds = 0;
    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        char *end;
        long t = strtol(argv[2], &end, 10);
        if (*end != '\0' || t <= 0 || t > 86400) {
            fprintf(stderr, "contain: -t wants a whole number of seconds (1 to 86400), got '%s'\n", argv[2]);
            return 125;
        }
        seconds = (unsigned)t;
        arg = 3;
    }
    if (arg >= argc) {
        fprintf(stderr, "usage: contain [-t SECONDS] COMMAND [ARG...]\n");
        return 125;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) perror("contain: prctl(PR_SET_CHILD_SUBREAPER)");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waitpid returns EINTR and the loop sees the flag */
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t child = fork();
    if (child < 0) {
        perror("contain: fork");
        return 127;
    }
    if (child == 0) {
        signal(SIGALRM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp(argv[arg], argv + arg);
        fprintf(stderr, "contain: cannot run %s: %s\n", argv[arg], strerror(errno));
        _exit(127);
    }
    if (seconds) alarm(seconds);

    int status = 0, result = -1;
    while (result < 0 && !stop_signal) {
        pid_t p = waitpid(-1, &status, 0);
        if (p == child)
            result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        else if (p < 0 && errno == ECHILD)
            break; /* cannot happen before the child is reaped; a guard against looping forever */
    }
    if (result < 0) { /* stopped by the time-out or a signal: the command goes too */
        kill(child, SIGKILL);
        if (stop_signal == SIGALRM)
            fprintf(stderr, "contain: %s ran past %u s and was killed\n", argv[arg], seconds);
        result = stop_signal == SIGALRM ? 124 : 128 + stop_signal;
    }
    kill_leftovers();
    return result;
}
