/* compiler/lower_compare.c — i64 and f64 comparisons to 0/1. */
#include "lower.h"

void lower_compare(lower_t *L, const instr_t *in)
{
    LLVMValueRef b = lw_get(L, in->fixed[1].idx), c = lw_get(L, in->fixed[2].idx);
    LLVMValueRef r;
    switch ((vm_opcode_t)in->op) {
    case OP_EQ_I64: r = LLVMBuildICmp(L->b, LLVMIntEQ, b, c, ""); break;
    case OP_NE_I64: r = LLVMBuildICmp(L->b, LLVMIntNE, b, c, ""); break;
    case OP_LT_I64: r = LLVMBuildICmp(L->b, LLVMIntSLT, b, c, ""); break;
    case OP_LE_I64: r = LLVMBuildICmp(L->b, LLVMIntSLE, b, c, ""); break;
    case OP_GT_I64: r = LLVMBuildICmp(L->b, LLVMIntSGT, b, c, ""); break;
    case OP_GE_I64: r = LLVMBuildICmp(L->b, LLVMIntSGE, b, c, ""); break;
    /* ordered, except ne: true when either side is nan */
    case OP_EQ_F64: r = LLVMBuildFCmp(L->b, LLVMRealOEQ, b, c, ""); break;
    case OP_NE_F64: r = LLVMBuildFCmp(L->b, LLVMRealUNE, b, c, ""); break;
    case OP_LT_F64: r = LLVMBuildFCmp(L->b, LLVMRealOLT, b, c, ""); break;
    case OP_LE_F64: r = LLVMBuildFCmp(L->b, LLVMRealOLE, b, c, ""); break;
    case OP_GT_F64: r = LLVMBuildFCmp(L->b, LLVMRealOGT, b, c, ""); break;
    case OP_GE_F64: r = LLVMBuildFCmp(L->b, LLVMRealOGE, b, c, ""); break;
    default: unreachable();
    }
    lw_set(L, in->fixed[0].idx, LLVMBuildZExt(L->b, r, L->t_i64, ""));
}
