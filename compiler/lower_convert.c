/* compiler/lower_convert.c — conversions between i64, f64 and val. */
#include "lower.h"

/* The float inside `v` if it is a boxed float, else the runtime's answer
 * (ints convert, other kinds raise). */
static LLVMValueRef unbox_f64(lower_t *L, LLVMValueRef v)
{
    LLVMBasicBlockRef is_ptr = lw_block(L, "unbox.ptr"), fast = lw_block(L, "unbox.float"),
                      slow = lw_block(L, "unbox.slow"), join = lw_block(L, "unbox.join");
    LLVMValueRef tag = LLVMBuildAnd(L->b, v, lw_i64(L, VM_TAG_MASK), "tag");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntEQ, tag, lw_i64(L, VM_TAG_PTR), ""), is_ptr,
                    slow);
    LLVMPositionBuilderAtEnd(L->b, is_ptr);
    LLVMValueRef p = LLVMBuildIntToPtr(L->b, v, L->t_ptr, "obj");
    LLVMValueRef kind = LLVMBuildLoad2(L->b, L->t_i8, p, "kind");
    LLVMBuildCondBr(
        L->b, LLVMBuildICmp(L->b, LLVMIntEQ, kind, LLVMConstInt(L->t_i8, VM_KIND_FLOAT, 0), ""),
        fast, slow);
    LLVMPositionBuilderAtEnd(L->b, fast);
    LLVMValueRef off = lw_i64(L, VM_FLOAT_VALUE_OFFSET);
    LLVMValueRef d =
        LLVMBuildLoad2(L->b, L->t_f64, LLVMBuildGEP2(L->b, L->t_i8, p, &off, 1, ""), "float");
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, slow);
    lw_store_line(L);
    LLVMValueRef d2 = lw_call_builtin(L, VM_BUILTIN_unbox_f64, &v, 1);
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(L->b);
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, L->t_f64, "");
    LLVMAddIncoming(phi, (LLVMValueRef[]){d, d2}, (LLVMBasicBlockRef[]){fast, slow_end}, 2);
    return phi;
}

void lower_convert(lower_t *L, const instr_t *in)
{
    LLVMValueRef b = lw_get(L, in->fixed[1].idx);
    LLVMValueRef r;
    switch ((vm_opcode_t)in->op) {
    case OP_I64_TO_F64: r = LLVMBuildSIToFP(L->b, b, L->t_f64, ""); break;
    case OP_F64_TO_I64: {
        LLVMTypeRef tys[2] = {L->t_i64, L->t_f64};
        r = lw_intrinsic(L, "llvm.fptosi.sat", tys, 2, &b, 1);
        break;
    }
    case OP_BOX_I64: {
        LLVMValueRef tagged =
            LLVMBuildOr(L->b, LLVMBuildShl(L->b, b, lw_i64(L, 1), ""), lw_i64(L, 1), "tagged");
        LLVMValueRef back = LLVMBuildAShr(L->b, tagged, lw_i64(L, 1), "");
        lw_trap_if(L, LLVMBuildICmp(L->b, LLVMIntNE, back, b, "box.ovf"), VM_TRAP_OVERFLOW);
        r = tagged;
        break;
    }
    case OP_BOX_F64: r = lw_call_builtin(L, VM_BUILTIN_box_f64, &b, 1); break;
    case OP_BOX_BOOL:
        r = LLVMBuildSelect(L->b, LLVMBuildICmp(L->b, LLVMIntNE, b, lw_i64(L, 0), ""),
                            lw_i64(L, (int64_t)VM_TRUE), lw_i64(L, (int64_t)VM_FALSE), "");
        break;
    case OP_UNBOX_I64: {
        LLVMValueRef low = LLVMBuildAnd(L->b, b, lw_i64(L, 1), "");
        lw_trap_if(L, LLVMBuildICmp(L->b, LLVMIntEQ, low, lw_i64(L, 0), "not.int"),
                   VM_TRAP_UNBOX_INT);
        r = LLVMBuildAShr(L->b, b, lw_i64(L, 1), "");
        break;
    }
    case OP_UNBOX_F64: r = unbox_f64(L, b); break;
    case OP_TRUTHY: {
        LLVMValueRef nil = LLVMBuildICmp(L->b, LLVMIntEQ, b, lw_i64(L, (int64_t)VM_NIL), "");
        LLVMValueRef no = LLVMBuildICmp(L->b, LLVMIntEQ, b, lw_i64(L, (int64_t)VM_FALSE), "");
        r = LLVMBuildZExt(L->b, LLVMBuildNot(L->b, LLVMBuildOr(L->b, nil, no, ""), ""), L->t_i64,
                          "");
        break;
    }
    default: unreachable();
    }
    lw_set(L, in->fixed[0].idx, r);
}
