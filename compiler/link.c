/*
 * compiler/link.c — finds the runtime staged for a target and runs the
 * system's C compiler driver as the linker.
 *
 * The runtime lives relative to the vmcc executable, one folder per target:
 *   <prefix>/bin/vmcc
 *   <prefix>/lib/vmcc/<triple>/libbuiltins.a
 *   <prefix>/lib/vmcc/<triple>/libvmstd.a        (the standard library)
 *   <prefix>/lib/vmcc/<triple>/link-flags.txt   (libraries, one per line)
 *   <prefix>/lib/vmcc/<triple>/link-flags-static.txt  (the same, --static)
 *   <prefix>/lib/vmcc/<triple>/runtime.txt      ("target T", "abi N")
 * so the build tree and an installed tree work alike. The host links with
 * `cc`, another target with its cross gcc; --static links -static-pie where
 * the target's C library can (a static executable that is still
 * position-independent, for ASLR), else -static (target_info_t).
 */
#include "link.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../abi/value.h"
#include "diag.h"
#include "util.h"

extern char **environ;

char *runtime_dir(const target_info_t *t)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    buf_t b = {0};
    buf_printf(&b, "%s/../lib/vmcc/%s", exe, t->name);
    buf_byte(&b, 0);
    return (char *)b.data;
}

/* The link flags file: one argument per line. */
static char **read_flags(const char *path, size_t *n)
{
    size_t len;
    char *text = (char *)read_file(path, &len);
    *n = 0;
    if (!text)
        return NULL;
    char **flags = NULL;
    size_t cap = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (*line)
            VEC_PUSH(flags, *n, cap, xstrdup(line));
    free(text);
    return flags;
}

static bool run(char **argv, bool verbose)
{
    if (verbose) {
        for (char **a = argv; *a; a++)
            fprintf(stderr, "%s%s", a == argv ? "" : " ", *a);
        fputc('\n', stderr);
    }
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc != 0) {
        diag_error("cannot run the linker '%s': %s", argv[0], strerror(rc));
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            diag_error("waiting for the linker: %s", strerror(errno));
            return false;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    diag_error("linking failed (%s exited with status %d)", argv[0],
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return false;
}

const char *runtime_script(const target_info_t *t)
{
    static char script[64];
    if (t == target_host())
        return "scripts/build.sh";
    snprintf(script, sizeof script, "scripts/build-cross.sh %.*s", (int)strcspn(t->name, "-"),
             t->name);
    return script;
}

/* The runtime in `dir` was built for `t` and this vmcc's ABI: its
 * runtime.txt (written by CMakeLists.txt) says "target T" and "abi N". */
static bool check_runtime(const target_info_t *t, const char *dir)
{
    buf_t path = {0};
    buf_printf(&path, "%s/runtime.txt%c", dir, 0);
    size_t len;
    char *text = (char *)read_file((char *)path.data, &len);
    char triple[64] = "";
    int abi = -1;
    bool ok = false;
    if (!text)
        diag_error("the runtime in %s has no runtime.txt: rebuild it with %s", dir,
                   runtime_script(t));
    else if (sscanf(text, "target %63s abi %d", triple, &abi) != 2)
        diag_error("%s: unreadable (rebuild the runtime with %s)", (char *)path.data,
                   runtime_script(t));
    else if (strcmp(triple, t->name) != 0)
        diag_error("the runtime in %s is built for %s, not %s (rebuild it with %s)", dir, triple,
                   t->name, runtime_script(t));
    else if (abi != VM_ABI_VERSION)
        diag_error("the runtime in %s is built for ABI %d; this vmcc needs ABI %d (rebuild it "
                   "with %s)",
                   dir, abi, VM_ABI_VERSION, runtime_script(t));
    else
        ok = true;
    free(text);
    buf_free(&path);
    return ok;
}

/* True if `prog` is an executable file in $PATH. */
static bool in_path(const char *prog)
{
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        size_t len = strcspn(p, ":");
        buf_t b = {0};
        buf_printf(&b, "%.*s/%s%c", (int)len, p, prog, 0);
        bool found = len && access((char *)b.data, X_OK) == 0;
        buf_free(&b);
        if (found)
            return true;
        p += len + (p[len] == ':');
    }
    return false;
}

/* The C compiler driver that links for `t`: $VMCC_CC if set, `cc` on the
 * host, the cross gcc `<triple>-gcc` (Debian's gcc-<arch>-linux-gnu) for
 * another target; NULL if it is not installed. linker_driver: the same,
 * reporting the error. */
