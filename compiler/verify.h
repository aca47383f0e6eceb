/* compiler/verify.h — the verifier (rules in verify.c and docs/bytecode.md). */
#ifndef VMCC_VERIFY_H
#define VMCC_VERIFY_H

#include "ir.h"

/* Report every violation (up to a limit); true if the module is valid. */
bool verify_module(const module_t *m);

#endif
