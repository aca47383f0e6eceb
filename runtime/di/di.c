/*
 * runtime/di/di.c — dependency injection (docs/di.md).
 *
 * Declarations: every compiled module that declares dependencies (`.dep`)
 * has an array of vm_dep_decl_t in the section vm_deps, and every module an
 * array of its exported functions of vals in vm_exports (abi/context.h). The
 * linker concatenates each section over all the objects of the program, so
 * the runtime finds every declaration and every possible provider between
 * __start_<section> and __stop_<section>, whether the modules were compiled
 * together or apart, with no registry and no code run at start-up.
 *
 * Resolution (rt_di_resolve, in the main process before main):
 *   1. declarations grouped by name (kept sorted); their kinds must agree;
 *   2. every binding in the configuration's di groups names a declared
 *      dependency (a typo guard);
 *   3. each dependency is bound: VMRT_DI_<name>, else the configuration
 *      (the profile's di group, then the file's): a literal, an environment
 *      variable or a provider; literals are checked against the kind and
 *      made into values at once;
 *   4. cycles: a provider depends on every dependency its module declares;
 *   5. every problem found so far is printed as one list and resolution
 *      fails; otherwise the program-scoped providers run, dependencies
 *      first, and their results are checked against the kinds.
 *
 * Values: program-scoped ones live in `values` (uncollectable memory, so a
 * root of the collector); di.get returns a copy (rt_copy: immutable values
 * shared, mutable ones copied), so processes never share mutable state
 * through a dependency. A process-scoped provider runs on the first di.get
 * of its dependency in each process; its result is cached in the process
 * record (rt_proc_t.di_cache, scanned with the record) and returned as is.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GC_THREADS
#include <gc/gc.h>

#include "abi/di.h"
#include "di/di.h"
#include "proc/proc.h"

extern const vm_dep_decl_t __start_vm_deps[] __attribute__((weak));
extern const vm_dep_decl_t __stop_vm_deps[] __attribute__((weak));
extern const vm_export_t __start_vm_exports[] __attribute__((weak));
extern const vm_export_t __stop_vm_exports[] __attribute__((weak));

/* ---- the configuration DI binds from (runtime/start/ hands it over) ---- */

static rt_di_config_t config;

void rt_di_configure(const rt_di_config_t *c)
{
    config = *c;
}

/* The di group of a layer of the configuration: 0 the profile, 1 the file. */
static const config_setting_t *di_group(int layer)
{
    return config.groups[layer];
}

/* The binding of `name`: the profile's, else the file's; or NULL. */
static const config_setting_t *di_binding(const char *name)
{
    for (int layer = 0; layer < 2; layer++) {
        const config_setting_t *g = di_group(layer);
        const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
        if (s)
            return s;
    }
    return NULL;
}

/* Where a setting was made, for messages: "app.conf:12". */
static const char *where_of(const config_setting_t *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%u", config.file ? config.file : "", config_setting_source_line(s));
    return buf;
}

