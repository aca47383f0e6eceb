/*
 * compiler/verify.c — the verifier: the safety boundary between bytecode
 * and the lowering. A module that passes cannot make the lowering (or
 * LLVM) fail. The rules (docs/bytecode.md, "Verifier"):
 *
 *   - names: module and function names are identifiers; function names and
 *     register names are unique; `main`, if present, is `() -> i64` or
 *     `() -> void`;
 *   - every operand has the kind and register type its opcode's letter asks
 *     for; registers, strings, functions and jump targets exist;
 *   - calls match the callee's arity and parameter types, and the
 *     destination has the callee's return type; `callb` names a builtin
 *     of abi/builtins.def that is not internal to the runtime;
 *   - `ret.T` matches the function's return type; `tailcall` targets
 *     return the caller's type, `tailcall.v` is only in val functions;
 *   - function values (fn.ref, closure) name functions with val parameters
 *     and a val result; closure passes exactly the target's captures, and a
 *     function with captures is never called directly;
 *   - try regions are non-empty ranges of the function whose handler lies
 *     outside the range and starts with `catch`; `catch` appears nowhere
 *     else;
 *   - imports name "module.function" of another module;
 *   - dependencies (`.dep`) have valid names, each once, and kinds that
 *     abi/di.h parses;
 *   - C functions (docs/ffi.md) have C names (not vm_*, the runtime's),
 *     each once, and C types of abi/ctypes.def where they may stand;
 *     a callback calls a function of the module without captures whose
 *     registers carry its C types; `ccall` calls externs only, with
 *     arguments in the registers of the C parameter types (the extra
 *     arguments of a variadic one in i64 or f64 registers);
 *   - control never runs off the end of a function, so every path ends in
 *     a return of the declared type (or loops forever).
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/builtins.h"
#include "../abi/di.h"
#include "diag.h"

#define MAX_ERRORS 20

typedef struct vctx {
    const module_t *m;
    const func_t *f;
    unsigned errors;
    bool *fn_seen;   /* per string index: used as a function name */
    bool *cf_ok;     /* per C function: well formed (ccall may look at it) */
    uint32_t *stamp; /* per string index: function index + 1 that named a register so */
} vctx_t;

/* True if string `s` already names a function; marks it. */
static bool fn_name_seen(vctx_t *v, uint32_t s)
{
    if (s >= v->m->nstrs)
        return false;
    bool was = v->fn_seen[s];
    v->fn_seen[s] = true;
    return was;
}

/* True if string `s` already names a register of function `fi`; marks it. */
static bool reg_name_seen(vctx_t *v, uint32_t fi, uint32_t s)
{
    if (s >= v->m->nstrs)
        return false;
    bool was = v->stamp[s] == fi + 1;
    v->stamp[s] = fi + 1;
    return was;
}

PRINTF_LIKE(3, 4) static void err(vctx_t *v, src_loc_t loc, const char *fmt, ...)
{
    if (v->errors++ >= MAX_ERRORS)
        return;
    va_list ap;
    va_start(ap, fmt);
    diag_vat(v->m, loc, fmt, ap);
    va_end(ap);
}

static const char *reg_name(const vctx_t *v, uint32_t r, char *buf, size_t cap)
{
    if (r < v->f->nregs && v->f->reg_names[r])
        snprintf(buf, cap, "%%%s", mod_str(v->m, v->f->reg_names[r] - 1));
    else
        snprintf(buf, cap, "%%r%u", r);
    return buf;
}

/* A register operand of the wanted type (TY_VOID: any type). */
static bool check_reg(vctx_t *v, const instr_t *in, unsigned k, uint32_t r, vm_type_t want)
{
    const char *mn = op_info[in->op].mnemonic;
    if (r >= v->f->nregs) {
        err(v, in->loc, "%s: operand %u: register %u does not exist (the function has %u)", mn,
            k + 1, r, v->f->nregs);
        return false;
    }
    vm_type_t have = (vm_type_t)v->f->reg_types[r];
    if (want != TY_VOID && have != want) {
        char nb[80];
        err(v, in->loc, "%s: operand %u must be a%s %s register; %s is %s", mn, k + 1,
            want == TY_I64 ? "n" : "", type_name(want), reg_name(v, r, nb, sizeof nb),
            type_name(have));
        return false;
    }
    return true;
}

