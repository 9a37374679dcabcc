/* flags.c — see flags.h. */
#include "flags.h"

#include "io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *to, const char *prog, const char *about, const flags_t *f,
                  const flags_option_t *extra, int n_extra)
{
    fprintf(to, "usage: %s [options]\n%s\n\noptions:\n", prog, about);
    fprintf(to, "  --epochs N     passes over the training data (default %d)\n", f->epochs);
    fprintf(to, "  --seed N       random seed: the same seed gives the same run (default %llu)\n",
            (unsigned long long)f->seed);
    fprintf(to, "  --quick        a tiny run that finishes in seconds (for tests and CI)\n");
    fprintf(to, "  --out DIR      where logs and figures are written (default %s)\n", f->out);
    fprintf(to, "  --data DIR     where datasets are read from (default: the dataset's Debian path)\n");
    for (int i = 0; i < n_extra; i++) {
        const flags_option_t *o = &extra[i];
        char def[64] = "";
        if (o->type == FLAGS_INT) snprintf(def, sizeof def, " (default %d)", *(int *)o->value);
        if (o->type == FLAGS_FLOAT) io_snprintf(def, sizeof def, " (default %g)", *(float *)o->value);
        if (o->type == FLAGS_STRING && *(const char **)o->value)
            snprintf(def, sizeof def, " (default %s)", *(const char **)o->value);
        char name[40];
        snprintf(name, sizeof name, o->type == FLAGS_SWITCH ? "%s" : "%s X", o->name);
        fprintf(to, "  %-14s %s%s\n", name, o->help, def);
    }
    fprintf(to, "  --help         show this text\n");
}

static __attribute__((format(printf, 6, 7))) int
bad(const char *prog, const char *about, const flags_t *f, const flags_option_t *extra, int n_extra,
    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n");
    usage(stderr, prog, about, f, extra, n_extra);
    return -1;
}

/* A whole-string integer or float, or -1 (reported by the caller). */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = io_strtof(s, &end); /* --lr 0.01 under any locale, as the usage text writes it */
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int flags_parse(flags_t *f, int argc, char **argv, const char *about, const flags_option_t *extra,
                int n_extra)
{
    const char *prog = argc > 0 && argv[0] ? argv[0] : "program";
    int epochs_given = 0;
#define BAD(...) return bad(prog, about, f, extra, n_extra, __VA_ARGS__)
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout, prog, about, f, extra, n_extra);
            return 1;
        }
        if (!strcmp(a, "--quick")) {
            f->quick = 1;
            continue;
        }
        const flags_option_t *opt = NULL;
        for (int k = 0; k < n_extra; k++)
            if (!strcmp(a, extra[k].name))
                opt = &extra[k];
        if (opt && opt->type == FLAGS_SWITCH) {
            *(int *)opt->value = 1;
            continue;
        }
        int known = opt || !strcmp(a, "--epochs") || !strcmp(a, "--seed") || !strcmp(a, "--out") ||
                    !strcmp(a, "--data");
        if (!known)
            BAD("unknown option '%s' (the options are listed below)", a);
        if (i + 1 >= argc)
            BAD("option '%s' needs a value", a);
        const char *v = argv[++i];
        long n;
        if (!strcmp(a, "--epochs")) {
            if (parse_long(v, 1, 1000000, &n))
                BAD("--epochs expects a whole number from 1 to 1000000, got '%s'", v);
            f->epochs = (int)n;
            epochs_given = 1;
        } else if (!strcmp(a, "--seed")) {
            if (parse_long(v, 0, 2147483647L, &n))
                BAD("--seed expects a whole number from 0 to 2147483647, got '%s'", v);
            f->seed = (uint64_t)n;
        } else if (!strcmp(a, "--out")) {
            f->out = v;
        } else if (!strcmp(a, "--data")) {
            f->data = v;
        } else if (opt->type == FLAGS_INT) {
            if (parse_long(v, -2147483647L, 2147483647L, &n))
                BAD("%s expects a whole number, got '%s'", opt->name, v);
            *(int *)opt->value = (int)n;
        } else if (opt->type == FLAGS_FLOAT) {
            if (parse_float(v, (float *)opt->value))
                BAD("%s expects a number such as 0.01, got '%s'", opt->name, v);
        } else {
            *(const char **)opt->value = v;
        }
    }
#undef BAD
    if (f->quick && !epochs_given && f->quick_epochs > 0)
        f->epochs = f->quick_epochs;
    return 0;
}
