/* compiler/lower_arith.c — i64 and f64 arithmetic. */
#include "lower.h"

/* div.i64 / rem.i64: zero divisor traps; MIN / -1 wraps to MIN, MIN rem -1
 * is 0 (LLVM's sdiv would be undefined there, and x86 would fault). */
static LLVMValueRef divide(lower_t *L, LLVMValueRef a, LLVMValueRef b, bool rem)
{
    lw_trap_if(L, LLVMBuildICmp(L->b, LLVMIntEQ, b, lw_i64(L, 0), "div.zero"), VM_TRAP_DIVZERO);
    LLVMValueRef minus1 = LLVMBuildICmp(L->b, LLVMIntEQ, b, lw_i64(L, -1), "div.minus");
    LLVMValueRef safe = LLVMBuildSelect(L->b, minus1, lw_i64(L, 1), b, "div.safe");
    if (rem)
        return LLVMBuildSelect(L->b, minus1, lw_i64(L, 0), LLVMBuildSRem(L->b, a, safe, "srem"),
                               "rem");
    return LLVMBuildSelect(L->b, minus1, LLVMBuildNeg(L->b, a, "div.neg"),
                           LLVMBuildSDiv(L->b, a, safe, "sdiv"), "div");
}

static LLVMValueRef shift_amount(lower_t *L, LLVMValueRef c)
{
    return LLVMBuildAnd(L->b, c, lw_i64(L, 63), "shamt");
}

/* divi.i64 / remi.i64: K is not 0 (the verifier), and -1 is known here. */
static LLVMValueRef divide_by(lower_t *L, LLVMValueRef a, int64_t k, bool rem)
{
    if (k == -1)
        return rem ? lw_i64(L, 0) : LLVMBuildNeg(L->b, a, "div.neg");
    return rem ? LLVMBuildSRem(L->b, a, lw_i64(L, k), "srem")
               : LLVMBuildSDiv(L->b, a, lw_i64(L, k), "sdiv");
}

/* min and max of two i64: a compare and a select */
static LLVMValueRef pick(lower_t *L, LLVMIntPredicate p, LLVMValueRef b, LLVMValueRef c)
{
    return LLVMBuildSelect(L->b, LLVMBuildICmp(L->b, p, b, c, "pick"), b, c, "minmax");
}

void lower_arith(lower_t *L, const instr_t *in)
{
    const opinfo_t *oi = &op_info[in->op];
    LLVMValueRef b = lw_get(L, in->fixed[1].idx);
    /* the third operand: a register, or an immediate (K) */
    LLVMValueRef c = oi->nfixed < 3           ? NULL
                     : oi->operands[2] == 'K' ? lw_i64(L, in->fixed[2].i)
                                              : lw_get(L, in->fixed[2].idx);
    LLVMBuilderRef B = L->b;
    LLVMValueRef r;
    switch ((vm_opcode_t)in->op) {
    case OP_ADDI_I64:
    case OP_ADD_I64: r = LLVMBuildAdd(B, b, c, "add"); break;
    case OP_SUB_I64: r = LLVMBuildSub(B, b, c, "sub"); break;
    case OP_MULI_I64:
    case OP_MUL_I64: r = LLVMBuildMul(B, b, c, "mul"); break;
    case OP_DIV_I64: r = divide(L, b, c, false); break;
    case OP_REM_I64: r = divide(L, b, c, true); break;
    case OP_DIVI_I64: r = divide_by(L, b, in->fixed[2].i, false); break;
    case OP_REMI_I64: r = divide_by(L, b, in->fixed[2].i, true); break;
    case OP_NEG_I64: r = LLVMBuildNeg(B, b, "neg"); break;
    case OP_ANDI_I64:
    case OP_AND_I64: r = LLVMBuildAnd(B, b, c, "and"); break;
    case OP_ORI_I64:
    case OP_OR_I64: r = LLVMBuildOr(B, b, c, "or"); break;
    case OP_XORI_I64:
    case OP_XOR_I64: r = LLVMBuildXor(B, b, c, "xor"); break;
    case OP_NOT_I64: r = LLVMBuildNot(B, b, "not"); break;
    case OP_SHLI_I64:
    case OP_SHL_I64: r = LLVMBuildShl(B, b, shift_amount(L, c), "shl"); break;
    case OP_SHRI_I64:
    case OP_SHR_I64: r = LLVMBuildAShr(B, b, shift_amount(L, c), "shr"); break;
    case OP_USHRI_I64:
    case OP_USHR_I64: r = LLVMBuildLShr(B, b, shift_amount(L, c), "ushr"); break;
    case OP_MIN_I64: r = pick(L, LLVMIntSLT, b, c); break;
    case OP_MAX_I64: r = pick(L, LLVMIntSGT, b, c); break;
    case OP_MIN_F64: {
        LLVMValueRef args[2] = {b, c};
        r = lw_intrinsic(L, "llvm.minimum", &L->t_f64, 1, args, 2, "fmin");
        break;
    }
    case OP_MAX_F64: {
        LLVMValueRef args[2] = {b, c};
        r = lw_intrinsic(L, "llvm.maximum", &L->t_f64, 1, args, 2, "fmax");
        break;
    }
    case OP_ADD_F64: r = LLVMBuildFAdd(B, b, c, "fadd"); break;
    case OP_SUB_F64: r = LLVMBuildFSub(B, b, c, "fsub"); break;
    case OP_MUL_F64: r = LLVMBuildFMul(B, b, c, "fmul"); break;
    case OP_DIV_F64: r = LLVMBuildFDiv(B, b, c, "fdiv"); break;
    case OP_REM_F64: r = LLVMBuildFRem(B, b, c, "frem"); break;
    case OP_NEG_F64: r = LLVMBuildFNeg(B, b, "fneg"); break;
    case OP_SQRT_F64: r = lw_intrinsic(L, "llvm.sqrt", &L->t_f64, 1, &b, 1, "sqrt"); break;
    default: unreachable();
    }
    lw_set(L, in->fixed[0].idx, r);
}