static RT_PRINTF(1, 2) void report(const char *fmt, ...)
{
    fflush(stdout);
    fputs("vmrt: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

enum { B_NONE, B_VALUE, B_PROVIDER };  /* what a dependency is bound to */
enum { ST_TODO, ST_RUNNING, ST_DONE }; /* a program-scoped value */

typedef struct dep {
    const char *name;
    const vm_dep_decl_t *decl; /* its first declaration (by module, then line) */
    vm_di_kind_t kind;
    int bound;                 /* B_* */
    int process_scope;         /* a provider run once per process */
    const vm_func_t *provider; /* its descriptor names it */
    char *where;               /* "bound at app.conf:4", "bound by VMRT_DI_x" */
    uint32_t *needs;           /* a provider's: the dependencies its module declares */
    uint32_t nneeds;
    _Atomic int state; /* ST_*: values[i] is ready once ST_DONE */
} dep_t;

static dep_t *deps; /* sorted by name */
static uint32_t ndeps;
static vm_val_t *values; /* program-scoped values; uncollectable, a root */
static int resolve_ran;

/* A process's cache slot while its provider runs. */
static const int64_t running_mark;
#define RUNNING ((vm_val_t)&running_mark)

/* ---- text ---- */

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = malloc((size_t)n + 1);
    if (!s)
        rt_fatal(NULL, "out_of_memory", "dependency injection: no memory for a message");
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *fmt(const char *f, ...) RT_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = vfmt(f, ap);
    va_end(ap);
    return s;
}

/* "at app.vmasm:4 in module app" (without what the file or line lacks). */
static char *decl_place(const vm_dep_decl_t *x)
{
    if (!x->file[0])
        return fmt("in module %s", x->module);
    if (x->line <= 0)
        return fmt("at %s in module %s", x->file, x->module);
    return fmt("at %s:%lld in module %s", x->file, (long long)x->line, x->module);
}

/* "an int", "a map{get,put}", "nil": the kind as a noun. */
static char *kind_noun(const dep_t *d)
{
    const char *k = d->decl->kind;
    if (d->kind.tag == VM_DI_NIL)
        return fmt("nil");
    if (d->kind.tag == VM_DI_ANY)
        return fmt("any value");
    return fmt("%s %s", strchr("aeiou", k[0]) ? "an" : "a", k);
}

static const char *article(const char *noun)
{
    return strchr("aeiou", noun[0]) ? "an" : "a";
}

/* ---- the list of problems ---- */

typedef struct problem {
    const char *key; /* the dependency or binding it is about: the sort key */
    unsigned seq;
    char *text;
} problem_t;

static problem_t *problems;
static unsigned nproblems, capproblems;

static void add_problem(const char *key, char *text)
{
    if (nproblems == capproblems) {
        capproblems = capproblems ? 2 * capproblems : 16;
        problems = realloc(problems, capproblems * sizeof *problems);
        if (!problems)
            rt_fatal(NULL, "out_of_memory", "dependency injection: no memory for the problems");
    }
    problems[nproblems] = (problem_t){key, nproblems, text};
    nproblems++;
}

/* A problem of dependency d: "NAME (KIND, declared at F:L in module M): TEXT". */
static void problem(const dep_t *d, const char *f, ...) RT_PRINTF(2, 3);
static void problem(const dep_t *d, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *text = vfmt(f, ap);
    va_end(ap);
    char *place = decl_place(d->decl);
    add_problem(d->name, fmt("%s (%s, declared %s): %s", d->name, d->decl->kind, place, text));
    free(place);
    free(text);
}

static int cmp_problem(const void *a, const void *b)
{
    const problem_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_problems(void)
{
    qsort(problems, nproblems, sizeof *problems, cmp_problem);
    report("dependency injection failed: %u error%s", nproblems, nproblems == 1 ? "" : "s");
    for (unsigned i = 0; i < nproblems; i++)
        fprintf(stderr, "  %s\n", problems[i].text);
    fflush(stderr);
}

/* ---- declarations ---- */

static int cmp_decl(const void *a, const void *b)
{
    const vm_dep_decl_t *x = *(const vm_dep_decl_t *const *)a,
                        *y = *(const vm_dep_decl_t *const *)b;
    int c = strcmp(x->name, y->name);
    if (!c)
        c = strcmp(x->module, y->module);
    return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

static size_t ndecls(void)
{
    return __start_vm_deps ? (size_t)(__stop_vm_deps - __start_vm_deps) : 0;
}

static dep_t *find_dep(const char *name)
{
    uint32_t lo = 0, hi = ndeps;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, deps[mid].name);
        if (!c)
            return &deps[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Group the declarations by name; a name declared with two kinds is a
 * problem naming both places. */
static void collect(void)
{
    size_t n = ndecls();
    const vm_dep_decl_t **all = malloc((n ? n : 1) * sizeof *all);
    deps = calloc(n ? n : 1, sizeof *deps);
    if (!all || !deps)
        rt_fatal(NULL, "out_of_memory", "dependency injection: no memory for %zu declarations", n);
    for (size_t i = 0; i < n; i++)
        all[i] = &__start_vm_deps[i];
    qsort(all, n, sizeof *all, cmp_decl);
    for (size_t i = 0; i < n; i++) {
        const vm_dep_decl_t *x = all[i];
        vm_di_kind_t k;
        char msg[256];
        size_t at;
        if (!vm_di_name_valid(x->name, strlen(x->name)) ||
            !vm_di_parse_kind(x->kind, strlen(x->kind), &k, msg, sizeof msg, &at)) {
            char *place = decl_place(x); /* not from vmcc: it checks both */
            add_problem(x->name, fmt("%s: a malformed declaration %s (%s)", x->name, place, msg));
            free(place);
            continue;
        }
        dep_t *prev = ndeps ? &deps[ndeps - 1] : NULL;
        if (prev && strcmp(prev->name, x->name) == 0) {
            if (!vm_di_kind_equal(&prev->kind, &k)) {
                char *p1 = decl_place(prev->decl), *p2 = decl_place(x);
                add_problem(x->name, fmt("%s: declared as %s %s and as %s %s", x->name,
                                         prev->decl->kind, p1, x->kind, p2));
                free(p1);
                free(p2);
            }
            continue;
        }
        deps[ndeps] = (dep_t){.name = x->name, .decl = x, .kind = k, .bound = B_NONE};
        atomic_init(&deps[ndeps].state, ST_TODO);
        ndeps++;
    }
    free(all);
}

/* Every binding in the configuration must name a declared dependency. */
static void check_bindings_declared(void)
{
    for (int layer = 0; layer < 2; layer++) {
        const config_setting_t *g = di_group(layer);
        for (int i = 0; g && i < config_setting_length(g); i++) {
            const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
            const char *name = config_setting_name(s);
            if (find_dep(name))
                continue;
            char where[512];
            add_problem(name, fmt("%s: bound at %s, but no module declares this dependency", name,
                                  where_of(s, where, sizeof where)));
        }
    }
}

/* ---- values and kinds ---- */

/* Does v fit the kind of d? If not, *why says what v is. */
static int fits(vm_ctx_t *ctx, const dep_t *d, vm_val_t v, char *why, size_t cap)
{
    const vm_di_kind_t *k = &d->kind;
    int ok;
    switch (k->tag) {
    case VM_DI_ANY: ok = 1; break;
    case VM_DI_NIL: ok = val_is_nil(v); break;
    case VM_DI_BOOL: ok = val_is_bool(v); break;
    case VM_DI_INT: ok = val_is_int(v); break;
    case VM_DI_FLOAT: ok = rt_is_kind(v, VM_KIND_FLOAT); break;
    case VM_DI_NUMBER: ok = val_is_int(v) || rt_is_kind(v, VM_KIND_FLOAT); break;
    case VM_DI_ATOM: ok = rt_is_atom(v); break;
    case VM_DI_STRING: ok = rt_is_kind(v, VM_KIND_STRING); break;
    case VM_DI_TUPLE: ok = rt_is_kind(v, VM_KIND_TUPLE); break;
    case VM_DI_ARRAY: ok = rt_is_kind(v, VM_KIND_ARRAY); break;
    case VM_DI_SET: ok = rt_is_kind(v, VM_KIND_SET); break;
    case VM_DI_PID: ok = val_is_pid(v); break;
    case VM_DI_FUNCTION:
        ok = rt_is_kind(v, VM_KIND_FUNC);
        if (ok && k->arity >= 0 && ((const vm_func_t *)v)->hdr.aux != (uint32_t)k->arity) {
            unsigned a = ((const vm_func_t *)v)->hdr.aux;
            snprintf(why, cap, "a function of %u argument%s", a, a == 1 ? "" : "s");
            return 0;
        }
        break;
    case VM_DI_MAP:
        ok = rt_is_kind(v, VM_KIND_MAP);
        for (unsigned i = 0; ok && i < k->nkeys; i++)
            if (!vm_map_has(ctx, v, rt_atom_n(k->keys[i].s, k->keys[i].len))) {
                snprintf(why, cap, "a map without the key %.*s", (int)k->keys[i].len, k->keys[i].s);
                return 0;
            }
        break;
    default: ok = 0; break;
    }
    if (!ok) {
        const char *kind = rt_kind_name(v);
        snprintf(why, cap, "%s%s%s", val_is_nil(v) ? "" : article(kind), val_is_nil(v) ? "" : " ",
                 kind);
    }
    return ok;
}

static vm_val_t made(const dep_t *d, vm_val_t v)
{
    if (!v)
        rt_fatal(NULL, "out_of_memory", "dependency injection: cannot make the value of %s",
                 d->name);
    return v;
}

static void set_value(dep_t *d, vm_val_t v)
{
    values[d - deps] = v;
    atomic_store_explicit(&d->state, ST_DONE, memory_order_release);
}

/* A literal setting as a noun: "the int 5", "the string \"x\"", "a list". */
static char *literal_noun(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return fmt("the int %lld", (long long)config_setting_get_int64(s));
    case CONFIG_TYPE_FLOAT: return fmt("the float %g", config_setting_get_float(s));
    case CONFIG_TYPE_STRING: return fmt("the string \"%s\"", config_setting_get_string(s));
    case CONFIG_TYPE_BOOL: return fmt("the bool %s", config_setting_get_bool(s) ? "true" : "false");
    case CONFIG_TYPE_ARRAY: return fmt("an array");
    case CONFIG_TYPE_LIST: return fmt("a list");
    default: return fmt("a group");
    }
}

/* One scalar of a literal list as a value (0 if it is not a scalar). */
static vm_val_t scalar(vm_ctx_t *ctx, const dep_t *d, const config_setting_t *s, int make,
                       const char **bad)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: {
        long long v = config_setting_get_int64(s);
        if (!val_int_fits(v)) {
            *bad = "an int out of the range of ints";
            return 0;
        }
        return val_from_int(v);
    }
    case CONFIG_TYPE_FLOAT:
        return make ? made(d, vm_box_f64(ctx, config_setting_get_float(s))) : VM_NIL;
    case CONFIG_TYPE_STRING: {
        const char *t = config_setting_get_string(s);
        if (!rt_utf8_valid(t, strlen(t))) {
            *bad = "a string that is not valid UTF-8";
            return 0;
        }
        return make ? made(d, rt_str_new(ctx, t, strlen(t))) : VM_NIL;
    }
    case CONFIG_TYPE_BOOL: return val_from_bool(config_setting_get_bool(s));
    default: *bad = "a group or a list"; return 0;
    }
}

/* Bind d to the literal setting s (`make`: also make the value; else only
 * check it). `bound` says where: "bound at app.conf:3". Returns 1 if it fits. */
static int bind_literal(vm_ctx_t *ctx, dep_t *d, const config_setting_t *s, const char *bound,
                        int make)
{
    int t = config_setting_type(s), tag = d->kind.tag, ok = 0;
    vm_val_t v = VM_NIL;
    switch (t) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: {
        long long n = config_setting_get_int64(s);
        if (tag == VM_DI_FLOAT) {
            ok = 1;
            if (make)
                v = made(d, vm_box_f64(ctx, (double)n));
        } else if (tag == VM_DI_INT || tag == VM_DI_NUMBER || tag == VM_DI_ANY) {
            if (!val_int_fits(n)) {
                problem(d, "%s to the int %lld, which is out of the range of ints", bound, n);
                return 0;
            }
            ok = 1;
            v = val_from_int(n);
        }
        break;
    }
    case CONFIG_TYPE_FLOAT:
        ok = tag == VM_DI_FLOAT || tag == VM_DI_NUMBER || tag == VM_DI_ANY;
        if (ok && make)
            v = made(d, vm_box_f64(ctx, config_setting_get_float(s)));
        break;
    case CONFIG_TYPE_STRING: {
        const char *text = config_setting_get_string(s);
        ok = tag == VM_DI_STRING || tag == VM_DI_ATOM || tag == VM_DI_ANY;
        if (ok && !rt_utf8_valid(text, strlen(text))) {
            problem(d, "%s to a string that is not valid UTF-8", bound);
            return 0;
        }
        if (ok && make)
            v = tag == VM_DI_ATOM ? rt_atom(text) : made(d, rt_str_new(ctx, text, strlen(text)));
        break;
    }
    case CONFIG_TYPE_BOOL:
        ok = tag == VM_DI_BOOL || tag == VM_DI_ANY;
        v = val_from_bool(config_setting_get_bool(s));
        break;
    case CONFIG_TYPE_ARRAY:
    case CONFIG_TYPE_LIST: {
        ok = tag == VM_DI_ARRAY || tag == VM_DI_TUPLE || tag == VM_DI_ANY;
        if (!ok)
            break;
        unsigned n = (unsigned)config_setting_length(s);
        const char *bad = NULL;
        for (unsigned i = 0; i < n && !bad; i++)
            scalar(ctx, d, config_setting_get_elem(s, i), 0, &bad);
        if (bad) {
            problem(d, "%s to a list holding %s (a literal list holds numbers, strings and bools)",
                    bound, bad);
            return 0;
        }
        if (!make)
            break;
        /* the container is a root (in values) before its items allocate */
        if (tag == VM_DI_TUPLE) {
            values[d - deps] = made(d, vm_tuple_alloc(ctx, n));
            for (unsigned i = 0; i < n; i++)
                ((vm_tuple_t *)values[d - deps])->items[i] =
                    scalar(ctx, d, config_setting_get_elem(s, i), 1, &bad);
        } else {
            values[d - deps] = made(d, rt_array_new(ctx, n));
            for (unsigned i = 0; i < n; i++)
                if (!rt_array_push(ctx, values[d - deps],
                                   scalar(ctx, d, config_setting_get_elem(s, i), 1, &bad)))
                    made(d, 0);
        }
        v = values[d - deps];
        break;
    }
    default: break;
    }
    if (!ok) {
        char *lit = literal_noun(s), *kind = kind_noun(d);
        problem(d, "%s to %s, which is not %s", bound, lit, kind);
        free(lit);
        free(kind);
        return 0;
    }
    if (make) {
        d->bound = B_VALUE;
        set_value(d, v);
    }
    return 1;
}

