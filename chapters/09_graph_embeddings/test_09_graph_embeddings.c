/* test_09_graph_embeddings.c — the grader of chapter 9.
 *
 * One suite per exercise (ex09_K); the suite ch09 checks the chapter's other promises (the edge-list
 * loader's error messages, the GCN's backward pass by centered differences, the word tokenizer, the
 * co-occurrence counts, the package knowledge graph and filtered ranks) and carries no points.
 * Golden values are closed forms worked out in the comments, the karate club's degrees (as listed
 * by networkx.karate_club_graph), centered differences (common/gradcheck.h) with the bound stated
 * next to each check, or the library's independent implementation (metrics_roc_auc, trapezoids).
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "09_graph_embeddings.c"
#endif
#include CHAPTER_SOURCE

#include "gradcheck.h"
#include "tests/capture.h"

#include <criterion/criterion.h>
#include <unistd.h>

TestSuite(ex09_1, .timeout = 10);
TestSuite(ex09_2, .timeout = 10);
TestSuite(ex09_3, .timeout = 10);
TestSuite(ex09_4, .timeout = 10);
TestSuite(ex09_5, .timeout = 10);
TestSuite(ex09_6, .timeout = 10);
TestSuite(ex09_7, .timeout = 10);
TestSuite(ex09_8, .timeout = 10);
TestSuite(ex09_9, .timeout = 10);
TestSuite(ch09, .timeout = 20);

static edges_t edges_of(int n, int count, const int *uv, const float *w)
{
    edges_t e = {.n = n, .count = count};
    e.src = nn_malloc(sizeof(int) * (size_t)count), e.dst = nn_malloc(sizeof(int) * (size_t)count);
    e.w = nn_malloc(sizeof(float) * (size_t)count);
    for (int i = 0; i < count; i++)
        e.src[i] = uv[2 * i], e.dst[i] = uv[2 * i + 1], e.w[i] = w ? w[i] : 1.0f;
    return e;
}

/*hint 09.1
1. How many arcs does node v own, and where in `col` does its list start if all lists before it come first?
2. Three passes: count out-degrees into row_ptr[v + 1], prefix-sum so row_ptr[v] is where v's list starts, then place each edge at next[u]++ (next starts as a copy of row_ptr).
3. row_ptr[0] = 0, row_ptr[v + 1] = row_ptr[v] + deg(v); an undirected edge u-v adds an arc to both u's and v's lists (once for u == v); a directed edge u -> v belongs to u's list.
*/
/*note 09.1
Counting sort is the standard way to build CSR (scipy's coo -> csr conversion does exactly this):
O(n + m) and no element moves twice. Graph libraries store the transpose (CSC, the in-neighbours)
beside it when they also need "who points at me", e.g. PageRank's pull formulation.
*/

/* The karate club's degrees, node 0..33 (networkx.karate_club_graph().degree()). */
static const int KARATE_DEG[34] = {16, 9, 10, 6, 3, 4, 4, 4, 5, 2, 3, 1, 2, 5, 2, 2, 2,
                                   2,  2, 3,  2, 2, 2, 5, 3, 3, 2, 4, 3, 4, 4, 6, 12, 17};

/* The karate club's 78 lines as an in-memory edge list (read by the library, directed as listed). */
static edges_t karate_edges(void)
{
    edgelist_graph_t lib;
    cr_assert(edgelist_read(&lib, DATASETS "/karate/karate.edges", NULL) == 0, "the committed karate club must load");
    edges_t e = {.n = 34, .count = lib.m};
    e.src = nn_malloc(sizeof(int) * (size_t)lib.m), e.dst = nn_malloc(sizeof(int) * (size_t)lib.m);
    e.w = nn_malloc(sizeof(float) * (size_t)lib.m);
    for (int u = 0; u < lib.n; u++)
        for (long i = lib.row_ptr[u]; i < lib.row_ptr[u + 1]; i++)
            e.src[i] = u, e.dst[i] = lib.col[i], e.w[i] = lib.w[i];
    edgelist_free(&lib);
    return e;
}

Test(ex09_1, karate_club_degrees_and_symmetry)
{
    edges_t e = karate_edges();
    edgelist_graph_t g;
    graph_from_edges(&g, &e, 1);
    cr_assert(g.row_ptr[0] == 0 && g.row_ptr[34] == 156, "row_ptr[0] and row_ptr[34]: expected 0 and 156 (78 "
              "undirected edges, each stored twice), got %ld and %ld. Hint: is each friendship stored in both "
              "members' lists?", g.row_ptr[0], g.row_ptr[34]);
    for (int v = 0; v < 34; v++)
        cr_assert(graph_degree(&g, v) == KARATE_DEG[v], "degree of member %d: expected %d, got %ld. Hint: "
                  "row_ptr[v + 1] - row_ptr[v] is v's degree; are the counts prefix-summed exclusively?", v,
                  KARATE_DEG[v], graph_degree(&g, v));
    for (long i = 0; i < e.count; i++)
        cr_assert(graph_has_edge(&g, e.src[i], e.dst[i]) && graph_has_edge(&g, e.dst[i], e.src[i]),
                  "edge %d-%d (line of the file) must be stored as both arcs. Hint: each edge lands in u's list "
                  "at next[u]++ and in v's at next[v]++", e.src[i], e.dst[i]);
    edgelist_free(&g), edges_free(&e);
}

Test(ex09_1, directed_edges_go_into_the_source_list_with_their_weights)
{
    /* 0->1 (w 1), 0->2 (w 2), 2->0 (w 3), 1->2 (w 4), 3->3 (w 5): out-lists 0:{1,2} 1:{2} 2:{0} 3:{3}. */
    const int uv[] = {0, 1, 0, 2, 2, 0, 1, 2, 3, 3};
    const float w[] = {1, 2, 3, 4, 5};
    edges_t e = edges_of(4, 5, uv, w);
    edgelist_graph_t g;
    graph_from_edges(&g, &e, 0);
    const long off[5] = {0, 2, 3, 4, 5};
    const int tg[5] = {1, 2, 2, 0, 3};
    const float wt[5] = {1, 2, 4, 3, 5};
    for (int v = 0; v <= 4; v++)
        cr_assert(g.row_ptr[v] == off[v], "directed graph, row_ptr[%d]: expected %ld, got %ld. Hint: a directed "
                  "edge u -> v counts in u's list only (out-neighbours), not v's.", v, off[v], g.row_ptr[v]);
    for (int i = 0; i < 5; i++)
        cr_assert(g.col[i] == tg[i] && g.w[i] == wt[i], "directed graph, arc %d: expected target %d "
                  "weight %g, got %d weight %g. Hint: the list of u holds the targets v of u -> v, with each "
                  "edge's own weight (this is CSR, not its transpose).", i, tg[i], wt[i], g.col[i], g.w[i]);
    edgelist_free(&g), edges_free(&e);
}

Test(ex09_1, undirected_self_loop_is_stored_once)
{
    /* 0-1 (w 0.5), 1-1 (w 2), 1-2 (w 3): lists 0:{1} 1:{0,1,2} 2:{1}, 5 arcs. */
    const int uv[] = {0, 1, 1, 1, 1, 2};
    const float w[] = {0.5f, 2, 3};
    edges_t e = edges_of(3, 3, uv, w);
    edgelist_graph_t g;
    graph_from_edges(&g, &e, 1);
    const long off[4] = {0, 1, 4, 5};
    for (int v = 0; v <= 3; v++)
        cr_assert(g.row_ptr[v] == off[v], "undirected with a self loop, row_ptr[%d]: expected %ld, got %ld. Hint: "
                  "a self loop u-u is one arc in u's list, not two.", v, off[v], g.row_ptr[v]);
    const int tg[5] = {1, 0, 1, 2, 1};
    const float wt[5] = {0.5f, 0.5f, 2, 3, 3};
    for (int i = 0; i < 5; i++)
        cr_assert(g.col[i] == tg[i] && g.w[i] == wt[i], "arc %d: expected target %d weight %g, got %d "
                  "weight %g. Hint: both arcs of an edge carry its weight.", i, tg[i], wt[i], g.col[i],
                  g.w[i]);
    edgelist_free(&g), edges_free(&e);
}

/*hint 09.2
1. Which three cases does alpha distinguish, and which of p and q belongs to "going back"?
2. For each neighbour x of cur: alpha = 1/p if x == prev, 1 if graph_has_edge(g, prev, x), else 1/q; multiply by the edge weight; then divide every entry by the total.
3. prob[i] = w_i alpha_i / sum_j w_j alpha_j, and alpha = 1 for every x when prev < 0 (the first step).
*/
/*note 09.2
node2vec draws from these probabilities with an alias table precomputed for every (prev, cur) arc,
O(1) per step after O(sum of deg^2) preprocessing; recomputing them at each step, as here, costs
O(deg log deg) and no memory, which is the better trade for a graph with hubs.
*/

/* Triangle 0-1-2 plus the tail 2-3, built by hand (exercise 09.2 must not fail because of 09.1):
 * arriving at 2 from 0, the neighbours 0, 1, 3 are "back", "a neighbour of 0" and "outward". */
