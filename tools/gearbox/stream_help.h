// gearbox stream --help: every flag, the signals and the exit statuses.
#pragma once

namespace gearbox::cli {

extern const char kStreamHelp[];

}  // namespace gearbox::cli
