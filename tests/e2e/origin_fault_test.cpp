// URL output against an origin that misbehaves (tests/support/test_origin): 500s, connections
// dropped in the middle of a PUT, stalls, an origin that is slow or down and comes back. For
// each, what the origin saw must be a stream a player can trust: every manifest that arrived
// lists only files the origin already held complete, no PUT has an empty body, transient
// failures are retried, close() keeps its deadline, and the staging folder is gone afterwards.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "http_uploader.h"
#include "media_reader.h"
#include "temp_dir.h"
#include "test_origin.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::OriginArrival;
using testing::OriginFault;
using testing::TestOrigin;
using Clock = std::chrono::steady_clock;

bool is_manifest(const std::string& name) {
  return name.size() > 4 &&
         (name.rfind(".mpd") == name.size() - 4 || name.rfind(".m3u8") == name.size() - 5);
}

// Every manifest the origin accepted listed only files it already held; no PUT was empty.
void expect_trustworthy(const std::vector<OriginArrival>& arrivals) {
  int manifests = 0;
  for (size_t i = 0; i < arrivals.size(); ++i) {
    const OriginArrival& a = arrivals[i];
    if (a.method != "PUT") continue;
    EXPECT_FALSE(a.body.empty()) << "request " << i << ": PUT " << a.name << " with an empty body";
    if (a.status != 201 || !is_manifest(a.name)) continue;
    ++manifests;
    for (const std::string& listed : testing::files_listed_by(a.name, a.body)) {
      EXPECT_TRUE(a.held.count(listed)) << "request " << i << ": " << a.name << " lists " << listed
                                        << ", which the origin did not have yet";
    }
  }
  EXPECT_GT(manifests, 0) << "no manifest reached the origin";
}

int count(const std::vector<OriginArrival>& arrivals, const std::string& method, int status) {
  int n = 0;
  for (const OriginArrival& a : arrivals) n += a.method == method && a.status == status;
  return n;
}

// Files in the temporary folder named like a staging folder, to find one left behind.
// The staging folders are made in the temporary folder; this process gets one of its own, so
// that the same tests running at once in another process (on the NVENC simulation) cannot add
// or remove folders between a test's two counts.
struct OwnTempRoot {
  fs::path path;
  OwnTempRoot()
      : path(fs::temp_directory_path() / ("gearbox-origin-tests-" + std::to_string(::getpid()))) {
    fs::create_directories(path);
    ::setenv("TMPDIR", path.c_str(), 1);
  }
  ~OwnTempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
const fs::path& own_temp_root() {
  static const OwnTempRoot root;
  return root.path;
}

std::set<std::string> staging_folders() {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(own_temp_root())) {
    if (e.path().filename().string().rfind("gearbox-upload-", 0) == 0)
      out.insert(e.path().string());
  }
  return out;
}

struct Logged {
  std::mutex mutex;
  std::condition_variable added;
  std::vector<std::string> lines;
  void add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(line);
    added.notify_all();
  }
  bool contains_locked(const std::string& a, const std::string& b) const {
    for (const std::string& l : lines) {
      if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
    }
    return false;
  }
  bool contains(const std::string& a, const std::string& b) {
    std::lock_guard<std::mutex> lock(mutex);
    return contains_locked(a, b);
  }
  // Waits (up to `timeout`) for a line containing both.
  bool wait_for(const std::string& a, const std::string& b, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex);
    return added.wait_for(lock, timeout, [&] { return contains_locked(a, b); });
  }
};

// Shared with the stream's log callback, which may outlive the test if a thread is left behind.
StreamConfig origin_config(const std::string& url, const std::shared_ptr<Logged>& logged) {
  StreamConfig c;
  c.output = url;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {25, 1};
  c.segment_duration = {1, 1};
  c.backend = testing::backend_under_test();
  c.log = [logged](LogLevel, const std::string& m) { logged->add(m); };
  return c;
}

// Pushes `frames` frames of a 160x90 pattern, from frame `first`.
void push_frames(Streamer& s, int first, int frames) {
  TestPattern pattern(160, 90);
  for (int i = first; i < first + frames; ++i) ASSERT_TRUE(s.push(pattern.render(i)).ok());
}

