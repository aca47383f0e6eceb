/* compiler/target.c — the targets vmcc knows and their LLVM target machines.
 * Code is always position-independent (Debian links PIE by default). */
#include "target.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "diag.h"
#include "util.h"

/* ELF machine numbers (elf.h's EM_*), spelled here to need no elf.h. */
enum { ELF_X86_64 = 62, ELF_AARCH64 = 183, ELF_RISCV = 243 };

static const target_info_t x86_64 = {.name = "x86_64-linux-gnu",
                                     .llvm_triple = "x86_64-unknown-linux-gnu",
                                     .cpu = "x86-64",
                                     .features = "",
                                     .abi = "",
                                     .sp_register = "rsp",
                                     .elf_machine = ELF_X86_64,
                                     .static_flag = "-static-pie",
                                     .c_int_ext = C_EXT_SMALL};
static const target_info_t aarch64 = {.name = "aarch64-linux-gnu",
                                      .llvm_triple = "aarch64-unknown-linux-gnu",
                                      .cpu = "generic",
                                      .features = "",
                                      .abi = "",
                                      .sp_register = "sp",
                                      .elf_machine = ELF_AARCH64,
                                      .static_flag = "-static-pie",
                                      .c_int_ext = C_EXT_NONE};
/* riscv64: RV64GC with the hard-float ABI, as Debian's riscv64 port.
 * Static executables are not PIE: Debian 12's riscv64 cross glibc has no
 * static-pie start file (rcrt1.o). */
static const target_info_t riscv64 = {.name = "riscv64-linux-gnu",
                                      .llvm_triple = "riscv64-unknown-linux-gnu",
                                      .cpu = "generic-rv64",
                                      .features = "+m,+a,+f,+d,+c",
                                      .abi = "lp64d",
                                      .sp_register = "sp",
                                      .elf_machine = ELF_RISCV,
                                      .static_flag = "-static",
                                      .c_int_ext = C_EXT_RV64};
const target_info_t *const target_all[] = {&x86_64, &aarch64, &riscv64, NULL};

/* Architecture spellings -> target. */
static const struct {
    const char *arch;
    const target_info_t *t;
} arch_names[] = {
    {"x86_64", &x86_64}, {"amd64", &x86_64},    {"x86-64", &x86_64},     {"aarch64", &aarch64},
    {"arm64", &aarch64}, {"riscv64", &riscv64}, {"riscv64gc", &riscv64},
};

const target_info_t *target_find(const char *s)
{
    /* <arch>[-<vendor>]-linux[-gnu] or a bare <arch>. */
    const char *dash = strchr(s, '-');
    size_t alen = dash ? (size_t)(dash - s) : strlen(s);
    const target_info_t *t = NULL;
    for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
        if (strlen(arch_names[i].arch) == alen && strncmp(s, arch_names[i].arch, alen) == 0)
            t = arch_names[i].t;
    if (!t || !dash)
        return t;
    const char *rest = dash + 1;
    static const char *const vendors[] = {"unknown-", "pc-", ""};
    for (size_t v = 0; v < 3; v++) {
        size_t vl = strlen(vendors[v]);
        if (strncmp(rest, vendors[v], vl) != 0)
            continue;
        const char *os = rest + vl;
        if (strcmp(os, "linux") == 0 || strcmp(os, "linux-gnu") == 0)
            return t;
    }
    return NULL;
}

const target_info_t *target_host(void)
{
    char *triple = LLVMGetDefaultTargetTriple();
    const target_info_t *t = target_find(triple);
    if (!t) /* e.g. a distribution vendor field: match the architecture */
        for (size_t i = 0; target_all[i] && !t; i++) {
            size_t n = strcspn(target_all[i]->name, "-");
            if (strncmp(triple, target_all[i]->name, n) == 0 && triple[n] == '-')
                t = target_all[i];
        }
    LLVMDisposeMessage(triple);
    return t;
}

static void init_llvm_targets(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    LLVMInitializeRISCVTargetInfo();
    LLVMInitializeRISCVTarget();
    LLVMInitializeRISCVTargetMC();
    LLVMInitializeRISCVAsmPrinter();
}

const target_info_t *target_by_elf_machine(unsigned machine)
{
    for (size_t i = 0; target_all[i]; i++)
        if (target_all[i]->elf_machine == machine)
            return target_all[i];
    return NULL;
}

/* ---- CPUs and features ----
 * LLVM-C has no query for them; a target machine made for the CPU "help"
 * prints both tables to stderr (MCSubtargetInfo). They are captured and
 * parsed: "  name  - description." lines after "Available CPUs"
 * and after "Available features". */

typedef struct name_list {
    char **names;
    size_t n, cap;
} name_list_t;

typedef struct target_tables {
    name_list_t cpus, features;
} target_tables_t;

static LLVMTargetMachineRef make_tm(const target_info_t *t, const char *cpu, const char *features,
                                    int opt, char **err)
{
    init_llvm_targets();
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(t->llvm_triple, &target, err))
        return NULL;
    LLVMTargetMachineOptionsRef o = LLVMCreateTargetMachineOptions();
    LLVMTargetMachineOptionsSetCPU(o, cpu);
    LLVMTargetMachineOptionsSetFeatures(o, features);
    if (t->abi[0])
        LLVMTargetMachineOptionsSetABI(o, t->abi);
    LLVMTargetMachineOptionsSetRelocMode(o, LLVMRelocPIC);
    LLVMTargetMachineOptionsSetCodeGenOptLevel(o, opt == 0   ? LLVMCodeGenLevelNone
                                                  : opt == 1 ? LLVMCodeGenLevelLess
                                                  : opt == 2 ? LLVMCodeGenLevelDefault
                                                             : LLVMCodeGenLevelAggressive);
    LLVMTargetMachineRef tm = LLVMCreateTargetMachineWithOptions(target, t->llvm_triple, o);
    LLVMDisposeTargetMachineOptions(o);
    if (!tm)
        *err = xstrdup("cannot create a target machine");
    return tm;
}

