/*
 * compiler/lower_dynamic.c — dynamic operations on vals.
 *
 * Two small ints take an inline path (abi/value.h: with the tag in the low
 * bit, a + (b ^ 1) is the tagged sum, and signed order of the words is the
 * order of the ints); anything else, including an overflowing result, calls
 * the runtime, which computes the general case or raises.
 */
#include "lower.h"

static LLVMValueRef both_ints(lower_t *L, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef both = LLVMBuildAnd(L->b, LLVMBuildAnd(L->b, a, b, ""), lw_i64(L, 1), "");
    return LLVMBuildICmp(L->b, LLVMIntNE, both, lw_i64(L, 0), "ints");
}

static LLVMValueRef arith(lower_t *L, vm_opcode_t op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBasicBlockRef fast = lw_block(L, "dyn.fast"), slow = lw_block(L, "dyn.slow"),
                      join = lw_block(L, "dyn.join");
    LLVMBuildCondBr(L->b, both_ints(L, a, b), fast, slow);
    LLVMPositionBuilderAtEnd(L->b, fast);
    LLVMValueRef bx = LLVMBuildXor(L->b, b, lw_i64(L, 1), ""); /* 2y */
    LLVMValueRef args[2] = {op == OP_MUL ? LLVMBuildAShr(L->b, a, lw_i64(L, 1), "") : a, bx};
    const char *name = op == OP_ADD   ? "llvm.sadd.with.overflow"
                       : op == OP_SUB ? "llvm.ssub.with.overflow"
                                      : "llvm.smul.with.overflow";
    LLVMValueRef pair = lw_intrinsic(L, name, &L->t_i64, 1, args, 2, "pair");
    LLVMValueRef r = LLVMBuildExtractValue(L->b, pair, 0, "");
    if (op == OP_MUL)
        r = LLVMBuildOr(L->b, r, lw_i64(L, 1), "");
    LLVMValueRef ovf = LLVMBuildExtractValue(L->b, pair, 1, "ovf");
    LLVMBasicBlockRef fast_end = LLVMGetInsertBlock(L->b);
    LLVMBuildCondBr(L->b, ovf, slow, join);
    LLVMPositionBuilderAtEnd(L->b, slow);
    lw_store_line(L);
    vm_builtin_id_t id = op == OP_ADD   ? VM_BUILTIN_add
                         : op == OP_SUB ? VM_BUILTIN_sub
                                        : VM_BUILTIN_mul;
    LLVMValueRef ab[2] = {a, b};
    LLVMValueRef r2 = lw_call_builtin(L, id, ab, 2);
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(L->b);
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, L->t_i64, "");
    LLVMAddIncoming(phi, (LLVMValueRef[]){r, r2}, (LLVMBasicBlockRef[]){fast_end, slow_end}, 2);
    return phi;
}

/* Comparison: inline for two ints, else from vm_compare / vm_equal. */
static LLVMValueRef compare(lower_t *L, vm_opcode_t op, LLVMValueRef a, LLVMValueRef b)
{
    static const LLVMIntPredicate pred[] = {
        [OP_EQ] = LLVMIntEQ,  [OP_NE] = LLVMIntNE,  [OP_LT] = LLVMIntSLT,
        [OP_LE] = LLVMIntSLE, [OP_GT] = LLVMIntSGT, [OP_GE] = LLVMIntSGE,
    };
    LLVMBasicBlockRef fast = lw_block(L, "cmp.fast"), slow = lw_block(L, "cmp.slow"),
                      join = lw_block(L, "cmp.join");
    LLVMBuildCondBr(L->b, both_ints(L, a, b), fast, slow);
    LLVMPositionBuilderAtEnd(L->b, fast);
    LLVMValueRef r = LLVMBuildICmp(L->b, pred[op], a, b, "");
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, slow);
    LLVMValueRef ab[2] = {a, b}, r2;
    if (op == OP_EQ || op == OP_NE) {
        LLVMValueRef eq = lw_call_builtin(L, VM_BUILTIN_equal, ab, 2);
        r2 = LLVMBuildICmp(L->b, op == OP_EQ ? LLVMIntNE : LLVMIntEQ, eq, lw_i64(L, 0), "");
    } else {
        /* vm_compare: -1, 0, 1, or 2 when unordered (every ordering false) */
        LLVMValueRef c = lw_call_builtin(L, VM_BUILTIN_compare, ab, 2);
        LLVMValueRef lt = LLVMBuildICmp(L->b, LLVMIntEQ, c, lw_i64(L, -1), "");
        LLVMValueRef eq = LLVMBuildICmp(L->b, LLVMIntEQ, c, lw_i64(L, 0), "");
        LLVMValueRef gt = LLVMBuildICmp(L->b, LLVMIntEQ, c, lw_i64(L, 1), "");
        r2 = op == OP_LT   ? lt
             : op == OP_LE ? LLVMBuildOr(L->b, lt, eq, "")
             : op == OP_GT ? gt
                           : LLVMBuildOr(L->b, gt, eq, "");
    }
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(L->b);
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, L->t_i1, "");
    LLVMAddIncoming(phi, (LLVMValueRef[]){r, r2}, (LLVMBasicBlockRef[]){fast, slow_end}, 2);
    return LLVMBuildZExt(L->b, phi, L->t_i64, "");
}

void lower_dynamic(lower_t *L, const instr_t *in)
{
    vm_opcode_t op = (vm_opcode_t)in->op;
    LLVMValueRef a = lw_get(L, in->fixed[1].idx), b = lw_get(L, in->fixed[2].idx);
    LLVMValueRef r =
        op == OP_ADD || op == OP_SUB || op == OP_MUL ? arith(L, op, a, b) : compare(L, op, a, b);
    lw_set(L, in->fixed[0].idx, r);
}
