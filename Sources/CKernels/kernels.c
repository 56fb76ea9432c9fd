// Elementwise, normalisation and layout kernels (attention is in attention.c). Loops are written
// so clang vectorises them for the host CPU (-march=native); transcendental functions use
// branch-free polynomial approximations (relative error ~1e-7) for that reason.
#include "CKernels.h"
#include "sd_math.h"
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

/// Arguments of the simple loops below, passed to their slices (see parallel.c).
typedef struct {
    const float *a, *b;
    float *dst;
    float alpha, beta;
    int64_t width;
    int op;
} loop_args;

/// erf(x), Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7).
static inline float sd_erf(float x) {
    float ax = fabsf(x);
    float t = 1.0f / (1.0f + 0.3275911f * ax);
    float y = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float r = 1.0f - y * sd_exp(-ax * ax);
    return x < 0 ? -r : r;
}

static inline float sd_sigmoid(float x) { return 1.0f / (1.0f + sd_exp(-x)); }

static inline float sd_gelu_erf(float x) { return 0.5f * x * (1.0f + sd_erf(x * 0.70710678118654752f)); }

static inline float sd_gelu_tanh(float x) {
    float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    float th = 1.0f - 2.0f / (sd_exp(2.0f * u) + 1.0f);
    return 0.5f * x * (1.0f + th);
}

// MARK: elementwise

static void activate_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const loop_args *a = ctx;
    const float *src = a->a;
    float *dst = a->dst;
#define ACT_LOOP(expr)                          \
    for (int64_t i = begin; i < end; i++) {     \
        float x = src[i];                       \
        dst[i] = (expr);                        \
    }
    switch (a->op) {
    case SD_SILU: ACT_LOOP(x * sd_sigmoid(x)); break;
    case SD_GELU_ERF: ACT_LOOP(sd_gelu_erf(x)); break;
    case SD_GELU_TANH: ACT_LOOP(sd_gelu_tanh(x)); break;
    case SD_QUICK_GELU: ACT_LOOP(x * sd_sigmoid(1.702f * x)); break;
    default: break;
    }
#undef ACT_LOOP
}

void sd_activate(const float *src, float *dst, int64_t count, int activation) {
    loop_args a = {.a = src, .dst = dst, .op = activation};
    sd_parallel_for(count, count, activate_slice, &a);
}

static void geglu_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const loop_args *a = ctx;
    int64_t width = a->width;
    for (int64_t r = begin; r < end; r++) {
        const float *h = a->a + r * 2 * width, *g = h + width;
        float *o = a->dst + r * width;
        for (int64_t i = 0; i < width; i++) o[i] = h[i] * sd_gelu_erf(g[i]);
    }
}

void sd_geglu(const float *src, float *dst, int64_t rows, int64_t width) {
    loop_args a = {.a = src, .dst = dst, .width = width};
    sd_parallel_for(rows, rows * width, geglu_slice, &a);
}

static void axpby_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const loop_args *a = ctx;
    for (int64_t i = begin; i < end; i++) a->dst[i] = a->a[i] * a->alpha + a->b[i] * a->beta;
}

void sd_axpby(const float *a, float alpha, const float *b, float beta, float *dst, int64_t count) {
    loop_args args = {.a = a, .b = b, .dst = dst, .alpha = alpha, .beta = beta};
    sd_parallel_for(count, count, axpby_slice, &args);
}

static void scale_shift_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const loop_args *a = ctx;
    for (int64_t i = begin; i < end; i++) a->dst[i] = a->a[i] * a->alpha + a->beta;
}

void sd_scale_shift(const float *src, float *dst, int64_t count, float scale, float shift) {
    loop_args a = {.a = src, .dst = dst, .alpha = scale, .beta = shift};
    sd_parallel_for(count, count, scale_shift_slice, &a);
}

static void row_bias_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const loop_args *a = ctx;
    int64_t channels = a->width, rows_per_bias = a->op;
    for (int64_t r = begin; r < end; r++) {
        const float *b = a->b + (r / rows_per_bias) * channels;
        float *row = a->dst + r * channels;
        for (int64_t c = 0; c < channels; c++) row[c] += b[c];
    }
}

void sd_add_row_bias(float *x, const float *bias, int64_t rows, int64_t channels, int64_t rows_per_bias) {
    loop_args a = {.b = bias, .dst = x, .width = channels, .op = (int)rows_per_bias};
    sd_parallel_for(rows, rows * channels, row_bias_slice, &a);
}

static void softmax_row(float *row, int64_t n) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) m = fmaxf(m, row[i]);
    float s = 0;
    for (int64_t i = 0; i < n; i++) {
        float e = sd_exp(row[i] - m);
        row[i] = e;
        s += e;
    }
    float inv = 1.0f / s;
    for (int64_t i = 0; i < n; i++) row[i] *= inv;
}

static void softmax_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const loop_args *a = ctx;
    for (int64_t r = begin; r < end; r++) softmax_row(a->dst + r * a->width, a->width);
}