/* Arguments and destination of a call against a signature. */
static void check_call(vctx_t *v, const instr_t *in, const char *callee, vm_type_t ret,
                       uint32_t nparams, const vm_type_t *params, bool has_dst)
{
    const char *mn = op_info[in->op].mnemonic;
    if (in->nargs != nparams) {
        err(v, in->loc, "%s: '%s' takes %u argument%s, %u given", mn, callee, nparams,
            nparams == 1 ? "" : "s", in->nargs);
        return;
    }
    for (uint32_t a = 0; a < in->nargs; a++) {
        uint32_t r = in->args[a];
        if (r >= v->f->nregs) {
            err(v, in->loc, "%s: argument %u: register %u does not exist", mn, a + 1, r);
            continue;
        }
        if (v->f->reg_types[r] != params[a]) {
            char nb[80];
            err(v, in->loc, "%s: argument %u of '%s' must be %s; %s is %s", mn, a + 1, callee,
                type_name(params[a]), reg_name(v, r, nb, sizeof nb),
                type_name((vm_type_t)v->f->reg_types[r]));
        }
    }
    if (!has_dst)
        return;
    if (ret == TY_VOID) {
        err(v, in->loc, "%s: '%s' returns nothing; use %s.void", mn, callee, mn);
        return;
    }
    uint32_t d = in->fixed[0].idx;
    if (d < v->f->nregs && v->f->reg_types[d] != ret) {
        char nb[80];
        err(v, in->loc, "%s: '%s' returns %s but %s is %s", mn, callee, type_name(ret),
            reg_name(v, d, nb, sizeof nb), type_name((vm_type_t)v->f->reg_types[d]));
    }
}

static const func_t *callee_of(vctx_t *v, const instr_t *in, uint32_t fidx)
{
    if (fidx < v->m->nfuncs)
        return &v->m->funcs[fidx];
    err(v, in->loc, "%s: function %u does not exist", op_info[in->op].mnemonic, fidx);
    return NULL;
}

/* Function values take and return vals only. */
static bool is_value_fn(const func_t *f)
{
    if (f->ret != TY_VAL || f->nparams + f->ncaptures > f->nregs)
        return false;
    for (uint32_t i = 0; i < f->nparams + f->ncaptures; i++)
        if (f->reg_types[i] != TY_VAL)
            return false;
    return true;
}

static void check_fn_value(vctx_t *v, const instr_t *in, uint32_t fidx, bool closure)
{
    const char *mn = op_info[in->op].mnemonic;
    const func_t *f = callee_of(v, in, fidx);
    if (!f)
        return;
    const char *name = mod_str(v->m, f->name);
    if (!is_value_fn(f))
        err(v, in->loc, "%s: '%s' must take only val parameters and return val to be a value", mn,
            name);
    if (!closure && f->ncaptures)
        err(v, in->loc, "fn.ref: '%s' has %u capture%s; make it with closure", name, f->ncaptures,
            f->ncaptures == 1 ? "" : "s");
    if (closure && in->nargs != f->ncaptures)
        err(v, in->loc, "closure: '%s' has %u capture%s, %u given", name, f->ncaptures,
            f->ncaptures == 1 ? "" : "s", in->nargs);
}

