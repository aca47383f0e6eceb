/*
 * compiler/lower.c — module and function structure of the lowering.
 *
 * Calling convention (abi/context.h): a bytecode function `f` of module `m`
 * becomes the LLVM function "m.f" with the uniform prototype
 * i64 (ctx, ssp, a0, a1, a2, a3). Parameters past the fourth travel in the
 * callee's frame. Functions not exported are internal; an exported one also
 * gets the alias "m.f:<signature>", which importers call, so a mismatched
 * signature cannot link (compiler/link.c checks first and says why).
 * Passing the shadow-stack pointer in a register keeps frame push and pop
 * off memory: the caller's frame needs no restoring.
 *
 * Frame: [descriptor, line, stack parameters..., val registers...].
 *
 * Each function's prologue:
 *   1. stack check: native sp below ctx->stack_limit, or the frame past
 *      ctx->ss_limit, calls vm_stack_guard, which ends the process with
 *      stack_overflow or acts on a preemption request (the scheduler
 *      moved the limit: abi/context.h); loop back-edges test the limit too;
 *   2. stores its descriptor in the frame; the line slot is written before
 *      each call;
 *   3. initialises registers: parameters from the arguments, captures from
 *      the closure in ctx->self, others i64 0, f64 0.0, val nil (only
 *      parameters and captures are stored to their slots).
 * Registers live in allocas (promoted to SSA by LLVM above -O0); a val
 * write also stores to its shadow slot, which is what keeps it alive.
 *
 * Errors: a call that may raise is followed by a test of its result
 * against 0 and then of ctx->exc; a pending error branches to the handler
 * of the innermost try region, or returns 0 to the caller.
 */
#include "lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Comdat.h>

#include "../abi/context.h"

/* ---- helpers ---- */

LLVMTypeRef lw_type(lower_t *L, vm_type_t t)
{
    switch (t) {
    case TY_I64:
    case TY_VAL: return L->t_i64;
    case TY_F64: return L->t_f64;
    case TY_VOID: return L->t_void;
    }
    unreachable();
}

LLVMValueRef lw_i64(lower_t *L, int64_t x)
{
    return LLVMConstInt(L->t_i64, (uint64_t)x, 1);
}

LLVMBasicBlockRef lw_block(lower_t *L, const char *name)
{
    return LLVMAppendBasicBlockInContext(L->llc, L->fn, name);
}

/* A value cached for the current block dominates the insertion point: the
 * builder only ever appends to a block (LLVMPositionBuilderAtEnd). */
LLVMValueRef lw_get(lower_t *L, uint32_t reg)
{
    LLVMBasicBlockRef bb = LLVMGetInsertBlock(L->b);
    if (L->cache_bb[reg] == bb)
        return L->cache[reg];
    LLVMValueRef v =
        LLVMBuildLoad2(L->b, lw_type(L, (vm_type_t)L->f->reg_types[reg]), L->regs[reg], "");
    L->cache[reg] = v;
    L->cache_bb[reg] = bb;
    return v;
}

static LLVMValueRef frame_slot(lower_t *L, uint32_t slot)
{
    LLVMValueRef idx = LLVMConstInt(L->t_i64, slot, 0);
    return LLVMBuildGEP2(L->b, L->t_i64, L->frame, &idx, 1, "slot");
}

void lw_set(lower_t *L, uint32_t reg, LLVMValueRef v)
{
    LLVMBuildStore(L->b, v, L->regs[reg]);
    L->cache[reg] = v;
    L->cache_bb[reg] = LLVMGetInsertBlock(L->b);
    if (L->f->reg_types[reg] == TY_VAL)
        LLVMBuildStore(L->b, v, frame_slot(L, VM_FRAME_HEADER_SLOTS + L->val_slot[reg]));
}

LLVMValueRef lw_ctx_field(lower_t *L, unsigned index, const char *name)
{
    return LLVMBuildStructGEP2(L->b, L->t_ctx, L->ctx, index, name);
}

LLVMValueRef lw_to_word(lower_t *L, LLVMValueRef v)
{
    return LLVMTypeOf(v) == L->t_f64 ? LLVMBuildBitCast(L->b, v, L->t_i64, "") : v;
}

LLVMValueRef lw_from_word(lower_t *L, LLVMValueRef w, vm_type_t t)
{
    return t == TY_F64 ? LLVMBuildBitCast(L->b, w, L->t_f64, "") : w;
}

LLVMValueRef lw_obj_check(lower_t *L, LLVMValueRef v, vm_kind_t kind, LLVMIntPredicate pred,
                          int64_t aux, LLVMBasicBlockRef ok, LLVMBasicBlockRef bad)
{
    LLVMBasicBlockRef is_ptr = lw_block(L, "obj.ptr");
    LLVMValueRef tag = LLVMBuildAnd(L->b, v, lw_i64(L, VM_TAG_MASK), "");
    LLVMValueRef ptr_ok =
        LLVMBuildAnd(L->b, LLVMBuildICmp(L->b, LLVMIntEQ, tag, lw_i64(L, VM_TAG_PTR), ""),
                     LLVMBuildICmp(L->b, LLVMIntNE, v, lw_i64(L, 0), ""), "");
    LLVMBuildCondBr(L->b, ptr_ok, is_ptr, bad);
    LLVMPositionBuilderAtEnd(L->b, is_ptr);
    /* kind (byte 0) and aux (bytes 4..7) of the header in one load */
    LLVMValueRef p = LLVMBuildIntToPtr(L->b, v, L->t_ptr, "obj");
    LLVMValueRef hdr = LLVMBuildLoad2(L->b, L->t_i64, p, "hdr");
    LLVMValueRef k = LLVMBuildAnd(L->b, hdr, lw_i64(L, 0xff), "kind");
    LLVMValueRef a = LLVMBuildLShr(L->b, hdr, lw_i64(L, 32), "aux");
    LLVMValueRef good = LLVMBuildAnd(L->b, LLVMBuildICmp(L->b, LLVMIntEQ, k, lw_i64(L, kind), ""),
                                     LLVMBuildICmp(L->b, pred, a, lw_i64(L, aux), ""), "");
    LLVMBuildCondBr(L->b, good, ok, bad);
    return p;
}

LLVMBasicBlockRef lw_unwind(lower_t *L)
{
    uint32_t t = L->region[L->idx];
    if (!L->unwind_bb[t]) { /* no handler: return 0, the error stays pending */
        LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
        L->unwind_bb[t] = lw_block(L, "unwind");
        LLVMPositionBuilderAtEnd(L->b, L->unwind_bb[t]);
        LLVMMetadataRef loc = lw_debug_shared(L);
        LLVMBuildRet(L->b, lw_i64(L, 0));
        LLVMPositionBuilderAtEnd(L->b, here);
        lw_debug_restore(L, loc);
    }
    return L->unwind_bb[t];
}

