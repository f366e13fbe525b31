#include "http_uploader.h"

#include <httplib.h>

#include <fstream>
#include <sstream>

namespace gearbox::packager {

struct HttpUploader::Client {
  explicit Client(const std::string& scheme_host_port) : http(scheme_host_port) {}
  httplib::Client http;
};

namespace {

// A hung server delays one request by this much at most, then the next one is tried.
constexpr int kTimeoutSeconds = 5;

const char* content_type(const std::string& name) {
  auto ends = [&](const char* s) {
    const std::string suffix(s);
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".mpd")) return "application/dash+xml";
  if (ends(".m3u8")) return "application/vnd.apple.mpegurl";
  if (ends(".m4s")) return "video/iso.segment";
  if (ends(".ts")) return "video/mp2t";
  return "video/mp4";
}

}  // namespace

Result<std::unique_ptr<HttpUploader>> HttpUploader::start(const std::string& base_url, std::string staging, Log warn) {
  const size_t scheme_end = base_url.find("://");
  const size_t path_start = scheme_end == std::string::npos ? std::string::npos : base_url.find('/', scheme_end + 3);
  if (path_start == std::string::npos || base_url.back() != '/') {
    return make_error(ErrorCode::kInvalidArgument, "output: \"" + base_url + "\" is not an http(s)://host/path/ URL");
  }
  std::unique_ptr<HttpUploader> u(new HttpUploader());
  u->client_ = std::make_unique<Client>(base_url.substr(0, path_start));
  if (!u->client_->http.is_valid()) {
    return make_error(ErrorCode::kInvalidArgument, "output: \"" + base_url + "\" names no reachable scheme/host");
  }
  u->client_->http.set_connection_timeout(kTimeoutSeconds, 0);
  u->client_->http.set_read_timeout(kTimeoutSeconds, 0);
  u->client_->http.set_write_timeout(kTimeoutSeconds, 0);
  u->base_path_ = base_url.substr(path_start);
  u->base_url_ = base_url;
  u->staging_ = std::move(staging);
  u->warn_ = std::move(warn);
  u->thread_ = std::thread([p = u.get()] { p->run(); });
  return u;
}

HttpUploader::~HttpUploader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HttpUploader::put(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back({name, false});
  changed_.notify_all();
}

void HttpUploader::remove(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back({name, true});
  changed_.notify_all();
}

Status HttpUploader::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return stop_ || (queue_.empty() && !busy_); });
  return first_error_;
}

int64_t HttpUploader::uploaded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return uploaded_;
}

int64_t HttpUploader::failed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

void HttpUploader::run() {
  for (;;) {
    Request request;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      request = queue_.front();
      queue_.pop_front();
      busy_ = true;
    }
    const std::string path = base_path_ + request.name;
    std::string failure;
    if (request.remove) {
      httplib::Result r = client_->http.Delete(path);
      // Already gone is what a delete wants.
      if (!r) failure = httplib::to_string(r.error());
      else if (r->status >= 300 && r->status != 404) failure = "HTTP " + std::to_string(r->status);
    } else {
      std::ifstream in(staging_ + "/" + request.name, std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      httplib::Result r = client_->http.Put(path, body.str(), content_type(request.name));
      if (!r) failure = httplib::to_string(r.error());
      else if (r->status >= 300) failure = "HTTP " + std::to_string(r->status);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = false;
    if (failure.empty()) {
      if (!request.remove) ++uploaded_;
    } else {
      ++failed_;
      const std::string message = std::string(request.remove ? "DELETE " : "PUT ") + base_url_ + request.name + ": " + failure;
      if (first_error_) first_error_ = make_error(ErrorCode::kIo, "output: " + message);
      if (warn_) warn_(message);
    }
    changed_.notify_all();
  }
}

}  // namespace gearbox::packager
