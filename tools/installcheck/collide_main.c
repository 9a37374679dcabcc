/* collide_main.c — installcheck: prints the first weight mlp_init draws from seed 1. Built twice,
 * alone and with collide_rng.c (a function of the program's own that is named like one of the
 * library's); both must print the same: the library's calls inside itself go to its own functions. */
#include <nn/mlp.h>
#include <stdio.h>

int main(void)
{
    static const int sizes[3] = {2, 4, 2};
    mlp_t m;
    rng_t rng;
    rng_seed(&rng, 1);
    if (mlp_new(&m, sizes, 2, 0, 0, 4) != 0)
        return 1;
    mlp_init(&m, &rng); /* He normal: draws through the library's rng_normal */
    printf("%.9g\n", m.params[0]);
    mlp_free(&m);
    return 0;
}