/* Bind d to the text of an environment variable, converted to its kind. */
static void bind_text(vm_ctx_t *ctx, dep_t *d, const char *text, const char *bound)
{
    vm_val_t v = 0;
    size_t len = strlen(text);
    char *end;
    int tag = d->kind.tag;
    if (tag == VM_DI_INT || tag == VM_DI_NUMBER) {
        errno = 0;
        long long n = strtoll(text, &end, 10);
        if (len && !isspace((unsigned char)*text) && !*end && !errno && val_int_fits(n))
            v = val_from_int(n);
    }
    if (!v && (tag == VM_DI_FLOAT || tag == VM_DI_NUMBER) && len &&
        !isspace((unsigned char)*text)) {
        errno = 0;
        double x = strtod(text, &end);
        if (!*end && !errno && isfinite(x)) /* a number, not nan, inf or out of range */
            v = made(d, vm_box_f64(ctx, x));
    }
    if (tag == VM_DI_BOOL && (!strcmp(text, "true") || !strcmp(text, "false")))
        v = val_from_bool(text[0] == 't');
    if (tag == VM_DI_STRING || tag == VM_DI_ATOM || tag == VM_DI_ANY) {
        if (!rt_utf8_valid(text, len)) {
            problem(d, "%s to text that is not valid UTF-8", bound);
            return;
        }
        v = tag == VM_DI_ATOM ? rt_atom_n(text, len) : made(d, rt_str_new(ctx, text, len));
    }
    if (v) {
        d->bound = B_VALUE;
        set_value(d, v);
        return;
    }
    char *kind = kind_noun(d);
    static const int from_text[] = {VM_DI_INT,    VM_DI_FLOAT, VM_DI_NUMBER, VM_DI_BOOL,
                                    VM_DI_STRING, VM_DI_ATOM,  VM_DI_ANY};
    int convertible = 0;
    for (size_t i = 0; i < sizeof from_text / sizeof from_text[0]; i++)
        convertible |= from_text[i] == tag;
    if (convertible)
        problem(d, "%s to \"%s\", which is not %s", bound, text, kind);
    else
        problem(d, "%s to \"%s\", but %s cannot come from the environment", bound, text, kind);
    free(kind);
}

