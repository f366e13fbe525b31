# CPack pre-build script (cmake/package.cmake): strips the debug information from the static
# libraries in the package's staging folder, as CPACK_STRIP_FILES does for executables and
# shared libraries.
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(archive ${archives})
  execute_process(COMMAND "${CPACK_GEARBOX_STRIP}" --strip-debug "${archive}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "strip --strip-debug ${archive} failed")
  endif()
endforeach()
