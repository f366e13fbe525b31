# libgearbox: the rooms' OBJECT libraries (the contract, the backends, the packager, audio, the
# engine) in one library, static (the default) or shared (BUILD_SHARED_LIBS=ON).
#
# In the build tree its users (the CLI, the tests, the benchmarks) also get the rooms' include
# folders and link dependencies through $<BUILD_INTERFACE:...>. Installed, it carries only the
# public headers (include/gearbox: core/include/gearbox and engine/include/gearbox) and, for the
# static library, the external libraries its code calls, named below once for both packages.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GEARBOX_PARTS gearbox_contract gearbox_packager gearbox_audio gearbox_engine
    ${GEARBOX_BACKEND_TARGETS})

add_library(gearbox)
add_library(gearbox::gearbox ALIAS gearbox)
# Directly linked OBJECT libraries put their objects into the library, each once; in the build
# tree only, so the installed package never names them. The engine's and the contract's include
# folders are public (in the build tree; installed, include/ holds both).
foreach(part ${GEARBOX_PARTS})
  if(part STREQUAL "gearbox_engine" OR part STREQUAL "gearbox_contract")
    target_link_libraries(gearbox PUBLIC $<BUILD_INTERFACE:${part}>)
  else()
    target_link_libraries(gearbox PRIVATE $<BUILD_INTERFACE:${part}>)
  endif()
endforeach()
# A part may link a static library of the project's own (a backend's helper: vaapi's h264
# syntax); its objects go into libgearbox too, since it is not installed.
foreach(part ${GEARBOX_PARTS})
  get_target_property(links ${part} LINK_LIBRARIES)
  foreach(lib ${links})
    if(TARGET ${lib})
      get_target_property(type ${lib} TYPE)
      get_target_property(imported ${lib} IMPORTED)
      if(type STREQUAL "STATIC_LIBRARY" AND NOT imported)
        target_sources(gearbox PRIVATE $<TARGET_OBJECTS:${lib}>)
        list(APPEND GEARBOX_PARTS ${lib})
      endif()
    endif()
  endforeach()
endforeach()
target_include_directories(gearbox INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(gearbox PROPERTIES VERSION ${PROJECT_VERSION} EXPORT_NAME gearbox)
if(BUILD_SHARED_LIBS)
  # libgearbox.so.0.2.0, SONAME libgearbox.so.0. While the version is 0.x, a minor release may
  # change the API and ABI (as the CMake package's SameMinorVersion says); the SONAME's number
  # then changes with it. GEARBOX_SOVERSION follows the ABI, not the release number.
  set(GEARBOX_SOVERSION 0 CACHE STRING "libgearbox.so's SONAME number (libgearbox.so.N)")
  set_target_properties(gearbox PROPERTIES SOVERSION ${GEARBOX_SOVERSION})
  # Hidden visibility: only what gearbox/export.h marks GEARBOX_EXPORT leaves the library.
  foreach(part gearbox ${GEARBOX_PARTS})
    set_target_properties(${part} PROPERTIES C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
                                             VISIBILITY_INLINES_HIDDEN ON)
  endforeach()
  # No undefined symbols left for the caller's link to find.
  target_link_options(gearbox PRIVATE LINKER:--no-undefined)
endif()

# The external libraries libgearbox's code calls, for the installed package of a static library
# (gearboxConfig.cmake, gearbox.pc): pkg-config modules and plain libraries. A backend that links
# a library of its own (rather than loading it at run time) adds it here.
set(GEARBOX_PC_MODULES libavformat libavcodec libavutil libswscale libswresample cpp-httplib)
set(GEARBOX_PLAIN_LIBS "")
if("x264" IN_LIST GEARBOX_BACKENDS_BUILT)
  list(APPEND GEARBOX_PC_MODULES x264)
endif()
if("x264" IN_LIST GEARBOX_BACKENDS_BUILT OR "vaapi" IN_LIST GEARBOX_BACKENDS_BUILT)
  list(APPEND GEARBOX_PLAIN_LIBS yuv)  # Debian's libyuv-dev has no pkg-config file
endif()
list(APPEND GEARBOX_PLAIN_LIBS ${CMAKE_DL_LIBS})
list(JOIN GEARBOX_PC_MODULES " " GEARBOX_PC_REQUIRES)
# Installed, the static library's link interface names these (gearboxConfig.cmake makes
# PkgConfig::gearbox_deps); PRIVATE, so a shared library's users never see them.
target_link_libraries(gearbox PRIVATE Threads::Threads $<INSTALL_INTERFACE:PkgConfig::gearbox_deps>)
foreach(lib ${GEARBOX_PLAIN_LIBS})
  target_link_libraries(gearbox PRIVATE $<INSTALL_INTERFACE:${lib}>)
endforeach()

set(GEARBOX_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gearbox)

install(TARGETS gearbox EXPORT gearboxTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The public headers: the contract (users and backend authors), the engine's API, version.h.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/gearbox
                  ${PROJECT_SOURCE_DIR}/engine/include/gearbox
                  ${GEARBOX_GENERATED_INCLUDE_DIR}/gearbox
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(EXPORT gearboxTargets NAMESPACE gearbox:: DESTINATION ${GEARBOX_CMAKE_DIR})

if(BUILD_SHARED_LIBS)
  set(GEARBOX_STATIC_DEPS OFF)
else()
  set(GEARBOX_STATIC_DEPS ON)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gearboxConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/gearboxConfig.cmake
                              INSTALL_DESTINATION ${GEARBOX_CMAKE_DIR})
# 0.x: a minor release may break the API (semantic versioning's rule for 0.y.z), so 0.2 accepts
# 0.2.z only; AnyNewerVersion or SameMajorVersion would let 0.3 stand in for 0.2.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gearboxConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gearboxConfig.cmake
              ${PROJECT_BINARY_DIR}/gearboxConfigVersion.cmake
        DESTINATION ${GEARBOX_CMAKE_DIR})

# gearbox.pc, relocatable: its prefix is found from its own folder (${pcfiledir}).
file(RELATIVE_PATH GEARBOX_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" GEARBOX_PC_TO_PREFIX "${GEARBOX_PC_TO_PREFIX}")
set(GEARBOX_PC_LIBS "")
foreach(lib ${GEARBOX_PLAIN_LIBS})
  string(APPEND GEARBOX_PC_LIBS " -l${lib}")
endforeach()
string(APPEND GEARBOX_PC_LIBS " -pthread")
if(BUILD_SHARED_LIBS)
  # libgearbox.so records what it needs (DT_NEEDED): for static linking only.
  set(GEARBOX_PC_DEPS "Requires.private: ${GEARBOX_PC_REQUIRES}\nLibs.private:${GEARBOX_PC_LIBS}")
  set(GEARBOX_PC_LIBS_PUBLIC "")
else()
  # Only libgearbox.a is installed: a plain `pkg-config --libs gearbox` must link, so what it
  # calls is required, not private (pkg-config --static gives the same).
  set(GEARBOX_PC_DEPS "Requires: ${GEARBOX_PC_REQUIRES}")
  set(GEARBOX_PC_LIBS_PUBLIC "${GEARBOX_PC_LIBS}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/gearbox.pc.in ${PROJECT_BINARY_DIR}/gearbox.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gearbox.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
