/* idx.c — see idx.h. */
#include "idx.h"

#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The most values an IDX file of this course may hold (4 GiB of bytes). */
#define IDX_MAX_VALUES ((size_t)1 << 32)

static const char *const HINT_REINSTALL =
    "the file is damaged or is not an IDX file; reinstall it with "
    "apt-get install --reinstall dataset-fashion-mnist, or read it from the right directory (the course's "
    "programs: --data DIR)";

static int read_exact(gzFile f, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
        int got = gzread(f, p, (unsigned)chunk);
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

static unsigned be32(const unsigned char *b)
{
    return (unsigned)b[0] << 24 | (unsigned)b[1] << 16 | (unsigned)b[2] << 8 | b[3];
}

/* After a short read: if zlib saw damage (a bad CRC, a broken or cut deflate stream), say so;
 * zlib may find it on any read, the first one included, since it decodes ahead. Returns 1 if it
 * reported. */
static int corrupt(gzFile f, const char *path, const char *where)
{
    int zerr = Z_OK;
    const char *msg = gzerror(f, &zerr);
    if (zerr >= 0)
        return 0;
    nn_error(HINT_REINSTALL, "%s: corrupt or truncated compressed data while reading %s: %s (expected a "
             "gzip stream that ends with a matching CRC-32)", path, where, msg ? msg : "?");
    return 1;
}

static int fail(gzFile f, idx_array_t *out)
{
    gzclose(f);
    idx_free(out);
    return -1;
}

int idx_read(idx_array_t *out, const char *path, int ndim)
{
    memset(out, 0, sizeof *out);
    if (ndim < 1 || ndim > 4) {
        nn_error("IDX files of this course have 1 (labels) to 4 dimensions; pass the number the file "
                 "should have", "idx_read(%s): ndim is %d: expected 1 .. 4", path, ndim);
        return -1;
    }
    gzFile f = gzopen(path, "rb");
    if (!f) {
        nn_error("install Fashion-MNIST with apt-get install dataset-fashion-mnist (it lands in "
                 "/usr/share/datasets/fashion-mnist), or read it from another directory (the course's programs: --data DIR)",
                 "cannot open %s: %s", path, errno ? strerror(errno) : "not found");
        return -1;
    }
    unsigned char head[4 + 4 * 4];
    if (read_exact(f, head, 4) != 0) {
        if (!corrupt(f, path, "the magic number"))
            nn_error(HINT_REINSTALL, "%s: file too short: expected a 4-byte IDX magic number", path);
        return fail(f, out);
    }
    unsigned magic = be32(head), want = 0x00000800u | (unsigned)ndim;
    if (magic != want) {
        nn_error(HINT_REINSTALL,
                 "%s: wrong IDX magic number: expected 0x%08x (unsigned bytes, %d dimension%s), got 0x%08x",
                 path, want, ndim, ndim == 1 ? "" : "s", magic);
        return fail(f, out);
    }
    if (read_exact(f, head + 4, 4 * (size_t)ndim) != 0) {
        if (!corrupt(f, path, "the header"))
            nn_error(HINT_REINSTALL, "%s: truncated header: expected %d dimension sizes after the magic",
                 path, ndim);
        return fail(f, out);
    }
    out->ndim = ndim;
    out->count = 1;
    for (int i = 0; i < ndim; i++) {
        unsigned d = be32(head + 4 + 4 * i);
        if (d == 0 || d > (1u << 28)) {
            nn_error(HINT_REINSTALL, "%s: dimension %d has size %u: expected 1 .. 2^28", path, i, d);
            return fail(f, out);
        }
        out->dims[i] = (int)d;
        /* check before multiplying: 2^28 x 2^28 x 256 would wrap around to 0 */
        if (out->count > IDX_MAX_VALUES / d) {
            nn_error(HINT_REINSTALL, "%s: the dimension sizes multiply to more than 2^32 values (at dimension "
                     "%d, size %u): expected at most 2^32, more than any IDX file of this course holds", path, i, d);
            return fail(f, out);
        }
        out->count *= d;
    }
    /* The buffer grows with the data actually read (doubling, up to count): a 16-byte header that
     * promises 4 GiB costs a small allocation and a "truncated" message, not 4 GiB. */
    size_t cap = out->count < ((size_t)1 << 20) ? out->count : ((size_t)1 << 20), have = 0;
    out->data = nn_malloc(cap);
    int got = 0;
    while (have < out->count) {
        if (have == cap) {
            cap = cap > out->count / 2 ? out->count : 2 * cap;
            unsigned char *bigger = realloc(out->data, cap);
            if (!bigger)
                nn_fatal("close other programs", "out of memory: could not grow to %zu bytes", cap);
            out->data = bigger;
        }
        size_t want = cap - have > (1u << 30) ? (1u << 30) : cap - have;
        if ((got = gzread(f, out->data + have, (unsigned)want)) <= 0)
            break;
        have += (size_t)got;
    }
    if (corrupt(f, path, "the data"))
        return fail(f, out);
    if (got < 0) {
        nn_error(HINT_REINSTALL, "%s: read error after %zu of %zu bytes of data", path, have, out->count);
        return fail(f, out);
    }
    if (have < out->count) {
        nn_error(HINT_REINSTALL, "%s: truncated: the header promises %zu bytes of data, the file has %zu",
                 path, out->count, have);
        return fail(f, out);
    }
    unsigned char extra;
    got = gzread(f, &extra, 1); /* also where zlib checks the gzip trailer's CRC and length */
    if (corrupt(f, path, "the end of the file"))
        return fail(f, out);
    if (got < 0) {
        nn_error(HINT_REINSTALL, "%s: read error after the %zu bytes of data", path, out->count);
        return fail(f, out);
    }
    if (got > 0) {
        nn_error(HINT_REINSTALL, "%s: longer than its header says (%zu bytes of data expected)", path,
                 out->count);
        return fail(f, out);
    }
    gzclose(f);
    return 0;
}

void idx_free(idx_array_t *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
