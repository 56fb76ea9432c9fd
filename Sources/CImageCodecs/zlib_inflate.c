#include "CImageCodecs.h"
#include "cic_error.h"

#include <stdlib.h>
#include <zlib.h>

int cic_zlib_inflate(const uint8_t *data, size_t size, size_t max_size, uint8_t **out,
                     size_t *out_size, char *err, size_t err_size) {
    z_stream stream = {0};
    if (inflateInit(&stream) != Z_OK) {
        cic_set_error(err, err_size, "cannot initialise zlib");
        return -1;
    }
    size_t capacity = 4096;
    size_t produced = 0;
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL) {
        inflateEnd(&stream);
        cic_set_error(err, err_size, "out of memory");
        return -1;
    }
    const uint8_t *next = data;
    size_t remaining = size;
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        if (produced == capacity) {
            if (capacity >= max_size) {
                free(buffer);
                inflateEnd(&stream);
                cic_set_error(err, err_size, "decompressed text is too large");
                return -2;
            }
            size_t grown_capacity = capacity * 2 < max_size ? capacity * 2 : max_size;
            uint8_t *grown = realloc(buffer, grown_capacity);
            if (grown == NULL) {
                free(buffer);
                inflateEnd(&stream);
                cic_set_error(err, err_size, "out of memory");
                return -1;
            }
            buffer = grown;
            capacity = grown_capacity;
        }
        /* zlib counts in uInt; feed at most 1 GiB per call. */
        uInt input = remaining > (1u << 30) ? (1u << 30) : (uInt)remaining;
        uInt room = capacity - produced > (1u << 30) ? (1u << 30) : (uInt)(capacity - produced);
        stream.next_in = (Bytef *)next;
        stream.avail_in = input;
        stream.next_out = buffer + produced;
        stream.avail_out = room;
        status = inflate(&stream, Z_NO_FLUSH);
        next += input - stream.avail_in;
        remaining -= input - stream.avail_in;
        produced += room - stream.avail_out;
        if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
            cic_set_error(err, err_size, stream.msg != NULL ? stream.msg : "corrupt compressed text");
            free(buffer);
            inflateEnd(&stream);
            return -1;
        }
        if (status != Z_STREAM_END && remaining == 0 && stream.avail_out > 0) {
            /* zlib consumed everything and still wants more: the stream is truncated. */
            cic_set_error(err, err_size, "compressed text is truncated");
            free(buffer);
            inflateEnd(&stream);
            return -1;
        }
    }
    inflateEnd(&stream);
    *out = buffer;
    *out_size = produced;
    return 0;
}
