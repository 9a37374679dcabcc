/* csvlog.h — the per-step metrics log every chapter writes to out/NN/log.csv.
 *
 * One header line naming the columns, then one row of numbers per call, written with a decimal
 * point whatever the program's locale (csv_read reads them back; see io_fprintf). The file is written
 * through a temporary name and renamed into place by csvlog_close() (see io.h), so a reader
 * (gnuplot, a spreadsheet, the book) never sees half a log.
 *
 * Threads: a csvlog_t belongs to one thread; different logs are independent.
 * Prefixes: csvlog_
 */
#ifndef NN_CSVLOG_H
#define NN_CSVLOG_H

#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    io_file_t file;
    int columns;
} csvlog_t;

/* Open path with the given comma-separated header, e.g. "epoch,train_loss,val_loss".
 * Returns 0, or -1 after reporting the problem. */
int csvlog_open(csvlog_t *log, const char *path, const char *header);

/* Append one row: exactly as many values as the header has columns. */
void csvlog_row(csvlog_t *log, const double *values);

/* Finish and move the file into place. Returns 0 or -1. */
int csvlog_close(csvlog_t *log);

#ifdef __cplusplus
}
#endif

#endif
