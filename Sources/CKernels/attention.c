// Scaled dot-product attention.
//
// With AVX-512 (the package is built with -march=native): a flash-attention style kernel. Each
// work item is one (batch, head) and up to 128 query rows, as four sub-tiles of 32 rows that
// take turns on each block of 96 keys while it is in cache. Each sub-tile walks over the keys
// with an online softmax (running max and sum per query row, scale*log2(e) folded into Q so the
// exponentials are 2^x), so scores never leave L1. Query rows live in the vector lanes (two
// 16-lane vectors per sub-tile), which makes every softmax step (max, exp, sum, rescale) a
// vertical operation and lets any head dimension run at full vector width:
//   S^T[j] (32 rows)  = sum_c Q^T[c] * K[j, c]      (Q^T packed per sub-tile, K broadcast)
//   O^T[e] (32 rows) += sum_j P^T[j] * V[j, e]      (P^T from L1, V broadcast)
// Micro-kernels keep 2 x 12 accumulators in registers (12 keys, or 12 output columns, per
// step). When there are enough query rows to pay for it, K and V of each (batch, head) are
// first copied into contiguous panels (K^T panels of 12 keys, V rows), shared by the threads;
// the operands otherwise come from fused QKV projections with long row strides, which would
// cost a TLB miss per key. Work items are claimed one at a time by libgomp's threads.
//
// Without AVX-512: blocks of query rows, oneDNN sgemm for QK^T and PV, exp-normalise in between.
#include "CKernels.h"
#include "sd_math.h"
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#endif

// MARK: portable path (query-row blocks, oneDNN sgemm)


/// row[i] = exp(row[i] - max(row)); returns the sum.
static float exp_row(float *row, int64_t n) {
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
    return s;
}

static void blocked_attention(const float *q, int64_t q_stride, const float *k, int64_t k_stride, const float *v,
                              int64_t v_stride, float *out, int64_t out_stride, int64_t batch, int64_t heads,
                              int64_t lq, int64_t lk, int64_t head_dim, float scale, int causal) {
    // Query rows per block: the score block (rows x lk floats) stays within ~1 MB of L2, and
    // at least 64 rows keep the two GEMMs efficient.
    int64_t block = 262144 / (lk > 0 ? lk : 1);
    block = block < 64 ? 64 : (block > 256 ? 256 : block);
    if (block > lq) block = lq;
    int64_t blocks = (lq + block - 1) / block;
    int64_t tasks = batch * heads * blocks;
#pragma omp parallel if (tasks > 1)
    {
        float *scores = malloc((size_t)(block * lk) * sizeof(float));
        float *inv_sum = malloc((size_t)block * sizeof(float));
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < tasks; t++) {
            int64_t b = t / (heads * blocks), h = (t / blocks) % heads, i0 = (t % blocks) * block;
            int64_t rows = i0 + block <= lq ? block : lq - i0;
            const float *qb = q + (b * lq + i0) * q_stride + h * head_dim;
            const float *kb = k + b * lk * k_stride + h * head_dim;
            const float *vb = v + b * lk * v_stride + h * head_dim;
            float *ob = out + (b * lq + i0) * out_stride + h * head_dim;
            dnnl_sgemm('N', 'T', rows, lk, head_dim, scale, qb, q_stride, kb, k_stride, 0.0f, scores, lk);
            // Unnormalised exp(s - max) here; the 1/sum is applied to the (small) output rows
            // after the PV product instead of to the (large) score rows.
            for (int64_t r = 0; r < rows; r++) {
                float *row = scores + r * lk;
                int64_t valid = causal ? (i0 + r + 1 < lk ? i0 + r + 1 : lk) : lk;
                inv_sum[r] = 1.0f / exp_row(row, valid);
                for (int64_t j = valid; j < lk; j++) row[j] = 0.0f;
            }
            dnnl_sgemm('N', 'N', rows, head_dim, lk, 1.0f, scores, lk, vb, v_stride, 0.0f, ob, out_stride);
            for (int64_t r = 0; r < rows; r++) {
                float *orow = ob + r * out_stride;
#pragma omp simd
                for (int64_t e = 0; e < head_dim; e++) orow[e] *= inv_sum[r];
            }
        }
        free(scores);
        free(inv_sum);
    }
}

