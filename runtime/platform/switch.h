/*
 * runtime/platform/switch.h — the one interface to the per-architecture
 * context switch (switch_<arch>.S).
 *
 * A suspended context is a single stack pointer: rt_switch pushes the
 * callee-saved registers of the ABI (and the floating-point control state
 * on x86_64) onto the running stack, stores the resulting stack pointer in
 * *save, loads `load` as the stack pointer, pops the registers saved there
 * and returns into the context that saved them. Everything a context needs
 * therefore lives on its own stack, which is what lets the scheduler copy a
 * suspended process's stack out and back in (docs/processes.md).
 */
#ifndef VM_RT_SWITCH_H
#define VM_RT_SWITCH_H

#include <stddef.h>

/* Save the running context (its stack pointer into *save) and resume the
 * context whose stack pointer is `load`. Returns when another switch
 * resumes the saved context. */
void rt_switch(void **save, void *load);

/* Lay out a fresh context at the top of a stack (`top`, 16-aligned, the
 * highest address plus one): a switch to the returned stack pointer calls
 * entry(arg) with the stack aligned as the ABI requires. `entry` must not
 * return. Writes at most RT_SWITCH_FRAME_BYTES below `top`. */
void *rt_switch_init(void *top, void (*entry)(void *), void *arg);
#define RT_SWITCH_FRAME_BYTES 256

#endif
