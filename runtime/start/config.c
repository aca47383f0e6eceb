/*
 * runtime/core/config.c — the runtime configuration (docs/config.md).
 *
 * Sources, weakest first: built-in defaults, the file named by VMRT_CONFIG
 * (libconfig syntax), the profile chosen by VMRT_PROFILE or the file's
 * `profile` key (a group under `profiles` with the same layout), then one
 * VMRT_* environment variable per setting. Every setting is checked where
 * it is read, and unknown keys in the file are errors, so a typo never
 * passes silently.
 */
#include "start/config.h"

#include "proc/proc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rt_config_t rt_cfg = {
    .stack_size = 8 << 20,
    .max_procs = 1L << 22,
    .main_restart = RT_MAIN_NEVER,
    .main_max_restarts = 3,
    .shutdown_timeout_ms = 5000,
};

static config_t cfg;
static int have_file;
static const char *file_name;
static const config_setting_t *profile_group; /* profiles.<name>, or NULL */

enum { K_INT, K_SIZE, K_BOOL, K_ENUM };

static const char *const main_restart_names[] = {"never", "on_failure", NULL};

static const struct key {
    const char *group, *name, *env;
    int kind;
    int64_t lo, hi;
    const char *const *names;
    int64_t *dest;
} keys[] = {
    {"scheduler", "workers", "VMRT_WORKERS", K_INT, 1, 1024, NULL, &rt_cfg.workers},
    {"scheduler", "stack_size", "VMRT_STACK_SIZE", K_SIZE, 64 << 10, 1LL << 32, NULL,
     &rt_cfg.stack_size},
    {"scheduler", "max_procs", "VMRT_MAX_PROCS", K_INT, 1024, 1LL << 26, NULL, &rt_cfg.max_procs},
    {"scheduler", "seed", "VMRT_SEED", K_INT, 1, INT64_MAX, NULL, &rt_cfg.seed},
    {"gc", "stress", "VMRT_GC_STRESS", K_BOOL, 0, 1, NULL, &rt_cfg.gc_stress},
    {"gc", "initial_heap", "VMRT_GC_INITIAL_HEAP", K_SIZE, 1 << 20, 1LL << 40, NULL,
     &rt_cfg.gc_initial_heap},
    {"gc", "max_heap", "VMRT_GC_MAX_HEAP", K_SIZE, 1 << 20, 1LL << 40, NULL, &rt_cfg.gc_max_heap},
    {"main", "restart", "VMRT_MAIN_RESTART", K_ENUM, 0, 1, main_restart_names,
     &rt_cfg.main_restart},
    {"main", "max_restarts", "VMRT_MAIN_MAX_RESTARTS", K_INT, 0, 1000000, NULL,
     &rt_cfg.main_max_restarts},
    {"main", "shutdown_timeout_ms", "VMRT_SHUTDOWN_TIMEOUT_MS", K_INT, 0, 86400000, NULL,
     &rt_cfg.shutdown_timeout_ms},
    {NULL, "stats", "VMRT_STATS", K_BOOL, 0, 1, NULL, &rt_cfg.stats},
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* Groups a layer may hold besides the settings above. */
static const char *const layer_groups[] = {"scheduler", "gc", "main", "di", NULL};

static void vreport(const char *fmt, va_list ap)
{
    fflush(stdout);
    fputs("vmrt: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    exit(1);
}

/* Where a setting was made, for messages: "app.conf:12". */
static const char *where_of(const config_setting_t *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%u", file_name, config_setting_source_line(s));
    return buf;
}

/* "scheduler.workers" or "profiles.test.scheduler.workers" */
static const char *path_of(const config_setting_t *s, char *buf, size_t cap)
{
    const char *parts[16];
    int n = 0;
    for (; s && config_setting_name(s) && n < 16; s = config_setting_parent(s))
        parts[n++] = config_setting_name(s);
    size_t len = 0;
    buf[0] = 0;
    while (n-- > 0 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "." : "", parts[n]);
    return buf;
}

/* Sizes: a count of bytes with an optional K, M or G suffix. */
static int parse_size(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0)
        return 0;
    int64_t mul = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mul = 1 << 10;
        end++;
        break;
    case 'm':
    case 'M':
        mul = 1 << 20;
        end++;
        break;
    case 'g':
    case 'G':
        mul = 1 << 30;
        end++;
        break;
    default: break;
    }
    if (*end || v > INT64_MAX / mul)
        return 0;
    *out = v * mul;
    return 1;
}

