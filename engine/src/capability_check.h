// The ladder against what the chosen device encodes, before any encoder opens: a rendition the
// device cannot take, or more sessions than it allows, fails the stream's set-up with one error
// that names the rendition, its value and the device's limit, instead of a vendor error from
// the middle of opening encoders (with some sessions already open).
#pragma once

#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/error.h"
#include "gearbox/ladder.h"

namespace gearbox {

// Every rendition is H.264 (gearbox encodes nothing else yet). kUnsupported for the codec, a
// size outside min_size..max_size or off the alignment, e.g. "rendition v0 (8192x4320): nvenc
// encodes H.264 up to 4096x4096"; kOutOfSessions for "the ladder needs 4 encoder sessions;
// nvenc allows 3" (only when the device reports its limit: max_sessions > 0). The rate-control
// mode is the encoder's to check (it is in the backend's options).
Status check_ladder_capabilities(const Capabilities& caps,
                                 const std::vector<RenditionPlan>& ladder,
                                 const std::string& backend);

}  // namespace gearbox
