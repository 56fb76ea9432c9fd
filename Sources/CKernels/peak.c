// Measures this machine's float32 FMA throughput on every thread of the pool, the denominator of
// `sd bench`'s "fraction of peak".
#include "CKernels.h"
#include <stdlib.h>
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct {
    double seconds;
    double *flops, *elapsed;
} peak_args;

static void peak_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)end;
    const peak_args *a = ctx;
    // 12 independent chains hide the FMA latency on two FMA ports. The explicit fma keeps the
    // compiler (allowed to reassociate here) from folding two steps of a chain into one.
    v16 acc[12], x, y;
    for (int i = 0; i < 16; i++) {
        x[i] = 0.999999f;
        y[i] = 1e-7f;
    }
    for (int k = 0; k < 12; k++) acc[k] = y * (float)k;
    long iters = 0;
    double start = now(), t = start;
    while (t - start < a->seconds) {
        for (int r = 0; r < 10000; r++)
            for (int k = 0; k < 12; k++) acc[k] = __builtin_elementwise_fma(acc[k], x, y);
        iters += 10000;
        t = now();
    }
    float sink = 0;
    for (int k = 0; k < 12; k++) sink += acc[k][0];
    a->flops[begin] = (double)iters * 12 * 16 * 2 + (sink == 12345.0f ? 1 : 0);
    a->elapsed[begin] = t - start;
    (void)thread;
}

double sd_measure_fma_peak_gflops(double seconds) {
    int threads = sd_thread_count();
    double *flops = calloc((size_t)threads, sizeof(double)), *elapsed = calloc((size_t)threads, sizeof(double));
    if (!flops || !elapsed) {
        free(flops);
        free(elapsed);
        return 0;
    }
    peak_args a = {seconds, flops, elapsed};
    // One item per thread; the work figure only has to exceed the fork threshold.
    sd_parallel_for(threads, SD_PARALLEL_MIN_WORK, peak_slice, &a);
    double total = 0, longest = 0;
    for (int t = 0; t < threads; t++) {
        total += flops[t];
        if (elapsed[t] > longest) longest = elapsed[t];
    }
    free(flops);
    free(elapsed);
    return longest > 0 ? total / longest / 1e9 : 0;
}
