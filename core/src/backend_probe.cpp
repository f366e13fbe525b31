#include <future>
#include <memory>
#include <string>
#include <thread>

#include "gearbox/backend.h"

namespace gearbox {

BackendInfo probe_with_time_limit(const std::string& name, std::chrono::seconds limit,
                                  std::function<BackendInfo()> probe) {
  auto result = std::make_shared<std::promise<BackendInfo>>();
  std::future<BackendInfo> future = result->get_future();
  std::thread([result, probe = std::move(probe)] { result->set_value(probe()); }).detach();
  if (future.wait_for(limit) != std::future_status::ready) {
    BackendInfo info;
    info.name = name;
    info.reason = "probe did not finish within " + std::to_string(limit.count()) + " s (a hung driver or encoder?)";
    return info;
  }
  return future.get();
}

}  // namespace gearbox
