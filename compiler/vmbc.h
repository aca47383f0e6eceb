/*
 * compiler/vmbc.h — the binary module format (.vmbc): writer and reader.
 *
 * Version 2, all little-endian; numbers are ULEB128/SLEB128 unless noted:
 *
 *   header   "VMBC", u16 version, u16 flags (0)
 *   sections u8 id, ULEB payload size, payload; ids strictly increasing
 *     1 STRINGS  count, then each: byte length, bytes (UTF-8)
 *     2 MODULE   module name (string index)
 *     3 FUNCS    count, then each: name, u8 flags (VMBC_FN_*), u8 return
 *                type, nparams, then
 *                  an import:     nparams type bytes (its name is
 *                                 "module.function");
 *                  a definition:  ncaptures, nregs, nregs type bytes,
 *                                 ninstrs, code size, code (abi/opcodes.h),
 *                                 ntries x (start, end, handler)
 *     4 DEBUG    file (string index + 1), then per function: header line,
 *                and for definitions: register names (string index + 1),
 *                nlabels x (target, name), ninstrs x SLEB line delta
 *     5 DEPS     count, then each dependency: name (string index), kind
 *                (string index, abi/di.h grammar), line
 *
 * STRINGS, MODULE and FUNCS are required; DEBUG and DEPS are optional (the
 * writer leaves DEPS out when the module declares no dependency).
 */
#ifndef VMCC_VMBC_H
#define VMCC_VMBC_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

#define VMBC_MAGIC       "VMBC"
#define VMBC_HEADER_SIZE 8

/* Function flags in the FUNCS section. */
#define VMBC_FN_EXPORTED 0x01u
#define VMBC_FN_IMPORTED 0x02u

/* Section ids, in the order they must appear. */
enum vmbc_section {
    VMBC_SEC_STRINGS = 1,
    VMBC_SEC_MODULE = 2,
    VMBC_SEC_FUNCS = 3,
    VMBC_SEC_DEBUG = 4,
    VMBC_SEC_DEPS = 5,
    VMBC_SEC_CFUNCS = 6,
};
#define VMBC_SEC_LAST VMBC_SEC_CFUNCS

/* Append the canonical encoding of `m` to `out`: the same module always
 * gives the same bytes, whatever the order of its in-memory string table. */
void vmbc_write(const module_t *m, buf_t *out);

/* Decode and validate a module; `path` names it in diagnostics. Returns NULL
 * after reporting the first error (with its byte offset). `data` need not
 * outlive the module. */
module_t *vmbc_read(const char *path, const uint8_t *data, size_t len);

#endif
