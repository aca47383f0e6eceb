/* runtime/platform/switch_aarch64.S — context switch, AAPCS64.
 *
 * Saved on the stack (176 bytes): x19..x28, x29 (fp), x30 (lr), d8..d15,
 * FPCR and a pad word. */
        .text
        .globl  rt_switch
        .hidden rt_switch
        .type   rt_switch, %function
rt_switch:                      /* x0 = void **save, x1 = void *load */
        sub     sp, sp, #176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        ldr     x9, [sp, #160]
        msr     fpcr, x9
        add     sp, sp, #176
        ret
        .size   rt_switch, .-rt_switch

/* First code of a fresh context: x19 = entry, x20 = arg. */
        .type   rt_switch_start, %function
rt_switch_start:
        mov     x0, x20
        blr     x19
        brk     #0
        .size   rt_switch_start, .-rt_switch_start

        .globl  rt_switch_init
        .hidden rt_switch_init
        .type   rt_switch_init, %function
rt_switch_init:                 /* x0 = top, x1 = entry, x2 = arg */
        sub     x0, x0, #176
        mov     x9, #0
        mov     x10, #0
        stp     x1, x2, [x0, #0]        /* x19 = entry, x20 = arg */
        stp     x9, x10, [x0, #16]
        stp     x9, x10, [x0, #32]
        stp     x9, x10, [x0, #48]
        stp     x9, x10, [x0, #64]
        adr     x10, rt_switch_start
        stp     x9, x10, [x0, #80]      /* fp = 0, lr = rt_switch_start */
        mov     x10, #0
        stp     x9, x10, [x0, #96]
        stp     x9, x10, [x0, #112]
        stp     x9, x10, [x0, #128]
        stp     x9, x10, [x0, #144]
        stp     x9, x10, [x0, #160]     /* FPCR = 0: round to nearest, no traps */
        ret
        .size   rt_switch_init, .-rt_switch_init

        .section .note.GNU-stack,"",%progbits
