// CRC-32C with the CPU's instruction (x86-64 SSE4.2 `crc32`, AArch64 `crc32c*`), for ActivityStore's CRC32C.
// Swift cannot enable a target feature per function, hence this small C file. The table-driven Swift code
// stays the fallback (and the reference the tests compare against).
#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC-32C instruction that ccrc32c_update uses, else 0.
int ccrc32c_available(void);

/// Continues a CRC-32C over `len` bytes. `crc` is the running, already inverted register (pass ~0 to start,
/// invert the result to finish), as in the Swift implementation. Only call when ccrc32c_available() is 1.
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t len);

#endif
