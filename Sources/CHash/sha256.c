#include "CHash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

int chash_sha256_buffer(const void *bytes, size_t length, uint8_t digest[32]) {
    unsigned int size = 0;
    return EVP_Digest(bytes, length, digest, &size, EVP_sha256(), NULL) == 1 && size == 32 ? 0 : -1;
}

int chash_sha256_file(const char *path, uint8_t digest[32], uint64_t *bytes_read) {
    enum { block = 4 << 20 };
    *bytes_read = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    unsigned char *buffer = malloc(block);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int status = 0;
    if (buffer == NULL || ctx == NULL) {
        status = ENOMEM;
    } else if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        status = -1;
    } else {
        for (;;) {
            ssize_t n = read(fd, buffer, block);
            if (n < 0) {
                if (errno == EINTR) continue;
                status = errno;
                break;
            }
            if (n == 0) break;
            if (EVP_DigestUpdate(ctx, buffer, (size_t)n) != 1) {
                status = -1;
                break;
            }
            *bytes_read += (uint64_t)n;
        }
        unsigned int size = 0;
        if (status == 0 && (EVP_DigestFinal_ex(ctx, digest, &size) != 1 || size != 32)) status = -1;
    }
    EVP_MD_CTX_free(ctx);
    free(buffer);
    close(fd);
    return status;
}