void lw_check_exc(lower_t *L, LLVMValueRef r)
{
    LLVMBasicBlockRef cont = lw_block(L, "ok");
    /* At -O0 the error word is tested alone: one block per call instead of
     * two (code generation time goes with the number of blocks); ctx->exc
     * is 0 whenever no error is pending, whatever the result. */
    if (r && L->opts.optimized) {
        LLVMBasicBlockRef test = lw_block(L, "maybe.exc");
        LLVMValueRef w = lw_to_word(L, r);
        LLVMValueRef zero = LLVMBuildICmp(L->b, LLVMIntEQ, w, lw_i64(L, 0), "zero");
        LLVMBuildCondBr(L->b, zero, test, cont);
        LLVMPositionBuilderAtEnd(L->b, test);
    }
    LLVMValueRef exc =
        LLVMBuildLoad2(L->b, L->t_i64, lw_ctx_field(L, VM_CTX_EXC_INDEX, "exc.addr"), "exc");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntNE, exc, lw_i64(L, 0), "raised"), lw_unwind(L),
                    cont);
    LLVMPositionBuilderAtEnd(L->b, cont);
}

static LLVMValueRef store_line(lower_t *L)
{
    return LLVMBuildStore(L->b, lw_i64(L, L->f->code[L->idx].line),
                          frame_slot(L, VM_FRAME_LINE_SLOT));
}

void lw_store_line(lower_t *L)
{
    store_line(L);
}

void lw_line_for_call(lower_t *L, uint32_t fidx)
{
    line_store_t ls = {store_line(L), fidx};
    VEC_PUSH(L->line_stores, L->nline_stores, L->cap_line_stores, ls);
}

/* A leaf that cannot raise never shows its caller in a trace: the line
 * stored before a call to it is dropped once the module's leaves are known
 * (a callee in another part of a split module is not known: kept). */
static void drop_leaf_lines(lower_t *L)
{
    for (size_t i = 0; i < L->nline_stores; i++) {
        uint32_t f = L->line_stores[i].callee;
        if (lw_defines(L, f) && L->leaf[f] && !L->may_raise[f])
            LLVMInstructionEraseFromParent(L->line_stores[i].store);
    }
    free(L->line_stores);
}

/* A leaf's frame header, written only where the runtime may read it (the
 * slow paths of a trap and of a loop's preemption check); storing it again
 * in other functions is harmless. */
static void write_header(lower_t *L)
{
    LLVMBuildStore(L->b, lw_descriptor(L, L->fidx), frame_slot(L, VM_FRAME_DESC_SLOT));
    lw_store_line(L);
}

void lw_publish_ssp(lower_t *L)
{
    LLVMBuildStore(L->b, L->top, lw_ctx_field(L, VM_CTX_SSP_INDEX, "ssp.addr"));
}

/* Adds the function attribute `name` (an enum attribute) to `fn`. */
static void add_fn_attr(lower_t *L, LLVMValueRef fn, const char *name)
{
    unsigned k = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(L->llc, k, 0));
}

/* The attributes of every function vmcc defines. Stack canaries follow the
 * rule of -fstack-protector-strong (sspstrong): only a function with a
 * stack array or an address-taken local gets one, so code that keeps its
 * registers in SSA values pays nothing (docs/hardening.md). */
static void defined_fn_attrs(lower_t *L, LLVMValueRef fn)
{
    add_fn_attr(L, fn, "nounwind");
    add_fn_attr(L, fn, "sspstrong");
}

static void declare_builtin(lower_t *L, vm_builtin_id_t id)
{
    const builtin_info_t *bi = &builtin_info[id];
    LLVMTypeRef params[5] = {L->t_ptr};
    for (unsigned i = 0; i < bi->nparams; i++)
        params[i + 1] = lw_type(L, bi->params[i]);
    L->builtin_ty[id] = LLVMFunctionType(lw_type(L, bi->ret), params, bi->nparams + 1, 0);
    LLVMValueRef fn = LLVMAddFunction(L->mod, bi->csym, L->builtin_ty[id]);
    add_fn_attr(L, fn, "nounwind");
    if ((bi->effects & EF_NORETURN) && !(bi->effects & EF_RAISE)) /* fatal */
        add_fn_attr(L, fn, "noreturn");
    if (id == VM_BUILTIN_trap || id == VM_BUILTIN_stack_guard || id == VM_BUILTIN_fatal ||
        id == VM_BUILTIN_badcall)
        add_fn_attr(L, fn, "cold");
    L->builtin_fn[id] = fn;
}

LLVMValueRef lw_builtin_fn(lower_t *L, vm_builtin_id_t id, LLVMTypeRef *ty)
{
    if (!L->builtin_fn[id])
        declare_builtin(L, id);
    *ty = L->builtin_ty[id];
    return L->builtin_fn[id];
}

LLVMValueRef lw_call_builtin(lower_t *L, vm_builtin_id_t id, LLVMValueRef *args, unsigned n)
{
    if (!L->builtin_fn[id])
        declare_builtin(L, id);
    LLVMValueRef all[5] = {L->ctx};
    if (n + 1 > 5)
        die("builtin call with %u arguments", n);
    if (builtin_info[id].effects & (EF_ALLOC | EF_RAISE | EF_YIELD | EF_NORETURN))
        lw_publish_ssp(L);
    for (unsigned i = 0; i < n; i++)
        all[i + 1] = args[i];
    LLVMValueRef r = LLVMBuildCall2(L->b, L->builtin_ty[id], L->builtin_fn[id], all, n + 1, "");
    unsigned eff = builtin_info[id].effects;
    if ((eff & EF_RAISE) && (eff & EF_NORETURN)) { /* returns only with an error pending */
        LLVMBuildBr(L->b, lw_unwind(L));
        LLVMPositionBuilderAtEnd(L->b, lw_block(L, "dead"));
    } else if (eff & (EF_RAISE | EF_ALLOC)) {
        lw_check_exc(L, builtin_info[id].ret == TY_VOID ? NULL : r);
    }
    return r;
}

LLVMValueRef lw_intrinsic(lower_t *L, const char *intrinsic, LLVMTypeRef *tys, unsigned ntys,
                          LLVMValueRef *args, unsigned nargs, const char *name)
{
    unsigned id = LLVMLookupIntrinsicID(intrinsic, strlen(intrinsic));
    if (!id)
        die("no intrinsic %s", intrinsic);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(L->mod, id, tys, ntys);
    LLVMTypeRef ty = LLVMIntrinsicGetType(L->llc, id, tys, ntys);
    return LLVMBuildCall2(L->b, ty, fn, args, nargs, name);
}

