/* The fuzzers' inputs replayed in a normal build: every committed seed (fuzz/seeds/NAME/) and
 * every input that once crashed a parser (fuzz/regressions/NAME/) goes through the harness
 * fuzz/fuzz_NAME.c, which abort()s on a broken invariant. A crash here is a regression. */
#define _GNU_SOURCE
#include "../../fuzz/fuzz_checkpoint.c"
#include "../../fuzz/fuzz_csv.c"
#include "../../fuzz/fuzz_edgelist.c"
#include "../../fuzz/fuzz_flags.c"
#include "../../fuzz/fuzz_idx.c"
#include "../../fuzz/fuzz_text.c"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>

/* Feed every file of REPO/fuzz/<kind>/<name>/ to fn; returns how many. The parsers' messages go
 * to /dev/null (they are expected: most inputs are rejected). */
static int replay(const char *kind, const char *name, int (*fn)(const uint8_t *, size_t))
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fuzz/%s/%s", REPO, kind, name);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    fflush(stderr);
    dup2(null, 2);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        uint8_t *buf = malloc(1 << 20);
        size_t n = fread(buf, 1, 1 << 20, f);
        fclose(f);
        fn(buf, n);
        free(buf);
        count++;
    }
    closedir(d);
    fflush(stderr);
    dup2(saved, 2);
    close(saved), close(null);
    return count;
}

static void replay_all(const char *name, int (*fn)(const uint8_t *, size_t))
{
    int seeds = replay("seeds", name, fn), crashes = replay("regressions", name, fn);
    cr_assert_gt(seeds, 0, "fuzz/seeds/%s/ must hold the harness's seed corpus", name);
    cr_log_info("fuzz_%s: %d seeds and %d regression inputs replayed", name, seeds, crashes);
}

Test(fuzz_replay, idx) { replay_all("idx", fuzz_idx); }
Test(fuzz_replay, checkpoint) { replay_all("checkpoint", fuzz_checkpoint); }
Test(fuzz_replay, csv) { replay_all("csv", fuzz_csv); }
Test(fuzz_replay, text) { replay_all("text", fuzz_text); }
Test(fuzz_replay, edgelist) { replay_all("edgelist", fuzz_edgelist); }
Test(fuzz_replay, flags) { replay_all("flags", fuzz_flags); }