static const vm_func_t *find_export(const char *name)
{
    if (!__start_vm_exports)
        return NULL;
    for (const vm_export_t *e = __start_vm_exports; e < __stop_vm_exports; e++)
        if (strcmp(e->fn->desc->name, name) == 0)
            return e->fn;
    return NULL;
}

static void bind_provider(dep_t *d, const config_setting_t *prov, const config_setting_t *scope,
                          const char *bound)
{
    int ok = 1, process = 0;
    if (scope) {
        const char *s = config_setting_type(scope) == CONFIG_TYPE_STRING
                            ? config_setting_get_string(scope)
                            : "";
        process = strcmp(s, "process") == 0;
        if (!process && strcmp(s, "program") != 0) {
            char *lit = literal_noun(scope);
            problem(d, "%s: scope is %s (expected \"program\" or \"process\")", bound, lit);
            free(lit);
            ok = 0;
        }
    }
    if (config_setting_type(prov) != CONFIG_TYPE_STRING) {
        char *lit = literal_noun(prov);
        problem(d, "%s: provider is %s (expected a function's name \"module.function\")", bound,
                lit);
        free(lit);
        return;
    }
    const char *name = config_setting_get_string(prov);
    const vm_func_t *e = find_export(name);
    if (!e) {
        if (!strchr(name, '.'))
            problem(d, "%s to the provider %s, which is not a name \"module.function\"", bound,
                    name);
        else
            problem(d,
                    "%s to the provider %s, which no linked module exports (a provider is an "
                    "exported function with no parameters that returns a val)",
                    bound, name);
        return;
    }
    if (e->hdr.aux != 0) {
        problem(d, "%s to the provider %s, which takes %u argument%s (a provider takes none)",
                bound, name, e->hdr.aux, e->hdr.aux == 1 ? "" : "s");
        return;
    }
    if (!ok)
        return;
    d->bound = B_PROVIDER;
    d->provider = e;
    d->process_scope = process;
    d->where = fmt("%s", bound);
}

