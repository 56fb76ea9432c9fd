#ifndef CKERNELS_H
#define CKERNELS_H
/// CPU kernels for the compute layer. Activations are float32, images NHWC (channels fastest),
/// sequences [batch, length, channels]. Every kernel parallelises itself over libgomp's threads,
/// the same pool oneDNN uses.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: oneDNN-backed layers

/// A 2-D convolution whose weights were reordered once into oneDNN's preferred blocked layout.
/// How a layer keeps its weights between calls: float32, or half the memory as float16 /
/// bfloat16 widened to float32 just before each call (the arithmetic stays float32).
enum { SD_WEIGHTS_F32 = 0, SD_WEIGHTS_F16 = 1, SD_WEIGHTS_BF16 = 2 };

typedef struct sd_conv sd_conv;
/// Returns NULL on failure (invalid geometry). `weights` is OIHW (PyTorch's layout) and is copied
/// (rounded to `storage`'s precision).
sd_conv *sd_conv_create(int64_t in_channels, int64_t out_channels, int64_t kh, int64_t kw,
                        int64_t stride, int64_t pad_top, int64_t pad_left, int64_t pad_bottom,
                        int64_t pad_right, const float *weights, const float *bias, int storage);
void sd_conv_destroy(sd_conv *conv);
/// 1 when the last forward call ran the Winograd algorithm (large images, 3x3, stride 1).
int sd_conv_last_used_winograd(const sd_conv *conv);
/// Winograd is allowed by default; 0 keeps the direct algorithm (and no transformed copy).
void sd_conv_allow_winograd(sd_conv *conv, int allow);
/// Output spatial size for an input size, or -1 when the geometry is impossible.
int64_t sd_conv_out_size(const sd_conv *conv, int64_t size, int vertical);
/// dst (N,OH,OW,OC) = conv(src (N,H,W,IC)) [+ dst when accumulate]. Returns 0 on success.
int sd_conv_forward(sd_conv *conv, int64_t n, int64_t h, int64_t w, const float *src, float *dst,
                    int accumulate);

/// A fully connected layer y = x W^T + b with W prepacked by oneDNN.
typedef struct sd_linear sd_linear;
/// `weights` is [out, in] (PyTorch's layout) and is copied; `bias` may be NULL.
sd_linear *sd_linear_create(int64_t in_features, int64_t out_features, const float *weights,
                            const float *bias, int storage);
void sd_linear_destroy(sd_linear *linear);
/// dst (rows, out) = src (rows, in) W^T + b [+ dst when accumulate]. Returns 0 on success.
int sd_linear_forward(sd_linear *linear, int64_t rows, const float *src, float *dst, int accumulate);

/// Scaled dot-product attention, softmax(q k^T * scale) v per (batch, head), with the softmax in
/// float32 after subtracting each row's maximum; the full score matrix is never formed. Row i of
/// batch b, head h of q starts at q + (b*lq + i)*q_stride + h*head_dim; k, v and out likewise with
/// their strides. `causal` masks keys after the query position. With AVX-512: a flash-attention
/// kernel (online softmax over key blocks, tiles of 32 query rows spread over libgomp's threads);
/// otherwise query-row blocks with oneDNN sgemm. See attention.c.
void sd_attention(const float *q, int64_t q_stride, const float *k, int64_t k_stride,
                  const float *v, int64_t v_stride, float *out, int64_t out_stride,
                  int64_t batch, int64_t heads, int64_t lq, int64_t lk, int64_t head_dim,
                  float scale, int causal);

// MARK: normalisation

/// GroupNorm over NHWC (per batch item: `pixels` rows of `channels`), then the affine
/// transform and, when `silu` is set, SiLU. gamma/beta may be NULL (identity).
void sd_group_norm(const float *src, float *dst, int64_t batch, int64_t pixels, int64_t channels,
                   int64_t groups, float eps, const float *gamma, const float *beta, int silu);
/// LayerNorm over the last dimension of a [rows, channels] matrix.
void sd_layer_norm(const float *src, float *dst, int64_t rows, int64_t channels, float eps,
                   const float *gamma, const float *beta);

// MARK: elementwise

enum sd_activation { SD_SILU = 0, SD_GELU_ERF = 1, SD_GELU_TANH = 2, SD_QUICK_GELU = 3 };
/// dst[i] = act(src[i]); src may equal dst.
void sd_activate(const float *src, float *dst, int64_t count, int activation);
/// GEGLU: src rows are [hidden | gate] (2*width); dst rows (width) = hidden * gelu_erf(gate).
void sd_geglu(const float *src, float *dst, int64_t rows, int64_t width);
/// dst[i] = a[i] * alpha + b[i] * beta; any of dst, a, b may alias.
void sd_axpby(const float *a, float alpha, const float *b, float beta, float *dst, int64_t count);
/// dst[i] = src[i] * scale + shift.
void sd_scale_shift(const float *src, float *dst, int64_t count, float scale, float shift);
/// x[r, c] += bias[r / rows_per_bias, c] (a per-batch channel vector broadcast over rows).
void sd_add_row_bias(float *x, const float *bias, int64_t rows, int64_t channels,
                     int64_t rows_per_bias);
/// Row-wise softmax of a [rows, cols] matrix, in place.
void sd_softmax_rows(float *x, int64_t rows, int64_t cols);

// MARK: layout

/// Nearest-neighbour 2x upsampling of NHWC.
void sd_upsample_nearest2x(const float *src, float *dst, int64_t n, int64_t h, int64_t w,
                           int64_t c);
/// Channel concatenation of two NHWC tensors with the same N, H, W.
void sd_concat_channels(const float *a, int64_t ca, const float *b, int64_t cb, float *dst,
                        int64_t pixels);
/// NCHW <-> NHWC transposition.
void sd_nchw_to_nhwc(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w);
void sd_nhwc_to_nchw(const float *src, float *dst, int64_t n, int64_t c, int64_t h, int64_t w);
/// IEEE half -> float conversion.
void sd_f16_to_f32(const uint16_t *src, float *dst, int64_t count);
/// float -> IEEE half (round to nearest even) and bfloat16 <-> float.
void sd_f32_to_f16(const float *src, uint16_t *dst, int64_t count);
void sd_f32_to_bf16(const float *src, uint16_t *dst, int64_t count);
void sd_bf16_to_f32(const uint16_t *src, float *dst, int64_t count);

/// A slice [begin, end) of a parallel loop, run by thread `thread` (0 <= thread < sd_thread_count()).
typedef void (*sd_range_fn)(void *ctx, int64_t begin, int64_t end, int thread);
/// Below this much work (elements touched) a loop runs on the calling thread: a fork costs more.
#define SD_PARALLEL_MIN_WORK 32768
/// Runs fn over [0, n) in one contiguous slice per thread of libgomp's pool (oneDNN's pool too).
void sd_parallel_for(int64_t n, int64_t work, sd_range_fn fn, void *ctx);
/// Threads in that pool (OMP_NUM_THREADS, else the cores).
int sd_thread_count(void);

/// A buffer of at least `bytes`, 64-byte aligned; release with free().
void *sd_alloc(size_t bytes);

/// Asks glibc to return freed heap pages to the system (resident memory drops only then).
void sd_release_free_memory(void);

// MARK: measurement

/// float32 FMA throughput of all threads together, in GFLOP/s, measured for `seconds`.
double sd_measure_fma_peak_gflops(double seconds);

#ifdef __cplusplus
}
#endif
#endif
