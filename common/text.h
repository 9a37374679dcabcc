/* text.h — a text corpus: read and validate a whole file, then a byte- or character-level
 * vocabulary to turn it into integer ids and back (chapter 08's character LSTM, chapter 12).
 *
 * Prefixes: text_, TEXT_ (this header only).
 *
 * A corpus is one file read whole. text_read() refuses what would make training silently wrong:
 * an empty or too short file, a NUL byte (a binary file), and bytes that are not UTF-8 (ASCII is
 * UTF-8); each with the file, the line and column, the byte offset, and a hint.
 *
 * A vocabulary is the sorted set of the symbols that occur in a text, at one of two levels:
 *   TEXT_BYTES  every byte is a symbol (at most 256; a non-ASCII letter is 2 to 4 symbols);
 *   TEXT_CHARS  every Unicode character (code point, decoded from UTF-8) is a symbol.
 * Symbol ids are 0 .. size-1 in ascending order of byte value / code point, so the same text
 * always gives the same ids. encode maps text to ids, decode maps ids back to UTF-8 bytes
 * (decode(encode(t)) == t).
 *
 * Errors are reported (nn_error: what, expected, got, hint) and signalled by -1; nothing exits.
 * Ownership: text_t and text_vocab_t own their arrays; free them with text_free and
 * text_vocab_free. Thread-safety: no shared state; a built vocabulary may be read (encode,
 * decode, text_vocab_id) from several threads at once.
 */
#ifndef NN_TEXT_H
#define NN_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEXT_MAX_BYTES ((size_t)1 << 31) /* text_read refuses bigger files */

typedef struct {
    char *data;  /* len bytes, then a terminating 0; owned */
    size_t len;
} text_t;

typedef enum { TEXT_BYTES, TEXT_CHARS } text_level_t;

typedef struct {
    text_level_t level;
    int size;           /* number of symbols */
    uint32_t *symbols;  /* (size) byte values or code points, ascending; owned */
    int ascii_id[128];  /* the id of each ASCII symbol, -1 when absent (a fast path) */
} text_vocab_t;

/* Read the file at path whole and check it with text_check. Returns 0, or -1 after reporting
 * (out is then empty). */
int text_read(text_t *out, const char *path, size_t min_len);

/* Check len bytes of data as a corpus: at least min_len bytes (and at least 1), no NUL byte,
 * valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF, no cut sequence).
 * `name` is what messages call it. Returns 0, or -1 after reporting the first problem. */
int text_check(const char *data, size_t len, const char *name, size_t min_len);

/* The vocabulary of the symbols in data (len bytes, already checked when level is TEXT_CHARS).
 * Returns 0, or -1 after reporting (empty data, invalid UTF-8). */
int text_vocab_build(text_vocab_t *v, const char *data, size_t len, text_level_t level);

/* The id of a symbol (a byte value or a code point), or -1 when it is not in the vocabulary. */
int text_vocab_id(const text_vocab_t *v, uint32_t symbol);

/* The number of symbols of data at the vocabulary's level (bytes: len; chars: code points), or
 * -1 after reporting invalid UTF-8: the size of the ids array encode needs. */
long text_count(const text_vocab_t *v, const char *data, size_t len);

/* ids[0 ..) = the ids of data's symbols; cap is the room in ids. Returns the number written, or
 * -1 after reporting a symbol not in the vocabulary (with its line and column), invalid UTF-8,
 * or too little room. */
long text_encode(int *ids, size_t cap, const text_vocab_t *v, const char *data, size_t len);

/* The UTF-8 bytes of ids[0 .. n) into out (cap bytes, then a terminating 0). Returns the number of
 * bytes written (without the 0), or -1 after reporting an id outside 0 .. size-1 or too little
 * room. At most 4 n + 1 bytes are ever needed. */
long text_decode(char *out, size_t cap, const text_vocab_t *v, const int *ids, size_t n);

/* The King James Bible as one text file (chapter 08's characters, chapter 09's words): with
 * data_dir, path = data_dir/kjv.txt (not checked here: text_read reports a missing file); else
 * path = cache_dir/kjv.txt, written the first time (atomically) from the `bible` command of
 * Debian's bible-kjv package: `bible 'Genesis 1:1-Revelation 22:21'`, 4.3 million characters
 * with book and chapter headings and verse numbers. path needs room for 4096 bytes (io_join).
 * Returns 0, or -1 after reporting (bible-kjv missing, a cut output, an unwritable cache_dir). */
int text_kjv_path(char *path, const char *data_dir, const char *cache_dir);

/* Writes its version of one line of a command's output (the line ends with its '\n', except
 * perhaps the last) to out: any number of characters, or none. state is the caller's. */
typedef void (*text_line_filter_t)(FILE *out, const char *line, void *state);

/* A corpus produced by a command, cached: path = cache_dir/name; if that file exists it is used
 * as it is, else the standard output of the shell command `command` is written there, line by
 * line through filter (NULL: copied as it is), atomically (io_create/io_commit). A command that
 * fails or an output of fewer than min_bytes bytes (a missing package, a cut output) is reported
 * with `hint` (what to install) and leaves no file. text_kjv_path and chapter 12's gospels are
 * made this way. path needs room for 4096 bytes. Returns 0, or -1 after reporting. */
int text_cache_command(char *path, const char *cache_dir, const char *name, const char *command,
                       text_line_filter_t filter, void *state, size_t min_bytes, const char *hint);

void text_free(text_t *t);
void text_vocab_free(text_vocab_t *v);

#ifdef __cplusplus
}
#endif

#endif
