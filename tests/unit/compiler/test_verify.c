/*
 * Unit tests of compiler/verify.c: every diagnostic the verifier gives,
 * each from a module assembled from text with its exact message, and near
 * misses that must verify. Where the assembler (or the binary reader)
 * refuses a module before the verifier sees it, the test assembles a valid
 * one and breaks it in memory, as a module built any other way could be.
 *
 * Not tested: check_builtin_call's own "string %u does not exist", which
 * cannot fire (the operand check of 'B' reports it first, tested below).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "diag.h"
#include "verify.h"
#include "vmbc.h"

#define HEAD ".version 2\n.module t\n"

static module_t *parse(const char *src)
{
    module_t *m = asm_parse("t.vmasm", (const uint8_t *)src, strlen(src));
    cr_assert_not_null(m, "does not assemble:\n%s", src);
    return m;
}

/* What verify_module said about a module. */
typedef struct report {
    bool ok;
    char *text;           /* everything written to the diagnostic stream */
    unsigned n;           /* error lines in it */
    const char *msgs[24]; /* the text after "error: " (at most 20 are shown) */
    char *lines;          /* a copy of text, cut into lines for msgs */
} report_t;

static report_t verify_report(const module_t *m)
{
    report_t r = {0};
    size_t len = 0;
    FILE *f = open_memstream(&r.text, &len);
    cr_assert_not_null(f);
    diag_set_stream(f);
    r.ok = verify_module(m);
    diag_set_stream(NULL);
    fclose(f);
    r.lines = strdup(r.text);
    for (char *line = strtok(r.lines, "\n"); line; line = strtok(NULL, "\n")) {
        char *e = strstr(line, ": error: ");
        if (e && r.n < sizeof r.msgs / sizeof r.msgs[0])
            r.msgs[r.n] = e + strlen(": error: ");
        r.n += e != NULL;
    }
    return r;
}

static void report_free(report_t *r)
{
    free(r->text);
    free(r->lines);
}

/* `m` verifies, silently; frees it. */
static void expect_valid(module_t *m)
{
    report_t r = verify_report(m);
    cr_assert(r.ok, "rejected:\n%s", r.text);
    cr_assert_str_empty(r.text);
    report_free(&r);
    module_free(m);
}

/* `m` is rejected with exactly the errors `msgs[0..n)`, in order; frees it. */
static void expect_errors(module_t *m, unsigned n, const char *const *msgs)
{
    report_t r = verify_report(m);
    cr_assert_not(r.ok, "accepted");
    cr_assert_eq(r.n, n, "expected %u errors, got %u:\n%s", n, r.n, r.text);
    for (unsigned i = 0; i < n; i++)
        cr_assert_str_eq(r.msgs[i], msgs[i], "error %u; the report:\n%s", i + 1, r.text);
    report_free(&r);
    module_free(m);
}

static void expect_error(module_t *m, const char *msg)
{
    expect_errors(m, 1, &msg);
}

/* The `k`th instruction of function `fi`. */
static instr_t *instr(module_t *m, uint32_t fi, uint32_t k)
{
    cr_assert_lt(fi, m->nfuncs);
    cr_assert_lt(k, m->funcs[fi].ninstrs);
    return &m->funcs[fi].code[k];
}

static uint32_t intern(module_t *m, const char *s)
{
    return mod_intern(m, s, strlen(s));
}

/* ---- valid modules and near misses ---- */

/* A module using every kind of operand, calls of each sort, function
 * values, tuples, a try region, an import and a dependency verifies with
 * no output. */
