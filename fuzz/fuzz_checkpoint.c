/* fuzz_checkpoint.c — checkpoint_load on any bytes. The n and tag the caller expects are taken
 * from the input's own header (capped), so the fuzzer gets past the architecture check to the
 * parameters, the CRC and the trailing bytes; a fixed expectation (4 floats, "t") runs too. */
#include "fuzz.h"

#include "checkpoint.h"

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int fuzz_checkpoint(const uint8_t *data, size_t size)
{
    const char *path = fuzz_as_file(data, size);
    size_t n = size >= 16 ? (size_t)le(data + 8, 8) : 4;
    if (n > (1u << 16))
        n = 4;
    char tag[CHECKPOINT_TAG_MAX + 1] = "t";
    if (size >= 20) {
        size_t len = (size_t)le(data + 16, 4);
        if (len <= CHECKPOINT_TAG_MAX && 20 + len <= size) {
            memcpy(tag, data + 20, len);
            tag[len] = '\0';
        }
    }
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        p[i] = 7;
    if (checkpoint_load(p, n, path, tag) != 0)
        for (size_t i = 0; i < n; i++)
            FUZZ_ASSERT(p[i] == 7); /* on any error the destination is unchanged */
    float q[4];
    (void)checkpoint_load(q, 4, path, "t");
    free(p);
    return 0;
}

FUZZ_ENTRY(fuzz_checkpoint)
