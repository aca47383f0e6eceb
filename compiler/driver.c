/*
 * compiler/driver.c — the vmcc command line. The pipeline is a flat list:
 *
 *   read (asm.c | vmbc.c) -> verify.c -> [--emit=vmbc: vmbc.c]
 *   -> lower.c -> emit.c (passes, object) -> link.c (executable)
 *
 * Every output is written under a temporary name and renamed into place
 * only when complete (util.h), so no error leaves a partial file.
 */
#include "driver.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asm.h"
#include "diag.h"
#include "disasm.h"
#include "emit.h"
#include "link.h"
#include "symcheck.h"
#include "lower.h"
#include "target.h"
#include "verify.h"
#include "vmbc.h"

typedef enum out_kind { OUT_EXE, OUT_OBJ, OUT_ASM, OUT_LLVM_IR, OUT_VMBC, OUT_DISASM } out_kind_t;

typedef struct options {
    const char *output;
    out_kind_t kind;
    int opt;
    bool verbose;
    bool debug;      /* -g */
    bool verify_ir;  /* --verify-ir */
    int jobs;        /* -j: threads for one module's code (0: one per CPU) */
    long part_min;   /* --part-min: instructions per part at least */
    int link_static; /* --static 1, --dynamic 0, else -1: static for a cross target */
    bool cpu_help;   /* --cpu=help */
    target_cfg_t target;
    const char **inputs;
    size_t ninputs, cap_inputs;
    char **link; /* -l, -L, -Wl, and library inputs, in order (link.h) */
    size_t nlink, cap_link;
} options_t;

static const char usage[] =
    "usage: vmcc [options] file...\n"
    "\n"
    "Compiles bytecode modules (.vmasm text, .vmbc binary) to native code and\n"
    "links them with the vmcc runtime. Object files (.o) are passed to the linker.\n"
    "\n"
    "options:\n"
    "  -o FILE              write the output to FILE ('-' is stdout for text outputs)\n"
    "  -c                   compile to an object file, do not link (--emit=obj)\n"
    "  -O0 -O1 -O2 -O3      optimisation level (default -O0)\n"
    "  -g                   emit DWARF debug information (source lines, function names)\n"
    "  --emit=KIND          exe (default), obj, asm, llvm-ir, or vmbc (binary module)\n"
    "  --disasm             print binary (or text) modules as text assembly\n"
    "  --target=TRIPLE      target to compile for (default: this machine):\n"
    "                       x86_64-linux-gnu, aarch64-linux-gnu, riscv64-linux-gnu\n"
    "                       (also spelled amd64, arm64, riscv64, x86_64-unknown-linux-gnu ...)\n"
    "  --cpu=CPU            CPU to tune and select instructions for (default: the\n"
    "                       target's generic one; 'native' on the host; 'help' lists them)\n"
    "  --features=LIST      CPU features to add or remove: +NAME,-NAME,...\n"
    "  --static             link a fully static executable (default for cross targets)\n"
    "  --dynamic            link against shared libraries (default for the host)\n"
    "  --print-targets      list the targets and whether their runtime is installed\n"
    "  -l NAME, -LDIR       link library NAME, search DIR for libraries (as cc does)\n"
    "  -Wl,ARG,...          pass ARGs to the linker\n"
    "                       (.a and .so inputs are linked as libraries)\n"
    "  -j N, --jobs=N       compile a large module on N threads (default: one per CPU)\n"
    "  --part-min=N         ... in parts of at least N instructions (default 4000)\n"
    "  --verify-ir          check the LLVM IR vmcc builds before code generation\n"
    "                       (on in builds without NDEBUG; the tests turn it on)\n"
    "  -v, --verbose        show the linker command\n"
    "  --help               show this help\n"
    "  --version            show the version\n";

NORETURN PRINTF_LIKE(1, 2) static void usage_error(const char *fmt, ...)
{
    fputs("vmcc: error: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see vmcc --help)\n", stderr);
    exit(1);
}

static bool set_emit(options_t *o, const char *k)
{
    static const struct {
        const char *name;
        out_kind_t kind;
    } kinds[] = {{"exe", OUT_EXE},
                 {"obj", OUT_OBJ},
                 {"asm", OUT_ASM},
                 {"llvm-ir", OUT_LLVM_IR},
                 {"vmbc", OUT_VMBC}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(k, kinds[i].name) == 0) {
            o->kind = kinds[i].kind;
            return true;
        }
    return false;
}