static const char *find_driver(const target_info_t *t, char *buf, size_t size)
{
    const char *cc = getenv("VMCC_CC");
    if (cc && *cc)
        return cc;
    if (t == target_host())
        return "cc";
    snprintf(buf, size, "%s-gcc", t->name);
    return in_path(buf) ? buf : NULL;
}

static const char *linker_driver(const target_info_t *t, char *buf, size_t size)
{
    const char *cc = find_driver(t, buf, size);
    if (cc)
        return cc;
    diag_error("no linker for target %s: %s is not installed (install the cross toolchain "
               "with scripts/setup-cross.sh %.*s)",
               t->name, buf, (int)strcspn(t->name, "-"), t->name);
    return NULL;
}

bool link_can_join(const target_info_t *t)
{
    char buf[64];
    return find_driver(t, buf, sizeof buf) != NULL;
}

bool link_join(const target_info_t *t, char *const *objs, size_t nobjs, const char *out,
               bool verbose)
{
    char cc_buf[64];
    const char *cc = linker_driver(t, cc_buf, sizeof cc_buf);
    if (!cc)
        return false;
    char **argv = xcalloc(nobjs + 6, sizeof *argv);
    size_t n = 0;
    argv[n++] = (char *)cc;
    argv[n++] = "-r";
    argv[n++] = "-nostdlib";
    argv[n++] = "-o";
    argv[n++] = (char *)out;
    for (size_t i = 0; i < nobjs; i++)
        argv[n++] = objs[i];
    argv[n] = NULL;
    bool ok = run(argv, verbose);
    free(argv);
    return ok;
}

bool link_executable(const target_info_t *t, const link_opts_t *lo, char *const *objs, size_t nobjs,
                     const char *out)
{
    char *dir = runtime_dir(t);
    if (!dir) {
        diag_error("cannot locate the vmcc executable to find its runtime");
        return false;
    }
    buf_t lib = {0}, flags_path = {0}, std = {0};
    buf_printf(&lib, "%s/libbuiltins.a%c", dir, 0);
    buf_printf(&std, "%s/libvmstd.a%c", dir, 0);
    buf_printf(&flags_path, "%s/%s%c", dir,
               lo->static_link ? "link-flags-static.txt" : "link-flags.txt", 0);
    struct stat st;
    bool ok = false;
    size_t nflags = 0;
    char **flags = NULL;
    char cc_buf[64];
    const char *cc = NULL;
    if (stat((char *)lib.data, &st) != 0) {
        diag_error("no runtime for target %s: %s is missing (build it with %s)", t->name,
                   (char *)lib.data, runtime_script(t));
        goto done;
    }
    if (!check_runtime(t, dir) || !(cc = linker_driver(t, cc_buf, sizeof cc_buf)))
        goto done;
    flags = read_flags((char *)flags_path.data, &nflags);
    if (!flags) {
        diag_error("cannot read %s (rebuild the runtime with %s)", (char *)flags_path.data,
                   runtime_script(t));
        goto done;
    }
    char **argv = xcalloc(nobjs + nflags + lo->nextra + 12, sizeof *argv);
    size_t k = 0;
    argv[k++] = (char *)cc;
    if (lo->static_link)
        argv[k++] = (char *)t->static_flag;
    else
        argv[k++] = "-pie";
    /* Hardening, whatever the toolchain's defaults (docs/hardening.md):
     * full RELRO and a non-executable stack. */
    argv[k++] = "-Wl,-z,relro,-z,now";
    argv[k++] = "-Wl,-z,noexecstack";
    argv[k++] = "-o";
    argv[k++] = (char *)out;
    for (size_t i = 0; i < nobjs; i++)
        argv[k++] = objs[i];
    /* the program's own libraries after its objects, the runtime's last */
    for (size_t i = 0; i < lo->nextra; i++)
        argv[k++] = lo->extra[i];
    if (stat((char *)std.data, &st) == 0) /* the standard library, if built */
        argv[k++] = (char *)std.data;
    argv[k++] = (char *)lib.data;
    for (size_t i = 0; i < nflags; i++)
        argv[k++] = flags[i];
    argv[k] = NULL;
    ok = run(argv, lo->verbose);
    free(argv);
done:
    for (size_t i = 0; i < nflags; i++)
        free(flags[i]);
    free(flags);
    buf_free(&lib);
    buf_free(&std);
    buf_free(&flags_path);
    free(dir);
    return ok;
}
