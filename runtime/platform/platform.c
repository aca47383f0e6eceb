/* The machine below the runtime: our own bugs, native stacks, guarded
 * mappings. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/platform.h"

void rt_unreachable_at(const char *file, int line, const char *what)
{
    fflush(stdout);
    fprintf(stderr, "vmcc runtime: internal error at %s:%d: %s\n", file, line, what);
    abort();
}

uintptr_t rt_thread_stack_limit(void)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        rt_unreachable("pthread_getattr_np failed");
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (size <= 2 * RT_STACK_MARGIN)
        rt_unreachable("stack too small");
    return (uintptr_t)addr + RT_STACK_MARGIN;
}

void *rt_map_guarded(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *mem = mmap(NULL, bytes + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    if (mprotect(mem + bytes, page, PROT_NONE) != 0) {
        munmap(mem, bytes + page);
        return NULL;
    }
    return mem;
}
