/* graphviz.h — drawing graphs with Graphviz's `dot`, as SVG (for the book) and PNG.
 *
 * A graph is text in the DOT language ("digraph { a -> b }"). graphviz_render() writes it to
 * <dir>/<name>.dot and runs `dot` on it twice, once per format. Like plot.h, the source stays
 * beside the pictures (`cd out/04 && dot -Tsvg expr.dot -o expr.svg` redraws by hand), and the
 * pictures are written under temporary names and renamed when dot succeeds, so a failed run never
 * leaves half a file.
 *
 * If dot is missing or fails, it reports it (with the apt-get line) and returns -1: a missing
 * picture is not worth stopping a training run for.
 *
 * Threads: no shared state; different figures may be rendered from several threads at once.
 * Prefixes: graphviz_
 */
#ifndef NN_GRAPHVIZ_H
#define NN_GRAPHVIZ_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write `dot_source` to dir/name.dot and draw dir/name.svg and dir/name.png.
 * Returns 0, or -1 after reporting the problem. */
int graphviz_render(const char *dir, const char *name, const char *dot_source);

/* Append `s` to a DOT file as a double-quoted string, escaping quotes, backslashes and newlines
 * (a newline becomes dot's centered line break \n). */
void graphviz_quote(FILE *f, const char *s);

#ifdef __cplusplus
}
#endif

#endif
