/* fuzz_idx.c — idx_read on any bytes, plain or gzipped (zlib reads both). */
#include "fuzz.h"

#include "idx.h"

int fuzz_idx(const uint8_t *data, size_t size)
{
    const char *path = fuzz_as_file(data, size);
    /* the ndim the caller asks for: the magic's own last byte for a plain file (so 0 and > 4 are
     * tried too), the course's 1 and 3 for a gzipped one */
    int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    int tries[2] = {gz ? 1 : (size >= 4 ? data[3] : 1), gz ? 3 : 0};
    for (int t = 0; t < 2 && tries[t]; t++) {
        idx_array_t a;
        if (idx_read(&a, path, tries[t]) == 0) {
            FUZZ_ASSERT(a.ndim == tries[t] && a.data && a.count >= 1);
            size_t prod = 1;
            for (int i = 0; i < a.ndim; i++)
                prod *= (size_t)a.dims[i];
            FUZZ_ASSERT(prod == a.count);
            volatile unsigned char sink = a.data[a.count - 1]; /* every promised byte is there */
            (void)sink;
            idx_free(&a);
        } else {
            FUZZ_ASSERT(a.data == NULL && a.count == 0);
        }
    }
    return 0;
}

FUZZ_ENTRY(fuzz_idx)
