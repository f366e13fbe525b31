# The Debian package, with CPack's DEB generator: `cpack -G DEB` in the build folder (or the
# `package` target) writes gearbox_<version>_amd64.deb with everything `cmake --install` puts
# in the prefix (/usr): the CLI, the library, the headers, the CMake and pkg-config packages and
# the player page. dpkg-shlibdeps (dpkg-dev) computes Depends from the binaries.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gearbox)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR gearbox)
set(CPACK_PACKAGE_CONTACT "gearbox maintainers <gearbox@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "live ABR encoding engine: frames in, an H.264 ladder out as MPEG-DASH and HLS")
set(CPACK_PACKAGE_DESCRIPTION
    "gearbox encodes raw frames pushed in real time into an adaptive-bitrate ladder on the best
encoder the machine has (NVENC, VA-API, x264) and packages it as MPEG-DASH and HLS over the
same CMAF segments. This package holds the gearbox CLI, libgearbox with its headers, CMake
package and pkg-config file, and the player page of gearbox serve.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # gearbox_0.2.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(NOT BUILD_SHARED_LIBS)
  # libgearbox.a links the caller's program against these: recommended for a library user (the
  # CLI runs without them; dpkg-shlibdeps gives what it needs).
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
      "pkg-config, libavformat-dev, libavcodec-dev, libavutil-dev, libswscale-dev, libswresample-dev, libcpp-httplib-dev, libx264-dev, libyuv-dev")
endif()
# Without debug information (a RelWithDebInfo build's is most of its size): the executables and
# the shared library by CPack, the static library by cmake/strip_archives.cmake.
set(CPACK_STRIP_FILES ON)
set(CPACK_GEARBOX_STRIP "${CMAKE_STRIP}")
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/strip_archives.cmake)
# The Python module (python/), when built: the interpreter it was built for and numpy.
get_property(gearbox_python_deb_depends GLOBAL PROPERTY GEARBOX_PYTHON_DEB_DEPENDS)
if(TARGET gearbox_python AND gearbox_python_deb_depends)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${gearbox_python_deb_depends}")
  string(APPEND CPACK_PACKAGE_DESCRIPTION
         "\nThe gearbox Python module (import gearbox; from gearbox import StreamGear) is included.")
endif()
include(CPack)
