/* checkpoint.h — saving and restoring a model's parameters.
 *
 * A checkpoint is the model's parameters in one file, so that training can keep the best model
 * seen so far (early stopping, chapter 6), resume, or hand the model to another program. The
 * course's models keep all parameters in one contiguous float block, so a checkpoint is that
 * block plus what is needed to refuse a wrong file:
 *
 *   offset  size  field
 *   0       4     magic "NNCK"
 *   4       4     version (CHECKPOINT_VERSION), little-endian uint32
 *   8       8     n, the number of floats, little-endian uint64
 *   16      4     length of the tag, little-endian uint32 (at most CHECKPOINT_TAG_MAX)
 *   20      len   the tag: a short text naming the architecture, e.g. "mlp 784-256-128-10 bn"
 *   20+len  4n    the parameters, float32 little-endian
 *   ...     4     CRC-32 (zlib's crc32) of the parameter bytes
 *
 * Writes are atomic (io.h: a temporary file renamed into place), so a crash while saving leaves
 * the previous checkpoint intact, never half of a new one. Loading checks every field and reports
 * the first problem, with the file name, expected vs found, and a hint: a missing file, a file
 * that is not a checkpoint (wrong magic), another version, another architecture (tag or n differ),
 * a truncated file, a corrupted one (CRC mismatch) or extra bytes at the end. On any error the
 * destination is left UNCHANGED (the data is read and verified in a buffer first).
 *
 * Threads: no shared state; different files may be saved and loaded from several threads at once.
 * Prefixes: checkpoint_, CHECKPOINT_
 */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHECKPOINT_MAGIC "NNCK"
#define CHECKPOINT_VERSION 1u
#define CHECKPOINT_TAG_MAX 255

/* Write params (n) with the given tag (NULL: "") to path, atomically (parent directories are
 * created). Returns 0, or -1 after reporting the problem. */
int checkpoint_save(const char *path, const char *tag, const float *params, size_t n);

/* Read path into params (n), which must be a checkpoint of exactly n floats with the same tag
 * (NULL: ""). Returns 0, or -1 after reporting the problem (params unchanged). */
int checkpoint_load(float *params, size_t n, const char *path, const char *tag);

#ifdef __cplusplus
}
#endif

#endif
