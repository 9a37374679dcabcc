/* csv.c — see csv.h. */
#include "csv.h"

#include "error.h"
#include "io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const HINT_CSV =
    "the reader takes a header row of column names, then one comma-separated number per column "
    "on every line (no quotes); check the line in a text editor";

/* One line of the text: [p, end), without its line break. */
typedef struct {
    const char *p, *end;
    int number; /* 1-based */
} line_t;

/* The next line starting at *pos, or 0 at the end of the text. */
static int next_line(const char *text, size_t len, size_t *pos, line_t *line)
{
    if (*pos >= len)
        return 0;
    const char *start = text + *pos, *nl = memchr(start, '\n', len - *pos);
    const char *end = nl ? nl : text + len;
    *pos = (size_t)(end - text) + (nl ? 1 : 0);
    if (end > start && end[-1] == '\r')
        end--;
    line->p = start, line->end = end, line->number++;
    return 1;
}

static int blank(const line_t *l)
{
    for (const char *c = l->p; c < l->end; c++)
        if (*c != ' ' && *c != '\t')
            return 0;
    return 1;
}

/* The next field of the line from *c (which then points past its comma), trimmed; returns 0 when
 * the line has no more fields. */
static int next_field(const line_t *l, const char **c, const char **fs, const char **fe)
{
    if (*c > l->end)
        return 0;
    const char *s = *c, *e = memchr(s, ',', (size_t)(l->end - s));
    if (!e)
        e = l->end;
    *c = e + 1;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *fs = s, *fe = e;
    return 1;
}

/* Printable excerpt of a field for a message: at most 40 bytes, control bytes as '?'. */
static const char *excerpt(char *buf, const char *s, const char *e)
{
    size_t n = (size_t)(e - s) < 40 ? (size_t)(e - s) : 40, j = 0;
    for (size_t i = 0; i < n; i++)
        buf[j++] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
    if ((size_t)(e - s) > n)
        buf[j++] = '.', buf[j++] = '.', buf[j++] = '.';
    buf[j] = '\0';
    return buf;
}

/* The first few column names for a message, quoted: "a", "b", "c", ... (4 at most, each
 * excerpted), so that a misspelt or differently cased name shows beside what was asked for. */
static const char *name_list(char *buf, size_t size, char *const *names, int columns)
{
    enum { SHOWN = 4 };
    char ex[48];
    size_t k = 0;
    buf[0] = '\0';
    for (int j = 0; j < columns && j < SHOWN && k < size; j++)
        k += (size_t)snprintf(buf + k, size - k, "%s\"%s\"", j ? ", " : "",
                              excerpt(ex, names[j], names[j] + strlen(names[j])));
    if (columns > SHOWN && k < size)
        snprintf(buf + k, size - k, ", ... (%d more)", columns - SHOWN);
    return buf;
}

void csv_free(csv_table_t *t)
{
    if (t->names)
        for (int j = 0; j < t->d; j++)
            free(t->names[j]);
    free(t->names);
    free(t->x);
    free(t->y);
    memset(t, 0, sizeof *t);
}

int csv_column(const csv_table_t *t, const char *name)
{
    for (int j = 0; j < t->d; j++)
        if (!strcmp(t->names[j], name))
            return j;
    return -1;
}