#if defined(__AVX512F__) && defined(__AVX512DQ__)

// MARK: AVX-512 flash attention

enum {
    QR = 32,  // query rows per sub-tile (two vectors)
    SUB = 4,  // sub-tiles per work item (they share each K/V block while it is in cache)
    KN = 12,  // keys per QK^T micro-kernel step
    EN = 12,  // output columns per PV micro-kernel step (at most)
    NB = 96,  // keys per online-softmax block (a multiple of KN)
    PACK_MIN_QUERIES = 256,  // repack K and V from this many query rows up
};

/// 2^x for x <= 0 (any finite x, and -1e30 for masked scores): x = n + f with n = round(x),
/// |f| <= 1/2, a degree-6 minimax polynomial for 2^f (relative error 2e-9 before rounding),
/// scaled by 2^n. Measured over every 7th float in [-126, 0]: at most 0.67 ulp. (Reducing with
/// floor instead saves the subtraction, ~1% of the kernel, at 0.74 ulp.)
static inline __m512 exp2_ps(__m512 x) {
    // vreduceps gives f = x - round(x) directly (a magic-number rounding would be folded away
    // under -fassociative-math).
    __m512 f = _mm512_reduce_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 n = _mm512_sub_ps(x, f);
    __m512 p = _mm512_set1_ps(1.535741321e-4f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.340030809e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.618433192e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550328642e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.402264774e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931471825e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);  // p * 2^n; 0 below 2^-126 (the workers flush denormals)
}

/// S^T for 12 keys: s[i*32 + r] = sum_c qt[c*32 + r] * key_i[c], with key i's element c at
/// kp[c*kc + i*ki]  (packed panels: kc = 12, ki = 1; rows of a strided operand: kc = 1, ki = stride).
/// Returns the running maxima m0/m1 updated with the first `valid` keys.
static inline __attribute__((always_inline)) void qk_tile(const float *restrict qt, const float *restrict kp,
                                                           int64_t kc, int64_t ki, int64_t d, float *restrict s,
                                                           int valid, __m512 *m0, __m512 *m1) {
    __m512 a[KN], b[KN];
    for (int i = 0; i < KN; i++) a[i] = b[i] = _mm512_setzero_ps();
    for (int64_t c = 0; c < d; c++) {
        __m512 q0 = _mm512_load_ps(qt + c * QR), q1 = _mm512_load_ps(qt + c * QR + 16);
        const float *kr = kp + c * kc;
        for (int i = 0; i < KN; i++) {
            __m512 kv = _mm512_set1_ps(kr[i * ki]);
            a[i] = _mm512_fmadd_ps(q0, kv, a[i]);
            b[i] = _mm512_fmadd_ps(q1, kv, b[i]);
        }
    }
    for (int i = 0; i < KN; i++) {
        _mm512_store_ps(s + i * QR, a[i]);
        _mm512_store_ps(s + i * QR + 16, b[i]);
    }
    if (valid < KN) {  // keys past the end (zero padding) take no part in the maximum
        const __m512 lowest = _mm512_set1_ps(-1e30f);
        for (int i = 1; i < KN; i++)
            if (i >= valid) a[i] = b[i] = lowest;
    }
    __m512 x0 = a[0], x1 = b[0], y0 = a[1], y1 = b[1];
    for (int i = 2; i < KN; i += 2) {
        x0 = _mm512_max_ps(x0, a[i]);
        x1 = _mm512_max_ps(x1, b[i]);
        y0 = _mm512_max_ps(y0, a[i + 1]);
        y1 = _mm512_max_ps(y1, b[i + 1]);
    }
    *m0 = _mm512_max_ps(*m0, _mm512_max_ps(x0, y0));
    *m1 = _mm512_max_ps(*m1, _mm512_max_ps(x1, y1));
}

