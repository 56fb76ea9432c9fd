// oneDNN-backed convolution and fully connected layers. Each layer keeps one copy of its weights
// in the layout oneDNN picked and a small cache of primitives keyed by input geometry, so the
// denoising loop creates nothing after its first step.
#include "CKernels.h"
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static int ensure_engine(void) {
    if (engine) return 0;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return -1;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) return -1;
    return 0;
}

/// A memory over a buffer of ours (huge pages for large weights), released by owned_destroy.
static dnnl_memory_t owned_memory(const dnnl_memory_desc_t *md) {
    void *buffer = sd_alloc(dnnl_memory_desc_get_size(md));
    dnnl_memory_t m = NULL;
    if (!buffer) return NULL;
    if (dnnl_memory_create(&m, md, engine, buffer) != dnnl_success) {
        free(buffer);
        return NULL;
    }
    return m;
}

static void owned_destroy(dnnl_memory_t m) {
    if (!m) return;
    void *buffer = NULL;
    dnnl_memory_get_data_handle(m, &buffer);
    dnnl_memory_destroy(m);
    free(buffer);
}

/// Reorders `src` (described by `from`) into a newly allocated memory described by `to`.
static dnnl_memory_t reorder_new(dnnl_memory_t src, const dnnl_memory_desc_t *from,
                                 const dnnl_memory_desc_t *to) {
    dnnl_memory_t dst = owned_memory(to);
    if (!dst) return NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t r = NULL;
    int ok = dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, NULL) == dnnl_success &&
             dnnl_primitive_create(&r, rpd) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
        ok = dnnl_primitive_execute(r, stream, 2, args) == dnnl_success &&
             dnnl_stream_wait(stream) == dnnl_success;
    }
    if (r) dnnl_primitive_destroy(r);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (!ok) {
        owned_destroy(dst);
        return NULL;
    }
    return dst;
}

/// Weights held in exactly one layout at a time; a primitive wanting another layout gets a reorder
/// of the current copy, which then replaces it (layers see one geometry family in practice).
/// With reduced storage the copy is float16/bfloat16 and each call widens it into a shared scratch.
typedef struct {
    dnnl_memory_desc_t md;
    dnnl_memory_t mem;
    uint16_t *half;
    size_t count;
    int storage;
} packed_weights;

/// A buffer kept between calls and only ever grown: the shared scratch spaces below.
typedef struct {
    void *data;
    size_t size;
} grow_buffer;

static void *grown(grow_buffer *b, size_t bytes) {
    if (bytes > b->size) {
        free(b->data);
        b->data = sd_alloc(bytes);
        b->size = b->data ? bytes : 0;
    }
    return b->data;
}

/// Reduced-precision weights widened for the call under way.
static grow_buffer widened_weights;

static void narrow(const float *src, uint16_t *dst, size_t n, int storage) {
    if (storage == SD_WEIGHTS_BF16) sd_f32_to_bf16(src, dst, (int64_t)n);
    else sd_f32_to_f16(src, dst, (int64_t)n);
}

static void widen(const uint16_t *src, float *dst, size_t n, int storage) {
    if (storage == SD_WEIGHTS_BF16) sd_bf16_to_f32(src, dst, (int64_t)n);
    else sd_f16_to_f32(src, dst, (int64_t)n);
}

/// A float32 memory for `md` holding the weights (widened into a new buffer when reduced).
static dnnl_memory_t widened_copy(packed_weights *w) {
    if (w->storage == SD_WEIGHTS_F32) return w->mem;
    dnnl_memory_t m = owned_memory(&w->md);
    if (!m) return NULL;
    void *h = NULL;
    dnnl_memory_get_data_handle(m, &h);
    widen(w->half, h, w->count, w->storage);
    return m;
}

/// Makes `m` (float32 weights in layout `md`, owned from here on) the stored copy, replacing the
/// previous one; reduced storage keeps it narrowed and releases `m`.
static int adopt(packed_weights *w, dnnl_memory_t m, const dnnl_memory_desc_t *md) {
    size_t count = dnnl_memory_desc_get_size(md) / sizeof(float);
    if (w->storage == SD_WEIGHTS_F32) {
        owned_destroy(w->mem);
        w->mem = m;
    } else {
        uint16_t *half = sd_alloc(count * sizeof(uint16_t));
        void *h = NULL;
        dnnl_memory_get_data_handle(m, &h);
        if (half) narrow(h, half, count, w->storage);
        owned_destroy(m);
        if (!half) return -1;
        free(w->half);
        w->half = half;
    }
    w->md = *md;
    w->count = count;
    return 0;
}