static edgelist_graph_t tail_triangle_by_hand(void)
{
    edgelist_graph_t g = {.n = 4, .m = 8};
    static long off[5] = {0, 2, 4, 7, 8};
    static int tg[8] = {1, 2, 0, 2, 0, 1, 3, 2};
    static float wt[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    g.row_ptr = off, g.col = tg, g.w = wt;
    return g;
}

Test(ex09_2, back_close_and_outward_with_p_2_q_half)
{
    edgelist_graph_t g = tail_triangle_by_hand();
    float prob[3];
    node2vec_probs(prob, &g, 0, 2, 2.0f, 0.5f);
    /* weights 1/p = 0.5 (back to 0), 1 (1 is 0's neighbour), 1/q = 2 (3 is not): total 3.5 */
    const float want[3] = {0.5f / 3.5f, 1.0f / 3.5f, 2.0f / 3.5f};
    const char *what[3] = {"back to 0 (1/p)", "to 1, a neighbour of 0 (1)", "outward to 3 (1/q)"};
    float sum = prob[0] + prob[1] + prob[2];
    cr_assert(fabsf(sum - 1) < 1e-5f, "probabilities from node 2: expected them to sum to 1, got %g. Hint: divide "
              "every weight by their total.", sum);
    for (int i = 0; i < 3; i++)
        cr_assert(fabsf(prob[i] - want[i]) < 1e-5f, "p = 2, q = 0.5, arrived at 2 from 0, step %s: expected %.5f, "
                  "got %.5f. Hint: 1/p is for stepping back to prev, 1/q for moving outward.", what[i], want[i], prob[i]);
}

/* A directed graph, where "x is a neighbour of t" means the arc t -> x: arcs 0 -> 1, 0 -> 2, 2 -> 0,
 * 2 -> 1, 2 -> 3 and 3 -> 0. Arriving at 2 from 0, x = 1 is close (0 -> 1 exists, 1 -> 0 does not)
 * and x = 3 is outward (3 -> 0 exists, 0 -> 3 does not). On an undirected graph the two lookups
 * agree, so the arc looked up backwards (graph_has_edge(g, x, prev)) passed every other test. */
Test(ex09_2, directed_graph_asks_for_the_arc_from_prev)
{
    static long off[5] = {0, 2, 2, 5, 6};
    static int tg[6] = {1, 2, 0, 1, 3, 0};
    static float wt[6] = {1, 1, 1, 1, 1, 1};
    edgelist_graph_t g = {.n = 4, .m = 6, .row_ptr = off, .col = tg, .w = wt};
    float prob[3];
    node2vec_probs(prob, &g, 0, 2, 2.0f, 0.5f);
    /* weights 1/p = 0.5 (back to 0), 1 (arc 0 -> 1), 1/q = 2 (no arc 0 -> 3): total 3.5 */
    const float want[3] = {0.5f / 3.5f, 1.0f / 3.5f, 2.0f / 3.5f};
    const char *what[3] = {"back to 0 (1/p)", "to 1, with the arc 0 -> 1 (1)", "outward to 3, no arc 0 -> 3 (1/q)"};
    for (int i = 0; i < 3; i++)
        cr_assert(fabsf(prob[i] - want[i]) < 1e-5f, "directed graph, p = 2, q = 0.5, arrived at 2 from 0, step %s: "
                  "expected %.5f, got %.5f. Hint: x is a neighbour of t when the arc t -> x exists: "
                  "graph_has_edge(g, prev, x), prev first (1 -> 0 and 3 -> 0 point the other way).", what[i],
                  want[i], prob[i]);
}

Test(ex09_2, first_step_follows_the_weights)
{
    edgelist_graph_t g = tail_triangle_by_hand();
    float wt[8] = {1, 1, 1, 1, 1, 3, 6, 6};
    g.w = wt; /* node 2's arcs to 0, 1, 3 weigh 1, 3, 6 */
    float prob[3];
    node2vec_probs(prob, &g, -1, 2, 4.0f, 0.25f);
    const float want[3] = {0.1f, 0.3f, 0.6f};
    for (int i = 0; i < 3; i++)
        cr_assert(fabsf(prob[i] - want[i]) < 1e-5f, "first step (prev = -1) from node 2 with weights 1, 3, 6: "
                  "expected %.2f for neighbour %d, got %.5f. Hint: without a previous node alpha is 1 and the "
                  "edge weight alone decides.", want[i], i, prob[i]);
    node2vec_probs(prob, &g, 0, 2, 1.0f, 1.0f);
    for (int i = 0; i < 3; i++)
        cr_assert(fabsf(prob[i] - want[i]) < 1e-5f, "p = q = 1 is DeepWalk: expected %.2f for neighbour %d, got "
                  "%.5f. Hint: with every alpha 1, the probability is a_vx / deg(v).", want[i], i, prob[i]);
}

Test(ex09_2, walks_from_the_library_sampler_match_the_probabilities)
{
    edgelist_graph_t g = tail_triangle_by_hand();
    rng_t rng;
    rng_seed(&rng, 9);
    float prob[3];
    int count[4] = {0};
    const int N = 20000;
    for (int t = 0; t < N; t++) {
        node2vec_probs(prob, &g, 1, 2, 0.5f, 4.0f);
        count[g.col[g.row_ptr[2] + sample_discrete(prob, 3, &rng)]]++;
    }
    /* from 1 to 2 with p = 0.5, q = 4: weights 1 (0 is 1's neighbour), 2 (back to 1), 0.25 (to 3) */
    const double want[4] = {1 / 3.25, 2 / 3.25, 0, 0.25 / 3.25};
    for (int x = 0; x < 4; x++)
        if (x != 2)
            cr_assert(fabs(count[x] / (double)N - want[x]) < 0.02, "20,000 steps from 2 (arrived from 1, p = 0.5, "
                      "q = 4): expected a share of %.3f to node %d, got %.3f. Hint: re-read the three cases of "
                      "alpha.", want[x], x, count[x] / (double)N);
}

/*hint 09.3
1. Each of the k + 1 terms is a logistic regression on s_j = u_j . v: what is its derivative with respect to s_j?
2. g_j = sigma(s_j) - t_j with t_0 = 1 (the context) and t_j = 0 (the negatives); the loss adds -log sigma(s_0) and -log sigma(-s_j).
3. dL/du_j = g_j v and dL/dv = sum_j g_j u_j: accumulate grad_v from each u_j BEFORE updating u_j -= lr g_j v, and update v -= lr grad_v at the end.
*/
/*note 09.3
This is word2vec's inner loop almost line for line (its `neu1e` is our grad_v). Real implementations
run it on many threads without locks ("Hogwild!"): updates of different pairs rarely touch the
same rows, and the occasional lost update does not hurt. Levy and Goldberg (2014) show what the
vectors converge to: u_o . z_v = PMI(v, o) - log k.
*/

typedef struct {
    float *v, *U;
    const int *ids;
    int k, d;
} sgns_ctx;

static double sgns_loss_ctx(void *p)
{
    sgns_ctx *c = p;
    return sgns_loss(c->v, c->U, c->ids, c->k, c->d);
}

Test(ex09_3, step_is_minus_lr_times_the_numerical_gradient)
{
    enum { N = 7, D = 5, K = 3 };
    rng_t rng;
    rng_seed(&rng, 3);
    float U[N * D], v[D], U0[N * D], v0[D], gU[N * D], gv[D], grad[D];
    for (int i = 0; i < N * D; i++)
        U[i] = rng_normal(&rng) * 0.7f;
    for (int i = 0; i < D; i++)
        v[i] = rng_normal(&rng) * 0.7f;
    const int ids[K + 1] = {2, 5, 0, 6};
    memcpy(U0, U, sizeof U), memcpy(v0, v, sizeof v);
    /* Centered differences of the double-precision loss, h = 1e-3: truncation ~h^2 |l'''| < 1e-5,
     * rounding ~1e-7/h = 1e-4; bound 2e-3 on the step below (lr 0.5 times the gradient). */
    sgns_ctx c = {v0, U0, ids, K, D};
    for (int i = 0; i < D; i++) {
        float keep = v0[i];
        v0[i] = keep + 1e-3f;
        double lp = sgns_loss_ctx(&c);
        v0[i] = keep - 1e-3f;
        double lm = sgns_loss_ctx(&c);
        v0[i] = keep;
        gv[i] = (float)((lp - lm) / 2e-3);
    }
    for (int i = 0; i < N * D; i++) {
        float keep = U0[i];
        U0[i] = keep + 1e-3f;
        double lp = sgns_loss_ctx(&c);
        U0[i] = keep - 1e-3f;
        double lm = sgns_loss_ctx(&c);
        U0[i] = keep;
        gU[i] = (float)((lp - lm) / 2e-3);
    }
    double want_loss = sgns_loss_ctx(&c);
    const float lr = 0.5f;
    for (int i = 0; i < D; i++)
        grad[i] = 100; /* grad_v is scratch: it may hold anything on entry */
    float loss = sgns_step(v, U, ids, K, D, lr, grad);
    cr_assert(fabs(loss - want_loss) < 1e-4 * (1 + want_loss), "loss: expected %.6f = -log sigma(u_o.v) - sum "
              "log sigma(-u_k.v), got %.6f. Hint: the negatives enter with the minus sign inside sigma, and every s_j "
              "is u_j . v with v as it was before the step (v moves once, after the loop).", want_loss,
              loss);
    for (int i = 0; i < N * D; i++) {
        float want = U0[i] - lr * gU[i];
        cr_assert(fabsf(U[i] - want) < 2e-3f, "U[%d][%d] after the step: expected %.5f (old %.5f minus lr times the "
                  "numerical gradient %.5f), got %.5f. Hint: dL/du_j = (sigma(s_j) - t_j) v, with t = 1 only for "
                  "the context; step against the gradient.", i / D, i % D, want, U0[i], gU[i], U[i]);
    }
    for (int i = 0; i < D; i++) {
        float want = v0[i] - lr * gv[i];
        cr_assert(fabsf(v[i] - want) < 2e-3f, "v[%d] after the step: expected %.5f (old %.5f minus lr times the "
                  "numerical gradient %.5f), got %.5f. Hint: dL/dv = sum_j (sigma(s_j) - t_j) u_j with the u_j "
                  "as they were BEFORE this step, summed into grad_v from zero (grad_v is scratch that holds "
                  "anything on entry: set it to 0 first).", i, want, v0[i], gv[i], v[i]);
    }
}

Test(ex09_3, finite_for_huge_dot_products)
{
    float v[2] = {30, 30}, U[3 * 2] = {-30, -30, 30, 30, 1, 0}, grad[2] = {100, 100}; /* scratch, not zeroed */
    const int ids[2] = {0, 1}; /* the context scores -1800, the negative +1800: the worst case */
    float loss = sgns_step(v, U, ids, 1, 2, 0.01f, grad);
    cr_assert(isfinite(loss) && fabsf(loss - 3600) < 1, "loss with s = -1800 (context) and +1800 (negative): "
              "expected 3600, got %g. Hint: use log_sigmoid, which never overflows; log(sigmoidf(s)) is -inf.", loss);
    for (int i = 0; i < 2; i++)
        cr_assert(isfinite(v[i]) && isfinite(U[i]), "vectors must stay finite, got v[%d] = %g. Hint: sigmoidf is "
                  "safe for any s.", i, v[i]);
}

/*hint 09.4
1. What does the cosine ignore that the dot product does not?
2. Divide the dot product by both vectors' lengths.
3. cos = sum a_i b_i / (sqrt(sum a_i^2) sqrt(sum b_i^2)), accumulated in double, and 0 when a length is 0.
*/
/*note 09.4
Normalizing every embedding to unit length once, then using dot products, gives the same ranking
at a fraction of the cost: that is how nearest-neighbour indexes (FAISS's inner-product search)
serve cosine similarity.
*/

Test(ex09_4, known_values)
{
    const float a[2] = {1, 0}, b[2] = {1, 1}, c[2] = {0, 3}, z[2] = {0, 0};
    float ab = cosine(a, b, 2), ac = cosine(a, c, 2), az = cosine(a, z, 2);
    cr_assert(fabsf(ab - 0.70710678f) < 1e-6f, "cos((1,0), (1,1)): expected 1/sqrt(2) = 0.70711, got %.5f. Hint: "
              "divide the dot product by both lengths.", ab);
    cr_assert(fabsf(ac) < 1e-7f, "cos((1,0), (0,3)): expected 0 (orthogonal), got %g.", ac);
    cr_assert(az == 0, "cos with a zero vector: expected 0 (by convention), got %g. Hint: test the lengths before "
              "dividing.", az);
}

Test(ex09_4, ignores_length)
{
    const float a[3] = {1, 2, 3}, b[3] = {2, 4, 6}, c[3] = {-10, -20, -30}, d[3] = {3, -1, 2};
    float ab = cosine(a, b, 3), ac = cosine(a, c, 3), ad = cosine(a, d, 3);
    cr_assert(fabsf(ab - 1) < 1e-6f && fabsf(ac + 1) < 1e-6f, "cos(a, 2a) and cos(a, -10a): expected 1 and -1, got "
              "%g and %g. Hint: the cosine depends on the angle only, not on the lengths.", ab, ac);
    cr_assert(fabsf(ad - 7.0f / 14.0f) < 1e-6f, "cos((1,2,3), (3,-1,2)): expected 7/14 = 0.5, got %g.", ad);
}

Test(ex09_4, accumulates_in_double)
{
    /* a = (1e8, 1, -1e8), b = (1, 1, 1): a.b = 1e8 + 1 - 1e8 = 1, |a|^2 = 2e16 + 1, |b|^2 = 3, so
     * cos = 1 / sqrt(3 (2e16 + 1)) = 4.0824829e-9. Every product is exact in float, but a float sum
     * rounds 1e8 + 1 to 1e8 (floats near 1e8 are 8 apart) and the dot product cancels to 0. */
    const float a[3] = {1e8f, 1, -1e8f}, b[3] = {1, 1, 1};
    const double want = 1 / sqrt(3 * (2e16 + 1));
    float got = cosine(a, b, 3);
    cr_assert(fabs(got - want) < 1e-3 * want, "cos((1e8, 1, -1e8), (1, 1, 1)): expected %.6g, got %.6g. Hint: "
              "accumulate the three sums in double, as the exercise says: in float, 1e8 + 1 is 1e8 and the dot "
              "product cancels to 0", want, (double)got);
}

/*hint 09.5
1. What rank does a score get when three scores share the value at positions 4, 5, 6 of the sorted order?
2. Walk the sorted order in runs of equal scores; every member of a run gets the average of the 1-based ranks the run occupies (a half for an even run: divide by 2.0).
3. AUC = (sum of the positives' ranks - P (P + 1) / 2) / (P N), ranks counted from 1.
*/
/*note 09.5
The rank form is how statistics packages compute the Mann-Whitney U test, and how the trapezoid
area of chapter 6 comes out the same: a run of tied scores is one diagonal segment of the ROC
curve, whose area is exactly the half credit the midranks give.
*/

/*forbid 09.5
-- its twins in common/metrics.h: the exercise writes its own
metrics_roc_auc metrics_roc_curve
*/

Test(ex09_5, the_textbook_example)
{
    const float s[4] = {0.1f, 0.4f, 0.35f, 0.8f};
    const int y[4] = {0, 0, 1, 1}; /* positives beat 3 of the 4 (positive, negative) pairs */
    double auc = roc_auc(s, y, 4);
    cr_assert(fabs(auc - 0.75) < 1e-9, "scores 0.1 0.4 0.35 0.8 with labels 0 0 1 1: expected 0.75, got %.4f. "
              "Hint: ranks count from 1, and subtract P (P + 1) / 2.", auc);
}

Test(ex09_5, ties_count_one_half_whatever_their_order)
{
    const float s[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    const int y[6] = {1, 0, 1, 0, 0, 1};
    int pos_first[6] = {0, 2, 5, 1, 3, 4}, pos_last[6] = {1, 3, 4, 0, 2, 5};
    double a = auc_from_order(s, y, pos_first, 6), b = auc_from_order(s, y, pos_last, 6);
    cr_assert(fabs(a - 0.5) < 1e-9 && fabs(b - 0.5) < 1e-9, "six equal scores: expected AUC 0.5 with the positives "
              "sorted first and last, got %.4f and %.4f. Hint: a run of tied scores all get the average of their "
              "ranks.", a, b);
    const float t[5] = {0.2f, 0.7f, 0.7f, 0.7f, 0.9f};
    const int z[5] = {0, 1, 0, 0, 1};
    int o1[5] = {0, 1, 2, 3, 4}, o2[5] = {0, 2, 3, 1, 4};
    /* pairs: pos 0.7 vs neg 0.2 win, vs two negs 0.7 tie (2 x 1/2); pos 0.9 beats all 3: (1 + 1 + 3) / 6 */
    double c = auc_from_order(t, z, o1, 5), d = auc_from_order(t, z, o2, 5);
    cr_assert(fabs(c - 5.0 / 6) < 1e-9 && fabs(d - 5.0 / 6) < 1e-9, "scores 0.2 0.7 0.7 0.7 0.9, labels 0 1 0 0 1: "
              "expected 5/6 in either tie order, got %.4f and %.4f. Hint: midranks.", c, d);
    /* the same scores and labels, not given in sorted order: the ties sit at indices 0, 3, 4 */
    const float u[5] = {0.7f, 0.2f, 0.9f, 0.7f, 0.7f};
    const int x[5] = {1, 0, 1, 0, 0};
    int o3[5] = {1, 0, 3, 4, 2};
    double f = auc_from_order(u, x, o3, 5);
    cr_assert(fabs(f - 5.0 / 6) < 1e-9, "scores 0.7 0.2 0.9 0.7 0.7 (labels 1 0 1 0 0), order 1 0 3 4 2: expected 5/6, "
              "got %.4f. Hint: a run of ties is found along the sorted order: compare scores[order[t]], not "
              "scores[t]", f);
}

Test(ex09_5, agrees_with_the_trapezoids_of_chapter_6)
{
    rng_t rng;
    rng_seed(&rng, 5);
    enum { N = 300 };
    float s[N];
    int y[N];
    for (int i = 0; i < N; i++) {
        y[i] = rng_uniform(&rng) < 0.4f;
        s[i] = roundf((rng_normal(&rng) + y[i]) * 4) / 4; /* many ties */
    }
    double mine = roc_auc(s, y, N), lib = metrics_roc_auc(s, y, N);
    cr_assert(fabs(mine - lib) < 1e-9, "300 scores with many ties: expected %.6f (trapezoids, metrics_roc_auc), got "
              "%.6f. Hint: check the midranks and the P (P + 1) / 2.", lib, mine);
}

/*hint 09.6
1. Which matrix's eigenvectors are the principal components, and what must be subtracted from the data first?
2. Center each column, C = Xc^T Xc / (n - 1) (matmul_blas, trans_a = 1, alpha = 1.0f / (n - 1): the int 1 / (n - 1) is 0), power_step iters times from a random w, flip the sign so the largest |coordinate| is positive.
3. Deflate before the second component: lambda = w^T C w, C -= lambda w w^T; proj[i][c] = Xc[i] . comps[c].
*/
/*note 09.6
Power iteration converges at the rate lambda_2 / lambda_1; Lanczos and randomized SVD (sklearn's
default PCA solver for large data) get the top components of million-row matrices the same way,
touching the data only through matrix products.
*/

/* 500 points in 3-D: standard deviations 3, 1, 0.1 along an orthonormal basis R, shifted by mean. */
static void pca_data(float *X, float R[3][3], int n)
{
    const float s = 0.6f, c = 0.8f; /* R: a rotation about z, then rows as axes */
    float axes[3][3] = {{c, s, 0}, {-s * 0.6f, c * 0.6f, 0.8f}, {s * 0.8f, -c * 0.8f, 0.6f}};
    memcpy(R, axes, sizeof axes);
    const float sd[3] = {3, 1, 0.1f}, mean[3] = {20, -30, 10};
    rng_t rng;
    rng_seed(&rng, 6);
    for (int i = 0; i < n; i++) {
        float z[3] = {rng_normal(&rng) * sd[0], rng_normal(&rng) * sd[1], rng_normal(&rng) * sd[2]};
        for (int j = 0; j < 3; j++)
            X[i * 3 + j] = mean[j] + z[0] * R[0][j] + z[1] * R[1][j] + z[2] * R[2][j];
    }
}

Test(ex09_6, finds_the_axes_of_a_shifted_ellipsoid)
{
    enum { N = 500, D = 3 };
    static float X[N * D], Xc[N * D], proj[N * 2];
    float R[3][3], comps[2 * D], C[D * D], w[D];
    pca_data(X, R, N);
    rng_t rng;
    rng_seed(&rng, 7);
    pca_2d(proj, comps, X, N, D, 300, Xc, C, w, &rng);
    for (int c = 0; c < 2; c++) {
        double dot = 0, norm = 0;
        for (int j = 0; j < D; j++)
            dot += comps[c * D + j] * R[c][j], norm += comps[c * D + j] * comps[c * D + j];
        cr_assert(fabs(sqrt(norm) - 1) < 1e-3, "component %d: expected a unit vector, got length %.4f. Hint: "
                  "power_step normalizes; store w itself.", c + 1, sqrt(norm));
        cr_assert(fabs(dot) > 0.995, "component %d: expected the axis (%.2f, %.2f, %.2f) (sd %s), got (%.3f, %.3f, "
                  "%.3f). Hint: %s", c + 1, R[c][0], R[c][1], R[c][2], c ? "1" : "3", comps[c * D], comps[c * D + 1],
                  comps[c * D + 2], c ? "deflate C by lambda_1 w_1 w_1^T before looking for the second component"
                                      : "center the columns first: the mean (20, -30, 10) is not a direction of "
                                        "variance");
        int big = 0;
        for (int j = 1; j < D; j++)
            big = fabsf(comps[c * D + j]) > fabsf(comps[c * D + big]) ? j : big;
        cr_assert(comps[c * D + big] > 0, "component %d: expected its largest coordinate to be positive (the sign "
                  "convention), got %g. Hint: flip w when w[big] < 0.", c + 1, comps[c * D + big]);
    }
    double mean[D] = {0};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++)
            mean[j] += X[i * D + j] / (double)N;
    for (int i = 0; i < N; i += 37)
        for (int c = 0; c < 2; c++) {
            double want = 0;
            for (int j = 0; j < D; j++)
                want += (X[i * D + j] - mean[j]) * comps[c * D + j];
            cr_assert(fabs(proj[i * 2 + c] - want) < 1e-3 * (1 + fabs(want)), "proj[%d][%d]: expected the centered "
                      "point's coordinate %.4f, got %.4f. Hint: project Xc, not X.", i, c, want, proj[i * 2 + c]);
        }
}

Test(ex09_6, projections_have_the_variances_of_the_axes)
{
    enum { N = 500, D = 3 };
    static float X[N * D], Xc[N * D], proj[N * 2];
    float R[3][3], comps[2 * D], C[D * D], w[D];
    pca_data(X, R, N);
    rng_t rng;
    rng_seed(&rng, 8);
    pca_2d(proj, comps, X, N, D, 300, Xc, C, w, &rng);
    for (int c = 0; c < 2; c++) {
        double m = 0, v = 0;
        for (int i = 0; i < N; i++)
            m += proj[i * 2 + c];
        m /= N;
        for (int i = 0; i < N; i++)
            v += (proj[i * 2 + c] - m) * (proj[i * 2 + c] - m);
        double sd = sqrt(v / (N - 1)), want = c ? 1.0 : 3.0;
        cr_assert(fabs(m) < 1e-2 && fabs(sd - want) < 0.25 * want, "projection on component %d: expected mean 0 "
                  "and standard deviation about %.0f, got mean %.3f, sd %.3f. Hint: centered data, unit components, "
                  "and a second component orthogonal to the first.", c + 1, want, m, sd);
    }
}

Test(ex09_6, sign_convention_from_any_start)
{
    /* Power iteration ends at +w or -w depending on its random start; whatever the start, each stored
     * component has its largest coordinate in absolute value positive. Six starts: a rule that only
     * works for one of the two signs (the largest signed coordinate, say) fails on some of them. */
    enum { N = 500, D = 3, STARTS = 6 };
    static float X[N * D], Xc[N * D], proj[N * 2];
    float R[3][3], comps[2 * D], C[D * D], w[D];
    pca_data(X, R, N);
    for (int s = 0; s < STARTS; s++) {
        rng_t rng;
        rng_seed(&rng, 100 + s);
        pca_2d(proj, comps, X, N, D, 300, Xc, C, w, &rng);
        for (int c = 0; c < 2; c++) {
            int big = 0;
            for (int j = 1; j < D; j++)
                big = fabsf(comps[c * D + j]) > fabsf(comps[c * D + big]) ? j : big;
            cr_assert(comps[c * D + big] > 0, "start %d, component %d = (%.3f, %.3f, %.3f): expected its largest "
                      "coordinate IN ABSOLUTE VALUE to be positive, got %g. Hint: find big by fabsf(w[j]), then "
                      "flip w when w[big] < 0", s, c + 1, comps[c * D], comps[c * D + 1], comps[c * D + 2],
                      comps[c * D + big]);
        }
    }
}

/*hint 09.7
1. What is the degree of a node in A + I, and which nodes' degrees scale the weight of the arc u -> v?
2. First pass: d_v = sum of row v's weights (the self loop included). Second pass: multiply each weight a_uv by 1/sqrt(d_u) and 1/sqrt(d_v).
3. Ahat_uv = (A + I)_uv / sqrt(d~_u d~_v) with d~_v = 1 + deg(v) for an unweighted graph.
*/
/*note 09.7
The symmetric normalization makes Ahat's eigenvalues lie in (-1, 1], so stacking layers neither
explodes nor vanishes; Kipf and Welling call adding I the "renormalization trick". GraphSAGE uses
the row average D^-1 A instead, and GAT learns the weights with attention (chapter 10).
*/

/* The path 0-1-2 as A + I, built by hand (structure and weights of A + I, lists sorted). */
static edgelist_graph_t path_plus_i(long *off, int *tg, float *wt)
{
    const long o[4] = {0, 2, 5, 7};
    const int t[7] = {0, 1, 0, 1, 2, 1, 2};
    for (int i = 0; i < 4; i++)
        off[i] = o[i];
    for (int i = 0; i < 7; i++)
        tg[i] = t[i], wt[i] = 1;
    return (edgelist_graph_t){.n = 3, .m = 7, .row_ptr = off, .col = tg, .w = wt};
}

Test(ex09_7, path_of_three)
{
    long off[4];
    int tg[7];
    float wt[7], dinv[3];
    edgelist_graph_t a = path_plus_i(off, tg, wt);
    gcn_normalize(&a, dinv);
    /* d~ = 2, 3, 2: diagonal 1/2, 1/3, 1/2; off-diagonal 1/sqrt(2 * 3) */
    const float want[7] = {0.5f, 0.40824829f, 0.40824829f, 1.0f / 3, 0.40824829f, 0.40824829f, 0.5f};
    const char *where[7] = {"(0,0)", "(0,1)", "(1,0)", "(1,1)", "(1,2)", "(2,1)", "(2,2)"};
    for (int i = 0; i < 7; i++)
        cr_assert(fabsf(a.w[i] - want[i]) < 1e-6f, "path 0-1-2, Ahat%s: expected %.5f, got %.5f. Hint: the "
                  "degrees of A + I are 2, 3, 2 (the self loop counts), and the weight u -> v is divided by "
                  "sqrt(d_u d_v), not by d_u.", where[i], want[i], a.w[i]);
}

Test(ex09_7, weighted_path_of_three)
{
    /* The path 0-1-2 with weights a_01 = 2, a_12 = 0.5, plus I: d~ = 1 + 2, 2 + 1 + 0.5, 0.5 + 1 = 3, 3.5, 1.5
     * (sums of the weights, not the 2, 3, 2 entries of each row); Ahat_uv = (A + I)_uv / sqrt(d~_u d~_v). */
    long off[4];
    int tg[7];
    float wt[7], dinv[3];
    edgelist_graph_t a = path_plus_i(off, tg, wt);
    wt[1] = wt[2] = 2, wt[4] = wt[5] = 0.5f;
    for (int v = 0; v < 3; v++)
        dinv[v] = NAN; /* scratch: garbage on entry */
    gcn_normalize(&a, dinv);
    const double want[7] = {1 / 3.0, 2 / sqrt(3 * 3.5), 2 / sqrt(3 * 3.5), 1 / 3.5, 0.5 / sqrt(3.5 * 1.5),
                            0.5 / sqrt(3.5 * 1.5), 1 / 1.5};
    const char *where[7] = {"(0,0)", "(0,1)", "(1,0)", "(1,1)", "(1,2)", "(2,1)", "(2,2)"};
    for (int i = 0; i < 7; i++)
        cr_assert(fabs(a.w[i] - want[i]) < 1e-6, "path 0-1-2 with weights 2 and 0.5, Ahat%s: expected %.5f, got %.5f. "
                  "Hint: %s", where[i], want[i], (double)a.w[i], isnan(a.w[i]) ? "dinv is scratch (NaN here on "
                  "entry): entry (u, v) needs d~ of BOTH ends, so compute every d~_v^-1/2 in a first pass over all "
                  "rows, then scale the entries in a second pass" : "d~_v is the SUM of row v's weights of A + I, "
                  "self loop included (3, 3.5, 1.5 here), not its number of entries");
}

Test(ex09_7, sqrt_degree_is_an_eigenvector_of_eigenvalue_one)
{
    /* Ahat d~^(1/2) = D~^-1/2 (A + I) 1 = D~^-1/2 d~ = d~^(1/2): checks every weight at once, on the karate club. */
    edges_t e = karate_edges();
    /* the structure of A + I by hand (no exercise code): neighbours sorted with the node itself merged in */
    long off[35] = {0};
    int tg[34 + 156];
    float wt[34 + 156], dinv[34], x[34], y[34];
    int deg[34] = {0};
    for (long i = 0; i < e.count; i++)
        deg[e.src[i]]++, deg[e.dst[i]]++;
    for (int v = 0; v < 34; v++)
        off[v + 1] = off[v] + deg[v] + 1;
    for (int v = 0; v < 34; v++) {
        long k = off[v];
        for (int u = 0; u < 34; u++) {
            int adj = u == v;
            for (long i = 0; i < e.count && !adj; i++)
                adj = (e.src[i] == u && e.dst[i] == v) || (e.src[i] == v && e.dst[i] == u);
            if (adj)
                tg[k] = u, wt[k++] = 1;
        }
    }
    edgelist_graph_t a = {.n = 34, .m = 190, .row_ptr = off, .col = tg, .w = wt};
    gcn_normalize(&a, dinv);
    for (int v = 0; v < 34; v++)
        x[v] = sqrtf(1.0f + KARATE_DEG[v]);
    spmm(y, &a, x, 1);
    for (int v = 0; v < 34; v++)
        cr_assert(fabsf(y[v] - x[v]) < 1e-4f * x[v], "karate club: (Ahat sqrt(d~))[%d]: expected %.5f, got %.5f. "
                  "Hint: D~^-1/2 (A + I) D~^-1/2 with d~ = 1 + deg must map sqrt(d~) to itself; is the self loop "
                  "counted in d~?", v, x[v], y[v]);
    edges_free(&e);
}

/* --- the chapter's other promises (no points) -------------------------------------------------- */

/* The chapter's bad-input promises for edge-list files, through the library's reader: each gives
 * a file:line paragraph with a hint, and the reader returns -1 (the chapter's main then exits 1). */
typedef struct {
    const char *text;
    edgelist_options_t opt;
} load_case;

static void load_case_run(void *p)
{
    load_case *c = p;
    char path[] = "/tmp/ch09_edges_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, c->text, strlen(c->text)) != (ssize_t)strlen(c->text))
        _exit(99);
    close(fd);
    edgelist_graph_t g;
    int rc = edgelist_read(&g, path, &c->opt);
    unlink(path);
    if (rc == 0)
        edgelist_free(&g);
    _exit(rc == 0 ? 0 : 1);
}

static void expect_load_error(const char *text, edgelist_options_t opt, const char *line_tag, const char *what)
{
    load_case c = {text, opt};
    char err[2048];
    int status = capture_stderr(load_case_run, &c, err, sizeof err);
    cr_assert(status == 1, "edgelist_read on %s: expected it to return -1, got exit status %d; stderr: %s", what,
              status, err);
    cr_assert(strstr(err, line_tag) != NULL, "edgelist_read on %s: expected the message to name '%s', got: %s", what,
              line_tag, err);
    cr_assert(strstr(err, "hint:") != NULL, "edgelist_read on %s: expected a hint, got: %s", what, err);
}

Test(ch09, malformed_line_is_reported_with_file_and_line)
{
    const edgelist_options_t plain = {0};
    expect_load_error("0 1\n1 2\n2 x\n", plain, ":3: \"x\" is not a node id", "a malformed third line");
    expect_load_error("# header\n0 1 0.5 junk\n", plain, ":2: more than 3 fields", "trailing junk after the weight");
    expect_load_error("0\n", plain, ":1: 1 field", "a line with one id");
}

Test(ch09, out_of_range_self_loop_and_empty)
{
    const edgelist_options_t karate = {.n = 34, .undirected = 1}, plain = {0};
    expect_load_error("0 1\n1 34\n", karate, ":2: node id 34 is out of range: expected 0 .. 33", "an id past n - 1");
    expect_load_error("0 1\n2 2\n", plain, ":2: self loop 2 -> 2", "a forbidden self loop");
    expect_load_error("# nothing\n\n", plain, "no edges", "a file without edges");
    load_case ok = {"0 1\n2 2 0.5\n", {.allow_self_loops = 1}};
    char err[512];
    int status = capture_stderr(load_case_run, &ok, err, sizeof err);
    cr_assert(status == 0, "a self loop with allow_self_loops must load; got status %d: %s", status, err);
}

Test(ch09, empty_package_list_is_an_error)
{
    packages_t pk;
    FILE *f = tmpfile();
    cr_assert(f);
    fputs("# nothing here\n\n", f);
    rewind(f);
    int rc = packages_read(&pk, f, "empty.txt");
    fclose(f);
    cr_assert(rc == -1, "an empty package list: expected -1, got %d", rc);
}

Test(ch09, package_sample_loads)
{
    packages_t pk;
    cr_assert(packages_load(&pk, DATASETS "/debian-packages-sample/packages.txt") == 0);
    cr_assert(pk.n == 600 && pk.deps.count > 300, "the committed excerpt: expected 600 packages and more than 300 "
              "dependencies among them, got %d and %ld", pk.n, pk.deps.count);
    int py = -1;
    for (int s = 0; s < pk.n_sections; s++)
        if (strcmp(pk.sections[s], "python") == 0)
            py = s;
    cr_assert(py >= 0, "the excerpt has a 'python' section");
    packages_free(&pk);
}

/* GCN backward against centered differences of sum(Q * R), R a random upstream gradient, on a
 * 5-node graph with hand-made symmetric weights (no exercise code). tanh-free: the ReLU has kinks,
 * which gradcheck detects and skips. Bound: 1e-2 relative at h = 1e-2 (float32 forward). */
typedef struct {
    gcn_t *m;
    const float *X, *R;
} gcn_ctx;

static double gcn_upstream_loss(void *p)
{
    gcn_ctx *c = p;
    gcn_forward(c->m, c->X);
    return gradcheck_dot(c->m->Q, c->R, (size_t)c->m->n * c->m->K);
}

Test(ch09, gcn_backward_matches_centered_differences)
{
    static long off[6] = {0, 3, 6, 9, 11, 13};
    static int tg[13] = {0, 1, 2, 0, 1, 3, 0, 2, 4, 1, 3, 2, 4};
    static float wt[13] = {0.4f, 0.3f, 0.2f, 0.3f, 0.5f, 0.25f, 0.2f, 0.35f, 0.3f, 0.25f, 0.6f, 0.3f, 0.5f};
    edgelist_graph_t a = {.n = 5, .m = 13, .row_ptr = off, .col = tg, .w = wt};
    rng_t rng;
    rng_seed(&rng, 11);
    gcn_t m = gcn_new(&a, 4, 6, 3, &rng);
    float X[5 * 4], R[5 * 3];
    for (int i = 0; i < 20; i++)
        X[i] = rng_normal(&rng);
    gradcheck_random_upstream(R, 15, &rng);
    gcn_forward(&m, X);
    memcpy(m.dQ, R, sizeof R);
    gcn_backward(&m, X);
    gcn_ctx c = {&m, X, R};
    double e1 = gradcheck_max_rel_error(gcn_upstream_loss, &c, m.W1, m.dW1, 4 * 6, 1e-2f);
    double e2 = gradcheck_max_rel_error(gcn_upstream_loss, &c, m.W2, m.dW2, 6 * 3, 1e-2f);
    cr_assert(e1 < 1e-2 && e2 < 1e-2, "GCN backward: relative errors %.2g (W1) and %.2g (W2), bound 1e-2", e1, e2);
    gcn_free(&m);
}

/*hint 09.8
1. When is the loss zero, and what should a step do then? Which two distances does the loss compare?
2. Compute both sign vectors g = sign(e_h + r - e_t) and g' = sign(e_h' + r - e_t') before touching any row; then move e_h by -lr g, e_t by +lr g, e_h' by +lr g', e_t' by -lr g', and r by -lr (g - g').
3. loss = max(0, margin + |e_h + r - e_t|_1 - |e_h' + r - e_t'|_1); d|x|/dx = sign(x). A corrupted triple shares its head or its tail with the true one: that row gets both updates, added.
*/
/*note 09.8
The hinge makes TransE learn only from pairs it still gets wrong by less than the margin, like a
support vector machine; as training goes on, fewer pairs are active (transe.csv logs the share).
The L1 norm's gradient is a sign, so each term moves a coordinate by exactly lr or not at all: the
step size does not shrink near the optimum, one reason the learning rate matters more than for a smooth
loss. Successors keep the margin loss and change the geometry: TransH and TransR translate in a
relation-specific hyperplane or space (so "section" can send many packages to one point without
making them identical), RotatE rotates in the complex plane (symmetric and inverse relations).
*/

/* Entities (n, d) and relations (nr, d) drawn from rng, coordinates in [-1, 1]. */
static void transe_random(float *E, float *R, int n, int nr, int d, rng_t *rng)
{
    for (int i = 0; i < n * d; i++)
        E[i] = rng_range(rng, -1, 1);
    for (int i = 0; i < nr * d; i++)
        R[i] = rng_range(rng, -1, 1);
}

Test(ex09_8, margin_met_leaves_everything_unchanged)
{
    enum { D = 4 };
    /* true triple 0 + r -> 1 exactly (distance 0); corrupted 0 + r -> 2 at distance 6 > margin 1 */
    float E[3 * D] = {0, 0, 0, 0, 1, 1, 1, 1, -1, -1, 2, 2}, R[D] = {1, 1, 1, 1}, E0[3 * D], R0[D], g[2 * D];
    memcpy(E0, E, sizeof E), memcpy(R0, R, sizeof R);
    const int pos[3] = {0, 0, 1}, neg[3] = {0, 0, 2};
    float loss = transe_step(E, R, pos, neg, D, 1.0f, 0.1f, g);
    cr_assert(loss == 0.0f, "a pair whose margin is met (distances 0 and 6, margin 1): expected loss 0, got %g. Hint: "
              "the loss is max(0, margin + f(true) - f(corrupted)): never negative", (double)loss);
    cr_assert(memcmp(E, E0, sizeof E) == 0 && memcmp(R, R0, sizeof R) == 0, "a pair whose margin is met must leave "
              "every vector unchanged (the hinge's gradient is 0 there); some moved. Hint: return before the update "
              "when the loss is not positive");
}

Test(ex09_8, step_is_minus_lr_times_the_subgradient_tail_corrupted)
{
    enum { N = 5, D = 8 };
    rng_t rng;
    rng_seed(&rng, 21);
    float E[N * D], R[2 * D], E0[N * D], R0[2 * D], g[2 * D];
    transe_random(E, R, N, 2, D, &rng);
    memcpy(E0, E, sizeof E), memcpy(R0, R, sizeof R);
    const int pos[3] = {0, 1, 2}, neg[3] = {0, 1, 4}; /* the head is shared */
    const float margin = 10, lr = 0.05f;
    double want = transe_loss(E, R, pos, neg, D, margin); /* margin + f(pos) - f(neg), positive here */
    float loss = transe_step(E, R, pos, neg, D, margin, lr, g);
    cr_assert(fabs(loss - want) < 1e-4, "loss: expected margin + |e_0 + r_1 - e_2|_1 - |e_0 + r_1 - e_4|_1 = %.5f, got "
              "%.5f. Hint: the L1 norm is a sum of absolute values, of the rows as they were passed in (the "
              "caller normalizes them; transe_step changes them only by the step)", want, (double)loss);
    for (int i = 0; i < D; i++) {
        float gp = signf(E0[i] + R0[D + i] - E0[2 * D + i]), gn = signf(E0[i] + R0[D + i] - E0[4 * D + i]);
        float want_h = E0[i] - lr * gp + lr * gn, want_t = E0[2 * D + i] + lr * gp;
        float want_tn = E0[4 * D + i] - lr * gn, want_r = R0[D + i] - lr * (gp - gn);
        cr_assert(fabsf(E[i] - want_h) < 1e-6f, "e_h[%d] (the head, shared by both triples): expected %g - lr g + lr g' "
                  "= %.6f, got %.6f. Hint: the shared row gets both updates, from the signs computed before the step",
                  i, (double)E0[i], (double)want_h, (double)E[i]);
        cr_assert(fabsf(E[2 * D + i] - want_t) < 1e-6f, "e_t[%d]: expected e_t + lr g = %.6f, got %.6f. Hint: "
                  "d|e_h + r - e_t|/de_t = -sign(e_h + r - e_t), so a step moves e_t by +lr g", i, (double)want_t,
                  (double)E[2 * D + i]);
        cr_assert(fabsf(E[4 * D + i] - want_tn) < 1e-6f, "e_t'[%d] (the corrupted tail): expected e_t' - lr g' = %.6f, "
                  "got %.6f. Hint: the corrupted triple enters the loss with a minus sign: its tail moves away", i,
                  (double)want_tn, (double)E[4 * D + i]);
        cr_assert(fabsf(R[D + i] - want_r) < 1e-6f, "r[%d]: expected r - lr (g - g') = %.6f, got %.6f. Hint: both "
                  "triples use r, with opposite signs in the loss; the gradient is a sign vector, not e_h + r - e_t",
                  i, (double)want_r, (double)R[D + i]);
        cr_assert(E[D + i] == E0[D + i] && E[3 * D + i] == E0[3 * D + i] && R[i] == R0[i], "entities 1 and 3 and "
                  "relation 0 take no part in the pair and must not move (coordinate %d moved)", i);
    }
}

Test(ex09_8, both_signs_come_from_the_vectors_before_the_step)
{
    /* d = 2, the head shared: e_h = (0, 0.5), e_t = (1, -0.5), e_t' = (0.05, 0.9), r = (0.02, 0.3); margin 1,
     * lr 0.1. e_h + r - e_t = (-0.98, 1.3): g = (-1, 1); e_h + r - e_t' = (-0.03, -0.1): g' = (-1, -1);
     * loss = 1 + 2.28 - 0.13 = 3.15. After the step: e_h = e_h - lr g + lr g' = (0, 0.3), e_t = e_t + lr g =
     * (0.9, -0.4), e_t' = e_t' - lr g' = (0.15, 1), r = r - lr (g - g') = (0.02, 0.1). Taking g'_0 after e_h or
     * r moved by 0.1 would see 0.07 > 0 instead of -0.03, and give g'_0 = +1. */
    enum { D = 2 };
    float E[3 * D] = {0, 0.5f, 1, -0.5f, 0.05f, 0.9f}, R[D] = {0.02f, 0.3f}, g[2 * D];
    const int pos[3] = {0, 0, 1}, neg[3] = {0, 0, 2};
    float loss = transe_step(E, R, pos, neg, D, 1.0f, 0.1f, g);
    cr_assert(fabsf(loss - 3.15f) < 1e-5f, "loss: expected 1 + 2.28 - 0.13 = 3.15, got %.6f", (double)loss);
    const float want[4][D] = {{0, 0.3f}, {0.9f, -0.4f}, {0.15f, 1}, {0.02f, 0.1f}};
    const float *got[4] = {E, E + D, E + 2 * D, R};
    const char *name[4] = {"e_h (shared)", "e_t", "e_t' (the corrupted tail)", "r"};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < D; i++)
            cr_assert(fabsf(got[k][i] - want[k][i]) < 1e-6f, "%s[%d] after the step: expected %.4f, got %.4f. Hint: "
                      "compute both sign vectors g and g' from the vectors BEFORE the step, then move the rows; "
                      "g'_0 = sign(-0.03) = -1 here, but +1 if e_h or r has already moved", name[k], i,
                      (double)want[k][i], (double)got[k][i]);
}