void expect_vod_complete(const TestOrigin& origin, int segments) {
  const auto files = origin.files();
  for (int k = 1; k <= segments; ++k) {
    const std::string name = "v0-" + std::to_string(k) + ".m4s";
    EXPECT_TRUE(files.count(name) && !files.at(name).empty()) << name << " is not on the origin";
  }
  ASSERT_TRUE(files.count("manifest.mpd"));
  EXPECT_NE(files.at("manifest.mpd").find("type=\"static\""), std::string::npos)
      << "the final MPD did not arrive";
}

TEST(OriginFaults, FiveHundredsAreRetriedAndNothingIsListedBeforeItArrived) {
  TestOrigin origin;
  origin.fail_next(3, OriginFault::kStatus500);
  auto logged = std::make_shared<Logged>();
  auto s = Streamer::open(origin_config(origin.url(), logged), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string staging = (*s)->outputs().directory;
  push_frames(**s, 0, 100);
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  const auto arrivals = origin.arrivals();
  EXPECT_EQ(count(arrivals, "PUT", 500), 3);
  expect_trustworthy(arrivals);
  expect_vod_complete(origin, 4);
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder is left behind after close()";
}

TEST(OriginFaults, AConnectionDroppedMidPutIsRetried) {
  TestOrigin origin;
  auto logged = std::make_shared<Logged>();
  auto s = Streamer::open(origin_config(origin.url(), logged), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  push_frames(**s, 0, 30);  // the init segment and the first manifests go through
  origin.fail_next(2, OriginFault::kDrop);
  push_frames(**s, 30, 70);
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  const auto arrivals = origin.arrivals();
  EXPECT_EQ(count(arrivals, "PUT", 0), 2);
  expect_trustworthy(arrivals);
  expect_vod_complete(origin, 4);
}

TEST(OriginFaults, AStalledPutTimesOutAndIsRetried) {
  TestOrigin origin;
  origin.set_stall(std::chrono::seconds(8));  // longer than a request may take
  origin.fail_next(1, OriginFault::kStall);
  auto logged = std::make_shared<Logged>();
  StreamConfig c = origin_config(origin.url(), logged);
  c.close_timeout_seconds = 30;
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  push_frames(**s, 0, 100);
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  expect_trustworthy(origin.arrivals());
  expect_vod_complete(origin, 4);
}

TEST(OriginFaults, ASlowLiveOriginNeverSeesAManifestBeforeItsSegments) {
  // 1.2 s per PUT, a live stream at its real rate with 1 s segments and a 2-segment window:
  // the origin cannot keep up, so uploads fall behind the packager.
  TestOrigin origin;
  origin.set_put_delay(std::chrono::milliseconds(1200));
  auto logged = std::make_shared<Logged>();
  StreamConfig c = origin_config(origin.url(), logged);
  c.live.enabled = true;
  c.live.window_segments = 2;
  c.live.delete_delay_segments = 1;
  c.close_timeout_seconds = 20;
  const std::set<std::string> before = staging_folders();
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(160, 90);
  const auto start = Clock::now();
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(40 * i));  // a camera's pace
    ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  }
  // Behind as it is, the origin got live manifests while the stream ran, not only at the end.
  int live_manifests = 0;
  for (const OriginArrival& a : origin.arrivals())
    live_manifests += is_manifest(a.name) && a.status == 201;
  EXPECT_GE(live_manifests, 1) << "no manifest reached the slow origin while the stream was live";
  const auto close_start = Clock::now();
  Status closed = (*s)->close();
  const double close_seconds = std::chrono::duration<double>(Clock::now() - close_start).count();
  EXPECT_LT(close_seconds, c.close_timeout_seconds + 1) << closed.message();
  EXPECT_TRUE(closed.ok()) << closed.message();
  const auto arrivals = origin.arrivals();
  expect_trustworthy(arrivals);
  const auto files = origin.files();
  ASSERT_TRUE(files.count("manifest.mpd"));
  EXPECT_NE(files.at("manifest.mpd").find("type=\"static\""), std::string::npos)
      << "the final MPD did not arrive";
  s->reset();
  EXPECT_EQ(staging_folders(), before) << "a staging folder is left behind";
}

