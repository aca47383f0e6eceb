/* compiler/lower_call.c — calls: direct, through function values, tail
 * calls, and builtins. The current line goes into the frame first, so a
 * stack trace taken inside the callee shows where this frame was. */
#include "lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call that returns: result word converted to the callee's type, errors
 * checked if the callee may raise. */
static void direct_call(lower_t *L, const instr_t *in, uint32_t fidx, bool has_dst)
{
    const func_t *callee = &L->m->funcs[fidx];
    lw_line_for_call(L, fidx);
    LLVMValueRef r = lw_call_code(L, L->fn_values[fidx], in->args, in->nargs, L->top, false);
    if (L->may_raise[fidx])
        lw_check_exc(L, r);
    if (has_dst)
        lw_set(L, in->fixed[0].idx, lw_from_word(L, r, callee->ret));
}

/* The code pointer of function value `fv` if it takes `nargs` arguments;
 * otherwise raise type or arity and unwind. ctx->self is set for the
 * callee's captures. */
static LLVMValueRef code_of(lower_t *L, LLVMValueRef fv, uint32_t nargs)
{
    LLVMBasicBlockRef ok = lw_block(L, "fn.ok"), bad = lw_block(L, "fn.bad");
    LLVMValueRef p = lw_obj_check(L, fv, VM_KIND_FUNC, LLVMIntEQ, nargs, ok, bad);
    LLVMPositionBuilderAtEnd(L->b, bad);
    LLVMValueRef bad_args[2] = {fv, lw_i64(L, nargs)};
    lw_call_builtin(L, VM_BUILTIN_badcall, bad_args, 2); /* branches to the unwind target */
    LLVMPositionBuilderAtEnd(L->b, ok);
    LLVMBuildStore(L->b, fv, lw_ctx_field(L, VM_CTX_SELF_INDEX, "self.addr"));
    LLVMValueRef off = lw_i64(L, VM_FUNC_CODE_OFFSET);
    return LLVMBuildLoad2(L->b, L->t_ptr, LLVMBuildGEP2(L->b, L->t_i8, p, &off, 1, ""), "code");
}

static void value_call(lower_t *L, const instr_t *in)
{
    lw_store_line(L);
    LLVMValueRef code = code_of(L, lw_get(L, in->fixed[1].idx), in->nargs);
    LLVMValueRef r = lw_call_code(L, code, in->args, in->nargs, L->top, false);
    lw_check_exc(L, r);
    lw_set(L, in->fixed[0].idx, r);
}

/* A tail call: the callee's frame replaces this one (same ssp), and the
 * call is `musttail`, so neither stack grows. */
static void tail_call(lower_t *L, LLVMValueRef callee, const instr_t *in)
{
    LLVMValueRef r = lw_call_code(L, callee, in->args, in->nargs, L->frame, true);
    LLVMBuildRet(L->b, r);
}

static void call_builtin(lower_t *L, const instr_t *in, uint32_t name, bool has_dst)
{
    const vstr_t *s = &L->m->strs[name];
    const builtin_info_t *bi = builtin_lookup(s->s, s->len);
    if (!bi)
        die("verified module calls unknown builtin %s", s->s);
    if (bi->effects & (EF_RAISE | EF_ALLOC | EF_YIELD))
        lw_store_line(L);
    LLVMValueRef *args = xmalloc((in->nargs ? in->nargs : 1) * sizeof *args);
    for (uint32_t i = 0; i < in->nargs; i++)
        args[i] = lw_get(L, in->args[i]);
    LLVMValueRef r = lw_call_builtin(L, (vm_builtin_id_t)(bi - builtin_info), args, in->nargs);
    free(args);
    if (has_dst)
        lw_set(L, in->fixed[0].idx, r);
}

void lower_call(lower_t *L, const instr_t *in)
{
    switch ((vm_opcode_t)in->op) {
    case OP_CALL: direct_call(L, in, in->fixed[1].idx, true); break;
    case OP_CALL_VOID: direct_call(L, in, in->fixed[0].idx, false); break;
    case OP_CALLB: call_builtin(L, in, in->fixed[1].idx, true); break;
    case OP_CALLB_VOID: call_builtin(L, in, in->fixed[0].idx, false); break;
    case OP_CALL_V: value_call(L, in); break;
    case OP_TAILCALL: tail_call(L, L->fn_values[in->fixed[0].idx], in); break;
    case OP_TAILCALL_V:
        lw_store_line(L); /* for the error of a bad call */
        tail_call(L, code_of(L, lw_get(L, in->fixed[0].idx), in->nargs), in);
        break;
    default: unreachable();
    }
}
