/* The program's entry: the runtime owns main(). */
#include "start/start.h"

/* Objects built for this ABI reference vm_abi_v<VM_ABI_VERSION> (abi/value.h):
 * a runtime of another version fails the link naming the symbol. */
#define RT_CAT2(a, b) a##b
#define RT_CAT(a, b)  RT_CAT2(a, b)
const int RT_CAT(vm_abi_v, VM_ABI_VERSION) = VM_ABI_VERSION;

/* The runtime's record of its target and ABI (VM_TARGET_SECTION). */
#define RT_STR2(x) #x
#define RT_STR(x)  RT_STR2(x)
__attribute__((section(VM_TARGET_SECTION), used)) static const char rt_target[] =
    VMCC_TARGET_TRIPLE " abi " RT_STR(VM_ABI_VERSION);

/* The program's main runs as the first process; the program ends when it
 * does (runtime/proc/proc.c). */
int main(int argc, char **argv)
{
    rt_start(argc, argv, vm_program_main);
}
