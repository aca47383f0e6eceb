/* tests/unit/qemu/exec_shim.c — linked into the unit tests of a cross
 * build only. Criterion runs each test in a fresh copy of the test program
 * (BoxFort re-executes it). Under qemu-user without binfmt_misc the kernel
 * cannot execute a foreign binary, so that execve fails. When
 * VMCC_TEST_QEMU names the emulator (scripts/test.sh sets it), this
 * execve starts the program through it instead: the guest's execve reaches
 * the host kernel, which can run the emulator. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int execve(const char *path, char *const argv[], char *const envp[]);

int execve(const char *path, char *const argv[], char *const envp[])
{
    typedef int execve_fn(const char *, char *const[], char *const[]);
    execve_fn *real = (execve_fn *)dlsym(RTLD_NEXT, "execve");
    const char *qemu = getenv("VMCC_TEST_QEMU");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    if (!qemu || !*qemu)
        return real(path, argv, envp);
    size_t argc = 0;
    while (argv[argc])
        argc++;
    /* qemu -L / -0 ARGV0 PATH ARGS... */
    char **args = calloc(argc + 6, sizeof *args);
    if (!args) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = 0;
    args[n++] = (char *)qemu;
    args[n++] = "-L";
    args[n++] = "/";
    args[n++] = "-0";
    args[n++] = argc ? argv[0] : (char *)path;
    args[n++] = (char *)path;
    for (size_t i = 1; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    int rc = real(qemu, args, envp);
    free(args);
    return rc;
}
