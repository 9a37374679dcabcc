/* edgelist.h — a graph from an edge-list file, as a CSR adjacency (chapter 09's graph networks).
 *
 * Prefixes: edgelist_, EDGELIST_ (this header only).
 *
 * The file has one edge per line, "u v" or "u v w": two node ids (whole numbers from 0) and an
 * optional finite weight, separated by spaces, tabs or a comma. '#' or '%' starts a comment that
 * runs to the end of the line; blank lines are skipped:
 *
 *   # karate club, 34 nodes
 *   0 1
 *   0 2 0.5
 *
 * The graph is returned in compressed sparse row (CSR) form: the out-neighbours of node u are
 * col[row_ptr[u] .. row_ptr[u+1]), in ascending order, with their weights in w at the same
 * places (1 where the line gave none). With `undirected` every line u v is stored as u->v and
 * v->u. A repeated line gives a repeated entry (weights are not merged).
 *
 * Errors, each reported as "file:line: what, expected, got" with a hint and signalled by -1 (the
 * graph is then empty; nothing exits): a malformed line (not two ids and an optional weight), an
 * id out of range (negative, past EDGELIST_MAX_NODES, or >= the n the caller fixed), a self loop
 * u u when the options do not allow them, a non-finite weight, and a file with no edge at all.
 *
 * Ownership: the graph owns row_ptr, col and w: edgelist_free() releases them.
 * Thread-safety: no shared state; reading different graphs from several threads is safe.
 */
#ifndef NN_EDGELIST_H
#define NN_EDGELIST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDGELIST_MAX_NODES (1 << 22) /* 4M nodes (row_ptr alone is then 32 MB): ids up to 4194303 */
#define EDGELIST_MAX_BYTES ((size_t)1 << 31) /* edgelist_read refuses bigger files */

typedef struct {
    int n;                 /* number of nodes; 0: the largest id + 1 */
    int undirected;        /* 1: store each line in both directions */
    int allow_self_loops;  /* 0: a line "u u" is an error */
} edgelist_options_t;

typedef struct {
    int n;          /* nodes 0 .. n-1 */
    long m;         /* stored (directed) edges: the lines, twice with undirected (a self loop once) */
    long *row_ptr;  /* (n + 1) offsets into col and w; owned */
    int *col;       /* (m) neighbours, ascending within a row; owned */
    float *w;       /* (m) weights; owned */
} edgelist_graph_t;

/* Read the edge list at path with the options (NULL: n inferred, directed, no self loops).
 * Returns 0, or -1 after reporting the first problem. */
int edgelist_read(edgelist_graph_t *out, const char *path, const edgelist_options_t *opt);

/* The same on text in memory (len bytes, need not end with 0); `name` is what messages call it. */
int edgelist_parse(edgelist_graph_t *out, const char *text, size_t len, const char *name,
                   const edgelist_options_t *opt);

void edgelist_free(edgelist_graph_t *g);

#ifdef __cplusplus
}
#endif

#endif
