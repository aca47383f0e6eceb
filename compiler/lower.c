/*
 * compiler/lower.c — module and function structure of the lowering.
 *
 * Calling convention: a bytecode function `f` of module `m` becomes the
 * LLVM function "m.f" with the C calling convention and two hidden first
 * arguments: the process context (abi/context.h) and the shadow-stack
 * pointer, where the callee's frame starts. Then its parameters (i64 ->
 * i64, f64 -> double, val -> i64). Functions not exported are internal.
 * Passing the shadow-stack pointer in a register keeps frame push and pop
 * off memory: the caller's frame needs no restoring, so calls in tail
 * position stay tail calls. The pointer is published to ctx->ssp before
 * every call into the runtime that can observe it.
 *
 * Each function's prologue:
 *   1. stack check: native sp below ctx->stack_limit, or the frame past
 *      ctx->ss_limit, raises stack_overflow;
 *   2. stores its descriptor in the frame (abi/context.h); the line slot is
 *      written before each call;
 *   3. initialises registers (parameters from arguments; i64 0, f64 0.0,
 *      val nil otherwise; only parameters are stored to their slots);
 *   4. charges one reduction.
 * Registers live in allocas (promoted to SSA by LLVM above -O0); a val
 * write also stores to its shadow slot, which is what keeps it alive.
 */
#include "lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

LLVMValueRef lw_get(lower_t *L, uint32_t reg)
{
    return LLVMBuildLoad2(L->b, lw_type(L, (vm_type_t)L->f->reg_types[reg]), L->regs[reg], "");
}

static LLVMValueRef frame_slot(lower_t *L, uint32_t slot)
{
    LLVMValueRef idx = LLVMConstInt(L->t_i64, slot, 0);
    return LLVMBuildGEP2(L->b, L->t_i64, L->frame, &idx, 1, "slot");
}

void lw_set(lower_t *L, uint32_t reg, LLVMValueRef v)
{
    LLVMBuildStore(L->b, v, L->regs[reg]);
    if (L->f->reg_types[reg] == TY_VAL)
        LLVMBuildStore(L->b, v, frame_slot(L, VM_FRAME_HEADER_SLOTS + L->val_slot[reg]));
}

static LLVMValueRef ctx_field(lower_t *L, unsigned index, const char *name)
{
    return LLVMBuildStructGEP2(L->b, L->t_ctx, L->ctx, index, name);
}

void lw_store_line(lower_t *L)
{
    LLVMBuildStore(L->b, lw_i64(L, L->f->code[L->idx].line), frame_slot(L, VM_FRAME_LINE_SLOT));
}

void lw_publish_ssp(lower_t *L)
{
    LLVMBuildStore(L->b, L->top, ctx_field(L, VM_CTX_SSP_INDEX, "ssp.addr"));
}

static void declare_builtin(lower_t *L, vm_builtin_id_t id)
{
    const builtin_info_t *bi = &builtin_info[id];
    LLVMTypeRef params[5] = {L->t_ptr};
    for (unsigned i = 0; i < bi->nparams; i++)
        params[i + 1] = lw_type(L, bi->params[i]);
    L->builtin_ty[id] = LLVMFunctionType(lw_type(L, bi->ret), params, bi->nparams + 1, 0);
    LLVMValueRef fn = LLVMAddFunction(L->mod, bi->csym, L->builtin_ty[id]);
    unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(L->llc, nounwind, 0));
    if (bi->effects & EF_NORETURN) {
        unsigned k = LLVMGetEnumAttributeKindForName("noreturn", 8);
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(L->llc, k, 0));
    }
    if (id == VM_BUILTIN_trap || id == VM_BUILTIN_yield) {
        unsigned k = LLVMGetEnumAttributeKindForName("cold", 4);
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(L->llc, k, 0));
    }
    L->builtin_fn[id] = fn;
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
    return LLVMBuildCall2(L->b, L->builtin_ty[id], L->builtin_fn[id], all, n + 1, "");
}

LLVMValueRef lw_intrinsic(lower_t *L, const char *name, LLVMTypeRef *tys, unsigned ntys,
                          LLVMValueRef *args, unsigned nargs)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (!id)
        die("no intrinsic %s", name);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(L->mod, id, tys, ntys);
    LLVMTypeRef ty = LLVMIntrinsicGetType(L->llc, id, tys, ntys);
    return LLVMBuildCall2(L->b, ty, fn, args, nargs, "");
}

