/* compiler/lower_error.c — raise and catch. Raising stores the error in
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
    default: unreachable();
    }
}
