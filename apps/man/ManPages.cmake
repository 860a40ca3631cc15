# producer(1) and consumer(1), made by help2man from the programs' own
# --help text, so the man pages and --help cannot disagree. Without
# help2man (tools/install-deps installs it) there are no man pages, and
# cmake says so.
find_program(DI_HELP2MAN help2man)
if(NOT DI_HELP2MAN)
  message(WARNING "help2man not found: no man pages (apt-get install help2man)")
  return()
endif()

set(_man_dir ${CMAKE_BINARY_DIR}/man/man1)
set(_pages "")
foreach(spec "producer|the camera side of dmabuf-interop: V4L2 capture buffers lent as dma-buf fds"
             "consumer|the display side of dmabuf-interop: dma-buf frames checked and shown on KMS")
  string(REPLACE "|" ";" spec "${spec}")
  list(GET spec 0 prog)
  list(GET spec 1 name)
  add_custom_command(OUTPUT ${_man_dir}/${prog}.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_man_dir}
    COMMAND ${DI_HELP2MAN} --no-info --no-discard-stderr --section=1
      --source=dmabuf-interop --version-string=${PROJECT_VERSION}
      --name=${name} --include=${CMAKE_CURRENT_LIST_DIR}/common.h2m
      --output=${_man_dir}/${prog}.1 $<TARGET_FILE:${prog}>
    DEPENDS ${prog} ${CMAKE_CURRENT_LIST_DIR}/common.h2m
    COMMENT "Man page ${prog}(1) from ${prog} --help"
    VERBATIM)
  list(APPEND _pages ${_man_dir}/${prog}.1)
endforeach()
add_custom_target(man-pages ALL DEPENDS ${_pages})
install(FILES ${_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
