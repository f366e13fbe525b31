// AtomicFileWriter: a write that cannot be committed leaves no temporary file behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "atomic_file.h"
#include "temp_dir.h"

namespace gearbox::packager {
namespace {

namespace fs = std::filesystem;

TEST(AtomicFile, AFailedRenameRemovesItsTemporaryFile) {
  const fs::path dir = testing::temp_dir("atomic-rename");
  // A non-empty directory where the file should go: rename(2) refuses to replace it.
  fs::create_directories(dir / "target" / "inside");
  Status s = write_file_atomically((dir / "target").string(), "bytes");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_NE(s.message().find("rename to \"" + (dir / "target").string() + "\""), std::string::npos)
      << s.message();
  EXPECT_FALSE(fs::exists(dir / "target.tmp")) << "the temporary file was left behind";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox::packager