/* A binding group: { value = X; } | { env = "NAME"; default = X; }
 * | { provider = "module.function"; scope = "program" | "process"; }. */
static void bind_group(vm_ctx_t *ctx, dep_t *d, const config_setting_t *g, const char *bound)
{
    const config_setting_t *value = NULL, *env = NULL, *def = NULL, *prov = NULL, *scope = NULL;
    int ok = 1;
    char where[512];
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        if (!strcmp(key, "value"))
            value = m;
        else if (!strcmp(key, "env"))
            env = m;
        else if (!strcmp(key, "default"))
            def = m;
        else if (!strcmp(key, "provider"))
            prov = m;
        else if (!strcmp(key, "scope"))
            scope = m;
        else {
            problem(d,
                    "%s: unknown setting %s in the binding (expected value; env and default; or "
                    "provider and scope)",
                    bound, key);
            ok = 0;
        }
    }
    if (!ok)
        return;
    int forms = !!value + !!env + !!prov;
    if (forms != 1) {
        problem(d, "%s to a group with %s of value, env and provider (a binding has one)", bound,
                forms ? "more than one" : "none");
        return;
    }
    if (def && !env) {
        problem(d, "%s: default goes with env", bound);
        ok = 0;
    }
    if (scope && !prov) {
        problem(d, "%s: scope goes with provider", bound);
        ok = 0;
    }
    if (!ok)
        return;
    if (value) {
        char *b = fmt("bound at %s", where_of(value, where, sizeof where));
        bind_literal(ctx, d, value, b, 1);
        free(b);
    } else if (prov) {
        char *b = fmt("bound at %s", where_of(prov, where, sizeof where));
        bind_provider(d, prov, scope, b);
        free(b);
    } else {
        where_of(env, where, sizeof where);
        if (config_setting_type(env) != CONFIG_TYPE_STRING) {
            char *lit = literal_noun(env);
            problem(d, "bound at %s: env is %s (expected the name of an environment variable)",
                    where, lit);
            free(lit);
            return;
        }
        const char *var = config_setting_get_string(env), *text = getenv(var);
        char *b = fmt("bound at %s to the environment variable %s", where, var);
        if (def) { /* checked even when the variable is set: fail early */
            char dwhere[512];
            char *bd =
                fmt("bound at %s (the default of %s)", where_of(def, dwhere, sizeof dwhere), var);
            bind_literal(ctx, d, def, bd, text == NULL);
            free(bd);
        }
        if (text)
            bind_text(ctx, d, text, b);
        else if (!def)
            problem(d, "%s, which is not set (and there is no default)", b);
        free(b);
    }
}

