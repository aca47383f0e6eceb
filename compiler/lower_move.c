/* compiler/lower_move.c — constants and moves. */
#include "lower.h"

void lower_move(lower_t *L, const instr_t *in)
{
    uint32_t a = in->fixed[0].idx;
    switch ((vm_opcode_t)in->op) {
    case OP_CONST_I64: lw_set(L, a, lw_i64(L, in->fixed[1].i)); break;
    case OP_CONST_F64: lw_set(L, a, LLVMConstReal(L->t_f64, in->fixed[1].f)); break;
    case OP_CONST_STR:
        lw_set(L, a, LLVMConstPtrToInt(lw_string_object(L, in->fixed[1].idx), L->t_i64));
        break;
    case OP_CONST_INT: lw_set(L, a, lw_i64(L, (int64_t)val_from_int(in->fixed[1].i))); break;
    case OP_CONST_NIL: lw_set(L, a, lw_i64(L, (int64_t)VM_NIL)); break;
    case OP_CONST_TRUE: lw_set(L, a, lw_i64(L, (int64_t)VM_TRUE)); break;
    case OP_CONST_FALSE: lw_set(L, a, lw_i64(L, (int64_t)VM_FALSE)); break;
    case OP_MOV_I64:
    case OP_MOV_F64:
    case OP_MOV_VAL: lw_set(L, a, lw_get(L, in->fixed[1].idx)); break;
    case OP_SELECT_I64:
    case OP_SELECT_F64:
    case OP_SELECT_VAL: {
        LLVMValueRef cond =
            LLVMBuildICmp(L->b, LLVMIntNE, lw_get(L, in->fixed[1].idx), lw_i64(L, 0), "cond");
        lw_set(L, a,
               LLVMBuildSelect(L->b, cond, lw_get(L, in->fixed[2].idx), lw_get(L, in->fixed[3].idx),
                               "select"));
        break;
    }
    default: unreachable();
    }
}