/// ot[e*32 + r] = ot[e*32 + r] * alpha[r] + sum_{j < n} p[j*32 + r] * v[j*vs + e] for e < E
/// (without the first term when `first`).
static inline __attribute__((always_inline)) void pv_tile(int E, const float *restrict p, int64_t n,
                                                           const float *restrict v, int64_t vs, float *restrict ot,
                                                           __m512 al0, __m512 al1, int first) {
    // Each block is summed on its own and then added to the rescaled total (blocked summation:
    // the rounding error grows with sqrt(NB) + sqrt(lk / NB) terms instead of sqrt(lk)).
    __m512 a[EN], b[EN];
    for (int e = 0; e < E; e++) a[e] = b[e] = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; j++) {
        __m512 p0 = _mm512_load_ps(p + j * QR), p1 = _mm512_load_ps(p + j * QR + 16);
        const float *vr = v + j * vs;
        for (int e = 0; e < E; e++) {
            __m512 vv = _mm512_set1_ps(vr[e]);
            a[e] = _mm512_fmadd_ps(p0, vv, a[e]);
            b[e] = _mm512_fmadd_ps(p1, vv, b[e]);
        }
    }
    for (int e = 0; e < E; e++) {
        if (!first) {
            a[e] = _mm512_fmadd_ps(_mm512_load_ps(ot + e * QR), al0, a[e]);
            b[e] = _mm512_fmadd_ps(_mm512_load_ps(ot + e * QR + 16), al1, b[e]);
        }
        _mm512_store_ps(ot + e * QR, a[e]);
        _mm512_store_ps(ot + e * QR + 16, b[e]);
    }
}

static void pv_block(const float *p, int64_t n, const float *v, int64_t vs, int64_t d, float *ot, __m512 al0,
                     __m512 al1, int first) {
    int64_t chunks = (d + EN - 1) / EN;
    int64_t e0 = 0;
    for (int64_t ch = 0; ch < chunks; ch++) {
        int E = (int)((d - e0) / (chunks - ch));  // near-equal chunks: 40 = 4 x 10, 64 = 4 x 11 + 2 x 10
        if ((d - e0) % (chunks - ch)) E++;
#define PV_CASE(N)                                                                    \
    case N:                                                                           \
        if (first) pv_tile(N, p, n, v + e0, vs, ot + e0 * QR, al0, al1, 1);           \
        else pv_tile(N, p, n, v + e0, vs, ot + e0 * QR, al0, al1, 0);                 \
        break;
        switch (E) {
            PV_CASE(1) PV_CASE(2) PV_CASE(3) PV_CASE(4) PV_CASE(5) PV_CASE(6)
            PV_CASE(7) PV_CASE(8) PV_CASE(9) PV_CASE(10) PV_CASE(11) PV_CASE(12)
        }
#undef PV_CASE
        e0 += E;
    }
}

