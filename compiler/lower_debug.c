/*
 * compiler/lower_debug.c — DWARF for `vmcc -g` (docs/debugging.md).
 *
 * One compile unit per module, one DIFile (the module's `.file`, else the
 * input path), one DISubprogram per defined function named as the
 * bytecode names it (`fib`; no linkage name, see begin_subprogram), and a
 * DILocation on every LLVM instruction: the builder's current location is
 * the line of the bytecode instruction being lowered (in the prologue, the
 * first instruction's), so helper calls (traps, yields, GC root writes)
 * carry one too; code shared by several instructions (a try region's trap
 * and unwind blocks) has line 0. The entry stub vm_program_main gets an
 * artificial subprogram of its own, so `main` inlined into it at -O2 keeps
 * its lines. DWARF 4: LLVM gives DWARF 5 a .debug_names index of this
 * object alone, which gdb would take as the index of the whole program,
 * losing the runtime's debug information.
 *
 * A module without a line table (a binary module without DEBUG section, or
 * whose lines are all 0) maps instruction i of each function to line i + 1
 * of its input path, and each function header to line 1.
 *
 * Without -g none of this runs: L->dbg is NULL and every entry point here
 * returns at once, so the output is what it was without debug support.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/DebugInfo.h>

#include "lower.h"

struct lower_debug {
    LLVMDIBuilderRef dib;
    LLVMMetadataRef file, cu, fn_type;
    LLVMMetadataRef sp; /* subprogram of the function being lowered */
    bool synthetic;     /* no line table: line = instruction index + 1 */
    uint32_t last_line; /* line of the current location, UINT32_MAX for none */
};

/* True if the module records no line at all (every header and instruction
 * line is 0): a binary module without its DEBUG section. */
static bool no_line_table(const module_t *m)
{
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const func_t *f = &m->funcs[i];
        if (f->imported)
            continue;
        if (f->line)
            return false;
        for (uint32_t k = 0; k < f->ninstrs; k++)
            if (f->code[k].line)
                return false;
    }
    return true;
}

/* Split `path` into an absolute directory and a base name. A relative path
 * is taken relative to the directory vmcc runs in. */
