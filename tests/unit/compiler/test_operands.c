/* Unit tests of the operand letters: abi/operands.def against the operand
 * strings of abi/opcodes.def. (A string literal's characters are not an
 * integer constant expression in C, so this cannot be a _Static_assert.) */
#include <criterion/criterion.h>
#include <string.h>

#include "ir.h"

/* The rows of abi/opcodes.def as written, not as ir.c derived them. */
static const struct {
    const char *mnemonic, *operands;
} rows[] = {
#define X(id, mn, ops, ndef, flags, fam, doc) {mn, ops},
#include "../abi/opcodes.def"
#undef X
};

static const char letters[] = {
#define X(letter, cls, type, enc, expected) letter,
#include "../abi/operands.def"
#undef X
};

/* Every operand letter of every opcode is a row of abi/operands.def. */
Test(operands, every_letter_is_in_the_table)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (const char *c = rows[i].operands; *c; c++)
            cr_assert_neq(opnd_of(*c)->cls, OPK_NONE, "%s: operand letter '%c' is not in the table",
                          rows[i].mnemonic, *c);
}

/* A register list ('*', the only ARGS row) comes last, after at most
 * VM_MAX_FIXED_OPERANDS fixed operands, as ir.c's nfixed and varargs say. */
Test(operands, register_list_only_last)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *ops = rows[i].operands;
        size_t n = strlen(ops);
        for (size_t k = 0; k + 1 < n; k++)
            cr_assert_neq(opnd_of(ops[k])->cls, OPK_ARGS, "%s: '%c' before the last operand",
                          rows[i].mnemonic, ops[k]);
        bool list = n > 0 && ops[n - 1] == '*';
        cr_assert_leq(n - list, VM_MAX_FIXED_OPERANDS, "%s: too many operands", rows[i].mnemonic);
        cr_assert_eq(op_info[i].varargs, list, "%s", rows[i].mnemonic);
        cr_assert_eq(op_info[i].nfixed, n - list, "%s", rows[i].mnemonic);
    }
}

/* The columns agree with each other: registers have a type and are ULEB
 * indices, nothing else has a register type, only the register list is a
 * LIST, and every row has the assembler's wording. */
Test(operands, columns_agree)
{
    for (size_t i = 0; i < sizeof letters; i++) {
        const opndinfo_t *od = opnd_of(letters[i]);
        char c = letters[i];
        cr_assert_neq(od->cls, OPK_NONE, "'%c'", c);
        cr_assert_neq(od->enc, OPE_NONE, "'%c'", c);
        cr_assert(od->expected && od->expected[0], "'%c'", c);
        if (od->cls == OPK_REG)
            cr_assert_eq(od->enc, OPE_ULEB, "'%c'", c);
        else
            cr_assert_eq(od->type, TY_VOID, "'%c' is no register but has a type", c);
        cr_assert_eq(od->cls == OPK_ARGS, od->enc == OPE_LIST, "'%c'", c);
    }
    cr_assert_eq(opnd_of('i')->type, TY_I64);
    cr_assert_eq(opnd_of('f')->type, TY_F64);
    cr_assert_eq(opnd_of('v')->type, TY_VAL);
    cr_assert_eq(opnd_of('r')->type, TY_VOID); /* any type */
}

/* Every row of the table is used by some opcode: no dead letters. */
Test(operands, every_row_is_used)
{
    for (size_t i = 0; i < sizeof letters; i++) {
        bool used = false;
        for (size_t r = 0; r < sizeof rows / sizeof rows[0] && !used; r++)
            used = strchr(rows[r].operands, letters[i]) != NULL;
        cr_assert(used, "operand letter '%c' is used by no opcode", letters[i]);
    }
}

/* Letters outside the table, ASCII or not, are OPK_NONE, never another
 * row. */
Test(operands, unknown_letters_are_none)
{
    const char unknown[] = {'x', 'Z', '0', ' ', '\0', (char)0xC3, (char)0xCB, (char)0xFF};
    for (size_t i = 0; i < sizeof unknown; i++)
        cr_assert_eq(opnd_of(unknown[i])->cls, OPK_NONE, "0x%02x", (unsigned char)unknown[i]);
}
