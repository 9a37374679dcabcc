/* fuzz_edgelist.c — edgelist_parse on any bytes; the first byte picks the options (a fixed n or
 * none, directed or not, self loops allowed or not), the rest is the file. The CSR returned must
 * be well formed: offsets ascending from 0 to m, neighbours in range and sorted in each row. */
#include "fuzz.h"

#include "edgelist.h"

#include <math.h>

int fuzz_edgelist(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    edgelist_options_t o = {.n = data[0] & 1 ? (data[0] >> 3) * 7 : 0, .undirected = data[0] >> 1 & 1,
                            .allow_self_loops = data[0] >> 2 & 1};
    edgelist_graph_t g;
    if (edgelist_parse(&g, (const char *)data + 1, size - 1, "fuzz.txt", &o) != 0) {
        FUZZ_ASSERT(g.row_ptr == NULL && g.n == 0 && g.m == 0);
        return 0;
    }
    FUZZ_ASSERT(g.n >= 1 && g.m >= 1 && (o.n == 0 || g.n == o.n));
    FUZZ_ASSERT(g.row_ptr[0] == 0 && g.row_ptr[g.n] == g.m);
    for (int u = 0; u < g.n; u++) {
        FUZZ_ASSERT(g.row_ptr[u] <= g.row_ptr[u + 1]);
        for (long e = g.row_ptr[u]; e < g.row_ptr[u + 1]; e++) {
            FUZZ_ASSERT(g.col[e] >= 0 && g.col[e] < g.n && isfinite(g.w[e]));
            FUZZ_ASSERT(o.allow_self_loops || g.col[e] != u);
            FUZZ_ASSERT(e == g.row_ptr[u] || g.col[e - 1] <= g.col[e]);
        }
    }
    edgelist_free(&g);
    return 0;
}

FUZZ_ENTRY(fuzz_edgelist)