typedef struct {
    float *E, *R;
    const int *pos, *neg;
    int d;
    float margin;
} transe_ctx;

static double transe_loss_ctx(void *p)
{
    transe_ctx *c = p;
    return transe_loss(c->E, c->R, c->pos, c->neg, c->d, c->margin);
}

/* Head corrupted (the tail is shared): the step's change, divided by -lr, against centered differences of the
 * loss (transe_loss, not the exercise's code) for every coordinate of the four rows involved. The L1 loss is
 * piecewise linear: away from its kinks (no |e_h + r - e_t| coordinate within h = 1e-3 of 0 with this seed) the
 * centered difference is exact up to float rounding, about 1e-7 / 1e-3 = 1e-4; bound 1e-2 absolute. */
Test(ex09_8, head_corrupted_matches_centered_differences)
{
    enum { N = 6, D = 6 };
    rng_t rng;
    rng_seed(&rng, 5);
    float E[N * D], R[2 * D], E1[N * D], R1[2 * D], g[2 * D];
    transe_random(E, R, N, 2, D, &rng);
    const int pos[3] = {1, 0, 3}, neg[3] = {5, 0, 3};
    const float margin = 8, lr = 1e-2f;
    transe_ctx c = {E, R, pos, neg, D, margin};
    memcpy(E1, E, sizeof E), memcpy(R1, R, sizeof R);
    transe_step(E1, R1, pos, neg, D, margin, lr, g);
    const int rows[3] = {1, 3, 5};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < D; i++) {
            float *x = k < 3 ? &E[rows[k] * D + i] : &R[i];
            float after = k < 3 ? E1[rows[k] * D + i] : R1[i], keep = *x;
            *x = keep + 1e-3f;
            double up = transe_loss_ctx(&c);
            *x = keep - 1e-3f;
            double down = transe_loss_ctx(&c);
            *x = keep;
            double num = (up - down) / 2e-3, got = (keep - after) / lr;
            cr_assert(fabs(num - got) < 1e-2, "%s, coordinate %d: the step moved it by -lr x %.4f, the loss's "
                      "centered difference is %.4f. Hint: dl/de_h = g, dl/de_t = -g, dl/de_h' = -g', dl/de_t' = g', "
                      "dl/dr = g - g', with g, g' the sign vectors", k == 3 ? "the relation" : k == 0 ? "e_h" :
                      k == 1 ? "e_t (shared)" : "e_h' (the corrupted head)", i, got, num);
        }
}

