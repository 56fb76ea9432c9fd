// float32 <-> float16 / bfloat16 conversions for reduced-precision weight storage. Plain loops
// that the compiler vectorises (F16C / AVX-512 with -march=native), split across threads.
#include "CKernels.h"
#include <string.h>

#define PAR_MIN 65536

void sd_f32_to_f16(const float *src, uint16_t *dst, int64_t count) {
#pragma omp parallel for simd schedule(static) if (count > PAR_MIN)
    for (int64_t i = 0; i < count; i++) {
        _Float16 h = (_Float16)src[i];
        memcpy(&dst[i], &h, sizeof h);
    }
}

/// Round to nearest even on the dropped 16 bits; NaN stays NaN (quiet bit set).
void sd_f32_to_bf16(const float *src, uint16_t *dst, int64_t count) {
#pragma omp parallel for simd schedule(static) if (count > PAR_MIN)
    for (int64_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &src[i], sizeof bits);
        uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
        dst[i] = (uint16_t)((bits & 0x7fffffffu) > 0x7f800000u ? (bits >> 16) | 0x40u : rounded);
    }
}

void sd_bf16_to_f32(const uint16_t *src, float *dst, int64_t count) {
#pragma omp parallel for simd schedule(static) if (count > PAR_MIN)
    for (int64_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &bits, sizeof bits);
    }
}
