/* compiler/disasm.h — a module back to text assembly (.vmasm). */
#ifndef VMCC_DISASM_H
#define VMCC_DISASM_H

#include "ir.h"

/* Append `m` as text that asm_parse reads back to the same module: the same
 * names, labels, line numbers (through `.line`) and literal bits (except NaN
 * payloads). Unnamed registers and unlabelled jump targets get generated
 * names (%rN, LN) that do not collide with the module's own. */
void disasm_module(const module_t *m, buf_t *out);

#endif