/*hint 09.9
1. Which count makes the weight f reach 1, and what does f do above it? Which quantity does w_i . w~_j + b_i + b~_j try to match: the count or its logarithm?
2. f = (x / xmax)^alpha below xmax and 1 from xmax on; e = w_i . w~_j + b_i + b~_j - log x; the gradient of 1/2 f e^2 with respect to w_i is f e w~_j, with respect to w~_j it is f e w_i, and f e for both biases.
3. AdaGrad per parameter: G <- G + g^2 first, then theta <- theta - lr g / sqrt(G) with the new G; take both vectors' gradients from the values before either moves. Return 1/2 f e^2.
*/
/*note 09.9
GloVe and skip-gram with negative sampling fit nearly the same thing: Levy and Goldberg showed
that SGNS factorizes a shifted PMI matrix, and GloVe fits log counts with biases that absorb the
marginals, i.e. PMI up to the biases. The practical difference is how: SGNS streams the corpus,
GloVe counts once and then iterates over the non-zero counts, which is cheaper when the corpus is
huge and the vocabulary small. The weight f is the piece that matters most in practice: without
the cap, the log counts of 'of the' and 'in the' would dominate the fit. Read Pennington et al.
2014, section 3, for the derivation from ratios of co-occurrence probabilities.
*/

