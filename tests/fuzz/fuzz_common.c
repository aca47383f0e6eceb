/* tests/fuzz/fuzz_common.c — the checks of fuzz.h. */
#include "fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>

#include "asm.h"
#include "diag.h"
#include "disasm.h"
#include "lower.h"
#include "target.h"
#include "verify.h"
#include "vmbc.h"

/* Every target's: diagnostics to /dev/null, unless VMCC_FUZZ_VERBOSE is
 * set (to read them while looking at a reproducer). Crash reports are not
 * affected. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (getenv("VMCC_FUZZ_VERBOSE"))
        return 0;
    FILE *null = fopen("/dev/null", "w");
    if (null)
        diag_set_stream(null);
    return 0;
}

static buf_t encode(const module_t *m)
{
    buf_t b = {0};
    vmbc_write(m, &b);
    return b;
}

static bool same_bytes(const buf_t *a, const buf_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* True if an f64 literal of `m` is a NaN other than the one `nan` spells. */
static bool has_nan_payload(const module_t *m)
{
    double canonical = NAN;
    for (uint32_t fi = 0; fi < m->nfuncs; fi++) {
        const func_t *f = &m->funcs[fi];
        for (uint32_t i = 0; i < f->ninstrs; i++) {
            const instr_t *in = &f->code[i];
            const opinfo_t *oi = &op_info[in->op];
            for (unsigned k = 0; k < oi->nfixed; k++)
                if (opnd_of(oi->operands[k])->cls == OPK_FLOAT && isnan(in->fixed[k].f) &&
                    memcmp(&in->fixed[k].f, &canonical, sizeof canonical) != 0)
                    return true;
        }
    }
    return false;
}

/* `bytes` (the encoding of a verified module) read back by `what`: it must
 * give a module that verifies and encodes to `bytes` again. */
static void check_reencodes(const module_t *back, const buf_t *bytes, const char *what)
{
    if (!back)
        die("%s: a verified module does not read back", what);
    if (!verify_module(back))
        die("%s: a verified module does not verify after the round trip", what);
    buf_t again = encode(back);
    if (!same_bytes(bytes, &again))
        die("%s: a verified module encodes to other bytes after the round trip (%zu, then "
            "%zu bytes)",
            what, bytes->len, again.len);
    buf_free(&again);
}

static void check_binary(const buf_t *bytes)
{
    module_t *back = vmbc_read("roundtrip.vmbc", bytes->data, bytes->len);
    check_reencodes(back, bytes, "binary");
    module_free(back);
}

/* The disassembly of `m`, assembled; it must verify. */
static module_t *reassemble(const module_t *m, buf_t *text)
{
    disasm_module(m, text);
    buf_byte(text, 0); /* asm_parse reads text[len] */
    module_t *back = asm_parse("roundtrip.vmasm", text->data, text->len - 1);
    if (!back || !verify_module(back))
        die("text: the disassembly of a verified module does not assemble and verify");
    return back;
}

/* A module from text comes back from its disassembly unchanged. One from
 * a binary may gain names (%rN, LN) and drop NaN payloads on the first
 * trip through text, and from then on comes back unchanged. */
static void check_text(const module_t *m, const buf_t *bytes)
{
    buf_t text1 = {0}, text2 = {0};
    module_t *m1 = reassemble(m, &text1);
    buf_t bytes1 = encode(m1);
    if (m->from_text && !has_nan_payload(m) && !same_bytes(bytes, &bytes1))
        die("text: a verified module encodes to other bytes after disassembly (%zu, then "
            "%zu bytes)",
            bytes->len, bytes1.len);
    module_t *m2 = reassemble(m1, &text2);
    buf_t bytes2 = encode(m2);
    if (!same_bytes(&bytes1, &bytes2))
        die("text: disassembling and assembling twice gives other bytes (%zu, then %zu "
            "bytes)",
            bytes1.len, bytes2.len);
    buf_free(&bytes2);
    buf_free(&bytes1);
    module_free(m2);
    module_free(m1);
    buf_free(&text2);
    buf_free(&text1);
}

static void check_lowering(const module_t *m, bool debug)
{
    const target_info_t *t = target_host();
    lower_opts_t lo = {.sp_register = t->sp_register,
                       .debug = debug,
                       .target = t->name,
                       .c_int_ext = t->c_int_ext};
    LLVMContextRef llc = LLVMContextCreate();
    LLVMContextSetDiscardValueNames(llc, 1);
    LLVMModuleRef mod = lower_module(llc, m, &lo);
    char *msg = NULL;
    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg))
        die("lowering a verified module gave invalid LLVM IR:\n%s", msg);
    LLVMDisposeMessage(msg);
    LLVMDisposeModule(mod);
    LLVMContextDispose(llc);
}

void fuzz_check_verified(const module_t *m)
{
    buf_t bytes = encode(m);
    check_binary(&bytes);
    check_text(m, &bytes);
    buf_free(&bytes);
    check_lowering(m, false);
    check_lowering(m, true);
}
