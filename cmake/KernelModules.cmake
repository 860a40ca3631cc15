# The kernel modules, built through Kbuild once per kernel release.
#
# DMABUF_KERNEL_RELEASES lists the releases. "auto" (the default) is found
# anew at every configure, so a kernel installed since is tested: every
# release whose headers are installed (/lib/modules/*/build), sid's newest
# kernel when the sid chroot exists (tools/sid-chroot) and the debug kernel
# when it is built (tools/debug-kernel); on a real machine that is usually
# just `uname -r`. An explicit list is taken as it is, and a release in it
# that is not there stops the configure. DMABUF_DEBUG_KERNEL_RELEASE is the
# debug kernel's release (empty when it is not in the list), for tests that
# only it can run. Each release gets a target kmod-<release>; artefacts go
# to <build>/kmod/<release>/ (tools/kbuild mirrors the sources there).

set(DMABUF_MODULE_DIRS kernel/exporter kernel/importer tests/kernel/vmrun-selftest)

set(DMABUF_KERNEL_RELEASES auto CACHE STRING
  "Kernel releases to build the modules for and to run the VM tests on (auto: all present)")

execute_process(COMMAND ${CMAKE_SOURCE_DIR}/tools/sid-chroot --path
  OUTPUT_VARIABLE _sid_root OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND ${CMAKE_SOURCE_DIR}/tools/sid-chroot --release
  OUTPUT_VARIABLE _sid_release OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND ${CMAKE_SOURCE_DIR}/tools/debug-kernel --path
  OUTPUT_VARIABLE _debug_root OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND ${CMAKE_SOURCE_DIR}/tools/debug-kernel --release
  OUTPUT_VARIABLE _debug_release OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)

if(DMABUF_KERNEL_RELEASES STREQUAL "auto")
  file(GLOB _kbuild_dirs LIST_DIRECTORIES true /lib/modules/*/build)
  set(_releases "")
  foreach(dir ${_kbuild_dirs})
    get_filename_component(rel ${dir} DIRECTORY)
    get_filename_component(rel ${rel} NAME)
    list(APPEND _releases ${rel})
  endforeach()
  foreach(rel ${_sid_release} ${_debug_release})
    list(APPEND _releases ${rel})
  endforeach()
  if(NOT _releases)
    execute_process(COMMAND uname -r OUTPUT_VARIABLE _releases OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
else()
  set(_releases ${DMABUF_KERNEL_RELEASES})
  foreach(rel ${_releases})
    if(NOT EXISTS /lib/modules/${rel}/build AND NOT EXISTS ${_sid_root}/lib/modules/${rel}/build
        AND NOT (_debug_root AND EXISTS ${_debug_root}/lib/modules/${rel}/build))
      message(FATAL_ERROR "Kernel ${rel} is in DMABUF_KERNEL_RELEASES but not on this "
        "machine: install linux-headers-${rel}, or run tools/sid-chroot (sid's kernel) or "
        "tools/debug-kernel (the debug kernel), or configure with "
        "-DDMABUF_KERNEL_RELEASES=auto to test what is present.")
    endif()
  endforeach()
endif()
set(DMABUF_RELEASES ${_releases})
set(DMABUF_DEBUG_KERNEL_RELEASE "")
if(_debug_release AND _debug_release IN_LIST _releases)
  set(DMABUF_DEBUG_KERNEL_RELEASE ${_debug_release})
endif()
message(STATUS "Kernel releases: ${DMABUF_RELEASES}")
if(NOT DMABUF_DEBUG_KERNEL_RELEASE)
  message(STATUS "No debug kernel among them (tools/debug-kernel builds it)")
endif()

set(_module_dirs "")
set(_module_sources "")
foreach(dir ${DMABUF_MODULE_DIRS})
  if(EXISTS ${CMAKE_SOURCE_DIR}/${dir}/Kbuild)
    list(APPEND _module_dirs ${dir})
    file(GLOB _files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*)
    list(APPEND _module_sources ${_files})
  endif()
endforeach()
file(GLOB _shared_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/include/dmabuf-interop/*.h)

add_custom_target(kmod)
foreach(rel ${DMABUF_RELEASES})
  set(stamp ${CMAKE_BINARY_DIR}/kmod/${rel}/.built)
  # The kernel's own config too: a debug kernel rebuilt with another config
  # keeps its release, and modules built for the old one must not load.
  set(kconfig "")
  foreach(root "" ${_sid_root} ${_debug_root})
    if(NOT kconfig AND EXISTS ${root}/lib/modules/${rel}/build/.config)
      set(kconfig ${root}/lib/modules/${rel}/build/.config)
    endif()
  endforeach()
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_SOURCE_DIR}/tools/kbuild --out ${CMAKE_BINARY_DIR}/kmod ${rel} ${_module_dirs}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${_module_sources} ${_shared_headers} ${CMAKE_SOURCE_DIR}/tools/kbuild ${kconfig}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    COMMENT "Building kernel modules for ${rel}"
    VERBATIM)
  add_custom_target(kmod-${rel} ALL DEPENDS ${stamp})
  add_dependencies(kmod kmod-${rel})
endforeach()

# checkpatch --strict and sparse over the modules (tools/lint).
add_custom_target(lint
  COMMAND ${CMAKE_SOURCE_DIR}/tools/lint --build ${CMAKE_BINARY_DIR}
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  USES_TERMINAL)

# The debug kernel itself (tools/debug-kernel; quick when it is built). A
# kernel built by this target is tested after the next configure.
add_custom_target(debug-kernel
  COMMAND ${CMAKE_SOURCE_DIR}/tools/debug-kernel
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  USES_TERMINAL)