Test(verify, valid_module_passes)
{
    expect_valid(parse(HEAD ".dep port: int\n"
                            "import func lib.twice(i64) -> i64\n"
                            "func id(%x: val) -> val {\n    ret.val %x\n}\n"
                            "func add1(%x: val) captures(%one: val) -> val {\n"
                            "    .reg %r: val\n    add %r, %x, %one\n    ret.val %r\n}\n"
                            "func half(%x: f64) -> f64 {\n    .reg %h: f64\n"
                            "    const.f64 %h, 0.5\n    mul.f64 %x, %x, %h\n    ret.f64 %x\n}\n"
                            "func main() -> i64 {\n"
                            "    .reg %i: i64, %f: f64, %v: val, %w: val, %t: val, %e: val\n"
                            "    .try start, end, handler\n"
                            "start:\n"
                            "    const.i64 %i, 3\n    call %i, lib.twice, %i\n"
                            "    cvt.i64.f64 %f, %i\n    call %f, half, %f\n"
                            "    const.str %v, \"s\"\n    callb.void println.val, %v\n"
                            "    callb %i, str.len, %v\n    fn.ref %w, id\n"
                            "    call.v %w, %w, %v\n    const.int %v, 1\n    closure %w, add1, %v\n"
                            "    tuple.new %t, %v, %w\n    tuple.get %v, %t, 1\n"
                            "    const.atom %v, \"ok\"\n    assert %i, \"i\"\n"
                            "    lt.i64 %i, %i, %i\n    br %i, start, end\n"
                            "end:\n    ret.i64 %i\n"
                            "handler:\n    catch %e\n    raise %e\n}\n"));
}

/* Literals at the very edges of their ranges are accepted: const.int at
 * the small-int limits, tuple.get items 0 and 2^32 - 1. */
Test(verify, literal_limits_pass)
{
    expect_valid(parse(HEAD "func main() -> void {\n    .reg %v: val, %t: val\n"
                            "    const.int %v, 4611686018427387903\n"
                            "    const.int %v, -4611686018427387904\n"
                            "    tuple.new %t, %v\n    tuple.get %v, %t, 0\n"
                            "    tuple.get %v, %t, 4294967295\n    ret\n}\n"));
}

/* tuple.new, call.v and closure take 255 registers, the most allowed. */
Test(verify, register_list_of_255_passes)
{
    char src[8192] = HEAD "func main() -> void {\n    .reg %v: val\n    const.nil %v\n"
                          "    tuple.new %v";
    for (int i = 0; i < 255; i++)
        strcat(src, ", %v");
    strcat(src, "\n    call.v %v, %v");
    for (int i = 0; i < 255; i++)
        strcat(src, ", %v");
    strcat(src, "\n    ret\n}\n");
    expect_valid(parse(src));
}

/* `main` may return void; a tail call to a function of the caller's
 * return type outside any try region, and a call whose destination has
 * the callee's (f64) type through the any-type letter `r`, are fine. */
Test(verify, near_miss_calls_pass)
{
    expect_valid(parse(HEAD "func f(%x: f64) -> f64 {\n    ret.f64 %x\n}\n"
                            "func g(%x: f64) -> f64 {\n    .reg %y: f64\n"
                            "    call %y, f, %x\n    tailcall f, %y\n}\n"
                            "func main() -> void {\n    ret\n}\n"));
}

/* A label before `}` may end a try region, though it cannot be jumped to. */
Test(verify, try_region_to_the_end_passes)
{
    expect_valid(parse(HEAD "func main() -> i64 {\n    .reg %i: i64, %e: val\n"
                            "    .try h_end, done, h\n    jmp body\n"
                            "h:\n    catch %e\n    const.i64 %i, 1\n    ret.i64 %i\n"
                            "body:\nh_end:\n    const.i64 %i, 0\n    ret.i64 %i\ndone:\n}\n"));
}

/* ---- operand types ---- */

/* An i64 operand given an f64 register is refused, naming the operand,
 * the register and its type. */
Test(verify, i64_operand_on_f64_register)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %x: f64, %y: i64\n"
                            "    add.i64 %y, %x, %y\n    ret\n}\n"),
                 "add.i64: operand 2 must be an i64 register; %x is f64");
}

/* An f64 operand given an i64 register is refused. */
Test(verify, f64_operand_on_i64_register)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %x: f64, %i: i64\n"
                            "    add.f64 %x, %x, %i\n    ret\n}\n"),
                 "add.f64: operand 3 must be a f64 register; %i is i64");
}

/* A val operand given an i64 register, and an i64 one given a val, are
 * refused, each once. */
Test(verify, val_and_i64_registers_do_not_mix)
{
    const char *msgs[] = {"mov.val: operand 2 must be a val register; %i is i64",
                          "unbox.i64: operand 1 must be an i64 register; %v is val"};
    expect_errors(parse(HEAD "func main() -> void {\n    .reg %v: val, %i: i64\n"
                             "    mov.val %v, %i\n    unbox.i64 %v, %v\n    ret\n}\n"),
                  2, msgs);
}

