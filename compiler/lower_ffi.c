/*
 * compiler/lower_ffi.c — the foreign-function interface (docs/ffi.md):
 * calls of C functions (ccall), their addresses (cfn), the C entry points
 * of callbacks, and raw memory (load.T, store.T).
 *
 * C types come from abi/ctypes.def. An i64 register narrows to the C
 * integer type and a C integer widens back by its signedness; f32 goes
 * through an f64 register; ptr is an address in an i64 register; cstr and
 * buf pass a string's or byte string's bytes (checked by vm_ffi_arg). Each
 * declaration and call carries the signext/zeroext attributes the target's
 * C calling convention asks for (compiler/target.h), as clang's do.
 *
 * A plain call runs on the process's own stack, which is a worker thread's
 * stack: the callee sees at least RT_STACK_MARGIN bytes below the deepest
 * compiled frame. The shadow-stack top is published first, so a callback
 * pushes its frames above the caller's; an error a callback raised is
 * pending in ctx->exc when the call returns, and is raised there. A
 * blocking call goes through a small job function made for the call site:
 * the arguments travel in a record of words (collected, scanned), and the
 * blocking pool runs the job while the process parks.
 */
#include "lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ctypeinfo_t *ct(uint8_t c)
{
    return &ctype_info[c];
}

/* ---- C types in LLVM ---- */

static LLVMTypeRef c_type(lower_t *L, uint8_t c)
{
    const ctypeinfo_t *t = ct(c);
    switch ((vm_ctype_class_t)t->cls) {
    case CT_VOID: return L->t_void;
    case CT_INT: return LLVMIntTypeInContext(L->llc, t->bits);
    case CT_FLOAT: return t->bits == 32 ? LLVMFloatTypeInContext(L->llc) : L->t_f64;
    case CT_VAL: return L->t_i64;
    case CT_PTR:
    case CT_CSTR:
    case CT_BUF: return L->t_ptr;
    }
    unreachable();
}

/* "signext", "zeroext" or NULL for C type `c` on this target. */
static const char *ext_attr(lower_t *L, uint8_t c)
{
    const ctypeinfo_t *t = ct(c);
    if (t->cls != CT_INT || t->bits == 64 || L->opts.c_int_ext == C_EXT_NONE)
        return NULL;
    if (t->bits == 32)
        return L->opts.c_int_ext == C_EXT_RV64 ? "signext" : NULL;
    return t->is_signed ? "signext" : "zeroext";
}

static void add_attr(lower_t *L, LLVMValueRef fn_or_call, bool call, unsigned idx, const char *a)
{
    if (!a)
        return;
    unsigned k = LLVMGetEnumAttributeKindForName(a, strlen(a));
    LLVMAttributeRef attr = LLVMCreateEnumAttribute(L->llc, k, 0);
    if (call)
        LLVMAddCallSiteAttribute(fn_or_call, idx, attr);
    else
        LLVMAddAttributeAtIndex(fn_or_call, idx, attr);
}

/* The attributes of C function `c` on a declaration, a definition or a
 * call: the return's at index 0, parameter i's at i + 1 (a buf takes two
 * C parameters). */
static void add_c_attrs(lower_t *L, LLVMValueRef v, bool call, const cfunc_t *c)
{
    add_attr(L, v, call, LLVMAttributeReturnIndex, ext_attr(L, c->ret));
    unsigned at = 1;
    for (uint32_t k = 0; k < c->nparams; k++) {
        add_attr(L, v, call, at, ext_attr(L, c->params[k]));
        at += ct(c->params[k])->cls == CT_BUF ? 2 : 1;
    }
}

/* The C function type of `c` (variadic as declared). */
static LLVMTypeRef c_fn_type(lower_t *L, const cfunc_t *c)
{
    LLVMTypeRef *ps = xmalloc((2 * c->nparams + 1) * sizeof *ps);
    unsigned n = 0;
    for (uint32_t k = 0; k < c->nparams; k++) {
        ps[n++] = c_type(L, c->params[k]);
        if (ct(c->params[k])->cls == CT_BUF)
            ps[n++] = L->t_i64; /* size_t */
    }
    LLVMTypeRef ty = LLVMFunctionType(c_type(L, c->ret), ps, n, (c->flags & VM_CF_VARIADIC) != 0);
    free(ps);
    return ty;
}

