// httplib's request parsing and routing behind ConnectionGate: httplib's own accept loop hands
// each connection to the gate instead of to a worker, and a worker runs httplib on it only once
// the gate has its whole head, checked by guard::check_head. httplib's Range handling is
// switched off: handlers decide ranges themselves (guard::decide_range, static_files.h), so a
// reply is never built in memory from many ranges.
#pragma once

#include <memory>

#include <httplib.h>

#include "connection_gate.h"

namespace gearbox::cli {

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(GateSettings settings);
  ~GuardedServer() override;

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool serve_one(int fd, std::string& buffered);

  GateSettings settings_;
  std::unique_ptr<ConnectionGate> gate_;
};

}  // namespace gearbox::cli