static void set_target(options_t *o, const char *s)
{
    o->target.t = target_find(s);
    if (!o->target.t)
        usage_error("unknown target '%s' (vmcc --print-targets lists them)", s);
}

/* "--NAME=VALUE" or "--NAME VALUE": the value, or NULL if `a` is another
 * option. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n])
        return NULL;
    if (++*i == argc)
        usage_error("%s needs a value", name);
    return argv[*i];
}

static void print_targets(void)
{
    const target_info_t *host = target_host();
    for (size_t i = 0; target_all[i]; i++) {
        char *dir = runtime_dir(target_all[i]);
        buf_t lib = {0};
        buf_printf(&lib, "%s/libbuiltins.a%c", dir ? dir : ".", 0);
        FILE *f = fopen((char *)lib.data, "rb");
        printf("%-20s %s%s\n", target_all[i]->name, f ? "runtime installed" : "runtime missing",
               target_all[i] == host ? " (host)" : "");
        if (f)
            fclose(f);
        buf_free(&lib);
        free(dir);
    }
}

/* A library input (name.a, name.so, name.so.1): linked, not compiled. */
static bool is_library(const char *path)
{
    const char *base = path_basename(path), *ext = path_ext(base);
    return strcmp(ext, ".a") == 0 || strcmp(ext, ".so") == 0 || strstr(base, ".so.") != NULL;
}

static void parse_args(options_t *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(a, "--version") == 0) {
            unsigned major, minor, patch;
            LLVMGetVersion(&major, &minor, &patch);
            printf("vmcc %s (module format %d, runtime ABI %d, LLVM %u.%u.%u)\n", VMCC_VERSION,
                   VM_FORMAT_VERSION, VM_ABI_VERSION, major, minor, patch);
            exit(0);
        } else if (strcmp(a, "--print-targets") == 0) {
            print_targets();
            exit(0);
        } else if (strcmp(a, "-o") == 0) {
            if (++i == argc)
                usage_error("-o needs a file name");
            if (o->output)
                usage_error("-o given twice");
            o->output = argv[i];
        } else if (strcmp(a, "-g") == 0) {
            o->debug = true;
        } else if (strncmp(a, "-j", 2) == 0 || (v = option_value(argc, argv, &i, "--jobs"))) {
            const char *n = strncmp(a, "-j", 2) != 0 ? v
                            : a[2]                   ? a + 2
                            : i + 1 < argc           ? argv[++i]
                                                     : "";
            char *end;
            long j = strtol(n, &end, 10);
            if (!*n || *end || j < 1 || j > 256)
                usage_error("%s needs a number of threads from 1 to 256", a);
            o->jobs = (int)j;
        } else if ((v = option_value(argc, argv, &i, "--part-min"))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1)
                usage_error("--part-min needs a positive number of instructions");
            o->part_min = n;
        } else if (strcmp(a, "--verify-ir") == 0) {
            o->verify_ir = true;
        } else if (strcmp(a, "-c") == 0) {
            o->kind = OUT_OBJ;
        } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
            o->opt = a[2] - '0';
        } else if (strncmp(a, "--emit=", 7) == 0) {
            if (!set_emit(o, a + 7))
                usage_error("unknown --emit kind '%s' (exe, obj, asm, llvm-ir, vmbc)", a + 7);
        } else if (strcmp(a, "--disasm") == 0) {
            o->kind = OUT_DISASM;
        } else if ((v = option_value(argc, argv, &i, "--target"))) {
            set_target(o, v);
        } else if ((v = option_value(argc, argv, &i, "--cpu"))) {
            if (!*v)
                usage_error("--cpu needs a CPU name (--cpu=help lists them)");
            if (strcmp(v, "help") == 0)
                o->cpu_help = true;
            else
                o->target.cpu = v;
        } else if ((v = option_value(argc, argv, &i, "--features"))) {
            o->target.features = v;
        } else if (strcmp(a, "--static") == 0) {
            o->link_static = 1;
        } else if (strcmp(a, "--dynamic") == 0) {
            o->link_static = 0;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (a[0] == '-' && (a[1] == 'l' || a[1] == 'L')) {
            const char *arg = a[2] ? a + 2 : i + 1 < argc ? argv[++i] : NULL;
            if (!arg || !*arg || arg[0] == '-')
                usage_error("%s needs a %s", a, a[1] == 'l' ? "library name" : "folder");
            buf_t b = {0};
            buf_printf(&b, "-%c%s%c", a[1], arg, 0);
            VEC_PUSH(o->link, o->nlink, o->cap_link, (char *)b.data);
        } else if (strncmp(a, "-Wl,", 4) == 0) {
            if (!a[4])
                usage_error("-Wl, needs linker arguments");
            VEC_PUSH(o->link, o->nlink, o->cap_link, xstrdup(a));
        } else if (is_library(a)) {
            VEC_PUSH(o->link, o->nlink, o->cap_link, xstrdup(a));
        } else if (a[0] == '-' && a[1]) {
            usage_error("unknown option '%s'", a);
        } else {
            VEC_PUSH(o->inputs, o->ninputs, o->cap_inputs, a);
        }
    }
    if (o->ninputs == 0 && !o->cpu_help)
        usage_error("no input files");
}

