// The backends this build carries (one registration line each, backends/CMakeLists.txt) and
// the choice among them: automatic selection in order, or a backend by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/error.h"
#include "gearbox/export.h"

namespace gearbox {

// Every backend gearbox knows, in automatic-selection order (nvenc, qsv, vaapi, x264).
GEARBOX_EXPORT std::vector<std::unique_ptr<Backend>> all_backends();

struct BackendSelection {
  std::shared_ptr<Backend> backend;
  std::vector<std::string> passed_over;  // "nvenc: <why>" for each backend tried before it
  // "auto" only (empty for a backend chosen by name): the candidates after the chosen one, in
  // order and not probed yet, for the stream set-up to fall back on when the chosen backend
  // cannot open the ladder (out of sessions, an unsupported configuration, the device lost).
  BackendList fallbacks;
};
// "auto" probes in order and picks the first available one; a name picks that backend and
// fails with its probe's reason when it is unavailable.
GEARBOX_EXPORT Result<BackendSelection> select_backend(const std::string& name);
// The same among the given backends (tests, callers with their own runtimes).
GEARBOX_EXPORT Result<BackendSelection> select_backend(const std::string& name,
                                                       const BackendList& candidates);

// Checks every backend option against the description of the backend it names (whichever
// backend the stream will run on): an unknown backend or option, or a value its description
// refuses, is an error naming the key and the value.
GEARBOX_EXPORT Status check_backend_options(const OptionValues& values,
                                            const BackendList& backends);

}  // namespace gearbox