/* A register without a debug name is shown as %rN. */
Test(verify, unnamed_register_shown_by_number)
{
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %x: f64, %y: i64\n"
                             "    neg.i64 %y, %x\n    ret\n}\n");
    m->funcs[0].reg_names[0] = 0;
    expect_error(m, "neg.i64: operand 2 must be an i64 register; %r0 is f64");
}

/* A register operand past the function's registers is refused. */
Test(verify, register_out_of_range)
{
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %a: i64, %b: i64\n"
                             "    mov.i64 %a, %b\n    ret\n}\n");
    instr(m, 0, 0)->fixed[1].idx = 9;
    expect_error(m, "mov.i64: operand 2: register 9 does not exist (the function has 2)");
}

/* ---- calls ---- */

#define CALLEES                                                                                    \
    "func g(%x: i64) -> i64 {\n    ret.i64 %x\n}\n"                                                \
    "func two(%x: i64, %y: f64) -> void {\n    ret\n}\n"                                           \
    "func v() -> void {\n    ret\n}\n"                                                             \
    "func c(%x: val) captures(%k: val) -> val {\n    ret.val %x\n}\n"

/* A call passes exactly the callee's parameter count. */
Test(verify, call_arity)
{
    const char *msgs[] = {"call: 'g' takes 1 argument, 2 given",
                          "call.void: 'two' takes 2 arguments, 1 given"};
    expect_errors(parse(HEAD CALLEES "func main() -> void {\n    .reg %i: i64\n"
                                     "    call %i, g, %i, %i\n    call.void two, %i\n    ret\n}\n"),
                  2, msgs);
}

/* Each argument has the type of its parameter. */
Test(verify, call_argument_type)
{
    expect_error(parse(HEAD CALLEES "func main() -> void {\n    .reg %i: i64, %v: val\n"
                                    "    call.void two, %i, %v\n    ret\n}\n"),
                 "call.void: argument 2 of 'two' must be f64; %v is val");
}

/* An argument register past the function's registers is refused. */
Test(verify, call_argument_out_of_range)
{
    module_t *m = parse(HEAD CALLEES "func main() -> void {\n    .reg %i: i64\n"
                                     "    call %i, g, %i\n    ret\n}\n");
    instr(m, 4, 0)->args[0] = 50;
    expect_error(m, "call: argument 1: register 50 does not exist");
}

/* The destination of call has the callee's return type. */
Test(verify, call_destination_type)
{
    expect_error(parse(HEAD CALLEES "func main() -> void {\n    .reg %i: i64, %f: f64\n"
                                    "    call %f, g, %i\n    ret\n}\n"),
                 "call: 'g' returns i64 but %f is f64");
}

/* A callee returning nothing is called with call.void. */
Test(verify, call_of_void_function_with_destination)
{
    expect_error(parse(HEAD CALLEES "func main() -> void {\n    .reg %i: i64\n"
                                    "    call %i, v\n    ret\n}\n"),
                 "call: 'v' returns nothing; use call.void");
}

/* A function index past the module's functions is refused. */
Test(verify, unknown_function_index)
{
    module_t *m = parse(HEAD CALLEES "func main() -> void {\n    .reg %i: i64\n"
                                     "    call %i, g, %i\n    ret\n}\n");
    instr(m, 4, 0)->fixed[1].idx = 7;
    expect_error(m, "call: function 7 does not exist");
}

/* A function with captures is never called directly. */
Test(verify, call_of_function_with_captures)
{
    expect_error(parse(HEAD CALLEES "func main() -> void {\n    .reg %v: val\n"
                                    "    call %v, c, %v\n    ret\n}\n"),
                 "call: 'c' has captures: call it through a closure with call.v");
}

/* A tail call's callee returns the caller's type. */
Test(verify, tailcall_return_type)
{
    expect_error(parse(HEAD CALLEES "func main() -> i64 {\n    tailcall v\n}\n"),
                 "tailcall: 'v' returns void but 'main' returns i64");
}

/* callb names a builtin of abi/builtins.def. */
Test(verify, unknown_builtin)
{
    expect_error(parse(HEAD "func main() -> void {\n    callb.void no.such_builtin\n    ret\n}\n"),
                 "callb.void: unknown builtin 'no.such_builtin'");
}

/* callb cannot name a builtin internal to the runtime. */
Test(verify, internal_builtin)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %v: val\n    const.nil %v\n"
                            "    callb %v, add, %v, %v\n    ret\n}\n"),
                 "callb: builtin 'add' is internal to the runtime; use the instruction");
}

