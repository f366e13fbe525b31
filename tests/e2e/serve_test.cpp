// `gearbox serve` against hostile clients: each test is one way to exhaust or escape the server
// (issue 12, item 8), run against a StreamServer on port 0 in a temp folder over raw sockets,
// so that the test sends exactly the bytes an attacker would.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gearbox/http_server.h"
#include "gearbox/request_guard.h"
#include "temp_dir.h"

namespace gearbox::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// Peak resident memory of this process (the server runs in it), in MB.
long peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

class Connection {
 public:
  explicit Connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Bytes that arrive before `deadline`, up to `limit`; `closed` once the server closed.
  std::string receive(Clock::time_point deadline, size_t limit, bool& closed) {
    std::string out;
    closed = false;
    char buffer[64 * 1024];
    while (out.size() < limit) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      const ssize_t n = ::recv(fd_, buffer, std::min(sizeof buffer, limit - out.size()), 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct Reply {
  int status = 0;  // 0: no status line before the deadline
  std::string head;
  size_t body_bytes = 0;  // what came after the head (up to the read limit)
  bool closed = false;
  double seconds = 0;
};

Reply parse(const std::string& bytes, bool closed, double seconds) {
  Reply r;
  r.closed = closed;
  r.seconds = seconds;
  const size_t end = bytes.find("\r\n\r\n");
  if (bytes.rfind("HTTP/1.", 0) == 0 && bytes.size() > 12) r.status = std::atoi(bytes.c_str() + 9);
  if (end != std::string::npos) {
    r.head = bytes.substr(0, end);
    r.body_bytes = bytes.size() - end - 4;
  }
  return r;
}

// Sends `request` and reads the reply until `timeout`, or until `limit` bytes, or the end of a
// Content-Length reply.
Reply exchange(int port, const std::string& request, milliseconds timeout, size_t limit = 1 << 20) {
  Connection c(port);
  const auto start = Clock::now();
  if (!c.connected() || !c.send(request)) return {};
  std::string bytes;
  bool closed = false;
  const auto deadline = start + timeout;
  while (Clock::now() < deadline && !closed && bytes.size() < limit) {
    bytes += c.receive(std::min(deadline, Clock::now() + milliseconds(50)), limit - bytes.size(),
                       closed);
    const size_t end = bytes.find("\r\n\r\n");
    const size_t cl = bytes.find("Content-Length: ");
    if (end != std::string::npos && cl != std::string::npos && cl < end &&
        bytes.size() - end - 4 >= std::stoull(bytes.substr(cl + 16))) {
      break;
    }
  }
  return parse(bytes, closed, std::chrono::duration<double>(Clock::now() - start).count());
}

std::string get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    dir_ = fs::path(root_) / "out";
    fs::create_directories(dir_);
    write_file(dir_ / "manifest.mpd", "<MPD/>\n");
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(root_);
  }
  void start(ServeOptions o = {}) {
    o.dir = dir_.string();
    o.port = 0;
    auto s = StreamServer::start(o);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    port_ = std::stoi(server_->url().substr(server_->url().rfind(':') + 1));
  }
  std::string root_;
  fs::path dir_;
  std::unique_ptr<StreamServer> server_;
  int port_ = 0;
};

// 1000 "0-" ranges on a 1 MB segment built a 1 GB multipart reply in memory.
TEST_F(ServeTest, ManyRangesNeitherMultiplyTheReplyNorTheMemory) {
  constexpr size_t kSize = 1 << 20;
  write_file(dir_ / "a0-1.m4s", std::string(kSize, 'x'));
  start();
  std::string thousand = "bytes=0-";
  for (int i = 1; i < 1000; ++i) thousand += ",0-";
  const long rss_before = peak_rss_mb();
  for (int i = 0; i < 3; ++i) {
    const Reply r = exchange(port_, get("/a0-1.m4s", "Range: " + thousand + "\r\n"),
                             milliseconds(10000), 3 * kSize);
    ASSERT_NE(r.status, 0) << "no reply";
    EXPECT_TRUE(r.status == 416 || r.body_bytes <= kSize)
        << "status " << r.status << ", " << r.body_bytes << "+ body bytes for a " << kSize
        << "-byte file";
  }
  // Duplicates and overlaps under the cap: one range, the file once.
  const Reply dup = exchange(port_, get("/a0-1.m4s", "Range: bytes=0-,0-,0-,0-,100-,0-10\r\n"),
                             milliseconds(10000), 3 * kSize);
  EXPECT_EQ(dup.status, 206);
  EXPECT_EQ(dup.body_bytes, kSize);
  const Reply one =
      exchange(port_, get("/a0-1.m4s", "Range: bytes=10-19\r\n"), milliseconds(10000));
  EXPECT_EQ(one.status, 206);
  EXPECT_EQ(one.body_bytes, 10u);
  EXPECT_NE(one.head.find("Content-Range: bytes 10-19/1048576"), std::string::npos) << one.head;
  const long growth = peak_rss_mb() - rss_before;
  EXPECT_LT(growth, 64) << "peak RSS grew by " << growth << " MB";
}

// A GET with a 300 MB body: the body was read into memory before the handler ran.
TEST_F(ServeTest, RequestBodiesAreRefusedWithoutBeingRead) {
  start();
  for (const std::string path : {"/manifest.mpd", "/a0-1.m4s"}) {
    const Reply r = exchange(port_, get(path, "Content-Length: 300000000\r\n"), milliseconds(2000));
    EXPECT_EQ(r.status, 413) << path << ": " << r.head;
    const Reply chunked = exchange(
        port_, get(path, "Transfer-Encoding: chunked\r\n") + "100000\r\n", milliseconds(2000));
    EXPECT_EQ(chunked.status, 413) << path << ": " << chunked.head;
  }
  const Reply post = exchange(
      port_, "POST /manifest.mpd HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", milliseconds(2000));
  EXPECT_EQ(post.status, 405);
}

// 40 clients that send their heads a byte at a time held every worker.
TEST_F(ServeTest, SlowHeadersDoNotBlockOtherClients) {
  start();  // the default header timeout (10 s): what keeps others served is not the timeout
  std::vector<std::unique_ptr<Connection>> slow;
  for (int i = 0; i < 48; ++i) {
    slow.push_back(std::make_unique<Connection>(port_));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->send("GET /manifest.mpd HTTP/1.1\r\nX-Slow: ");
  }
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    while (!stop) {
      for (auto& c : slow) c->send("a");
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::this_thread::sleep_for(milliseconds(300));  // let them take whatever they can
  const Reply r = exchange(port_, get("/manifest.mpd"), milliseconds(3000));
  stop = true;
  dribble.join();
  EXPECT_EQ(r.status, 200) << "answered after " << r.seconds << " s";
  EXPECT_LT(r.seconds, 3.0);
}

TEST_F(ServeTest, SlowHeadIsAnswered408AndIdleConnectionClosed) {
  ServeOptions o;
  o.header_timeout_ms = 300;
  o.idle_timeout_ms = 300;
  start(o);
  {
    Connection c(port_);
    ASSERT_TRUE(c.send("GET /manifest.mpd HTTP/1.1\r\nX-Slow: a"));
    bool closed = false;
    const Reply r = parse(c.receive(Clock::now() + milliseconds(2500), 4096, closed), closed, 0);
    EXPECT_EQ(r.status, 408) << r.head;
  }
  {
    // A first request answered, then nothing: the kept-alive connection ends.
    Connection c(port_);
    ASSERT_TRUE(c.send(get("/manifest.mpd")));
    bool closed = false;
    std::string bytes = c.receive(Clock::now() + milliseconds(2500), 1 << 16, closed);
    EXPECT_EQ(parse(bytes, closed, 0).status, 200);
    while (!closed && bytes.size() < (1 << 16)) {
      const std::string more = c.receive(Clock::now() + milliseconds(2500), 1 << 16, closed);
      if (more.empty()) break;
      bytes += more;
    }
    EXPECT_TRUE(closed) << "the idle connection is still open after 2.5 s";
  }
}

// A request for a segment that will never come held a worker for 2 s.
TEST_F(ServeTest, MissingSegmentIsAnswered404AtOnce) {
  start();
  const Reply r = exchange(port_, get("/a0-999.m4s"), milliseconds(5000));
  EXPECT_EQ(r.status, 404);
  EXPECT_LT(r.seconds, 1.0) << "answered after " << r.seconds << " s";
}

TEST_F(ServeTest, OnlyRegularFilesBelowTheFolderAreServed) {
  const fs::path outside = fs::path(root_) / "outside";
  fs::create_directories(outside);
  write_file(outside / "secret.txt", "secret\n");
  fs::create_symlink(outside / "secret.txt", dir_ / "leak.txt");
  fs::create_directory_symlink(outside, dir_ / "sub");
  fs::create_symlink(outside / "secret.txt", dir_ / "a0-7.m4s.tmp");  // a "segment in progress"
  ASSERT_EQ(::mkfifo((dir_ / "pipe.txt").c_str(), 0600), 0);
  start();
  for (const std::string path : {"/leak.txt", "/sub/secret.txt", "/a0-7.m4s", "/pipe.txt"}) {
    const Reply r = exchange(port_, get(path), milliseconds(3000));
    EXPECT_EQ(r.status, 404) << path << " answered " << r.status;
  }
}

TEST_F(ServeTest, TmpFilesAndEncodedTricksAreRefused) {
  write_file(dir_ / "a0-2.m4s.tmp", "partial");
  write_file(dir_ / ".hidden", "hidden");
  fs::create_directories(dir_ / "d");
  write_file(fs::path(root_) / "secret.txt", "secret\n");
  start();
  for (const std::string path :
       {"/a0-2.m4s.tmp", "/manifest.mpd%00.txt", "/manifest.mpd%00", "/.hidden",
        "/%2e%2e/secret.txt", "/d/%2e%2e/%2e%2e/secret.txt", "/d/..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt", "/manifest.mpd%u0000.txt"}) {
    const Reply r = exchange(port_, get(path), milliseconds(3000));
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << " answered " << r.status;
  }
  // The segment in progress is still reachable through its final name (the growing path).
  httplib::Client client("127.0.0.1", port_);
  std::thread finish([&] {
    std::this_thread::sleep_for(milliseconds(200));
    std::ofstream(dir_ / "a0-2.m4s.tmp", std::ios::app) << " and the rest";
    fs::rename(dir_ / "a0-2.m4s.tmp", dir_ / "a0-2.m4s");
  });
  auto res = client.Get("/a0-2.m4s");
  finish.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "partial and the rest");
}

// The low-latency path: a segment asked for just before its first chunk is written is waited
// for, then sent as it grows.
TEST_F(ServeTest, NextSegmentIsWaitedForWhileTheStreamWritesIt) {
  write_file(dir_ / "a0-1.m4s", "first");
  start();
  httplib::Client client("127.0.0.1", port_);
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(100));
    write_file(dir_ / "a0-2.m4s.tmp", "chunk1 ");
    std::this_thread::sleep_for(milliseconds(100));
    std::ofstream(dir_ / "a0-2.m4s.tmp", std::ios::app) << "chunk2";
    fs::rename(dir_ / "a0-2.m4s.tmp", dir_ / "a0-2.m4s");
  });
  auto res = client.Get("/a0-2.m4s");
  writer.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "chunk1 chunk2");
}

}  // namespace
}  // namespace gearbox::cli

