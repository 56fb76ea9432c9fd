#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

/*
 * Thin wrappers over libpng, libjpeg(-turbo), libwebp and zlib for Swift.
 *
 * libpng and libjpeg report errors by longjmp; every function here owns its setjmp, so no
 * longjmp ever crosses into Swift. Each returns 0 on success, or -1 with a one-line,
 * NUL-terminated message in `err` (at most err_size bytes).
 */

#include <stddef.h>
#include <stdint.h>

/* Decoded picture geometry, filled in by the *_info functions. */
typedef struct {
    uint32_t width;
    uint32_t height;
} cic_geometry;

/* Reads the PNG header (IHDR) of an in-memory PNG file. */
int cic_png_info(const uint8_t *data, size_t size, cic_geometry *geometry, char *err, size_t err_size);

/*
 * Decodes an in-memory PNG to 8-bit RGB (row-major, interleaved) as Pillow's
 * `Image.open(...).convert("RGB")` does: 16-bit samples keep their high byte, palettes
 * and grey are expanded, alpha and tRNS are dropped (not composited), gAMA/cHRM/iCCP
 * are ignored. `rgb` holds width*height*3 bytes for the geometry cic_png_info reported.
 */
int cic_png_decode_rgb8(const uint8_t *data, size_t size, cic_geometry geometry, uint8_t *rgb,
                        char *err, size_t err_size);

/*
 * Encodes 8-bit RGB pixels as a PNG file in memory (no ancillary chunks). On success,
 * *out is a malloc'd buffer of *out_size bytes that the caller releases with cic_free.
 */
int cic_png_encode_rgb8(const uint8_t *rgb, uint32_t width, uint32_t height, uint8_t **out,
                        size_t *out_size, char *err, size_t err_size);

/* Reads the frame header (SOF) of an in-memory JPEG file. */
int cic_jpeg_info(const uint8_t *data, size_t size, cic_geometry *geometry, char *err, size_t err_size);

/*
 * Decodes an in-memory JPEG to 8-bit RGB as Pillow does (islow DCT, fancy upsampling;
 * grey is replicated; CMYK/YCCK is read with Adobe's inverted polarity and converted
 * with Pillow's cmyk2rgb). A truncated file is an error, not a grey-padded picture.
 */
int cic_jpeg_decode_rgb8(const uint8_t *data, size_t size, cic_geometry geometry, uint8_t *rgb,
                         char *err, size_t err_size);

/* Reads the geometry of an in-memory WebP file (refusing animations). */
int cic_webp_info(const uint8_t *data, size_t size, cic_geometry *geometry, char *err, size_t err_size);

/* Decodes an in-memory WebP (lossy or lossless) to 8-bit RGB; alpha is dropped, as Pillow's convert("RGB"). */
int cic_webp_decode_rgb8(const uint8_t *data, size_t size, cic_geometry geometry, uint8_t *rgb,
                         char *err, size_t err_size);

/*
 * Inflates a zlib stream (zTXt/iTXt payloads). Returns -2 when the output would exceed
 * max_size bytes (decompression bombs), -1 when the stream is corrupt or truncated.
 * On success *out is malloc'd (release with cic_free).
 */
int cic_zlib_inflate(const uint8_t *data, size_t size, size_t max_size, uint8_t **out,
                     size_t *out_size, char *err, size_t err_size);

/* Releases a buffer returned by this module. */
void cic_free(void *pointer);

#endif
