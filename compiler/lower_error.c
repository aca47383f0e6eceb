/* compiler/lower_error.c — raise, catch and assert. Raising stores the error in
 * ctx->exc (the runtime builds it, with the trace) and goes to the unwind
 * target: the handler of the innermost try region covering the
 * instruction, or a return of 0 to the caller, which checks in turn. A
 * handler starts with catch, which takes the error and clears ctx->exc. */
#include "lower.h"

void lower_error(lower_t *L, const instr_t *in)
{
    switch ((vm_opcode_t)in->op) {
    case OP_RAISE: {
        lw_store_line(L);
        LLVMValueRef v = lw_get(L, in->fixed[0].idx);
        lw_call_builtin(L, VM_BUILTIN_raise, &v, 1); /* branches to the unwind target */
        LLVMBuildUnreachable(L->b);
        break;
    }
    case OP_CATCH: {
        LLVMValueRef addr = lw_ctx_field(L, VM_CTX_EXC_INDEX, "exc.addr");
        LLVMValueRef e = LLVMBuildLoad2(L->b, L->t_i64, addr, "exc");
        LLVMBuildStore(L->b, lw_i64(L, 0), addr);
        lw_set(L, in->fixed[0].idx, e);
        break;
    }
    case OP_ASSERT: {
        LLVMValueRef ok =
            LLVMBuildICmp(L->b, LLVMIntNE, lw_get(L, in->fixed[0].idx), lw_i64(L, 0), "assert");
        LLVMBasicBlockRef fail = lw_block(L, "assert.fail"), cont = lw_block(L, "assert.ok");
        LLVMBuildCondBr(L->b, ok, cont, fail);
        LLVMPositionBuilderAtEnd(L->b, fail);
        lw_store_line(L);
        LLVMValueRef msg = LLVMConstPtrToInt(lw_string_object(L, in->fixed[1].idx), L->t_i64);
        lw_call_builtin(L, VM_BUILTIN_assert_fail, &msg, 1); /* does not return */
        LLVMBuildUnreachable(L->b);
        LLVMPositionBuilderAtEnd(L->b, cont);
        break;
    }
    default: unreachable();
    }
}