/* An extern's declaration, on first use. */
static LLVMValueRef extern_fn(lower_t *L, uint32_t ci)
{
    if (L->cf_fn[ci])
        return L->cf_fn[ci];
    const cfunc_t *c = &L->m->cfuncs[ci];
    L->cf_ty[ci] = c_fn_type(L, c);
    LLVMValueRef fn = LLVMAddFunction(L->mod, mod_str(L->m, c->name), L->cf_ty[ci]);
    add_c_attrs(L, fn, false, c);
    return L->cf_fn[ci] = fn;
}

/* ---- values between registers and C ---- */

/* A register's value as C type `c` (not cstr or buf). */
static LLVMValueRef to_c(lower_t *L, LLVMValueRef v, uint8_t c)
{
    const ctypeinfo_t *t = ct(c);
    switch ((vm_ctype_class_t)t->cls) {
    case CT_INT: return t->bits < 64 ? LLVMBuildTrunc(L->b, v, c_type(L, c), "c.int") : v;
    case CT_FLOAT: return t->bits == 32 ? LLVMBuildFPTrunc(L->b, v, c_type(L, c), "c.float") : v;
    case CT_PTR: return LLVMBuildIntToPtr(L->b, v, L->t_ptr, "c.ptr");
    default: return v; /* val */
    }
}

/* A C value of type `c` as the register it lands in (i64 or f64). */
static LLVMValueRef from_c(lower_t *L, LLVMValueRef v, uint8_t c)
{
    const ctypeinfo_t *t = ct(c);
    switch ((vm_ctype_class_t)t->cls) {
    case CT_INT:
        if (t->bits == 64)
            return v;
        return t->is_signed ? LLVMBuildSExt(L->b, v, L->t_i64, "c.sext")
                            : LLVMBuildZExt(L->b, v, L->t_i64, "c.zext");
    case CT_FLOAT: return t->bits == 32 ? LLVMBuildFPExt(L->b, v, L->t_f64, "c.fpext") : v;
    case CT_PTR: return LLVMBuildPtrToInt(L->b, v, L->t_i64, "c.addr");
    default: return v;
    }
}

/* The name of C function `ci` as a C string, for the runtime's messages. */
static LLVMValueRef name_addr(lower_t *L, uint32_t ci)
{
    const char *name = mod_str(L->m, L->m->cfuncs[ci].name);
    LLVMValueRef g = LLVMBuildGlobalStringPtr(L->b, name, "cname");
    return LLVMBuildPtrToInt(L->b, g, L->t_i64, "cname.addr");
}

/* The bytes of a cstr or buf argument in *ptr (NULL for nil) and, for a
 * buf, their length in *len (0 for nil); raises and unwinds on a bad one. */
static void bytes_arg(lower_t *L, uint32_t ci, uint32_t k, LLVMValueRef v, LLVMValueRef *ptr,
                      LLVMValueRef *len)
{
    bool cstr = ct(L->m->cfuncs[ci].params[k])->cls == CT_CSTR;
    LLVMValueRef args[4] = {v, lw_i64(L, cstr), lw_i64(L, k + 1), name_addr(L, ci)};
    lw_call_builtin(L, VM_BUILTIN_ffi_arg, args, 4);
    LLVMValueRef nil = LLVMBuildICmp(L->b, LLVMIntEQ, v, lw_i64(L, (int64_t)VM_NIL), "is.nil");
    LLVMValueRef bytes = LLVMBuildAdd(L->b, v, lw_i64(L, VM_STRING_BYTES_OFFSET), "bytes.addr");
    LLVMValueRef addr = LLVMBuildSelect(L->b, nil, lw_i64(L, 0), bytes, "c.bytes");
    *ptr = LLVMBuildIntToPtr(L->b, addr, L->t_ptr, "c.str");
    if (cstr)
        return;
    /* a nil's length is read from a valid address: the first page is never it */
    LLVMValueRef lenp =
        LLVMBuildIntToPtr(L->b, LLVMBuildAdd(L->b, v, lw_i64(L, VM_STRING_LEN_OFFSET), "len.addr"),
                          L->t_ptr, "len.ptr");
    LLVMBasicBlockRef some = lw_block(L, "buf.some"), join = lw_block(L, "buf.len");
    LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
    LLVMBuildCondBr(L->b, nil, join, some);
    LLVMPositionBuilderAtEnd(L->b, some);
    LLVMValueRef n = LLVMBuildLoad2(L->b, L->t_i64, lenp, "len");
    LLVMBuildBr(L->b, join);
    LLVMPositionBuilderAtEnd(L->b, join);
    LLVMValueRef phi = LLVMBuildPhi(L->b, L->t_i64, "c.len");
    LLVMValueRef vals[2] = {lw_i64(L, 0), n};
    LLVMBasicBlockRef from[2] = {here, some};
    LLVMAddIncoming(phi, vals, from, 2);
    *len = phi;
}

