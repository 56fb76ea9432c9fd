// Elementwise, normalisation and layout kernels (attention is in attention.c). Loops are written
// so clang vectorises them for the host CPU (-march=native); transcendental functions use
// branch-free polynomial approximations (relative error ~1e-7) for that reason.
#include "CKernels.h"
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

/// Below this many elements a kernel runs on the calling thread: a fork costs more than it saves.
#define PAR_MIN 32768

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

void sd_activate(const float *src, float *dst, int64_t count, int activation) {
#define ACT_LOOP(expr)                                                     \
    _Pragma("omp parallel for simd schedule(static) if (count > PAR_MIN)") \
    for (int64_t i = 0; i < count; i++) {                                  \
        float x = src[i];                                                  \
        dst[i] = (expr);                                                   \
    }
    switch (activation) {
    case SD_SILU: ACT_LOOP(x * sd_sigmoid(x)); break;
    case SD_GELU_ERF: ACT_LOOP(sd_gelu_erf(x)); break;
    case SD_GELU_TANH: ACT_LOOP(sd_gelu_tanh(x)); break;
    case SD_QUICK_GELU: ACT_LOOP(x * sd_sigmoid(1.702f * x)); break;
    default: break;
    }
#undef ACT_LOOP
}

void sd_geglu(const float *src, float *dst, int64_t rows, int64_t width) {
#pragma omp parallel for schedule(static) if (rows * width > PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *h = src + r * 2 * width, *g = h + width;
        float *o = dst + r * width;
#pragma omp simd
        for (int64_t i = 0; i < width; i++) o[i] = h[i] * sd_gelu_erf(g[i]);
    }
}

void sd_axpby(const float *a, float alpha, const float *b, float beta, float *dst, int64_t count) {
#pragma omp parallel for simd schedule(static) if (count > PAR_MIN)
    for (int64_t i = 0; i < count; i++) dst[i] = a[i] * alpha + b[i] * beta;
}

void sd_scale_shift(const float *src, float *dst, int64_t count, float scale, float shift) {
#pragma omp parallel for simd schedule(static) if (count > PAR_MIN)
    for (int64_t i = 0; i < count; i++) dst[i] = src[i] * scale + shift;
}

void sd_add_row_bias(float *x, const float *bias, int64_t rows, int64_t channels, int64_t rows_per_bias) {
#pragma omp parallel for schedule(static) if (rows * channels > PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *b = bias + (r / rows_per_bias) * channels;
        float *row = x + r * channels;
#pragma omp simd
        for (int64_t c = 0; c < channels; c++) row[c] += b[c];
    }
}

static void softmax_row(float *row, int64_t n) {
    float m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int64_t i = 0; i < n; i++) m = fmaxf(m, row[i]);
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; i++) {
        float e = sd_exp(row[i] - m);
        row[i] = e;
        s += e;
    }
    float inv = 1.0f / s;
#pragma omp simd
    for (int64_t i = 0; i < n; i++) row[i] *= inv;
}

void sd_softmax_rows(float *x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > PAR_MIN)
    for (int64_t r = 0; r < rows; r++) softmax_row(x + r * cols, cols);
}

// MARK: normalisation