static int weights_for(packed_weights *w, const dnnl_memory_desc_t *want) {
    if (dnnl_memory_desc_equal(&w->md, want)) return 0;
    dnnl_memory_t src = widened_copy(w);
    if (!src) return -1;
    dnnl_memory_t m = reorder_new(src, &w->md, want);
    if (src != w->mem) owned_destroy(src);
    return m ? adopt(w, m, want) : -1;
}

/// Stores the caller's plain weights, straight in `want` (the layout a typical call's primitive
/// asks for) when given, so the first call finds them ready instead of copying and reordering
/// the whole model once more.
static int init_weights(packed_weights *w, int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag,
                        const float *data, int storage, const dnnl_memory_desc_t *want) {
    if (storage < SD_WEIGHTS_F32 || storage > SD_WEIGHTS_BF16) return -1;
    dnnl_memory_desc_t plain;
    dnnl_memory_t user = NULL, packed = NULL;
    if (dnnl_memory_desc_init_by_tag(&plain, ndims, dims, dnnl_f32, tag) != dnnl_success ||
        dnnl_memory_create(&user, &plain, engine, (void *)data) != dnnl_success)
        return -1;
    w->storage = storage;
    if (want) packed = reorder_new(user, &plain, want);
    if (!packed) {
        want = &plain;
        packed = reorder_new(user, &plain, &plain);
    }
    dnnl_memory_destroy(user);
    return packed ? adopt(w, packed, want) : -1;
}

static void free_weights(packed_weights *w) {
    owned_destroy(w->mem);
    free(w->half);
}

typedef struct {
    int64_t key[3];
    int accumulate;
    dnnl_primitive_t prim;
    dnnl_memory_desc_t weights_md;
    dnnl_memory_t src, dst, widened;
    /// The primitive's scratch space, pointed at one buffer shared by every layer at run time
    /// (oneDNN would otherwise keep one per primitive: gigabytes for Winograd's tile transforms).
    dnnl_memory_t scratchpad;
    /// Winograd convolutions run on nChw16c copies of src and dst (shared scratch), reordered
    /// from and to NHWC around the call; the residual sum rides on the reorder back.
    int blocked;
    dnnl_primitive_t to_blocked, from_blocked;
    dnnl_memory_t blocked_src, blocked_dst;
} cache_entry;

#define CACHE_SLOTS 8

typedef struct {
    cache_entry slots[CACHE_SLOTS];
    int used, next;
} prim_cache;

static cache_entry *cache_find(prim_cache *c, const int64_t key[3], int accumulate) {
    for (int i = 0; i < c->used; i++) {
        cache_entry *e = &c->slots[i];
        if (e->accumulate == accumulate && memcmp(e->key, key, sizeof(e->key)) == 0) return e;
    }
    return NULL;
}

static void entry_clear(cache_entry *e) {
    if (e->prim) dnnl_primitive_destroy(e->prim);
    if (e->src) dnnl_memory_destroy(e->src);
    if (e->dst) dnnl_memory_destroy(e->dst);
    if (e->widened) dnnl_memory_destroy(e->widened);
    if (e->scratchpad) dnnl_memory_destroy(e->scratchpad);
    if (e->to_blocked) dnnl_primitive_destroy(e->to_blocked);
    if (e->from_blocked) dnnl_primitive_destroy(e->from_blocked);
    if (e->blocked_src) dnnl_memory_destroy(e->blocked_src);
    if (e->blocked_dst) dnnl_memory_destroy(e->blocked_dst);
    memset(e, 0, sizeof(*e));
}

static cache_entry *cache_slot(prim_cache *c) {
    cache_entry *e;
    if (c->used < CACHE_SLOTS) {
        e = &c->slots[c->used++];
    } else {
        e = &c->slots[c->next];
        c->next = (c->next + 1) % CACHE_SLOTS;
        entry_clear(e);
    }
    return e;
}

