/* compiler/emit.c — verify, optimise (LLVMRunPasses) and write a module. */
#include "emit.h"

#include <stdio.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "diag.h"
#include "util.h"

bool emit_module(LLVMModuleRef mod, LLVMTargetMachineRef tm, const char *triple, int opt,
                 bool verify, emit_kind_t kind, const char *path)
{
    LLVMSetTarget(mod, triple);
    LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(tm);
    char *dl = LLVMCopyStringRepOfTargetData(layout);
    LLVMSetDataLayout(mod, dl);
    LLVMDisposeMessage(dl);
    LLVMDisposeTargetData(layout);
    char *msg = NULL;
    /* A verified bytecode module must lower to valid IR: our bug if not.
     * The check costs ~8% of an -O0 compile, so a release build leaves it
     * to --verify-ir, as clang leaves LLVM's verifier out of release
     * builds; the test suite passes the flag. */
#ifndef NDEBUG
    verify = true;
#endif
    if (verify && LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg))
        die("lowering produced invalid LLVM IR:\n%s", msg);
    LLVMDisposeMessage(msg);
    if (opt > 0) {
        char pipeline[32];
        snprintf(pipeline, sizeof pipeline, "default<O%d>", opt);
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        LLVMErrorRef e = LLVMRunPasses(mod, pipeline, tm, po);
        LLVMDisposePassBuilderOptions(po);
        if (e) {
            char *m = LLVMGetErrorMessage(e);
            die("optimisation pipeline failed: %s", m);
        }
    }
    msg = NULL;
    bool failed =
        kind == EMIT_LLVM_IR
            ? LLVMPrintModuleToFile(mod, path, &msg)
            : LLVMTargetMachineEmitToFile(
                  tm, mod, path, kind == EMIT_ASM ? LLVMAssemblyFile : LLVMObjectFile, &msg);
    if (failed) {
        diag_error("cannot write %s: %s", path, msg ? msg : "unknown error");
        LLVMDisposeMessage(msg);
        return false;
    }
    return true;
}
