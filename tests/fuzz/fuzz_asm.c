/* tests/fuzz/fuzz_asm.c — bytes as text assembly: asm_parse, and for a
 * module that parses, the verifier; a verified one must pass every check
 * of fuzz_check_verified. */
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "fuzz.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* asm_parse reads text[len] (a NUL), and the module keeps `text`. */
    uint8_t *text = xmalloc(size + 1);
    if (size)
        memcpy(text, data, size);
    text[size] = 0;
    module_t *m = asm_parse("fuzz.vmasm", text, size);
    if (m && verify_module(m))
        fuzz_check_verified(m);
    module_free(m);
    free(text);
    return 0;
}