/// In-register transpose of a 16 x 16 block: r[i] lane j becomes r[j] lane i (64 shuffles).
static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; g++) {  // u[4g + c], lane L: rows 4g..4g+3 of column 4L + c
        __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
        __m512d c = _mm512_castps_pd(t[4 * g + 2]), e = _mm512_castps_pd(t[4 * g + 3]);
        r[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
        r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
    }
    for (int c = 0; c < 4; c++) {
        __m512 v = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), w = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
        __m512 x = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88), y = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
        t[c] = _mm512_shuffle_f32x4(v, x, 0x88);
        t[8 + c] = _mm512_shuffle_f32x4(v, x, 0xdd);
        t[4 + c] = _mm512_shuffle_f32x4(w, y, 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(w, y, 0xdd);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

/// qt[c*32 + r] = src[r*stride + c] * scale for c < d, r < 32 (rows >= `rows` read as 0).
static void pack_q_tile(const float *src, int64_t stride, int64_t rows, int64_t d, float scale, float *qt) {
    const __m512 sv = _mm512_set1_ps(scale);
    for (int64_t r0 = 0; r0 < QR; r0 += 16) {
        for (int64_t c0 = 0; c0 < d; c0 += 16) {
            int64_t nc = d - c0 < 16 ? d - c0 : 16;
            __mmask16 m = (__mmask16)((1u << nc) - 1);
            __m512 x[16];
            for (int i = 0; i < 16; i++)
                x[i] = r0 + i < rows ? _mm512_maskz_loadu_ps(m, src + (r0 + i) * stride + c0) : _mm512_setzero_ps();
            transpose16(x);
            for (int j = 0; j < nc; j++) _mm512_store_ps(qt + (c0 + j) * QR + r0, _mm512_mul_ps(x[j], sv));
        }
    }
}

/// dst[r*stride + e] = ot[e*32 + r] * inv[r] for r < rows, e < d.
static void unpack_o_tile(const float *ot, __m512 inv0, __m512 inv1, int64_t rows, int64_t d, float *dst,
                          int64_t stride) {
    for (int64_t r0 = 0; r0 < rows; r0 += 16) {
        __m512 inv = r0 ? inv1 : inv0;
        for (int64_t e0 = 0; e0 < d; e0 += 16) {
            int64_t ne = d - e0 < 16 ? d - e0 : 16;
            __mmask16 m = (__mmask16)((1u << ne) - 1);
            __m512 x[16];
            for (int i = 0; i < 16; i++)
                x[i] = i < ne ? _mm512_mul_ps(_mm512_load_ps(ot + (e0 + i) * QR + r0), inv) : _mm512_setzero_ps();
            transpose16(x);
            int64_t nr = rows - r0 < 16 ? rows - r0 : 16;
            for (int j = 0; j < nr; j++) _mm512_mask_storeu_ps(dst + (r0 + j) * stride + e0, m, x[j]);
        }
    }
}

/// One K^T panel: panel[c*KN + i] = k[i*stride + c] for keys i < n (n <= KN; the rest 0), c < d.
static void pack_k_panel(const float *k, int64_t stride, int64_t n, int64_t d, float *panel) {
    for (int64_t c0 = 0; c0 < d; c0 += 16) {
        int64_t nc = d - c0 < 16 ? d - c0 : 16;
        __mmask16 m = (__mmask16)((1u << nc) - 1);
        __m512 x[16];
        for (int i = 0; i < 16; i++)
            x[i] = i < n ? _mm512_maskz_loadu_ps(m, k + i * stride + c0) : _mm512_setzero_ps();
        transpose16(x);
        for (int j = 0; j < nc; j++) _mm512_mask_storeu_ps(panel + (c0 + j) * KN, (1u << KN) - 1, x[j]);
    }
}

/// Per-thread scratch: for each of up to SUB sub-tiles a Q^T tile (d x 32) and an O^T tile
/// (d x 32); one score/probability block (NB x 32) followed by room for one K^T panel (KN x d).
typedef struct {
    float *qt, *ot, *ps;
} tile_scratch;

/// Running softmax state of one 32-row sub-tile: max and sum per row (two vectors each).
typedef struct {
    __m512 m0, m1, l0, l1;
} row_state;

/// One key block [j0, j0+n) for one 32-row sub-tile starting at query row i0 (for the causal mask).
static inline void tile_block(const float *qt, float *ot, float *ps, row_state *st, const float *kpk, const float *k,
                              int64_t ks, const float *v, int64_t vs, int64_t j0, int64_t n, int64_t d, int64_t i0,
                              int causal) {
    __m512 b0 = _mm512_set1_ps(-1e30f), b1 = b0;
    for (int64_t t = 0; t < n; t += KN) {
        int valid = n - t < KN ? (int)(n - t) : KN;
        int64_t j = j0 + t;
        if (kpk) {
            qk_tile(qt, kpk + j * d, KN, 1, d, ps + t * QR, valid, &b0, &b1);
        } else if (valid == KN) {
            qk_tile(qt, k + j * ks, 1, ks, d, ps + t * QR, valid, &b0, &b1);
        } else {
            // Last keys of a strided operand: copy them (zero padded) so no row past lk is read.
            float *pad = ps + NB * QR;
            pack_k_panel(k + j * ks, ks, valid, d, pad);
            qk_tile(qt, pad, KN, 1, d, ps + t * QR, valid, &b0, &b1);
        }
    }
    if (causal && j0 + n > i0 + 1) {
        // Mask keys after each query row (scores of -1e30 become exactly 0 below).
        const __m512 lane = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        b0 = b1 = _mm512_set1_ps(-1e30f);
        __m512 r0 = _mm512_add_ps(lane, _mm512_set1_ps((float)i0)), r1 = _mm512_add_ps(r0, _mm512_set1_ps(16));
        for (int64_t t = 0; t < n; t++) {
            __m512 jj = _mm512_set1_ps((float)(j0 + t));
            __m512 s0 = _mm512_load_ps(ps + t * QR), s1 = _mm512_load_ps(ps + t * QR + 16);
            s0 = _mm512_mask_mov_ps(s0, _mm512_cmp_ps_mask(jj, r0, _CMP_GT_OQ), _mm512_set1_ps(-1e30f));
            s1 = _mm512_mask_mov_ps(s1, _mm512_cmp_ps_mask(jj, r1, _CMP_GT_OQ), _mm512_set1_ps(-1e30f));
            _mm512_store_ps(ps + t * QR, s0);
            _mm512_store_ps(ps + t * QR + 16, s1);
            b0 = _mm512_max_ps(b0, s0);
            b1 = _mm512_max_ps(b1, s1);
        }
    }
    // Online softmax: new running max, rescale factor for what was accumulated so far.
    __m512 m0 = _mm512_max_ps(st->m0, b0), m1 = _mm512_max_ps(st->m1, b1);
    __m512 al0 = exp2_ps(_mm512_sub_ps(st->m0, m0)), al1 = exp2_ps(_mm512_sub_ps(st->m1, m1));
    st->m0 = m0;
    st->m1 = m1;
    __m512 s00 = _mm512_setzero_ps(), s01 = s00, s10 = s00, s11 = s00;
    int64_t t = 0;
    for (; t + 2 <= n; t += 2) {
        float *pr = ps + t * QR;
        __m512 p00 = exp2_ps(_mm512_sub_ps(_mm512_load_ps(pr), m0));
        __m512 p01 = exp2_ps(_mm512_sub_ps(_mm512_load_ps(pr + 16), m1));
        __m512 p10 = exp2_ps(_mm512_sub_ps(_mm512_load_ps(pr + QR), m0));
        __m512 p11 = exp2_ps(_mm512_sub_ps(_mm512_load_ps(pr + QR + 16), m1));
        _mm512_store_ps(pr, p00);
        _mm512_store_ps(pr + 16, p01);
        _mm512_store_ps(pr + QR, p10);
        _mm512_store_ps(pr + QR + 16, p11);
        s00 = _mm512_add_ps(s00, p00);
        s01 = _mm512_add_ps(s01, p01);
        s10 = _mm512_add_ps(s10, p10);
        s11 = _mm512_add_ps(s11, p11);
    }
    if (t < n) {
        float *pr = ps + t * QR;
        __m512 p00 = exp2_ps(_mm512_sub_ps(_mm512_load_ps(pr), m0));
        __m512 p01 = exp2_ps(_mm512_sub_ps(_mm512_load_ps(pr + 16), m1));
        _mm512_store_ps(pr, p00);
        _mm512_store_ps(pr + 16, p01);
        s00 = _mm512_add_ps(s00, p00);
        s01 = _mm512_add_ps(s01, p01);
    }
    st->l0 = _mm512_fmadd_ps(st->l0, al0, _mm512_add_ps(s00, s10));
    st->l1 = _mm512_fmadd_ps(st->l1, al1, _mm512_add_ps(s01, s11));
    pv_block(ps, n, v + j0 * vs, vs, d, ot, al0, al1, j0 == 0);
}

/// One work item: query rows i0..i0+rows-1 (rows <= SUB*32) of one (batch, head), as 32-row
/// sub-tiles that take turns on each key block while it is in cache. K is given either packed
/// (panels of KN keys, element (j, c) at kpk[(j/KN)*KN*d + c*KN + j%KN]) or as rows (k + j*ks);
/// V as rows (v + j*vs).
static void flash_tile(const float *q, int64_t qs, const float *kpk, const float *k, int64_t ks, const float *v,
                       int64_t vs, float *o, int64_t os, int64_t i0, int64_t rows, int64_t lk, int64_t d,
                       float scale_log2, int causal, tile_scratch *w) {
    int64_t nsub = (rows + QR - 1) / QR;
    row_state st[SUB];
    for (int64_t s = 0; s < nsub; s++) {
        int64_t r = rows - s * QR < QR ? rows - s * QR : QR;
        // Q^T, pre-multiplied by scale*log2(e) so the softmax runs on 2^(s - max); padded rows are 0.
        pack_q_tile(q + (i0 + s * QR) * qs, qs, r, d, scale_log2, w->qt + s * d * QR);
        st[s].m0 = st[s].m1 = _mm512_set1_ps(-1e30f);
        st[s].l0 = st[s].l1 = _mm512_setzero_ps();
    }
    for (int64_t j0 = 0; j0 < lk; j0 += NB) {
        for (int64_t s = 0; s < nsub; s++) {
            int64_t first = i0 + s * QR, r = rows - s * QR < QR ? rows - s * QR : QR;
            // Key j is visible to query i when j <= i (causal).
            int64_t kend = causal && first + r < lk ? first + r : lk;
            if (j0 >= kend) continue;
            int64_t n = kend - j0 < NB ? kend - j0 : NB;
            tile_block(w->qt + s * d * QR, w->ot + s * d * QR, w->ps, &st[s], kpk, k, ks, v, vs, j0, n, d, first,
                       causal);
        }
    }
    for (int64_t s = 0; s < nsub; s++) {
        int64_t r = rows - s * QR < QR ? rows - s * QR : QR;
        // Normalise and write the rows back in their natural layout.
        unpack_o_tile(w->ot + s * d * QR, _mm512_div_ps(_mm512_set1_ps(1.0f), st[s].l0),
                      _mm512_div_ps(_mm512_set1_ps(1.0f), st[s].l1), r, d, o + (i0 + s * QR) * os, os);
    }
}

static void *attn_alloc(size_t floats) {
    size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes ? bytes : 64);
}