int csv_parse(csv_table_t *out, const char *text, size_t len, const char *name, const char *label_column)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    line_t line = {0};
    char ex[48];
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) /* a UTF-8 byte-order mark some editors write */
        pos = 3;
    /* The header: the first non-blank line. */
    int found = 0;
    while ((found = next_line(text, len, &pos, &line)) && blank(&line)) {}
    if (!found) {
        nn_error(HINT_CSV, "%s: empty file: expected a header row of column names", name);
        return -1;
    }
    if (memchr(line.p, '\0', (size_t)(line.end - line.p))) {
        nn_error(HINT_CSV, "%s:%d: a NUL byte in the header: expected text (is this a binary file?)", name,
                 line.number);
        return -1;
    }
    int columns = 0, label = -1;
    const char *c = line.p, *fs, *fe;
    char **names = NULL;
    while (next_field(&line, &c, &fs, &fe)) {
        if (columns == CSV_MAX_COLUMNS) {
            nn_error(HINT_CSV, "%s:%d: more than %d columns in the header", name, line.number, CSV_MAX_COLUMNS);
            goto fail_names;
        }
        if (fs == fe) {
            nn_error(HINT_CSV, "%s:%d: column %d of the header has no name: expected a name for every column",
                     name, line.number, columns + 1);
            goto fail_names;
        }
        char *nm = nn_malloc((size_t)(fe - fs) + 1);
        memcpy(nm, fs, (size_t)(fe - fs));
        nm[fe - fs] = '\0';
        for (int j = 0; j < columns; j++)
            if (!strcmp(names[j], nm)) {
                nn_error(HINT_CSV, "%s:%d: column name \"%s\" appears twice (columns %d and %d): expected unique "
                         "names", name, line.number, excerpt(ex, fs, fe), j + 1, columns + 1);
                free(nm);
                goto fail_names;
            }
        if ((columns & (columns - 1)) == 0) { /* grow at powers of two */
            char **bigger = realloc(names, (size_t)(columns ? 2 * columns : 1) * sizeof *names);
            if (!bigger)
                nn_fatal(NULL, "out of memory");
            names = bigger;
        }
        names[columns] = nm;
        if (label_column && !strcmp(nm, label_column))
            label = columns;
        columns++;
    }
    if (label_column && label < 0) {
        char list[256];
        nn_error("name the label column as the header spells it (the names are case-sensitive)",
                 "%s:%d: no column \"%s\" in the header: expected it among the %d column names, got %s", name,
                 line.number, label_column, columns, name_list(list, sizeof list, names, columns));
        goto fail_names;
    }
    const int d = columns - (label >= 0);
    if (d < 1) {
        nn_error(HINT_CSV, "%s:%d: the header has no feature column: expected at least one besides the label",
                 name, line.number);
        goto fail_names;
    }
    /* The rows, into arrays that double as they fill. */
    size_t cap = 0;
    int n = 0, classes = 0;
    float *x = NULL;
    int *y = NULL;
    while (next_line(text, len, &pos, &line)) {
        if (blank(&line))
            continue;
        if (n == 1 << 30) {
            nn_error(HINT_CSV, "%s:%d: more than 2^30 rows", name, line.number);
            goto fail_rows;
        }
        if ((size_t)n == cap) {
            cap = cap ? 2 * cap : 64;
            float *bx = realloc(x, cap * (size_t)d * sizeof *x);
            if (!bx) {
                nn_error("use a smaller file", "%s:%d: out of memory for %zu rows of %d columns", name, line.number,
                         cap, d);
                goto fail_rows; /* x is still valid and freed there */
            }
            x = bx;
            if (label >= 0) {
                int *by = realloc(y, cap * sizeof *y);
                if (!by) {
                    nn_error("use a smaller file", "%s:%d: out of memory for %zu labels", name, line.number, cap);
                    goto fail_rows;
                }
                y = by;
            }
        }
        c = line.p;
        int k = 0, j = 0;
        while (next_field(&line, &c, &fs, &fe)) {
            if (k == columns) {
                k++;
                break;
            }
            char field[64];
            if (fe - fs >= (long)sizeof field || fs == fe || memchr(fs, '\0', (size_t)(fe - fs))) {
                nn_error(HINT_CSV, "%s:%d: column \"%s\" (field %d): \"%s\" is not a number: expected %s", name,
                         line.number, names[k], k + 1, excerpt(ex, fs, fe),
                         k == label ? "a whole number label" : "a number such as 0.5 or -3e2");
                goto fail_rows;
            }
            memcpy(field, fs, (size_t)(fe - fs));
            field[fe - fs] = '\0';
            char *end;
            errno = 0;
            if (k == label) {
                long v = strtol(field, &end, 10);
                if (*end || errno || v < 0 || v > CSV_MAX_LABEL) {
                    nn_error("labels are class numbers 0, 1, 2, ...; map names to numbers first",
                             "%s:%d: label column \"%s\": \"%s\" is not a label: expected a whole number 0 .. %d",
                             name, line.number, names[k], excerpt(ex, fs, fe), CSV_MAX_LABEL);
                    goto fail_rows;
                }
                y[n] = (int)v;
                if (v + 1 > classes)
                    classes = (int)v + 1;
            } else {
                float v = io_strtof(field, &end); /* "1.5" whatever the locale */
                if (*end || !isfinite(v)) {
                    nn_error(HINT_CSV, "%s:%d: column \"%s\" (field %d): \"%s\" is not a finite number: expected a "
                             "number such as 0.5 or -3e2", name, line.number, names[k], k + 1, excerpt(ex, fs, fe));
                    goto fail_rows;
                }
                x[(size_t)n * d + j++] = v;
            }
            k++;
        }
        if (k != columns) {
            nn_error(HINT_CSV, "%s:%d: %s%d fields: expected %d, one per column of the header", name, line.number,
                     k > columns ? "more than " : "", k > columns ? columns : k, columns);
            goto fail_rows;
        }
        n++;
    }
    if (n == 0) {
        nn_error(HINT_CSV, "%s: a header but no data rows: expected at least one line of numbers", name);
        goto fail_rows;
    }
    /* Keep the feature names only. */
    char **fnames = nn_malloc((size_t)d * sizeof *fnames);
    for (int k = 0, j = 0; k < columns; k++)
        if (k == label)
            free(names[k]);
        else
            fnames[j++] = names[k];
    free(names);
    *out = (csv_table_t){.n = n, .d = d, .x = x, .y = y, .classes = label >= 0 ? classes : 0, .names = fnames};
    return 0;
fail_rows:
    free(x);
    free(y);
fail_names:
    for (int j = 0; j < columns; j++)
        free(names[j]);
    free(names);
    return -1;
}

int csv_read(csv_table_t *out, const char *path, const char *label_column)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    if (io_read_all(&text, &len, path, CSV_MAX_BYTES) != 0)
        return -1;
    int rc = csv_parse(out, text, len, path, label_column);
    free(text);
    return rc;
}
