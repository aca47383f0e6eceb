/* compiler/asm.h — text assembly (.vmasm) to a module. */
#ifndef VMCC_ASM_H
#define VMCC_ASM_H

#include "ir.h"

/* Parse `text` (len bytes; text[len] must be readable and NUL). Returns NULL
 * after reporting the first error. `text` must outlive the module. */
module_t *asm_parse(const char *path, const uint8_t *text, size_t len);

#endif
