// float32 -> float16 / bfloat16 <-> float32 conversions for reduced-precision weight storage:
// plain loops the compiler vectorises (F16C / AVX-512 with -march=native), split across threads.
#include "CKernels.h"
#include <string.h>

typedef struct {
    const void *src;
    void *dst;
} convert_args;

static void f32_to_f16_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const convert_args *a = ctx;
    const float *src = a->src;
    uint16_t *dst = a->dst;
    for (int64_t i = begin; i < end; i++) {
        _Float16 h = (_Float16)src[i];
        memcpy(&dst[i], &h, sizeof h);
    }
}

void sd_f32_to_f16(const float *src, uint16_t *dst, int64_t count) {
    convert_args a = {src, dst};
    sd_parallel_for(count, count, f32_to_f16_slice, &a);
}

/// Round to nearest even on the dropped 16 bits; NaN stays NaN (quiet bit set).
static void f32_to_bf16_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const convert_args *a = ctx;
    const float *src = a->src;
    uint16_t *dst = a->dst;
    for (int64_t i = begin; i < end; i++) {
        uint32_t bits;
        memcpy(&bits, &src[i], sizeof bits);
        uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
        dst[i] = (uint16_t)((bits & 0x7fffffffu) > 0x7f800000u ? (bits >> 16) | 0x40u : rounded);
    }
}

void sd_f32_to_bf16(const float *src, uint16_t *dst, int64_t count) {
    convert_args a = {src, dst};
    sd_parallel_for(count, count, f32_to_bf16_slice, &a);
}

static void bf16_to_f32_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const convert_args *a = ctx;
    const uint16_t *src = a->src;
    float *dst = a->dst;
    for (int64_t i = begin; i < end; i++) {
        uint32_t bits = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &bits, sizeof bits);
    }
}

void sd_bf16_to_f32(const uint16_t *src, float *dst, int64_t count) {
    convert_args a = {src, dst};
    sd_parallel_for(count, count, bf16_to_f32_slice, &a);
}
