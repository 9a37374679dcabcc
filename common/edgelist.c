/* edgelist.c — see edgelist.h. */
#include "edgelist.h"

#include "error.h"
#include "io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const HINT_EDGES =
    "each line is \"u v\" or \"u v w\": two node ids from 0 and an optional weight; '#' or '%' starts a comment";

typedef struct {
    int u, v;
    float w;
} edge_t;

typedef struct {
    int col;
    float w;
} entry_t;

static int cmp_entry(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->col != y->col)
        return (x->col > y->col) - (x->col < y->col);
    return (x->w > y->w) - (x->w < y->w); /* ties in a fixed order: the result does not depend on qsort */
}

void edgelist_free(edgelist_graph_t *g)
{
    free(g->row_ptr);
    free(g->col);
    free(g->w);
    memset(g, 0, sizeof *g);
}

/* Split [p, end) into at most 4 tokens separated by blanks or one comma; returns the count (4
 * means "more than 3"). */
static int tokens(const char *p, const char *end, const char *ts[4], const char *te[4])
{
    int k = 0;
    while (p < end && k < 4) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        if (p == end)
            break;
        ts[k] = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        te[k++] = p;
    }
    return k;
}

static const char *show(char *buf, const char *s, const char *e)
{
    size_t n = (size_t)(e - s) < 40 ? (size_t)(e - s) : 40, j = 0;
    for (size_t i = 0; i < n; i++)
        buf[j++] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
    buf[j] = '\0';
    return buf;
}

/* A node id: a whole number 0 .. limit-1. */
static int parse_id(const char *s, const char *e, long limit, long *out)
{
    char buf[24];
    if (e - s >= (long)sizeof buf || e == s)
        return -1;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = '\0';
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (*end || errno || v < 0 || v >= limit || buf[0] == '+' || buf[0] == ' ')
        return -1;
    *out = v;
    return 0;
}

