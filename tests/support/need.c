/* Test support: CI or not (see need.h). */
#include "support/need.h"

#include <stdlib.h>
#include <string.h>

bool test_in_ci(void)
{
    const char *ci = getenv("CI");

    return ci != NULL && ci[0] != '\0' && strcmp(ci, "false") != 0 && strcmp(ci, "0") != 0;
}
