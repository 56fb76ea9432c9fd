#include "CImageCodecs.h"
#include "cic_error.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Input side: an in-memory file and where libpng's error messages go. */
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *err;
    size_t err_size;
} cic_png_reader;

/* Output side: a growing malloc'd buffer. */
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    char *err;
    size_t err_size;
} cic_png_writer;

static void cic_png_error_read(png_structp png, png_const_charp message) {
    cic_png_reader *reader = png_get_error_ptr(png);
    cic_set_error(reader->err, reader->err_size, message);
    png_longjmp(png, 1);
}

static void cic_png_error_write(png_structp png, png_const_charp message) {
    cic_png_writer *writer = png_get_error_ptr(png);
    cic_set_error(writer->err, writer->err_size, message);
    png_longjmp(png, 1);
}

/* Warnings (bad ancillary chunks, CRC errors in them) are not worth a line on stderr. */
static void cic_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void cic_png_read_data(png_structp png, png_bytep out, size_t length) {
    cic_png_reader *reader = png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        png_error(png, "file is truncated");
    }
    memcpy(out, reader->data + reader->offset, length);
    reader->offset += length;
}

static void cic_png_write_data(png_structp png, png_bytep bytes, size_t length) {
    cic_png_writer *writer = png_get_io_ptr(png);
    if (length > writer->capacity - writer->size) {
        size_t capacity = writer->capacity > 0 ? writer->capacity : 65536;
        while (length > capacity - writer->size) {
            if (capacity > SIZE_MAX / 2) {
                png_error(png, "encoded image is too large");
            }
            capacity *= 2;
        }
        uint8_t *grown = realloc(writer->data, capacity);
        if (grown == NULL) {
            png_error(png, "out of memory");
        }
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, bytes, length);
    writer->size += length;
}

static void cic_png_flush(png_structp png) {
    (void)png;
}

int cic_png_info(const uint8_t *data, size_t size, cic_geometry *geometry, char *err, size_t err_size) {
    cic_png_reader reader = {data, size, 0, err, err_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, cic_png_error_read, cic_png_warning);
    if (png == NULL) {
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &reader, cic_png_read_data);
    png_read_info(png, info);
    geometry->width = png_get_image_width(png, info);
    geometry->height = png_get_image_height(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

int cic_png_decode_rgb8(const uint8_t *data, size_t size, cic_geometry geometry, uint8_t *rgb,
                        char *err, size_t err_size) {
    cic_png_reader reader = {data, size, 0, err, err_size};
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, cic_png_error_read, cic_png_warning);
    if (png == NULL) {
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &reader, cic_png_read_data);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if (width != geometry.width || height != geometry.height) {
        png_error(png, "image size changed between reads");
    }
    /* Pillow's 16-bit rawmodes (RGB;16B, RGBA;16B, LA;16B) keep the most significant byte. */
    if (bit_depth == 16) {
        png_set_strip_16(png);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0) {
        if (bit_depth < 8) {
            png_set_expand_gray_1_2_4_to_8(png);
        }
        png_set_gray_to_rgb(png);
    }
    /* convert("RGB") drops alpha; a palette's tRNS would otherwise become an alpha channel. */
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_bit_depth(png, info) != 8 || png_get_channels(png, info) != 3 ||
        png_get_rowbytes(png, info) != (size_t)width * 3) {
        png_error(png, "unsupported pixel layout");
    }

    rows = malloc((size_t)height * sizeof(png_bytep));
    if (rows == NULL) {
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = rgb + (size_t)y * width * 3;
    }
    png_read_image(png, rows);
    free(rows);
    rows = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

int cic_png_encode_rgb8(const uint8_t *rgb, uint32_t width, uint32_t height, uint8_t **out,
                        size_t *out_size, char *err, size_t err_size) {
    cic_png_writer writer = {NULL, 0, 0, err, err_size};
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, cic_png_error_write, cic_png_warning);
    if (png == NULL) {
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(writer.data);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, &writer, cic_png_write_data, cic_png_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);

    rows = malloc((size_t)height * sizeof(png_bytep));
    if (rows == NULL) {
        png_error(png, "out of memory");
    }
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = (png_bytep)(rgb + (size_t)y * width * 3);
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    rows = NULL;
    png_destroy_write_struct(&png, &info);
    *out = writer.data;
    *out_size = writer.size;
    return 0;
}

void cic_free(void *pointer) {
    free(pointer);
}
