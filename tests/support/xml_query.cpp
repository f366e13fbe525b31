#include "xml_query.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

namespace gearbox::testing {

XmlQuery::XmlQuery(const std::string& xml) {
  xmlDocPtr doc =
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "doc.xml", nullptr, XML_PARSE_NONET);
  if (!doc) return;
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathRegisterNs(ctx, BAD_CAST "d", BAD_CAST "urn:mpeg:dash:schema:mpd:2011");
  doc_ = doc;
  ctx_ = ctx;
}

XmlQuery::~XmlQuery() {
  if (ctx_) xmlXPathFreeContext(static_cast<xmlXPathContextPtr>(ctx_));
  if (doc_) xmlFreeDoc(static_cast<xmlDocPtr>(doc_));
}

std::vector<std::string> XmlQuery::values(const std::string& xpath) const {
  std::vector<std::string> out;
  if (!ctx_) return out;
  xmlXPathObjectPtr r =
      xmlXPathEvalExpression(BAD_CAST xpath.c_str(), static_cast<xmlXPathContextPtr>(ctx_));
  for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr; ++i) {
    xmlChar* s = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
    out.emplace_back(reinterpret_cast<char*>(s));
    xmlFree(s);
  }
  if (r) xmlXPathFreeObject(r);
  return out;
}

std::string XmlQuery::value(const std::string& xpath) const {
  std::vector<std::string> v = values(xpath);
  return v.size() == 1 ? v[0] : "";
}

std::vector<int64_t> listed_segment_numbers(const XmlQuery& mpd) {
  std::vector<int64_t> numbers;
  const std::string start = mpd.value("//d:Representation[1]//d:SegmentTemplate/@startNumber");
  int64_t n = start.empty() ? 1 : std::stoll(start);
  int64_t count = static_cast<int64_t>(mpd.values("//d:Representation[1]//d:S/@d").size());
  for (const std::string& r : mpd.values("//d:Representation[1]//d:S/@r")) count += std::stoll(r);
  for (int64_t i = 0; i < count; ++i) numbers.push_back(n++);
  return numbers;
}

}  // namespace gearbox::testing
