// Options a backend owns (x264's preset, NVENC's tuning, ...). The backend describes each one;
// the configuration carries their values as text under "<backend>.<option>" keys, so nothing
// outside a backend's folder names a vendor setting; values are checked against the
// descriptions before anything opens, and the CLI builds its flags and help from them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gearbox/error.h"
#include "gearbox/export.h"

namespace gearbox {

enum class OptionType {
  kText,     // any text; the backend checks it when it opens an encoder
  kChoice,   // one of `choices`
  kInteger,  // a whole number within min..max
};

struct OptionSpec {
  std::string name;  // "preset": the key is "<backend>.<name>"
  OptionType type = OptionType::kText;
  std::string default_value;         // as text, as a user would type it
  std::vector<std::string> choices;  // kChoice
  int64_t min = 0, max = 0;          // kInteger
  std::string help;                  // one line, for --help
  // The CLI flag; empty: "--<backend>-<name>". Older flags keep their names (x264's --preset).
  std::string flag;
  std::string value_name = "NAME";  // the flag's value in --help ("N" for numbers)
};

// The three kinds of description, as backends write them (flag: see OptionSpec::flag).
GEARBOX_EXPORT OptionSpec text_option(std::string name,
                                      std::string default_value,
                                      std::string help,
                                      std::string flag = "");
GEARBOX_EXPORT OptionSpec choice_option(std::string name,
                                        std::string default_value,
                                        std::vector<std::string> choices,
                                        std::string help,
                                        std::string flag = "");
GEARBOX_EXPORT OptionSpec integer_option(std::string name,
                                         int64_t default_value,
                                         int64_t min,
                                         int64_t max,
                                         std::string help,
                                         std::string flag = "");

// Values by "<backend>.<option>", e.g. {"x264.preset", "slow"}, {"nvenc.tuning", "ull"}. Options
// not given take their description's default.
using OptionValues = std::map<std::string, std::string>;

// The CLI flag of a backend's option.
GEARBOX_EXPORT std::string option_flag(const std::string& backend, const OptionSpec& spec);

// Checks one value against its description. The error names the key and the value, e.g.
// `nvenc.rate_control: "abr" is not one of cbr, vbr`.
GEARBOX_EXPORT Status check_option_value(const std::string& backend,
                                         const OptionSpec& spec,
                                         const std::string& value);

// A backend's own options, read from a configuration's values with its defaults applied. The
// values were checked before the stream opened (check_option_value); an integer that does not
// parse still reads as the default, and a name the backend does not describe as "" or 0.
class GEARBOX_EXPORT BackendOptions {
 public:
  BackendOptions(std::string backend, std::vector<OptionSpec> specs, const OptionValues& values);
  const std::string& text(const std::string& name) const;
  int64_t integer(const std::string& name) const;

 private:
  const OptionSpec* spec(const std::string& name) const;
  std::string backend_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::string> values_;  // by option name, defaults applied
};

}  // namespace gearbox