static void cache_clear(prim_cache *c) {
    for (int i = 0; i < c->used; i++) entry_clear(&c->slots[i]);
    c->used = 0;
}

/// Creates primitive, src/dst memories (no buffers) and records the weights layout it wants.
static int entry_build(cache_entry *e, dnnl_primitive_desc_t pd) {
    const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *dmd = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if (!wmd || !smd || !dmd) return -1;
    e->weights_md = *wmd;
    if (dnnl_primitive_create(&e->prim, pd) != dnnl_success) return -1;
    if (dnnl_memory_create(&e->src, smd, engine, DNNL_MEMORY_NONE) != dnnl_success) return -1;
    if (dnnl_memory_create(&e->dst, dmd, engine, DNNL_MEMORY_NONE) != dnnl_success) return -1;
    if (dnnl_memory_create(&e->widened, wmd, engine, DNNL_MEMORY_NONE) != dnnl_success) return -1;
    const dnnl_memory_desc_t *spmd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (spmd && dnnl_memory_desc_get_size(spmd) > 0 &&
        dnnl_memory_create(&e->scratchpad, spmd, engine, DNNL_MEMORY_NONE) != dnnl_success)
        return -1;
    return 0;
}

static grow_buffer shared_scratchpad;

/// Points the entry's scratchpad at the shared buffer (grown as needed); 0 on success.
static int bind_scratchpad(cache_entry *e) {
    if (!e->scratchpad) return 0;
    const dnnl_memory_desc_t *md = NULL;
    dnnl_memory_get_memory_desc(e->scratchpad, &md);
    size_t size = dnnl_memory_desc_get_size(md);
    void *buffer = grown(&shared_scratchpad, size);
    if (!buffer) return -1;
    dnnl_memory_set_data_handle(e->scratchpad, buffer);
    return 0;
}

static dnnl_primitive_attr_t make_attr(int accumulate) {
    dnnl_primitive_attr_t attr = NULL;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success) return NULL;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (accumulate) {
        dnnl_post_ops_t po = NULL;
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_sum(po, 1.0f);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    return attr;
}

/// A bias vector of `count` floats in its own oneDNN memory, described by `ndims`/`dims`/`tag`.
static int init_bias(dnnl_memory_desc_t *md, dnnl_memory_t *mem, int ndims, const dnnl_dims_t dims,
                     dnnl_format_tag_t tag, const float *bias, int64_t count) {
    dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, tag);
    if (dnnl_memory_create(mem, md, engine, DNNL_MEMORY_ALLOCATE) != dnnl_success) return -1;
    void *h = NULL;
    dnnl_memory_get_data_handle(*mem, &h);
    memcpy(h, bias, (size_t)count * sizeof(float));
    return 0;
}

/// The weights layout oneDNN picks for `op` (with this file's attributes).
static int preferred_weights(const_dnnl_op_desc_t op, dnnl_memory_desc_t *out) {
    dnnl_primitive_attr_t attr = make_attr(0);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_primitive_desc_create(&pd, op, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) return -1;
    const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (wmd) *out = *wmd;
    dnnl_primitive_desc_destroy(pd);
    return wmd ? 0 : -1;
}

/// Creates the primitive for `op` (with a sum post-op when accumulating) and caches it under `key`.
static cache_entry *cache_insert(prim_cache *c, const int64_t key[3], int accumulate, const_dnnl_op_desc_t op) {
    dnnl_primitive_attr_t attr = make_attr(accumulate);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_primitive_desc_create(&pd, op, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) return NULL;
    cache_entry *e = cache_slot(c);
    memcpy(e->key, key, sizeof(e->key));
    e->accumulate = accumulate;
    int bad = entry_build(e, pd);
    dnnl_primitive_desc_destroy(pd);
    if (bad) {
        entry_clear(e);
        return NULL;
    }
    return e;
}

/// The float32 weights memory to execute with: the stored copy, or reduced weights widened into
/// the shared scratch.
static dnnl_memory_t weights_memory(cache_entry *e, packed_weights *w) {
    if (w->storage == SD_WEIGHTS_F32) return w->mem;
    float *wide = grown(&widened_weights, w->count * sizeof(float));
    if (!wide) return NULL;
    widen(w->half, wide, w->count, w->storage);
    dnnl_memory_set_data_handle(e->widened, wide);
    return e->widened;
}

