/* idx.c — see idx.h. */
#include "idx.h"

#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *const HINT_REINSTALL =
    "the file is damaged or is not an IDX file; reinstall it with "
    "apt-get install --reinstall dataset-fashion-mnist, or point --data at the right directory";

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

static int fail(gzFile f, idx_array *out)
{
    gzclose(f);
    idx_free(out);
    return -1;
}

int idx_read(const char *path, int ndim, idx_array *out)
{
    memset(out, 0, sizeof *out);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        nn_error("install Fashion-MNIST with apt-get install dataset-fashion-mnist (it lands in "
                 "/usr/share/datasets/fashion-mnist), or pass --data DIR",
                 "cannot open %s: %s", path, errno ? strerror(errno) : "not found");
        return -1;
    }
    unsigned char head[4 + 4 * 4];
    if (read_exact(f, head, 4) != 0) {
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
        out->count *= d;
    }
    if (out->count > ((size_t)1 << 32)) {
        nn_error(HINT_REINSTALL, "%s: %zu values is more than any IDX file of this course holds",
                 path, out->count);
        return fail(f, out);
    }
    out->data = nn_malloc(out->count);
    int got = 0;
    size_t have = 0;
    while (have < out->count && (got = gzread(f, out->data + have, (unsigned)(out->count - have > (1u << 30) ? (1u << 30) : out->count - have))) > 0)
        have += (size_t)got;
    if (got < 0) {
        int zerr;
        nn_error(HINT_REINSTALL, "%s: truncated or corrupt compressed data after %zu of %zu bytes (%s)", path, have,
                 out->count, gzerror(f, &zerr));
        return fail(f, out);
    }
    if (have < out->count) {
        nn_error(HINT_REINSTALL, "%s: truncated: the header promises %zu bytes of data, the file has %zu",
                 path, out->count, have);
        return fail(f, out);
    }
    unsigned char extra;
    if (gzread(f, &extra, 1) != 0) {
        nn_error(HINT_REINSTALL, "%s: longer than its header says (%zu bytes of data expected)", path,
                 out->count);
        return fail(f, out);
    }
    gzclose(f);
    return 0;
}

void idx_free(idx_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
