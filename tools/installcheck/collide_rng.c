/* collide_rng.c — installcheck: a program's own rng_normal, written before it met libnn, of
 * another type and meaning. Linked statically this is a duplicate definition (an error); linked
 * with libnn.so it must serve the program's calls only, never the library's own. */
double rng_normal(void *unused);

double rng_normal(void *unused)
{
    (void)unused;
    return 1000.0;
}