/// Pack K^T panels and V rows of one (batch, head) for keys [j0, j0+n) (j0 a multiple of KN).
static void pack_kv(const float *k, int64_t ks, const float *v, int64_t vs, int64_t lk, int64_t d, int64_t j0,
                    int64_t n, float *kp, float *vp) {
    for (int64_t j = j0; j < j0 + n; j += KN) pack_k_panel(k + j * ks, ks, lk - j < KN ? lk - j : KN, d, kp + j * d);
    int64_t end = j0 + n < lk ? j0 + n : lk;
    for (int64_t j = j0; j < end; j++) memcpy(vp + j * d, v + j * vs, (size_t)d * sizeof(float));
}

// libgomp's entry points, called directly: clang generates OpenMP code only for its own
// runtime (libomp) and ignores `#pragma omp` under -fopenmp=libgomp, while oneDNN and this
// package share libgomp's thread pool. (libomp exports the same GOMP_* symbols.)
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
extern void GOMP_barrier(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);

typedef struct {
    const float *q, *k, *v;
    float *out, *packed;
    int64_t q_stride, k_stride, v_stride, out_stride, heads, lq, lk, d, tiles, item_rows, lkp, per_head, group, bh;
    float scale_log2;
    int causal, pack, failed;
    int64_t *next;  // per group: next unclaimed tile
} flash_job;

