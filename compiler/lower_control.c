/* compiler/lower_control.c — jumps, branches, returns (every function
 * returns an i64 word: abi/context.h, the uniform prototype). A jump to an
 * instruction at or before the current one is a loop back-edge: it tests
 * for a preemption request (and may yield) on the way. */
#include "lower.h"

/* The block to branch to for target `t`: a back-edge goes through a block
 * that tests for a preemption request first. */
static LLVMBasicBlockRef edge_to(lower_t *L, uint32_t t)
{
    if (t > L->idx)
        return L->blocks[t];
    LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
    LLVMBasicBlockRef edge = lw_block(L, "backedge");
    LLVMPositionBuilderAtEnd(L->b, edge);
    lw_poll(L);
    LLVMBuildBr(L->b, L->blocks[t]);
    LLVMPositionBuilderAtEnd(L->b, here);
    return edge;
}

void lower_control(lower_t *L, const instr_t *in)
{
    switch ((vm_opcode_t)in->op) {
    case OP_JMP: LLVMBuildBr(L->b, edge_to(L, in->fixed[0].idx)); break;
    case OP_BR: {
        LLVMValueRef c =
            LLVMBuildICmp(L->b, LLVMIntNE, lw_get(L, in->fixed[0].idx), lw_i64(L, 0), "");
        LLVMBasicBlockRef t = edge_to(L, in->fixed[1].idx), f = edge_to(L, in->fixed[2].idx);
        LLVMBuildCondBr(L->b, c, t, f);
        break;
    }
    case OP_RET: LLVMBuildRet(L->b, lw_i64(L, (int64_t)VM_NIL)); break; /* never 0 */
    case OP_RET_I64:
    case OP_RET_F64:
    case OP_RET_VAL: LLVMBuildRet(L->b, lw_to_word(L, lw_get(L, in->fixed[0].idx))); break;
    case OP_NOP: break;
    default: unreachable();
    }
}
