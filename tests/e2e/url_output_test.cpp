// URL output (StreamGear's third output form): an HTTP server in the test receives every file
// with PUT and the live window's old segments with DELETE; what it holds at the end is read back
// with libavformat. A server that refuses is a clear error naming the URL, never a hang.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "temp_dir.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::decode_all;
using testing::temp_dir;

// Stores PUT bodies under `root`, deletes on DELETE, and counts both.
class IngestServer {
 public:
  explicit IngestServer(std::string root) : root_(std::move(root)) {
    fs::create_directories(root_);
    server_.Put(R"(/live/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      std::ofstream(root_ + "/" + req.matches[1].str(), std::ios::binary) << req.body;
      ++puts_[req.matches[1].str()];
      res.status = 201;
    });
    server_.Delete(R"(/live/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      fs::remove(root_ + "/" + req.matches[1].str());
      ++deletes_;
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~IngestServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/live/"; }
  int puts(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    return puts_[name];
  }
  int deletes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return deletes_;
  }

 private:
  std::string root_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, int> puts_;
  int deletes_ = 0;
};

StreamConfig url_config(const std::string& url) {
  StreamConfig c;
  c.output = url;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {25, 1};
  c.segment_duration = {1, 1};
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

TEST(UrlOutput, EveryFileIsPutAndTheIngestedStreamPlays) {
  const std::string root = temp_dir("ingest");
  IngestServer server(root);
  auto s = Streamer::open(url_config(server.url() + "show.mpd"), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string staging = (*s)->outputs().directory;
  TestPattern pattern(160, 90);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ(server.puts("v0-init.mp4"), 1);
  for (int k = 1; k <= 4; ++k) EXPECT_EQ(server.puts("v0-" + std::to_string(k) + ".m4s"), 1) << k;
  EXPECT_GE(server.puts("show.mpd"), 2);  // dynamic while writing, static at the end
  EXPECT_GE(server.puts("show.m3u8"), 2);
  for (const std::string& url : {root + "/show.mpd", root + "/v0.m3u8"}) {
    auto d = decode_all(url);
    ASSERT_TRUE(d.ok) << url << ": " << d.error;
    EXPECT_EQ(d.frames.size(), 100u) << url;
  }
  s->reset();
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder is left behind";
  fs::remove_all(root);
}

TEST(UrlOutput, LiveWindowDeletesOnTheServerToo) {
  const std::string root = temp_dir("ingest-live");
  IngestServer server(root);
  StreamConfig c = url_config(server.url());
  c.live.enabled = true;
  c.live.window_segments = 2;
  c.live.delete_delay_segments = 1;
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(160, 90);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());
  int left = 0;
  for (const auto& e : fs::directory_iterator(root)) left += e.path().extension() == ".m4s";
  EXPECT_EQ(left, 2);  // the final window: 8 segments written, 6 deleted on the server
  EXPECT_EQ(server.deletes(), 6);
  auto d = decode_all(root + "/manifest.mpd");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), 50u);
  fs::remove_all(root);
}

TEST(UrlOutput, ARefusingServerIsAClearErrorNotAHang) {
  // Port 1 (tcpmux) is privileged and unused: connections are refused.
  const std::string url = "http://127.0.0.1:1/live/";
  StreamConfig c = url_config(url);
  c.close_timeout_seconds = 3;  // a refused connection is retried until close()'s deadline
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(160, 90);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  Status closed = (*s)->close();
  EXPECT_EQ(closed.code(), ErrorCode::kIo);
  EXPECT_NE(closed.message().find("PUT " + url), std::string::npos) << closed.message();
}

TEST(UrlOutput, OtherSchemesAreRefusedAtOpen) {
  auto s = Streamer::open(url_config("rtmp://example.com/live/"), testing::backends_under_test());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("use http:// or https://"), std::string::npos)
      << s.error().message;
}

}  // namespace
}  // namespace gearbox
