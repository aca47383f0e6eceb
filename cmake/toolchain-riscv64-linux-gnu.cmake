# Cross build of the runtime for riscv64-linux-gnu (scripts/build-cross.sh).
# Compiler: Debian's gcc-riscv64-linux-gnu (RV64GC, lp64d). Debian 12 has
# no riscv64 architecture, so Boehm GC, utf8proc and libconfig are built
# from Debian's source packages by scripts/setup-cross.sh into
# VMCC_DEPS_DIR/riscv64-linux-gnu, found through its pkg-config files.
set(CMAKE_SYSTEM_NAME Linux)
# Passed on to CMake's compiler checks, which read this file again.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VMCC_DEPS_DIR)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64)
if(NOT VMCC_DEPS_DIR)
  message(FATAL_ERROR "VMCC_DEPS_DIR is not set (scripts/build-cross.sh sets it)")
endif()
set(ENV{PKG_CONFIG_LIBDIR} "${VMCC_DEPS_DIR}/riscv64-linux-gnu/lib/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
