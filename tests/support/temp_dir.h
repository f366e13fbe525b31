// A fresh, empty directory under the system's temporary folder, unique per test process.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace gearbox::testing {

inline std::string temp_dir(const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() /
                            ("gearbox-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

}  // namespace gearbox::testing
