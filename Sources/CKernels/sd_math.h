// Scalar math shared by the kernels: written branch-free so loops calling it vectorise.
#ifndef SD_MATH_H
#define SD_MATH_H

#include <stdint.h>
#include <string.h>

static inline float bits_to_float(int32_t i) {
    float f;
    memcpy(&f, &i, sizeof f);
    return f;
}

/// exp(x) (Cephes polynomial after range reduction by ln 2); clamps to avoid inf/denormals.
static inline float sd_exp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    float n = __builtin_rintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    return y * bits_to_float(((int32_t)n + 127) << 23);
}

#endif
