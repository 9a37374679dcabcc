/* nn.h — the whole library in one include: #include <nn/nn.h> (installed) or "nn.h" (in-tree).
 *
 * libnn is the library the course builds in common/: tensors and arenas, dense and convolutional
 * layers, activations, losses, reverse-mode autodiff (autograd.h), recurrent layers, norms,
 * dropout, optimizers and schedules, initializers, metrics, data preparation, loaders (IDX,
 * Fashion-MNIST, CSV, text, edge lists), checkpoints, logs and figures. Each header below is the
 * documentation of its module. README.md, "Using the library", gives the rules every module
 * follows (names, ownership, threads, errors).
 *
 * Prefixes: libnn_, LIBNN_ (the version below; NN_ is error.h's)
 */
#ifndef NN_NN_H
#define NN_NN_H

/* The library's version, compiled into your program. The Makefile reads it from these lines, the
 * one place it is written (and stops if the string disagrees with the numbers): pkg-config
 * --modversion nn and the installed libnn.so.MAJOR.MINOR.PATCH say the same. MAJOR changes when
 * a program built against an older version may no longer link or work with this one: the shared
 * library's soname is libnn.so.MAJOR. Compare versions with LIBNN_VERSION_NUMBER, in #if too:
 * #if LIBNN_VERSION_NUMBER >= 300 for 0.3.0 and later (nn_set_error_sink). */
#define LIBNN_VERSION_MAJOR 0
#define LIBNN_VERSION_MINOR 3
#define LIBNN_VERSION_PATCH 0
#define LIBNN_VERSION_STRING "0.3.0"
#define LIBNN_VERSION_NUMBER (LIBNN_VERSION_MAJOR * 10000 + LIBNN_VERSION_MINOR * 100 + LIBNN_VERSION_PATCH)

#include "activations.h"
#include "arena.h"
#include "attention.h"
#include "augment.h"
#include "autograd.h"
#include "charlm.h"
#include "checkpoint.h"
#include "clip.h"
#include "conv.h"
#include "csv.h"
#include "csvlog.h"
#include "data.h"
#include "dropout.h"
#include "edgelist.h"
#include "embedding.h"
#include "error.h"
#include "flags.h"
#include "gpt.h"
#include "gradcheck.h"
#include "graphviz.h"
#include "gru.h"
#include "idx.h"
#include "init.h"
#include "io.h"
#include "layers.h"
#include "linalg.h"
#include "lenet.h"
#include "loss.h"
#include "lstm.h"
#include "matmul.h"
#include "metrics.h"
#include "mlp.h"
#include "norm.h"
#include "optim.h"
#include "parallel.h"
#include "plot.h"
#include "pool.h"
#include "qgemm.h"
#include "quant.h"
#include "prep.h"
#include "progress.h"
#include "rng.h"
#include "rnn.h"
#include "sample.h"
#include "schedule.h"
#include "se.h"
#include "stats.h"
#include "tensor.h"
#include "text.h"
#include "timing.h"
#include "vmath.h"

#endif
