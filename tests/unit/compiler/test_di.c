/* Unit tests of dependency declarations: the kind grammar of abi/di.h, the
 * `.dep` directive and the DEPS section of the binary format. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../abi/di.h"
#include "asm.h"
#include "disasm.h"
#include "vmbc.h"

static int parse_kind(const char *s, vm_di_kind_t *k, size_t *at)
{
    char err[256];
    return vm_di_parse_kind(s, strlen(s), k, err, sizeof err, at);
}

/* Every kind word parses; function/N and map{...} carry their details. */
Test(di_kind, parses_every_form)
{
    vm_di_kind_t k;
    size_t at;
    for (int t = 0; t < VM_DI_TAG_COUNT; t++) {
        cr_assert(parse_kind(vm_di_tag_name((vm_di_tag_t)t), &k, &at));
        cr_assert_eq(k.tag, (vm_di_tag_t)t);
        cr_assert_eq(k.arity, -1);
        cr_assert_eq(k.nkeys, 0);
    }
    cr_assert(parse_kind("function/3", &k, &at));
    cr_assert_eq(k.tag, VM_DI_FUNCTION);
    cr_assert_eq(k.arity, 3);
    cr_assert(parse_kind(" map { get , put_all }\t", &k, &at));
    cr_assert_eq(k.tag, VM_DI_MAP);
    cr_assert_eq(k.nkeys, 2);
    cr_assert_eq(k.keys[1].len, 7);
    cr_assert_eq(memcmp(k.keys[1].s, "put_all", 7), 0);
    char buf[64];
    cr_assert_eq(vm_di_kind_spell(&k, buf, sizeof buf), strlen("map{get,put_all}"));
    cr_assert_str_eq(buf, "map{get,put_all}");
    cr_assert(parse_kind("function / 007", &k, &at));
    vm_di_kind_spell(&k, buf, sizeof buf);
    cr_assert_str_eq(buf, "function/7");
}

/* Bad kinds are refused with the offset of the problem. */
Test(di_kind, refuses_bad_kinds)
{
    static const struct {
        const char *text;
        size_t at;
    } bad[] = {
        {"", 0},        {"integer", 0}, {"int/1", 3},    {"function/", 9}, {"function/256", 9},
        {"map{", 4},    {"map{}", 4},   {"map{a b}", 6}, {"map{a,a}", 6},  {"string{a}", 6},
        {"int int", 4}, {"map{1}", 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vm_di_kind_t k;
        size_t at = 99;
        cr_assert_not(parse_kind(bad[i].text, &k, &at), "accepted '%s'", bad[i].text);
        cr_assert_eq(at, bad[i].at, "'%s': offset %zu, expected %zu", bad[i].text, at, bad[i].at);
    }
}

/* Interfaces are equal as sets of keys; other details must match. */
Test(di_kind, equality)
{
    vm_di_kind_t a, b;
    size_t at;
    cr_assert(parse_kind("map{get,put}", &a, &at) && parse_kind("map{put, get}", &b, &at));
    cr_assert(vm_di_kind_equal(&a, &b));
    cr_assert(parse_kind("map{get}", &b, &at));
    cr_assert_not(vm_di_kind_equal(&a, &b));
    cr_assert(parse_kind("map", &b, &at));
    cr_assert_not(vm_di_kind_equal(&a, &b));
    cr_assert(parse_kind("function/1", &a, &at) && parse_kind("function/2", &b, &at));
    cr_assert_not(vm_di_kind_equal(&a, &b));
    cr_assert(vm_di_name_valid("db_url2", 7));
    cr_assert_not(vm_di_name_valid("_x", 2));
    cr_assert_not(vm_di_name_valid("2x", 2));
    cr_assert_not(vm_di_name_valid("a.b", 3));
}

static const char with_deps[] = ".version 2\n"
                                ".module app\n"
                                ".dep db_url: string\n"
                                "func main() -> void {\n"
                                "    ret\n"
                                "}\n"
                                ".line 40\n"
                                ".dep repo: map{ get, put }   ; an interface\n"
                                ".dep clock: function/0\n";

/* `.dep` lines become the module's dependencies, kinds spelled canonically,
 * with their logical lines; they survive binary and text round trips. */
Test(di_deps, round_trips)
{
    module_t *m = asm_parse("app.vmasm", (const uint8_t *)with_deps, strlen(with_deps));
    cr_assert_not_null(m);
    cr_assert_eq(m->ndeps, 3);
    cr_assert_str_eq(mod_str(m, m->deps[1].name), "repo");
    cr_assert_str_eq(mod_str(m, m->deps[1].kind), "map{get,put}");
    cr_assert_eq(m->deps[0].line, 3);
    cr_assert_eq(m->deps[1].line, 40);
    cr_assert_eq(m->deps[2].line, 41);
    buf_t b1 = {0}, b2 = {0}, text = {0}, b3 = {0};
    vmbc_write(m, &b1);
    module_t *r = vmbc_read("app.vmbc", b1.data, b1.len);
    cr_assert_not_null(r);
    cr_assert_eq(r->ndeps, 3);
    cr_assert_str_eq(mod_str(r, r->deps[2].name), "clock");
    cr_assert_str_eq(mod_str(r, r->deps[2].kind), "function/0");
    cr_assert_eq(r->deps[2].line, 41);
    vmbc_write(r, &b2);
    cr_assert_eq(b1.len, b2.len);
    cr_assert_eq(memcmp(b1.data, b2.data, b1.len), 0);
    disasm_module(r, &text);
    buf_byte(&text, 0);
    module_t *t = asm_parse("d.vmasm", text.data, text.len - 1);
    cr_assert_not_null(t, "disassembly:\n%s", (const char *)text.data);
    vmbc_write(t, &b3);
    cr_assert_eq(b1.len, b3.len, "disassembly:\n%s", (const char *)text.data);
    cr_assert_eq(memcmp(b1.data, b3.data, b1.len), 0);
    /* the DEPS section is the last, and optional: a cut right before it
     * reads (without dependencies), as does one right before the optional
     * DEBUG section before it; every other cut does not */
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    size_t accepted = 0;
    for (size_t n = 0; n < b1.len; n++) {
        module_t *c = vmbc_read("t.vmbc", b1.data, n);
        accepted += c != NULL;
        module_free(c);
    }
    fclose(stderr);
    stderr = saved;
    cr_assert_eq(accepted, 2);
    buf_free(&b1);
    buf_free(&b2);
    buf_free(&b3);
    buf_free(&text);
    module_free(m);
    module_free(r);
    module_free(t);
}

/* A module without dependencies has no DEPS section at all. */
Test(di_deps, no_section_without_deps)
{
    static const char src[] = ".version 2\n.module m\nfunc main() -> void {\n    ret\n}\n";
    module_t *m = asm_parse("m.vmasm", (const uint8_t *)src, strlen(src));
    cr_assert_not_null(m);
    buf_t b = {0};
    vmbc_write(m, &b);
    /* sections: 1 STRINGS, 2 MODULE, 3 FUNCS, 4 DEBUG; each id, ULEB size, payload */
    size_t pos = VMBC_HEADER_SIZE;
    unsigned last = 0;
    while (pos < b.len) {
        last = b.data[pos];
        uint64_t size = 0;
        unsigned shift = 0;
        size_t p = pos + 1;
        do
            size |= (uint64_t)(b.data[p] & 0x7f) << shift, shift += 7;
        while (b.data[p++] & 0x80);
        pos = p + size;
    }
    cr_assert_eq(last, VMBC_SEC_DEBUG);
    buf_free(&b);
    module_free(m);
}