TEST(OriginFaults, ALiveStreamOutlivesADownOriginWithBoundedStaging) {
  TestOrigin origin;
  auto logged = std::make_shared<Logged>();
  StreamConfig c = origin_config(origin.url(), logged);
  c.live.enabled = true;
  c.live.window_segments = 2;
  c.live.delete_delay_segments = 1;
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string staging = (*s)->outputs().directory;
  push_frames(**s, 0, 50);
  ASSERT_TRUE(origin.wait_until(
      [](const std::vector<OriginArrival>& a) {
        for (const OriginArrival& x : a)
          if (x.name == "v0-1.m4s" && x.status == 201) return true;
        return false;
      },
      std::chrono::seconds(20)));
  origin.go_down();
  // 20 s of media while the origin is down: the staging folder holds the window, not the past.
  size_t most_staged = 0;
  for (int second = 2; second < 22; ++second) {
    push_frames(**s, second * 25, 25);
    size_t staged = 0;
    for (const auto& e : fs::directory_iterator(staging)) staged += e.path().extension() == ".m4s";
    most_staged = std::max(most_staged, staged);
  }
  EXPECT_LE(most_staged, 6u) << "segments pile up in staging while the origin is down";
  EXPECT_TRUE(logged->wait_for("origin", "pending", std::chrono::seconds(20)))
      << "no warning said the origin is down";
  const size_t arrived_while_down = origin.arrivals().size();
  origin.come_back();
  // Once it is back, the newest manifests arrive (after their segments).
  EXPECT_TRUE(origin.wait_until(
      [&](const std::vector<OriginArrival>& a) {
        for (size_t i = arrived_while_down; i < a.size(); ++i)
          if (a[i].name == "manifest.mpd" && a[i].status == 201) return true;
        return false;
      },
      std::chrono::seconds(20)))
      << "nothing was sent after the origin came back";
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  expect_trustworthy(origin.arrivals());
  EXPECT_NE(origin.files()["manifest.mpd"].find("type=\"static\""), std::string::npos);
  EXPECT_FALSE(fs::exists(staging));
}

TEST(OriginFaults, CloseKeepsItsDeadlineWhenTheOriginNeverAnswersAndNamesWhatIsMissing) {
  TestOrigin origin;
  origin.set_stall(std::chrono::seconds(60));
  origin.fail_next(1000000, OriginFault::kStall);
  auto logged = std::make_shared<Logged>();
  StreamConfig c = origin_config(origin.url(), logged);
  c.close_timeout_seconds = 4;
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string staging = (*s)->outputs().directory;
  push_frames(**s, 0, 50);
  const auto close_start = Clock::now();
  Status closed = (*s)->close();
  const double close_seconds = std::chrono::duration<double>(Clock::now() - close_start).count();
  EXPECT_LT(close_seconds, c.close_timeout_seconds + 1);
  EXPECT_FALSE(closed.ok());
  EXPECT_NE(closed.message().find("not delivered"), std::string::npos) << closed.message();
  EXPECT_NE(closed.message().find("manifest.mpd"), std::string::npos) << closed.message();
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder is left behind after close()";
  s->reset();
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder is left behind";
}

TEST(OriginFaults, AbortWithADownOriginRemovesStagingAtOnce) {
  TestOrigin origin;
  origin.go_down();
  auto logged = std::make_shared<Logged>();
  auto s = Streamer::open(origin_config(origin.url(), logged), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string staging = (*s)->outputs().directory;
  push_frames(**s, 0, 50);
  const auto start = Clock::now();
  Status aborted = (*s)->abort();
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 3.0);
  EXPECT_EQ(aborted.code(), ErrorCode::kClosed);
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder is left behind after abort()";
}