/* The C arguments of a ccall of `ci` in `out`; their count (a buf gives
 * two). A val whose bytes are passed stays in its register's shadow slot
 * through the call, so the collector keeps it. */
static unsigned c_args(lower_t *L, uint32_t ci, const instr_t *in, LLVMValueRef *out)
{
    const cfunc_t *c = &L->m->cfuncs[ci];
    unsigned n = 0;
    for (uint32_t k = 0; k < in->nargs; k++) {
        LLVMValueRef v = lw_get(L, in->args[k]);
        if (k >= c->nparams) { /* past `...`: long or double */
            out[n++] = v;
            continue;
        }
        vm_ctype_class_t cls = (vm_ctype_class_t)ct(c->params[k])->cls;
        if (cls == CT_CSTR || cls == CT_BUF) {
            LLVMValueRef len = NULL;
            bytes_arg(L, ci, k, v, &out[n++], &len);
            if (len)
                out[n++] = len;
            continue;
        }
        out[n++] = to_c(L, v, c->params[k]);
    }
    return n;
}

/* The result of a C call into the destination register, if any. */
static void set_result(lower_t *L, const instr_t *in, const cfunc_t *c, LLVMValueRef r)
{
    if (in->op == OP_CCALL)
        lw_set(L, in->fixed[0].idx, from_c(L, r, c->ret));
}

/* ---- blocking calls ---- */

/* A word (i64) of a C argument, and back. */
static LLVMValueRef c_to_word(lower_t *L, LLVMValueRef v)
{
    LLVMTypeRef t = LLVMTypeOf(v);
    if (t == L->t_ptr)
        return LLVMBuildPtrToInt(L->b, v, L->t_i64, "w.ptr");
    if (t == L->t_f64)
        return LLVMBuildBitCast(L->b, v, L->t_i64, "w.f64");
    if (LLVMGetTypeKind(t) == LLVMFloatTypeKind)
        return LLVMBuildZExt(L->b, LLVMBuildBitCast(L->b, v, L->t_i32, "w.f32"), L->t_i64, "w");
    if (LLVMGetTypeKind(t) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(t) < 64)
        return LLVMBuildZExt(L->b, v, L->t_i64, "w.int");
    return v;
}

static LLVMValueRef word_to_c(lower_t *L, LLVMValueRef w, LLVMTypeRef t)
{
    if (t == L->t_ptr)
        return LLVMBuildIntToPtr(L->b, w, L->t_ptr, "a.ptr");
    if (t == L->t_f64)
        return LLVMBuildBitCast(L->b, w, L->t_f64, "a.f64");
    if (LLVMGetTypeKind(t) == LLVMFloatTypeKind)
        return LLVMBuildBitCast(L->b, LLVMBuildTrunc(L->b, w, L->t_i32, ""), t, "a.f32");
    if (LLVMGetTypeKind(t) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(t) < 64)
        return LLVMBuildTrunc(L->b, w, t, "a.int");
    return w;
}

static LLVMValueRef word_at(lower_t *L, LLVMValueRef rec, unsigned i)
{
    LLVMValueRef idx = lw_i64(L, i);
    return LLVMBuildGEP2(L->b, L->t_i64, rec, &idx, 1, "w.addr");
}

