/* idx.h — the IDX file format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a 4-byte magic number, one big-endian 32-bit size per dimension, then the
 * values in row-major order. The magic is 0x00 0x00 <type> <ndim>; type 0x08 is unsigned byte,
 * the only type the Fashion-MNIST files use. So an image file is 0x00000803 (N, 28, 28) + N*784
 * bytes and a label file is 0x00000801 (N) + N bytes. Debian ships them gzipped; zlib reads a
 * gzipped and a plain file alike.
 *
 * idx_read() validates everything a broken download or a wrong path could get wrong (the magic,
 * the number of dimensions, sizes, and that the file holds exactly the promised bytes) and
 * reports the first problem with the file name, the expected and found values, and a hint.
 *
 * Threads: no shared state; different files may be read from several threads at once.
 * Prefixes: idx_
 */
#ifndef NN_IDX_H
#define NN_IDX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int ndim;
    int dims[4];
    size_t count;         /* product of dims */
    unsigned char *data;  /* count bytes, owned: free with idx_free() */
} idx_array_t;

/* Read an unsigned-byte IDX file that must have `ndim` dimensions.
 * Returns 0, or -1 after reporting what is wrong (out is then empty). */
int idx_read(idx_array_t *out, const char *path, int ndim);

void idx_free(idx_array_t *a);

#ifdef __cplusplus
}
#endif

#endif
