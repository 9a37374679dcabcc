/* fuzz_text.c — the corpus check, then both vocabularies: encode and decode must give the text
 * back exactly (decode(encode(t)) == t) for every text the check accepts. */
#include "fuzz.h"

#include "text.h"

int fuzz_text(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *path = fuzz_as_file(data, size);
    text_t t;
    int ok = text_read(&t, path, 1) == 0;
    FUZZ_ASSERT(ok == (text_check(s, size, "fuzz", 1) == 0));
    if (!ok)
        return 0;
    FUZZ_ASSERT(t.len == size && memcmp(t.data, data, size) == 0 && t.data[size] == '\0');
    for (int level = TEXT_BYTES; level <= TEXT_CHARS; level++) {
        text_vocab_t v;
        FUZZ_ASSERT(text_vocab_build(&v, t.data, t.len, (text_level_t)level) == 0);
        FUZZ_ASSERT(v.size >= 1);
        for (int i = 1; i < v.size; i++)
            FUZZ_ASSERT(v.symbols[i - 1] < v.symbols[i]);
        long n = text_count(&v, t.data, t.len);
        FUZZ_ASSERT(n >= 1 && (size_t)n <= t.len);
        int *ids = malloc((size_t)n * sizeof *ids);
        FUZZ_ASSERT(text_encode(ids, (size_t)n, &v, t.data, t.len) == n);
        for (long i = 0; i < n; i++)
            FUZZ_ASSERT(ids[i] >= 0 && ids[i] < v.size && text_vocab_id(&v, v.symbols[ids[i]]) == ids[i]);
        char *back = malloc(4 * (size_t)n + 1);
        FUZZ_ASSERT(text_decode(back, 4 * (size_t)n + 1, &v, ids, (size_t)n) == (long)t.len);
        FUZZ_ASSERT(memcmp(back, t.data, t.len) == 0);
        free(back);
        free(ids);
        text_vocab_free(&v);
    }
    text_free(&t);
    return 0;
}

FUZZ_ENTRY(fuzz_text)
