# dmabuf_add_vm_test(<name> SCRIPT <path relative to the source root>
#                    [ARGS ...] [MODULES fakecam fakedisp | NONE]
#                    [MODPROBE vgem vivid ...] [PARAMS mod.key=value ...]
#                    [TIMEOUT seconds] [MEMORY MiB] [HOST]
#                    [KNOWN_ISSUES regex ...] [DEBUG_KERNEL_ONLY])
#
# Registers one ctest test per kernel release in DMABUF_RELEASES, named
# vm.<release>.<name>, labelled "vm". Each boots its own VM (tools/vmrun), so
# a kernel crash fails that test alone. The script runs inside the guest with
# the build tree as working directory. With HOST the script runs on the host
# instead, gets the release as $DMABUF_KREL and calls tools/vmrun itself
# (for tests of the harness). Guest console logs are kept in
# <build>/vm-logs/<release>/<name>.log, guest output files in
# <build>/vm-out/<release>/<name>/ ($DMABUF_OUT). KNOWN_ISSUES are passed to
# vmrun --known-issue: kernel reports of in-tree drivers the scenario uses
# that are known upstream bugs, shown but not failing the run.
# TIMEOUT is for a Debian kernel; on the debug kernel it is
# DMABUF_DEBUG_KERNEL_SLOWDOWN times as long.
# DEBUG_KERNEL_ONLY registers the test on the debug kernel alone (it needs
# one of its detectors or fail-nth), and on no kernel when there is none.
# vivid's capture thread (7.x) hands schedule_timeout() a negative value when
# it wakes up later than its next frame was due, which a TCG guest on a busy
# host makes common; the kernel then prints the value and a stack dump. It is
# vivid's bug, not ours: scenarios that stream from vivid declare it.
set(DMABUF_VIVID_KNOWN_ISSUES "schedule_timeout: wrong timeout value")

set(DMABUF_DEBUG_KERNEL_SLOWDOWN 3)

# What CI runs on the debug kernel. Every scenario is registered there, but
# on 2 cores under TCG all of them take about 100 min of CPU there (52 min
# of wall time two at a time), on top of the Debian kernels' half hour and
# the kernel's 20 min build: twice CI's budget (docs/testing.md, "The debug
# kernel in CI"). So CI runs these, for the kernel paths they take (export
# and release order, every ioctl's bad input, commits releasing imports),
# and every DEBUG_KERNEL_ONLY test (the fail-nth sweep, the detectors' own
# tests); the others are registered disabled (ctest lists them as "Not Run
# (Disabled)") unless DMABUF_DEBUG_KERNEL_ALL is on (tools/run-tests
# --debug-all).
set(DMABUF_DEBUG_KERNEL_CI
  fakecam-lifetime fakecam-bad-input fakedisp-testexp-release-in-tail
  fakecam-fences-kill fakedisp-fences pipeline-sync-640x480 fakedisp-kms)
option(DMABUF_DEBUG_KERNEL_ALL "Run every scenario on the debug kernel, not only CI's" OFF)

function(dmabuf_add_vm_test name)
  cmake_parse_arguments(PARSE_ARGV 1 T "HOST;DEBUG_KERNEL_ONLY" "SCRIPT;TIMEOUT;MEMORY"
    "ARGS;MODULES;MODPROBE;PARAMS;KNOWN_ISSUES")
  if(NOT T_SCRIPT)
    message(FATAL_ERROR "dmabuf_add_vm_test(${name}): SCRIPT is required")
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(NOT T_MEMORY)
    set(T_MEMORY 2048)
  endif()
  if(NOT T_MODULES)
    set(T_MODULES fakecam fakedisp)
  endif()
  if(T_MODULES STREQUAL "NONE")
    set(modules none)
  else()
    string(REPLACE ";" "," modules "${T_MODULES}")
  endif()
  set(modprobe "")
  if(T_MODPROBE)
    string(REPLACE ";" "," list "${T_MODPROBE}")
    set(modprobe --modprobe ${list})
  endif()

  set(releases ${DMABUF_RELEASES})
  if(T_DEBUG_KERNEL_ONLY)
    set(releases ${DMABUF_DEBUG_KERNEL_RELEASE})
  endif()
  foreach(rel ${releases})
    set(test vm.${rel}.${name})
    # The detectors (KASAN's checks on every access, lockdep, kmemleak's
    # scan) make the debug kernel several times slower under TCG.
    set(timeout ${T_TIMEOUT})
    if(rel STREQUAL DMABUF_DEBUG_KERNEL_RELEASE)
      math(EXPR timeout "${T_TIMEOUT} * ${DMABUF_DEBUG_KERNEL_SLOWDOWN}")
    endif()
    set(out ${CMAKE_BINARY_DIR}/vm-out/${rel}/${name})
    if(T_HOST)
      add_test(NAME ${test}
        COMMAND ${CMAKE_SOURCE_DIR}/${T_SCRIPT} ${T_ARGS}
        WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
      set_tests_properties(${test} PROPERTIES ENVIRONMENT
        "DMABUF_KREL=${rel};DMABUF_SRC=${CMAKE_SOURCE_DIR};DMABUF_BUILD=${CMAKE_BINARY_DIR};DMABUF_OUT=${out}")
    else()
      set(params "")
      foreach(p ${T_PARAMS})
        list(APPEND params --param ${p})
      endforeach()
      foreach(k ${T_KNOWN_ISSUES})
        list(APPEND params --known-issue ${k})
      endforeach()
      add_test(NAME ${test}
        COMMAND ${CMAKE_SOURCE_DIR}/tools/vmrun --quiet --kernel ${rel}
          --build ${CMAKE_BINARY_DIR} --modules ${modules}
          ${modprobe}
          ${params} --timeout ${timeout} --memory ${T_MEMORY}
          --out ${out} --log ${CMAKE_BINARY_DIR}/vm-logs/${rel}/${name}.log
          -- ${CMAKE_SOURCE_DIR}/${T_SCRIPT} ${T_ARGS}
        WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
    endif()
    # ctest's own timeout is a backstop behind vmrun's.
    math(EXPR backstop "${timeout} + 60")
    set_tests_properties(${test} PROPERTIES LABELS "vm;${rel}" TIMEOUT ${backstop})
    if(rel STREQUAL DMABUF_DEBUG_KERNEL_RELEASE)
      # Long tests first: on a fresh machine ctest has no timings yet.
      set_tests_properties(${test} PROPERTIES COST 1000)
      if(NOT T_DEBUG_KERNEL_ONLY AND NOT DMABUF_DEBUG_KERNEL_ALL
          AND NOT name IN_LIST DMABUF_DEBUG_KERNEL_CI)
        set_tests_properties(${test} PROPERTIES DISABLED TRUE)
      endif()
    endif()
    file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/vm-logs/${rel})
  endforeach()
endfunction()
