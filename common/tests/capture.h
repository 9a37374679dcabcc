/* capture.h — run a function in a child process and capture what it prints to stderr and how it
 * exits: lets a test check the text of an error message as well as the exit status. */
#ifndef TEST_CAPTURE_H
#define TEST_CAPTURE_H

#include "parallel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(arg) in a child; returns its exit status (fn returning counts as status 0, a signal as
 * 128 + signal) and fills buf with up to n-1 bytes of its stderr. */
static inline int capture_stderr(void (*fn)(void *), void *arg, char *buf, size_t n)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDERR_FILENO);
        fn(arg);
        fflush(NULL);
        _exit(0);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t k;
    while (got + 1 < n && (k = read(fd[0], buf + got, n - 1 - got)) > 0)
        got += (size_t)k;
    buf[got] = '\0';
    char sink[256];
    while (read(fd[0], sink, sizeof sink) > 0) {}
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs fn(out, n) in a forked child that sets NN_THREADS=1 first (a child starts its own thread
 * pool, which reads it: parallel.h) and copies the child's n floats back into out: the one-thread
 * result, to compare with the parent's on all threads. Returns 0; -1 if the child failed or ran
 * on more than one thread (then out is not filled). */
static inline int capture_one_thread(void (*fn)(float *, size_t), float *out, size_t n)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        setenv("NN_THREADS", "1", 1);
        fn(out, n);
        ssize_t w = write(fd[1], out, n * sizeof(float));
        _exit(parallel_threads() == 1 && w == (ssize_t)(n * sizeof(float)) ? 0 : 1);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t k;
    while (got < n * sizeof(float) && (k = read(fd[0], (char *)out + got, n * sizeof(float) - got)) > 0)
        got += (size_t)k;
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == n * sizeof(float) ? 0 : -1;
}

#endif