static int run(cache_entry *e, packed_weights *w, dnnl_memory_t bias, const float *src, float *dst) {
    if (weights_for(w, &e->weights_md) != 0) return -1;
    dnnl_memory_t weights = weights_memory(e, w);
    if (!weights) return -1;
    dnnl_memory_set_data_handle(e->src, (void *)src);
    dnnl_memory_set_data_handle(e->dst, dst);
    if (bind_scratchpad(e) != 0) return -1;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, e->src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, e->dst}};
    int count = 3;
    if (bias) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, bias};
    if (e->scratchpad) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, e->scratchpad};
    if (dnnl_primitive_execute(e->prim, stream, count, args) != dnnl_success) return -1;
    return dnnl_stream_wait(stream) == dnnl_success ? 0 : -1;
}

// MARK: convolution

struct sd_conv {
    int64_t ic, oc, kh, kw, stride, pt, pl, pb, pr;
    packed_weights w;
    /// Winograd-transformed copy (4x the plain size), made on the first large-image call.
    packed_weights wino;
    int last_winograd, winograd_allowed;
    dnnl_memory_desc_t bias_md;
    dnnl_memory_t bias;
    prim_cache cache;
};

/// The direct convolution on NHWC activations for one geometry, weights in the layout oneDNN likes.
static int direct_conv_desc(const sd_conv *c, int64_t n, int64_t h, int64_t w, int64_t oh, int64_t ow,
                            dnnl_convolution_desc_t *cd) {
    dnnl_memory_desc_t smd, wmd, dmd;
    dnnl_dims_t sd = {n, c->ic, h, w}, wd = {c->oc, c->ic, c->kh, c->kw}, dd = {n, c->oc, oh, ow};
    dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, dnnl_nhwc);
    dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_nhwc);
    dnnl_dims_t strides = {c->stride, c->stride}, pl = {c->pt, c->pl}, pr = {c->pb, c->pr};
    return dnnl_convolution_forward_desc_init(cd, dnnl_forward_inference, dnnl_convolution_direct, &smd, &wmd,
                                              c->bias ? &c->bias_md : NULL, &dmd, strides, pl, pr) == dnnl_success ? 0 : -1;
}

/// The weights layout of the direct convolution for a typical SD geometry (batch 2, 32x32 out).
static int preferred_conv_weights(const sd_conv *c, dnnl_memory_desc_t *out) {
    int64_t oh = 32, ow = 32, h = (oh - 1) * c->stride + c->kh - c->pt - c->pb, w = (ow - 1) * c->stride + c->kw - c->pl - c->pr;
    dnnl_convolution_desc_t cd;
    if (h <= 0 || w <= 0 || direct_conv_desc(c, 2, h, w, oh, ow, &cd) != 0) return -1;
    return preferred_weights(&cd, out);
}

sd_conv *sd_conv_create(int64_t ic, int64_t oc, int64_t kh, int64_t kw, int64_t stride, int64_t pt,
                        int64_t pl, int64_t pb, int64_t pr, const float *weights, const float *bias, int storage) {
    if (ensure_engine() != 0 || ic <= 0 || oc <= 0 || kh <= 0 || kw <= 0 || stride <= 0) return NULL;
    sd_conv *c = calloc(1, sizeof(sd_conv));
    if (!c) return NULL;
    *c = (sd_conv){.ic = ic, .oc = oc, .kh = kh, .kw = kw, .stride = stride, .pt = pt, .pl = pl, .pb = pb, .pr = pr,
                   .winograd_allowed = 1};
    dnnl_dims_t bd = {oc};
    if (bias && init_bias(&c->bias_md, &c->bias, 1, bd, dnnl_x, bias, oc) != 0) goto fail;
    dnnl_dims_t wd = {oc, ic, kh, kw};
    dnnl_memory_desc_t want;
    int known = preferred_conv_weights(c, &want) == 0;
    if (init_weights(&c->w, 4, wd, dnnl_oihw, weights, storage, known ? &want : NULL) != 0) goto fail;
    return c;
fail:
    sd_conv_destroy(c);
    return NULL;
}

