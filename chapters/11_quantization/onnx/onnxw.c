/* onnxw.c — see onnxw.h. Every message is allocated here and listed in g->owned, so one loop frees
 * the whole graph; the arrays of pointers grow by doubling. */
#include "onnxw.h"

#include "error.h"
#include "io.h"
#include "onnx.pb-c.h"

#include <stdlib.h>
#include <string.h>

struct onnxw_graph {
    Onnx__GraphProto graph;
    void **owned;
    size_t n_owned, cap_owned;
    size_t cap_node, cap_init, cap_in, cap_out;
};

static void *own(onnxw_t *g, void *p)
{
    if (g->n_owned == g->cap_owned) {
        g->cap_owned = g->cap_owned ? 2 * g->cap_owned : 64;
        void *q = realloc(g->owned, g->cap_owned * sizeof *g->owned);
        if (!q)
            nn_fatal("out of memory", "growing an array to %zu bytes", g->cap_owned * sizeof *g->owned);
        g->owned = q;
    }
    return g->owned[g->n_owned++] = p;
}

static void *alloc(onnxw_t *g, size_t n) { return own(g, nn_calloc(1, n ? n : 1)); }

static char *copy_str(onnxw_t *g, const char *s)
{
    char *c = alloc(g, strlen(s) + 1);
    return memcpy(c, s, strlen(s) + 1);
}

/* Append p to the array *arr of *n pointers with capacity *cap (the array itself is realloc'd,
 * freed in onnxw_free). */
static void push(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        void **q = realloc(*arr, *cap * sizeof **arr);
        if (!q)
            nn_fatal("out of memory", "growing an array to %zu bytes", *cap * sizeof **arr);
        *arr = q;
    }
    (*arr)[(*n)++] = p;
}

onnxw_t *onnxw_new(const char *name)
{
    onnxw_t *g = nn_calloc(1, sizeof *g);
    onnx__graph_proto__init(&g->graph);
    g->graph.name = copy_str(g, name);
    return g;
}

void onnxw_free(onnxw_t *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->graph.n_node; i++) /* the nodes' attribute arrays grow by realloc */
        free(g->graph.node[i]->attribute);
    free(g->graph.node), free(g->graph.initializer), free(g->graph.input), free(g->graph.output);
    for (size_t i = 0; i < g->n_owned; i++)
        free(g->owned[i]);
    free(g->owned), free(g);
}

