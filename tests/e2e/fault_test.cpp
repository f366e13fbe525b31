// Faults of the output while streaming: a full disk (a real 3 MB tmpfs), write errors injected
// into segment and manifest writes (ENOSPC, EIO), the output folder removed. Each must end with
// an error naming the file and the errno text, and final manifests (static MPD, ENDLIST
// playlists) that list every complete segment on disk and nothing else, every one decodable.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "playlist.h"
#include "temp_dir.h"
#include "write_fault.h"
#include "xml_query.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::XmlQuery;

constexpr int kFps = 25;
constexpr int kFramesPerSegment = 25;  // 1 s segments

StreamConfig fault_config(const std::string& dir) {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {kFps, 1};
  c.segment_duration = {1, 1};
  // About 250 kB a segment for v0: a 3 MB disk fills within a dozen segments.
  c.renditions.push_back(RenditionSpec{640, 360, 2000, std::nullopt});
  c.renditions.push_back(RenditionSpec{320, 180, 300, std::nullopt});
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

// Pushes up to `frames` frames, stopping at the first refused one (the pipeline failed), then
// closes; returns close()'s status, or the push error when close() reports none.
Status stream_until_failure(const StreamConfig& c, int frames, int* pushed = nullptr) {
  auto s = Streamer::open(c, testing::backends_under_test());
  if (!s) return s.error();
  TestPattern pattern(640, 360);
  Status first;
  int n = 0;
  for (; n < frames; ++n) {
    Status p = (*s)->push(pattern.render(n));
    if (!p) {
      first = p;
      break;
    }
  }
  if (pushed) *pushed = n;
  Status closed = (*s)->close();
  return closed ? first : closed;
}

// The segment numbers of `track` whose complete files are on disk, and whether any .tmp is left.
std::set<int64_t> segment_files(const std::string& dir, const std::string& track) {
  std::set<int64_t> numbers;
  const std::regex name(track + "-([0-9]+)\\.m4s");
  for (const auto& e : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string f = e.path().filename().string();
    if (std::regex_match(f, m, name)) numbers.insert(std::stoll(m[1]));
  }
  return numbers;
}

std::vector<std::string> temporary_files(const std::string& dir) {
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".tmp") left.push_back(e.path().filename().string());
  }
  return left;
}

// The final output: a static MPD and ENDLIST playlists that list the same segments, exactly
// the complete ones on disk, all decodable; no temporary file left. Returns how many are listed.
size_t expect_final_output_lists_what_is_on_disk(const std::string& dir) {
  EXPECT_EQ(temporary_files(dir), std::vector<std::string>{});
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  EXPECT_TRUE(mpd.ok());
  if (!mpd.ok()) return 0;
  EXPECT_EQ(mpd.value("/d:MPD/@type"), "static");
  // Not final: libavformat's HLS reader would wait for the playlist to grow.
  if (mpd.value("/d:MPD/@type") != "static") return 0;
  const std::vector<int64_t> listed = testing::listed_segment_numbers(mpd);
  const std::set<int64_t> listed_set(listed.begin(), listed.end());
  for (const char* track : {"v0", "v1"}) {
    const std::string playlist = read_file(dir + "/" + track + ".m3u8");
    EXPECT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << track << ".m3u8:\n"
                                                                  << playlist;
    std::set<int64_t> in_playlist;
    for (const std::string& uri : testing::uris(playlist)) {
      in_playlist.insert(std::stoll(uri.substr(uri.find('-') + 1)));
    }
    EXPECT_EQ(in_playlist, listed_set) << track << ": HLS and DASH list different segments";
    EXPECT_EQ(segment_files(dir, track), listed_set)
        << track << ": files on disk differ from the list";
  }
  for (const std::string& url : {dir + "/manifest.mpd", dir + "/v0.m3u8", dir + "/v1.m3u8"}) {
    auto d = testing::decode_all(url);
    EXPECT_TRUE(d.ok) << url << ": " << d.error;
    EXPECT_EQ(d.frames.size(), listed.size() * kFramesPerSegment) << url;
  }
  return listed.size();
}

// A tmpfs of `size` mounted on a fresh folder for the test's life (root and a sandbox that
// allows mount(2)); ok() false with the reason otherwise.
class SmallDisk {
 public:
  SmallDisk(const std::string& name, const char* size) : dir_(testing::temp_dir(name)) {
    fs::create_directories(dir_);
    const std::string options = std::string("size=") + size;
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      why_ = std::string("cannot mount a tmpfs on ") + dir_ + ": " + std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool ok() const { return mounted_; }
  const std::string& why_not() const { return why_; }
  std::string output() const { return dir_ + "/out"; }

 private:
  std::string dir_;
  std::string why_;
  bool mounted_ = false;
};

// Removes the injected fault however the test ends.
struct InjectedFault {
  explicit InjectedFault(packager::WriteFault f) { packager::set_write_fault(std::move(f)); }
  ~InjectedFault() { packager::set_write_fault(std::nullopt); }
};

TEST(Faults, DiskFullEndsWithFinalManifestsOfTheCompleteSegments) {
  SmallDisk disk("disk-full", "3m");
  if (!disk.ok()) GTEST_SKIP() << disk.why_not();
  Status s = stream_until_failure(fault_config(disk.output()), 60 * kFps);
  ASSERT_FALSE(s.ok()) << "60 s of 2 Mb/s fitted in 3 MB";
  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(disk.output() + "/"), std::string::npos)
      << "names no file: " << s.message();
  const size_t listed = expect_final_output_lists_what_is_on_disk(disk.output());
  EXPECT_GE(listed, 3u);
}