/* ---- loading ---- */

typedef struct input {
    const char *path;
    uint8_t *data;
    size_t len;
    module_t *m; /* NULL for objects */
} input_t;

static bool is_vmbc(const char *path, const uint8_t *data, size_t len)
{
    if (strcmp(path_ext(path), ".vmbc") == 0)
        return true;
    return len >= 4 && memcmp(data, VMBC_MAGIC, 4) == 0;
}

/* Read, parse and verify one input; false after reporting errors. */
static bool load(input_t *in)
{
    const char *ext = path_ext(in->path);
    if (strcmp(ext, ".o") == 0)
        return true;
    if (strcmp(ext, ".vmasm") != 0 && strcmp(ext, ".vmbc") != 0) {
        diag_error("%s: unknown file type (expected .vmasm, .vmbc or .o)", in->path);
        return false;
    }
    in->data = read_file(in->path, &in->len);
    if (!in->data) {
        diag_error("cannot read %s: %s", in->path, strerror(errno));
        return false;
    }
    in->m = is_vmbc(in->path, in->data, in->len) ? vmbc_read(in->path, in->data, in->len)
                                                 : asm_parse(in->path, in->data, in->len);
    return in->m && verify_module(in->m);
}

/* Modules compiled together need distinct names. (Exactly one `main` is
 * checked with the objects before linking: compiler/symcheck.c.) */
static bool check_program(input_t *ins, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const module_t *m = ins[i].m;
        if (!m)
            continue;
        for (size_t j = 0; j < i; j++)
            if (ins[j].m && strcmp(mod_str(ins[j].m, ins[j].m->name), mod_str(m, m->name)) == 0) {
                diag_error("module '%s' is defined by both %s and %s", mod_str(m, m->name),
                           ins[j].path, ins[i].path);
                ok = false;
            }
    }
    return ok;
}

/* ---- outputs ---- */

static const char *kind_ext(out_kind_t k)
{
    switch (k) {
    case OUT_OBJ: return ".o";
    case OUT_ASM: return ".s";
    case OUT_LLVM_IR: return ".ll";
    case OUT_VMBC: return ".vmbc";
    case OUT_DISASM: return ".vmasm";
    case OUT_EXE: return "";
    }
    return "";
}

/* Output path for `in` when -o is not given: the input's base name with the
 * kind's extension, in the current directory. */
static char *default_output(const char *in, out_kind_t k)
{
    const char *base = path_basename(in);
    size_t stem = strlen(base) - strlen(path_ext(base));
    buf_t b = {0};
    buf_printf(&b, "%.*s%s%c", (int)stem, base, kind_ext(k), 0);
    return (char *)b.data;
}

/* True if writing `out` would replace the input `in`: the same path, or the
 * same file under another name (./x.vmasm, a link). */