/* A GloVe model of V words, d dimensions, from rng (vectors and biases in [-0.5, 0.5], sums of squares in [1, 3]). */
static glove_t glove_random(int V, int d, float xmax, rng_t *rng)
{
    glove_t m = glove_new(V, d, rng);
    m.xmax = xmax;
    for (int k = 0; k < V * d; k++)
        m.W[k] = rng_range(rng, -0.5f, 0.5f), m.Wc[k] = rng_range(rng, -0.5f, 0.5f), m.GW[k] = rng_range(rng, 1, 3),
        m.GWc[k] = rng_range(rng, 1, 3);
    for (int k = 0; k < V; k++)
        m.b[k] = rng_range(rng, -0.5f, 0.5f), m.bc[k] = rng_range(rng, -0.5f, 0.5f), m.Gb[k] = rng_range(rng, 1, 3),
        m.Gbc[k] = rng_range(rng, 1, 3);
    return m;
}

Test(ex09_9, the_weight_below_at_and_above_x_max)
{
    /* all vectors and biases 0: e = -log x, and the loss is 1/2 f(x) (log x)^2 */
    const float xs[3] = {50, 100, 400};
    const double fs[3] = {0.59460355750136053, 1.0, 1.0}; /* (50/100)^0.75 = 2^-0.75; then capped at 1 */
    for (int c = 0; c < 3; c++) {
        rng_t rng;
        rng_seed(&rng, 3);
        glove_t m = glove_new(2, 3, &rng);
        m.xmax = 100, m.alpha = 0.75f;
        memset(m.W, 0, sizeof(float) * 6), memset(m.Wc, 0, sizeof(float) * 6);
        m.b[0] = m.b[1] = m.bc[0] = m.bc[1] = 0;
        double want = 0.5 * fs[c] * log(xs[c]) * log(xs[c]);
        float got = glove_step(&m, 0, 1, xs[c], 0.05f);
        cr_assert(fabs(got - want) < 1e-4 * want, "x = %g, x_max = 100, alpha = 0.75, zero vectors and biases: expected "
                  "the loss 1/2 f(x) (log x)^2 = %.5f with f(x) = %.5f, got %.5f. Hint: f(x) = (x / x_max)^alpha below "
                  "x_max and 1 from x_max on, and the model fits log x, not x", (double)xs[c], want, fs[c], (double)got);
        glove_free(&m);
    }
}

