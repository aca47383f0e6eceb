/* tests/fuzz/fuzz_verify.c — bytes as a binary module: vmbc_read, the
 * verifier, and for a verified module every check of fuzz_check_verified
 * (round trips and lowering to LLVM IR). */
#include "fuzz.h"
#include "verify.h"
#include "vmbc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    module_t *m = vmbc_read("fuzz.vmbc", data, size);
    if (m && verify_module(m))
        fuzz_check_verified(m);
    module_free(m);
    return 0;
}
