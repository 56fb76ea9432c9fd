// Returning freed heap memory to the system between pipeline phases.
#include "CKernels.h"
#include <malloc.h>

void sd_release_free_memory(void) { malloc_trim(0); }