static void add_init(onnxw_t *g, const char *name, int type, const void *data, size_t bytes, const int64_t *dims,
                     int ndims)
{
    Onnx__TensorProto *t = alloc(g, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = copy_str(g, name);
    t->has_data_type = 1, t->data_type = type;
    t->n_dims = (size_t)ndims, t->dims = NULL;
    if (ndims > 0) { /* a scalar (ndims 0, dims NULL) has no dimensions to copy */
        t->dims = alloc(g, (size_t)ndims * sizeof(int64_t));
        memcpy(t->dims, dims, (size_t)ndims * sizeof(int64_t));
    }
    /* raw_data: the values as little-endian bytes (every machine this course runs on) */
    t->has_raw_data = 1, t->raw_data.len = bytes, t->raw_data.data = alloc(g, bytes);
    memcpy(t->raw_data.data, data, bytes);
    push((void ***)&g->graph.initializer, &g->graph.n_initializer, &g->cap_init, t);
}

static size_t count(const int64_t *dims, int ndims)
{
    size_t n = 1;
    for (int i = 0; i < ndims; i++)
        n *= (size_t)dims[i];
    return n;
}

void onnxw_init_f32(onnxw_t *g, const char *name, const float *data, const int64_t *dims, int ndims)
{
    add_init(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, data, count(dims, ndims) * sizeof(float), dims, ndims);
}

void onnxw_init_s8(onnxw_t *g, const char *name, const int8_t *data, const int64_t *dims, int ndims)
{
    add_init(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, data, count(dims, ndims), dims, ndims);
}

static Onnx__ValueInfoProto *value_info(onnxw_t *g, const char *name, const int64_t *dims, int ndims)
{
    Onnx__ValueInfoProto *v = alloc(g, sizeof *v);
    onnx__value_info_proto__init(v);
    v->name = copy_str(g, name);
    Onnx__TypeProto *tp = alloc(g, sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = alloc(g, sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1, tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    Onnx__TensorShapeProto *sh = alloc(g, sizeof *sh);
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = (size_t)ndims, sh->dim = alloc(g, (size_t)ndims * sizeof *sh->dim);
    for (int i = 0; i < ndims; i++) {
        Onnx__TensorShapeProto__Dimension *d = alloc(g, sizeof *d);
        onnx__tensor_shape_proto__dimension__init(d);
        if (dims[i] < 0)
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM, d->dim_param = copy_str(g, "N");
        else
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, d->dim_value = dims[i];
        sh->dim[i] = d;
    }
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, tp->tensor_type = tt;
    v->type = tp;
    return v;
}

void onnxw_input(onnxw_t *g, const char *name, const int64_t *dims, int ndims)
{
    push((void ***)&g->graph.input, &g->graph.n_input, &g->cap_in, value_info(g, name, dims, ndims));
}

void onnxw_output(onnxw_t *g, const char *name, const int64_t *dims, int ndims)
{
    push((void ***)&g->graph.output, &g->graph.n_output, &g->cap_out, value_info(g, name, dims, ndims));
}

void onnxw_node(onnxw_t *g, const char *op_type, const char *const *inputs, int n_in, const char *output)
{
    Onnx__NodeProto *n = alloc(g, sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = copy_str(g, op_type);
    n->name = copy_str(g, output); /* one output per node: name the node after it */
    n->n_input = (size_t)n_in, n->input = alloc(g, (size_t)n_in * sizeof(char *));
    for (int i = 0; i < n_in; i++)
        n->input[i] = copy_str(g, inputs[i]);
    n->n_output = 1, n->output = alloc(g, sizeof(char *));
    n->output[0] = copy_str(g, output);
    push((void ***)&g->graph.node, &g->graph.n_node, &g->cap_node, n);
}

static Onnx__AttributeProto *new_attr(onnxw_t *g, const char *name)
{
    Onnx__NodeProto *n = g->graph.node[g->graph.n_node - 1];
    Onnx__AttributeProto *a = alloc(g, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = copy_str(g, name);
    void **arr = (void **)n->attribute;
    size_t cap = n->n_attribute; /* grown one at a time: nodes have few attributes */
    push(&arr, &n->n_attribute, &cap, a);
    n->attribute = (Onnx__AttributeProto **)arr;
    return a;
}

void onnxw_attr_int(onnxw_t *g, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = new_attr(g, name);
    a->has_type = 1, a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1, a->i = v;
}

void onnxw_attr_ints(onnxw_t *g, const char *name, const int64_t *v, int n)
{
    Onnx__AttributeProto *a = new_attr(g, name);
    a->has_type = 1, a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->n_ints = (size_t)n, a->ints = alloc(g, (size_t)n * sizeof(int64_t));
    memcpy(a->ints, v, (size_t)n * sizeof(int64_t));
}

int onnxw_save(const onnxw_t *g, const char *path, int opset, const char *doc)
{
    Onnx__OperatorSetIdProto ops = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsp = &ops;
    ops.domain = "", ops.has_version = 1, ops.version = opset;
    Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
    model.has_ir_version = 1, model.ir_version = 8; /* ONNX 1.10-1.12 */
    model.n_opset_import = 1, model.opset_import = &opsp;
    model.producer_name = "nn-from-scratch-in-c", model.producer_version = "chapter 11";
    model.doc_string = (char *)doc;
    model.graph = (Onnx__GraphProto *)&g->graph;
    const size_t n = onnx__model_proto__get_packed_size(&model);
    uint8_t *buf = nn_malloc(n);
    onnx__model_proto__pack(&model, buf);
    io_file_t f;
    int rc = -1;
    if (io_create(&f, path) == 0) {
        if (fwrite(buf, 1, n, f.f) == n)
            rc = io_commit(&f);
        else {
            nn_error("is the disk full?", "writing %s: expected %zu bytes written", path, n);
            io_abort(&f);
        }
    }
    free(buf);
    return rc;
}