/* The function's single trap block: phis choose the code and line. */
static void make_trap_block(lower_t *L)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
    L->trap_bb = lw_block(L, "trap");
    LLVMPositionBuilderAtEnd(L->b, L->trap_bb);
    L->trap_code = LLVMBuildPhi(L->b, L->t_i64, "trap.code");
    L->trap_line = LLVMBuildPhi(L->b, L->t_i64, "trap.line");
    LLVMValueRef args[2] = {L->trap_code, L->trap_line};
    lw_call_builtin(L, VM_BUILTIN_trap, args, 2);
    LLVMBuildUnreachable(L->b);
    LLVMPositionBuilderAtEnd(L->b, here);
}

static void trap_if_line(lower_t *L, LLVMValueRef cond, vm_trap_code_t code, int64_t line)
{
    if (!L->trap_bb)
        make_trap_block(L);
    LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
    LLVMBasicBlockRef cont = lw_block(L, "ok");
    LLVMBuildCondBr(L->b, cond, L->trap_bb, cont);
    LLVMValueRef code_v = lw_i64(L, code), line_v = lw_i64(L, line);
    LLVMAddIncoming(L->trap_code, &code_v, &here, 1);
    LLVMAddIncoming(L->trap_line, &line_v, &here, 1);
    LLVMPositionBuilderAtEnd(L->b, cont);
}

void lw_trap_if(lower_t *L, LLVMValueRef cond, vm_trap_code_t code)
{
    trap_if_line(L, cond, code, L->f->code[L->idx].line);
}

void lw_charge(lower_t *L)
{
    LLVMValueRef addr = ctx_field(L, VM_CTX_REDUCTIONS_INDEX, "reds.addr");
    LLVMValueRef left =
        LLVMBuildSub(L->b, LLVMBuildLoad2(L->b, L->t_i64, addr, "reds"), lw_i64(L, 1), "reds.left");
    LLVMBuildStore(L->b, left, addr);
    LLVMBasicBlockRef yield = lw_block(L, "yield"), cont = lw_block(L, "run");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntSLE, left, lw_i64(L, 0), "spent"), yield,
                    cont);
    LLVMPositionBuilderAtEnd(L->b, yield);
    lw_call_builtin(L, VM_BUILTIN_yield, NULL, 0);
    LLVMBuildBr(L->b, cont);
    LLVMPositionBuilderAtEnd(L->b, cont);
}

/* ---- module-level pieces ---- */

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

static LLVMValueRef make_descriptor(lower_t *L, const func_t *f, const char *symbol, uint32_t nvals)
{
    const char *file = L->m->file ? mod_str(L->m, L->m->file - 1) : "";
    LLVMValueRef fields[] = {
        const_cstring(L, symbol, strlen(symbol), "fname"),
        const_cstring(L, file, strlen(file), "fsrc"),
        lw_i64(L, f->line),
        lw_i64(L, nvals),
    };
    LLVMTypeRef ft[] = {L->t_ptr, L->t_ptr, L->t_i64, L->t_i64};
    LLVMTypeRef ty = LLVMStructTypeInContext(L->llc, ft, 4, 0);
    LLVMValueRef g = LLVMAddGlobal(L->mod, ty, "desc");
    LLVMSetInitializer(g, LLVMConstNamedStruct(ty, fields, 4));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetAlignment(g, 8);
    return g;
}

static void declare_functions(lower_t *L)
{
    const module_t *m = L->m;
    L->fn_values = xcalloc(m->nfuncs, sizeof *L->fn_values);
    L->fn_types = xcalloc(m->nfuncs, sizeof *L->fn_types);
    unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const func_t *f = &m->funcs[i];
        LLVMTypeRef *params = xmalloc((f->nparams + VM_HIDDEN_ARGS) * sizeof *params);
        params[0] = params[1] = L->t_ptr;
        for (uint32_t p = 0; p < f->nparams; p++)
            params[p + VM_HIDDEN_ARGS] = lw_type(L, (vm_type_t)f->reg_types[p]);
        L->fn_types[i] =
            LLVMFunctionType(lw_type(L, f->ret), params, f->nparams + VM_HIDDEN_ARGS, 0);
        free(params);
        buf_t name = {0};
        buf_printf(&name, "%s.%s", mod_str(m, m->name), mod_str(m, f->name));
        buf_byte(&name, 0);
        LLVMValueRef fn = LLVMAddFunction(L->mod, (const char *)name.data, L->fn_types[i]);
        buf_free(&name);
        LLVMSetLinkage(fn, f->exported ? LLVMExternalLinkage : LLVMInternalLinkage);
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(L->llc, nounwind, 0));
        LLVMSetValueName2(LLVMGetParam(fn, 0), "ctx", 3);
        LLVMSetValueName2(LLVMGetParam(fn, 1), "ssp", 3);
        L->fn_values[i] = fn;
    }
}