void sd_softmax_rows(float *x, int64_t rows, int64_t cols) {
    loop_args a = {.dst = x, .width = cols};
    sd_parallel_for(rows, rows * cols, softmax_slice, &a);
}

// MARK: normalisation

typedef struct {
    const float *x;
    float *y;
    int64_t pixels, channels;
    const float *scale, *shift;
    double *partials;
    int pass, silu;
} norm_args;

/// Per-channel sums (pass 0) or squared deviations from `shift` (pass 1) over 64-pixel blocks
/// [begin, end): float within a block, double across blocks, one row of `partials` per thread.
static void group_stats_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    const norm_args *a = ctx;
    int64_t channels = a->channels;
    double *dpart = a->partials + (size_t)thread * (size_t)channels;
    float *part = malloc((size_t)channels * sizeof(float));
    if (!part) return;
    for (int64_t block = begin; block < end; block++) {
        int64_t p0 = block * 64, p1 = p0 + 64 < a->pixels ? p0 + 64 : a->pixels;
        memset(part, 0, (size_t)channels * sizeof(float));
        for (int64_t p = p0; p < p1; p++) {
            const float *row = a->x + p * channels;
            if (a->pass == 0) {
                for (int64_t c = 0; c < channels; c++) part[c] += row[c];
            } else {
                for (int64_t c = 0; c < channels; c++) {
                    float d = row[c] - a->shift[c];
                    part[c] += d * d;
                }
            }
        }
        for (int64_t c = 0; c < channels; c++) dpart[c] += part[c];
    }
    free(part);
}

static void group_apply_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const norm_args *a = ctx;
    int64_t channels = a->channels;
    for (int64_t p = begin; p < end; p++) {
        const float *row = a->x + p * channels;
        float *out = a->y + p * channels;
        if (a->silu) {
            for (int64_t c = 0; c < channels; c++) {
                float v = row[c] * a->scale[c] + a->shift[c];
                out[c] = v * sd_sigmoid(v);
            }
        } else {
            for (int64_t c = 0; c < channels; c++) out[c] = row[c] * a->scale[c] + a->shift[c];
        }
    }
}

void sd_group_norm(const float *src, float *dst, int64_t batch, int64_t pixels, int64_t channels, int64_t groups,
                   float eps, const float *gamma, const float *beta, int silu) {
    int64_t cpg = channels / groups, threads = sd_thread_count();
    double *sum = calloc((size_t)(2 * channels), sizeof(double));
    double *partials = malloc((size_t)(threads * channels) * sizeof(double));
    float *scale = malloc((size_t)(2 * channels) * sizeof(float));
    if (!sum || !scale || !partials) {
        free(sum);
        free(scale);
        free(partials);
        return;
    }
    double *sq = sum + channels;
    float *shift = scale + channels;
    for (int64_t n = 0; n < batch; n++) {
        norm_args args = {.x = src + n * pixels * channels, .y = dst + n * pixels * channels, .pixels = pixels,
                          .channels = channels, .scale = scale, .shift = shift, .partials = partials, .silu = silu};
        // Pass 1: per-channel sums, then group means. Pass 2: squared deviations (two passes keep
        // the variance accurate when |mean| >> std, which happens in the VAE). Partial sums are
        // merged in thread order, so results do not depend on timing.
        memset(sum, 0, (size_t)(2 * channels) * sizeof(double));
        for (int pass = 0; pass < 2; pass++) {
            double *acc = pass == 0 ? sum : sq;
            args.pass = pass;
            memset(partials, 0, (size_t)(threads * channels) * sizeof(double));
            sd_parallel_for((pixels + 63) / 64, pixels * channels, group_stats_slice, &args);
            for (int64_t t = 0; t < threads; t++)
                for (int64_t c = 0; c < channels; c++) acc[c] += partials[t * channels + c];
            double count = (double)(pixels * cpg);
            for (int64_t g = 0; g < groups; g++) {
                double s = 0;
                for (int64_t c = g * cpg; c < (g + 1) * cpg; c++) s += acc[c];
                if (pass == 0) {
                    for (int64_t c = g * cpg; c < (g + 1) * cpg; c++) shift[c] = (float)(s / count);
                } else {
                    float inv = (float)(1.0 / sqrt(s / count + eps));
                    for (int64_t c = g * cpg; c < (g + 1) * cpg; c++) {
                        float gm = gamma ? gamma[c] : 1.0f, bt = beta ? beta[c] : 0.0f;
                        scale[c] = inv * gm;
                        shift[c] = bt - shift[c] * inv * gm;
                    }
                }
            }
        }
        sd_parallel_for(pixels, pixels * channels, group_apply_slice, &args);
    }
    free(sum);
    free(scale);
    free(partials);
}

typedef struct {
    const float *src, *gamma, *beta;
    float *dst;
    int64_t channels;
    float eps;
} layer_norm_args;

