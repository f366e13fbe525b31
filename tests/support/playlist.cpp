#include "playlist.h"

#include <sstream>

namespace gearbox::testing {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<double> extinf(const std::string& playlist) {
  std::vector<double> out;
  for (const std::string& l : lines_of(playlist)) {
    if (l.rfind("#EXTINF:", 0) == 0) out.push_back(std::stod(l.substr(8)));
  }
  return out;
}

std::vector<std::string> uris(const std::string& playlist) {
  std::vector<std::string> out;
  for (const std::string& l : lines_of(playlist)) {
    if (!l.empty() && l[0] != '#') out.push_back(l);
  }
  return out;
}

int64_t attribute_number(const std::string& line, const std::string& name) {
  // Preceded by ':' or ',' so that BANDWIDTH does not match AVERAGE-BANDWIDTH.
  for (size_t at = line.find(name + "="); at != std::string::npos;
       at = line.find(name + "=", at + 1)) {
    if (at > 0 && (line[at - 1] == ':' || line[at - 1] == ','))
      return std::stoll(line.substr(at + name.size() + 1));
  }
  return -1;
}

}  // namespace gearbox::testing
