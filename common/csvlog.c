/* csvlog.c — see csvlog.h. */
#include "csvlog.h"

int csvlog_open(csvlog_t *log, const char *path, const char *header)
{
    log->columns = 1;
    for (const char *p = header; *p; p++)
        log->columns += *p == ',';
    if (io_create(&log->file, path) != 0)
        return -1;
    fprintf(log->file.f, "%s\n", header);
    return 0;
}

/* In the C locale: under de_DE, fprintf's "%g" writes 0,25, and the comma is the separator. */
void csvlog_row(csvlog_t *log, const double *values)
{
    for (int i = 0; i < log->columns; i++)
        io_fprintf(log->file.f, i ? ",%.7g" : "%.7g", values[i]);
    fputc('\n', log->file.f);
}

int csvlog_close(csvlog_t *log) { return io_commit(&log->file); }
