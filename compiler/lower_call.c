/* compiler/lower_call.c — direct calls of bytecode functions and calls of
 * builtins. The current line goes into the frame first, so a stack trace
 * taken inside the callee shows where this frame was. */
#include "lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The call's arguments after `nhidden` leading slots the caller fills. */
static LLVMValueRef *gather_args(lower_t *L, const instr_t *in, unsigned nhidden)
{
    LLVMValueRef *args = xmalloc((in->nargs + nhidden) * sizeof *args);
    for (uint32_t i = 0; i < in->nargs; i++)
        args[i + nhidden] = lw_get(L, in->args[i]);
    return args;
}

static void call_function(lower_t *L, const instr_t *in, uint32_t fidx, bool has_dst)
{
    LLVMValueRef *args = gather_args(L, in, VM_HIDDEN_ARGS);
    args[0] = L->ctx;
    args[1] = L->top;
    lw_store_line(L);
    LLVMValueRef r = LLVMBuildCall2(L->b, L->fn_types[fidx], L->fn_values[fidx], args,
                                    in->nargs + VM_HIDDEN_ARGS, "");
    free(args);
    if (has_dst)
        lw_set(L, in->fixed[0].idx, r);
}

static void call_builtin(lower_t *L, const instr_t *in, uint32_t name, bool has_dst)
{
    const vstr_t *s = &L->m->strs[name];
    const builtin_info_t *bi = builtin_lookup(s->s, s->len);
    if (!bi)
        die("verified module calls unknown builtin %s", s->s);
    if (bi->effects & (EF_RAISE | EF_ALLOC | EF_YIELD))
        lw_store_line(L);
    LLVMValueRef *args = gather_args(L, in, 0);
    LLVMValueRef r = lw_call_builtin(L, (vm_builtin_id_t)(bi - builtin_info), args, in->nargs);
    free(args);
    if (has_dst)
        lw_set(L, in->fixed[0].idx, r);
}

void lower_call(lower_t *L, const instr_t *in)
{
    switch ((vm_opcode_t)in->op) {
    case OP_CALL: call_function(L, in, in->fixed[1].idx, true); break;
    case OP_CALL_VOID: call_function(L, in, in->fixed[0].idx, false); break;
    case OP_CALLB: call_builtin(L, in, in->fixed[1].idx, true); break;
    case OP_CALLB_VOID: call_builtin(L, in, in->fixed[0].idx, false); break;
    default: unreachable();
    }
}