Test(ex09_9, the_weight_follows_alpha)
{
    /* zero vectors and biases, x = 25, x_max = 100: f = (1/4)^alpha = 0.5 for alpha = 0.5 and 0.25 for alpha = 1 */
    const float alphas[2] = {0.5f, 1.0f};
    const double fs[2] = {0.5, 0.25};
    for (int c = 0; c < 2; c++) {
        rng_t rng;
        rng_seed(&rng, 4);
        glove_t m = glove_new(2, 3, &rng);
        m.xmax = 100, m.alpha = alphas[c];
        memset(m.W, 0, sizeof(float) * 6), memset(m.Wc, 0, sizeof(float) * 6);
        m.b[0] = m.b[1] = m.bc[0] = m.bc[1] = 0;
        double want = 0.5 * fs[c] * log(25.0) * log(25.0);
        float got = glove_step(&m, 0, 1, 25, 0.05f);
        cr_assert(fabs(got - want) < 1e-4 * want, "x = 25, x_max = 100, alpha = %g: expected the loss 1/2 f(x) "
                  "(log x)^2 = %.5f with f(x) = (1/4)^alpha = %g, got %.5f. Hint: the exponent is m->alpha (the "
                  "paper's 3/4 is only the default)", (double)alphas[c], want, fs[c], (double)got);
        glove_free(&m);
    }
}