static void flash_worker(void *arg) {
    flash_job *J = arg;
    int tid = omp_get_thread_num(), nth = omp_get_num_threads();
    // Flush denormals to zero while this thread works: probabilities below 2^-126 (keys far below
    // the row maximum) would otherwise take microcode assists in the exp and PV steps (~100x
    // slower). They are < 1e-38 of the row's largest weight, so dropping them changes nothing.
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);  // FTZ | DAZ
    int64_t d = J->d, lkp = J->lkp, panels = lkp / KN;
    tile_scratch w;
    w.qt = attn_alloc((size_t)(2 * SUB * d * QR + NB * QR + KN * d));
    w.ot = w.qt ? w.qt + SUB * d * QR : NULL;
    w.ps = w.qt ? w.ot + SUB * d * QR : NULL;
    for (int64_t g0 = 0, gi = 0; g0 < J->bh; g0 += J->group, gi++) {
        int64_t gn = J->bh - g0 < J->group ? J->bh - g0 : J->group;
        if (J->pack) {
            // Every thread packs a contiguous share of this group's K/V panels.
            int64_t total = gn * panels, lo = total * tid / nth, hi = total * (tid + 1) / nth;
            for (int64_t t = lo; t < hi; t++) {
                int64_t g = g0 + t / panels, j0 = (t % panels) * KN;
                int64_t b = g / J->heads, h = g % J->heads;
                float *kp = J->packed + (t / panels) * J->per_head;
                pack_kv(J->k + b * J->lk * J->k_stride + h * d, J->k_stride, J->v + b * J->lk * J->v_stride + h * d,
                        J->v_stride, J->lk, d, j0, KN, kp, kp + lkp * d);
            }
            if (nth > 1) GOMP_barrier();
        }
        // Tiles are claimed one at a time, so a thread slowed down by other work on its core
        // holds up the others by at most a tile or two. The next tile is claimed before working on
        // the current one, so its query and output rows can be prefetched meanwhile.
        int64_t total = gn * J->tiles;
        int64_t t = __atomic_fetch_add(&J->next[gi], 1, __ATOMIC_RELAXED);
        while (t < total) {
            int64_t tn = __atomic_fetch_add(&J->next[gi], 1, __ATOMIC_RELAXED);
            if (tn < total) {
                int64_t g = g0 + tn / J->tiles, i0 = (tn % J->tiles) * J->item_rows;
                int64_t rows = J->lq - i0 < J->item_rows ? J->lq - i0 : J->item_rows;
                const float *qr = J->q + ((g / J->heads) * J->lq + i0) * J->q_stride + (g % J->heads) * d;
                float *orow = J->out + ((g / J->heads) * J->lq + i0) * J->out_stride + (g % J->heads) * d;
                for (int64_t r = 0; r < rows; r++, qr += J->q_stride, orow += J->out_stride) {
                    for (int64_t c = 0; c < d; c += 16) {
                        _mm_prefetch((const char *)(qr + c), _MM_HINT_T1);
                        __builtin_prefetch(orow + c, 1, 2);  // output rows: fetch for writing
                    }
                    _mm_prefetch((const char *)(qr + d - 1), _MM_HINT_T1);
                    __builtin_prefetch(orow + d - 1, 1, 2);
                }
            }
            if (!w.qt) {
                __atomic_store_n(&J->failed, 1, __ATOMIC_RELAXED);
                t = tn;
                continue;
            }
            int64_t g = g0 + t / J->tiles, i0 = (t % J->tiles) * J->item_rows;
            int64_t b = g / J->heads, h = g % J->heads;
            int64_t rows = J->lq - i0 < J->item_rows ? J->lq - i0 : J->item_rows;
            const float *qb = J->q + b * J->lq * J->q_stride + h * d;
            float *ob = J->out + b * J->lq * J->out_stride + h * d;
            if (J->pack) {
                float *kp = J->packed + (t / J->tiles) * J->per_head;
                flash_tile(qb, J->q_stride, kp, NULL, 0, kp + lkp * d, d, ob, J->out_stride, i0, rows, J->lk, d,
                           J->scale_log2, J->causal, &w);
            } else {
                flash_tile(qb, J->q_stride, NULL, J->k + b * J->lk * J->k_stride + h * d, J->k_stride,
                           J->v + b * J->lk * J->v_stride + h * d, J->v_stride, ob, J->out_stride, i0, rows, J->lk,
                           d, J->scale_log2, J->causal, &w);
            }
            t = tn;
        }
        // The next group's packing overwrites this group's panels.
        if (J->pack && nth > 1 && g0 + J->group < J->bh) GOMP_barrier();
    }
    free(w.qt);
    _mm_setcsr(csr);
}