/* One trap block per unwind target: phis choose the code and line. */
static void trap_if_line(lower_t *L, LLVMValueRef cond, vm_trap_code_t code, int64_t line)
{
    uint32_t t = L->region[L->idx];
    LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
    if (!L->trap_bb[t]) {
        LLVMBasicBlockRef target = lw_unwind(L);
        L->trap_bb[t] = lw_block(L, "trap");
        LLVMPositionBuilderAtEnd(L->b, L->trap_bb[t]);
        LLVMMetadataRef loc = lw_debug_shared(L);
        L->trap_code[t] = LLVMBuildPhi(L->b, L->t_i64, "trap.code");
        L->trap_line[t] = LLVMBuildPhi(L->b, L->t_i64, "trap.line");
        if (!L->builtin_fn[VM_BUILTIN_trap])
            declare_builtin(L, VM_BUILTIN_trap);
        write_header(L); /* a leaf's frame has none until here */
        lw_publish_ssp(L);
        LLVMValueRef args[3] = {L->ctx, L->trap_code[t], L->trap_line[t]};
        LLVMBuildCall2(L->b, L->builtin_ty[VM_BUILTIN_trap], L->builtin_fn[VM_BUILTIN_trap], args,
                       3, "");
        LLVMBuildBr(L->b, target);
        LLVMPositionBuilderAtEnd(L->b, here);
        lw_debug_restore(L, loc);
    }
    LLVMBasicBlockRef cont = lw_block(L, "ok");
    LLVMBuildCondBr(L->b, cond, L->trap_bb[t], cont);
    LLVMValueRef code_v = lw_i64(L, code), line_v = lw_i64(L, line);
    LLVMAddIncoming(L->trap_code[t], &code_v, &here, 1);
    LLVMAddIncoming(L->trap_line[t], &line_v, &here, 1);
    LLVMPositionBuilderAtEnd(L->b, cont);
}

void lw_trap_if(lower_t *L, LLVMValueRef cond, vm_trap_code_t code)
{
    trap_if_line(L, cond, code, L->f->code[L->idx].line);
}

/* ctx->stack_limit, loaded as a relaxed atomic: the scheduler's ticker
 * stores VM_STACK_PREEMPT into it from another thread, and a loop must load
 * it again at every back-edge (a plain load could be hoisted out). At -O0
 * nothing hoists, and a volatile load is what the fast instruction selector
 * takes (an atomic one sends the rest of its block to SelectionDAG); on
 * every target a naturally aligned word load is single-copy atomic. */
static LLVMValueRef load_stack_limit(lower_t *L)
{
    LLVMValueRef ld = LLVMBuildLoad2(
        L->b, L->t_i64, lw_ctx_field(L, VM_CTX_STACK_LIMIT_INDEX, "limit.addr"), "stack.limit");
    if (L->opts.optimized)
        LLVMSetOrdering(ld, LLVMAtomicOrderingMonotonic);
    else
        LLVMSetVolatile(ld, 1);
    LLVMSetAlignment(ld, 8);
    return ld;
}

/* The slow path of a stack check, in a cold block: vm_stack_guard ends the
 * process on a real overflow, else acts on the preemption request (it may
 * yield, so `top` is published first). Continues at `cont`. */
static void stack_guard_block(lower_t *L, LLVMValueRef cond, LLVMValueRef top, LLVMValueRef ss_full,
                              bool header)
{
    LLVMBasicBlockRef slow = lw_block(L, "stack.guard"), cont = lw_block(L, "run");
    /* the fast path falls through: at -O0 blocks keep their order, and a
     * continuation placed at the end would split the line's code in two,
     * which makes gdb's `next` stop on the same line twice */
    LLVMMoveBasicBlockAfter(cont, LLVMGetInsertBlock(L->b));
    LLVMBuildCondBr(L->b, cond, slow, cont);
    LLVMPositionBuilderAtEnd(L->b, slow);
    /* line 0: `next` in gdb steps through a preemption without a stop */
    LLVMMetadataRef loc = lw_debug_shared(L);
    if (header)
        write_header(L);
    LLVMBuildStore(L->b, top, lw_ctx_field(L, VM_CTX_SSP_INDEX, "ssp.addr"));
    LLVMTypeRef ty;
    LLVMValueRef fn = lw_builtin_fn(L, VM_BUILTIN_stack_guard, &ty);
    LLVMValueRef args[2] = {L->ctx, ss_full};
    LLVMBuildCall2(L->b, ty, fn, args, 2, "");
    LLVMBuildBr(L->b, cont);
    LLVMPositionBuilderAtEnd(L->b, cont);
    lw_debug_restore(L, loc);
}

void lw_poll(lower_t *L)
{
    LLVMValueRef asked = LLVMBuildICmp(L->b, LLVMIntEQ, load_stack_limit(L),
                                       lw_i64(L, (int64_t)VM_STACK_PREEMPT), "preempt");
    stack_guard_block(L, asked, L->top, lw_i64(L, 0), true);
}

/* ---- module-level pieces ---- */

bool lw_split(const lower_t *L)
{
    return L->opts.nparts > 1;
}

bool lw_defines(const lower_t *L, uint32_t fidx)
{
    return !L->m->funcs[fidx].imported &&
           (!lw_split(L) || (fidx >= L->opts.fn_lo && fidx < L->opts.fn_hi));
}

/* What a whole module's object keeps to itself: internal, or in a split
 * module a hidden symbol `name` + the shared suffix, defined in one part. */
void lw_module_private(lower_t *L, LLVMValueRef g, const char *name)
{
    if (!lw_split(L)) {
        LLVMSetLinkage(g, LLVMInternalLinkage);
        return;
    }
    buf_t b = {0};
    buf_printf(&b, "%s%s", name, L->opts.shared_suffix);
    LLVMSetValueName2(g, (const char *)b.data, b.len);
    buf_free(&b);
    LLVMSetLinkage(g, LLVMExternalLinkage);
    LLVMSetVisibility(g, LLVMHiddenVisibility);
}

/* A constant every part may make for itself (a descriptor, a function
 * value): private, or in a split module one copy per program, so that a
 * function value is the same object whichever part made it. */
static void part_shared(lower_t *L, LLVMValueRef g, const char *kind, uint32_t fidx)
{
    if (!lw_split(L)) {
        LLVMSetLinkage(g, LLVMPrivateLinkage);
        return;
    }
    buf_t b = {0};
    buf_printf(&b, "%s.%s.%s%s", mod_str(L->m, L->m->name), mod_str(L->m, L->m->funcs[fidx].name),
               kind, L->opts.shared_suffix);
    LLVMSetValueName2(g, (const char *)b.data, b.len);
    buf_free(&b);
    LLVMSetLinkage(g, LLVMLinkOnceODRLinkage);
    LLVMSetVisibility(g, LLVMHiddenVisibility);
}

