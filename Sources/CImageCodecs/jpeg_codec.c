#include "CImageCodecs.h"
#include "cic_error.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's error manager, extended with the jump target and the caller's message buffer. */
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *err;
    size_t err_size;
} cic_jpeg_error_mgr;

static void cic_jpeg_error_exit(j_common_ptr cinfo) {
    cic_jpeg_error_mgr *manager = (cic_jpeg_error_mgr *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    cic_set_error(manager->err, manager->err_size, message);
    longjmp(manager->jump, 1);
}

/*
 * Warnings are ignored as Pillow ignores them, except running out of data: libjpeg would
 * pad the picture with grey, Pillow reports the file as truncated.
 */
static void cic_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        cic_jpeg_error_mgr *manager = (cic_jpeg_error_mgr *)cinfo->err;
        cic_set_error(manager->err, manager->err_size, "file is truncated");
        longjmp(manager->jump, 1);
    }
}

static void cic_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

static void cic_jpeg_setup(struct jpeg_decompress_struct *cinfo, cic_jpeg_error_mgr *manager,
                           char *err, size_t err_size) {
    cinfo->err = jpeg_std_error(&manager->pub);
    manager->pub.error_exit = cic_jpeg_error_exit;
    manager->pub.emit_message = cic_jpeg_emit_message;
    manager->pub.output_message = cic_jpeg_output_message;
    manager->err = err;
    manager->err_size = err_size;
}

int cic_jpeg_info(const uint8_t *data, size_t size, cic_geometry *geometry, char *err, size_t err_size) {
    struct jpeg_decompress_struct cinfo;
    cic_jpeg_error_mgr manager;
    cic_jpeg_setup(&cinfo, &manager, err, err_size);
    if (setjmp(manager.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    geometry->width = cinfo.image_width;
    geometry->height = cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/* Pillow's cmyk2rgb on samples unpacked with its "CMYK;I" (inverted, Adobe) rawmode. */
static void cic_cmyk_inverted_to_rgb(const uint8_t *cmyk, uint8_t *rgb, JDIMENSION width) {
    for (JDIMENSION x = 0; x < width; x++) {
        int nk = cmyk[3]; /* 255 - (255 - k) */
        for (int c = 0; c < 3; c++) {
            int tmp = (255 - cmyk[c]) * nk + 128;
            int v = nk - (((tmp >> 8) + tmp) >> 8);
            rgb[c] = (uint8_t)(v <= 0 ? 0 : v < 256 ? v : 255);
        }
        cmyk += 4;
        rgb += 3;
    }
}

int cic_jpeg_decode_rgb8(const uint8_t *data, size_t size, cic_geometry geometry, uint8_t *rgb,
                         char *err, size_t err_size) {
    struct jpeg_decompress_struct cinfo;
    cic_jpeg_error_mgr manager;
    uint8_t *volatile scratch = NULL;
    cic_jpeg_setup(&cinfo, &manager, err, err_size);
    if (setjmp(manager.jump)) {
        free(scratch);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width != geometry.width || cinfo.image_height != geometry.height) {
        cic_set_error(err, err_size, "image size changed between reads");
        longjmp(manager.jump, 1);
    }
    switch (cinfo.num_components) {
    case 1:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case 3:
        cinfo.out_color_space = JCS_RGB;
        break;
    case 4:
        cinfo.out_color_space = JCS_CMYK;
        break;
    default:
        cic_set_error(err, err_size, "unsupported number of colour components");
        longjmp(manager.jump, 1);
    }
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);
    int components = cinfo.output_components;
    if (cinfo.output_width != geometry.width || cinfo.output_height != geometry.height ||
        components != cinfo.num_components) {
        cic_set_error(err, err_size, "unsupported pixel layout");
        longjmp(manager.jump, 1);
    }
    if (components != 3) {
        scratch = malloc((size_t)cinfo.output_width * (size_t)components);
        if (scratch == NULL) {
            cic_set_error(err, err_size, "out of memory");
            longjmp(manager.jump, 1);
        }
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = rgb + (size_t)cinfo.output_scanline * cinfo.output_width * 3;
        JSAMPROW target = components == 3 ? row : scratch;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            cic_set_error(err, err_size, "file is truncated");
            longjmp(manager.jump, 1);
        }
        if (components == 1) {
            for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
                row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = scratch[x];
            }
        } else if (components == 4) {
            cic_cmyk_inverted_to_rgb(scratch, row, cinfo.output_width);
        }
    }
    /* Like Pillow, stop after the last scanline: trailing data (or a missing EOI) is not read. */
    free(scratch);
    scratch = NULL;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