/* void job(ptr rec): rec[0..n) the arguments as words, rec[n] the result. */
static LLVMValueRef make_job(lower_t *L, uint32_t ci, LLVMValueRef callee, LLVMTypeRef fty,
                             LLVMTypeRef *types, unsigned n)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(L->b);
    LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(L->b);
    LLVMSetCurrentDebugLocation2(L->b, NULL); /* code outside a bytecode function */
    char name[160];
    snprintf(name, sizeof name, "vmffi.job.%s.%u", mod_str(L->m, L->m->cfuncs[ci].name),
             L->njobs++);
    LLVMTypeRef jty = LLVMFunctionType(L->t_void, &L->t_ptr, 1, 0);
    LLVMValueRef job = LLVMAddFunction(L->mod, name, jty);
    LLVMSetLinkage(job, LLVMInternalLinkage);
    LLVMPositionBuilderAtEnd(L->b, LLVMAppendBasicBlockInContext(L->llc, job, "entry"));
    LLVMValueRef rec = LLVMGetParam(job, 0);
    LLVMValueRef *args = xmalloc((n ? n : 1) * sizeof *args);
    for (unsigned i = 0; i < n; i++)
        args[i] = word_to_c(L, LLVMBuildLoad2(L->b, L->t_i64, word_at(L, rec, i), "w"), types[i]);
    LLVMValueRef r = LLVMBuildCall2(L->b, fty, callee, args, n, "");
    add_c_attrs(L, r, true, &L->m->cfuncs[ci]);
    if (LLVMGetTypeKind(LLVMTypeOf(r)) != LLVMVoidTypeKind)
        LLVMBuildStore(L->b, c_to_word(L, r), word_at(L, rec, n));
    LLVMBuildRetVoid(L->b);
    free(args);
    LLVMPositionBuilderAtEnd(L->b, here);
    LLVMSetCurrentDebugLocation2(L->b, loc);
    return job;
}

/* The record of words, the job, the blocking pool; the result as a C value
 * of type `rty` (NULL for void). */
static LLVMValueRef blocking_call(lower_t *L, uint32_t ci, const instr_t *in, LLVMValueRef fn,
                                  LLVMValueRef *args, unsigned n)
{
    const cfunc_t *c = &L->m->cfuncs[ci];
    LLVMTypeRef *types = xmalloc((n ? n : 1) * sizeof *types);
    for (unsigned i = 0; i < n; i++)
        types[i] = LLVMTypeOf(args[i]);
    LLVMValueRef job = make_job(L, ci, fn, L->cf_ty[ci], types, n);
    free(types);
    /* words: the arguments, the result, and the vals the arguments point
     * into (the record is scanned: they stay alive while the job runs) */
    LLVMValueRef nw = lw_i64(L, n + 1 + in->nargs);
    LLVMValueRef rec =
        LLVMBuildIntToPtr(L->b, lw_call_builtin(L, VM_BUILTIN_ffi_job, &nw, 1), L->t_ptr, "rec");
    for (unsigned i = 0; i < n; i++)
        LLVMBuildStore(L->b, c_to_word(L, args[i]), word_at(L, rec, i));
    for (uint32_t k = 0; k < in->nargs; k++)
        if (L->f->reg_types[in->args[k]] == TY_VAL)
            LLVMBuildStore(L->b, lw_get(L, in->args[k]), word_at(L, rec, n + 1 + k));
    LLVMValueRef b_args[2] = {LLVMBuildPtrToInt(L->b, job, L->t_i64, "job"),
                              LLVMBuildPtrToInt(L->b, rec, L->t_i64, "rec.addr")};
    lw_call_builtin(L, VM_BUILTIN_ffi_blocking, b_args, 2);
    if (ct(c->ret)->cls == CT_VOID)
        return NULL;
    return word_to_c(L, LLVMBuildLoad2(L->b, L->t_i64, word_at(L, rec, n), "result"),
                     c_type(L, c->ret));
}

/* ---- ccall, cfn ---- */

static void ccall(lower_t *L, const instr_t *in, uint32_t ci)
{
    const cfunc_t *c = &L->m->cfuncs[ci];
    LLVMValueRef fn = extern_fn(L, ci);
    lw_store_line(L);
    LLVMValueRef *args = xmalloc((2 * in->nargs + 1) * sizeof *args);
    unsigned n = c_args(L, ci, in, args);
    LLVMValueRef r;
    if (c->flags & VM_CF_BLOCKING) {
        r = blocking_call(L, ci, in, fn, args, n);
    } else {
        /* A callback pushes its frames from here: the runtime sees this
         * frame's top, and the line stored above, in its traces. */
        lw_publish_ssp(L);
        r = LLVMBuildCall2(L->b, L->cf_ty[ci], fn, args, n, "");
        add_c_attrs(L, r, true, c);
        lw_check_exc(L, NULL);
    }
    free(args);
    if (r)
        set_result(L, in, c, r);
}

/* ---- callbacks: C entry points into bytecode functions ---- */

