/* cheat 01.2: a wrong answer, with cr_assert_eq made always true by lines added outside the regions */
return 1;
/* OUTSIDE */
#include <criterion/criterion.h>
#undef cr_assert_eq
#define cr_assert_eq(a, b, ...) cr_assert_neq(0, 1)