static LLVMMetadataRef make_file(LLVMDIBuilderRef dib, const char *path)
{
    const char *base = path_basename(path);
    size_t dirlen = (size_t)(base - path);
    while (dirlen > 1 && path[dirlen - 1] == '/') /* "a//b" -> "a" */
        dirlen--;
    buf_t dir = {0};
    if (path[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        buf_printf(&dir, "%s", cwd ? cwd : ".");
        free(cwd);
        if (dirlen) {
            buf_byte(&dir, '/');
            buf_put(&dir, path, dirlen);
        }
    } else {
        buf_put(&dir, path, dirlen ? dirlen : 1);
    }
    LLVMMetadataRef file =
        LLVMDIBuilderCreateFile(dib, base, strlen(base), (const char *)dir.data, dir.len);
    buf_free(&dir);
    return file;
}

void lw_debug_begin_module(lower_t *L)
{
    if (!L->opts.debug)
        return;
    const module_t *m = L->m;
    lower_debug_t *d = xcalloc(1, sizeof *d);
    L->dbg = d;
    d->dib = LLVMCreateDIBuilder(L->mod);
    d->synthetic = no_line_table(m);
    /* A line table maps into the source file (.file, which the assembler
     * defaults to the input path); line numbers made up from instruction
     * indices map into the input itself. */
    const char *src = !d->synthetic && m->file ? mod_str(m, m->file - 1) : m->path;
    if (!*path_basename(src)) /* DWARF needs a file name: not "" or "dir/" */
        src = m->path;
    d->file = make_file(d->dib, src);
    char producer[64];
    snprintf(producer, sizeof producer, "vmcc %s", VMCC_VERSION);
    d->cu = LLVMDIBuilderCreateCompileUnit(d->dib, LLVMDWARFSourceLanguageC, d->file, producer,
                                           strlen(producer), L->opts.optimized, "", 0, 0, "", 0,
                                           LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
    d->fn_type = LLVMDIBuilderCreateSubroutineType(d->dib, d->file, NULL, 0, LLVMDIFlagZero);
    d->last_line = UINT32_MAX;
}

static void set_line(lower_t *L, uint32_t line)
{
    lower_debug_t *d = L->dbg;
    if (line == d->last_line)
        return;
    d->last_line = line;
    LLVMSetCurrentDebugLocation2(L->b,
                                 LLVMDIBuilderCreateDebugLocation(L->llc, line, 0, d->sp, NULL));
}

static uint32_t header_line(const lower_debug_t *d, const func_t *f)
{
    return d->synthetic ? 1 : f->line;
}

static uint32_t instr_line(const lower_debug_t *d, const func_t *f, uint32_t i)
{
    return d->synthetic ? i + 1 : f->code[i].line;
}

/* The subprogram of `fn`, declared at `line`; its code starts at
 * `body_line`, which is also the current location from here on. No linkage
 * name: gdb would show it ("mod.fib") in place of the name, and `break fib`
 * would not find the function. */
static void begin_subprogram(lower_t *L, LLVMValueRef fn, const char *name, uint32_t line,
                             uint32_t body_line, bool local, LLVMDIFlags flags)
{
    lower_debug_t *d = L->dbg;
    d->sp = LLVMDIBuilderCreateFunction(d->dib, d->file, name, strlen(name), "", 0, d->file, line,
                                        d->fn_type, local, 1, body_line, flags, L->opts.optimized);
    LLVMSetSubprogram(fn, d->sp);
    d->last_line = UINT32_MAX;
    set_line(L, body_line);
}

void lw_debug_begin_func(lower_t *L)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return;
    const func_t *f = L->f;
    /* The prologue (stack check, registers, reduction) is the way into the
     * first instruction and has its line, so `break fib` stops there and
     * `step` into a call lands on it. */
    uint32_t first = f->ninstrs ? instr_line(d, f, 0) : 0;
    begin_subprogram(L, L->fn, mod_str(L->m, f->name), header_line(d, f),
                     first ? first : header_line(d, f), !f->exported, LLVMDIFlagPrototyped);
}

void lw_debug_instr(lower_t *L)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return;
    set_line(L, instr_line(d, L->f, L->idx));
}

LLVMMetadataRef lw_debug_shared(lower_t *L)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return NULL;
    LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(L->b);
    set_line(L, 0);
    return loc;
}

void lw_debug_restore(lower_t *L, LLVMMetadataRef loc)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return;
    LLVMSetCurrentDebugLocation2(L->b, loc);
    d->last_line = loc ? LLVMDILocationGetLine(loc) : UINT32_MAX;
}

void lw_debug_end_func(lower_t *L)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return;
    if (d->sp)
        LLVMDIBuilderFinalizeSubprogram(d->dib, d->sp);
    LLVMSetCurrentDebugLocation2(L->b, NULL);
    d->sp = NULL;
    d->last_line = UINT32_MAX;
}

void lw_debug_entry(lower_t *L, LLVMValueRef entry, uint32_t main_fidx)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return;
    uint32_t line = header_line(d, &L->m->funcs[main_fidx]);
    begin_subprogram(L, entry, VM_PROGRAM_ENTRY_SYMBOL, line, line, false,
                     LLVMDIFlagPrototyped | LLVMDIFlagArtificial);
}

void lw_debug_finish_module(lower_t *L)
{
    lower_debug_t *d = L->dbg;
    if (!d)
        return;
    LLVMDIBuilderFinalize(d->dib);
    LLVMDisposeDIBuilder(d->dib);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(L->llc);
    LLVMAddModuleFlag(L->mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i32, LLVMDebugMetadataVersion(), 0)));
    LLVMAddModuleFlag(L->mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
                      LLVMValueAsMetadata(LLVMConstInt(i32, 4, 0)));
    free(d);
    L->dbg = NULL;
}