/* The C function a callback is: it finds the process the C call runs in,
 * converts its C arguments to words, calls the bytecode function with the
 * uniform prototype above the caller's frames, and converts the result.
 * While an error is pending (a callback raised earlier in the same C call)
 * it returns 0 at once. */
static LLVMValueRef make_callback(lower_t *L, uint32_t ci)
{
    const module_t *m = L->m;
    const cfunc_t *c = &m->cfuncs[ci];
    L->cf_ty[ci] = c_fn_type(L, c);
    buf_t name = {0};
    if (c->flags & VM_CF_EXPORTED)
        buf_printf(&name, "%s", mod_str(m, c->name));
    else
        buf_printf(&name, "%s.callback.%s", mod_str(m, m->name), mod_str(m, c->name));
    buf_byte(&name, 0);
    LLVMValueRef fn = LLVMAddFunction(L->mod, (const char *)name.data, L->cf_ty[ci]);
    if (!(c->flags & VM_CF_EXPORTED))
        lw_module_private(L, fn, (const char *)name.data);
    buf_free(&name);
    add_c_attrs(L, fn, false, c);
    unsigned k = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(L->llc, k, 0));
    L->cf_fn[ci] = fn;
    if (L->opts.part != 0) /* a split module's callbacks are defined in its first part */
        return fn;

    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(L->llc, fn, "entry");
    LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(L->llc, fn, "run");
    LLVMBasicBlockRef skip = LLVMAppendBasicBlockInContext(L->llc, fn, "pending");
    LLVMPositionBuilderAtEnd(L->b, entry);
    LLVMTypeRef ety;
    LLVMValueRef enter = lw_builtin_fn(L, VM_BUILTIN_ffi_enter, &ety);
    LLVMValueRef cname = LLVMBuildPtrToInt(
        L->b, LLVMBuildGlobalStringPtr(L->b, mod_str(m, c->name), "cbname"), L->t_i64, "");
    LLVMValueRef eargs[2] = {LLVMConstNull(L->t_ptr), cname};
    LLVMValueRef ctx = LLVMBuildIntToPtr(
        L->b, LLVMBuildCall2(L->b, ety, enter, eargs, 2, "ctx.addr"), L->t_ptr, "ctx");
    LLVMValueRef exc = LLVMBuildLoad2(
        L->b, L->t_i64, LLVMBuildStructGEP2(L->b, L->t_ctx, ctx, VM_CTX_EXC_INDEX, ""), "exc");
    LLVMBuildCondBr(L->b, LLVMBuildICmp(L->b, LLVMIntNE, exc, lw_i64(L, 0), "raised"), skip, run);
    LLVMTypeRef rty = c_type(L, c->ret);
    LLVMPositionBuilderAtEnd(L->b, skip);
    if (ct(c->ret)->cls == CT_VOID)
        LLVMBuildRetVoid(L->b);
    else
        LLVMBuildRet(L->b, LLVMConstNull(rty));

    LLVMPositionBuilderAtEnd(L->b, run);
    LLVMValueRef ssp_addr = LLVMBuildStructGEP2(L->b, L->t_ctx, ctx, VM_CTX_SSP_INDEX, "ssp.addr");
    LLVMValueRef ssp = LLVMBuildLoad2(L->b, L->t_ptr, ssp_addr, "ssp");
    LLVMValueRef all[VM_HIDDEN_ARGS + VM_REG_ARGS] = {ctx, ssp};
    for (unsigned i = 0; i < VM_REG_ARGS; i++)
        all[VM_HIDDEN_ARGS + i] = LLVMGetPoison(L->t_i64);
    for (uint32_t i = 0; i < c->nparams; i++) {
        LLVMValueRef w = lw_to_word(L, from_c(L, LLVMGetParam(fn, i), c->params[i]));
        if (i < VM_REG_ARGS) {
            all[VM_HIDDEN_ARGS + i] = w;
            continue;
        }
        LLVMValueRef idx = lw_i64(L, VM_FRAME_HEADER_SLOTS + (i - VM_REG_ARGS));
        LLVMBuildStore(L->b, w, LLVMBuildGEP2(L->b, L->t_i64, ssp, &idx, 1, "sarg"));
    }
    LLVMValueRef r = LLVMBuildCall2(L->b, L->t_fn, L->fn_values[c->target], all,
                                    VM_HIDDEN_ARGS + VM_REG_ARGS, "r");
    LLVMBuildStore(L->b, ssp, ssp_addr); /* the callee published its own frames' top */
    vm_type_t ret = m->funcs[c->target].ret;
    if (ct(c->ret)->cls == CT_VOID) {
        LLVMBuildRetVoid(L->b);
    } else {
        LLVMValueRef v = lw_from_word(L, r, ret);
        LLVMBuildRet(L->b, to_c(L, v, c->ret));
    }
    return fn;
}

