/* version.c — installcheck: the version the installed umbrella header gives a program. */
#include <nn/nn.h>
#include <stdio.h>

#if LIBNN_VERSION_NUMBER != LIBNN_VERSION_MAJOR * 10000 + LIBNN_VERSION_MINOR * 100 + LIBNN_VERSION_PATCH
#error LIBNN_VERSION_NUMBER disagrees with MAJOR, MINOR and PATCH
#endif

int main(void)
{
    printf("%s %d.%d.%d\n", LIBNN_VERSION_STRING, LIBNN_VERSION_MAJOR, LIBNN_VERSION_MINOR, LIBNN_VERSION_PATCH);
    return 0;
}