void sd_group_norm(const float *src, float *dst, int64_t batch, int64_t pixels, int64_t channels, int64_t groups,
                   float eps, const float *gamma, const float *beta, int silu) {
    int64_t cpg = channels / groups;
    double *sum = calloc((size_t)(2 * channels), sizeof(double));
    float *scale = malloc((size_t)(2 * channels) * sizeof(float));
    if (!sum || !scale) {
        free(sum);
        free(scale);
        return;
    }
    double *sq = sum + channels;
    float *shift = scale + channels;
    for (int64_t n = 0; n < batch; n++) {
        const float *x = src + n * pixels * channels;
        float *y = dst + n * pixels * channels;
        // Pass 1: per-channel sums, then group means. Pass 2: squared deviations (two passes keep
        // the variance accurate when |mean| >> std, which happens in the VAE).
        memset(sum, 0, (size_t)(2 * channels) * sizeof(double));
        for (int pass = 0; pass < 2; pass++) {
            double *acc = pass == 0 ? sum : sq;
#pragma omp parallel if (pixels * channels > PAR_MIN)
            {
                float *part = calloc((size_t)channels, sizeof(float));
                double *dpart = calloc((size_t)channels, sizeof(double));
#pragma omp for schedule(static)
                for (int64_t p0 = 0; p0 < pixels; p0 += 64) {
                    int64_t p1 = p0 + 64 < pixels ? p0 + 64 : pixels;
                    memset(part, 0, (size_t)channels * sizeof(float));
                    for (int64_t p = p0; p < p1; p++) {
                        const float *row = x + p * channels;
                        if (pass == 0) {
#pragma omp simd
                            for (int64_t c = 0; c < channels; c++) part[c] += row[c];
                        } else {
#pragma omp simd
                            for (int64_t c = 0; c < channels; c++) {
                                float d = row[c] - shift[c];
                                part[c] += d * d;
                            }
                        }
                    }
                    for (int64_t c = 0; c < channels; c++) dpart[c] += part[c];
                }
#pragma omp critical
                for (int64_t c = 0; c < channels; c++) acc[c] += dpart[c];
                free(part);
                free(dpart);
            }
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
#pragma omp parallel for schedule(static) if (pixels * channels > PAR_MIN)
        for (int64_t p = 0; p < pixels; p++) {
            const float *row = x + p * channels;
            float *out = y + p * channels;
            if (silu) {
#pragma omp simd
                for (int64_t c = 0; c < channels; c++) {
                    float v = row[c] * scale[c] + shift[c];
                    out[c] = v * sd_sigmoid(v);
                }
            } else {
#pragma omp simd
                for (int64_t c = 0; c < channels; c++) out[c] = row[c] * scale[c] + shift[c];
            }
        }
    }
    free(sum);
    free(scale);
}

void sd_layer_norm(const float *src, float *dst, int64_t rows, int64_t channels, float eps, const float *gamma,
                   const float *beta) {
#pragma omp parallel for schedule(static) if (rows * channels > PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *x = src + r * channels;
        float *y = dst + r * channels;
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t c = 0; c < channels; c++) s += x[c];
        float mean = s / (float)channels, v = 0;
#pragma omp simd reduction(+ : v)
        for (int64_t c = 0; c < channels; c++) {
            float d = x[c] - mean;
            v += d * d;
        }
        float inv = 1.0f / sqrtf(v / (float)channels + eps);
#pragma omp simd
        for (int64_t c = 0; c < channels; c++) {
            float t = (x[c] - mean) * inv;
            y[c] = t * (gamma ? gamma[c] : 1.0f) + (beta ? beta[c] : 0.0f);
        }
    }
}

// MARK: layout

void sd_upsample_nearest2x(const float *src, float *dst, int64_t n, int64_t h, int64_t w, int64_t c) {
#pragma omp parallel for schedule(static) if (n * h * w * c > PAR_MIN)
    for (int64_t row = 0; row < n * h; row++) {
        const float *in = src + row * w * c;
        float *o0 = dst + row * 2 * (2 * w * c);
        for (int64_t x = 0; x < w; x++) {
            memcpy(o0 + (2 * x) * c, in + x * c, (size_t)c * sizeof(float));
            memcpy(o0 + (2 * x + 1) * c, in + x * c, (size_t)c * sizeof(float));
        }
        memcpy(o0 + 2 * w * c, o0, (size_t)(2 * w * c) * sizeof(float));
    }
}

void sd_concat_channels(const float *a, int64_t ca, const float *b, int64_t cb, float *dst, int64_t pixels) {
#pragma omp parallel for schedule(static) if (pixels * (ca + cb) > PAR_MIN)
    for (int64_t p = 0; p < pixels; p++) {
        memcpy(dst + p * (ca + cb), a + p * ca, (size_t)ca * sizeof(float));
        memcpy(dst + p * (ca + cb) + ca, b + p * cb, (size_t)cb * sizeof(float));
    }
}

void sd_nchw_to_nhwc(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w) {
    for (int64_t b = 0; b < n; b++)
#pragma omp parallel for schedule(static) if (c * h * w > PAR_MIN)
        for (int64_t p = 0; p < h * w; p++)
            for (int64_t ch = 0; ch < c; ch++) dst[(b * h * w + p) * c + ch] = src[(b * c + ch) * h * w + p];
}

void sd_nhwc_to_nchw(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w) {
    for (int64_t b = 0; b < n; b++)
#pragma omp parallel for schedule(static) if (c * h * w > PAR_MIN)
        for (int64_t ch = 0; ch < c; ch++)
            for (int64_t p = 0; p < h * w; p++) dst[(b * c + ch) * h * w + p] = src[(b * h * w + p) * c + ch];
}

void sd_f16_to_f32(const uint16_t *src, float *dst, int64_t count) {
#pragma omp parallel for simd schedule(static) if (count > PAR_MIN)
    for (int64_t i = 0; i < count; i++) {
        _Float16 h;
        memcpy(&h, &src[i], sizeof h);
        dst[i] = (float)h;
    }
}