static bool same_file(const char *out, const char *in)
{
    if (strcmp(out, in) == 0)
        return true;
    struct stat a, b;
    return stat(out, &a) == 0 && stat(in, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* False, after an error, if `out` would replace one of the inputs. */
static bool check_not_input(const char *out, const input_t *ins, size_t n)
{
    if (strcmp(out, "-") == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        if (!same_file(out, ins[i].path))
            continue;
        if (strcmp(out, ins[i].path) == 0)
            diag_error("output %s would overwrite its input", out);
        else
            diag_error("output %s would overwrite its input %s", out, ins[i].path);
        return false;
    }
    return true;
}

static bool write_all(const char *path, const void *data, size_t len)
{
    if (strcmp(path, "-") == 0)
        return fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
    char *tmp = out_temp_path(path);
    if (!tmp) {
        diag_error("cannot create %s: %s", path, strerror(errno));
        return false;
    }
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok || !out_commit(tmp, path)) {
        diag_error("cannot write %s: %s", path, strerror(errno));
        out_discard(tmp);
        free(tmp);
        return false;
    }
    free(tmp);
    return true;
}

/* One part of a module (lower_opts_t), lowered and emitted on a thread of
 * its own: an LLVM context and target machine each. */
typedef struct part {
    const options_t *o;
    LLVMTargetMachineRef tm; /* made on the main thread: target.c's set-up is not thread-safe */
    const module_t *m;
    emit_kind_t kind;
    lower_opts_t lo;
    const char *path;
    bool ok;
} part_t;

static void *compile_part(void *arg)
{
    part_t *p = arg;
    const options_t *o = p->o;
    LLVMContextRef llc = LLVMContextCreate();
    /* Value names only matter in readable IR; dropping them saves ~5% of
     * an -O0 compile. */
    LLVMContextSetDiscardValueNames(llc, p->kind != EMIT_LLVM_IR);
    LLVMModuleRef mod = lower_module(llc, p->m, &p->lo);
    p->ok =
        emit_module(mod, p->tm, o->target.t->llvm_triple, o->opt, o->verify_ir, p->kind, p->path);
    LLVMDisposeModule(mod);
    LLVMContextDispose(llc);
    return NULL;
}

static LLVMTargetMachineRef new_target_machine(const options_t *o)
{
    char *err = NULL;
    LLVMTargetMachineRef tm = target_machine(&o->target, o->opt, &err);
    if (!tm) {
        diag_error("target %s: %s", o->target.t->name, err ? err : "unavailable");
        free(err);
    }
    return tm;
}

/* Below this many instructions a part costs more (a thread, an LLVM
 * context, the relocatable link) than it saves (--part-min). */
#define PART_MIN_INSTRS 4000

/* How many parts to compile `m` in: one per thread asked for (-j, else one
 * per CPU), of at least --part-min instructions each; one for anything but
 * an object file (assembly and IR stay one readable file). */
static uint32_t part_count(const options_t *o, uint64_t instrs, uint32_t defined, emit_kind_t kind)
{
    if (kind != EMIT_OBJ)
        return 1;
    long jobs = o->jobs ? o->jobs : sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t n = instrs / (uint64_t)(o->part_min ? o->part_min : PART_MIN_INSTRS);
    if (n > (uint64_t)(jobs > 1 ? jobs : 1))
        n = (uint64_t)(jobs > 1 ? jobs : 1);
    if (n > defined)
        n = defined;
    return n > 1 ? (uint32_t)n : 1;
}

/* The suffix of the symbols a split module's parts share: a hash (FNV-1a)
 * of its binary form, so it depends on the module alone. */
static char *shared_suffix(const module_t *m)
{
    buf_t b = {0};
    vmbc_write(m, &b);
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < b.len; i++)
        h = (h ^ b.data[i]) * 1099511628211ull;
    buf_free(&b);
    char *s = xmalloc(24);
    snprintf(s, 24, ".p%016llx", (unsigned long long)h);
    return s;
}

/* Compile one module to `path` (object, assembly or LLVM IR). A large
 * module's object is compiled in parts on as many threads, whose objects
 * the linker driver joins into one (cc -r). */
