/* tests/unit/runtime/test_context.c — a thread's context: the shadow stack
 * and its guard page (runtime/core/context.c). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "rt_test.h"

/* The last slot of the margin past the limit is writable. */
Test(context, shadow_stack_margin_writable, .init = setup)
{
    volatile vm_val_t *top = ctx.ss_limit + VM_SS_MARGIN - 1;
    *top = val_from_int(7);
    cr_assert_eq(*top, val_from_int(7));
}

/* The protection of the mapping holding `addr`, from /proc/self/maps
 * ("rw-p", "---p"), or "" if nothing is mapped there. */
static void mapping_perms(uintptr_t addr, char perms[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    unsigned long lo, hi;
    char p[5];
    perms[0] = 0;
    while (fscanf(f, "%lx-%lx %4s%*[^\n]", &lo, &hi, p) == 3)
        if (addr >= lo && addr < hi) {
            memcpy(perms, p, 5);
            break;
        }
    fclose(f);
}

/* Past the margin, rounded up to a page, lies an inaccessible guard page
 * (not merely unmapped space the kernel may hand out later): a write there
 * faults instead of corrupting another mapping. */
Test(context, shadow_stack_guard_page, .init = setup)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t end = (uintptr_t)(ctx.ss_limit + VM_SS_MARGIN);
    end = (end + page - 1) / page * page;
    char perms[5];
    mapping_perms(end - 1, perms);
    cr_assert_str_eq(perms, "rw-p", "the shadow stack's last page");
    mapping_perms(end, perms);
    cr_assert_str_eq(perms, "---p", "the page past the shadow stack");
}

/* AddressSanitizer takes SIGSEGV for its own report and exits instead. */
#if defined(__SANITIZE_ADDRESS__)
#define NOT_UNDER_ASAN .disabled = true
#else
#define NOT_UNDER_ASAN .disabled = false
#endif

Test(context, shadow_stack_guard_page_faults, .init = setup, .signal = SIGSEGV, NOT_UNDER_ASAN)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t end = (uintptr_t)(ctx.ss_limit + VM_SS_MARGIN);
    end = (end + page - 1) / page * page;
    *(volatile vm_val_t *)end = val_from_int(1);
}
