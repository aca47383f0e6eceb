# Cross build of the runtime for aarch64-linux-gnu (scripts/build-cross.sh).
# Compiler: Debian's gcc-aarch64-linux-gnu. Libraries: Debian's arm64
# packages (libgc-dev:arm64 ...), installed by scripts/setup-cross.sh into
# the multiarch folders, found through their pkg-config files.
set(CMAKE_SYSTEM_NAME Linux)
# Passed on to CMake's compiler checks, which read this file again.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VMCC_DEPS_DIR)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
# Criterion for aarch64 cannot be installed beside the host's (its -dev
# dependencies are not co-installable): setup-cross.sh unpacks it here.
if(VMCC_DEPS_DIR)
  set(ENV{PKG_CONFIG_LIBDIR} "${VMCC_DEPS_DIR}/aarch64-linux-gnu/lib/pkgconfig:$ENV{PKG_CONFIG_LIBDIR}")
endif()
