# The kernel modules, built through Kbuild once per kernel release.
#
# DMABUF_KERNEL_RELEASES lists the releases; by default every release whose
# headers are installed (/lib/modules/*/build) plus sid's newest kernel when
# the sid chroot exists (tools/sid-chroot). On a real machine that is usually
# just `uname -r`. Each release gets a target kmod-<release>; artefacts go to
# <build>/kmod/<release>/ (tools/kbuild mirrors the sources there).

set(DMABUF_MODULE_DIRS kernel/exporter kernel/importer tests/kernel/vmrun-selftest)

execute_process(COMMAND ${CMAKE_SOURCE_DIR}/tools/sid-chroot --release
  OUTPUT_VARIABLE _sid_release OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
file(GLOB _kbuild_dirs LIST_DIRECTORIES true /lib/modules/*/build)
set(_releases "")
foreach(dir ${_kbuild_dirs})
  get_filename_component(rel ${dir} DIRECTORY)
  get_filename_component(rel ${rel} NAME)
  list(APPEND _releases ${rel})
endforeach()
if(_sid_release)
  list(APPEND _releases ${_sid_release})
endif()
if(NOT _releases)
  execute_process(COMMAND uname -r OUTPUT_VARIABLE _releases OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
set(DMABUF_KERNEL_RELEASES "${_releases}" CACHE STRING
  "Kernel releases to build the modules for and to run the VM tests on")
message(STATUS "Kernel releases: ${DMABUF_KERNEL_RELEASES}")

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
foreach(rel ${DMABUF_KERNEL_RELEASES})
  set(stamp ${CMAKE_BINARY_DIR}/kmod/${rel}/.built)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_SOURCE_DIR}/tools/kbuild --out ${CMAKE_BINARY_DIR}/kmod ${rel} ${_module_dirs}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${_module_sources} ${_shared_headers} ${CMAKE_SOURCE_DIR}/tools/kbuild
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
