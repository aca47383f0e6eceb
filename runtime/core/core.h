/*
 * runtime/core/core.h — the core layer for the layers above it: values and
 * objects, strings as the core needs them, allocation that raises, errors,
 * atoms, calls from C, contexts; and the prototypes of every vm_* builtin
 * (abi/builtins.h), which any layer may define.
 *
 * Within core/, files include the headers they need one by one.
 */
#ifndef VM_RT_CORE_H
#define VM_RT_CORE_H

#include "abi/builtins.h"
#include "core/alloc.h"
#include "core/atom.h"
#include "core/call.h"
#include "core/ctx.h"
#include "core/error.h"
#include "core/obj.h"
#include "core/str.h"

#endif
