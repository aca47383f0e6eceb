/* compiler/lower_compare.c — i64 and f64 comparisons to 0/1: the i1 is
 * named for the comparison (%lt), the 0/1 word %flag. */
#include "lower.h"

void lower_compare(lower_t *L, const instr_t *in)
{
    LLVMValueRef b = lw_get(L, in->fixed[1].idx);
    LLVMValueRef c = op_info[in->op].operands[2] == 'K' ? lw_i64(L, in->fixed[2].i) /* eqi… */
                                                        : lw_get(L, in->fixed[2].idx);
    LLVMValueRef r;
    switch ((vm_opcode_t)in->op) {
    case OP_EQI_I64:
    case OP_EQ_I64: r = LLVMBuildICmp(L->b, LLVMIntEQ, b, c, "eq"); break;
    case OP_NEI_I64:
    case OP_NE_I64: r = LLVMBuildICmp(L->b, LLVMIntNE, b, c, "ne"); break;
    case OP_LTI_I64:
    case OP_LT_I64: r = LLVMBuildICmp(L->b, LLVMIntSLT, b, c, "lt"); break;
    case OP_LEI_I64:
    case OP_LE_I64: r = LLVMBuildICmp(L->b, LLVMIntSLE, b, c, "le"); break;
    case OP_GTI_I64:
    case OP_GT_I64: r = LLVMBuildICmp(L->b, LLVMIntSGT, b, c, "gt"); break;
    case OP_GEI_I64:
    case OP_GE_I64: r = LLVMBuildICmp(L->b, LLVMIntSGE, b, c, "ge"); break;
    /* ordered, except ne: true when either side is nan */
    case OP_EQ_F64: r = LLVMBuildFCmp(L->b, LLVMRealOEQ, b, c, "feq"); break;
    case OP_NE_F64: r = LLVMBuildFCmp(L->b, LLVMRealUNE, b, c, "fne"); break;
    case OP_LT_F64: r = LLVMBuildFCmp(L->b, LLVMRealOLT, b, c, "flt"); break;
    case OP_LE_F64: r = LLVMBuildFCmp(L->b, LLVMRealOLE, b, c, "fle"); break;
    case OP_GT_F64: r = LLVMBuildFCmp(L->b, LLVMRealOGT, b, c, "fgt"); break;
    case OP_GE_F64: r = LLVMBuildFCmp(L->b, LLVMRealOGE, b, c, "fge"); break;
    default: unreachable();
    }
    lw_set(L, in->fixed[0].idx, LLVMBuildZExt(L->b, r, L->t_i64, "flag"));
}
