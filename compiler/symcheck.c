/*
 * compiler/symcheck.c — the checks made before linking, so that missing,
 * duplicate or mismatched functions are reported with both places named
 * instead of as a linker's undefined-symbol message.
 *
 * Every exported function `m.f` also defines the symbol "m.f:<signature>"
 * (compiler/lower.c), and importers reference that symbol. So the objects'
 * symbol tables alone tell which module exports what with which signature,
 * which imports stay unresolved, and who defines `main` (vm_program_main).
 * The standard library's objects (lib/vmcc/<triple>/stdlib/) resolve what
 * the program's objects leave open.
 */
#include "symcheck.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/Object.h>

#include "../abi/context.h"
#include "diag.h"
#include "target.h"
#include "util.h"

typedef struct sym {
    char *name; /* "m.f:sig" */
    size_t obj; /* index into the object list */
    bool defined;
} sym_t;

typedef struct object {
    const char *shown; /* how to name it in messages */
    bool lib;          /* a standard library object */
} object_t;

typedef struct table {
    sym_t *syms;
    size_t n, cap;
    object_t *objs;
    size_t nobjs, cap_objs;
    const target_info_t *target; /* of the link */
} table_t;

/* One record "<triple> abi <N>" from VM_TARGET_SECTION against the link's
 * target and this vmcc's ABI version. */
static bool check_record(const table_t *t, const char *shown, const char *rec, size_t len)
{
    char triple[64];
    int abi = -1, used = 0;
    char text[96];
    if (len >= sizeof text)
        len = sizeof text - 1;
    memcpy(text, rec, len);
    text[len] = 0;
    if (sscanf(text, "%63s abi %d%n", triple, &abi, &used) != 2 || text[used]) {
        diag_error("%s: unreadable target record '%s' in section %s", shown, text,
                   VM_TARGET_SECTION);
        return false;
    }
    if (strcmp(triple, t->target->name) != 0) {
        diag_error("%s was compiled for target %s; this link is for %s (recompile it with "
                   "--target=%s)",
                   shown, triple, t->target->name, t->target->name);
        return false;
    }
    if (abi != VM_ABI_VERSION) {
        diag_error("%s was compiled for runtime ABI %d; this vmcc links ABI %d (recompile it "
                   "with this vmcc)",
                   shown, abi, VM_ABI_VERSION);
        return false;
    }
    return true;
}

/* The object was built for the link's target and ABI: its VM_TARGET_SECTION
 * records say so, or, for an object vmcc did not compile (C, assembly), its
 * ELF header names the target's machine. */
static bool check_target(const table_t *t, LLVMBinaryRef bin, LLVMMemoryBufferRef mb,
                         const char *shown)
{
    bool found = false, ok = true;
    LLVMSectionIteratorRef si = LLVMObjectFileCopySectionIterator(bin);
    for (; !LLVMObjectFileIsSectionIteratorAtEnd(bin, si); LLVMMoveToNextSection(si)) {
        const char *name = LLVMGetSectionName(si);
        if (!name || strcmp(name, VM_TARGET_SECTION) != 0)
            continue;
        const char *p = LLVMGetSectionContents(si), *end = p + LLVMGetSectionSize(si);
        while (p < end && ok) {
            const char *nul = memchr(p, 0, (size_t)(end - p));
            size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
            if (len) {
                found = true;
                ok = check_record(t, shown, p, len);
            }
            p += len + 1;
        }
    }
    LLVMDisposeSectionIterator(si);
    if (found || !ok)
        return ok;
    const unsigned char *h = (const unsigned char *)LLVMGetBufferStart(mb);
    size_t size = LLVMGetBufferSize(mb);
    unsigned machine = size >= 20 && memcmp(h,
                                            "\x7f"
                                            "ELF",
                                            4) == 0
                           ? h[18] | h[19] << 8
                           : 0;
    if (machine != t->target->elf_machine) {
        const target_info_t *other = target_by_elf_machine(machine);
        if (other)
            diag_error("%s is an object for %s; this link is for %s", shown, other->name,
                       t->target->name);
        else
            diag_error("%s is not an object for %s (ELF machine %u)", shown, t->target->name,
                       machine);
        return false;
    }
    return true;
}

/* Length of "m.f" in "m.f:sig". */
static size_t qual_len(const char *s)
{
    return (size_t)(strchr(s, ':') - s);
}

static bool read_object(table_t *t, const char *path, const char *shown, bool lib)
{
    char *msg = NULL;
    LLVMMemoryBufferRef mb;
    if (LLVMCreateMemoryBufferWithContentsOfFile(path, &mb, &msg)) {
        diag_error("%s: cannot read: %s", shown, msg);
        LLVMDisposeMessage(msg);
        return false;
    }
    LLVMBinaryRef bin = LLVMCreateBinary(mb, LLVMGetGlobalContext(), &msg);
    if (!bin) {
        diag_error("%s: not an object file: %s", shown, msg);
        LLVMDisposeMessage(msg);
        LLVMDisposeMemoryBuffer(mb);
        return false;
    }
    if (!check_target(t, bin, mb, shown)) {
        LLVMDisposeBinary(bin);
        LLVMDisposeMemoryBuffer(mb);
        return false;
    }
    size_t obj = t->nobjs;
    object_t o = {shown, lib};
    VEC_PUSH(t->objs, t->nobjs, t->cap_objs, o);
    LLVMSymbolIteratorRef si = LLVMObjectFileCopySymbolIterator(bin);
    LLVMSectionIteratorRef sec = LLVMObjectFileCopySectionIterator(bin);
    for (; !LLVMObjectFileIsSymbolIteratorAtEnd(bin, si); LLVMMoveToNextSymbol(si)) {
        const char *name = LLVMGetSymbolName(si);
        bool entry = strcmp(name, VM_PROGRAM_ENTRY_SYMBOL) == 0;
        if (!entry && (!strchr(name, ':') || !strchr(name, '.')))
            continue;
        LLVMMoveToContainingSection(sec, si);
        sym_t s = {xstrdup(name), obj, !LLVMObjectFileIsSectionIteratorAtEnd(bin, sec)};
        VEC_PUSH(t->syms, t->n, t->cap, s);
    }
    LLVMDisposeSectionIterator(sec);
    LLVMDisposeSymbolIterator(si);
    LLVMDisposeBinary(bin);
    LLVMDisposeMemoryBuffer(mb);
    return true;
}