static LLVMValueRef const_cstring(lower_t *L, const char *s, size_t len, const char *name)
{
    LLVMValueRef init = LLVMConstStringInContext(L->llc, s, (unsigned)len, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

LLVMValueRef lw_string_object(lower_t *L, uint32_t s)
{
    if (L->str_globals[s])
        return L->str_globals[s];
    const vstr_t *str = &L->m->strs[s];
    LLVMValueRef bytes = LLVMConstStringInContext(L->llc, str->s, str->len, 0); /* adds NUL */
    LLVMValueRef fields[] = {
        LLVMConstInt(L->t_i8, VM_KIND_STRING, 0),
        LLVMConstInt(L->t_i8, VM_OBJ_STATIC, 0),
        LLVMConstInt(LLVMInt16TypeInContext(L->llc), 0, 0),
        LLVMConstInt(L->t_i32, 0, 0),
        LLVMConstInt(L->t_i64, str->len, 0),
        bytes,
    };
    LLVMValueRef init = LLVMConstStructInContext(L->llc, fields, 6, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), "str");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(g, 8);
    return L->str_globals[s] = g;
}

/* The descriptor of function `fidx` (abi/context.h). An import's only
 * serves function values made from it: name, no source, no frame. */
LLVMValueRef lw_descriptor(lower_t *L, uint32_t fidx)
{
    if (L->fn_descs[fidx])
        return L->fn_descs[fidx];
    const module_t *m = L->m;
    const func_t *f = &m->funcs[fidx];
    buf_t name = {0};
    if (f->imported)
        buf_printf(&name, "%s", mod_str(m, f->name));
    else
        buf_printf(&name, "%s.%s", mod_str(m, m->name), mod_str(m, f->name));
    const char *file = m->file && !f->imported ? mod_str(m, m->file - 1) : "";
    uint32_t nslots = 0;
    if (!f->imported) {
        nslots = f->nparams > VM_REG_ARGS ? f->nparams - VM_REG_ARGS : 0;
        for (uint32_t r = 0; r < f->nregs; r++)
            nslots += f->reg_types[r] == TY_VAL;
    }
    LLVMValueRef fields[] = {
        const_cstring(L, (const char *)name.data, name.len, "fname"),
        const_cstring(L, file, strlen(file), "fsrc"),
        lw_i64(L, f->imported ? 0 : f->line),
        lw_i64(L, nslots),
    };
    buf_free(&name);
    LLVMTypeRef ft[] = {L->t_ptr, L->t_ptr, L->t_i64, L->t_i64};
    LLVMTypeRef ty = LLVMStructTypeInContext(L->llc, ft, 4, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, ty, "desc");
    LLVMSetInitializer(g, LLVMConstNamedStruct(ty, fields, 4));
    LLVMSetGlobalConstant(g, 1);
    if (f->imported)
        LLVMSetLinkage(g, LLVMPrivateLinkage);
    else
        part_shared(L, g, "desc", fidx);
    LLVMSetAlignment(g, 8);
    return L->fn_descs[fidx] = g;
}

char *lw_sig_symbol(const module_t *m, const func_t *f)
{
    static const char letter[] = {[TY_I64] = 'i', [TY_F64] = 'f', [TY_VAL] = 'v', [TY_VOID] = 'n'};
    buf_t b = {0};
    if (f->imported)
        buf_printf(&b, "%s:", mod_str(m, f->name));
    else
        buf_printf(&b, "%s.%s:", mod_str(m, m->name), mod_str(m, f->name));
    for (uint32_t i = 0; i < f->nparams; i++)
        buf_byte(&b, (uint8_t)letter[f->reg_types[i]]);
    buf_byte(&b, '>');
    buf_byte(&b, (uint8_t)letter[f->ret]);
    buf_byte(&b, 0);
    return (char *)b.data;
}

static void keep_global(lower_t *L, LLVMValueRef g)
{
    VEC_PUSH(L->used, L->nused, L->cap_used, g);
}

/* An atom is a static object with one COMDAT copy per name per program,
 * listed in the section VM_ATOM_SECTION for the runtime's intern table. */
LLVMValueRef lw_atom(lower_t *L, uint32_t s)
{
    if (L->atom_globals[s])
        return L->atom_globals[s];
    const vstr_t *str = &L->m->strs[s];
    buf_t name = {0};
    buf_printf(&name, "%s", VM_ATOM_SYMBOL_PREFIX);
    if (is_identifier(str->s, str->len, true)) {
        buf_put(&name, str->s, str->len);
    } else { /* any other text: spelled in hex, so the symbol is plain */
        buf_printf(&name, "x");
        for (uint32_t i = 0; i < str->len; i++)
            buf_printf(&name, "%02x", (unsigned char)str->s[i]);
    }
    buf_byte(&name, 0);
    const char *sym = (const char *)name.data;
    LLVMComdatRef comdat = LLVMGetOrInsertComdat(L->mod, sym);
    LLVMSetComdatSelectionKind(comdat, LLVMAnyComdatSelectionKind);
    LLVMValueRef fields[] = {
        LLVMConstInt(L->t_i8, VM_KIND_ATOM, 0),
        LLVMConstInt(L->t_i8, VM_OBJ_STATIC, 0),
        LLVMConstInt(LLVMInt16TypeInContext(L->llc), 0, 0),
        LLVMConstInt(L->t_i32, 0, 0),
        LLVMConstInt(L->t_i64, str->len, 0),
        LLVMConstStringInContext(L->llc, str->s, str->len, 0),
    };
    LLVMValueRef init = LLVMConstStructInContext(L->llc, fields, 6, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), sym);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMLinkOnceODRLinkage);
    LLVMSetVisibility(g, LLVMHiddenVisibility);
    LLVMSetAlignment(g, 8);
    LLVMSetComdat(g, comdat);
    /* its entry in the atom list, in the same COMDAT group */
    name.len--; /* drop the NUL */
    buf_printf(&name, ".ref");
    buf_byte(&name, 0);
    LLVMValueRef ref = LLVMAddGlobal(L->mod, L->t_ptr, (const char *)name.data);
    LLVMSetInitializer(ref, g);
    LLVMSetLinkage(ref, LLVMLinkOnceODRLinkage);
    LLVMSetVisibility(ref, LLVMHiddenVisibility);
    LLVMSetSection(ref, VM_ATOM_SECTION);
    LLVMSetAlignment(ref, 8);
    LLVMSetComdat(ref, comdat);
    keep_global(L, ref);
    buf_free(&name);
    return L->atom_globals[s] = g;
}

