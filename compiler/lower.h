/*
 * compiler/lower.h — lowering a verified module to LLVM IR.
 *
 * lower.c builds the module-level pieces (types, function declarations,
 * descriptors, the entry stub) and each function's frame; every opcode is
 * emitted by the function of its family (abi/opcodes.def, FAMILY column),
 * one file per family: lower_move.c, lower_arith.c, lower_compare.c,
 * lower_convert.c, lower_dynamic.c, lower_control.c, lower_call.c,
 * lower_object.c, lower_error.c. Every emitter has the same signature and
 * uses the helpers declared here.
 */
#ifndef VMCC_LOWER_H
#define VMCC_LOWER_H

#include <llvm-c/Core.h>

#include "../abi/builtins.h"
#include "ir.h"
#include "target.h"

typedef struct lower_opts {
    const char *sp_register; /* name of the stack pointer for llvm.read_register */
    bool debug;              /* -g: emit DWARF (compiler/lower_debug.c) */
    const char *target;      /* the triple recorded in VM_TARGET_SECTION */
    bool optimized;          /* -O1 and up (recorded in the debug information) */
    int c_int_ext;           /* the target's C_EXT_* (compiler/target.h) */
    /* A module compiled in parts, each to its own object on its own thread
     * (compiler/driver.c): this part defines functions [fn_lo, fn_hi);
     * part 0 also the entry stub, callbacks and the module's tables. The
     * parts share what an object of the whole module keeps internal, as
     * hidden symbols named with `shared_suffix` (unique to the module's
     * content, so two modules of one name do not clash). nparts 0 or 1:
     * the whole module. */
    uint32_t part, nparts, fn_lo, fn_hi;
    const char *shared_suffix;
} lower_opts_t;

typedef struct lower_debug lower_debug_t; /* compiler/lower_debug.c; NULL without -g */

typedef struct lower {
    LLVMContextRef llc;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    const module_t *m;
    lower_opts_t opts;
    LLVMTypeRef t_i1, t_i8, t_i32, t_i64, t_f64, t_ptr, t_void, t_ctx;
    LLVMTypeRef t_fn;        /* the uniform prototype (abi/context.h) */
    LLVMValueRef *fn_values; /* per function of the module (imports: declarations) */
    LLVMValueRef *fn_descs;  /* per function: its descriptor, made on first use */
    LLVMValueRef *fn_refs;   /* per function: its static function value, on first use */
    bool *may_raise;         /* per function: may return with an error pending */
    bool *leaf;              /* per function lowered so far: a leaf (no frame, no checks) */
    struct line_store {
        LLVMValueRef store; /* the line stored before a direct call */
        uint32_t callee;
    } * line_stores;
    size_t nline_stores, cap_line_stores;
    LLVMValueRef *atom_globals; /* per string index: the atom named so, on first use */
    LLVMValueRef *used;         /* globals for llvm.compiler.used */
    unsigned nused, cap_used;
    LLVMValueRef builtin_fn[VM_BUILTIN_COUNT];
    LLVMTypeRef builtin_ty[VM_BUILTIN_COUNT];
    LLVMValueRef *str_globals; /* per string index, made on first use */
    /* the function being lowered */
    const func_t *f;
    uint32_t fidx;                    /* its index in the module */
    uint32_t idx;                     /* current instruction */
    LLVMValueRef fn, ctx, frame, top; /* frame: this function's; top: the callees' */
    LLVMValueRef *regs;               /* alloca per register */
    /* per register: its value as last loaded or stored in block cache_bb[r],
     * so a register read again in the same block is not loaded again (at
     * -O0 the loads were ~40% of the IR that instruction selection saw) */
    LLVMValueRef *cache;
    LLVMBasicBlockRef *cache_bb;
    uint32_t *val_slot;        /* frame slot (from the frame start) per val register */
    LLVMBasicBlockRef *blocks; /* block starting at each instruction, or NULL */
    /* Unwinding: an error pending at instruction i goes to the handler of
     * the first try region covering i, or returns 0 (target index ntries). */
    uint32_t *region;             /* per instruction: its unwind target */
    LLVMBasicBlockRef *unwind_bb; /* per target: where the error goes */
    LLVMBasicBlockRef *trap_bb;   /* per target: vm_trap, then unwind_bb */
    LLVMValueRef *trap_code, *trap_line;
    lower_debug_t *dbg; /* -g only */
    /* the C functions: an extern's declaration or a callback's entry
     * point, made on first use (ffi: compiler/lower_ffi.c) */
    LLVMValueRef *cf_fn;
    LLVMTypeRef *cf_ty;
    unsigned njobs; /* blocking calls lowered so far: their job functions' names */
} lower_t;

/* A module compiled in parts (lower_opts_t): is it, and does this part
 * define function `fidx`? */
bool lw_split(const lower_t *L);
bool lw_defines(const lower_t *L, uint32_t fidx);
/* Give `g` (named `name`) the linkage of a module's own symbol. */
void lw_module_private(lower_t *L, LLVMValueRef g, const char *name);

typedef struct line_store line_store_t;
/* The line before a direct call to function `fidx` (lw_store_line, dropped
 * again if the callee turns out to be a leaf that cannot raise). */
void lw_line_for_call(lower_t *L, uint32_t fidx);

typedef void lower_fn_t(lower_t *L, const instr_t *in);
lower_fn_t lower_move, lower_arith, lower_compare, lower_convert, lower_dynamic, lower_control,
    lower_call, lower_object, lower_error, lower_ffi;