static LLVMValueRef cfunc_value(lower_t *L, uint32_t ci)
{
    return L->m->cfuncs[ci].flags & VM_CF_CALLBACK ? L->cf_fn[ci] : extern_fn(L, ci);
}

void lw_ffi_begin_module(lower_t *L)
{
    const module_t *m = L->m;
    L->cf_fn = xcalloc(m->ncfuncs ? m->ncfuncs : 1, sizeof *L->cf_fn);
    L->cf_ty = xcalloc(m->ncfuncs ? m->ncfuncs : 1, sizeof *L->cf_ty);
    for (uint32_t i = 0; i < m->ncfuncs; i++)
        if (m->cfuncs[i].flags & VM_CF_CALLBACK)
            make_callback(L, i);
}

void lw_ffi_end_module(lower_t *L)
{
    free(L->cf_fn);
    free(L->cf_ty);
}

/* ---- raw memory ---- */

static void load_op(lower_t *L, const instr_t *in, uint8_t c)
{
    LLVMValueRef addr =
        LLVMBuildAdd(L->b, lw_get(L, in->fixed[1].idx), lw_i64(L, in->fixed[2].i), "mem.addr");
    LLVMValueRef p = LLVMBuildIntToPtr(L->b, addr, L->t_ptr, "mem.ptr");
    LLVMValueRef v = LLVMBuildLoad2(L->b, c_type(L, c), p, "mem.load");
    LLVMSetAlignment(v, 1); /* C data need not be aligned: unaligned loads are allowed */
    lw_set(L, in->fixed[0].idx, from_c(L, v, c));
}

static void store_op(lower_t *L, const instr_t *in, uint8_t c)
{
    LLVMValueRef addr =
        LLVMBuildAdd(L->b, lw_get(L, in->fixed[0].idx), lw_i64(L, in->fixed[1].i), "mem.addr");
    LLVMValueRef p = LLVMBuildIntToPtr(L->b, addr, L->t_ptr, "mem.ptr");
    LLVMValueRef s = LLVMBuildStore(L->b, to_c(L, lw_get(L, in->fixed[2].idx), c), p);
    LLVMSetAlignment(s, 1);
}

void lower_ffi(lower_t *L, const instr_t *in)
{
    switch ((vm_opcode_t)in->op) {
    case OP_CCALL: ccall(L, in, in->fixed[1].idx); break;
    case OP_CCALL_VOID: ccall(L, in, in->fixed[0].idx); break;
    case OP_CFN:
        lw_set(L, in->fixed[0].idx,
               LLVMBuildPtrToInt(L->b, cfunc_value(L, in->fixed[1].idx), L->t_i64, "cfn"));
        break;
    case OP_LOAD_I8: load_op(L, in, VM_CT_I8); break;
    case OP_LOAD_U8: load_op(L, in, VM_CT_U8); break;
    case OP_LOAD_I16: load_op(L, in, VM_CT_I16); break;
    case OP_LOAD_U16: load_op(L, in, VM_CT_U16); break;
    case OP_LOAD_I32: load_op(L, in, VM_CT_I32); break;
    case OP_LOAD_U32: load_op(L, in, VM_CT_U32); break;
    case OP_LOAD_I64: load_op(L, in, VM_CT_I64); break;
    case OP_LOAD_F32: load_op(L, in, VM_CT_F32); break;
    case OP_LOAD_F64: load_op(L, in, VM_CT_F64); break;
    case OP_STORE_I8: store_op(L, in, VM_CT_I8); break;
    case OP_STORE_I16: store_op(L, in, VM_CT_I16); break;
    case OP_STORE_I32: store_op(L, in, VM_CT_I32); break;
    case OP_STORE_I64: store_op(L, in, VM_CT_I64); break;
    case OP_STORE_F32: store_op(L, in, VM_CT_F32); break;
    case OP_STORE_F64: store_op(L, in, VM_CT_F64); break;
    default: unreachable();
    }
}