/* Arguments that must all be val registers (call.v, closure, tuple.new). */
static void check_val_args(vctx_t *v, const instr_t *in)
{
    const char *mn = op_info[in->op].mnemonic;
    if (in->nargs > VM_MAX_CALL_ARGS)
        err(v, in->loc, "%s: %u arguments; at most %d", mn, in->nargs, VM_MAX_CALL_ARGS);
    for (uint32_t a = 0; a < in->nargs; a++) {
        uint32_t r = in->args[a];
        if (r >= v->f->nregs)
            err(v, in->loc, "%s: argument %u: register %u does not exist", mn, a + 1, r);
        else if (v->f->reg_types[r] != TY_VAL) {
            char nb[80];
            err(v, in->loc, "%s: argument %u must be a val register; %s is %s", mn, a + 1,
                reg_name(v, r, nb, sizeof nb), type_name((vm_type_t)v->f->reg_types[r]));
        }
    }
}

static void check_user_call(vctx_t *v, const instr_t *in, uint32_t fidx, bool has_dst)
{
    const func_t *callee = callee_of(v, in, fidx);
    if (!callee)
        return;
    if (callee->ncaptures) {
        err(v, in->loc, "%s: '%s' has captures: call it through a closure with call.v",
            op_info[in->op].mnemonic, mod_str(v->m, callee->name));
        return;
    }
    if (in->op == OP_TAILCALL && callee->ret != v->f->ret) {
        err(v, in->loc, "tailcall: '%s' returns %s but '%s' returns %s",
            mod_str(v->m, callee->name), type_name(callee->ret), mod_str(v->m, v->f->name),
            type_name(v->f->ret));
        return;
    }
    vm_type_t params[VM_MAX_PARAMS];
    bool ok = callee->nparams <= VM_MAX_PARAMS && callee->nparams <= callee->nregs;
    for (uint32_t i = 0; ok && i < callee->nparams; i++)
        params[i] = (vm_type_t)callee->reg_types[i];
    if (ok)
        check_call(v, in, mod_str(v->m, callee->name), callee->ret, callee->nparams, params,
                   has_dst);
}

static void check_builtin_call(vctx_t *v, const instr_t *in, uint32_t name, bool has_dst)
{
    const char *mn = op_info[in->op].mnemonic;
    if (name >= v->m->nstrs) {
        err(v, in->loc, "%s: string %u does not exist", mn, name);
        return;
    }
    const vstr_t *s = &v->m->strs[name];
    const builtin_info_t *b = builtin_lookup(s->s, s->len);
    if (!b) {
        err(v, in->loc, "%s: unknown builtin '%s'", mn, s->s);
        return;
    }
    if (b->effects & EF_INTERNAL) {
        err(v, in->loc, "%s: builtin '%s' is internal to the runtime; use the instruction", mn,
            s->s);
        return;
    }
    check_call(v, in, b->name, b->ret, b->nparams, b->params, has_dst);
}

/* The name of a label of the current function at instruction index t, or NULL. */
/* ---- C functions ---- */

static const char *ctype_name(uint8_t c)
{
    return c < VM_CT_COUNT ? ctype_info[c].name : "?";
}

