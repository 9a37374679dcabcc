/* se.c — squeeze-and-excitation: see se.h for the equations. */
#include "se.h"

#include "activations.h"
#include "error.h"
#include "layers.h"

#include <math.h>

static void check_sizes(const char *what, int B, int C, int S, int R)
{
    if (B < 1 || C < 1 || S < 1 || R < 1)
        nn_fatal("every size of an SE block is at least 1", "%s: B=%d, C=%d, S=%d, R=%d", what, B, C, S, R);
}

size_t se_param_count(int C, int R) { return (size_t)C * R + (size_t)R + (size_t)R * C + (size_t)C; }

size_t se_work_size(int B, int C, int R) { return (size_t)B * (2 * (size_t)C + (size_t)R); }

void se_forward(float *y, float *z, float *h, float *s, const float *x, const float *w1, const float *b1,
                const float *w2, const float *b2, int B, int C, int S, int R)
{
    check_sizes("se_forward", B, C, S, R);
    for (size_t bc = 0; bc < (size_t)B * C; bc++) { /* squeeze */
        double sum = 0;
        for (int q = 0; q < S; q++)
            sum += x[bc * S + q];
        z[bc] = (float)(sum / S);
    }
    linear_forward(h, z, w1, b1, B, C, R); /* excite */
    relu_forward(h, h, (size_t)B * R);
    linear_forward(s, h, w2, b2, B, R, C);
    sigmoid_forward(s, s, (size_t)B * C);
    for (size_t bc = 0; bc < (size_t)B * C; bc++) /* scale */
        for (int q = 0; q < S; q++)
            y[bc * S + q] = s[bc] * x[bc * S + q];
}

void se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, float *work, const float *dy,
                 const float *x, const float *z, const float *h, const float *s, const float *w1, const float *w2,
                 int B, int C, int S, int R)
{
    check_sizes("se_backward", B, C, S, R);
    float *da2 = work, *dz = work + (size_t)B * C, *dh = work + 2 * (size_t)B * C;
    for (size_t bc = 0; bc < (size_t)B * C; bc++) {
        double ds = 0;
        for (int q = 0; q < S; q++)
            ds += (double)dy[bc * S + q] * x[bc * S + q];
        da2[bc] = (float)ds * s[bc] * (1 - s[bc]);
    }
    linear_backward(dh, dw2, db2, da2, h, w2, B, R, C);
    relu_backward(dh, dh, h, NULL, (size_t)B * R); /* h = relu(a1) > 0 exactly where a1 > 0 */
    linear_backward(dx ? dz : NULL, dw1, db1, dh, z, w1, B, C, R);
    if (!dx)
        return;
    for (size_t bc = 0; bc < (size_t)B * C; bc++) {
        const float g = dz[bc] / (float)S;
        for (int q = 0; q < S; q++)
            dx[bc * S + q] = dy[bc * S + q] * s[bc] + g;
    }
}