static void bind(vm_ctx_t *ctx, dep_t *d)
{
    char *var = fmt("VMRT_DI_%s", d->name);
    const char *text = getenv(var);
    if (text) { /* the environment replaces any binding in the file */
        char *b = fmt("bound by %s", var);
        bind_text(ctx, d, text, b);
        free(b);
        free(var);
        return;
    }
    const config_setting_t *s = di_binding(d->name);
    if (!s) {
        problem(d, "not bound: no setting di.%s in the configuration and no %s", d->name, var);
        free(var);
        return;
    }
    free(var);
    char where[512];
    char *b = fmt("bound at %s", where_of(s, where, sizeof where));
    if (config_setting_is_group(s))
        bind_group(ctx, d, s, b);
    else
        bind_literal(ctx, d, s, b, 1);
    free(b);
}

/* ---- cycles ---- */

/* A provider needs every dependency its module declares. */
static void find_needs(void)
{
    size_t n = ndecls();
    for (uint32_t i = 0; i < ndeps; i++) {
        dep_t *d = &deps[i];
        if (d->bound != B_PROVIDER)
            continue;
        const char *pname = d->provider->desc->name, *dot = strchr(pname, '.');
        size_t mlen = dot ? (size_t)(dot - pname) : strlen(pname);
        d->needs = malloc((n ? n : 1) * sizeof *d->needs);
        if (!d->needs)
            rt_fatal(NULL, "out_of_memory", "dependency injection: no memory");
        for (size_t k = 0; k < n; k++) {
            const vm_dep_decl_t *x = &__start_vm_deps[k];
            if (strlen(x->module) != mlen || memcmp(x->module, pname, mlen) != 0)
                continue;
            dep_t *j = find_dep(x->name);
            if (!j)
                continue;
            uint32_t ji = (uint32_t)(j - deps), q = 0;
            while (q < d->nneeds && d->needs[q] != ji)
                q++;
            if (q == d->nneeds)
                d->needs[d->nneeds++] = ji;
        }
    }
}

