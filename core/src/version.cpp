#include "gearbox/version.h"

namespace gearbox {

const char* version() {
  return GEARBOX_VERSION;
}

}  // namespace gearbox
