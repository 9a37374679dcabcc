/* Chapter 12's program given bad input: a checkpoint of another shape or version, a prompt with a
 * byte the tokenizer never saw, a generation longer than the context, an unknown --experiment, a
 * --budget not above 0. Each must exit 1 (2 for a bad flag) with a
 * message naming the problem and a hint, before any training. */
#include "checkpoint.h"
#include "gpt.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG12 BUILD_DIR "/ref/12_transformer/prog"
#define SAMPLE12 "--quick --data " DATASETS "/kjv-sample"

static int run12(const char *args, const char *out_dir, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s %s --out /tmp/nn-cli-12-%s-%d 2>&1", PROG12, args, out_dir, (int)getpid());
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(cli12, prompt_with_a_byte_the_tokenizer_never_saw, .timeout = 30)
{
    char out[16384];
    int status = run12(SAMPLE12 " --prompt 'God said {'", "prompt", out, sizeof out);
    cr_assert_eq(status, 1, "--prompt with '{': expected exit status 1, got %d: %s", status, out);
    cr_assert(strstr(out, "U+007B") && strstr(out, "never saw") && strstr(out, "hint:") && !strstr(out, "epoch"),
              "the message must name the byte, say the tokenizer never saw it, and come before training: %s", out);
}

Test(cli12, generation_longer_than_the_context, .timeout = 30)
{
    char out[16384];
    int status = run12(SAMPLE12 " --context 64 --generate 60 --prompt 'And God said'", "ctx", out, sizeof out);
    cr_assert_eq(status, 1, "12 + 60 symbols with a context of 64: expected exit status 1, got %d: %s", status, out);
    cr_assert(strstr(out, "72 symbols") && strstr(out, "T = 64") && strstr(out, "hint:") && !strstr(out, "epoch"),
              "the message must give both lengths and a hint, before training: %s", out);
}

/* The program's --quick model on the sample: V = the sample's bytes (64), T 64, L 1, H 4, C 32. */
static void write_checkpoint(const char *path, int C, int version)
{
    const gpt_config_t cfg = {64, 64, 1, 4, C};
    rng_t rng;
    rng_seed(&rng, 1);
    gpt_t m;
    cr_assert_eq(gpt_init(&m, &cfg, &rng), 0);
    char tag[96];
    gpt_tag(tag, &cfg);
    tag[3] = (char)('0' + version);
    cr_assert_eq(checkpoint_save(path, tag, m.params, m.n), 0);
    gpt_free(&m);
}

Test(cli12, checkpoint_of_another_shape_or_version, .timeout = 60)
{
    char path[256], args[512], out[16384];
    snprintf(path, sizeof path, "/tmp/nn-cli-12-ck-%d.ckpt", (int)getpid());
    snprintf(args, sizeof args, SAMPLE12 " --load %s", path);
    write_checkpoint(path, 32, 1); /* the right one: generates */
    int status = run12(args, "ok", out, sizeof out);
    cr_assert(status == 0 && strstr(out, "loaded"), "a checkpoint of the --quick config must load: status %d: %s",
              status, out);
    write_checkpoint(path, 64, 1);
    status = run12(args, "shape", out, sizeof out);
    cr_assert(status == 1 && strstr(out, "C=64") && strstr(out, "C=32") && strstr(out, "hint:"),
              "a C=64 checkpoint for a C=32 model: expected exit 1 naming both, got %d: %s", status, out);
    write_checkpoint(path, 32, 0);
    status = run12(args, "version", out, sizeof out);
    cr_assert(status == 1 && strstr(out, "gpt0") && strstr(out, "gpt1"),
              "a version-0 checkpoint: expected exit 1 naming both versions, got %d: %s", status, out);
    unlink(path);
}

/* A LoRA adapter file for the --quick model of width C (chapter 12.10): rank r, alpha 2 r, B = 0. */
static void write_adapter(const char *path, int C, int r)
{
    const size_t n = (size_t)16 * r * C; /* 16 r C per block, one block */
    float *p = calloc(n, sizeof(float));
    char tag[160];
    snprintf(tag, sizeof tag, "lora1 r=%d alpha=%d on gpt1 V=64 T=64 L=1 H=4 C=%d", r, 2 * r, C);
    cr_assert_eq(checkpoint_save(path, tag, p, n), 0);
    free(p);
}

Test(cli12, lora_adapter_for_another_model, .timeout = 60)
{
    char base[256], ad[256], args[768], out[16384];
    snprintf(base, sizeof base, "/tmp/nn-cli-12-base-%d.ckpt", (int)getpid());
    snprintf(ad, sizeof ad, "/tmp/nn-cli-12-adapter-%d.ckpt", (int)getpid());
    write_checkpoint(base, 32, 1);
    snprintf(args, sizeof args, SAMPLE12 " --load %s --adapter %s", base, ad);
    write_adapter(ad, 32, 4); /* the right one */
    int status = run12(args, "lora-ok", out, sizeof out);
    cr_assert(status == 0 && strstr(out, "applied the LoRA adapter"), "an adapter of rank 4 for the --quick model "
              "must load: status %d: %s", status, out);
    write_adapter(ad, 64, 4); /* for a wider model */
    status = run12(args, "lora-shape", out, sizeof out);
    cr_assert(status == 1 && strstr(out, "lora1") && strstr(out, "C=64") && strstr(out, "C=32") && strstr(out, "hint:"),
              "an adapter for C=64 on a C=32 model: expected exit 1 naming both, got %d: %s", status, out);
    write_adapter(ad, 32, 8); /* another rank */
    status = run12(args, "lora-rank", out, sizeof out);
    cr_assert(status == 1 && strstr(out, "lora1 r=8") && strstr(out, "lora1 r=4"),
              "an adapter of rank 8 loaded as rank 4: expected exit 1 naming both ranks, got %d: %s", status, out);
    unlink(base), unlink(ad);
}

Test(cli12, lora_experiment_quick, .timeout = 60)
{
    char out[16384];
    int status = run12(SAMPLE12 " --experiment lora", "lora", out, sizeof out);
    cr_assert(status == 0 && strstr(out, "differ from the base's by 0") && strstr(out, "loaded back onto the base: "
              "logits differ by 0"), "--experiment lora --quick on the samples: expected exit 0, the adapted model "
              "equal to the base at the start and the saved adapter reloaded exactly; got %d: %s", status, out);
}

/* 12.11: the GPT against an LSTM of as many parameters at equal processor time, a short budget. */
Test(cli12, vs_lstm_experiment_quick, .timeout = 60)
{
    char out[16384];
    int status = run12(SAMPLE12 " --experiment vs-lstm --budget 0.5", "vs", out, sizeof out);
    cr_assert(status == 0 && strstr(out, "LSTM H 35, 16304 parameters") && strstr(out, "GPT L 1, H 4, C 32, 16864") &&
              strstr(out, "0.5 s of processor time each on 1 thread") && strstr(out, "bits/char, LSTM "),
              "--experiment vs-lstm --quick --budget 0.5 on the sample: expected exit 0, an LSTM of 16,304 parameters "
              "(H 35) beside the GPT's 16,864 and both final validation losses; got %d: %s", status, out);
    char csv[256];
    snprintf(csv, sizeof csv, "/tmp/nn-cli-12-vs-%d/vs-lstm/log.csv", (int)getpid());
    FILE *f = fopen(csv, "r");
    cr_assert_not_null(f, "the experiment must write %s", csv);
    char line[256];
    cr_assert(fgets(line, sizeof line, f) && strncmp(line, "cpu_s,gpt_val_bpc,lstm_val_bpc", 30) == 0,
              "log.csv's header: expected cpu_s,gpt_val_bpc,lstm_val_bpc, got %s", line);
    fclose(f);
}

Test(cli12, unknown_experiment_or_a_budget_not_above_0, .timeout = 30)
{
    char out[16384];
    int status = run12(SAMPLE12 " --experiment vs-gru", "vsbad", out, sizeof out);
    cr_assert(status == 2 && strstr(out, "vs-lstm") && !strstr(out, "epoch"),
              "--experiment vs-gru: expected exit status 2 and the list of experiments, got %d: %s", status, out);
    const char *budgets[] = {"0", "-1"};
    for (int i = 0; i < 2; i++) {
        char args[256];
        snprintf(args, sizeof args, SAMPLE12 " --experiment vs-lstm --budget %s", budgets[i]);
        status = run12(args, "vsbudget", out, sizeof out);
        cr_assert(status == 2 && strstr(out, "--budget") && strstr(out, "hint:") && !strstr(out, "vs-lstm:"),
                  "--budget %s: expected exit status 2, a message naming --budget with a hint, before training; got "
                  "%d: %s", budgets[i], status, out);
    }
}
