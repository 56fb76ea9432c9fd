// Parallel loops on libgomp's thread pool, the one oneDNN runs on. Clang compiles `#pragma omp`
// only for LLVM's own OpenMP runtime (with -fopenmp=libgomp it ignores the pragmas), and a second
// runtime would put two spinning thread pools on the same cores; so the kernels call libgomp's
// entry points directly.
#include "CKernels.h"

extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);

typedef struct {
    int64_t n;
    sd_range_fn fn;
    void *ctx;
} range_job;

static void run_slice(void *data) {
    range_job *job = data;
    int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t begin = job->n * t / nt, end = job->n * (t + 1) / nt;
    if (begin < end) job->fn(job->ctx, begin, end, (int)t);
}

void sd_parallel_for(int64_t n, int64_t work, sd_range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (work < SD_PARALLEL_MIN_WORK || n == 1 || omp_get_max_threads() == 1) {
        fn(ctx, 0, n, 0);
        return;
    }
    range_job job = {n, fn, ctx};
    GOMP_parallel(run_slice, &job, 0, 0);
}

int sd_thread_count(void) { return omp_get_max_threads(); }