/* The static function value (abi/value.h vm_func_t) of function `fidx`. */
LLVMValueRef lw_fn_ref(lower_t *L, uint32_t fidx)
{
    if (L->fn_refs[fidx])
        return L->fn_refs[fidx];
    const func_t *f = &L->m->funcs[fidx];
    LLVMValueRef fields[] = {
        LLVMConstInt(L->t_i8, VM_KIND_FUNC, 0),
        LLVMConstInt(L->t_i8, VM_OBJ_STATIC, 0),
        LLVMConstInt(LLVMInt16TypeInContext(L->llc), 0, 0),
        LLVMConstInt(L->t_i32, f->nparams, 0),
        L->fn_values[fidx],
        lw_descriptor(L, fidx),
        lw_i64(L, 0),
    };
    LLVMValueRef init = LLVMConstStructInContext(L->llc, fields, 7, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), "fnref");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    if (f->imported)
        LLVMSetLinkage(g, LLVMPrivateLinkage);
    else
        part_shared(L, g, "fnref", fidx);
    LLVMSetAlignment(g, 8);
    return L->fn_refs[fidx] = g;
}

static void declare_functions(lower_t *L)
{
    const module_t *m = L->m;
    L->fn_values = xcalloc(m->nfuncs ? m->nfuncs : 1, sizeof *L->fn_values);
    L->fn_descs = xcalloc(m->nfuncs ? m->nfuncs : 1, sizeof *L->fn_descs);
    L->fn_refs = xcalloc(m->nfuncs ? m->nfuncs : 1, sizeof *L->fn_refs);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const func_t *f = &m->funcs[i];
        char *sig = lw_sig_symbol(m, f);
        if (f->imported) { /* importers call the signature alias */
            L->fn_values[i] = LLVMAddFunction(L->mod, sig, L->t_fn);
            free(sig);
            continue;
        }
        buf_t name = {0};
        buf_printf(&name, "%s.%s", mod_str(m, m->name), mod_str(m, f->name));
        buf_byte(&name, 0);
        LLVMValueRef fn = LLVMAddFunction(L->mod, (const char *)name.data, L->t_fn);
        if (!f->exported)
            lw_module_private(L, fn, (const char *)name.data);
        buf_free(&name);
        defined_fn_attrs(L, fn);
        LLVMSetValueName2(LLVMGetParam(fn, 0), "ctx", 3);
        LLVMSetValueName2(LLVMGetParam(fn, 1), "ssp", 3);
        if (f->exported && lw_defines(L, i))
            LLVMAddAlias2(L->mod, L->t_fn, 0, fn, sig);
        free(sig);
        L->fn_values[i] = fn;
    }
}

/* Can `f` raise by itself, not through a bytecode callee: an instruction
 * that may raise (OPF_RAISE), or a builtin that may raise or allocate?
 * A division or remainder by a register that is a non-zero constant where
 * it is read cannot raise (MIN / -1 wraps, docs/bytecode.md): every write
 * to the register is a const.i64 other than 0 (not a parameter or a
 * capture, which the caller writes), and one of them comes before the
 * division in the straight-line code the function starts with, so the
 * register's initial 0 is never read there. That code ends at the first
 * instruction with a label or that ends a block; a function with try
 * regions is not looked at (a handler is reached from anywhere in its
 * region). */
#define NOT_CONST UINT32_MAX       /* a write that is not a non-zero const.i64 */
#define NO_WRITE  (UINT32_MAX - 1) /* none in the straight-line start yet */

static bool raises_itself(const module_t *m, const func_t *f)
{
    uint32_t *first = xmalloc((f->nregs ? f->nregs : 1) * sizeof *first);
    for (uint32_t r = 0; r < f->nregs; r++)
        first[r] = r < f->nparams + f->ncaptures || f->ntries ? NOT_CONST : NO_WRITE;
    bool straight = true;
    for (uint32_t k = 0; k < f->ninstrs; k++) {
        const instr_t *in = &f->code[k];
        const opinfo_t *oi = &op_info[in->op];
        uint32_t *w = oi->ndef ? &first[in->fixed[0].idx] : NULL;
        if (w && *w != NOT_CONST) {
            if (in->op != OP_CONST_I64 || in->fixed[1].i == 0)
                *w = NOT_CONST;
            else if (straight && *w == NO_WRITE)
                *w = k;
        }
        for (unsigned o = 0; o < oi->nfixed; o++)
            straight = straight && opnd_of(oi->operands[o])->cls != OPK_LABEL;
        straight = straight && !(oi->flags & OPF_TERM);
    }
    bool r = false;
    for (uint32_t k = 0; k < f->ninstrs && !r; k++) {
        const instr_t *in = &f->code[k];
        if (in->op == OP_DIV_I64 || in->op == OP_REM_I64) {
            uint32_t w = first[in->fixed[2].idx];
            r = w >= NO_WRITE || w >= k;
        } else if (in->op == OP_CALLB || in->op == OP_CALLB_VOID) {
            const vstr_t *s = &m->strs[in->fixed[in->op == OP_CALLB ? 1 : 0].idx];
            const builtin_info_t *b = builtin_lookup(s->s, s->len);
            r = !b || (b->effects & (EF_RAISE | EF_ALLOC));
        } else {
            r = op_info[in->op].flags & OPF_RAISE;
        }
    }
    free(first);
    return r;
}

/* Which functions may return with an error pending: an import, one that
 * raises by itself, or one with a direct call of such a function. Calls of
 * the others need no check afterwards. Worked out to a fixed point. */
static void find_raisers(lower_t *L)
{
    const module_t *m = L->m;
    L->may_raise = xcalloc(m->nfuncs ? m->nfuncs : 1, sizeof *L->may_raise);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        L->may_raise[i] = m->funcs[i].imported || raises_itself(m, &m->funcs[i]);
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = 0; i < m->nfuncs; i++) {
            const func_t *f = &m->funcs[i];
            for (uint32_t k = 0; k < f->ninstrs && !L->may_raise[i]; k++) {
                const instr_t *in = &f->code[k];
                uint32_t callee = in->op == OP_CALL ? in->fixed[1].idx
                                  : in->op == OP_CALL_VOID || in->op == OP_TAILCALL
                                      ? in->fixed[0].idx
                                      : UINT32_MAX;
                if (callee != UINT32_MAX && L->may_raise[callee])
                    L->may_raise[i] = changed = true;
            }
        }
    }
}

/* ---- calls of compiled code ---- */

LLVMValueRef lw_call_code(lower_t *L, LLVMValueRef callee, const uint32_t *args, uint32_t nargs,
                          LLVMValueRef frame, bool tail)
{
    LLVMValueRef all[VM_HIDDEN_ARGS + VM_REG_ARGS] = {L->ctx, frame};
    LLVMValueRef *vals = xmalloc((nargs ? nargs : 1) * sizeof *vals);
    for (uint32_t i = 0; i < nargs; i++)             /* all read before any store: a tail call */
        vals[i] = lw_to_word(L, lw_get(L, args[i])); /* overwrites this frame */
    for (uint32_t i = 0; i < VM_REG_ARGS; i++)
        all[VM_HIDDEN_ARGS + i] = i < nargs ? vals[i] : LLVMGetPoison(L->t_i64);
    for (uint32_t i = VM_REG_ARGS; i < nargs; i++) {
        LLVMValueRef idx = lw_i64(L, VM_FRAME_HEADER_SLOTS + (i - VM_REG_ARGS));
        LLVMBuildStore(L->b, vals[i], LLVMBuildGEP2(L->b, L->t_i64, frame, &idx, 1, "sarg"));
    }
    free(vals);
    LLVMValueRef r = LLVMBuildCall2(L->b, L->t_fn, callee, all, VM_HIDDEN_ARGS + VM_REG_ARGS, "");
    if (tail)
        LLVMSetTailCallKind(r, LLVMTailCallKindMustTail);
    return r;
}

