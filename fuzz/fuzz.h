/* fuzz.h — what the harnesses share. Each fuzz/fuzz_NAME.c defines
 *
 *   int fuzz_NAME(const uint8_t *data, size_t size);
 *
 * which feeds one input to a parser of outside input and abort()s when an invariant the parser
 * promises does not hold (the sanitizers catch the rest). Built with -DNN_LIBFUZZER, the file also
 * defines libFuzzer's entry point; without it (common/tests/test_fuzz_regress.c includes every
 * harness) `make check` runs the committed seeds and crash inputs through the same code in a
 * normal build. */
#ifndef NN_FUZZ_H
#define NN_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A file holding exactly data[0 .. size): for parsers that take a path. An in-memory file
 * (memfd) opened once, named /proc/self/fd/N, rewritten for every input: no disk traffic. */
static inline const char *fuzz_as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    return path;
}

/* Stop an invariant violation loudly: the fuzzer saves the input. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#ifdef NN_LIBFUZZER
/* The library reports every rejected input on stderr: millions of paragraphs. Send stdio's
 * stdout/stderr to /dev/null; the sanitizers and libFuzzer write to the file descriptor / their
 * own FILE saved before this runs, so crash reports still appear. */
#define FUZZ_ENTRY(fn)                                                                             \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                                              \
    {                                                                                              \
        (void)argc, (void)argv;                                                                    \
        FILE *null = fopen("/dev/null", "w");                                                      \
        if (null)                                                                                  \
            stdout = null, stderr = null;                                                          \
        return 0;                                                                                  \
    }                                                                                              \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fn(data, size); }
#else
#define FUZZ_ENTRY(fn)
#endif

#endif