int edgelist_parse(edgelist_graph_t *out, const char *text, size_t len, const char *name,
                   const edgelist_options_t *opt)
{
    memset(out, 0, sizeof *out);
    const edgelist_options_t def = {0};
    if (!opt)
        opt = &def;
    if (opt->n < 0 || opt->n > EDGELIST_MAX_NODES) {
        nn_error("n is the number of nodes, or 0 to take the largest id + 1",
                 "edgelist: options n = %d: expected 0 .. %d", opt->n, EDGELIST_MAX_NODES);
        return -1;
    }
    const long limit = opt->n > 0 ? opt->n : EDGELIST_MAX_NODES;
    edge_t *edges = NULL;
    size_t count = 0, cap = 0;
    long maxid = -1;
    int line = 0;
    char b1[48];
    for (size_t pos = 0; pos < len;) {
        const char *p = text + pos, *nl = memchr(p, '\n', len - pos), *end = nl ? nl : text + len;
        pos = (size_t)(end - text) + (nl ? 1 : 0);
        line++;
        const char *c1 = memchr(p, '#', (size_t)(end - p)), *c2 = memchr(p, '%', (size_t)(end - p));
        if (c1 && c1 < end)
            end = c1;
        if (c2 && c2 < end)
            end = c2;
        while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        const char *ts[4], *te[4];
        int k = tokens(p, end, ts, te);
        if (k == 0)
            continue; /* blank or comment */
        if (memchr(p, '\0', (size_t)(end - p))) {
            nn_error(HINT_EDGES, "%s:%d: a NUL byte: expected text (is this a binary file?)", name, line);
            goto fail;
        }
        if (k < 2 || k > 3) {
            nn_error(HINT_EDGES, "%s:%d: %s%d field%s (\"%s\"): expected 2 node ids and an optional weight", name, line,
                     k > 3 ? "more than " : "", k > 3 ? 3 : k, k == 1 ? "" : "s", show(b1, p, end));
            goto fail;
        }
        long id[2];
        for (int j = 0; j < 2; j++)
            if (parse_id(ts[j], te[j], limit, &id[j]) != 0) {
                char *e;
                char num[24] = "";
                memcpy(num, ts[j], (size_t)(te[j] - ts[j]) < 23 ? (size_t)(te[j] - ts[j]) : 23);
                long v = strtol(num, &e, 10);
                int whole = *num && !*e && num[0] != '+';
                if (whole && opt->n > 0 && v >= opt->n)
                    nn_error("ids run from 0 to n-1; is the graph 1-based (then subtract 1), or is n too small?",
                             "%s:%d: node id %ld is out of range: expected 0 .. %d", name, line, v, opt->n - 1);
                else
                    nn_error(HINT_EDGES, "%s:%d: \"%s\" is not a node id: expected a whole number 0 .. %ld", name,
                             line, show(b1, ts[j], te[j]), limit - 1);
                goto fail;
            }
        float w = 1;
        if (k == 3) {
            char buf[64];
            char *e;
            size_t n = (size_t)(te[2] - ts[2]);
            if (n < sizeof buf) {
                memcpy(buf, ts[2], n);
                buf[n] = '\0';
                w = io_strtof(buf, &e); /* 0.25 whatever the locale */
            }
            if (n >= sizeof buf || *e || !isfinite(w)) {
                nn_error(HINT_EDGES, "%s:%d: weight \"%s\" is not a finite number: expected e.g. 1 or 0.25", name,
                         line, show(b1, ts[2], te[2]));
                goto fail;
            }
        }
        if (id[0] == id[1] && !opt->allow_self_loops) {
            nn_error("drop the line, or allow self loops in the options (allow_self_loops = 1)",
                     "%s:%d: self loop %ld -> %ld: expected two different nodes", name, line, id[0], id[1]);
            goto fail;
        }
        if (count == cap) {
            if (cap >= ((size_t)1 << 30)) {
                nn_error("use a smaller graph", "%s:%d: more than 2^30 edges", name, line);
                goto fail;
            }
            cap = cap ? 2 * cap : 256;
            edge_t *bigger = realloc(edges, cap * sizeof *edges);
            if (!bigger) {
                nn_error("use a smaller graph", "%s:%d: out of memory for %zu edges", name, line, cap);
                goto fail;
            }
            edges = bigger;
        }
        edges[count++] = (edge_t){(int)id[0], (int)id[1], w};
        maxid = id[0] > maxid ? id[0] : maxid;
        maxid = id[1] > maxid ? id[1] : maxid;
    }
    if (count == 0) {
        nn_error("is this the right file? Every line is a comment or blank",
                 "%s: no edges (%d line%s): expected at least one line \"u v\"", name, line, line == 1 ? "" : "s");
        goto fail;
    }
    /* CSR: count each row, prefix sums, place, then sort every row. */
    const int n = opt->n > 0 ? opt->n : (int)maxid + 1;
    long *row_ptr = nn_calloc((size_t)n + 1, sizeof *row_ptr);
    long m = 0;
    for (size_t e = 0; e < count; e++) {
        row_ptr[edges[e].u + 1]++, m++;
        if (opt->undirected && edges[e].u != edges[e].v)
            row_ptr[edges[e].v + 1]++, m++;
    }
    for (int u = 0; u < n; u++)
        row_ptr[u + 1] += row_ptr[u];
    entry_t *ent = nn_malloc((size_t)m * sizeof *ent);
    long *fill = nn_malloc(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, row_ptr, ((size_t)n + 1) * sizeof *fill);
    for (size_t e = 0; e < count; e++) {
        ent[fill[edges[e].u]++] = (entry_t){edges[e].v, edges[e].w};
        if (opt->undirected && edges[e].u != edges[e].v)
            ent[fill[edges[e].v]++] = (entry_t){edges[e].u, edges[e].w};
    }
    free(fill);
    free(edges);
    for (int u = 0; u < n; u++)
        if (row_ptr[u + 1] - row_ptr[u] > 1)
            qsort(ent + row_ptr[u], (size_t)(row_ptr[u + 1] - row_ptr[u]), sizeof *ent, cmp_entry);
    out->n = n, out->m = m, out->row_ptr = row_ptr;
    out->col = nn_malloc((size_t)m * sizeof *out->col);
    out->w = nn_malloc((size_t)m * sizeof *out->w);
    for (long i = 0; i < m; i++)
        out->col[i] = ent[i].col, out->w[i] = ent[i].w;
    free(ent);
    return 0;
fail:
    free(edges);
    return -1;
}

int edgelist_read(edgelist_graph_t *out, const char *path, const edgelist_options_t *opt)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    if (io_read_all(&text, &len, path, EDGELIST_MAX_BYTES) != 0)
        return -1;
    int rc = edgelist_parse(out, text, len, path, opt);
    free(text);
    return rc;
}