/* ---- functions ---- */

static lower_fn_t *const family_of[OP_COUNT] = {
#define X(id, mn, ops, ndef, flags, fam, doc) [OP_##id] = lower_##fam,
#include "../abi/opcodes.def"
#undef X
};

/* Block leaders: instruction 0, jump targets, and whatever follows a
 * terminator. */
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
            if (oi->operands[k] == 'L')
                leader[in->fixed[k].idx] = true;
        if ((oi->flags & OPF_TERM) && i + 1 < f->ninstrs)
            leader[i + 1] = true;
    }
    for (uint32_t i = 0; i < f->ninstrs; i++)
        if (leader[i]) {
            char name[24];
            snprintf(name, sizeof name, "i%u", i);
            L->blocks[i] = lw_block(L, name);
        }
    free(leader);
}

/* Stack overflow found by the prologue: the frame is not ours yet, so the
 * caller's top is what the runtime sees. */
static void overflow_block(lower_t *L, LLVMValueRef overflow)
{
    LLVMBasicBlockRef trap = lw_block(L, "stack.overflow"), cont = lw_block(L, "frame");
    LLVMBuildCondBr(L->b, overflow, trap, cont);
    LLVMPositionBuilderAtEnd(L->b, trap);
    LLVMBuildStore(L->b, L->frame, ctx_field(L, VM_CTX_SSP_INDEX, "ssp.addr"));
    if (!L->builtin_fn[VM_BUILTIN_trap])
        declare_builtin(L, VM_BUILTIN_trap);
    LLVMValueRef args[3] = {L->ctx, lw_i64(L, VM_TRAP_STACK_OVERFLOW), lw_i64(L, 0)};
    LLVMBuildCall2(L->b, L->builtin_ty[VM_BUILTIN_trap], L->builtin_fn[VM_BUILTIN_trap], args, 3,
                   "");
    LLVMBuildUnreachable(L->b);
    LLVMPositionBuilderAtEnd(L->b, cont);
}

static void prologue(lower_t *L, uint32_t nvals, LLVMValueRef desc)
{
    const func_t *f = L->f;
    /* 1. stack check */
    LLVMValueRef md = LLVMMetadataAsValue(
        L->llc, LLVMMDNodeInContext2(L->llc,
                                     (LLVMMetadataRef[]){LLVMMDStringInContext2(
                                         L->llc, L->opts.sp_register, strlen(L->opts.sp_register))},
                                     1));
    LLVMValueRef sp = lw_intrinsic(L, "llvm.read_register", &L->t_i64, 1, &md, 1);
    LLVMValueRef limit = LLVMBuildLoad2(
        L->b, L->t_i64, ctx_field(L, VM_CTX_STACK_LIMIT_INDEX, "limit.addr"), "stack.limit");
    LLVMValueRef deep = LLVMBuildICmp(L->b, LLVMIntULT, sp, limit, "deep");
    L->frame = LLVMGetParam(L->fn, 1);
    L->top = frame_slot(L, VM_FRAME_HEADER_SLOTS + nvals);
    LLVMValueRef sslimit = LLVMBuildLoad2(
        L->b, L->t_ptr, ctx_field(L, VM_CTX_SS_LIMIT_INDEX, "sslimit.addr"), "ss.limit");
    LLVMValueRef full = LLVMBuildICmp(L->b, LLVMIntUGT, L->top, sslimit, "ss.full");
    overflow_block(L, LLVMBuildOr(L->b, deep, full, "overflow"));
    /* 2. the frame's descriptor */
    LLVMBuildStore(L->b, desc, frame_slot(L, VM_FRAME_DESC_SLOT));
    /* 3. registers: parameters are rooted in their slots; the other val
     * registers start as nil, but their slots are not cleared: a stale word
     * there is only ever scanned conservatively (docs/gc.md). */
    for (uint32_t r = 0; r < f->nregs; r++) {
        vm_type_t t = (vm_type_t)f->reg_types[r];
        if (r < f->nparams) {
            lw_set(L, r, LLVMGetParam(L->fn, r + VM_HIDDEN_ARGS));
            continue;
        }
        LLVMValueRef init = t == TY_F64   ? LLVMConstReal(L->t_f64, 0.0)
                            : t == TY_VAL ? lw_i64(L, (int64_t)VM_NIL)
                                          : lw_i64(L, 0);
        LLVMBuildStore(L->b, init, L->regs[r]);
    }
    /* 4. one reduction per call */
    lw_charge(L);
    LLVMBuildBr(L->b, L->blocks[0]);
}