static bool compile(const options_t *o, const module_t *m, emit_kind_t kind, const char *path)
{
    lower_opts_t lo = {.sp_register = o->target.t->sp_register,
                       .debug = o->debug,
                       .optimized = o->opt > 0,
                       .target = o->target.t->name,
                       .c_int_ext = o->target.t->c_int_ext};
    uint64_t total = 0; /* instructions of the functions defined here */
    uint32_t defined = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (!m->funcs[i].imported) {
            total += m->funcs[i].ninstrs;
            defined++;
        }
    uint32_t nparts = part_count(o, total, defined, kind);
    if (nparts > 1 && !link_can_join(o->target.t))
        nparts = 1;
    if (nparts == 1) {
        part_t p = {.o = o, .m = m, .kind = kind, .lo = lo, .path = path};
        if (!(p.tm = new_target_machine(o)))
            return false;
        compile_part(&p);
        LLVMDisposeTargetMachine(p.tm);
        return p.ok;
    }
    char *suffix = shared_suffix(m);
    part_t *parts = xcalloc(nparts, sizeof *parts);
    char **paths = xcalloc(nparts, sizeof *paths);
    pthread_t *threads = xcalloc(nparts, sizeof *threads);
    bool *started = xcalloc(nparts, sizeof *started);
    bool ok = true;
    /* contiguous runs of functions, about total / nparts instructions each */
    uint32_t fn = 0;
    uint64_t done = 0;
    for (uint32_t k = 0; k < nparts; k++) {
        uint32_t lo_fn = fn;
        uint64_t until = total * (k + 1) / nparts;
        while (fn < m->nfuncs && (k == nparts - 1 || done < until)) {
            if (!m->funcs[fn].imported)
                done += m->funcs[fn].ninstrs;
            fn++;
        }
        paths[k] = scratch_path(".o");
        if (!paths[k]) {
            diag_error("cannot create a temporary file: %s", strerror(errno));
            ok = false;
            break;
        }
        parts[k] = (part_t){.o = o, .m = m, .kind = kind, .lo = lo, .path = paths[k]};
        if (!(parts[k].tm = new_target_machine(o))) {
            ok = false;
            break;
        }
        parts[k].lo.part = k;
        parts[k].lo.nparts = nparts;
        parts[k].lo.fn_lo = lo_fn;
        parts[k].lo.fn_hi = fn;
        parts[k].lo.shared_suffix = suffix;
    }
    for (uint32_t k = 1; k < nparts && ok; k++)
        started[k] = pthread_create(&threads[k], NULL, compile_part, &parts[k]) == 0;
    if (ok)
        compile_part(&parts[0]); /* and those no thread could be made for */
    for (uint32_t k = 1; k < nparts && ok; k++) {
        if (started[k])
            pthread_join(threads[k], NULL);
        else
            compile_part(&parts[k]);
    }
    for (uint32_t k = 0; k < nparts && ok; k++)
        ok = parts[k].ok;
    ok = ok && link_join(o->target.t, paths, nparts, path, o->verbose);
    for (uint32_t k = 0; k < nparts; k++)
        if (parts[k].tm)
            LLVMDisposeTargetMachine(parts[k].tm);
    for (uint32_t k = 0; k < nparts; k++)
        if (paths[k]) {
            out_discard(paths[k]);
            free(paths[k]);
        }
    free(paths);
    free(parts);
    free(threads);
    free(started);
    free(suffix);
    return ok;
}

/* Compile to a temporary beside `out` and rename it into place ('-' for
 * text kinds goes through a scratch file to stdout). */
static bool compile_to(const options_t *o, const module_t *m, emit_kind_t kind, const char *out)
{
    bool to_stdout = strcmp(out, "-") == 0;
    if (to_stdout && kind == EMIT_OBJ) {
        diag_error("an object file cannot be written to standard output");
        return false;
    }
    char *tmp = to_stdout ? scratch_path(".out") : out_temp_path(out);
    if (!tmp) {
        diag_error("cannot create %s: %s", out, strerror(errno));
        return false;
    }
    bool ok = compile(o, m, kind, tmp);
    if (ok && to_stdout) {
        size_t len;
        uint8_t *data = read_file(tmp, &len);
        ok = data && write_all("-", data, len);
        free(data);
        out_discard(tmp);
    } else if (ok && !out_commit(tmp, out)) {
        diag_error("cannot write %s: %s", out, strerror(errno));
        ok = false;
    }
    if (!ok)
        out_discard(tmp);
    free(tmp);
    return ok;
}