TEST(OriginFaults, AStreamThatNeverStartedLeavesNoStagingFolder) {
  TestOrigin origin;
  auto logged = std::make_shared<Logged>();
  auto s = Streamer::open(origin_config(origin.url(), logged), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::string staging = (*s)->outputs().directory;
  ASSERT_TRUE(fs::exists(staging));
  EXPECT_TRUE((*s)->close().ok());
  s->reset();
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder is left behind";
}

// The uploader on its own, with short timeouts and backoff, for the state machine's corners.
class UploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    staging_ = testing::temp_dir("uploader");
    fs::create_directories(staging_);
    policy_.connect_timeout = std::chrono::milliseconds(300);
    policy_.io_timeout = std::chrono::milliseconds(300);
    policy_.first_backoff = std::chrono::milliseconds(10);
    policy_.max_backoff = std::chrono::milliseconds(50);
  }
  std::unique_ptr<packager::HttpUploader> start() {
    auto u = packager::HttpUploader::start(
        origin_.url(), staging_, [this](const std::string& m) { logged_->add(m); }, policy_);
    EXPECT_TRUE(u.ok());
    return u.ok() ? std::move(u.value()) : nullptr;
  }
  void stage(const std::string& name, const std::string& content) {
    std::ofstream(staging_ + "/" + name, std::ios::binary) << content;
  }
  TestOrigin origin_;
  std::string staging_;
  packager::UploadPolicy policy_;
  std::shared_ptr<Logged> logged_ = std::make_shared<Logged>();
};

TEST_F(UploaderTest, WhileTheOriginIsDownOnlyTheNewestManifestAndWhatItListsAreSent) {
  origin_.go_down();
  auto u = start();
  ASSERT_TRUE(u);
  stage("s1.m4s", "one");
  u->put_segment("s1.m4s");
  stage("p.m3u8", "#EXTM3U\ns1.m4s\n");
  u->put_manifest("p.m3u8");
  stage("s2.m4s", "two");
  u->put_segment("s2.m4s");
  stage("p.m3u8", "#EXTM3U\ns2.m4s\n");
  u->put_manifest("p.m3u8");
  u->remove("s1.m4s");  // left the window before the origin ever had it
  EXPECT_TRUE(fs::exists(staging_ + "/s2.m4s")) << "a staged segment went before the origin had it";
  EXPECT_TRUE(logged_->wait_for("origin", "pending", std::chrono::seconds(20)))
      << "no warning said the origin is down";
  origin_.come_back();
  Status drained = u->drain(Clock::now() + std::chrono::seconds(20));
  EXPECT_TRUE(drained.ok()) << drained.message();
  EXPECT_FALSE(fs::exists(staging_ + "/s2.m4s")) << "an acknowledged segment stays staged";
  EXPECT_FALSE(fs::exists(staging_ + "/s1.m4s"))
      << "a segment no manifest lists any more stays staged";
  std::vector<std::string> sent;
  for (const OriginArrival& a : origin_.arrivals()) {
    if (a.status == 201) sent.push_back(a.name + "=" + a.body);
  }
  EXPECT_EQ(sent, (std::vector<std::string>{"s2.m4s=two", "p.m3u8=#EXTM3U\ns2.m4s\n"}));
  EXPECT_TRUE(logged_->contains("answers again", "pending"));
  ASSERT_TRUE(u->stop().ok());
  EXPECT_FALSE(fs::exists(staging_)) << "stop() leaves the staging folder";
}

TEST_F(UploaderTest, ADeleteWaitsForTheManifestThatStoppedListingTheSegment) {
  auto u = start();
  ASSERT_TRUE(u);
  stage("s1.m4s", "one");
  u->put_segment("s1.m4s");
  stage("p.m3u8", "#EXTM3U\ns1.m4s\n");
  u->put_manifest("p.m3u8");
  ASSERT_TRUE(u->drain(Clock::now() + std::chrono::seconds(20)).ok());
  // s2's upload stalls (the attempt times out and is retried) while the window moves on: the
  // manifest that stopped listing s1 is superseded by a newer one queued after s1's DELETE,
  // and the DELETE must still wait for it: the origin's manifest lists s1 until then.
  origin_.set_stall(std::chrono::seconds(2));
  origin_.fail_next(1, OriginFault::kStall);
  stage("s2.m4s", "two");
  u->put_segment("s2.m4s");
  stage("p.m3u8", "#EXTM3U\ns2.m4s\n");
  u->put_manifest("p.m3u8");
  u->remove("s1.m4s");
  stage("s3.m4s", "three");
  u->put_segment("s3.m4s");
  stage("p.m3u8", "#EXTM3U\ns2.m4s\ns3.m4s\n");
  u->put_manifest("p.m3u8");
  Status drained = u->drain(Clock::now() + std::chrono::seconds(20));
  EXPECT_TRUE(drained.ok()) << drained.message();
  const auto arrivals = origin_.arrivals();
  EXPECT_GE(count(arrivals, "PUT", 0), 1) << "the stall did not happen";
  expect_trustworthy(arrivals);
  // When the DELETE arrived, the origin's playlist no longer listed s1.
  std::string playlist;
  bool deleted = false;
  for (const OriginArrival& a : arrivals) {
    if (a.method == "PUT" && a.name == "p.m3u8" && a.status == 201) playlist = a.body;
    if (a.method == "DELETE" && a.name == "s1.m4s") {
      deleted = true;
      EXPECT_EQ(playlist.find("s1.m4s"), std::string::npos)
          << "s1 was deleted while the origin's playlist listed it";
    }
  }
  EXPECT_TRUE(deleted);
  EXPECT_EQ(origin_.files().count("s1.m4s"), 0u);
}

