/* checkpoint.c — see checkpoint.h. */
#include "checkpoint.h"

#include "error.h"
#include "io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Floats as little-endian bytes (the course's machines are little-endian: a memcpy; the loop
 * keeps the format portable). */
static void floats_to_bytes(unsigned char *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, x + i, 4);
        put_u32(out + 4 * i, u);
    }
}

static void bytes_to_floats(float *x, const unsigned char *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = get_u32(in + 4 * i);
        memcpy(x + i, &u, 4);
    }
}

static uint32_t crc_of(const unsigned char *p, size_t bytes)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (bytes > 0) { /* zlib's crc32 takes a uInt length */
        uInt k = bytes > (1u << 30) ? (1u << 30) : (uInt)bytes;
        crc = crc32(crc, p, k);
        p += k, bytes -= k;
    }
    return (uint32_t)crc;
}

int checkpoint_save(const char *path, const char *tag, const float *params, size_t n)
{
    if (!path)
        return -1; /* a failed io_join, already reported */
    tag = tag ? tag : "";
    size_t len = strlen(tag);
    if (len > CHECKPOINT_TAG_MAX) {
        nn_error("use a short tag (the architecture in a few words)",
                 "checkpoint_save: %s: tag of %zu characters, expected at most %d", path, len, CHECKPOINT_TAG_MAX);
        return -1;
    }
    unsigned char head[20];
    memcpy(head, CHECKPOINT_MAGIC, 4);
    put_u32(head + 4, CHECKPOINT_VERSION);
    put_u32(head + 8, (uint32_t)((uint64_t)n & 0xffffffffu));
    put_u32(head + 12, (uint32_t)((uint64_t)n >> 32));
    put_u32(head + 16, (uint32_t)len);
    unsigned char *data = nn_malloc(n * 4 + 1);
    floats_to_bytes(data, params, n);
    unsigned char crc[4];
    put_u32(crc, crc_of(data, n * 4));
    io_file_t f;
    if (io_create(&f, path) != 0) {
        free(data);
        return -1;
    }
    int ok = fwrite(head, 1, sizeof head, f.f) == sizeof head && fwrite(tag, 1, len, f.f) == len &&
             fwrite(data, 1, n * 4, f.f) == n * 4 && fwrite(crc, 1, 4, f.f) == 4;
    free(data);
    if (!ok) {
        nn_error("is the disk full, or the directory not writable?", "checkpoint_save: %s: write failed", path);
        io_abort(&f);
        return -1;
    }
    return io_commit(&f);
}

/* Reads exactly `bytes` or reports a truncated file. */
static int read_exact(FILE *f, void *buf, size_t bytes, const char *path, const char *what, long offset)
{
    size_t got = fread(buf, 1, bytes, f);
    if (got == bytes)
        return 0;
    nn_error("the file is truncated: was it copied or written completely? (checkpoints are written atomically, "
             "so a crash while saving cannot cause this; a partial copy can)",
             "checkpoint_load: %s: truncated: expected %zu bytes of %s at offset %ld, got %zu", path, bytes, what,
             offset, got);
    return -1;
}

int checkpoint_load(float *params, size_t n, const char *path, const char *tag)
{
    if (!path)
        return -1; /* a failed io_join, already reported */
    tag = tag ? tag : "";
    FILE *f = fopen(path, "rb");
    if (!f) {
        nn_error("has the model been saved yet, and into this directory (the course's programs: --out)?",
                 "checkpoint_load: cannot open %s: no such file or no permission", path);
        return -1;
    }
    unsigned char head[20], crc[4];
    unsigned char *data = NULL;
    int rc = -1;
    if (read_exact(f, head, 4, path, "the magic number", 0) != 0)
        goto done;
    if (memcmp(head, CHECKPOINT_MAGIC, 4) != 0) {
        nn_error("this is not a checkpoint written by checkpoint_save (a log, a figure, another format?)",
                 "checkpoint_load: %s: wrong magic number: expected \"NNCK\" (4e 4e 43 4b), got %02x %02x %02x %02x",
                 path, head[0], head[1], head[2], head[3]);
        goto done;
    }
    if (read_exact(f, head + 4, 16, path, "the header", 4) != 0)
        goto done;
    uint32_t version = get_u32(head + 4), len = get_u32(head + 16);
    uint64_t count = (uint64_t)get_u32(head + 8) | (uint64_t)get_u32(head + 12) << 32;
    if (version != CHECKPOINT_VERSION) {
        nn_error("it was written by another version of the course's library: save it again with this one",
                 "checkpoint_load: %s: version %u, expected version %u", path, version, CHECKPOINT_VERSION);
        goto done;
    }
    if (len > CHECKPOINT_TAG_MAX) {
        nn_error("the header is damaged", "checkpoint_load: %s: tag length %u, expected at most %d", path, len,
                 CHECKPOINT_TAG_MAX);
        goto done;
    }
    char file_tag[CHECKPOINT_TAG_MAX + 1];
    if (read_exact(f, file_tag, len, path, "the tag", 20) != 0)
        goto done;
    file_tag[len] = '\0';
    if (strcmp(file_tag, tag) != 0 || count != (uint64_t)n) {
        nn_error("the checkpoint belongs to another model: build the network with the same sizes and options "
                 "as when it was saved, or use another file",
                 "checkpoint_load: %s: holds %llu parameters of \"%s\", expected %zu parameters of \"%s\"", path,
                 (unsigned long long)count, file_tag, n, tag);
        goto done;
    }
    data = nn_malloc(n * 4 + 1);
    if (read_exact(f, data, n * 4, path, "parameters", 20 + (long)len) != 0 ||
        read_exact(f, crc, 4, path, "the CRC-32 checksum", 20 + (long)len + (long)(n * 4)) != 0)
        goto done;
    if (fgetc(f) != EOF) {
        nn_error("the file is longer than its header says: was something appended, or two files concatenated?",
                 "checkpoint_load: %s: extra bytes after the checksum: expected the file to end at %ld bytes", path,
                 24 + (long)len + (long)(n * 4));
        goto done;
    }
    uint32_t want = get_u32(crc), got = crc_of(data, n * 4);
    if (want != got) {
        nn_error("the parameters were changed after saving (a disk or copy error): use another checkpoint",
                 "checkpoint_load: %s: corrupted: CRC-32 of the parameters is %08x, the file says %08x", path, got,
                 want);
        goto done;
    }
    bytes_to_floats(params, data, n);
    rc = 0;
done:
    free(data);
    fclose(f);
    return rc;
}
