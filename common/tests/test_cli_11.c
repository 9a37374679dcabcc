/* Bad input to chapter 11's program (quantization): a calibration set of zero images, a checkpoint
 * of another network, an --export-onnx directory that cannot be made. Each must exit non-zero with
 * a message that says what is wrong. */
#include "checkpoint.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define PROG11 BUILD_DIR "/ref/11_quantization/prog"

static int run11(const char *args, char *out, size_t n)
{
    char full[4096];
    snprintf(full, sizeof full, "%s %s 2>&1", PROG11, args);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(cli_11, a_calibration_set_of_zero_images, .timeout = 30)
{
    char out[8192];
    int st = run11("--calib 0 --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 2, "--calib 0 exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "--calib 0: expected a calibration set of at least 1 image") && strstr(out, "hint:"),
              "got: %s", out);
}

Test(cli_11, a_checkpoint_of_another_shape, .timeout = 60)
{
    /* a valid checkpoint, but of 100 floats and another architecture's tag */
    char path[] = "/tmp/nn-cli-11-ckpt-XXXXXX", out[16384], args[512];
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    float params[100] = {0};
    cr_assert_eq(checkpoint_save(path, "mlp 784-100-10", params, 100), 0);
    snprintf(args, sizeof args, "--quick --load %s --out /tmp/nn-cli-11", path);
    int st = run11(args, out, sizeof out);
    remove(path);
    cr_assert_eq(st, 1, "a checkpoint of another network exits 1 (got %d): %s", st, out);
    cr_assert(strstr(out, "error (") && strstr(out, "hint:") && strstr(out, path), "a clear error naming the file: %s",
              out);
    cr_assert(strstr(out, "test accuracy") == NULL && strstr(out, "results on") == NULL, "nothing runs after it: %s", out);
}

Test(cli_11, an_unknown_experiment_or_a_sparsity_outside_0_1, .timeout = 30)
{
    char out[8192];
    int st = run11("--experiment lotery --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 2, "--experiment lotery exits 2 (got %d): %s", st, out);
    cr_assert(strstr(out, "--experiment 'lotery': expected") && strstr(out, "hint:"), "got: %s", out);
    const char *bad[] = {"--sparsity 1", "--sparsity -0.1", "--sparsity 1.5"};
    for (int i = 0; i < 3; i++) {
        char args[256];
        snprintf(args, sizeof args, "%s --experiment lottery --out /tmp/nn-cli-11", bad[i]);
        st = run11(args, out, sizeof out);
        cr_assert_eq(st, 2, "%s exits 2 (got %d): %s", bad[i], st, out);
        cr_assert(strstr(out, "expected a number in [0, 1)") && strstr(out, "hint:"), "%s: got: %s", bad[i], out);
    }
}

Test(cli_11, a_scale_interval_outside_1_to_100000, .timeout = 30)
{
    char out[8192];
    const char *bad[] = {"--scale-interval 0", "--scale-interval -5", "--scale-interval 100001"};
    for (int i = 0; i < 3; i++) {
        char args[256];
        snprintf(args, sizeof args, "%s --experiment mixed --out /tmp/nn-cli-11", bad[i]);
        int st = run11(args, out, sizeof out);
        cr_assert_eq(st, 2, "%s exits 2 (got %d): %s", bad[i], st, out);
        cr_assert(strstr(out, ": expected 1 to 100000") && strstr(out, "hint:"), "%s: got: %s", bad[i], out);
    }
    int st = run11("--scale-interval ten --experiment mixed --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 2, "--scale-interval ten exits 2 (got %d): %s", st, out);
}

Test(cli_11, the_mixed_precision_experiment_runs_quickly, .timeout = 60)
{
    char out[16384];
    int st = run11("--quick --experiment mixed --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 0, "--quick --experiment mixed exits 0 (got %d): %s", st, out);
    cr_assert(strstr(out, "mixed fp16 scaled  : test accuracy") && strstr(out, "summary mixed: fp32") &&
                  strstr(out, "gradients at initialization"), "the experiment's lines: %s", out);
}

Test(cli_11, the_prune_experiment_runs_quickly, .timeout = 60)
{
    char out[16384];
    int st = run11("--quick --experiment prune --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 0, "--quick --experiment prune exits 0 (got %d): %s", st, out);
    cr_assert(strstr(out, "prune unstructured 90% global") && strstr(out, "prune structured 50% of units: LeNet 3-8-60-42"),
              "the experiment's lines: %s", out);
}

Test(cli_11, the_lottery_and_distillation_experiments_run_quickly, .timeout = 60)
{
    char out[16384];
    int st = run11("--quick --experiment lottery --sparsity 0.8 --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 0, "--quick --experiment lottery exits 0 (got %d): %s", st, out);
    cr_assert(strstr(out, "lottery at sparsity 0.80") && strstr(out, "ticket (rewound"), "the experiment's line: %s",
              out);
    st = run11("--quick --experiment distill --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 0, "--quick --experiment distill exits 0 (got %d): %s", st, out);
    cr_assert(strstr(out, "distillation at T 2, alpha 0.5: student test accuracy"), "the experiment's line: %s", out);
}

Test(cli_11, export_onnx_into_an_unwritable_directory, .timeout = 30)
{
    /* /dev/null is a file: no directory can be made under it, not even by root. The program must
     * say so before it trains anything. */
    char out[8192];
    int st = run11("--quick --export-onnx /dev/null/onnx --out /tmp/nn-cli-11", out, sizeof out);
    cr_assert_eq(st, 1, "--export-onnx /dev/null/onnx exits 1 (got %d): %s", st, out);
    cr_assert(strstr(out, "error (") && strstr(out, "/dev/null/onnx") && strstr(out, "hint:"), "a clear error naming "
              "the directory: %s", out);
    cr_assert(strstr(out, "training LeNet-5") == NULL, "nothing is trained before the check: %s", out);
}