/* `ccall`, `ccall.void` of C function `ci`; `d`: the destination or NULL. */
static void check_ccall(vctx_t *v, const instr_t *in, uint32_t ci, const uint32_t *d)
{
    const char *mn = op_info[in->op].mnemonic;
    const cfunc_t *c = &v->m->cfuncs[ci];
    const char *name = mod_str(v->m, c->name);
    if (!v->cf_ok[ci])
        return; /* reported with the declaration */
    if (c->flags & VM_CF_CALLBACK) {
        err(v, in->loc,
            "%s: '%s' is a callback (a C entry point into this module): call its "
            "function, or pass its address (cfn)",
            mn, name);
        return;
    }
    bool variadic = c->flags & VM_CF_VARIADIC;
    if (in->nargs < c->nparams || (!variadic && in->nargs != c->nparams)) {
        err(v, in->loc, "%s: '%s' takes %s%u argument%s, %u given", mn, name,
            variadic ? "at least " : "", c->nparams, c->nparams == 1 ? "" : "s", in->nargs);
        return;
    }
    for (uint32_t a = 0; a < in->nargs; a++) {
        uint32_t r = in->args[a];
        char nb[80];
        if (r >= v->f->nregs) {
            err(v, in->loc, "%s: argument %u: register %u does not exist", mn, a + 1, r);
            continue;
        }
        vm_type_t have = (vm_type_t)v->f->reg_types[r];
        if (a >= c->nparams) {
            if (have == TY_VAL)
                err(v, in->loc,
                    "%s: argument %u of '%s' is past its parameters (...): it must be i64 or f64; "
                    "%s is val",
                    mn, a + 1, name, reg_name(v, r, nb, sizeof nb));
            continue;
        }
        vm_type_t want = ctype_info[c->params[a]].reg;
        if (have != want)
            err(v, in->loc, "%s: argument %u of '%s' (%s) must be %s; %s is %s", mn, a + 1, name,
                ctype_name(c->params[a]), type_name(want), reg_name(v, r, nb, sizeof nb),
                type_name(have));
    }
    if (!d)
        return;
    vm_type_t ret = ctype_info[c->ret].reg;
    if (ret == TY_VOID) {
        err(v, in->loc, "%s: '%s' returns void; use ccall.void", mn, name);
        return;
    }
    if (*d < v->f->nregs && v->f->reg_types[*d] != ret) {
        char nb[80];
        /* "returns u32 (an i64)", but not "returns f64 (f64)" */
        char as[24] = "";
        if (strcmp(ctype_name(c->ret), type_name(ret)) != 0)
            snprintf(as, sizeof as, " (%s)", type_name(ret));
        err(v, in->loc, "%s: '%s' returns %s%s but %s is %s", mn, name, ctype_name(c->ret), as,
            reg_name(v, *d, nb, sizeof nb), type_name((vm_type_t)v->f->reg_types[*d]));
    }
}

static bool check_cfunc_types(vctx_t *v, const cfunc_t *c, const char *name)
{
    bool ok = true, callback = c->flags & VM_CF_CALLBACK;
    if (c->ret >= VM_CT_COUNT || ctype_info[c->ret].cls == CT_CSTR ||
        ctype_info[c->ret].cls == CT_BUF) {
        err(v, c->loc, "C function '%s': %s is not a return type", name, ctype_name(c->ret));
        ok = false;
    }
    for (uint32_t k = 0; k < c->nparams; k++) {
        uint8_t t = c->params[k];
        const char *why = NULL;
        if (t >= VM_CT_COUNT)
            why = "an unknown C type";
        else if (ctype_info[t].cls == CT_VOID)
            why = "void (write () for no parameters)";
        else if (callback && ctype_info[t].cls == CT_CSTR)
            why = "cstr, which a callback cannot take (C passes a pointer: use ptr)";
        else if (callback && ctype_info[t].cls == CT_BUF)
            why = "buf, which a callback cannot take (C passes a pointer: use ptr)";
        if (why) {
            err(v, c->loc, "C function '%s': parameter %u is %s", name, k + 1, why);
            ok = false;
        }
    }
    return ok;
}

/* A callback's function takes and returns what its C types carry. */
static bool check_callback(vctx_t *v, const cfunc_t *c, const char *name)
{
    if (c->target >= v->m->nfuncs) {
        err(v, c->loc, "callback '%s': function %u does not exist", name, c->target);
        return false;
    }
    const func_t *f = &v->m->funcs[c->target];
    const char *fname = mod_str(v->m, f->name);
    if (f->ncaptures) {
        err(v, c->loc, "callback '%s': '%s' has captures", name, fname);
        return false;
    }
    if (f->nparams != c->nparams) {
        err(v, c->loc, "callback '%s' has %u parameter%s but '%s' takes %u", name, c->nparams,
            c->nparams == 1 ? "" : "s", fname, f->nparams);
        return false;
    }
    bool ok = true;
    for (uint32_t k = 0; k < c->nparams; k++)
        if (f->reg_types[k] != ctype_info[c->params[k]].reg) {
            err(v, c->loc, "callback '%s': parameter %u is %s, so '%s' must take %s there, not %s",
                name, k + 1, ctype_name(c->params[k]), fname,
                type_name(ctype_info[c->params[k]].reg), type_name((vm_type_t)f->reg_types[k]));
            ok = false;
        }
    if (f->ret != ctype_info[c->ret].reg) {
        err(v, c->loc, "callback '%s' returns %s, so '%s' must return %s, not %s", name,
            ctype_name(c->ret), fname, type_name(ctype_info[c->ret].reg), type_name(f->ret));
        ok = false;
    }
    return ok;
}

