/* compiler/lower_convert.c — conversions between i64, f64 and val. */
#include "lower.h"

#include <string.h>

/* The float inside `v` if it is a boxed float, else the runtime's answer
 * (ints convert, other kinds raise). */
static LLVMValueRef unbox_f64(lower_t *L, LLVMValueRef v)
{
    LLVMBasicBlockRef is_ptr = lw_block(L, "unbox.ptr"), fast = lw_block(L, "unbox.float"),
                      slow = lw_block(L, "unbox.slow"), join = lw_block(L, "unbox.join");
    LLVMValueRef tag = LLVMBuildAnd(L->b, v, lw_i64(L, VM_TAG_MASK), "tag");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntEQ, tag, lw_i64(L, VM_TAG_PTR), "is.ptr"),
                    is_ptr, slow);
    LLVMPositionBuilderAtEnd(L->b, is_ptr);
    LLVMValueRef p = LLVMBuildIntToPtr(L->b, v, L->t_ptr, "obj");
    LLVMValueRef kind = LLVMBuildLoad2(L->b, L->t_i8, p, "kind");
    LLVMBuildCondBr(
        L->b,
        LLVMBuildICmp(L->b, LLVMIntEQ, kind, LLVMConstInt(L->t_i8, VM_KIND_FLOAT, 0), "is.float"),
        fast, slow);
    LLVMPositionBuilderAtEnd(L->b, fast);
    LLVMValueRef off = lw_i64(L, VM_FLOAT_VALUE_OFFSET);
    LLVMValueRef d = LLVMBuildLoad2(
        L->b, L->t_f64, LLVMBuildGEP2(L->b, L->t_i8, p, &off, 1, "float.addr"), "float");
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, slow);
    lw_store_line(L);
    LLVMValueRef d2 = lw_call_builtin(L, VM_BUILTIN_unbox_f64, &v, 1);
    LLVMSetValueName2(d2, "float.rt", strlen("float.rt")); /* the builtin's result */
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(L->b);
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, L->t_f64, "unboxed");
    LLVMAddIncoming(phi, (LLVMValueRef[]){d, d2}, (LLVMBasicBlockRef[]){fast, slow_end}, 2);
    return phi;
}

/* box.i64: the tagged int x << 1 | 1, which must shift back to x. */
static LLVMValueRef box_i64(lower_t *L, LLVMValueRef b)
{
    LLVMValueRef tagged =
        LLVMBuildOr(L->b, LLVMBuildShl(L->b, b, lw_i64(L, 1), "twice"), lw_i64(L, 1), "tagged");
    LLVMValueRef back = LLVMBuildAShr(L->b, tagged, lw_i64(L, 1), "untagged");
    lw_trap_if(L, LLVMBuildICmp(L->b, LLVMIntNE, back, b, "box.ovf"), VM_TRAP_OVERFLOW);
    return tagged;
}

/* unbox.i64: the int of a small-int word (low bit 1); other kinds trap. */
static LLVMValueRef unbox_i64(lower_t *L, LLVMValueRef b)
{
    LLVMValueRef low = LLVMBuildAnd(L->b, b, lw_i64(L, 1), "low");
    lw_trap_if(L, LLVMBuildICmp(L->b, LLVMIntEQ, low, lw_i64(L, 0), "not.int"), VM_TRAP_UNBOX_INT);
    return LLVMBuildAShr(L->b, b, lw_i64(L, 1), "int");
}

/* truthy: 0 for nil and false, else 1. */
static LLVMValueRef truthy(lower_t *L, LLVMValueRef b)
{
    LLVMValueRef nil = LLVMBuildICmp(L->b, LLVMIntEQ, b, lw_i64(L, (int64_t)VM_NIL), "is.nil");
    LLVMValueRef no = LLVMBuildICmp(L->b, LLVMIntEQ, b, lw_i64(L, (int64_t)VM_FALSE), "is.false");
    LLVMValueRef yes = LLVMBuildNot(L->b, LLVMBuildOr(L->b, nil, no, "falsy"), "truth");
    return LLVMBuildZExt(L->b, yes, L->t_i64, "truthy");
}

void lower_convert(lower_t *L, const instr_t *in)
{
    LLVMValueRef b = lw_get(L, in->fixed[1].idx);
    LLVMValueRef r;
    switch ((vm_opcode_t)in->op) {
    case OP_I64_TO_F64: r = LLVMBuildSIToFP(L->b, b, L->t_f64, "as.float"); break;
    case OP_F64_TO_I64: {
        LLVMTypeRef tys[2] = {L->t_i64, L->t_f64};
        r = lw_intrinsic(L, "llvm.fptosi.sat", tys, 2, &b, 1, "as.int");
        break;
    }
    case OP_BOX_I64: r = box_i64(L, b); break;
    case OP_BOX_F64:
        r = lw_call_builtin(L, VM_BUILTIN_box_f64, &b, 1);
        LLVMSetValueName2(r, "boxed", strlen("boxed")); /* the builtin's result */
        break;
    case OP_BOX_BOOL:
        r = LLVMBuildSelect(L->b, LLVMBuildICmp(L->b, LLVMIntNE, b, lw_i64(L, 0), "nonzero"),
                            lw_i64(L, (int64_t)VM_TRUE), lw_i64(L, (int64_t)VM_FALSE), "bool");
        break;
    case OP_UNBOX_I64: r = unbox_i64(L, b); break;
    case OP_UNBOX_F64: r = unbox_f64(L, b); break;
    case OP_TRUTHY: r = truthy(L, b); break;
    default: unreachable();
    }
    lw_set(L, in->fixed[0].idx, r);
}
