/* Unit tests of compiler/asm.c and verify.c on small sources. */
#include <criterion/criterion.h>
#include <string.h>

#include "asm.h"
#include "verify.h"

static module_t *parse(const char *src)
{
    return asm_parse("t.vmasm", (const uint8_t *)src, strlen(src));
}

/* A minimal module parses into one function with its registers and code. */
Test(asm, parses_function)
{
    module_t *m = parse(".version 2\n.module t\nfunc main() -> i64 {\n  .reg %x: i64\n"
                        "  const.i64 %x, -5\n  ret.i64 %x\n}\n");
    cr_assert_not_null(m);
    cr_assert_eq(m->nfuncs, 1);
    cr_assert_str_eq(mod_str(m, m->name), "t");
    func_t *f = &m->funcs[0];
    cr_assert_eq(f->nregs, 1);
    cr_assert_eq(f->ninstrs, 2);
    cr_assert_eq(f->code[0].op, OP_CONST_I64);
    cr_assert_eq(f->code[0].fixed[1].i, -5);
    cr_assert_eq(f->code[0].line, 5);
    cr_assert(verify_module(m));
    module_free(m);
}

/* String escapes decode to UTF-8. */
Test(asm, string_escapes)
{
    module_t *m = parse(".version 2\n.module t\nfunc main() -> void {\n  .reg %s: val\n"
                        "  const.str %s, \"a\\n\\t\\\"\\u{E9}\\u{1F600}\\x41\"\n  ret\n}\n");
    cr_assert_not_null(m);
    const vstr_t *s = &m->strs[m->funcs[0].code[0].fixed[1].idx];
    cr_assert_eq(s->len, 11);
    cr_assert_eq(memcmp(s->s,
                        "a\n\t\"\xc3\xa9\xf0\x9f\x98\x80"
                        "A",
                        11),
                 0);
    module_free(m);
}

/* `.line N` renumbers the following physical lines, as C's #line. */
Test(asm, line_directive)
{
    module_t *m = parse(".version 2\n.module t\n.line 100\nfunc main() -> void {\n"
                        "  nop\n  ret\n}\n");
    cr_assert_not_null(m);
    cr_assert_eq(m->funcs[0].line, 100);
    cr_assert_eq(m->funcs[0].code[0].line, 101);
    cr_assert_eq(m->funcs[0].code[1].line, 102);
    module_free(m);
}

/* Forward calls and labels resolve. */
Test(asm, forward_references)
{
    module_t *m = parse(".version 2\n.module t\nfunc main() -> void {\n  jmp end\nend:\n"
                        "  call.void g\n  ret\n}\nfunc g() -> void {\n  ret\n}\n");
    cr_assert_not_null(m);
    cr_assert_eq(m->funcs[0].code[0].fixed[0].idx, 1);
    cr_assert_eq(m->funcs[0].code[1].fixed[0].idx, 1);
    cr_assert(verify_module(m));
    module_free(m);
}

/* The verifier rejects a type mismatch the assembler lets through. */
Test(verify, rejects_type_mismatch)
{
    module_t *m = parse(".version 2\n.module t\nfunc main() -> void {\n  .reg %x: f64, %y: i64\n"
                        "  add.i64 %y, %x, %y\n  ret\n}\n");
    cr_assert_not_null(m);
    cr_assert(!verify_module(m));
    module_free(m);
}

/* Falling off the end of a function is rejected. */
Test(verify, rejects_fall_through)
{
    module_t *m = parse(".version 2\n.module t\nfunc main() -> void {\n  nop\n}\n");
    cr_assert_not_null(m);
    cr_assert(!verify_module(m));
    module_free(m);
}
