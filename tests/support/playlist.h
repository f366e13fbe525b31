// Reading HLS playlists line by line, independently of gearbox's writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gearbox::testing {

std::vector<std::string> lines_of(const std::string& text);
// EXTINF durations of a media playlist, in order.
std::vector<double> extinf(const std::string& playlist);
// The URI lines (every line that is neither empty nor a tag or comment), in order.
std::vector<std::string> uris(const std::string& playlist);
// The numeric value of attribute `name` in a tag line ("BANDWIDTH" in #EXT-X-STREAM-INF:...),
// or -1 when absent.
int64_t attribute_number(const std::string& line, const std::string& name);

}  // namespace gearbox::testing