static void check_cfuncs(vctx_t *v)
{
    const module_t *m = v->m;
    for (uint32_t i = 0; i < m->ncfuncs; i++) {
        const cfunc_t *c = &m->cfuncs[i];
        if (c->name >= m->nstrs) {
            err(v, c->loc, "C function %u: string index out of range", i);
            continue;
        }
        const char *name = mod_str(m, c->name);
        bool ok = true;
        if (!is_identifier(name, strlen(name), false)) {
            err(v, c->loc, "'%s' is not a valid C function name", name);
            ok = false;
        } else if (strncmp(name, "vm_", 3) == 0) {
            err(v, c->loc, "C function '%s': names starting vm_ are the runtime's", name);
            ok = false;
        }
        for (uint32_t j = 0; j < i; j++)
            if (m->cfuncs[j].name == c->name) {
                err(v, c->loc, "C function '%s' is declared twice", name);
                ok = false;
                break;
            }
        uint8_t fl = c->flags;
        if ((fl & VM_CF_CALLBACK) ? (fl & (VM_CF_BLOCKING | VM_CF_VARIADIC)) != 0
                                  : (fl & VM_CF_EXPORTED) != 0) {
            err(v, c->loc, "C function '%s': %s", name,
                fl & VM_CF_CALLBACK ? "a callback cannot be blocking or variadic"
                                    : "only a callback can be exported");
            ok = false;
        }
        ok = check_cfunc_types(v, c, name) && ok;
        if (ok && (fl & VM_CF_CALLBACK))
            ok = check_callback(v, c, name);
        v->cf_ok[i] = ok;
    }
}

static const char *label_at(const vctx_t *v, uint32_t t)
{
    for (uint32_t i = 0; i < v->f->nlabels; i++)
        if (v->f->labels[i].target == t && v->f->labels[i].name < v->m->nstrs)
            return mod_str(v->m, v->f->labels[i].name);
    return NULL;
}

