// XPath over an XML document with libxml2 (independent of gearbox's writers), with the DASH
// namespace bound to the prefix "d": values("//d:Representation/@width").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gearbox::testing {

class XmlQuery {
 public:
  explicit XmlQuery(const std::string& xml);
  ~XmlQuery();
  XmlQuery(const XmlQuery&) = delete;
  XmlQuery& operator=(const XmlQuery&) = delete;

  bool ok() const { return doc_ != nullptr; }
  // The text content of every node the expression selects, in document order.
  std::vector<std::string> values(const std::string& xpath) const;
  // The single value, or "" when the expression selects none (or several).
  std::string value(const std::string& xpath) const;

 private:
  void* doc_ = nullptr;  // xmlDocPtr
  void* ctx_ = nullptr;  // xmlXPathContextPtr
};

// The segment numbers a DASH MPD lists for its first Representation: startNumber, then one per
// SegmentTimeline S element and per repeat (@r).
std::vector<int64_t> listed_segment_numbers(const XmlQuery& mpd);

}  // namespace gearbox::testing
