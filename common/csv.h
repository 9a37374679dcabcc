/* csv.h — a numeric CSV reader: a header row, float columns and (optionally) a label column.
 *
 * Prefixes: csv_, CSV_ (this header only).
 *
 * The format read is the plain one most tools write:
 *
 *   sepal_length,sepal_width,species      <- the header: one name per column, unique, non-empty
 *   5.1,3.5,0                             <- one example per line: a number in every column
 *   4.9,3.0,0
 *
 * Fields are separated by commas (spaces around a field are ignored); a number is anything
 * strtof reads whole in the C locale (1, -2.5, 3e-4: a decimal point, whatever setlocale() the
 * program made) that is finite; the label column, when one is named, holds
 * whole numbers 0 .. CSV_MAX_LABEL. Blank lines are skipped, CRLF line ends are accepted, the
 * last line may lack its newline. There is no quoting: a field with a quote or a comma inside
 * is not numeric data and is reported as such.
 *
 * Errors (a missing file, a header without the label column, a line with the wrong number of
 * fields, a field that is not a number, no data rows) are reported as "file:line: what,
 * expected, got" with a hint, and the functions return -1 with *out empty; nothing exits.
 *
 * Shapes and ownership: x is (n, d) row-major, the features in header order without the label
 * column; y is (n), or NULL when no label column was asked for; names are the d feature
 * names. All are owned by the table: csv_free() releases them.
 * Thread-safety: no shared state; reading different tables from several threads is safe.
 */
#ifndef NN_CSV_H
#define NN_CSV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CSV_MAX_COLUMNS 65536
#define CSV_MAX_LABEL 65535
#define CSV_MAX_BYTES ((size_t)1 << 31) /* csv_read refuses bigger files */

typedef struct {
    int n;          /* data rows (examples) */
    int d;          /* feature columns */
    float *x;       /* (n, d), owned */
    int *y;         /* (n) labels, owned; NULL without a label column */
    int classes;    /* largest label + 1; 0 without a label column */
    char **names;   /* (d) feature column names, owned */
} csv_table_t;

/* Read the CSV file at path. label_column names the column of integer labels (NULL: every
 * column is a feature). Returns 0, or -1 after reporting the first problem. */
int csv_read(csv_table_t *out, const char *path, const char *label_column);

/* The same on text already in memory (len bytes, need not end with 0); `name` is what the
 * messages call it (a file name). */
int csv_parse(csv_table_t *out, const char *text, size_t len, const char *name, const char *label_column);

/* Index of the feature column called `name`, or -1. */
int csv_column(const csv_table_t *t, const char *name);

void csv_free(csv_table_t *t);

#ifdef __cplusplus
}
#endif

#endif