static bool build_executable(const options_t *o, input_t *ins, size_t n)
{
    const char *out = o->output ? o->output : "a.out";
    if (!check_not_input(out, ins, n))
        return false;
    char **objs = xcalloc(n, sizeof *objs);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (!ins[i].m) {
            objs[i] = xstrdup(ins[i].path);
            continue;
        }
        objs[i] = scratch_path(".o");
        ok = objs[i] && compile(o, ins[i].m, EMIT_OBJ, objs[i]);
    }
    if (ok) {
        const char **shown = xcalloc(n, sizeof *shown);
        for (size_t i = 0; i < n; i++)
            shown[i] = ins[i].path;
        char *rt = runtime_dir(o->target.t);
        buf_t libdir = {0};
        if (rt)
            buf_printf(&libdir, "%s/stdlib%c", rt, 0);
        ok = symcheck_program(o->target.t, objs, shown, n, rt ? (const char *)libdir.data : NULL);
        buf_free(&libdir);
        free(rt);
        free(shown);
    }
    char *tmp = ok ? out_temp_path(out) : NULL;
    if (ok && !tmp) {
        diag_error("cannot create %s: %s", out, strerror(errno));
        ok = false;
    }
    link_opts_t lo = {
        .static_link = o->link_static, .verbose = o->verbose, .extra = o->link, .nextra = o->nlink};
    ok = ok && link_executable(o->target.t, &lo, objs, n, tmp);
    if (ok && !out_commit(tmp, out)) {
        diag_error("cannot write %s: %s", out, strerror(errno));
        ok = false;
    }
    if (tmp && !ok)
        out_discard(tmp);
    free(tmp);
    for (size_t i = 0; i < n; i++) {
        if (objs[i] && ins[i].m)
            out_discard(objs[i]);
        free(objs[i]);
    }
    free(objs);
    return ok;
}

/* One output per module: vmbc, disassembly, object, assembly, LLVM IR. */
static bool per_module_outputs(const options_t *o, input_t *ins, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (!ins[i].m) {
            diag_error("%s: an object file cannot be compiled further", ins[i].path);
            return false;
        }
        char *out = o->output ? xstrdup(o->output) : default_output(ins[i].path, o->kind);
        if (!check_not_input(out, ins, n)) {
            free(out);
            return false;
        }
        if (o->kind == OUT_VMBC || o->kind == OUT_DISASM) {
            buf_t b = {0};
            if (o->kind == OUT_VMBC)
                vmbc_write(ins[i].m, &b);
            else
                disasm_module(ins[i].m, &b);
            ok = write_all(out, b.data, b.len);
            buf_free(&b);
        } else {
            emit_kind_t k = o->kind == OUT_OBJ   ? EMIT_OBJ
                            : o->kind == OUT_ASM ? EMIT_ASM
                                                 : EMIT_LLVM_IR;
            ok = compile_to(o, ins[i].m, k, out);
        }
        free(out);
    }
    return ok;
}

int driver_main(int argc, char **argv)
{
    options_t o = {.kind = OUT_EXE, .link_static = -1};
    parse_args(&o, argc, argv);
    if (!o.target.t)
        o.target.t = target_host();
    if (!o.target.t)
        usage_error("this machine is not a supported target; use --target");
    if (o.cpu_help)
        return target_print_cpus(o.target.t) ? 0 : 1;
    if (o.link_static < 0)
        o.link_static = o.target.t != target_host();
    if (!target_check(&o.target))
        return 1;
    size_t n = o.ninputs;
    if (o.kind != OUT_EXE && n > 1 && o.output && strcmp(o.output, "-") != 0)
        usage_error("-o with several inputs is only for linking; without -o each input gets "
                    "its own output");
    if (o.kind == OUT_DISASM && !o.output)
        o.output = "-";
    input_t *ins = xcalloc(n, sizeof *ins);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        ins[i].path = o.inputs[i];
        ok &= load(&ins[i]);
    }
    ok = ok && check_program(ins, n);
    if (ok)
        ok = o.kind == OUT_EXE ? build_executable(&o, ins, n) : per_module_outputs(&o, ins, n);
    for (size_t i = 0; i < n; i++) {
        module_free(ins[i].m);
        free(ins[i].data);
    }
    free(ins);
    free(o.inputs);
    for (size_t i = 0; i < o.nlink; i++)
        free(o.link[i]);
    free(o.link);
    return ok ? 0 : 1;
}