Test(ex09_9, adagrad_step_matches_the_closed_form)
{
    enum { V = 3, D = 4 };
    rng_t rng;
    rng_seed(&rng, 17);
    glove_t m = glove_random(V, D, 10, &rng), m0 = glove_random(V, D, 10, &rng);
    const size_t n = (size_t)V * D;
    memcpy(m0.W, m.W, n * 4), memcpy(m0.Wc, m.Wc, n * 4), memcpy(m0.GW, m.GW, n * 4), memcpy(m0.GWc, m.GWc, n * 4);
    memcpy(m0.b, m.b, V * 4), memcpy(m0.bc, m.bc, V * 4), memcpy(m0.Gb, m.Gb, V * 4), memcpy(m0.Gbc, m.Gbc, V * 4);
    const int i = 0, j = 2;
    const float x = 7, lr = 0.1f;
    double f = pow(0.7, 0.75), e = m.b[i] + (double)m.bc[j] - log(7.0);
    for (int k = 0; k < D; k++)
        e += (double)m.W[i * D + k] * m.Wc[j * D + k];
    float loss = glove_step(&m, i, j, x, lr);
    cr_assert(fabs(loss - 0.5 * f * e * e) < 1e-5, "loss: expected 1/2 f e^2 = %.6f (f = %.4f, e = %.4f), got %.6f. "
              "Hint: e = w_i . w~_j + b_i + b~_j - log x", 0.5 * f * e * e, f, e, (double)loss);
    const double fe = f * e;
    for (int k = 0; k < D; k++) {
        double g1 = fe * m0.Wc[j * D + k], g2 = fe * m0.W[i * D + k];
        double G1 = m0.GW[i * D + k] + g1 * g1, G2 = m0.GWc[j * D + k] + g2 * g2;
        double w1 = m0.W[i * D + k] - lr * g1 / sqrt(G1), w2 = m0.Wc[j * D + k] - lr * g2 / sqrt(G2);
        cr_assert(fabs(m.GW[i * D + k] - G1) < 1e-5 && fabs(m.GWc[j * D + k] - G2) < 1e-5, "AdaGrad's sums, coordinate "
                  "%d: expected G + g^2 = %.6f and %.6f, got %.6f and %.6f. Hint: add the squared gradient of each "
                  "parameter to its own sum, both gradients taken before either vector moves (g of w~_j is f e w_i "
                  "with the old w_i)", k, G1, G2, (double)m.GW[i * D + k], (double)m.GWc[j * D + k]);
        cr_assert(fabs(m.W[i * D + k] - w1) < 1e-6 && fabs(m.Wc[j * D + k] - w2) < 1e-6, "w_i[%d] and w~_j[%d]: "
                  "expected %.6f and %.6f (theta - lr g / sqrt(G + g^2)), got %.6f and %.6f. Hint: the gradient of "
                  "w_i is f e w~_j, from w~_j before the step; divide by the square root of the sum after adding g^2",
                  k, k, w1, w2, (double)m.W[i * D + k], (double)m.Wc[j * D + k]);
    }
    double Gb = m0.Gb[i] + fe * fe, Gbc = m0.Gbc[j] + fe * fe;
    double b = m0.b[i] - lr * fe / sqrt(Gb), bc = m0.bc[j] - lr * fe / sqrt(Gbc);
    cr_assert(fabs(m.b[i] - b) < 1e-6 && fabs(m.bc[j] - bc) < 1e-6, "biases b_i and b~_j: expected %.6f and %.6f, got "
              "%.6f and %.6f. Hint: both biases have gradient f e and their own AdaGrad sums", b, bc, (double)m.b[i],
              (double)m.bc[j]);
    cr_assert(memcmp(m.W + D, m0.W + D, 2 * D * 4) == 0 && memcmp(m.Wc, m0.Wc, 2 * D * 4) == 0 && m.b[1] == m0.b[1] &&
              m.bc[0] == m0.bc[0], "only w_i, w~_j, b_i and b~_j may move (i = 0, j = 2); another row changed");
    glove_free(&m), glove_free(&m0);
}

