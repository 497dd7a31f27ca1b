# Cross toolchain driven by a sysroot of Debian packages (cross/build.sh makes
# one). No host path is hard-coded: the triplet and the sysroot come in as
#   -DMF_CROSS_TRIPLET=aarch64-linux-gnu|arm-linux-gnueabihf -DMF_SYSROOT=/path/to/sysroot
set(CMAKE_SYSTEM_NAME Linux)
# try_compile projects read this file again; they need these two as well.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MF_CROSS_TRIPLET MF_SYSROOT)
if(NOT MF_CROSS_TRIPLET OR NOT MF_SYSROOT)
  message(FATAL_ERROR "set MF_CROSS_TRIPLET and MF_SYSROOT (cross/build.sh does)")
endif()
string(REGEX MATCH "^[^-]+" CMAKE_SYSTEM_PROCESSOR "${MF_CROSS_TRIPLET}")
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "arm")
  set(CMAKE_SYSTEM_PROCESSOR armv7l)
endif()

set(CMAKE_C_COMPILER ${MF_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${MF_CROSS_TRIPLET}-g++)
set(CMAKE_SYSROOT ${MF_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${MF_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Otherwise pkg-config hands the host's OpenSSL to the target's link.
set(ENV{PKG_CONFIG_LIBDIR} "${MF_SYSROOT}/usr/lib/${MF_CROSS_TRIPLET}/pkgconfig:${MF_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${MF_SYSROOT}")
set(CMAKE_LIBRARY_ARCHITECTURE ${MF_CROSS_TRIPLET})

# ctest runs the target's test binaries through qemu, with the sysroot's loader.
string(REGEX REPLACE "^armv7l$" "arm" _qemu_arch "${CMAKE_SYSTEM_PROCESSOR}")
find_program(MF_QEMU qemu-${_qemu_arch})
if(MF_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MF_QEMU};-L;${MF_SYSROOT})
endif()