/* "(v,i)->v" from the signature letters after ':' in "m.f:vi>v". */
static char *pretty_sig(const char *sym)
{
    const char *p = strchr(sym, ':') + 1;
    buf_t b = {0};
    buf_byte(&b, '(');
    for (bool first = true; *p && *p != '>'; p++, first = false)
        buf_printf(&b, "%s%s", first ? "" : ", ",
                   *p == 'i'   ? "i64"
                   : *p == 'f' ? "f64"
                   : *p == 'v' ? "val"
                               : "?");
    buf_printf(&b, ") -> %s",
               p[0] && p[1] == 'i'   ? "i64"
               : p[0] && p[1] == 'f' ? "f64"
               : p[0] && p[1] == 'v' ? "val"
                                     : "void");
    buf_byte(&b, 0);
    return (char *)b.data;
}

/* By name, then by object: messages name the objects in input order. */
static int by_name(const void *a, const void *b)
{
    const sym_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->obj > y->obj) - (x->obj < y->obj);
}

static bool check(table_t *t)
{
    bool ok = true;
    qsort(t->syms, t->n, sizeof *t->syms, by_name);
    const sym_t *entry = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const sym_t *s = &t->syms[i];
        if (!s->defined || strcmp(s->name, VM_PROGRAM_ENTRY_SYMBOL) != 0)
            continue;
        if (entry) {
            diag_error("'main' is defined by both %s and %s", t->objs[entry->obj].shown,
                       t->objs[s->obj].shown);
            ok = false;
        }
        entry = s;
    }
    if (!entry) {
        diag_error("no module defines 'main' (a function 'main() -> i64' or '-> void')");
        ok = false;
    }
    /* duplicates: one definition of each m.f across the program's objects;
     * a standard library module may not be redefined either */
    for (size_t i = 0; i < t->n; i++) {
        const sym_t *a = &t->syms[i];
        if (!a->defined || !strchr(a->name, ':'))
            continue;
        for (size_t j = i + 1; j < t->n; j++) {
            const sym_t *b = &t->syms[j];
            if (strncmp(a->name, b->name, qual_len(a->name) + 1) != 0)
                break;
            if (!b->defined || (t->objs[a->obj].lib && t->objs[b->obj].lib))
                continue;
            diag_error("function %.*s is defined by both %s and %s", (int)qual_len(a->name),
                       a->name, t->objs[a->obj].shown, t->objs[b->obj].shown);
            ok = false;
        }
    }
    /* every import resolved by a definition with the same signature */
    for (size_t i = 0; i < t->n; i++) {
        const sym_t *u = &t->syms[i];
        if (u->defined || !strchr(u->name, ':') || t->objs[u->obj].lib)
            continue;
        /* sorted by name: every "m.f:..." sits next to u */
        size_t len = qual_len(u->name) + 1, lo = i, hi = i + 1;
        while (lo > 0 && strncmp(t->syms[lo - 1].name, u->name, len) == 0)
            lo--;
        while (hi < t->n && strncmp(t->syms[hi].name, u->name, len) == 0)
            hi++;
        const sym_t *same = NULL, *other = NULL;
        for (size_t j = lo; j < hi; j++) {
            const sym_t *d = &t->syms[j];
            if (!d->defined)
                continue;
            if (strcmp(d->name, u->name) == 0)
                same = d;
            else
                other = d;
        }
        if (same)
            continue;
        ok = false;
        if (other) {
            char *want = pretty_sig(u->name), *have = pretty_sig(other->name);
            diag_error("%s imports %.*s as %s, but %s defines it as %s", t->objs[u->obj].shown,
                       (int)qual_len(u->name), u->name, want, t->objs[other->obj].shown, have);
            free(want);
            free(have);
        } else {
            diag_error("%s imports %.*s, which no linked module exports", t->objs[u->obj].shown,
                       (int)qual_len(u->name), u->name);
        }
    }
    return ok;
}

bool symcheck_program(const target_info_t *target, char *const *objs, const char *const *shown,
                      size_t n, const char *libdir)
{
    table_t t = {.target = target};
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok &= read_object(&t, objs[i], shown[i], false);
    DIR *d = libdir ? opendir(libdir) : NULL;
    char **lib_paths = NULL;
    size_t nlib = 0, cap_lib = 0;
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            size_t len = strlen(e->d_name);
            if (len < 3 || strcmp(e->d_name + len - 2, ".o") != 0)
                continue;
            buf_t p = {0};
            buf_printf(&p, "%s/%s", libdir, e->d_name);
            buf_byte(&p, 0);
            VEC_PUSH(lib_paths, nlib, cap_lib, (char *)p.data);
        }
        closedir(d);
    }
    for (size_t i = 0; i < nlib; i++)
        ok &= read_object(&t, lib_paths[i], lib_paths[i], true);
    if (ok)
        ok = check(&t);
    for (size_t i = 0; i < t.n; i++)
        free(t.syms[i].name);
    free(t.syms);
    free(t.objs);
    for (size_t i = 0; i < nlib; i++)
        free(lib_paths[i]);
    free(lib_paths);
    return ok;
}
