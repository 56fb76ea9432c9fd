// WebP decoding through libwebp (lossy and lossless; animated files are refused).
#include "CImageCodecs.h"
#include "cic_error.h"
#include <webp/decode.h>

int cic_webp_info(const uint8_t *data, size_t size, cic_geometry *geometry, char *err, size_t err_size) {
    WebPBitstreamFeatures features;
    if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK) {
        cic_set_error(err, err_size, "not a readable WebP file");
        return -1;
    }
    if (features.has_animation) {
        cic_set_error(err, err_size, "animated WebP is not supported");
        return -1;
    }
    geometry->width = (uint32_t)features.width;
    geometry->height = (uint32_t)features.height;
    return 0;
}

int cic_webp_decode_rgb8(const uint8_t *data, size_t size, cic_geometry geometry, uint8_t *rgb,
                         char *err, size_t err_size) {
    size_t stride = (size_t)geometry.width * 3;
    if (!WebPDecodeRGBInto(data, size, rgb, stride * geometry.height, (int)stride)) {
        cic_set_error(err, err_size, "corrupt or truncated WebP data");
        return -1;
    }
    return 0;
}