/* Builtin calls are checked against the builtin's signature: arity,
 * argument types, the .void form and the destination type. */
Test(verify, builtin_signature)
{
    const char *msgs[] = {
        "callb.void: 'println.i64' takes 1 argument, 0 given",
        "callb.void: argument 1 of 'println.i64' must be i64; %v is val",
        "callb: 'println.i64' returns nothing; use callb.void",
        "callb: 'argc' returns i64 but %f is f64",
    };
    expect_errors(parse(HEAD "func main() -> void {\n    .reg %i: i64, %f: f64, %v: val\n"
                             "    callb.void println.i64\n    callb.void println.i64, %v\n"
                             "    callb %i, println.i64, %i\n    callb %f, argc\n    ret\n}\n"),
                  4, msgs);
}

/* ---- function values ---- */

/* fn.ref and closure name functions of val parameters and a val result. */
Test(verify, function_value_of_non_val_function)
{
    const char *msgs[] = {
        "fn.ref: 'g' must take only val parameters and return val to be a value",
        "closure: 'g' must take only val parameters and return val to be a value"};
    expect_errors(parse(HEAD CALLEES "func main() -> void {\n    .reg %v: val\n"
                                     "    fn.ref %v, g\n    closure %v, g\n    ret\n}\n"),
                  2, msgs);
}

/* fn.ref names a function without captures. */
Test(verify, fn_ref_of_function_with_captures)
{
    expect_error(parse(HEAD CALLEES "func main() -> void {\n    .reg %v: val\n"
                                    "    fn.ref %v, c\n    ret\n}\n"),
                 "fn.ref: 'c' has 1 capture; make it with closure");
}

/* closure passes exactly as many registers as the function has captures. */
Test(verify, closure_capture_count)
{
    const char *msgs[] = {"closure: 'c' has 1 capture, 0 given",
                          "closure: 'c' has 1 capture, 2 given"};
    expect_errors(parse(HEAD CALLEES "func main() -> void {\n    .reg %v: val\n"
                                     "    closure %v, c\n    closure %v, c, %v, %v\n    ret\n}\n"),
                  2, msgs);
}

/* call.v, closure, tuple.new and tailcall.v take val registers only. */
Test(verify, register_lists_take_vals)
{
    const char *msgs[] = {"call.v: argument 1 must be a val register; %i is i64",
                          "closure: argument 1 must be a val register; %i is i64",
                          "tuple.new: argument 2 must be a val register; %f is f64",
                          "tailcall.v: argument 1 must be a val register; %i is i64"};
    expect_errors(parse(HEAD CALLEES "func f() -> val {\n    .reg %v: val, %i: i64, %f: f64\n"
                                     "    call.v %v, %v, %i\n    closure %v, c, %i\n"
                                     "    tuple.new %v, %v, %f\n    tailcall.v %v, %i\n}\n"),
                  4, msgs);
}

/* A register-list argument past the function's registers is refused. */
Test(verify, register_list_out_of_range)
{
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %v: val\n    const.nil %v\n"
                             "    tuple.new %v, %v\n    ret\n}\n");
    instr(m, 0, 1)->args[0] = 9;
    expect_error(m, "tuple.new: argument 1: register 9 does not exist");
}

/* tuple.new takes at most 255 registers, in text as in binary. */
Test(verify, tuple_new_arity_limit)
{
    char src[4096] = HEAD "func main() -> void {\n    .reg %v: val\n    const.nil %v\n"
                          "    tuple.new %v";
    for (int i = 0; i < 256; i++)
        strcat(src, ", %v");
    strcat(src, "\n    ret\n}\n");
    expect_error(parse(src), "tuple.new: 256 arguments; at most 255");
}

/* tailcall.v is only in functions that return val. */
Test(verify, tailcall_v_outside_val_function)
{
    expect_error(parse(HEAD "func main() -> i64 {\n    .reg %v: val\n    const.nil %v\n"
                            "    tailcall.v %v\n}\n"),
                 "tailcall.v in a function that returns i64 (function values return val)");
}

/* A function with captures has only val parameters, captures and result. */
Test(verify, captures_must_be_val)
{
    expect_error(parse(HEAD "func f(%x: val) captures(%c: i64) -> val {\n    ret.val %x\n}\n"),
                 "function 'f' has captures, so its parameters, captures and result must be val");
}