/* ---- functions ---- */

static lower_fn_t *const family_of[OP_COUNT] = {
#define X(id, mn, ops, ndef, flags, fam, doc) [OP_##id] = lower_##fam,
#include "../abi/opcodes.def"
#undef X
};

/* Block leaders: instruction 0, jump targets, try handlers, and whatever
 * follows a terminator. */
static void make_blocks(lower_t *L)
{
    const func_t *f = L->f;
    L->blocks = xcalloc(f->ninstrs, sizeof *L->blocks);
    bool *leader = xcalloc(f->ninstrs, 1);
    leader[0] = true;
    for (uint32_t i = 0; i < f->ninstrs; i++) {
        const instr_t *in = &f->code[i];
        const opinfo_t *oi = &op_info[in->op];
        for (unsigned k = 0; k < oi->nfixed; k++)
            if (opnd_of(oi->operands[k])->cls == OPK_LABEL)
                leader[in->fixed[k].idx] = true;
        if ((oi->flags & OPF_TERM) && i + 1 < f->ninstrs)
            leader[i + 1] = true;
    }
    for (uint32_t t = 0; t < f->ntries; t++)
        leader[f->tries[t].handler] = true;
    for (uint32_t i = 0; i < f->ninstrs; i++)
        if (leader[i]) {
            char name[24];
            snprintf(name, sizeof name, "i%u", i);
            L->blocks[i] = lw_block(L, name);
        }
    free(leader);
}

static LLVMValueRef load_word(lower_t *L, LLVMValueRef base, int64_t offset, const char *name)
{
    LLVMValueRef off = lw_i64(L, offset);
    return LLVMBuildLoad2(L->b, L->t_i64, LLVMBuildGEP2(L->b, L->t_i8, base, &off, 1, ""), name);
}

/* Does the function just lowered call nothing but the trap and the stack
 * guard (and LLVM intrinsics)? Then, without val registers or stack
 * parameters, it needs no frame: nothing can walk or scan the shadow stack
 * while it runs except through those two, whose slow paths write the
 * header. And with a bounded frame it needs no native stack check either:
 * its caller checked, and RT_STACK_MARGIN (256 KiB) is far more than a
 * frame of VM_LEAF_MAX_REGS registers (Go's nosplit functions). */
#define VM_LEAF_MAX_REGS 256

static bool calls_nothing(lower_t *L)
{
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(L->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in)) {
            if (!LLVMIsACallInst(in))
                continue;
            LLVMValueRef callee = LLVMGetCalledValue(in);
            if (callee == L->builtin_fn[VM_BUILTIN_trap] ||
                callee == L->builtin_fn[VM_BUILTIN_stack_guard])
                continue;
            if (LLVMIsAFunction(callee) && LLVMGetIntrinsicID(callee))
                continue;
            return false;
        }
    return true;
}

/* A frame: the stack checks, then the descriptor (not for a leaf). */
static void enter_frame(lower_t *L)
{
    /* 1. stack check */
    LLVMValueRef md = LLVMMetadataAsValue(
        L->llc, LLVMMDNodeInContext2(L->llc,
                                     (LLVMMetadataRef[]){LLVMMDStringInContext2(
                                         L->llc, L->opts.sp_register, strlen(L->opts.sp_register))},
                                     1));
    LLVMValueRef sp = lw_intrinsic(L, "llvm.read_register", &L->t_i64, 1, &md, 1, "sp");
    LLVMValueRef deep = LLVMBuildICmp(L->b, LLVMIntULT, sp, load_stack_limit(L), "deep");
    LLVMValueRef sslimit = LLVMBuildLoad2(
        L->b, L->t_ptr, lw_ctx_field(L, VM_CTX_SS_LIMIT_INDEX, "sslimit.addr"), "ss.limit");
    LLVMValueRef full = LLVMBuildICmp(L->b, LLVMIntUGT, L->top, sslimit, "ss.full");
    /* the frame is not ours yet: the caller's top is what the runtime sees */
    stack_guard_block(L, LLVMBuildOr(L->b, deep, full, "overflow"), L->frame,
                      LLVMBuildZExt(L->b, full, L->t_i64, "ss.full"), false);
    /* 2. the frame's descriptor */
    LLVMBuildStore(L->b, lw_descriptor(L, L->fidx), frame_slot(L, VM_FRAME_DESC_SLOT));
}

static void prologue(lower_t *L, bool leaf)
{
    const func_t *f = L->f;
    if (!leaf)
        enter_frame(L);
    /* 3. registers: parameters and captures are rooted in their slots; the
     * other val registers start as nil, but their slots are not cleared: a
     * stale word there is only ever scanned conservatively (docs/gc.md). */
    LLVMValueRef self = NULL;
    if (f->ncaptures)
        self = LLVMBuildIntToPtr(
            L->b,
            LLVMBuildLoad2(L->b, L->t_i64, lw_ctx_field(L, VM_CTX_SELF_INDEX, "self.addr"), ""),
            L->t_ptr, "self");
    for (uint32_t r = 0; r < f->nregs; r++) {
        vm_type_t t = (vm_type_t)f->reg_types[r];
        if (r < f->nparams) {
            LLVMValueRef w =
                r < VM_REG_ARGS
                    ? LLVMGetParam(L->fn, VM_HIDDEN_ARGS + r)
                    : LLVMBuildLoad2(L->b, L->t_i64,
                                     frame_slot(L, VM_FRAME_HEADER_SLOTS + r - VM_REG_ARGS),
                                     "sarg");
            lw_set(L, r, lw_from_word(L, w, t));
            continue;
        }
        if (r < f->nparams + f->ncaptures) {
            int64_t off = VM_FUNC_CAPTURES_OFFSET + 8 * (int64_t)(r - f->nparams);
            lw_set(L, r, load_word(L, self, off, "capture"));
            continue;
        }
        LLVMValueRef init = t == TY_F64   ? LLVMConstReal(L->t_f64, 0.0)
                            : t == TY_VAL ? lw_i64(L, (int64_t)VM_NIL)
                                          : lw_i64(L, 0);
        LLVMBuildStore(L->b, init, L->regs[r]);
    }
    LLVMBuildBr(L->b, L->blocks[0]);
}