static void lower_func(lower_t *L, uint32_t fi)
{
    const func_t *f = &L->m->funcs[fi];
    L->f = f;
    L->fn = L->fn_values[fi];
    L->ctx = LLVMGetParam(L->fn, 0);
    L->trap_bb = NULL;
    L->idx = 0;
    LLVMBasicBlockRef entry = lw_block(L, "entry");
    LLVMPositionBuilderAtEnd(L->b, entry);
    L->regs = xmalloc((f->nregs ? f->nregs : 1) * sizeof *L->regs);
    L->val_slot = xmalloc((f->nregs ? f->nregs : 1) * sizeof *L->val_slot);
    uint32_t nvals = 0;
    for (uint32_t r = 0; r < f->nregs; r++) {
        vm_type_t t = (vm_type_t)f->reg_types[r];
        const char *name = f->reg_names[r] ? mod_str(L->m, f->reg_names[r] - 1) : "r";
        L->regs[r] = LLVMBuildAlloca(L->b, lw_type(L, t), name);
        L->val_slot[r] = t == TY_VAL ? nvals++ : UINT32_MAX;
    }
    make_blocks(L);
    size_t len;
    const char *symbol = LLVMGetValueName2(L->fn, &len);
    prologue(L, nvals, make_descriptor(L, f, symbol, nvals));
    for (uint32_t i = 0; i < f->ninstrs; i++) {
        L->idx = i;
        if (L->blocks[i]) {
            LLVMBasicBlockRef cur = LLVMGetInsertBlock(L->b);
            if (!LLVMGetBasicBlockTerminator(cur))
                LLVMBuildBr(L->b, L->blocks[i]);
            LLVMPositionBuilderAtEnd(L->b, L->blocks[i]);
        }
        const instr_t *in = &f->code[i];
        family_of[in->op](L, in);
    }
    free(L->regs);
    free(L->val_slot);
    free(L->blocks);
}

/* vm_program_main(ctx): runs `main`, returns its status (0 for void). */
static void make_entry(lower_t *L, uint32_t fi)
{
    const func_t *f = &L->m->funcs[fi];
    LLVMTypeRef ty = LLVMFunctionType(L->t_i64, &L->t_ptr, 1, 0);
    LLVMValueRef fn = LLVMAddFunction(L->mod, VM_PROGRAM_ENTRY_SYMBOL, ty);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(L->llc, fn, "entry");
    LLVMPositionBuilderAtEnd(L->b, bb);
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
    LLVMValueRef args[VM_HIDDEN_ARGS] = {ctx, LLVMBuildLoad2(L->b, L->t_ptr, ssp_addr, "ssp")};
    LLVMValueRef r =
        LLVMBuildCall2(L->b, L->fn_types[fi], L->fn_values[fi], args, VM_HIDDEN_ARGS, "");
    LLVMBuildRet(L->b, f->ret == TY_VOID ? lw_i64(L, 0) : r);
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
    LLVMTypeRef ctx_fields[VM_CTX_PUBLIC_FIELDS] = {L.t_ptr, L.t_ptr, L.t_i64, L.t_i64};
    L.t_ctx = LLVMStructTypeInContext(llc, ctx_fields, VM_CTX_PUBLIC_FIELDS, 0);
    L.str_globals = xcalloc(m->nstrs ? m->nstrs : 1, sizeof *L.str_globals);
    declare_functions(&L);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        lower_func(&L, i);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (strcmp(mod_str(m, m->funcs[i].name), "main") == 0)
            make_entry(&L, i);
    LLVMDisposeBuilder(L.b);
    free(L.fn_values);
    free(L.fn_types);
    free(L.str_globals);
    return L.mod;
}
