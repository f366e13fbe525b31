// A seam for fault tests: every byte the packager writes to a file (segments, init segments,
// manifests: all go through AtomicFileWriter) passes check_write_fault() first, which a test
// can arm to fail with a chosen errno once a byte budget is spent, as a full disk (ENOSPC) or a
// failing one (EIO) would where a real one cannot be arranged. Unarmed it costs one atomic load.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gearbox::packager {

struct WriteFault {
  std::string path_suffix;  // only files whose path ends so ("m4s.tmp", ".mpd.tmp"); "" for all
  int64_t after_bytes = 0;  // bytes those files still take, in all, before writes fail
  int error = EIO;          // the errno a failing write reports
  int failures = -1;        // how many writes fail before writes succeed again; -1: all
};

// Arms (or, with nullopt, disarms) the fault for every later write in the process.
void set_write_fault(std::optional<WriteFault> fault);

// The errno the write of `size` bytes into `path` must fail with, or 0 to go ahead.
int check_write_fault(const std::string& path, size_t size);

}  // namespace gearbox::packager