static void layer_norm_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const layer_norm_args *a = ctx;
    int64_t channels = a->channels;
    for (int64_t r = begin; r < end; r++) {
        const float *x = a->src + r * channels;
        float *y = a->dst + r * channels;
        float s = 0;
        for (int64_t c = 0; c < channels; c++) s += x[c];
        float mean = s / (float)channels, v = 0;
        for (int64_t c = 0; c < channels; c++) {
            float d = x[c] - mean;
            v += d * d;
        }
        float inv = 1.0f / sqrtf(v / (float)channels + a->eps);
        for (int64_t c = 0; c < channels; c++) {
            float t = (x[c] - mean) * inv;
            y[c] = t * (a->gamma ? a->gamma[c] : 1.0f) + (a->beta ? a->beta[c] : 0.0f);
        }
    }
}

void sd_layer_norm(const float *src, float *dst, int64_t rows, int64_t channels, float eps, const float *gamma,
                   const float *beta) {
    layer_norm_args a = {.src = src, .gamma = gamma, .beta = beta, .dst = dst, .channels = channels, .eps = eps};
    sd_parallel_for(rows, rows * channels, layer_norm_slice, &a);
}

// MARK: layout

typedef struct {
    const float *a, *b;
    float *dst;
    int64_t n, c, h, w, cb;
} layout_args;

static void upsample_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const layout_args *a = ctx;
    int64_t w = a->w, c = a->c;
    for (int64_t row = begin; row < end; row++) {
        const float *in = a->a + row * w * c;
        float *o0 = a->dst + row * 2 * (2 * w * c);
        for (int64_t x = 0; x < w; x++) {
            memcpy(o0 + (2 * x) * c, in + x * c, (size_t)c * sizeof(float));
            memcpy(o0 + (2 * x + 1) * c, in + x * c, (size_t)c * sizeof(float));
        }
        memcpy(o0 + 2 * w * c, o0, (size_t)(2 * w * c) * sizeof(float));
    }
}

void sd_upsample_nearest2x(const float *src, float *dst, int64_t n, int64_t h, int64_t w, int64_t c) {
    layout_args a = {.a = src, .dst = dst, .w = w, .c = c};
    sd_parallel_for(n * h, n * h * w * c, upsample_slice, &a);
}

static void concat_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const layout_args *a = ctx;
    int64_t ca = a->c, cb = a->cb;
    for (int64_t p = begin; p < end; p++) {
        memcpy(a->dst + p * (ca + cb), a->a + p * ca, (size_t)ca * sizeof(float));
        memcpy(a->dst + p * (ca + cb) + ca, a->b + p * cb, (size_t)cb * sizeof(float));
    }
}

void sd_concat_channels(const float *a, int64_t ca, const float *b, int64_t cb, float *dst, int64_t pixels) {
    layout_args args = {.a = a, .b = b, .dst = dst, .c = ca, .cb = cb};
    sd_parallel_for(pixels, pixels * (ca + cb), concat_slice, &args);
}

/// NCHW -> NHWC over pixel ranges of image `n`.
static void to_nhwc_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const layout_args *a = ctx;
    int64_t b = a->n, c = a->c, hw = a->h * a->w;
    for (int64_t p = begin; p < end; p++)
        for (int64_t ch = 0; ch < c; ch++) a->dst[(b * hw + p) * c + ch] = a->a[(b * c + ch) * hw + p];
}

void sd_nchw_to_nhwc(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w) {
    for (int64_t b = 0; b < n; b++) {
        layout_args a = {.a = src, .dst = dst, .n = b, .c = c, .h = h, .w = w};
        sd_parallel_for(h * w, c * h * w, to_nhwc_slice, &a);
    }
}

/// NHWC -> NCHW over channel ranges of image `n`.
static void to_nchw_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const layout_args *a = ctx;
    int64_t b = a->n, c = a->c, hw = a->h * a->w;
    for (int64_t ch = begin; ch < end; ch++)
        for (int64_t p = 0; p < hw; p++) a->dst[(b * c + ch) * hw + p] = a->a[(b * hw + p) * c + ch];
}

void sd_nhwc_to_nchw(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w) {
    for (int64_t b = 0; b < n; b++) {
        layout_args a = {.a = src, .dst = dst, .n = b, .c = c, .h = h, .w = w};
        sd_parallel_for(c, c * h * w, to_nchw_slice, &a);
    }
}

typedef struct {
    const uint16_t *src;
    float *dst;
} half_args;

static void f16_slice(void *ctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const half_args *a = ctx;
    for (int64_t i = begin; i < end; i++) {
        _Float16 h;
        memcpy(&h, &a->src[i], sizeof h);
        a->dst[i] = (float)h;
    }
}

void sd_f16_to_f32(const uint16_t *src, float *dst, int64_t count) {
    half_args a = {src, dst};
    sd_parallel_for(count, count, f16_slice, &a);
}
