/* compiler/lower_object.c — atoms, tuples and function values. Atoms and
 * function references are static objects; tuples and closures are
 * allocated by the runtime and filled here (abi/value.h layouts). */
#include "lower.h"

static void store_word(lower_t *L, LLVMValueRef obj, int64_t offset, LLVMValueRef v)
{
    LLVMValueRef off = lw_i64(L, offset);
    LLVMBuildStore(L->b, v, LLVMBuildGEP2(L->b, L->t_i8, obj, &off, 1, ""));
}

/* A new object from an allocating builtin, as a pointer. */
static LLVMValueRef alloc_obj(lower_t *L, vm_builtin_id_t id, uint32_t n)
{
    lw_store_line(L);
    LLVMValueRef count = lw_i64(L, n);
    LLVMValueRef v = lw_call_builtin(L, id, &count, 1); /* unwinds on out_of_memory */
    return LLVMBuildIntToPtr(L->b, v, L->t_ptr, "obj");
}

static void fill_vals(lower_t *L, LLVMValueRef obj, int64_t offset, const instr_t *in)
{
    for (uint32_t i = 0; i < in->nargs; i++)
        store_word(L, obj, offset + 8 * (int64_t)i, lw_get(L, in->args[i]));
}

/* Inline: the item if R[B] is a tuple with more than K items; otherwise
 * the runtime's tuple.get raises the right error. */
static LLVMValueRef tuple_get(lower_t *L, LLVMValueRef t, int64_t k)
{
    LLVMBasicBlockRef fast = lw_block(L, "tget.fast"), slow = lw_block(L, "tget.slow"),
                      join = lw_block(L, "tget.join");
    LLVMValueRef p = lw_obj_check(L, t, VM_KIND_TUPLE, LLVMIntUGT, k, fast, slow);
    LLVMPositionBuilderAtEnd(L->b, fast);
    LLVMValueRef off = lw_i64(L, VM_TUPLE_ITEMS_OFFSET + 8 * k);
    LLVMValueRef item =
        LLVMBuildLoad2(L->b, L->t_i64, LLVMBuildGEP2(L->b, L->t_i8, p, &off, 1, ""), "item");
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, slow);
    lw_store_line(L);
    LLVMValueRef args[2] = {t, lw_i64(L, k)};
    LLVMValueRef item2 = lw_call_builtin(L, VM_BUILTIN_tuple_get, args, 2);
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(L->b);
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, L->t_i64, "");
    LLVMAddIncoming(phi, (LLVMValueRef[]){item, item2}, (LLVMBasicBlockRef[]){fast, slow_end}, 2);
    return phi;
}

void lower_object(lower_t *L, const instr_t *in)
{
    uint32_t dst = in->fixed[0].idx;
    switch ((vm_opcode_t)in->op) {
    case OP_CONST_ATOM:
        lw_set(L, dst, LLVMBuildPtrToInt(L->b, lw_atom(L, in->fixed[1].idx), L->t_i64, "atom"));
        break;
    case OP_FN_REF:
        lw_set(L, dst, LLVMBuildPtrToInt(L->b, lw_fn_ref(L, in->fixed[1].idx), L->t_i64, "fn"));
        break;
    case OP_TUPLE_NEW: {
        LLVMValueRef t = alloc_obj(L, VM_BUILTIN_tuple_alloc, in->nargs);
        fill_vals(L, t, VM_TUPLE_ITEMS_OFFSET, in);
        lw_set(L, dst, LLVMBuildPtrToInt(L->b, t, L->t_i64, "tuple"));
        break;
    }
    case OP_TUPLE_GET:
        lw_set(L, dst, tuple_get(L, lw_get(L, in->fixed[1].idx), in->fixed[2].i));
        break;
    case OP_CLOSURE: {
        uint32_t fidx = in->fixed[1].idx;
        const func_t *f = &L->m->funcs[fidx];
        LLVMValueRef c = alloc_obj(L, VM_BUILTIN_closure_alloc, in->nargs);
        LLVMValueRef off = lw_i64(L, 4); /* header aux: the arity */
        LLVMBuildStore(L->b, LLVMConstInt(L->t_i32, f->nparams, 0),
                       LLVMBuildGEP2(L->b, L->t_i8, c, &off, 1, ""));
        store_word(L, c, VM_FUNC_CODE_OFFSET, L->fn_values[fidx]);
        store_word(L, c, VM_FUNC_CODE_OFFSET + 8, lw_descriptor(L, fidx));
        fill_vals(L, c, VM_FUNC_CAPTURES_OFFSET, in);
        lw_set(L, dst, LLVMBuildPtrToInt(L->b, c, L->t_i64, "closure"));
        break;
    }
    default: unreachable();
    }
}