void sd_conv_destroy(sd_conv *c) {
    if (!c) return;
    cache_clear(&c->cache);
    free_weights(&c->w);
    free_weights(&c->wino);
    if (c->bias) dnnl_memory_destroy(c->bias);
    free(c);
}

int64_t sd_conv_out_size(const sd_conv *c, int64_t size, int vertical) {
    int64_t k = vertical ? c->kh : c->kw;
    int64_t pad = vertical ? c->pt + c->pb : c->pl + c->pr;
    int64_t span = size + pad - k;
    return span < 0 ? -1 : span / c->stride + 1;
}

// MARK: Winograd

/// 3x3 stride-1 convolutions on images from 64x64 to 256x256 use oneDNN's Winograd F(4x4, 3x3)
/// (2-2.7x faster than direct here; ~4e-6 relative error instead of ~1e-7). Smaller images gain
/// nothing; larger ones would need a transform scratchpad of over a gigabyte (1.2 GB for the
/// SD VAE's last 512x512 level). SD_DIRECT_CONV=1 turns Winograd off.
static int wants_winograd(const sd_conv *c, int64_t h, int64_t w) {
    static int disabled = -1;
    if (disabled < 0) disabled = getenv("SD_DIRECT_CONV") != NULL;
    return !disabled && c->winograd_allowed && c->kh == 3 && c->kw == 3 && c->stride == 1 && c->pt == 1 && c->pl == 1 && c->pb == 1 &&
           c->pr == 1 && c->ic % 16 == 0 && c->oc % 16 == 0 && h * w >= 64 * 64 && h * w <= 256 * 256;
}

/// NHWC activations reordered to nChw16c for Winograd, and its output before the reorder back.
static grow_buffer blocked_activations[2];

static dnnl_primitive_t reorder_primitive(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, int accumulate) {
    dnnl_primitive_attr_t attr = make_attr(accumulate);
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_library);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    if (dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, attr) == dnnl_success)
        dnnl_primitive_create(&prim, pd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    return prim;
}

/// A cache entry for the Winograd primitive, or NULL when oneDNN offers only its slower 2x3
/// variant for this shape (the caller then builds the direct one).
static cache_entry *winograd_entry(sd_conv *c, const int64_t key[3], int accumulate, int64_t n, int64_t h, int64_t w,
                                   int64_t oh, int64_t ow) {
    dnnl_memory_desc_t smd, wmd, dmd, nsmd, ndmd;
    dnnl_dims_t sd = {n, c->ic, h, w}, wd = {c->oc, c->ic, 3, 3}, dd = {n, c->oc, oh, ow};
    dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, dnnl_nChw16c);
    dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_nChw16c);
    dnnl_memory_desc_init_by_tag(&nsmd, 4, sd, dnnl_f32, dnnl_nhwc);
    dnnl_memory_desc_init_by_tag(&ndmd, 4, dd, dnnl_f32, dnnl_nhwc);
    dnnl_dims_t strides = {1, 1}, pad = {1, 1};
    dnnl_convolution_desc_t cd;
    if (dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_winograd, &smd, &wmd,
                                           c->bias ? &c->bias_md : NULL, &dmd, strides, pad, pad) != dnnl_success)
        return NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = make_attr(0);
    dnnl_status_t made = dnnl_primitive_desc_create(&pd, &cd, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (made != dnnl_success) return NULL;
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    if (!impl || !strstr(impl, "wino_4x3")) {
        dnnl_primitive_desc_destroy(pd);
        return NULL;
    }
    cache_entry *e = cache_slot(&c->cache);
    memcpy(e->key, key, sizeof(e->key));
    e->accumulate = accumulate;
    e->blocked = 1;
    int bad = entry_build(e, pd) != 0 ||
              dnnl_memory_create(&e->blocked_src, &smd, engine, DNNL_MEMORY_NONE) != dnnl_success ||
              dnnl_memory_create(&e->blocked_dst, &dmd, engine, DNNL_MEMORY_NONE) != dnnl_success;
    dnnl_primitive_desc_destroy(pd);
    if (!bad) {
        // entry_build made src/dst memories for the blocked descriptors; the NHWC ends replace them.
        dnnl_memory_destroy(e->src);
        dnnl_memory_destroy(e->dst);
        e->src = e->dst = NULL;
        bad = dnnl_memory_create(&e->src, &nsmd, engine, DNNL_MEMORY_NONE) != dnnl_success ||
              dnnl_memory_create(&e->dst, &ndmd, engine, DNNL_MEMORY_NONE) != dnnl_success ||
              !(e->to_blocked = reorder_primitive(&nsmd, &smd, 0)) ||
              !(e->from_blocked = reorder_primitive(&dmd, &ndmd, accumulate));
    }
    if (bad) {
        entry_clear(e);
        return NULL;
    }
    return e;
}

