// Whole-file writes that readers never see half done: the bytes go to a temporary file in the
// same directory, which is then renamed over the target (rename(2) is atomic on POSIX).
#pragma once

#include <string>
#include <string_view>

#include "gearbox/error.h"

namespace gearbox::packager {

Status write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace gearbox::packager