enum { WHITE, GREY, BLACK };

static void report_cycle(const uint32_t *stack, uint32_t from, uint32_t top)
{
    /* stack[from .. top) is the cycle; it closes back to stack[from] */
    const dep_t *first = &deps[stack[from]];
    size_t cap = 256;
    for (uint32_t i = from; i < top; i++)
        cap += 2 * strlen(deps[stack[i]].name) + strlen(deps[stack[i]].where) +
               strlen(deps[stack[i]].provider->desc->name) + 64;
    char *path = malloc(cap), *why = malloc(cap);
    if (!path || !why)
        rt_fatal(NULL, "out_of_memory", "dependency injection: no memory");
    size_t pl = 0, wl = 0;
    for (uint32_t i = from; i < top; i++) {
        const dep_t *d = &deps[stack[i]], *next = &deps[i + 1 < top ? stack[i + 1] : stack[from]];
        pl += (size_t)snprintf(path + pl, cap - pl, "%s -> ", d->name);
        wl += (size_t)snprintf(why + wl, cap - wl,
                               "%s%s is %s to the provider %s, whose module "
                               "declares %s",
                               i > from ? "; " : "", d->name, d->where, d->provider->desc->name,
                               next->name);
    }
    snprintf(path + pl, cap - pl, "%s", first->name);
    problem(first, "dependency cycle %s (%s)", path, why);
    free(path);
    free(why);
}

static void dfs(uint32_t i, uint8_t *color, uint32_t *stack, uint32_t *top)
{
    color[i] = GREY;
    stack[(*top)++] = i;
    const dep_t *d = &deps[i];
    for (uint32_t k = 0; k < d->nneeds; k++) {
        uint32_t j = d->needs[k];
        if (color[j] == GREY) {
            uint32_t from = *top;
            while (stack[from - 1] != j)
                from--;
            report_cycle(stack, from - 1, *top);
        } else if (color[j] == WHITE) {
            dfs(j, color, stack, top);
        }
    }
    (*top)--;
    color[i] = BLACK;
}

static void check_cycles(void)
{
    uint8_t *color = calloc(ndeps ? ndeps : 1, 1);
    uint32_t *stack = malloc((ndeps ? ndeps : 1) * sizeof *stack), top = 0;
    if (!color || !stack)
        rt_fatal(NULL, "out_of_memory", "dependency injection: no memory");
    for (uint32_t i = 0; i < ndeps; i++)
        if (color[i] == WHITE)
            dfs(i, color, stack, &top);
    free(color);
    free(stack);
}

/* ---- providers ---- */

/* Run d's provider; its result, or 0: an error is pending (it raised), or
 * the result does not fit the kind (*why says what it is). */
static vm_val_t run_provider(vm_ctx_t *ctx, const dep_t *d, char *why, size_t cap)
{
    why[0] = 0;
    vm_val_t r = rt_call_fn(ctx, (vm_val_t)d->provider, 0, NULL);
    if (!r)
        return 0;
    return fits(ctx, d, r, why, cap) ? r : 0;
}

static vm_val_t raise_misfit(vm_ctx_t *ctx, const dep_t *d, const char *why)
{
    char *kind = kind_noun(d);
    rt_raise(ctx, "type", "di.get: the provider %s of %s returned %s, not %s",
             d->provider->desc->name, d->name, why, kind);
    free(kind);
    return 0;
}

/* Make the program-scoped value of d in the main process: first what its
 * provider needs, then the provider. `at_start`: report a failure and
 * return 0 (resolution fails); else raise it in ctx (a di.get while a
 * provider runs). */
