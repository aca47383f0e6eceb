/*
 * tests/fuzz/fuzz.h — what the libFuzzer targets of this folder share
 * (docs/fuzzing.md). Each target is one LLVMFuzzerTestOneInput over a
 * front-end stage; these helpers hold the checks every verified module
 * must pass, whichever way it came in.
 */
#ifndef VMCC_FUZZ_H
#define VMCC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "util.h"

/* LLVMFuzzerInitialize is fuzz_common.c's, shared by every target: it
 * sends diagnostics to /dev/null unless VMCC_FUZZ_VERBOSE is set. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The guarantees docs/bytecode.md gives a verified module `m`, checked:
 *   - binary round trip: its encoding reads back, verifies and encodes to
 *     the same bytes (the canonical form);
 *   - text round trip: its disassembly assembles, verifies and encodes to
 *     the same bytes (NaN payloads aside, which text does not keep);
 *   - lowering: it lowers to LLVM IR that LLVM's verifier accepts, with
 *     and without debug information, and no internal error on the way.
 * Any failure is a die() (util.h): an internal error that aborts, so
 * libFuzzer keeps the input. */
void fuzz_check_verified(const module_t *m);

#endif
