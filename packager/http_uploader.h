// StreamGear's URL output: every file the packager completes in its local staging folder is
// sent to BASE_URL + name with HTTP PUT, and every file it deletes (a live window's old
// segments) with HTTP DELETE, in the order they happened, so a manifest never reaches the
// server before the segments it lists. Runs on a thread of its own: a slow or hung server
// delays uploads, never the encoders.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gearbox/error.h"

namespace gearbox::packager {

class HttpUploader {
 public:
  using Log = std::function<void(const std::string&)>;
  // base_url: "http://host:port/path/" (ends with '/'); staging: the local folder files are in.
  static Result<std::unique_ptr<HttpUploader>> start(const std::string& base_url, std::string staging, Log warn);
  ~HttpUploader();

  void put(const std::string& name);     // the file staging/name is complete
  void remove(const std::string& name);  // the file was deleted locally
  // Waits until every queued request has been answered (or failed). The first failure, if any.
  Status drain();

  int64_t uploaded() const;
  int64_t failed() const;

 private:
  HttpUploader() = default;
  void run();
  struct Request {
    std::string name;
    bool remove = false;
  };
  struct Client;
  std::unique_ptr<Client> client_;
  std::string base_path_;  // the URL's path, ending with '/'
  std::string base_url_;
  std::string staging_;
  Log warn_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Request> queue_;
  bool busy_ = false;
  bool stop_ = false;
  int64_t uploaded_ = 0;
  int64_t failed_ = 0;
  Status first_error_;
  std::thread thread_;
};

}  // namespace gearbox::packager
