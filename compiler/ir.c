/* Module construction, the opcode and builtin tables as data. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

#include "../abi/builtins.h"

const char *type_name(vm_type_t t)
{
    switch (t) {
    case TY_I64: return "i64";
    case TY_F64: return "f64";
    case TY_VAL: return "val";
    case TY_VOID: return "void";
    }
    return "?";
}

opinfo_t op_info[OP_COUNT] = {
#define X(id, mn, ops, ndef, flags, fam, doc) [OP_##id] = {mn, ops, ndef, flags, 0, false},
#include "../abi/opcodes.def"
#undef X
};

/* A letter given twice is an error: -Woverride-init (-Wextra, -Werror). */
#define OT_I64  TY_I64
#define OT_F64  TY_F64
#define OT_VAL  TY_VAL
#define OT_ANY  TY_VOID
#define OT_NONE TY_VOID
const opndinfo_t opnd_info[256] = {
#define X(letter, cls, type, enc, expected) [letter] = {OPK_##cls, OPE_##enc, OT_##type, expected},
#include "../abi/operands.def"
#undef X
};

/* True if `ops` is a well-formed operand string: letters of the table, at
 * most VM_MAX_FIXED_OPERANDS of them before an optional '*' at the end. */
static bool operands_ok(const char *ops)
{
    size_t n = strlen(ops);
    for (size_t k = 0; k < n; k++) {
        vm_opnd_class_t c = (vm_opnd_class_t)opnd_of(ops[k])->cls;
        if (c == OPK_NONE || (c == OPK_ARGS && k != n - 1))
            return false;
    }
    return n - (n > 0 && opnd_of(ops[n - 1])->cls == OPK_ARGS) <= VM_MAX_FIXED_OPERANDS;
}

/* The derived columns: how many fixed operands, and whether a register
 * list ('*') ends the operands. */
__attribute__((constructor)) static void init_op_info(void)
{
    for (int i = 0; i < OP_COUNT; i++) {
        opinfo_t *o = &op_info[i];
        if (!operands_ok(o->operands))
            die("opcode %s: bad operand string \"%s\"", o->mnemonic, o->operands);
        size_t n = strlen(o->operands);
        o->varargs = n > 0 && opnd_of(o->operands[n - 1])->cls == OPK_ARGS;
        o->nfixed = (uint8_t)(n - o->varargs);
    }
}

int op_lookup(const char *mn, size_t len)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (strlen(op_info[i].mnemonic) == len && memcmp(op_info[i].mnemonic, mn, len) == 0)
            return i;
    return -1;
}

const ctypeinfo_t ctype_info[VM_CT_COUNT] = {
#define X(id, name, reg, bits, sign, cls) [VM_CT_##id] = {name, BT_##reg, bits, sign, CT_##cls},
#define BT_VOID                           TY_VOID
#define BT_I64                            TY_I64
#define BT_F64                            TY_F64
#define BT_VAL                            TY_VAL
#include "../abi/ctypes.def"
#undef X
#undef BT_VOID
#undef BT_I64
#undef BT_F64
#undef BT_VAL
};

int ctype_lookup(const char *name, size_t len)
{
    for (int i = 0; i < VM_CT_COUNT; i++)
        if (strlen(ctype_info[i].name) == len && memcmp(ctype_info[i].name, name, len) == 0)
            return i;
    return -1;
}

#define BT_VOID TY_VOID
#define BT_I64  TY_I64
#define BT_F64  TY_F64
#define BT_VAL  TY_VAL
#define BT_NONE TY_VOID
#define NP(a, b, c, d)                                                                             \
    ((BT_##a != TY_VOID) + (BT_##b != TY_VOID) + (BT_##c != TY_VOID) + (BT_##d != TY_VOID))
const builtin_info_t builtin_info[] = {
#define X(id, name, ret, p1, p2, p3, p4, eff, doc)                                                 \
    {name, "vm_" #id, BT_##ret, NP(p1, p2, p3, p4), {BT_##p1, BT_##p2, BT_##p3, BT_##p4}, eff},
#include "../abi/builtins.def"
#undef X
};
const unsigned builtin_count = sizeof builtin_info / sizeof builtin_info[0];

const builtin_info_t *builtin_lookup(const char *name, size_t len)
{
    for (unsigned i = 0; i < builtin_count; i++)
        if (strlen(builtin_info[i].name) == len && memcmp(builtin_info[i].name, name, len) == 0)
            return &builtin_info[i];
    return NULL;
}

module_t *module_new(const char *path)
{
    module_t *m = xcalloc(1, sizeof *m);
    m->path = path;
    m->version = VM_FORMAT_VERSION;
    return m;
}

void module_free(module_t *m)
{
    if (!m)
        return;
    free(m->strs);
    free(m->str_index);
    arena_free(&m->arena);
    free(m);
}

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void index_insert(module_t *m, uint32_t i)
{
    uint32_t mask = m->index_cap - 1;
    uint32_t h = hash_bytes(m->strs[i].s, m->strs[i].len) & mask;
    while (m->str_index[h])
        h = (h + 1) & mask;
    m->str_index[h] = i + 1;
}

uint32_t mod_intern(module_t *m, const char *s, size_t len)
{
    if (m->index_cap) {
        uint32_t mask = m->index_cap - 1;
        for (uint32_t h = hash_bytes(s, len) & mask; m->str_index[h]; h = (h + 1) & mask) {
            const vstr_t *v = &m->strs[m->str_index[h] - 1];
            if (v->len == len && memcmp(v->s, s, len) == 0)
                return m->str_index[h] - 1;
        }
    }
    vstr_t v = {arena_strndup(&m->arena, s, len), (uint32_t)len};
    VEC_PUSH(m->strs, m->nstrs, m->cap_strs, v);
    if (2 * m->nstrs > m->index_cap) { /* keep the load factor under 1/2 */
        free(m->str_index);
        m->index_cap = m->index_cap ? 2 * m->index_cap : 64;
        m->str_index = xcalloc(m->index_cap, sizeof *m->str_index);
        for (uint32_t i = 0; i < m->nstrs; i++)
            index_insert(m, i);
    } else {
        index_insert(m, m->nstrs - 1);
    }
    return m->nstrs - 1;
}

bool is_identifier(const char *s, size_t len, bool allow_dots)
{
    if (len == 0 || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        bool ok = c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') ||
                  (allow_dots && c == '.');
        if (!ok)
            return false;
    }
    return true;
}