namespace gearbox::cli {
namespace {

// The pure checks the server and the fuzzer share (request_guard.h).
TEST(ServeRequestGuard, DecodedPathNeverHoldsNul) {
  // Found by fuzz_serve_request: a raw NUL byte went through decode_path unchanged.
  EXPECT_FALSE(guard::decode_path(std::string_view("/manifest.mpd\0.txt", 18)));
  EXPECT_FALSE(guard::decode_path("/manifest.mpd%00.txt"));
  EXPECT_FALSE(guard::decode_path("/a%2"));
  EXPECT_FALSE(guard::decode_path("/a%u002e"));
  EXPECT_EQ(guard::decode_path("/a%2520b?x=%00"),
            std::optional<std::string>("/a%20b"));  // once only
}

TEST(ServeRequestGuard, RangesAreMergedCappedAndBounded) {
  using guard::RangeKind;
  const auto one = guard::decide_range("bytes=0-99,50-149,150-199", 1000);
  EXPECT_EQ(one.kind, RangeKind::kPartial);
  EXPECT_EQ(one.range.first, 0u);
  EXPECT_EQ(one.range.last, 199u);
  EXPECT_EQ(guard::decide_range("bytes=0-9,20-29", 1000).kind, RangeKind::kWhole);  // no multipart
  EXPECT_EQ(guard::decide_range("bytes=-10", 1000).range.first, 990u);
  EXPECT_EQ(guard::decide_range("bytes=5-1", 1000).kind, RangeKind::kWhole);  // malformed: ignored
  EXPECT_EQ(guard::decide_range("bytes=1000-", 1000).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(guard::decide_range("bytes=0-,0-,0-,0-,0-,0-,0-,0-,0-", 1000).kind,
            RangeKind::kUnsatisfiable);
  EXPECT_EQ(guard::decide_range("bytes=0-99999999999999999999999", 1000).range.last, 999u);
}

}  // namespace
}  // namespace gearbox::cli