/// Makes `c->wino` hold the weights in `want` (the Winograd layout) from the master copy,
/// through the plain OIHW layout when oneDNN cannot reorder between the two directly.
static int winograd_weights(sd_conv *c, const dnnl_memory_desc_t *want) {
    packed_weights *t = &c->wino;
    if (t->count && dnnl_memory_desc_equal(&t->md, want)) return 0;
    dnnl_memory_t master = widened_copy(&c->w);
    if (!master) return -1;
    dnnl_memory_t out = reorder_new(master, &c->w.md, want);
    if (!out) {
        dnnl_memory_desc_t plain;
        dnnl_dims_t wd = {c->oc, c->ic, 3, 3};
        dnnl_memory_desc_init_by_tag(&plain, 4, wd, dnnl_f32, dnnl_oihw);
        dnnl_memory_t flat = reorder_new(master, &c->w.md, &plain);
        if (flat) {
            out = reorder_new(flat, &plain, want);
            owned_destroy(flat);
        }
    }
    if (master != c->w.mem) owned_destroy(master);
    if (!out) return -1;
    t->storage = c->w.storage;
    return adopt(t, out, want);
}

static int run_winograd(sd_conv *c, cache_entry *e, const float *src, float *dst) {
    if (winograd_weights(c, &e->weights_md) != 0) return -1;
    dnnl_memory_t weights = weights_memory(e, &c->wino);
    if (!weights) return -1;
    const dnnl_memory_desc_t *smd, *dmd;
    dnnl_memory_get_memory_desc(e->blocked_src, &smd);
    dnnl_memory_get_memory_desc(e->blocked_dst, &dmd);
    void *bsrc = grown(&blocked_activations[0], dnnl_memory_desc_get_size(smd));
    void *bdst = grown(&blocked_activations[1], dnnl_memory_desc_get_size(dmd));
    if (!bsrc || !bdst) return -1;
    dnnl_memory_set_data_handle(e->src, (void *)src);
    dnnl_memory_set_data_handle(e->dst, dst);
    dnnl_memory_set_data_handle(e->blocked_src, bsrc);
    dnnl_memory_set_data_handle(e->blocked_dst, bdst);
    dnnl_exec_arg_t in[2] = {{DNNL_ARG_FROM, e->src}, {DNNL_ARG_TO, e->blocked_src}};
    if (bind_scratchpad(e) != 0) return -1;
    dnnl_exec_arg_t conv[5] = {{DNNL_ARG_SRC, e->blocked_src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, e->blocked_dst}};
    int count = 3;
    if (c->bias) conv[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, c->bias};
    if (e->scratchpad) conv[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, e->scratchpad};
    dnnl_exec_arg_t out[2] = {{DNNL_ARG_FROM, e->blocked_dst}, {DNNL_ARG_TO, e->dst}};
    if (dnnl_primitive_execute(e->to_blocked, stream, 2, in) != dnnl_success ||
        dnnl_primitive_execute(e->prim, stream, count, conv) != dnnl_success ||
        dnnl_primitive_execute(e->from_blocked, stream, 2, out) != dnnl_success)
        return -1;
    return dnnl_stream_wait(stream) == dnnl_success ? 0 : -1;
}

