#include "gearbox/backend_options.h"

#include <algorithm>
#include <utility>

namespace gearbox {
namespace {

bool parse_integer(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');  // at most 19 digits: no overflow
  }
  out = text[0] == '-' ? -v : v;
  return true;
}

}  // namespace

OptionSpec text_option(std::string name,
                       std::string default_value,
                       std::string help,
                       std::string flag) {
  OptionSpec s;
  s.name = std::move(name);
  s.default_value = std::move(default_value);
  s.help = std::move(help);
  s.flag = std::move(flag);
  return s;
}

OptionSpec choice_option(std::string name,
                         std::string default_value,
                         std::vector<std::string> choices,
                         std::string help,
                         std::string flag) {
  OptionSpec s =
      text_option(std::move(name), std::move(default_value), std::move(help), std::move(flag));
  s.type = OptionType::kChoice;
  s.choices = std::move(choices);
  return s;
}

OptionSpec integer_option(std::string name,
                          int64_t default_value,
                          int64_t min,
                          int64_t max,
                          std::string help,
                          std::string flag) {
  OptionSpec s =
      text_option(std::move(name), std::to_string(default_value), std::move(help), std::move(flag));
  s.type = OptionType::kInteger;
  s.min = min;
  s.max = max;
  s.value_name = "N";
  return s;
}

std::string option_flag(const std::string& backend, const OptionSpec& spec) {
  if (!spec.flag.empty()) return spec.flag;
  std::string name = spec.name;
  std::replace(name.begin(), name.end(), '_', '-');
  return "--" + backend + "-" + name;
}

Status check_option_value(const std::string& backend,
                          const OptionSpec& spec,
                          const std::string& value) {
  const std::string key = backend + "." + spec.name;
  switch (spec.type) {
    case OptionType::kText: return {};
    case OptionType::kChoice: {
      if (std::find(spec.choices.begin(), spec.choices.end(), value) != spec.choices.end())
        return {};
      std::string list;
      for (const std::string& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
      return make_error(ErrorCode::kInvalidArgument,
                        key + ": \"" + value + "\" is not one of " + list);
    }
    case OptionType::kInteger: {
      int64_t v = 0;
      if (!parse_integer(value, v) || v < spec.min || v > spec.max) {
        return make_error(ErrorCode::kInvalidArgument,
                          key + ": \"" + value + "\" is not a whole number within " +
                              std::to_string(spec.min) + ".." + std::to_string(spec.max));
      }
      return {};
    }
  }
  return {};
}

BackendOptions::BackendOptions(std::string backend,
                               std::vector<OptionSpec> specs,
                               const OptionValues& values)
    : backend_(std::move(backend)), specs_(std::move(specs)) {
  for (const OptionSpec& s : specs_) {
    auto given = values.find(backend_ + "." + s.name);
    values_[s.name] = given != values.end() ? given->second : s.default_value;
  }
}

const OptionSpec* BackendOptions::spec(const std::string& name) const {
  for (const OptionSpec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;  // an option the backend does not describe: a bug in that backend
}

const std::string& BackendOptions::text(const std::string& name) const {
  static const std::string kNone;
  auto v = values_.find(name);
  return v != values_.end() ? v->second : kNone;
}

int64_t BackendOptions::integer(const std::string& name) const {
  const OptionSpec* s = spec(name);
  if (!s) return 0;
  int64_t v = 0;
  if (parse_integer(values_.at(name), v) && v >= s->min && v <= s->max) return v;
  return parse_integer(s->default_value, v) ? v : 0;
}

}  // namespace gearbox