static void check_instr(vctx_t *v, uint32_t idx)
{
    const func_t *f = v->f;
    const instr_t *in = &f->code[idx];
    if (in->op >= OP_COUNT) {
        err(v, in->loc, "unknown opcode 0x%02x", in->op);
        return;
    }
    const opinfo_t *oi = &op_info[in->op];
    bool ok = true;
    for (unsigned k = 0; k < oi->nfixed; k++) {
        const opndinfo_t *od = opnd_of(oi->operands[k]);
        uint32_t x = in->fixed[k].idx;
        switch ((vm_opnd_class_t)od->cls) {
        case OPK_REG: ok &= check_reg(v, in, k, x, (vm_type_t)od->type); break;
        case OPK_LABEL:
            if (x >= f->ninstrs) {
                const char *label = x == f->ninstrs ? label_at(v, x) : NULL;
                if (label)
                    err(v, in->loc,
                        "%s: label '%s' ends function '%s', with no instruction after it",
                        oi->mnemonic, label, mod_str(v->m, f->name));
                else
                    err(v, in->loc, "%s: jump target %u is outside the function (%u instruction%s)",
                        oi->mnemonic, x, f->ninstrs, f->ninstrs == 1 ? "" : "s");
                ok = false;
            }
            break;
        case OPK_STRING:
        case OPK_BUILTIN:
            if (x >= v->m->nstrs) {
                err(v, in->loc, "%s: string %u does not exist", oi->mnemonic, x);
                ok = false;
            }
            break;
        case OPK_CFUNC:
            if (x >= v->m->ncfuncs) {
                err(v, in->loc, "%s: C function %u does not exist (%u declared)", oi->mnemonic, x,
                    v->m->ncfuncs);
                ok = false;
            }
            break;
        case OPK_INT:   /* const.int and tuple.get: below; others: any value */
        case OPK_FLOAT: /* any value */
        case OPK_FUNC:  /* the calls and function values: below */
        case OPK_ARGS:  /* not a fixed operand */
        case OPK_NONE: break;
        }
    }
    if (!ok)
        return;
    switch ((vm_opcode_t)in->op) {
    case OP_CALL: check_user_call(v, in, in->fixed[1].idx, true); break;
    case OP_CALL_VOID:
    case OP_TAILCALL: check_user_call(v, in, in->fixed[0].idx, false); break;
    case OP_FN_REF: check_fn_value(v, in, in->fixed[1].idx, false); break;
    case OP_CLOSURE:
        check_val_args(v, in);
        check_fn_value(v, in, in->fixed[1].idx, true);
        break;
    case OP_CALL_V:
    case OP_TUPLE_NEW: check_val_args(v, in); break;
    case OP_TAILCALL_V:
        check_val_args(v, in);
        if (f->ret != TY_VAL)
            err(v, in->loc, "tailcall.v in a function that returns %s (function values return val)",
                type_name(f->ret));
        break;
    case OP_TUPLE_GET:
        if (in->fixed[2].i < 0 || in->fixed[2].i > (int64_t)UINT32_MAX)
            err(v, in->loc, "tuple.get: item %lld is out of range", (long long)in->fixed[2].i);
        break;
    case OP_CATCH: {
        bool handler = false;
        for (uint32_t t = 0; t < f->ntries; t++)
            handler |= f->tries[t].handler == idx;
        if (!handler)
            err(v, in->loc, "catch: only the first instruction of a try handler may catch");
        break;
    }
    case OP_CCALL: check_ccall(v, in, in->fixed[1].idx, &in->fixed[0].idx); break;
    case OP_CCALL_VOID: check_ccall(v, in, in->fixed[0].idx, NULL); break;
    case OP_CALLB: check_builtin_call(v, in, in->fixed[1].idx, true); break;
    case OP_CALLB_VOID: check_builtin_call(v, in, in->fixed[0].idx, false); break;
    case OP_DIVI_I64:
    case OP_REMI_I64:
        if (in->fixed[2].i == 0)
            err(v, in->loc, "%s: division by the constant 0", oi->mnemonic);
        break;
    case OP_CONST_INT:
        if (!val_int_fits(in->fixed[1].i))
            err(v, in->loc, "const.int: %lld is outside the small-int range [%lld, %lld]",
                (long long)in->fixed[1].i, (long long)VM_INT_MIN, (long long)VM_INT_MAX);
        break;
    case OP_RET:
    case OP_RET_I64:
    case OP_RET_F64:
    case OP_RET_VAL: {
        vm_type_t t = in->op == OP_RET       ? TY_VOID
                      : in->op == OP_RET_I64 ? TY_I64
                      : in->op == OP_RET_F64 ? TY_F64
                                             : TY_VAL;
        if (t != f->ret)
            err(v, in->loc, "%s in a function that returns %s", oi->mnemonic, type_name(f->ret));
        break;
    }
    default: break;
    }
}

