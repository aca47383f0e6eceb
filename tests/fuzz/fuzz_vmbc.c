/* tests/fuzz/fuzz_vmbc.c — bytes as a binary module: vmbc_read alone. */
#include "fuzz.h"
#include "vmbc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    module_free(vmbc_read("fuzz.vmbc", data, size));
    return 0;
}
