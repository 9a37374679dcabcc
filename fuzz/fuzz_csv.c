/* fuzz_csv.c — csv_parse on any bytes, with and without a label column. */
#include "fuzz.h"

#include "csv.h"

#include <math.h>

int fuzz_csv(const uint8_t *data, size_t size)
{
    const char *labels[2] = {NULL, "label"};
    for (int k = 0; k < 2; k++) {
        csv_table_t t;
        if (csv_parse(&t, (const char *)data, size, "fuzz.csv", labels[k]) == 0) {
            FUZZ_ASSERT(t.n >= 1 && t.d >= 1 && t.x && t.names);
            for (size_t i = 0; i < (size_t)t.n * (size_t)t.d; i++)
                FUZZ_ASSERT(isfinite(t.x[i]));
            for (int j = 0; j < t.d; j++)
                FUZZ_ASSERT(t.names[j] && csv_column(&t, t.names[j]) == j);
            FUZZ_ASSERT(labels[k] ? t.y != NULL : t.y == NULL);
            for (int i = 0; labels[k] && i < t.n; i++)
                FUZZ_ASSERT(t.y[i] >= 0 && t.y[i] < t.classes);
            csv_free(&t);
        } else {
            FUZZ_ASSERT(t.x == NULL && t.n == 0);
        }
    }
    return 0;
}

FUZZ_ENTRY(fuzz_csv)
