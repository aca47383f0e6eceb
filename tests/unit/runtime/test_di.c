/* Unit tests of runtime/di: resolution of declarations found in the section
 * vm_deps (here two written in C, as vmcc would emit them) from the
 * environment, and the errors of di.get. No configuration file is loaded. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "di/di.h"
#include "rt_test.h"

static const vm_dep_decl_t unit_deps[]
    __attribute__((section(VM_DEPS_SECTION), used, aligned(8))) = {
        {"unit_count", "int", "unit", "unit.vmasm", 3},
        {"unit_tags", "string", "unit", "unit.vmasm", 4},
};

TestSuite(di, .init = setup);

static vm_val_t get(const char *name)
{
    return vm_di_get(&ctx, rt_atom(name));
}

/* VMRT_DI_<name> binds each declaration, converted to its kind; di.get of a
 * string gives the bound text. */
Test(di, binds_from_the_environment)
{
    setenv("VMRT_DI_unit_count", "42", 1);
    setenv("VMRT_DI_unit_tags", "a,b", 1);
    cr_assert_eq(rt_di_resolve(&ctx), 1);
    cr_assert_eq(rt_di_resolve(&ctx), 1, "a second call does nothing");
    vm_val_t n = get("unit_count");
    cr_assert(val_is_int(n));
    cr_assert_eq(val_as_int(n), 42);
    cr_assert_str_eq(rt_as_str(get("unit_tags"))->bytes, "a,b");
}

/* Unbound or mistyped: resolution fails (after printing the list). */
Test(di, fails_when_unbound)
{
    unsetenv("VMRT_DI_unit_count");
    setenv("VMRT_DI_unit_tags", "x", 1);
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    int ok = rt_di_resolve(&ctx);
    fclose(stderr);
    stderr = saved;
    cr_assert_eq(ok, 0);
}

/* di.get of a name no module declares raises badarg; of a non-atom, type. */
Test(di, get_errors)
{
    setenv("VMRT_DI_unit_count", "1", 1);
    setenv("VMRT_DI_unit_tags", "x", 1);
    cr_assert_eq(rt_di_resolve(&ctx), 1);
    cr_assert_eq(get("unit_nope"), 0);
    expect_raised("badarg");
    cr_assert_eq(vm_di_get(&ctx, I(3)), 0);
    expect_raised("type");
}