static void expected(const struct key *k, char *buf, size_t cap)
{
    switch (k->kind) {
    case K_INT:
        snprintf(buf, cap, "an integer from %lld to %lld", (long long)k->lo, (long long)k->hi);
        break;
    case K_SIZE:
        snprintf(buf, cap, "a size from %lld to %lld bytes (a number, or a string like \"8M\")",
                 (long long)k->lo, (long long)k->hi);
        break;
    case K_BOOL: snprintf(buf, cap, "true or false"); break;
    default: {
        size_t len = 0;
        for (int i = 0; k->names[i]; i++)
            len += (size_t)snprintf(buf + len, cap - len, "%s\"%s\"", i == 0 ? "one of " : ", ",
                                    k->names[i]);
        break;
    }
    }
}

/* Parse text `s` (from the environment, or a string setting) for key k. */
static int from_text(const struct key *k, const char *s, int64_t *out)
{
    switch (k->kind) {
    case K_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return 0;
        *out = v;
        break;
    }
    case K_SIZE:
        if (!parse_size(s, out))
            return 0;
        break;
    case K_BOOL:
        if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes"))
            *out = 1;
        else if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no"))
            *out = 0;
        else
            return 0;
        return 1;
    default:
        for (int i = 0; k->names[i]; i++)
            if (!strcmp(s, k->names[i])) {
                *out = i;
                return 1;
            }
        return 0;
    }
    return *out >= k->lo && *out <= k->hi;
}

static void from_setting(const struct key *k, const config_setting_t *s)
{
    int64_t v = 0;
    int ok = 0;
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        v = config_setting_get_int64(s);
        ok = (k->kind == K_INT || k->kind == K_SIZE) && v >= k->lo && v <= k->hi;
    } else if (t == CONFIG_TYPE_BOOL) {
        v = config_setting_get_bool(s);
        ok = k->kind == K_BOOL;
    } else if (t == CONFIG_TYPE_STRING) {
        ok = (k->kind == K_SIZE || k->kind == K_ENUM) &&
             from_text(k, config_setting_get_string(s), &v);
    }
    if (!ok) {
        char where[512], path[256], want[256], got[128];
        expected(k, want, sizeof want);
        if (t == CONFIG_TYPE_STRING)
            snprintf(got, sizeof got, "\"%s\"", config_setting_get_string(s));
        else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            snprintf(got, sizeof got, "%lld", (long long)config_setting_get_int64(s));
        else if (t == CONFIG_TYPE_BOOL)
            snprintf(got, sizeof got, "%s", config_setting_get_bool(s) ? "true" : "false");
        else
            snprintf(got, sizeof got, "a %s", t == CONFIG_TYPE_GROUP ? "group" : "list");
        fail("%s: %s: expected %s, got %s", where_of(s, where, sizeof where),
             path_of(s, path, sizeof path), want, got);
    }
    *k->dest = v;
}

/* The setting for key k in `layer` (the file's root or a profile), or NULL. */
static const config_setting_t *lookup(const config_setting_t *layer, const struct key *k)
{
    if (!layer)
        return NULL;
    if (k->group) {
        layer = config_setting_get_member(layer, k->group);
        if (!layer)
            return NULL;
    }
    return config_setting_get_member(layer, k->name);
}

