/*
 * runtime/platform/platform.h — what the runtime needs from the machine and
 * the C compiler, below every other layer: attributes, the channel for our
 * own bugs, native stacks and guarded mappings. (The context switch is
 * platform/switch.h.)
 */
#ifndef VM_RT_PLATFORM_H
#define VM_RT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define RT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define RT_NORETURN          __attribute__((noreturn))

/* Our own bug: report file and line, abort. */
RT_NORETURN void rt_unreachable_at(const char *file, int line, const char *what);
#define rt_unreachable(what) rt_unreachable_at(__FILE__, __LINE__, what)

/* Room left below a native stack limit for the runtime's own C frames
 * (printf, the collector) called from the deepest compiled frame. */
#define RT_STACK_MARGIN (256 * 1024)

/* The lowest native stack pointer compiled code may reach on the calling
 * thread: its stack's low end plus RT_STACK_MARGIN. */
uintptr_t rt_thread_stack_limit(void);

/* `bytes` (a multiple of the page size) of zeroed memory, reserved and
 * committed by the kernel as it is touched, with an inaccessible guard page
 * above it; NULL if the kernel refuses. */
void *rt_map_guarded(size_t bytes);

#endif