int sd_conv_forward(sd_conv *c, int64_t n, int64_t h, int64_t w, const float *src, float *dst,
                    int accumulate) {
    int64_t oh = sd_conv_out_size(c, h, 1), ow = sd_conv_out_size(c, w, 0);
    if (oh <= 0 || ow <= 0 || n <= 0) return -1;
    int64_t key[3] = {n, h, w};
    cache_entry *e = cache_find(&c->cache, key, accumulate);
    if (!e && wants_winograd(c, h, w)) e = winograd_entry(c, key, accumulate, n, h, w, oh, ow);
    if (!e) {
        dnnl_convolution_desc_t cd;
        if (direct_conv_desc(c, n, h, w, oh, ow, &cd) != 0) return -1;
        e = cache_insert(&c->cache, key, accumulate, &cd);
        if (!e) return -1;
    }
    c->last_winograd = e->blocked;
    return e->blocked ? run_winograd(c, e, src, dst) : run(e, &c->w, c->bias, src, dst);
}

int sd_conv_last_used_winograd(const sd_conv *c) { return c->last_winograd; }

void sd_conv_allow_winograd(sd_conv *c, int allow) { c->winograd_allowed = allow;
}

// MARK: fully connected

struct sd_linear {
    int64_t in, out;
    packed_weights w;
    dnnl_memory_desc_t bias_md;
    dnnl_memory_t bias;
    prim_cache cache;
};

/// The weights layout of the matmul for a typical SD row count (4096).
static int preferred_linear_weights(const sd_linear *l, dnnl_memory_desc_t *out) {
    dnnl_memory_desc_t smd, wmd, dmd;
    dnnl_dims_t sd = {4096, l->in}, wd = {l->in, l->out}, dd = {4096, l->out};
    dnnl_memory_desc_init_by_tag(&smd, 2, sd, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&wmd, 2, wd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dmd, 2, dd, dnnl_f32, dnnl_ab);
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, &smd, &wmd, l->bias ? &l->bias_md : NULL, &dmd) != dnnl_success) return -1;
    return preferred_weights(&md, out);
}

sd_linear *sd_linear_create(int64_t in, int64_t out, const float *weights, const float *bias, int storage) {
    if (ensure_engine() != 0 || in <= 0 || out <= 0) return NULL;
    sd_linear *l = calloc(1, sizeof(sd_linear));
    if (!l) return NULL;
    l->in = in;
    l->out = out;
    // PyTorch's [out, in] row-major matrix is the [in, out] weight oneDNN wants, transposed ("ba").
    dnnl_dims_t bd = {1, out};
    if (bias && init_bias(&l->bias_md, &l->bias, 2, bd, dnnl_ab, bias, out) != 0) goto fail;
    dnnl_dims_t wd = {in, out};
    dnnl_memory_desc_t want;
    int known = preferred_linear_weights(l, &want) == 0;
    if (init_weights(&l->w, 2, wd, dnnl_ba, weights, storage, known ? &want : NULL) != 0) goto fail;
    return l;
fail:
    sd_linear_destroy(l);
    return NULL;
}

void sd_linear_destroy(sd_linear *l) {
    if (!l) return;
    cache_clear(&l->cache);
    free_weights(&l->w);
    if (l->bias) dnnl_memory_destroy(l->bias);
    free(l);
}

int sd_linear_forward(sd_linear *l, int64_t rows, const float *src, float *dst, int accumulate) {
    if (rows <= 0) return -1;
    int64_t key[3] = {rows, 0, 0};
    cache_entry *e = cache_find(&l->cache, key, accumulate);
    if (!e) {
        dnnl_memory_desc_t smd, wmd, dmd;
        dnnl_dims_t sd = {rows, l->in}, wd = {l->in, l->out}, dd = {rows, l->out};
        dnnl_memory_desc_init_by_tag(&smd, 2, sd, dnnl_f32, dnnl_ab);
        dnnl_memory_desc_init_by_tag(&wmd, 2, wd, dnnl_f32, dnnl_format_tag_any);
        dnnl_memory_desc_init_by_tag(&dmd, 2, dd, dnnl_f32, dnnl_ab);
        dnnl_matmul_desc_t md;
        if (dnnl_matmul_desc_init(&md, &smd, &wmd, l->bias ? &l->bias_md : NULL, &dmd) != dnnl_success) return -1;
        e = cache_insert(&l->cache, key, accumulate, &md);
        if (!e) return -1;
    }
    return run(e, &l->w, l->bias, src, dst);
}
