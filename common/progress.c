/* progress.c — see progress.h. */
#include "progress.h"
#include "timing.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void progress_begin(progress_t *p, const char *label, long total)
{
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total > 0 ? total : 1;
    p->tty = isatty(STDOUT_FILENO);
    p->start = timing_seconds();
    p->last_draw = 0;
}

enum { BAR_WIDTH = 24 };

static void draw(progress_t *p, long done, const char *status, const char *end)
{
    char bar[BAR_WIDTH + 1];
    int fill = (int)((double)BAR_WIDTH * (double)done / (double)p->total);
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    printf("\r%s [%s] %3d%%  %s  %.1fs\033[K%s", p->label, bar, (int)(100.0 * (double)done / (double)p->total),
           status, timing_seconds() - p->start, end);
    fflush(stdout);
}

void progress_step(progress_t *p, long done, const char *fmt, ...)
{
    double now = timing_seconds();
    if (!p->tty || (now - p->last_draw < 0.1 && done < p->total))
        return;
    p->last_draw = now;
    char status[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(status, sizeof status, fmt, ap);
    va_end(ap);
    draw(p, done, status, "");
}

void progress_end(progress_t *p, const char *fmt, ...)
{
    char status[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(status, sizeof status, fmt, ap);
    va_end(ap);
    if (p->tty)
        draw(p, p->total, status, "\n");
    else {
        printf("%s  %s  %.1fs\n", p->label, status, timing_seconds() - p->start);
        fflush(stdout);
    }
}
