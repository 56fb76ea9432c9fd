// Measures this machine's float32 FMA throughput, the denominator of `sd bench`'s
// "fraction of peak".
#include "CKernels.h"
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double sd_measure_fma_peak_gflops(double seconds) {
    double total_flops = 0, elapsed = 0;
#pragma omp parallel reduction(+ : total_flops) reduction(max : elapsed)
    {
        // 12 independent accumulator chains hide the FMA latency on two FMA ports.
        v16 a[12], x = {0}, y = {0};
        for (int i = 0; i < 16; i++) {
            x[i] = 0.999999f;
            y[i] = 1e-7f;
        }
        for (int k = 0; k < 12; k++) a[k] = y * (float)k;
        long iters = 0;
        double start = now(), t = start;
        while (t - start < seconds) {
            for (int r = 0; r < 10000; r++)
                for (int k = 0; k < 12; k++) a[k] = a[k] * x + y;
            iters += 10000;
            t = now();
        }
        float sink = 0;
        for (int k = 0; k < 12; k++) sink += a[k][0];
        total_flops = (double)iters * 12 * 16 * 2 + (sink == 12345.0f ? 1 : 0);
        elapsed = t - start;
    }
    return total_flops / elapsed / 1e9;
}
