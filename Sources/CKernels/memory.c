// Buffer allocation for tensors and weights, and returning freed heap memory to the system.
#include "CKernels.h"
#include <malloc.h>
#include <stdlib.h>

// Transparent huge pages were tried for these buffers: loading got no faster on average, and the
// kernel's compaction for them sometimes stalled a load for 10 s.
void *sd_alloc(size_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64); }

void sd_release_free_memory(void) { malloc_trim(0); }