static int known(const char *name, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

static void unknown(const config_setting_t *s, const char *expected_names)
{
    char where[512], path[256];
    fail("%s: unknown setting %s (expected %s)", where_of(s, where, sizeof where),
         path_of(s, path, sizeof path), expected_names);
}

/* Every key of a layer must be known; groups must be groups. */
static void check_layer(const config_setting_t *layer, int top)
{
    for (int i = 0; i < config_setting_length(layer); i++) {
        const config_setting_t *s = config_setting_get_elem(layer, (unsigned)i);
        const char *name = config_setting_name(s);
        if (top && (!strcmp(name, "profile") || !strcmp(name, "profiles")))
            continue;
        if (!strcmp(name, "stats"))
            continue; /* checked as a key */
        if (!known(name, layer_groups))
            unknown(s, top ? "scheduler, gc, main, stats, di, profile or profiles"
                           : "scheduler, gc, main, stats or di");
        if (!config_setting_is_group(s)) {
            char where[512], path[256];
            fail("%s: %s must be a group { ... }", where_of(s, where, sizeof where),
                 path_of(s, path, sizeof path));
        }
        if (!strcmp(name, "di"))
            continue; /* bindings: checked against the declarations (runtime/di) */
        for (int j = 0; j < config_setting_length(s); j++) {
            const config_setting_t *m = config_setting_get_elem(s, (unsigned)j);
            int ok = 0;
            for (size_t k = 0; k < NKEYS; k++)
                ok |= keys[k].group && !strcmp(keys[k].group, name) &&
                      !strcmp(keys[k].name, config_setting_name(m));
            if (!ok) {
                char list[256] = "";
                size_t len = 0;
                for (size_t k = 0; k < NKEYS; k++)
                    if (keys[k].group && !strcmp(keys[k].group, name))
                        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                                len ? ", " : "", keys[k].name);
                unknown(m, list);
            }
        }
    }
}

static void load_file(void)
{
    file_name = getenv("VMRT_CONFIG");
    if (!file_name || !*file_name)
        return;
    config_init(&cfg);
    if (!config_read_file(&cfg, file_name)) {
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
            fail("VMRT_CONFIG=%s: cannot read the file: %s", file_name, strerror(errno));
        fail("%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg) : file_name,
             config_error_line(&cfg), config_error_text(&cfg));
    }
    have_file = 1;
    const config_setting_t *root = config_root_setting(&cfg);
    check_layer(root, 1);
    const config_setting_t *profiles = config_setting_get_member(root, "profiles");
    if (profiles) {
        char where[512];
        if (!config_setting_is_group(profiles))
            fail("%s: profiles must be a group { name = { ... }; ... }",
                 where_of(profiles, where, sizeof where));
        for (int i = 0; i < config_setting_length(profiles); i++) {
            const config_setting_t *p = config_setting_get_elem(profiles, (unsigned)i);
            if (!config_setting_is_group(p))
                fail("%s: profiles.%s must be a group { ... }", where_of(p, where, sizeof where),
                     config_setting_name(p));
            check_layer(p, 0);
        }
    }
}

static void choose_profile(void)
{
    const char *name = getenv("VMRT_PROFILE"), *from = "VMRT_PROFILE";
    const config_setting_t *root = have_file ? config_root_setting(&cfg) : NULL;
    if ((!name || !*name) && root) {
        const config_setting_t *p = config_setting_get_member(root, "profile");
        if (p) {
            char where[512];
            if (config_setting_type(p) != CONFIG_TYPE_STRING)
                fail("%s: profile: expected a string (the name of a group under profiles)",
                     where_of(p, where, sizeof where));
            name = config_setting_get_string(p);
            from = "the profile setting";
        }
    }
    if (!name || !*name)
        return;
    if (!root)
        fail("%s=%s: no configuration file (VMRT_CONFIG) defines profiles", from, name);
    const config_setting_t *profiles = config_setting_get_member(root, "profiles");
    profile_group = profiles ? config_setting_get_member(profiles, name) : NULL;
    if (!profile_group)
        fail("profile %s (from %s) is not defined under profiles in %s", name, from, file_name);
}

void rt_config_load(void)
{
    load_file();
    choose_profile();
    const config_setting_t *root = have_file ? config_root_setting(&cfg) : NULL;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        const config_setting_t *s = lookup(profile_group, k);
        if (!s)
            s = lookup(root, k);
        if (s)
            from_setting(k, s);
        const char *e = getenv(k->env);
        if (e && *e) {
            int64_t v;
            if (!from_text(k, e, &v)) {
                char want[256];
                expected(k, want, sizeof want);
                fail("%s=%s: expected %s", k->env, e, want);
            }
            *k->dest = v;
        }
    }
}

const config_setting_t *rt_config_di_group(int layer)
{
    if (!have_file)
        return NULL;
    const config_setting_t *l = layer == 0 ? profile_group : config_root_setting(&cfg);
    return l ? config_setting_get_member(l, "di") : NULL;
}

const char *rt_config_file(void)
{
    return have_file ? file_name : NULL;
}