static void lower_func(lower_t *L, uint32_t fi)
{
    const func_t *f = &L->m->funcs[fi];
    L->f = f;
    L->fidx = fi;
    L->fn = L->fn_values[fi];
    L->ctx = LLVMGetParam(L->fn, 0);
    L->idx = 0;
    uint32_t ntargets = f->ntries + 1;
    L->unwind_bb = xcalloc(ntargets, sizeof *L->unwind_bb);
    L->trap_bb = xcalloc(ntargets, sizeof *L->trap_bb);
    L->trap_code = xcalloc(ntargets, sizeof *L->trap_code);
    L->trap_line = xcalloc(ntargets, sizeof *L->trap_line);
    LLVMBasicBlockRef entry = lw_block(L, "entry");
    LLVMPositionBuilderAtEnd(L->b, entry);
    lw_debug_begin_func(L);
    L->regs = xmalloc((f->nregs ? f->nregs : 1) * sizeof *L->regs);
    L->val_slot = xmalloc((f->nregs ? f->nregs : 1) * sizeof *L->val_slot);
    L->cache = xcalloc(f->nregs ? f->nregs : 1, sizeof *L->cache);
    L->cache_bb = xcalloc(f->nregs ? f->nregs : 1, sizeof *L->cache_bb);
    uint32_t nslots = f->nparams > VM_REG_ARGS ? f->nparams - VM_REG_ARGS : 0;
    for (uint32_t r = 0; r < f->nregs; r++) {
        vm_type_t t = (vm_type_t)f->reg_types[r];
        const char *name = f->reg_names[r] ? mod_str(L->m, f->reg_names[r] - 1) : "r";
        L->regs[r] = LLVMBuildAlloca(L->b, lw_type(L, t), name);
        L->val_slot[r] = t == TY_VAL ? nslots++ : UINT32_MAX;
    }
    make_blocks(L);
    /* The unwind target of each instruction: the first region covering it
     * (filled last to first, so the first wins), or ntries for none. */
    L->region = xmalloc((f->ninstrs ? f->ninstrs : 1) * sizeof *L->region);
    for (uint32_t i = 0; i < f->ninstrs; i++)
        L->region[i] = f->ntries;
    for (uint32_t t = f->ntries; t-- > 0;) {
        for (uint32_t i = f->tries[t].start; i < f->tries[t].end; i++)
            L->region[i] = t;
        L->unwind_bb[t] = L->blocks[f->tries[t].handler]; /* handlers are the targets */
    }
    /* The prologue comes last, into the entry block, once the body shows
     * whether this is a leaf; the frame's pointers come first. */
    L->frame = LLVMGetParam(L->fn, 1);
    LLVMValueRef top_idx = lw_i64(L, VM_FRAME_HEADER_SLOTS + nslots);
    L->top = LLVMBuildGEP2(L->b, L->t_i64, L->frame, &top_idx, 1, "top");
    LLVMMetadataRef entry_loc = LLVMGetCurrentDebugLocation2(L->b);
    LLVMPositionBuilderAtEnd(L->b, L->blocks[0]);
    for (uint32_t i = 0; i < f->ninstrs; i++) {
        L->idx = i;
        if (L->blocks[i]) {
            LLVMBasicBlockRef cur = LLVMGetInsertBlock(L->b);
            if (cur != L->blocks[i] && !LLVMGetBasicBlockTerminator(cur))
                LLVMBuildBr(L->b, L->blocks[i]);
            LLVMPositionBuilderAtEnd(L->b, L->blocks[i]);
        }
        const instr_t *in = &f->code[i];
        lw_debug_instr(L);
        family_of[in->op](L, in);
    }
    LLVMBasicBlockRef last = LLVMGetInsertBlock(L->b);
    L->leaf[fi] = nslots == 0 && f->nregs <= VM_LEAF_MAX_REGS && calls_nothing(L);
    LLVMPositionBuilderAtEnd(L->b, entry);
    lw_debug_restore(L, entry_loc);
    L->idx = 0;
    prologue(L, L->leaf[fi]);
    LLVMPositionBuilderAtEnd(L->b, last);
    /* Code after a raise that never returns normally may end unterminated. */
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(L->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        if (!LLVMGetBasicBlockTerminator(bb)) {
            LLVMPositionBuilderAtEnd(L->b, bb);
            LLVMBuildUnreachable(L->b);
        }
    lw_debug_end_func(L);
    free(L->regs);
    free(L->cache);
    free(L->cache_bb);
    free(L->val_slot);
    free(L->blocks);
    free(L->region);
    free(L->unwind_bb);
    free(L->trap_bb);
    free(L->trap_code);
    free(L->trap_line);
}

/* vm_program_main(ctx): runs `main`, returns its status (0 for void); an
 * uncaught error stays in ctx->exc for the runtime to report. */
static void make_entry(lower_t *L, uint32_t fi)
{
    const func_t *f = &L->m->funcs[fi];
    LLVMTypeRef ty = LLVMFunctionType(L->t_i64, &L->t_ptr, 1, 0);
    LLVMValueRef fn = LLVMAddFunction(L->mod, VM_PROGRAM_ENTRY_SYMBOL, ty);
    defined_fn_attrs(L, fn);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(L->llc, fn, "entry");
    LLVMPositionBuilderAtEnd(L->b, bb);
    lw_debug_entry(L, fn, fi);
    /* Reference the runtime's ABI version symbol: a runtime of another
     * version fails the link naming it. */
    char abi_sym[32];
    snprintf(abi_sym, sizeof abi_sym, "vm_abi_v%d", VM_ABI_VERSION);
    LLVMValueRef abi = LLVMAddGlobal(L->mod, L->t_i32, abi_sym);
    LLVMSetGlobalConstant(abi, 1);
    LLVMValueRef ld = LLVMBuildLoad2(L->b, L->t_i32, abi, "abi");
    LLVMSetVolatile(ld, 1);
    LLVMValueRef ctx = LLVMGetParam(fn, 0);
    LLVMValueRef ssp_addr = LLVMBuildStructGEP2(L->b, L->t_ctx, ctx, VM_CTX_SSP_INDEX, "ssp.addr");
    LLVMValueRef args[VM_HIDDEN_ARGS + VM_REG_ARGS] = {
        ctx, LLVMBuildLoad2(L->b, L->t_ptr, ssp_addr, "ssp")};
    for (unsigned i = 0; i < VM_REG_ARGS; i++)
        args[VM_HIDDEN_ARGS + i] = LLVMGetPoison(L->t_i64);
    LLVMValueRef r =
        LLVMBuildCall2(L->b, L->t_fn, L->fn_values[fi], args, VM_HIDDEN_ARGS + VM_REG_ARGS, "");
    LLVMBuildRet(L->b, f->ret == TY_VOID ? lw_i64(L, 0) : r);
    lw_debug_end_func(L);
}

/* A table of `n` structs of type `ty` in section `section` (abi/context.h):
 * 8-aligned with no padding, so the linker's concatenation of every
 * object's tables is one array; kept through optimisation. */
static void emit_table(lower_t *L, LLVMTypeRef ty, LLVMValueRef *elems, unsigned n,
                       const char *name, const char *section)
{
    LLVMValueRef init = LLVMConstArray2(ty, elems, n);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetSection(g, section);
    LLVMSetAlignment(g, 8);
    keep_global(L, g);
}

/* The module's dependency declarations (vm_dep_decl_t), for the runtime's
 * resolution before main (docs/di.md). */
static void emit_deps(lower_t *L)
{
    const module_t *m = L->m;
    if (!m->ndeps)
        return;
    LLVMTypeRef ft[] = {L->t_ptr, L->t_ptr, L->t_ptr, L->t_ptr, L->t_i64};
    LLVMTypeRef ty = LLVMStructTypeInContext(L->llc, ft, 5, 0);
    const char *mod = mod_str(m, m->name), *file = m->file ? mod_str(m, m->file - 1) : "";
    LLVMValueRef mod_s = const_cstring(L, mod, strlen(mod), "dep.module");
    LLVMValueRef file_s = const_cstring(L, file, strlen(file), "dep.file");
    LLVMValueRef *elems = xmalloc(m->ndeps * sizeof *elems);
    for (uint32_t i = 0; i < m->ndeps; i++) {
        const vstr_t *name = &m->strs[m->deps[i].name], *kind = &m->strs[m->deps[i].kind];
        LLVMValueRef fields[] = {const_cstring(L, name->s, name->len, "dep.name"),
                                 const_cstring(L, kind->s, kind->len, "dep.kind"), mod_s, file_s,
                                 lw_i64(L, m->deps[i].line)};
        elems[i] = LLVMConstNamedStruct(ty, fields, 5);
    }
    emit_table(L, ty, elems, m->ndeps, "vm.deps", VM_DEPS_SECTION);
    free(elems);
}

/* The exported functions that can be providers (vm_export_t): only val
 * parameters, a val result, no captures — what fn.ref can name. */
static void emit_exports(lower_t *L)
{
    const module_t *m = L->m;
    LLVMValueRef *elems = xmalloc((m->nfuncs ? m->nfuncs : 1) * sizeof *elems);
    unsigned n = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const func_t *f = &m->funcs[i];
        bool ok = f->exported && !f->imported && !f->ncaptures && f->ret == TY_VAL;
        for (uint32_t r = 0; ok && r < f->nparams; r++)
            ok = f->reg_types[r] == TY_VAL;
        if (ok)
            elems[n++] = lw_fn_ref(L, i);
    }
    if (n)
        emit_table(L, L->t_ptr, elems, n, "vm.exports", VM_EXPORTS_SECTION);
    free(elems);
}

