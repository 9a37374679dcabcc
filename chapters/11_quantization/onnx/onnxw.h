/* onnxw.h — writing an ONNX model file (chapter 11, section 11.14). Prefixes: onnxw_, ONNXW_.
 *
 * An ONNX file is one protobuf message, a ModelProto (the schema is onnx.proto beside this file,
 * copied from Debian's python3-onnx 1.12): an IR version, the operator sets it uses, and a graph
 * of named nodes (op_type, input and output names, attributes) whose constant inputs are the
 * initializers (named tensors). This builder collects a graph in memory and packs it with
 * protobuf-c (Debian's libprotobuf-c; the C code for the messages, onnx.pb-c.c/.h, is generated
 * at build time by protoc-c, see chapter.mk). Names are copied; the builder owns everything.
 *
 * Errors: onnxw_save() reports with nn_error() and returns -1 when the file cannot be written
 * (the previous file, if any, is left untouched: written atomically through io_create/io_commit).
 * Out of memory aborts, as nn_malloc does. Not thread-safe per builder; no global state.
 */
#ifndef NN_ONNXW_H
#define NN_ONNXW_H

#include <stdint.h>

#define ONNXW_MAX_DIMS 8

typedef struct onnxw_graph onnxw_t;

/* A new empty graph called `name`. */
onnxw_t *onnxw_new(const char *name);
void onnxw_free(onnxw_t *g);

/* Initializers: a float32 or int8 tensor of shape dims (ndims of them; 0 = a scalar), copied. */
void onnxw_init_f32(onnxw_t *g, const char *name, const float *data, const int64_t *dims, int ndims);
void onnxw_init_s8(onnxw_t *g, const char *name, const int8_t *data, const int64_t *dims, int ndims);

/* A float32 graph input or output of shape dims; a dimension of -1 is the symbolic batch "N". */
void onnxw_input(onnxw_t *g, const char *name, const int64_t *dims, int ndims);
void onnxw_output(onnxw_t *g, const char *name, const int64_t *dims, int ndims);

/* A node op_type(inputs[0..n_in-1]) -> output; the attributes that follow apply to it. */
void onnxw_node(onnxw_t *g, const char *op_type, const char *const *inputs, int n_in, const char *output);
void onnxw_attr_int(onnxw_t *g, const char *name, int64_t v);
void onnxw_attr_ints(onnxw_t *g, const char *name, const int64_t *v, int n);

/* Pack the model (IR version 8, default-domain operator set `opset`) and write it to path. */
int onnxw_save(const onnxw_t *g, const char *path, int opset, const char *doc);

#endif
