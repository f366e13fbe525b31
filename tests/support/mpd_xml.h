// An MPD read with libxml2 (an independent XML parser) and queried with XPath; the DASH
// namespace has the prefix "d": values("//d:Representation/@id").
#pragma once

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <string>
#include <vector>

namespace gearbox::testing {

struct Xml {
  explicit Xml(const std::string& text) {
    doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "mpd.xml", nullptr, XML_PARSE_NONET);
    if (doc) {
      ctx = xmlXPathNewContext(doc);
      xmlXPathRegisterNs(ctx, BAD_CAST "d", BAD_CAST "urn:mpeg:dash:schema:mpd:2011");
    }
  }
  ~Xml() {
    if (ctx) xmlXPathFreeContext(ctx);
    if (doc) xmlFreeDoc(doc);
  }
  std::vector<std::string> values(const char* xpath) {
    std::vector<std::string> out;
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    if (r && r->nodesetval) {
      for (int i = 0; i < r->nodesetval->nodeNr; ++i) {
        xmlChar* s = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
        out.emplace_back(reinterpret_cast<char*>(s));
        xmlFree(s);
      }
    }
    if (r) xmlXPathFreeObject(r);
    return out;
  }
  xmlDocPtr doc = nullptr;
  xmlXPathContextPtr ctx = nullptr;
};

}  // namespace gearbox::testing