/* ---- other operands ---- */

/* A jump to a label that ends the function is refused, naming the label. */
Test(verify, jump_to_end_label)
{
    expect_error(parse(HEAD "func main() -> void {\n    jmp done\n    ret\ndone:\n}\n"),
                 "jmp: label 'done' ends function 'main', with no instruction after it");
}

/* A jump target outside the function is refused, at the end without a
 * label or past it. */
Test(verify, jump_target_out_of_range)
{
    const char *msgs[] = {"br: jump target 3 is outside the function (3 instructions)",
                          "jmp: jump target 40 is outside the function (3 instructions)"};
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %c: i64\n"
                             "top:\n    br %c, top, top\n    jmp top\n    ret\n}\n");
    instr(m, 0, 0)->fixed[2].idx = 3;
    instr(m, 0, 1)->fixed[0].idx = 40;
    expect_errors(m, 2, msgs);
}

/* The instruction count in the message is singular for one instruction. */
Test(verify, jump_target_out_of_one_instruction)
{
    module_t *m = parse(HEAD "func main() -> void {\ntop:\n    jmp top\n}\n");
    instr(m, 0, 0)->fixed[0].idx = 5;
    expect_error(m, "jmp: jump target 5 is outside the function (1 instruction)");
}

/* String and builtin-name operands index the string table. */
Test(verify, string_out_of_range)
{
    const char *msgs[] = {"const.str: string 999 does not exist",
                          "callb.void: string 1000 does not exist"};
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %v: val\n    const.str %v, \"s\"\n"
                             "    callb.void println.val, %v\n    ret\n}\n");
    instr(m, 0, 0)->fixed[1].idx = 999;
    instr(m, 0, 1)->fixed[0].idx = 1000;
    expect_errors(m, 2, msgs);
}

/* const.int takes small ints only: one past either limit is refused. */
Test(verify, const_int_range)
{
    const char *msgs[] = {
        "const.int: 4611686018427387904 is outside the small-int range [-4611686018427387904, "
        "4611686018427387903]",
        "const.int: -4611686018427387905 is outside the small-int range [-4611686018427387904, "
        "4611686018427387903]"};
    expect_errors(parse(HEAD "func main() -> void {\n    .reg %v: val\n"
                             "    const.int %v, 4611686018427387904\n"
                             "    const.int %v, -4611686018427387905\n    ret\n}\n"),
                  2, msgs);
}

/* tuple.get items are in [0, 2^32 - 1]. */
Test(verify, tuple_get_item_range)
{
    const char *msgs[] = {"tuple.get: item -1 is out of range",
                          "tuple.get: item 4294967296 is out of range"};
    expect_errors(parse(HEAD "func main() -> void {\n    .reg %v: val\n    const.nil %v\n"
                             "    tuple.get %v, %v, -1\n    tuple.get %v, %v, 4294967296\n"
                             "    ret\n}\n"),
                  2, msgs);
}

/* An opcode past the table is refused (and not taken for a terminator). */
Test(verify, unknown_opcode)
{
    module_t *m = parse(HEAD "func main() -> void {\n    nop\n    ret\n}\n");
    instr(m, 0, 0)->op = 0xee;
    expect_error(m, "unknown opcode 0xee");
}

/* ---- returns and control ---- */

/* Each ret.T matches the function's return type. */
Test(verify, ret_type_mismatch)
{
    const char *msgs[] = {
        "ret.i64 in a function that returns void", "ret in a function that returns i64",
        "ret.val in a function that returns f64", "ret.f64 in a function that returns val"};
    expect_errors(parse(HEAD "func a() -> void {\n    .reg %i: i64\n    const.i64 %i, 0\n"
                             "    ret.i64 %i\n}\n"
                             "func b() -> i64 {\n    ret\n}\n"
                             "func c() -> f64 {\n    .reg %v: val\n    const.nil %v\n"
                             "    ret.val %v\n}\n"
                             "func d() -> val {\n    .reg %f: f64\n    const.f64 %f, 0\n"
                             "    ret.f64 %f\n}\n"),
                  4, msgs);
}

/* A function whose last instruction is not a terminator is refused. */
Test(verify, falling_off_the_end)
{
    expect_error(parse(HEAD "func main() -> void {\n    nop\n}\n"),
                 "control reaches the end of function 'main' without a return");
}