static void check_tries(vctx_t *v)
{
    const func_t *f = v->f;
    if (!f->ntries)
        return;
    bool *handler = xcalloc(f->ninstrs + 1, sizeof *handler);
    int32_t *depth = xcalloc(f->ninstrs + 1, sizeof *depth); /* +1 at starts, -1 at ends */
    for (uint32_t t = 0; t < f->ntries; t++) {
        const try_region_t *r = &f->tries[t];
        if (r->start >= r->end || r->end > f->ninstrs || r->handler >= f->ninstrs) {
            err(v, r->loc,
                ".try: the region [%u, %u) with handler %u is empty or outside the function",
                r->start, r->end, r->handler);
            continue;
        }
        handler[r->handler] = true;
        depth[r->start]++;
        depth[r->end]--;
        if (r->handler >= r->start && r->handler < r->end)
            err(v, r->loc, ".try: the handler lies inside its own region");
        if (f->code[r->handler].op != OP_CATCH)
            err(v, r->loc, ".try: the handler must start with catch");
        /* only an error enters a handler: no fall-through (jumps below) */
        const instr_t *before = r->handler ? &f->code[r->handler - 1] : NULL;
        if (!before || (before->op < OP_COUNT && !(op_info[before->op].flags & OPF_TERM)))
            err(v, r->loc,
                ".try: control falls into the handler; end the code before it with a jump or "
                "return");
    }
    int32_t covered = 0;
    for (uint32_t i = 0; i < f->ninstrs; i++) {
        const instr_t *in = &f->code[i];
        covered += depth[i];
        if (in->op >= OP_COUNT)
            continue;
        const opinfo_t *oi = &op_info[in->op];
        for (unsigned k = 0; k < oi->nfixed; k++)
            if (opnd_of(oi->operands[k])->cls == OPK_LABEL && in->fixed[k].idx < f->ninstrs &&
                handler[in->fixed[k].idx])
                err(v, in->loc, "%s: jumps to a try handler; only an error enters it",
                    oi->mnemonic);
        if ((in->op == OP_TAILCALL || in->op == OP_TAILCALL_V) && covered > 0)
            err(v, in->loc,
                "%s inside a try region: the callee would run outside the handler's reach; use "
                "a call and a return",
                oi->mnemonic);
    }
    free(depth);
    free(handler);
}

static void check_import(vctx_t *v, const func_t *f)
{
    const char *name = mod_str(v->m, f->name), *dot = strchr(name, '.');
    const char *self = v->m->name < v->m->nstrs ? mod_str(v->m, v->m->name) : "";
    if (!dot || !is_identifier(name, (size_t)(dot - name), false) ||
        !is_identifier(dot + 1, strlen(dot + 1), false))
        err(v, f->loc, "import '%s' must name module.function", name);
    else if ((size_t)(dot - name) == strlen(self) && strncmp(name, self, strlen(self)) == 0)
        err(v, f->loc, "import '%s' names this module's own function", name);
    if (f->exported || f->ncaptures || f->ntries || f->ninstrs)
        err(v, f->loc, "import '%s' cannot have a body, captures or be exported", name);
    for (uint32_t r = 0; r < f->nparams && r < f->nregs; r++)
        if (f->reg_types[r] > TY_VAL)
            err(v, f->loc, "import '%s': parameter %u has an unknown type", name, r + 1);
}

static void check_func(vctx_t *v, uint32_t fi)
{
    const func_t *f = &v->m->funcs[fi];
    v->f = f;
    const char *name = mod_str(v->m, f->name);
    if (fn_name_seen(v, f->name))
        err(v, f->loc, "function '%s' is defined twice", name);
    if (f->imported) {
        check_import(v, f);
        return;
    }
    if (!is_identifier(name, strlen(name), false))
        err(v, f->loc, "'%s' is not a valid function name", name);
    if (f->nparams + f->ncaptures > f->nregs || f->nparams > VM_MAX_PARAMS) {
        err(v, f->loc, "function '%s': bad parameter count %u", name, f->nparams);
        return;
    }
    for (uint32_t r = 0; r < f->nregs; r++) {
        if (f->reg_types[r] > TY_VAL) {
            err(v, f->loc, "function '%s': register %u has an unknown type", name, r);
            return;
        }
        if (f->reg_names[r] && reg_name_seen(v, fi, f->reg_names[r] - 1))
            err(v, f->loc, "function '%s': register %%%s is declared twice", name,
                mod_str(v->m, f->reg_names[r] - 1));
    }
    if (strcmp(name, "main") == 0 &&
        (f->nparams != 0 || f->ncaptures || (f->ret != TY_I64 && f->ret != TY_VOID)))
        err(v, f->loc, "'main' must take no parameters and return i64 or void");
    if (f->ncaptures && !is_value_fn(f))
        err(v, f->loc,
            "function '%s' has captures, so its parameters, captures and result must be val", name);
    if (f->ninstrs == 0) {
        err(v, f->loc, "function '%s' has no instructions", name);
        return;
    }
    check_tries(v);
    for (uint32_t i = 0; i < f->ninstrs; i++)
        check_instr(v, i);
    const instr_t *last = &f->code[f->ninstrs - 1];
    if (last->op < OP_COUNT && !(op_info[last->op].flags & OPF_TERM))
        err(v, last->loc, "control reaches the end of function '%s' without a return", name);
}