static void free_tables(target_tables_t *tt)
{
    name_list_t *lists[] = {&tt->cpus, &tt->features};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->n; i++)
            free(lists[l]->names[i]);
        free(lists[l]->names);
    }
}

/* Fills `tt` with the CPUs and features LLVM knows for `t`; false after an
 * error if they cannot be read. vmcc needs them once per run. */
static bool read_tables(const target_info_t *t, target_tables_t *tt)
{
    *tt = (target_tables_t){0};
    /* Capture what LLVM writes to fd 2 while it makes the machine. */
    FILE *cap = tmpfile();
    int saved = cap ? dup(2) : -1;
    if (saved < 0) {
        diag_error("cannot list the CPUs of %s: %s", t->name, strerror(errno));
        if (cap)
            fclose(cap);
        return false;
    }
    fflush(stderr);
    dup2(fileno(cap), 2);
    char *err = NULL;
    LLVMTargetMachineRef tm = make_tm(t, "help", "", 0, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (tm)
        LLVMDisposeTargetMachine(tm);
    free(err);
    rewind(cap);
    char line[512];
    name_list_t *into = NULL;
    while (fgets(line, sizeof line, cap)) {
        if (strncmp(line, "Available CPUs", 14) == 0)
            into = &tt->cpus;
        else if (strncmp(line, "Available features", 18) == 0)
            into = &tt->features;
        else if (into && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
            char *name = line + 2;
            name[strcspn(name, " \n")] = 0;
            VEC_PUSH(into->names, into->n, into->cap, xstrdup(name));
        } else if (into && line[0] != '\n') {
            into = NULL;
        }
    }
    fclose(cap);
    if (!tt->cpus.n || !tt->features.n) {
        diag_error("LLVM did not list the CPUs and features of %s", t->name);
        free_tables(tt);
        return false;
    }
    return true;
}

static bool known(const name_list_t *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->names[i]) == len && strncmp(l->names[i], name, len) == 0)
            return true;
    return false;
}

bool target_check(const target_cfg_t *c)
{
    if (!c->cpu && !c->features)
        return true;
    target_tables_t tt;
    if (!read_tables(c->t, &tt))
        return false;
    bool ok = true;
    if (c->cpu && strcmp(c->cpu, "native") == 0) {
        if (c->t != target_host()) {
            diag_error("--cpu=native is for the host; %s is another target", c->t->name);
            ok = false;
        }
    } else if (c->cpu && !known(&tt.cpus, c->cpu, strlen(c->cpu))) {
        diag_error("unknown CPU '%s' for %s (vmcc --target=%s --cpu=help lists them)", c->cpu,
                   c->t->name, c->t->name);
        ok = false;
    }
    for (const char *p = c->features; ok && p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || (p[0] != '+' && p[0] != '-') || !known(&tt.features, p + 1, len - 1)) {
            diag_error("unknown feature '%.*s' for %s (features are +NAME or -NAME, separated by "
                       "commas; vmcc --target=%s --cpu=help lists them)",
                       (int)len, p, c->t->name, c->t->name);
            ok = false;
        }
        p += len + (p[len] == ',');
    }
    free_tables(&tt);
    return ok;
}

bool target_print_cpus(const target_info_t *t)
{
    target_tables_t tables, *tt = &tables;
    if (!read_tables(t, tt))
        return false;
    printf("CPUs for %s (default %s):\n", t->name, t->cpu);
    for (size_t i = 0; i < tt->cpus.n; i++)
        printf("  %s\n", tt->cpus.names[i]);
    if (t == target_host())
        printf("  native (this machine's)\n");
    printf("\nFeatures for %s (--features=+NAME,-NAME; default '%s'):\n", t->name, t->features);
    for (size_t i = 0; i < tt->features.n; i++)
        printf("  %s\n", tt->features.names[i]);
    free_tables(tt);
    return true;
}

LLVMTargetMachineRef target_machine(const target_cfg_t *c, int opt, char **err)
{
    const target_info_t *t = c->t;
    const char *cpu = c->cpu ? c->cpu : t->cpu;
    char *host_cpu = NULL, *host_features = NULL;
    buf_t features = {0};
    if (strcmp(cpu, "native") == 0) {
        cpu = host_cpu = LLVMGetHostCPUName();
        host_features = LLVMGetHostCPUFeatures();
        buf_printf(&features, "%s", host_features);
    } else {
        buf_printf(&features, "%s", t->features);
    }
    if (c->features && *c->features)
        buf_printf(&features, "%s%s", features.len ? "," : "", c->features);
    buf_byte(&features, 0);
    LLVMTargetMachineRef tm = make_tm(t, cpu, (const char *)features.data, opt, err);
    buf_free(&features);
    LLVMDisposeMessage(host_cpu);
    LLVMDisposeMessage(host_features);
    return tm;
}
