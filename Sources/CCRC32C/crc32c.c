#include "ccrc32c.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

int ccrc32c_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t c = crc;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8; len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len > 0) { c32 = __builtin_ia32_crc32qi(c32, *p); p++; len--; }
    return c32;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

int ccrc32c_available(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }

__attribute__((target("+crc")))
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    uint32_t c = crc;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_aarch64_crc32cx(c, v);
        p += 8; len -= 8;
    }
    while (len > 0) { c = __builtin_aarch64_crc32cb(c, *p); p++; len--; }
    return c;
}

#else
int ccrc32c_available(void) { return 0; }
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t len) { (void)data; (void)len; return crc; }
#endif
