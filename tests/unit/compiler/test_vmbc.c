/* Unit tests of compiler/vmbc.c and disasm.c: the binary format and the
 * text -> binary -> text -> binary identity. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "vmbc.h"

/* Uses every operand letter, labels, escapes and a `.line` jump. */
static const char sample[] = ".version 2\n"
                             ".module sample\n"
                             "\n"
                             "; a comment\n"
                             "export func f(%a: i64, %b: f64, %c: val) -> val {\n"
                             "    .reg %d: val, %e: i64\n"
                             "top:\n"
                             "    const.i64 %e, -9223372036854775808\n"
                             "    const.f64 %b, 5e-324\n"
                             "    const.str %d, \"tab\\t nul\\0 \\u{1F600}\"\n"
                             "    const.int %d, -4611686018427387904\n"
                             "    add %d, %c, %d\n"
                             ".line 90\n"
                             "    br %e, top, out\n"
                             "out:\n"
                             "    call %d, f, %a, %b, %c\n"
                             "    callb.void println.val, %d\n"
                             "    ret.val %d\n"
                             "}\n"
                             "func main() -> void {\n"
                             "    ret\n"
                             "}\n";

static module_t *parse_text(const char *text, size_t len)
{
    module_t *m = asm_parse("sample.vmasm", (const uint8_t *)text, len);
    cr_assert_not_null(m);
    return m;
}

/* Binary -> module -> binary gives the same bytes. */
Test(vmbc, write_read_write_identical)
{
    module_t *m = parse_text(sample, strlen(sample));
    buf_t b1 = {0}, b2 = {0};
    vmbc_write(m, &b1);
    cr_assert(b1.len > 8);
    cr_assert_eq(memcmp(b1.data, VMBC_MAGIC, 4), 0);
    module_t *r = vmbc_read("sample.vmbc", b1.data, b1.len);
    cr_assert_not_null(r);
    vmbc_write(r, &b2);
    cr_assert_eq(b1.len, b2.len);
    cr_assert_eq(memcmp(b1.data, b2.data, b1.len), 0);
    /* debug info survives: the .line jump and the function's line */
    cr_assert_eq(r->funcs[0].code[5].line, 90);
    cr_assert_eq(r->funcs[0].line, 5);
    buf_free(&b1);
    buf_free(&b2);
    module_free(m);
    module_free(r);
}

/* text -> binary -> text -> binary is byte-identical. */
Test(vmbc, disasm_round_trip_identical)
{
    module_t *m = parse_text(sample, strlen(sample));
    buf_t b1 = {0}, text = {0}, b2 = {0};
    vmbc_write(m, &b1);
    disasm_module(m, &text);
    buf_byte(&text, 0);
    module_t *m2 = parse_text((const char *)text.data, text.len - 1);
    vmbc_write(m2, &b2);
    cr_assert_eq(b1.len, b2.len, "disassembly:\n%s", (const char *)text.data);
    cr_assert_eq(memcmp(b1.data, b2.data, b1.len), 0, "disassembly:\n%s", (const char *)text.data);
    buf_free(&b1);
    buf_free(&b2);
    buf_free(&text);
    module_free(m);
    module_free(m2);
}

/* Every proper prefix of a valid module is rejected, never crashes. */
Test(vmbc, truncations_rejected)
{
    module_t *m = parse_text(sample, strlen(sample));
    buf_t b = {0};
    vmbc_write(m, &b);
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    size_t accepted = 0;
    for (size_t n = 0; n < b.len; n++) {
        module_t *r = vmbc_read("t.vmbc", b.data, n);
        if (r) /* only a cut exactly before the optional DEBUG section reads */
            accepted++;
        module_free(r);
    }
    fclose(stderr);
    stderr = saved;
    cr_assert_leq(accepted, 1);
    buf_free(&b);
    module_free(m);
}

/* A newer format version is refused. */
Test(vmbc, newer_version_refused)
{
    module_t *m = parse_text(sample, strlen(sample));
    buf_t b = {0};
    vmbc_write(m, &b);
    b.data[4] = VM_FORMAT_VERSION + 1;
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    module_t *r = vmbc_read("t.vmbc", b.data, b.len);
    fclose(stderr);
    stderr = saved;
    cr_assert_null(r);
    buf_free(&b);
    module_free(m);
}