/* A function has at least one instruction. */
Test(verify, no_instructions)
{
    expect_error(parse(HEAD "func f() -> void {\n}\n"), "function 'f' has no instructions");
}

/* ---- try regions and catch ---- */

#define TRY_TAIL "handler:\n    catch %e\n    raise %e\n}\n"

/* A try region is a non-empty range of the function. */
Test(verify, try_region_empty_or_outside)
{
    const char *msgs[] = {
        ".try: the region [1, 1) with handler 2 is empty or outside the function",
        ".try: the region [0, 9) with handler 2 is empty or outside the function"};
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %e: val\n"
                             "    .try a, a, handler\n    .try s, a, handler\n"
                             "s:\n    nop\na:\n    ret\n" TRY_TAIL);
    m->funcs[0].tries[1].end = 9;
    expect_errors(m, 2, msgs);
}

/* A handler lies outside its own region. */
Test(verify, try_handler_inside_region)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %e: val\n    .try s, e, h\n"
                            "s:\n    jmp e\nh:\n    catch %e\n    ret\ne:\n    ret\n}\n"),
                 ".try: the handler lies inside its own region");
}

/* A handler starts with catch. */
Test(verify, try_handler_not_catch)
{
    expect_error(parse(HEAD "func main() -> void {\n    .try s, e, h\n"
                            "s:\n    nop\ne:\n    ret\nh:\n    ret\n}\n"),
                 ".try: the handler must start with catch");
}

/* Control cannot fall into a handler. */
Test(verify, try_falls_into_handler)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %e: val\n    .try s, e, handler\n"
                            "s:\n    nop\ne:\n    nop\n" TRY_TAIL),
                 ".try: control falls into the handler; end the code before it with a jump or "
                 "return");
}

/* Only an error enters a handler: a jump to it is refused. */
Test(verify, jump_to_handler)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %e: val\n    .try s, e, handler\n"
                            "s:\n    nop\ne:\n    jmp handler\n" TRY_TAIL),
                 "jmp: jumps to a try handler; only an error enters it");
}

/* Neither kind of tail call may stand inside a try region. */
Test(verify, tailcall_inside_try_region)
{
    const char *msgs[] = {"tailcall inside a try region: the callee would run outside the "
                          "handler's reach; use a call and a return",
                          "tailcall.v inside a try region: the callee would run outside the "
                          "handler's reach; use a call and a return"};
    expect_errors(parse(HEAD "func f() -> val {\n    .reg %v: val, %c: i64, %e: val\n"
                             "    .try s, e, handler\n    const.nil %v\n    const.i64 %c, 0\n"
                             "s:\n    br %c, a, b\na:\n    tailcall f\nb:\n    tailcall.v %v\n"
                             "e:\n" TRY_TAIL),
                  2, msgs);
}

/* catch is only the first instruction of a handler. */
Test(verify, catch_outside_handler)
{
    expect_error(parse(HEAD "func main() -> void {\n    .reg %e: val\n    catch %e\n    ret\n}\n"),
                 "catch: only the first instruction of a try handler may catch");
}

/* ---- names and signatures ---- */

/* Function names are unique in the module. */
Test(verify, function_defined_twice)
{
    module_t *m = parse(HEAD "func f() -> void {\n    ret\n}\nfunc g() -> void {\n    ret\n}\n");
    m->funcs[1].name = m->funcs[0].name;
    expect_error(m, "function 'f' is defined twice");
}

/* A function name is an identifier. */
Test(verify, invalid_function_name)
{
    module_t *m = parse(HEAD "func f() -> void {\n    ret\n}\n");
    m->funcs[0].name = intern(m, "9f");
    expect_error(m, "'9f' is not a valid function name");
}

/* Parameters and captures fit in the registers. */
Test(verify, bad_parameter_count)
{
    module_t *m = parse(HEAD "func f(%x: i64) -> void {\n    ret\n}\n");
    m->funcs[0].nparams = 2;
    expect_error(m, "function 'f': bad parameter count 2");
}

/* Register types are i64, f64 or val. */
Test(verify, register_of_unknown_type)
{
    module_t *m = parse(HEAD "func f() -> void {\n    .reg %a: i64, %b: i64\n    ret\n}\n");
    m->funcs[0].reg_types[1] = TY_VOID;
    expect_error(m, "function 'f': register 1 has an unknown type");
}