/// Returns 0 when it could not allocate its buffers; the caller then computes everything the
/// portable way (whatever was written is overwritten).
static int flash_attention(const float *q, int64_t q_stride, const float *k, int64_t k_stride, const float *v,
                           int64_t v_stride, float *out, int64_t out_stride, int64_t batch, int64_t heads,
                           int64_t lq, int64_t lk, int64_t d, float scale, int causal) {
    flash_job J = {.q = q, .k = k, .v = v, .out = out, .q_stride = q_stride, .k_stride = k_stride,
                   .v_stride = v_stride, .out_stride = out_stride, .heads = heads, .lq = lq, .lk = lk, .d = d,
                   .causal = causal, .scale_log2 = scale * 1.44269504088896341f};
    // Up to SUB sub-tiles per work item, fewer when that would leave under ~8 items per thread.
    int64_t subtiles = batch * heads * ((lq + QR - 1) / QR), threads = omp_get_max_threads();
    int64_t sub = SUB;
    while (sub > 1 && subtiles / sub < 8 * threads) sub /= 2;
    J.item_rows = QR * sub;
    J.tiles = (lq + J.item_rows - 1) / J.item_rows;
    J.bh = batch * heads;
    J.lkp = (lk + KN - 1) / KN * KN;
    // Packing costs about one pass over K and V per (batch, head); worth it once enough query
    // tiles reuse them.
    J.pack = lq >= PACK_MIN_QUERIES;
    J.per_head = J.pack ? 2 * J.lkp * d : 0;
    J.group = J.bh;
    if (J.pack) {
        J.group = (int64_t)(8 << 20) / (J.per_head * (int64_t)sizeof(float));  // ~8 MB of packed K/V at a time
        J.group = J.group < 1 ? 1 : (J.group > J.bh ? J.bh : J.group);
    }
    int64_t groups = (J.bh + J.group - 1) / J.group;
    J.next = calloc((size_t)groups, sizeof(int64_t));
    J.packed = J.pack ? attn_alloc((size_t)(J.group * J.per_head)) : NULL;
    if (!J.next || (J.pack && !J.packed)) {
        free(J.next);
        free(J.packed);
        return 0;
    }
    // Below ~2 MFLOP (~10 us on one core) waking the other threads costs more than it saves.
    double flops = 4.0 * (double)J.bh * (double)lq * (double)lk * (double)d;
    GOMP_parallel(flash_worker, &J, J.bh * J.tiles > 1 && flops >= 2e6 ? 0 : 1, 0);
    free(J.next);
    free(J.packed);
    return !J.failed;
}

#endif  // __AVX512F__ && __AVX512DQ__

void sd_attention(const float *q, int64_t q_stride, const float *k, int64_t k_stride, const float *v,
                  int64_t v_stride, float *out, int64_t out_stride, int64_t batch, int64_t heads, int64_t lq,
                  int64_t lk, int64_t head_dim, float scale, int causal) {
    if (batch <= 0 || heads <= 0 || lq <= 0 || head_dim <= 0) return;
#if defined(__AVX512F__) && defined(__AVX512DQ__)
    if (lk > 0 && flash_attention(q, q_stride, k, k_stride, v, v_stride, out, out_stride, batch, heads, lq, lk,
                                  head_dim, scale, causal))
        return;
#endif
    blocked_attention(q, q_stride, k, k_stride, v, v_stride, out, out_stride, batch, heads, lq, lk, head_dim, scale,
                      causal);
}