/* The C functions of the module (compiler/lower_ffi.c): declarations of
 * externs on first use, and the entry point of every callback. */
void lw_ffi_begin_module(lower_t *L);
void lw_ffi_end_module(lower_t *L);

/* Build the LLVM module for `m` (verified). */
LLVMModuleRef lower_module(LLVMContextRef llc, const module_t *m, const lower_opts_t *opts);

/* ---- debug information (-g), compiler/lower_debug.c ----
 * Each does nothing without -g. The builder's current debug location
 * follows the lowering: in a function, the line of the instruction being
 * lowered (the first one's in the prologue); none outside functions. */
void lw_debug_begin_module(lower_t *L); /* compile unit and file */
void lw_debug_begin_func(lower_t *L);   /* L->f's subprogram; location: the prologue's */
void lw_debug_instr(lower_t *L);        /* location: instruction L->idx */
/* Location for code shared by several instructions (a try region's trap
 * and unwind blocks): line 0, as LLVM gives code merged from several lines.
 * Returns the location it replaces, for lw_debug_restore (NULL without -g). */
LLVMMetadataRef lw_debug_shared(lower_t *L);
void lw_debug_restore(lower_t *L, LLVMMetadataRef loc);
/* The entry stub `entry`, which calls function `main_fidx`: an artificial
 * subprogram at main's header line, and that location. */
void lw_debug_entry(lower_t *L, LLVMValueRef entry, uint32_t main_fidx);
/* After a function or the entry stub: finalise its subprogram; from here
 * on no location (code outside functions). */
void lw_debug_end_func(lower_t *L);
void lw_debug_finish_module(lower_t *L); /* finalise; module flags */

/* ---- helpers for the emitters ---- */
LLVMValueRef lw_get(lower_t *L, uint32_t reg);            /* read a register */
void lw_set(lower_t *L, uint32_t reg, LLVMValueRef v);    /* write (and root) */
LLVMValueRef lw_i64(lower_t *L, int64_t x);               /* i64 constant */
LLVMBasicBlockRef lw_block(lower_t *L, const char *name); /* new block in the function */
/* If `cond`, raise trap `code` (abi/traps.def) at the current line, then
 * unwind. */
void lw_trap_if(lower_t *L, LLVMValueRef cond, vm_trap_code_t code);
/* A loop back-edge's test for a preemption request (abi/context.h). */
void lw_poll(lower_t *L);
/* Record the current source line in the frame (before a call that may raise). */
void lw_store_line(lower_t *L);
/* Call builtin `id` with ctx and `args`; if it may raise, go on to the
 * unwind target when an error is pending. */
LLVMValueRef lw_call_builtin(lower_t *L, vm_builtin_id_t id, LLVMValueRef *args, unsigned n);
/* Builtin `id`'s declaration and its type (ctx first), for code outside a
 * bytecode function (compiler/lower_ffi.c). */
LLVMValueRef lw_builtin_fn(lower_t *L, vm_builtin_id_t id, LLVMTypeRef *ty);
/* After a call returning the word `r` (0 if an error may be pending; NULL
 * for a void builtin), branch to the unwind target if ctx->exc is set. */
void lw_check_exc(lower_t *L, LLVMValueRef r);
/* Branch to `ok` if `v` is an object of `kind` whose header aux compares
 * to `aux` by `pred`, else to `bad`; returns the object pointer (valid in
 * `ok`). */
LLVMValueRef lw_obj_check(lower_t *L, LLVMValueRef v, vm_kind_t kind, LLVMIntPredicate pred,
                          int64_t aux, LLVMBasicBlockRef ok, LLVMBasicBlockRef bad);
/* Where an error pending at the current instruction goes. */
LLVMBasicBlockRef lw_unwind(lower_t *L);
/* Call compiled code of the uniform prototype: `callee` with the
 * registers `args`, its frame at `frame`. Stack parameters are stored
 * first. Returns the i64 word; sets `tail` for a guaranteed tail call. */
LLVMValueRef lw_call_code(lower_t *L, LLVMValueRef callee, const uint32_t *args, uint32_t nargs,
                          LLVMValueRef frame, bool tail);
/* f64 <-> i64 word of the uniform prototype; other types pass through. */
LLVMValueRef lw_to_word(lower_t *L, LLVMValueRef v);
LLVMValueRef lw_from_word(lower_t *L, LLVMValueRef w, vm_type_t t);
LLVMValueRef lw_ctx_field(lower_t *L, unsigned index, const char *name);
/* Module-level objects, made on first use. */
LLVMValueRef lw_descriptor(lower_t *L, uint32_t fidx);
LLVMValueRef lw_atom(lower_t *L, uint32_t name);
LLVMValueRef lw_fn_ref(lower_t *L, uint32_t fidx);
/* The signature-qualified symbol of function `f`: "module.func:<params>><ret>". */
char *lw_sig_symbol(const module_t *m, const func_t *f);
/* Call the intrinsic `intrinsic`, overloaded on `tys`; the result is
 * named `name`. */
LLVMValueRef lw_intrinsic(lower_t *L, const char *intrinsic, LLVMTypeRef *tys, unsigned ntys,
                          LLVMValueRef *args, unsigned nargs, const char *name);
/* Make the shadow-stack top visible to the runtime (ctx->ssp). */
void lw_publish_ssp(lower_t *L);
LLVMTypeRef lw_type(lower_t *L, vm_type_t t);
/* The static string object (abi/value.h vm_string_t) for string `s`. */
LLVMValueRef lw_string_object(lower_t *L, uint32_t s);

#endif
