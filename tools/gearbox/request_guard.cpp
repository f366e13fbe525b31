#include "request_guard.h"

#include <algorithm>
#include <vector>

namespace gearbox::cli::guard {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// For messages: the value as sent, cut short and with control bytes escaped.
std::string shown(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 80; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (s.size() > 80 ? "...\"" : "\"");
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Digits only; saturates instead of overflowing (a huge number is still "huge").
std::optional<uint64_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  return v;
}

Verdict refuse(int status, std::string reason) {
  return Verdict{status, std::move(reason)};
}

}  // namespace

HeadScan scan_head(std::string_view received) {
  const size_t end = received.find("\r\n\r\n");
  if (end != std::string_view::npos && end + 4 <= kMaxHeadBytes)
    return {HeadState::kComplete, end + 4};
  if (end != std::string_view::npos || received.size() >= kMaxHeadBytes)
    return {HeadState::kTooLarge, 0};
  return {HeadState::kIncomplete, 0};
}

std::optional<std::string> decode_path(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::string out;
  out.reserve(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] != '%') {
      if (target[i] == '\0') return std::nullopt;  // raw or escaped, NUL would cut the name short
      out += target[i];
      continue;
    }
    if (i + 2 >= target.size()) return std::nullopt;
    const int hi = hex_value(target[i + 1]), lo = hex_value(target[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;  // also httplib's "%uXXXX": not decoded twice
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

Verdict check_path(std::string_view path) {
  if (path.empty() || path[0] != '/')
    return refuse(400, "path: " + shown(path) + " does not start with /");
  for (char c : path) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') {
      return refuse(400, "path: " + shown(path) + " holds a control character or backslash");
    }
  }
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (!segment.empty() && segment[0] == '.') {
      return refuse(
          404, "path: " + shown(path) + " names a dot file or folder (" + shown(segment) + ")");
    }
    if (segment.size() >= 4 && segment.substr(segment.size() - 4) == ".tmp") {
      return refuse(404, "path: " + shown(path) + " is a file still being written (.tmp)");
    }
    start = end + 1;
  }
  return {};
}

size_t count_range_specs(std::string_view value) {
  return static_cast<size_t>(std::count(value.begin(), value.end(), ',')) + 1;
}

Verdict check_head(std::string_view head) {
  const size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return refuse(400, "request line: no CRLF");
  const std::string_view line = head.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return refuse(400, "request line: " + shown(line) + " is not METHOD TARGET VERSION");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method != "GET" && method != "HEAD" && method != "OPTIONS") {
    return refuse(405, "method: " + shown(method) + " is not served (GET, HEAD and OPTIONS only)");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return refuse(505, "version: " + shown(version) + " is not HTTP/1.0 or HTTP/1.1");
  }
  if (target.size() > kMaxTargetBytes) {
    return refuse(414, "target: " + std::to_string(target.size()) + " bytes, over the limit of " +
                           std::to_string(kMaxTargetBytes));
  }
  if (method == "OPTIONS" && target == "*") {
    // Server-wide OPTIONS: no path to check.
  } else {
    const std::optional<std::string> path = decode_path(target);
    if (!path)
      return refuse(400, "target: " + shown(target) + " has a malformed or NUL percent escape");
    Verdict v = check_path(*path);
    if (!v.ok()) return v;
  }

  size_t count = 0;
  bool seen_length = false;
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) return refuse(400, "headers: not terminated by CRLF");
    const std::string_view field = head.substr(pos, end - pos);
    pos = end + 2;
    if (field.empty()) break;  // the blank line
    if (++count > kMaxHeaderCount) {
      return refuse(431, "headers: more than " + std::to_string(kMaxHeaderCount) + " header lines");
    }
    const size_t colon = field.find(':');
    if (colon == 0 || colon == std::string_view::npos)
      return refuse(400, "header: " + shown(field) + " has no name");
    const std::string_view name = field.substr(0, colon);
    for (char c : name) {
      if (!is_token_char(c)) return refuse(400, "header: name " + shown(name) + " is not a token");
    }
    const std::string_view value = trim(field.substr(colon + 1));
    for (char c : value) {
      const unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f)
        return refuse(400, "header " + shown(name) + ": control character in the value");
    }
    if (iequals(name, "Content-Length")) {
      const std::optional<uint64_t> n = parse_number(value);
      if (!n || seen_length)
        return refuse(400, "Content-Length: " + shown(value) + " is not one number");
      seen_length = true;
      if (*n != 0) {
        return refuse(
            413, "Content-Length: " + shown(value) + ": requests to gearbox serve carry no body");
      }
    } else if (iequals(name, "Transfer-Encoding")) {
      return refuse(
          413, "Transfer-Encoding: " + shown(value) + ": requests to gearbox serve carry no body");
    } else if (iequals(name, "Range") && count_range_specs(value) > kMaxRangeSpecs) {
      return refuse(416, "Range: " + std::to_string(count_range_specs(value)) +
                             " ranges, more than " + std::to_string(kMaxRangeSpecs));
    }
  }
  return {};
}

RangeDecision decide_range(std::string_view value, uint64_t size) {
  RangeDecision whole;
  value = trim(value);
  if (value.size() < 6 || !iequals(value.substr(0, 6), "bytes="))
    return whole;  // not bytes: ignored
  value.remove_prefix(6);
  if (count_range_specs(value) > kMaxRangeSpecs) return {RangeKind::kUnsatisfiable, {}};
  std::vector<ByteRange> ranges;
  while (true) {
    const size_t comma = value.find(',');
    const std::string_view spec = trim(value.substr(0, comma));
    const size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return whole;  // malformed: the header is ignored
    const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
    if (a.empty()) {
      const std::optional<uint64_t> n = parse_number(b);
      if (!n) return whole;
      if (*n > 0 && size > 0)
        ranges.push_back({size > *n ? size - *n : 0, size - 1});  // the last n bytes
    } else {
      const std::optional<uint64_t> first = parse_number(a);
      if (!first) return whole;
      uint64_t last = UINT64_MAX;
      if (!b.empty()) {
        const std::optional<uint64_t> l = parse_number(b);
        if (!l || *l < *first) return whole;
        last = *l;
      }
      if (*first < size) ranges.push_back({*first, std::min(last, size - 1)});
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  if (ranges.empty()) return {RangeKind::kUnsatisfiable, {}};
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& x, const ByteRange& y) { return x.first < y.first; });
  ByteRange merged = ranges[0];
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first > merged.last + 1)
      return whole;  // disjoint ranges: the file instead of multipart
    merged.last = std::max(merged.last, ranges[i].last);
  }
  return {RangeKind::kPartial, merged};
}

}  // namespace gearbox::cli::guard
