/* runtime/platform/switch_x86_64.S — context switch, System V AMD64 ABI.
 *
 * Saved on the stack, from high to low addresses: rbp rbx r12 r13 r14 r15,
 * then one word holding MXCSR (low half) and the x87 control word. */
        .text
        .globl  rt_switch
        .hidden rt_switch
        .type   rt_switch, @function
rt_switch:                      /* rdi = void **save, rsi = void *load */
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   rt_switch, .-rt_switch

/* First code of a fresh context: r12 = entry, r13 = arg; rsp is 16-aligned. */
        .type   rt_switch_start, @function
rt_switch_start:
        .cfi_startproc
        .cfi_undefined rip
        movq    %r13, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   rt_switch_start, .-rt_switch_start

        .globl  rt_switch_init
        .hidden rt_switch_init
        .type   rt_switch_init, @function
rt_switch_init:                 /* rdi = top, rsi = entry, rdx = arg */
        .cfi_startproc
        leaq    rt_switch_start(%rip), %rax
        movq    %rax, -8(%rdi)          /* return address of the first switch */
        movq    $0, -16(%rdi)           /* rbp */
        movq    $0, -24(%rdi)           /* rbx */
        movq    %rsi, -32(%rdi)         /* r12 = entry */
        movq    %rdx, -40(%rdi)         /* r13 = arg */
        movq    $0, -48(%rdi)           /* r14 */
        movq    $0, -56(%rdi)           /* r15 */
        movl    $0x1f80, -64(%rdi)      /* MXCSR: default, all exceptions masked */
        movl    $0x037f, -60(%rdi)      /* x87 control word: default */
        leaq    -64(%rdi), %rax
        ret
        .cfi_endproc
        .size   rt_switch_init, .-rt_switch_init

        .section .note.GNU-stack,"",@progbits
