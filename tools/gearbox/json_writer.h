// The CLI's one JSON writer (stream --json, bench --json, serve's manifests.json): builds a
// document value by value into a string, placing the commas itself, so that no caller
// assembles JSON by hand and every string is escaped the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gearbox::cli {

class JsonWriter {
 public:
  // kSpaced puts a space after every ',' and ':' (what serve's manifests.json always sent).
  enum class Style { kCompact, kSpaced };
  explicit JsonWriter(Style style = Style::kCompact) : style_(style) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the next value's name.
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view value);
  JsonWriter& integer(int64_t value);
  // Fixed-point with `decimals` digits after the point (printf's %.Nf); NaN and infinities,
  // which JSON cannot hold, are written as null.
  JsonWriter& number(double value, int decimals);
  JsonWriter& boolean(bool value);
  JsonWriter& null();

  // The text so far; a complete document once every object and array is ended.
  const std::string& str() const { return out_; }

 private:
  void before_value();

  Style style_;
  std::string out_;
  // One entry per open object or array: whether it holds a value yet (a comma goes first).
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

// `value` as a JSON string, quotes included: '"' and '\' escaped, every control character
// U+0000..U+001F written as \b \f \n \r \t or \u00XX, valid UTF-8 passed through as it is and
// each byte of an invalid sequence written as \ufffd (JSON text is UTF-8).
std::string json_quote(std::string_view value);

}  // namespace gearbox::cli