static int force(vm_ctx_t *ctx, dep_t *d, int at_start)
{
    int st = atomic_load(&d->state);
    if (st == ST_DONE)
        return 1;
    if (st == ST_RUNNING) {     /* cycles are refused before: only a di.get of a */
        rt_raise(ctx, "badarg", /* name the module does not declare gets here */
                 "di.get: %s is needed while its own provider runs (a dependency cycle)", d->name);
        return 0;
    }
    atomic_store(&d->state, ST_RUNNING);
    for (uint32_t k = 0; k < d->nneeds; k++) {
        dep_t *n = &deps[d->needs[k]];
        if (n->bound == B_PROVIDER && !n->process_scope && !force(ctx, n, at_start)) {
            atomic_store(&d->state, ST_TODO);
            return 0;
        }
    }
    char why[256];
    vm_val_t r = run_provider(ctx, d, why, sizeof why);
    if (r) {
        set_value(d, r);
        return 1;
    }
    atomic_store(&d->state, ST_TODO);
    if (!at_start) {
        if (!ctx->exc)
            raise_misfit(ctx, d, why);
        return 0;
    }
    char *place = decl_place(d->decl);
    if (ctx->exc) {
        report("dependency injection failed: the provider %s of %s (%s, declared %s) "
               "raised an error",
               d->provider->desc->name, d->name, d->decl->kind, place);
        rt_report_uncaught(ctx);
        ctx->exc = 0;
    } else {
        char *kind = kind_noun(d);
        report("dependency injection failed: the provider %s of %s (%s, declared %s) "
               "returned %s, not %s",
               d->provider->desc->name, d->name, d->decl->kind, place, why, kind);
        free(kind);
    }
    free(place);
    return 0;
}

int rt_di_resolve(vm_ctx_t *ctx)
{
    if (resolve_ran)
        return 1;
    resolve_ran = 1;
    /* Nothing declared and nothing bound: nothing to do (a binding with no
     * declaration is still reported below, as a likely typo). */
    if (!ndecls() && !di_group(0) && !di_group(1))
        return 1;
    collect();
    check_bindings_declared();
    if (ndeps) {
        values = GC_MALLOC_UNCOLLECTABLE(ndeps * sizeof *values);
        if (!values)
            rt_fatal(NULL, "out_of_memory", "dependency injection: no memory for the values");
        memset(values, 0, ndeps * sizeof *values);
    }
    for (uint32_t i = 0; i < ndeps; i++)
        bind(ctx, &deps[i]);
    find_needs();
    check_cycles();
    if (nproblems) {
        print_problems();
        return 0;
    }
    for (uint32_t i = 0; i < ndeps; i++)
        if (deps[i].bound == B_PROVIDER && !deps[i].process_scope && !force(ctx, &deps[i], 1))
            return 0;
    return 1;
}

/* ---- di.get ---- */

static vm_val_t process_value(vm_ctx_t *ctx, dep_t *d)
{
    if (!rt_ctx_is_process(ctx))
        return rt_raise(ctx, "badarg", "di.get: %s is process-scoped, and this is no process",
                        d->name);
    rt_proc_t *p = rt_proc_of(ctx);
    if (!p->di_cache) {
        p->di_cache = rt_gc_malloc(ndeps * sizeof *p->di_cache, 0);
        if (!p->di_cache)
            return rt_raise(ctx, "out_of_memory", "di.get: no memory for the process's values");
    }
    size_t i = (size_t)(d - deps);
    vm_val_t v = p->di_cache[i];
    if (v == RUNNING)
        return rt_raise(ctx, "badarg",
                        "di.get: %s is needed while its own provider runs (a dependency cycle)",
                        d->name);
    if (v)
        return v;
    p->di_cache[i] = RUNNING;
    char why[256];
    v = run_provider(ctx, d, why, sizeof why);
    p->di_cache[i] = v;
    if (!v && !ctx->exc)
        return raise_misfit(ctx, d, why);
    return v;
}

vm_val_t vm_di_get(vm_ctx_t *ctx, vm_val_t name)
{
    if (!rt_is_atom(name))
        return rt_raise_type(ctx, "di.get", "an atom", name);
    const vm_string_t *n = rt_as_str(name);
    char key[256];
    dep_t *d = NULL;
    if (n->len < sizeof key) { /* longer is no valid name */
        memcpy(key, n->bytes, n->len);
        key[n->len] = 0;
        d = find_dep(key);
    }
    if (!d)
        return rt_raise(ctx, "badarg", "di.get: no module declares the dependency %.*s",
                        (int)rt_as_str(name)->len, rt_as_str(name)->bytes);
    if (d->bound == B_PROVIDER && d->process_scope)
        return process_value(ctx, d);
    if (atomic_load_explicit(&d->state, memory_order_acquire) != ST_DONE) {
        /* only while the program-scoped providers run, before main */
        if (!rt_ctx_is_process(ctx) || !rt_proc_of(ctx)->is_main)
            return rt_raise(ctx, "badarg",
                            "di.get: %s is not resolved yet (asked by another process while the "
                            "providers run)",
                            d->name);
        if (!force(ctx, d, 0))
            return 0;
    }
    return rt_copy(ctx, values[d - deps]);
}