typedef struct {
    glove_t *m;
    int i, j;
    float x;
} glove_ctx;

static double glove_loss_ctx(void *p)
{
    glove_ctx *c = p;
    return glove_loss(c->m, c->i, c->j, c->x);
}

/* The step's implied gradient, (before - after) sqrt(G after) / lr, against centered differences of the loss
 * (glove_loss, not the exercise's code): the loss is smooth, float32 parameters of size 0.5 and h = 1e-3 give
 * about 1e-4 relative error; bound 1e-2. Word i = j (the same word as center and context, two different vectors). */
Test(ex09_9, the_step_follows_the_numerical_gradient)
{
    enum { V = 2, D = 5 };
    rng_t rng;
    rng_seed(&rng, 29);
    glove_t m = glove_random(V, D, 10, &rng), after = glove_random(V, D, 10, &rng);
    const size_t n = (size_t)V * D;
    memcpy(after.W, m.W, n * 4), memcpy(after.Wc, m.Wc, n * 4), memcpy(after.GW, m.GW, n * 4);
    memcpy(after.GWc, m.GWc, n * 4), memcpy(after.b, m.b, V * 4), memcpy(after.bc, m.bc, V * 4);
    memcpy(after.Gb, m.Gb, V * 4), memcpy(after.Gbc, m.Gbc, V * 4);
    const float lr = 1e-3f, x = 3;
    glove_step(&after, 1, 1, x, lr);
    glove_ctx c = {&m, 1, 1, x};
    float *params[4] = {m.W + D, m.Wc + D, m.b + 1, m.bc + 1}, *moved[4] = {after.W + D, after.Wc + D, after.b + 1,
                                                                             after.bc + 1};
    float *sums[4] = {after.GW + D, after.GWc + D, after.Gb + 1, after.Gbc + 1};
    const char *names[4] = {"w_i", "w~_j", "b_i", "b~_j"};
    for (int p = 0; p < 4; p++)
        for (int k = 0; k < (p < 2 ? D : 1); k++) {
            float keep = params[p][k];
            params[p][k] = keep + 1e-3f;
            double up = glove_loss_ctx(&c);
            params[p][k] = keep - 1e-3f;
            double down = glove_loss_ctx(&c);
            params[p][k] = keep;
            double num = (up - down) / 2e-3, got = (keep - moved[p][k]) * sqrt(sums[p][k]) / lr;
            cr_assert(fabs(num - got) <= 1e-2 * fmax(fabs(num), 1e-2), "%s[%d]: the step implies the gradient %.5f, "
                      "centered differences of 1/2 f e^2 give %.5f. Hint: d/dw_i = f e w~_j, d/dw~_j = f e w_i, "
                      "d/db = f e", names[p], k, got, num);
        }
    glove_free(&m), glove_free(&after);
}

Test(ch09, words_are_lower_case_letter_runs_with_a_min_count)
{
    const char *text = "The LORD's house, the Lord; 12 and AND and";
    words_t w;
    cr_assert(words_build(&w, text, strlen(text), 2, "text") == 0);
    /* tokens: the lord s house the lord and and and; counts and 3, lord 2, the 2 (ties alphabetical), s 1, house 1 */
    cr_assert(w.n_tokens == 9 && w.size == 3 && w.total == 7, "expected 9 words, 3 of them twice or more, 7 kept; got "
              "%ld, %d, %ld", w.n_tokens, w.size, w.total);
    cr_assert(strcmp(w.words[0], "and") == 0 && strcmp(w.words[1], "lord") == 0 && strcmp(w.words[2], "the") == 0,
              "vocabulary by decreasing count, ties alphabetical: expected and, lord, the; got %s, %s, %s", w.words[0],
              w.words[1], w.words[2]);
    const int ids[7] = {2, 1, 2, 1, 0, 0, 0};
    for (int t = 0; t < 7; t++)
        cr_assert(w.ids[t] == ids[t], "token %d: expected id %d, got %d", t, ids[t], w.ids[t]);
    words_free(&w);
    cr_assert(words_build(&w, "a b c", 5, 2, "three words") == -1, "no word twice: expected -1 (reported)");
}

Test(ch09, cooccurrence_counts_by_inverse_distance)
{
    const int ids[3] = {0, 1, 0}; /* window 2: (0,1) and (1,0) at distance 1 twice, (0,0) at distance 2 both ways */
    long n;
    cooc_t *X = cooc_count(&n, ids, 3, 2, 2);
    float want[2][2] = {{1.0f, 2.0f}, {2.0f, 0}}, got[2][2] = {{0}};
    cr_assert(n == 3, "expected 3 non-zero entries, got %ld", n);
    for (long q = 0; q < n; q++)
        got[X[q].i][X[q].j] = X[q].x;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            cr_assert(fabsf(got[i][j] - want[i][j]) < 1e-6f, "X(%d, %d): expected %g, got %g", i, j,
                      (double)want[i][j], (double)got[i][j]);
    free(X);
}

Test(ch09, transe_ranks_are_filtered)
{
    /* d = 1: entities at 0, 1 and 1.2, relation +1. Test triple (0, r, 2) at distance 0.2; the known triple
     * (0, r, 1) is closer (distance 0) but true, so the filtered tail rank is 1 (the raw rank would be 2). */
    kg_t kg = {.n_entities = 3, .n_packages = 3, .count = 2, .cap = 16};
    int tri[6] = {0, 0, 1, 0, 0, 2};
    kg.tri = tri;
    kg.keys = nn_calloc(16, sizeof(uint64_t));
    for (int i = 0; i < 2; i++)
        kg.keys[kg_slot(&kg, kg_key(&kg, tri[3 * i], tri[3 * i + 1], tri[3 * i + 2]))] =
            kg_key(&kg, tri[3 * i], tri[3 * i + 1], tri[3 * i + 2]);
    float E[3] = {0, 1, 1.2f}, R[1] = {1};
    int ranks[2];
    transe_ranks(ranks, E, R, &kg, tri + 3, 1, 1);
    cr_assert(ranks[0] == 1 && ranks[1] == 1, "filtered ranks of (0, r, 2): expected tail 1 and head 1, got %d and %d",
              ranks[0], ranks[1]);
    free(kg.keys);
}

Test(ch09, package_knowledge_graph_from_the_sample)
{
    packages_t pk;
    cr_assert(packages_load(&pk, DATASETS "/debian-packages-sample/packages.txt") == 0);
    kg_t kg;
    kg_build(&kg, &pk);
    cr_assert(kg.n_entities == pk.n + pk.n_sections + pk.n_maintainers, "entities: packages, sections, maintainers");
    long sec = 0;
    for (long i = 0; i < kg.count; i++) {
        const int *x = kg.tri + 3 * i;
        cr_assert(kg_has(&kg, x[0], x[1], x[2]), "every triple is in the hash set");
        sec += x[1] == KG_SECTION;
    }
    cr_assert(sec == pk.n, "one section triple per package: expected %d, got %ld", pk.n, sec);
    cr_assert(kg.count <= pk.deps.count + pk.n, "duplicate dependencies are kept once");
    rng_t rng;
    rng_seed(&rng, 1);
    long n_test;
    kg_split(&kg, 0.05f, &n_test, &rng);
    cr_assert(n_test > 0, "some triples are held out");
    int *seen = nn_calloc((size_t)kg.n_entities, sizeof(int));
    for (long i = 0; i < kg.count - n_test; i++)
        seen[kg.tri[3 * i]] = seen[kg.tri[3 * i + 2]] = 1;
    for (long i = kg.count - n_test; i < kg.count; i++)
        cr_assert(seen[kg.tri[3 * i]] && seen[kg.tri[3 * i + 2]], "held-out triple %ld: its head and tail must "
                  "still appear in the training triples", i);
    free(seen), kg_free(&kg), packages_free(&pk);
}
