// GEARBOX_EXPORT marks gearbox's public API: the classes and functions declared in the installed
// headers (include/gearbox/). The shared library (-DBUILD_SHARED_LIBS=ON) is built with hidden
// visibility, so only what carries this mark is exported from libgearbox.so; everything else
// (the packager, audio, the backends, the engine's internals) stays inside it. In the static
// library and in a caller's code the mark changes nothing. Written by hand rather than by
// GenerateExportHeader so that every header here still compiles with only this folder on the
// include path (core/CMakeLists.txt checks it).
#pragma once

// GEARBOX_HIDDEN keeps an internal class nested in an exported one (Streamer::Impl) inside.
#if defined(__GNUC__) || defined(__clang__)
#define GEARBOX_EXPORT __attribute__((visibility("default")))
#define GEARBOX_HIDDEN __attribute__((visibility("hidden")))
#else
#define GEARBOX_EXPORT
#define GEARBOX_HIDDEN
#endif