/* The assembler and the reader refuse bad dependencies already; this keeps
 * the rule for modules built any other way. */
static void check_deps(vctx_t *v)
{
    const module_t *m = v->m;
    if (m->ndeps > VM_MAX_DEPS)
        err(v, (src_loc_t){m->from_text ? 1 : 0, 1, 0}, "more than %u dependencies", VM_MAX_DEPS);
    for (uint32_t i = 0; i < m->ndeps && i < VM_MAX_DEPS; i++) {
        const dep_t *d = &m->deps[i];
        if (d->name >= m->nstrs || d->kind >= m->nstrs) {
            err(v, d->loc, "dependency %u: string index out of range", i);
            continue;
        }
        const vstr_t *name = &m->strs[d->name], *kind = &m->strs[d->kind];
        if (!vm_di_name_valid(name->s, name->len))
            err(v, d->loc, "'%s' is not a valid dependency name", name->s);
        if (v->stamp[d->name] == UINT32_MAX) /* the functions' marks are done with */
            err(v, d->loc, "dependency '%s' is declared twice", name->s);
        v->stamp[d->name] = UINT32_MAX;
        vm_di_kind_t k;
        char msg[256];
        size_t at;
        if (!vm_di_parse_kind(kind->s, kind->len, &k, msg, sizeof msg, &at))
            err(v, d->loc, "dependency '%s': bad kind '%s': %s", name->s, kind->s, msg);
    }
}

bool verify_module(const module_t *m)
{
    vctx_t v = {.m = m,
                .fn_seen = xcalloc(m->nstrs ? m->nstrs : 1, sizeof(bool)),
                .stamp = xcalloc(m->nstrs ? m->nstrs : 1, sizeof(uint32_t))};
    if (m->nfuncs > VM_MAX_FUNCS || m->nstrs > VM_MAX_STRINGS)
        err(&v, (src_loc_t){m->from_text ? 1 : 0, 1, 0},
            "module has %u functions and %u strings; the limits are %u and %u", m->nfuncs, m->nstrs,
            VM_MAX_FUNCS, VM_MAX_STRINGS);
    const char *name = m->name < m->nstrs ? mod_str(m, m->name) : "";
    if (!is_identifier(name, strlen(name), false))
        err(&v, (src_loc_t){m->from_text ? 1 : 0, 1, 0}, "'%s' is not a valid module name", name);
    v.cf_ok = xcalloc(m->ncfuncs ? m->ncfuncs : 1, sizeof(bool));
    check_cfuncs(&v);
    for (uint32_t fi = 0; fi < m->nfuncs; fi++)
        check_func(&v, fi);
    check_deps(&v);
    free(v.cf_ok);
    if (v.errors > MAX_ERRORS)
        fprintf(diag_stream(), "%s: %u more errors not shown\n", m->path, v.errors - MAX_ERRORS);
    free(v.stamp);
    free(v.fn_seen);
    return v.errors == 0;
}