/* Register names are unique in their function. */
Test(verify, register_declared_twice)
{
    module_t *m = parse(HEAD "func f() -> void {\n    .reg %a: i64, %b: i64\n    ret\n}\n");
    m->funcs[0].reg_names[1] = m->funcs[0].reg_names[0];
    expect_error(m, "function 'f': register %a is declared twice");
}

/* The same register name in two functions is fine. */
Test(verify, register_names_are_per_function)
{
    expect_valid(parse(HEAD "func f() -> void {\n    .reg %a: i64\n    ret\n}\n"
                            "func g() -> void {\n    .reg %a: i64\n    ret\n}\n"));
}

/* main takes no parameters and returns i64 or void. */
Test(verify, main_signature)
{
    expect_error(parse(HEAD "func main(%x: i64) -> i64 {\n    ret.i64 %x\n}\n"),
                 "'main' must take no parameters and return i64 or void");
    expect_error(parse(HEAD "func main() -> f64 {\n    .reg %f: f64\n    const.f64 %f, 0\n"
                            "    ret.f64 %f\n}\n"),
                 "'main' must take no parameters and return i64 or void");
}

/* The module name is an identifier. */
Test(verify, invalid_module_name)
{
    module_t *m = parse(HEAD "func f() -> void {\n    ret\n}\n");
    m->name = intern(m, "bad-name");
    expect_error(m, "'bad-name' is not a valid module name");
}

/* A module past the function or string limits is refused. */
Test(verify, module_limits)
{
    module_t *m = parse(HEAD "func f() -> void {\n    ret\n}\n");
    uint32_t nstrs = m->nstrs;
    m->nstrs = VM_MAX_STRINGS + 1; /* the verifier only indexes the strings the module uses */
    report_t r = verify_report(m);
    m->nstrs = nstrs;
    cr_assert_not(r.ok);
    cr_assert_eq(r.n, 1, "%s", r.text);
    cr_assert_str_eq(r.msgs[0],
                     "module has 1 functions and 16777217 strings; the limits are 1048576 and "
                     "16777216");
    report_free(&r);
    module_free(m);
}

/* ---- imports ---- */

#define IMPORT HEAD "import func lib.helper(val) -> val\nfunc main() -> void {\n    ret\n}\n"

/* An import of this module's own function is refused. */
Test(verify, import_of_own_module)
{
    expect_error(parse(HEAD "import func t.helper(val) -> val\n"),
                 "import 't.helper' names this module's own function");
}

/* An import names module.function. */
Test(verify, import_unqualified)
{
    module_t *m = parse(IMPORT);
    m->funcs[0].name = intern(m, "helper");
    expect_error(m, "import 'helper' must name module.function");
}

/* An import has no body, no captures and is not exported. */
Test(verify, import_with_body_or_export)
{
    module_t *m = parse(IMPORT);
    m->funcs[0].exported = true;
    expect_error(m, "import 'lib.helper' cannot have a body, captures or be exported");
}

/* An import's parameter types are i64, f64 or val. */
Test(verify, import_parameter_type)
{
    module_t *m = parse(IMPORT);
    m->funcs[0].reg_types[0] = TY_VOID;
    expect_error(m, "import 'lib.helper': parameter 1 has an unknown type");
}

/* ---- dependencies ---- */

#define DEPS HEAD ".dep a: int\n.dep b: string\nfunc main() -> void {\n    ret\n}\n"

/* A module declares at most VM_MAX_DEPS dependencies: the limit comes
 * first, and the count of errors not shown is exact (here every one but
 * the first of 2^16 copies of a dependency is a duplicate). */
Test(verify, too_many_dependencies)
{
    module_t *m = parse(DEPS);
    dep_t *saved = m->deps, *many = malloc((VM_MAX_DEPS + 1) * sizeof *many);
    uint32_t nsaved = m->ndeps;
    for (uint32_t i = 0; i <= VM_MAX_DEPS; i++)
        many[i] = saved[0];
    m->deps = many;
    m->ndeps = VM_MAX_DEPS + 1;
    report_t r = verify_report(m);
    m->deps = saved;
    m->ndeps = nsaved;
    free(many);
    cr_assert_not(r.ok);
    cr_assert_eq(r.n, 20, "%s", r.text);
    cr_assert_str_eq(r.msgs[0], "more than 65536 dependencies");
    cr_assert_str_eq(r.msgs[1], "dependency 'a' is declared twice");
    cr_assert(strstr(r.text, "\nt.vmasm: 65516 more errors not shown\n"), "%s", r.text);
    report_free(&r);
    module_free(m);
}