/* The target and ABI version this object is built for (VM_TARGET_SECTION). */
static void emit_target(lower_t *L)
{
    char tag[96];
    int n = snprintf(tag, sizeof tag, "%s abi %d", L->opts.target, VM_ABI_VERSION);
    LLVMValueRef init = LLVMConstStringInContext2(L->llc, tag, (size_t)n, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, LLVMTypeOf(init), "vm.target");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetSection(g, VM_TARGET_SECTION);
    LLVMSetAlignment(g, 1);
    keep_global(L, g);
}

/* llvm.compiler.used: keeps the atom list entries and the tables above
 * through optimisation. */
static void emit_used(lower_t *L)
{
    if (!L->nused)
        return;
    LLVMTypeRef aty = LLVMArrayType2(L->t_ptr, L->nused);
    LLVMValueRef g = LLVMAddGlobal(L->mod, aty, "llvm.compiler.used");
    LLVMSetInitializer(g, LLVMConstArray2(L->t_ptr, L->used, L->nused));
    LLVMSetLinkage(g, LLVMAppendingLinkage);
    LLVMSetSection(g, "llvm.metadata");
}

LLVMModuleRef lower_module(LLVMContextRef llc, const module_t *m, const lower_opts_t *opts)
{
    lower_t L = {.llc = llc, .m = m, .opts = *opts};
    L.mod = LLVMModuleCreateWithNameInContext(mod_str(m, m->name), llc);
    L.b = LLVMCreateBuilderInContext(llc);
    L.t_i1 = LLVMInt1TypeInContext(llc);
    L.t_i8 = LLVMInt8TypeInContext(llc);
    L.t_i32 = LLVMInt32TypeInContext(llc);
    L.t_i64 = LLVMInt64TypeInContext(llc);
    L.t_f64 = LLVMDoubleTypeInContext(llc);
    L.t_ptr = LLVMPointerTypeInContext(llc, 0);
    L.t_void = LLVMVoidTypeInContext(llc);
    LLVMTypeRef ctx_fields[VM_CTX_PUBLIC_FIELDS] = {L.t_ptr, L.t_ptr, L.t_i64, L.t_i64, L.t_i64};
    L.t_ctx = LLVMStructTypeInContext(llc, ctx_fields, VM_CTX_PUBLIC_FIELDS, 0);
    LLVMTypeRef fn_params[VM_HIDDEN_ARGS + VM_REG_ARGS] = {L.t_ptr, L.t_ptr};
    for (unsigned i = 0; i < VM_REG_ARGS; i++)
        fn_params[VM_HIDDEN_ARGS + i] = L.t_i64;
    L.t_fn = LLVMFunctionType(L.t_i64, fn_params, VM_HIDDEN_ARGS + VM_REG_ARGS, 0);
    L.str_globals = xcalloc(m->nstrs ? m->nstrs : 1, sizeof *L.str_globals);
    L.atom_globals = xcalloc(m->nstrs ? m->nstrs : 1, sizeof *L.atom_globals);
    lw_debug_begin_module(&L);
    declare_functions(&L);
    find_raisers(&L);
    L.leaf = xcalloc(m->nfuncs ? m->nfuncs : 1, sizeof *L.leaf);
    lw_ffi_begin_module(&L);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (lw_defines(&L, i))
            lower_func(&L, i);
    drop_leaf_lines(&L);
    bool first_part = L.opts.part == 0;
    for (uint32_t i = 0; i < m->nfuncs && first_part; i++)
        if (!m->funcs[i].imported && strcmp(mod_str(m, m->funcs[i].name), "main") == 0)
            make_entry(&L, i);
    lw_ffi_end_module(&L);
    if (first_part) {
        emit_deps(&L);
        emit_exports(&L);
        emit_target(&L);
    }
    emit_used(&L);
    lw_debug_finish_module(&L);
    LLVMDisposeBuilder(L.b);
    free(L.fn_values);
    free(L.fn_descs);
    free(L.fn_refs);
    free(L.str_globals);
    free(L.atom_globals);
    free(L.used);
    free(L.may_raise);
    free(L.leaf);
    return L.mod;
}
