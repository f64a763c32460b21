/* A stand-in for bcryptprimitives.dll, which Wine 8 lacks and Rust's
 * standard library loads for ProcessPrng (its random numbers, e.g. for
 * HashMap keys). It fills the buffer from RtlGenRandom, which Wine has. */
#include <windows.h>

#define RtlGenRandom SystemFunction036
BOOLEAN WINAPI RtlGenRandom(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!RtlGenRandom(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
