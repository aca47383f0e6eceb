/* runtime/platform/switch_riscv64.S — context switch, RISC-V LP64D.
 *
 * Saved on the stack (208 bytes): ra, s0..s11, fs0..fs11, fcsr. */
        .text
        .globl  rt_switch
        .hidden rt_switch
        .type   rt_switch, @function
rt_switch:                      /* a0 = void **save, a1 = void *load */
        addi    sp, sp, -208
        sd      ra, 0(sp)
        sd      s0, 8(sp)
        sd      s1, 16(sp)
        sd      s2, 24(sp)
        sd      s3, 32(sp)
        sd      s4, 40(sp)
        sd      s5, 48(sp)
        sd      s6, 56(sp)
        sd      s7, 64(sp)
        sd      s8, 72(sp)
        sd      s9, 80(sp)
        sd      s10, 88(sp)
        sd      s11, 96(sp)
        fsd     fs0, 104(sp)
        fsd     fs1, 112(sp)
        fsd     fs2, 120(sp)
        fsd     fs3, 128(sp)
        fsd     fs4, 136(sp)
        fsd     fs5, 144(sp)
        fsd     fs6, 152(sp)
        fsd     fs7, 160(sp)
        fsd     fs8, 168(sp)
        fsd     fs9, 176(sp)
        fsd     fs10, 184(sp)
        fsd     fs11, 192(sp)
        frcsr   t0
        sd      t0, 200(sp)
        sd      sp, 0(a0)
        mv      sp, a1
        ld      ra, 0(sp)
        ld      s0, 8(sp)
        ld      s1, 16(sp)
        ld      s2, 24(sp)
        ld      s3, 32(sp)
        ld      s4, 40(sp)
        ld      s5, 48(sp)
        ld      s6, 56(sp)
        ld      s7, 64(sp)
        ld      s8, 72(sp)
        ld      s9, 80(sp)
        ld      s10, 88(sp)
        ld      s11, 96(sp)
        fld     fs0, 104(sp)
        fld     fs1, 112(sp)
        fld     fs2, 120(sp)
        fld     fs3, 128(sp)
        fld     fs4, 136(sp)
        fld     fs5, 144(sp)
        fld     fs6, 152(sp)
        fld     fs7, 160(sp)
        fld     fs8, 168(sp)
        fld     fs9, 176(sp)
        fld     fs10, 184(sp)
        fld     fs11, 192(sp)
        ld      t0, 200(sp)
        fscsr   t0
        addi    sp, sp, 208
        ret
        .size   rt_switch, .-rt_switch

/* First code of a fresh context: s1 = entry, s2 = arg. */
        .type   rt_switch_start, @function
rt_switch_start:
        mv      a0, s2
        jalr    s1
        ebreak
        .size   rt_switch_start, .-rt_switch_start

        .globl  rt_switch_init
        .hidden rt_switch_init
        .type   rt_switch_init, @function
rt_switch_init:                 /* a0 = top, a1 = entry, a2 = arg */
        addi    a0, a0, -208
        lla     t0, rt_switch_start
        sd      t0, 0(a0)               /* ra */
        sd      zero, 8(a0)             /* s0 (fp) */
        sd      a1, 16(a0)              /* s1 = entry */
        sd      a2, 24(a0)              /* s2 = arg */
        li      t1, 32
1:      add     t2, a0, t1              /* the rest, fcsr included, zero */
        sd      zero, 0(t2)
        addi    t1, t1, 8
        li      t3, 208
        blt     t1, t3, 1b
        ret
        .size   rt_switch_init, .-rt_switch_init

        .section .note.GNU-stack,"",@progbits