TEST_F(UploaderTest, ARefusedSegmentWithholdsTheManifestsThatMayListIt) {
  origin_.fail_next(1, OriginFault::kStatus403);
  auto u = start();
  ASSERT_TRUE(u);
  stage("s1.m4s", "one");
  u->put_segment("s1.m4s");
  stage("p.m3u8", "#EXTM3U\ns1.m4s\n");
  u->put_manifest("p.m3u8");
  Status drained = u->drain(Clock::now() + std::chrono::seconds(20));
  EXPECT_FALSE(drained.ok());
  EXPECT_NE(drained.message().find("PUT " + origin_.url() + "s1.m4s: HTTP 403"), std::string::npos)
      << drained.message();
  EXPECT_EQ(origin_.arrivals().size(), 1u)
      << "a 403 was retried, or a manifest listing what was refused was sent";
  // Live: once the refused segment left the window, newer manifests flow again.
  u->remove("s1.m4s");
  stage("s2.m4s", "two");
  u->put_segment("s2.m4s");
  stage("p.m3u8", "#EXTM3U\ns2.m4s\n");
  u->put_manifest("p.m3u8");
  ASSERT_TRUE(origin_.wait_until(
      [](const std::vector<OriginArrival>& a) {
        return !a.empty() && a.back().name == "p.m3u8" && a.back().status == 201;
      },
      std::chrono::seconds(20)));
  expect_trustworthy(origin_.arrivals());
}

// The packager queues a segment's manifest after the segment, not after the origin's answer:
// a manifest queued once the segment was already refused lists it too, and is withheld as well.
// (ARefusedSegmentWithholdsTheManifestsThatMayListIt met this order only now and then.)
TEST_F(UploaderTest, AManifestQueuedAfterItsSegmentWasRefusedIsWithheldToo) {
  origin_.fail_next(1, OriginFault::kStatus403);
  auto u = start();
  ASSERT_TRUE(u);
  stage("s1.m4s", "one");
  u->put_segment("s1.m4s");
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (u->failed() == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(u->failed(), 1) << "the 403 was not taken";
  stage("p.m3u8", "#EXTM3U\ns1.m4s\n");
  u->put_manifest("p.m3u8");
  // drain() returns as soon as the withheld manifest is dropped, not at its deadline.
  const auto drain_start = Clock::now();
  Status drained = u->drain(Clock::now() + std::chrono::seconds(20));
  EXPECT_LT(Clock::now() - drain_start, std::chrono::seconds(5));
  EXPECT_FALSE(drained.ok());
  EXPECT_EQ(origin_.arrivals().size(), 1u) << "a manifest listing the refused s1.m4s was sent";
  // Once s1 left the window, the next version flows.
  u->remove("s1.m4s");
  stage("s2.m4s", "two");
  u->put_segment("s2.m4s");
  stage("p.m3u8", "#EXTM3U\ns2.m4s\n");
  u->put_manifest("p.m3u8");
  ASSERT_TRUE(origin_.wait_until(
      [](const std::vector<OriginArrival>& a) {
        return !a.empty() && a.back().name == "p.m3u8" && a.back().status == 201;
      },
      std::chrono::seconds(20)));
  expect_trustworthy(origin_.arrivals());
}

}  // namespace
}  // namespace gearbox