TEST(Faults, DiskFullWithLowLatencyChunks) {
  SmallDisk disk("disk-full-ll", "3m");
  if (!disk.ok()) GTEST_SKIP() << disk.why_not();
  StreamConfig c = fault_config(disk.output());
  c.low_latency.chunk_frames = 5;
  Status s = stream_until_failure(c, 60 * kFps);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
  EXPECT_GE(expect_final_output_lists_what_is_on_disk(disk.output()), 3u);
}

TEST(Faults, IoErrorOnASegmentWrite) {
  const std::string dir = testing::temp_dir("eio-segment");
  InjectedFault fault(packager::WriteFault{"m4s.tmp", 1500 * 1000, EIO, -1});
  Status s = stream_until_failure(fault_config(dir), 60 * kFps);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
  EXPECT_NE(s.message().find("Input/output error"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(".m4s.tmp\""), std::string::npos)
      << "names no segment: " << s.message();
  EXPECT_GE(expect_final_output_lists_what_is_on_disk(dir), 2u);
  fs::remove_all(dir);
}

TEST(Faults, NoSpaceOnAManifestWriteStillEndsWithFinalManifests) {
  const std::string dir = testing::temp_dir("enospc-manifest");
  // The fourth or so MPD fails once, as a disk that was full for a moment.
  InjectedFault fault(packager::WriteFault{"manifest.mpd.tmp", 4000, ENOSPC, 1});
  int pushed = 0;
  Status s = stream_until_failure(fault_config(dir), 20 * kFps, &pushed);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("manifest.mpd.tmp\": No space left on device"), std::string::npos)
      << s.message();
  EXPECT_LT(pushed, 20 * kFps);
  EXPECT_GE(expect_final_output_lists_what_is_on_disk(dir), 2u);
  fs::remove_all(dir);
}

TEST(Faults, IoErrorOnAnMpegTsSegmentWrite) {
  const std::string dir = testing::temp_dir("eio-ts");
  StreamConfig c = fault_config(dir);
  c.format = OutputFormat::kHls;
  c.hls_segment_type = HlsSegmentType::kMpegTs;
  InjectedFault fault(packager::WriteFault{"ts.tmp", 1500 * 1000, EIO, -1});
  Status s = stream_until_failure(c, 60 * kFps);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(".ts.tmp\": Input/output error"), std::string::npos) << s.message();
  EXPECT_EQ(temporary_files(dir), std::vector<std::string>{});
  size_t listed = 0;
  for (const char* track : {"v0", "v1"}) {
    const std::string playlist = read_file(dir + "/" + track + ".m3u8");
    ASSERT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << playlist;
    std::set<std::string> in_playlist, on_disk;
    for (const std::string& uri : testing::uris(playlist)) in_playlist.insert(uri);
    const std::regex name(std::string(track) + "-[0-9]+\\.ts");
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string f = e.path().filename().string();
      if (std::regex_match(f, name)) on_disk.insert(f);
    }
    EXPECT_EQ(in_playlist, on_disk) << track;
    auto d = testing::decode_all(dir + "/" + track + ".m3u8");
    EXPECT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.frames.size(), in_playlist.size() * kFramesPerSegment) << track;
    listed = in_playlist.size();
  }
  EXPECT_GE(listed, 2u);
  fs::remove_all(dir);
}

// The init segments are written by the first frame; a folder that refuses files is named then.
// (Under LeakSanitizer this also checks that the failed open frees what it allocated.)
TEST(Faults, AnOutputFolderThatRefusesFilesIsAClearError) {
  StreamConfig c = fault_config("/proc/1");
  auto s = Streamer::open(c, testing::backends_under_test());
  if (!s) GTEST_SKIP() << "/proc/1 refused at open: " << s.error().message;
  TestPattern pattern(640, 360);
  Status pushed = (*s)->push(pattern.render(0));
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.code(), ErrorCode::kIo) << pushed.message();
  EXPECT_NE(pushed.message().find("\"/proc/1/v0-init.mp4.tmp\""), std::string::npos)
      << pushed.message();
}

TEST(Faults, OutputFolderRemovedWhileStreaming) {
  const std::string dir = testing::temp_dir("folder-removed");
  auto s = Streamer::open(fault_config(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(640, 360);
  Status failed;
  for (int n = 0; n < 60 * kFps && failed.ok(); ++n) {
    if (n == 3 * kFramesPerSegment) fs::remove_all(dir);
    failed = (*s)->push(pattern.render(n));
  }
  Status closed = (*s)->close();
  ASSERT_FALSE(closed.ok()) << "streaming into a removed folder succeeded";
  EXPECT_EQ(closed.code(), ErrorCode::kIo) << closed.message();
  EXPECT_NE(closed.message().find(dir + "/"), std::string::npos) << closed.message();
  EXPECT_NE(closed.message().find("No such file or directory"), std::string::npos)
      << closed.message();
  // Nothing is left that could list what is not there.
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace gearbox
