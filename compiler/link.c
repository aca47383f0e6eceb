/*
 * compiler/link.c — finds the runtime staged for a target and runs the
 * system's C compiler driver as the linker.
 *
 * The runtime lives relative to the vmcc executable, one folder per target:
 *   <prefix>/bin/vmcc
 *   <prefix>/lib/vmcc/<triple>/libbuiltins.a
 *   <prefix>/lib/vmcc/<triple>/link-flags.txt   (libraries, one per line)
 * so the build tree and an installed tree work alike.
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

bool link_executable(const target_info_t *t, char *const *objs, size_t nobjs, const char *out,
                     bool verbose)
{
    char *dir = runtime_dir(t);
    if (!dir) {
        diag_error("cannot locate the vmcc executable to find its runtime");
        return false;
    }
    buf_t lib = {0}, flags_path = {0}, std = {0};
    buf_printf(&lib, "%s/libbuiltins.a%c", dir, 0);
    buf_printf(&std, "%s/libvmstd.a%c", dir, 0);
    buf_printf(&flags_path, "%s/link-flags.txt%c", dir, 0);
    struct stat st;
    bool ok = false;
    size_t nflags = 0;
    char **flags = NULL;
    if (stat((char *)lib.data, &st) != 0) {
        diag_error("no runtime for target %s: %s is missing (build it with scripts/build.sh)",
                   t->name, (char *)lib.data);
        goto done;
    }
    flags = read_flags((char *)flags_path.data, &nflags);
    const char *cc = getenv("VMCC_CC");
    if (!cc || !*cc)
        cc = "cc";
    char **argv = xcalloc(nobjs + nflags + 8, sizeof *argv);
    size_t k = 0;
    argv[k++] = (char *)cc;
    argv[k++] = "-o";
    argv[k++] = (char *)out;
    for (size_t i = 0; i < nobjs; i++)
        argv[k++] = objs[i];
    if (stat((char *)std.data, &st) == 0) /* the standard library, if built */
        argv[k++] = (char *)std.data;
    argv[k++] = (char *)lib.data;
    for (size_t i = 0; i < nflags; i++)
        argv[k++] = flags[i];
    argv[k] = NULL;
    ok = run(argv, verbose);
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
