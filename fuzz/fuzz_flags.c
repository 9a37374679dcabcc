/* fuzz_flags.c — flags_parse on any command line: the input split at NUL bytes into at most 32
 * arguments, with an option of every type. It must return 0, 1 or -1 and never exit. */
#include "fuzz.h"

#include "flags.h"

int fuzz_flags(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[34] = {"prog"};
    int argc = 1;
    for (size_t i = 0; i <= size && argc < 33;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    flags_t f = {.epochs = 10, .quick_epochs = 1, .seed = 1, .out = "out/xx"};
    int i = 3, sw = 0;
    float x = 0.5f;
    const char *s = NULL;
    flags_option_t extra[] = {{"--int", FLAGS_INT, &i, "an int"}, {"--lr", FLAGS_FLOAT, &x, "a float"},
                               {"--name", FLAGS_STRING, &s, "a string"}, {"--on", FLAGS_SWITCH, &sw, "a switch"}};
    int rc = flags_parse(&f, argc, argv, "fuzz", extra, 4);
    FUZZ_ASSERT(rc == 0 || rc == 1 || rc == -1);
    if (rc == 0) {
        FUZZ_ASSERT(f.epochs >= 1 && f.epochs <= 1000000 && f.out != NULL);
        FUZZ_ASSERT(x == x); /* finite or parsing refused it */
    }
    free(copy);
    return 0;
}

FUZZ_ENTRY(fuzz_flags)
