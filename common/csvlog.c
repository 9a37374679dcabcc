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

void csvlog_row(csvlog_t *log, const double *values)
{
    for (int i = 0; i < log->columns; i++)
        fprintf(log->file.f, i ? ",%.7g" : "%.7g", values[i]);
    fputc('\n', log->file.f);
}

int csvlog_close(csvlog_t *log) { return io_commit(&log->file); }