/* A dependency's name and kind are strings of the module. */
Test(verify, dependency_string_out_of_range)
{
    module_t *m = parse(DEPS);
    m->deps[1].kind = m->nstrs;
    expect_error(m, "dependency 1: string index out of range");
}

/* A dependency name is a valid one (abi/di.h). */
Test(verify, dependency_invalid_name)
{
    module_t *m = parse(DEPS);
    m->deps[0].name = intern(m, "9a");
    expect_error(m, "'9a' is not a valid dependency name");
}

/* Each dependency is declared once. */
Test(verify, dependency_declared_twice)
{
    module_t *m = parse(DEPS);
    m->deps[1].name = m->deps[0].name;
    expect_error(m, "dependency 'a' is declared twice");
}

/* A dependency's kind is one abi/di.h parses. */
Test(verify, dependency_bad_kind)
{
    module_t *m = parse(DEPS);
    m->deps[0].kind = intern(m, "integer");
    expect_error(m, "dependency 'a': bad kind 'integer': unknown kind 'integer' (any, nil, bool, "
                    "int, float, number, atom, string, tuple, array, map, set, function, pid, "
                    "function/N or map{key,...})");
}

/* ---- reporting ---- */

/* An error in a text module names file, line and column, and shows the
 * line with a caret under the instruction. */
Test(verify, report_place_in_text)
{
    module_t *m = parse(HEAD "func main() -> void {\n    .reg %x: f64\n    neg.i64 %x, %x\n"
                             "    ret\n}\n");
    report_t r = verify_report(m);
    cr_assert_str_eq(r.text, "t.vmasm:5:5: error: neg.i64: operand 1 must be an i64 register; "
                             "%x is f64\n"
                             "        neg.i64 %x, %x\n"
                             "        ^\n"
                             "t.vmasm:5:5: error: neg.i64: operand 2 must be an i64 register; "
                             "%x is f64\n"
                             "        neg.i64 %x, %x\n"
                             "        ^\n");
    report_free(&r);
    module_free(m);
}

/* An error in a binary module names the byte offset of the instruction's
 * opcode. */
Test(verify, report_place_in_binary)
{
    module_t *m = parse(HEAD "func main() -> i64 {\n    .reg %f: f64\n    const.f64 %f, 0\n"
                             "    ret.f64 %f\n}\n");
    buf_t b = {0};
    vmbc_write(m, &b);
    module_t *bin = vmbc_read("t.vmbc", b.data, b.len);
    cr_assert_not_null(bin);
    report_t r = verify_report(bin);
    cr_assert_eq(r.n, 1, "%s", r.text);
    unsigned long off = 0;
    int used = 0;
    cr_assert_eq(sscanf(r.text, "t.vmbc: offset 0x%lx: error: %n", &off, &used), 1, "%s", r.text);
    cr_assert_str_eq(r.text + used, "ret.f64 in a function that returns i64\n");
    cr_assert_lt(off, b.len);
    cr_assert_eq(b.data[off], OP_RET_F64, "offset 0x%lx holds 0x%02x", off, b.data[off]);
    report_free(&r);
    module_free(bin);
    module_free(m);
    buf_free(&b);
}

/* After 20 errors the rest are counted, not shown. */
Test(verify, error_limit)
{
    char src[4096] = HEAD "func main() -> void {\n    .reg %x: f64\n";
    for (int i = 0; i < 25; i++)
        strcat(src, "    not.i64 %x, %x\n");
    strcat(src, "    ret\n}\n");
    module_t *m = parse(src);
    report_t r = verify_report(m);
    cr_assert_not(r.ok);
    cr_assert_eq(r.n, 20, "%s", r.text);
    cr_assert_str_eq(r.msgs[19], "not.i64: operand 2 must be an i64 register; %x is f64");
    const char *tail = "\nt.vmasm: 30 more errors not shown\n";
    size_t len = strlen(r.text);
    cr_assert(len > strlen(tail) && strcmp(r.text + len - strlen(tail), tail) == 0, "%s", r.text);
    report_free(&r);
    module_free(m);
}
