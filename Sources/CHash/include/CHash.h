#ifndef CHASH_H
#define CHASH_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 through OpenSSL's libcrypto (EVP_Digest*), which uses the CPU's SHA extensions:
   hashing a 4 GB checkpoint is bounded by the disk, not by the digest. */

/* Digest of `length` bytes at `bytes` into `digest` (32 bytes). Returns 0, or -1 if libcrypto failed. */
int chash_sha256_buffer(const void *bytes, size_t length, uint8_t digest[32]);

/* Digest of the file at `path`, read in large blocks, into `digest` (32 bytes); `*bytes_read` receives the
   number of bytes hashed. Returns 0, an errno value if the file could not be opened or read, or -1 if
   libcrypto failed. */
int chash_sha256_file(const char *path, uint8_t digest[32], uint64_t *bytes_read);

#endif
