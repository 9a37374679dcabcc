/* plot.h — figures drawn by gnuplot, as SVG (for the book) and PNG (for everything else).
 *
 * A figure is a gnuplot script: plot_render() writes <dir>/<name>.gp with the plotting commands
 * you give it, twice (once per terminal), and runs gnuplot in <dir>, so data files are named
 * relative to the output directory ("log.csv"). The .gp file stays beside the figure: it is the
 * exact recipe, to tweak and re-run by hand (`cd out/01 && gnuplot loss.gp`).
 *
 * Both images are written under temporary names and renamed when gnuplot succeeds. If gnuplot is
 * missing or fails, the functions report it (with the apt-get line) and return -1.
 *
 * Threads: no shared state; different figures may be drawn from several threads at once.
 * Prefixes: plot_
 */
#ifndef NN_PLOT_H
#define NN_PLOT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Draw `body` (gnuplot commands: set ..., plot ...) to dir/name.svg and dir/name.png at
 * width x height pixels. Returns 0, or -1 after reporting. */
int plot_render(const char *dir, const char *name, int width, int height, const char *body);

/* Line curves from a CSV with a header line: x column `x`, then one curve per entry of
 * `series` ("column:title" strings, NULL-terminated), e.g.
 *   plot_curves("out/01", "loss", "log.csv", "Training", "epoch", "loss", "epoch",
 *               (const char *[]){"train_loss:train", "val_loss:validation", NULL});
 * Returns 0 or -1. */
int plot_curves(const char *dir, const char *name, const char *csv, const char *title,
                const char *xlabel, const char *ylabel, const char *x, const char *const *series);

/* A confusion matrix cm (K, K) (cm[t * K + p]: examples of true class t predicted as p) as an image:
 * each cell coloured by the fraction of its row and labelled with its count; rows and columns named
 * by names[0..K). Writes dir/<name>.csv (p, t, count, fraction) and draws dir/<name>.svg/.png.
 * Returns 0 or -1. */
int plot_confusion(const char *dir, const char *name, const long *cm, int K, const char *const *names,
                   const char *title);

#ifdef __cplusplus
}
#endif

#endif
