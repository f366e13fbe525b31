// One oneVPL H.264 High encoder per rendition, in a session of its own joined to the device's
// parent. The engine owns keyframes: the runtime gets no GOP of its own (GopPicSize and
// IdrInterval at their maximum, a closed GOP, no B-frames) and every IDR is forced through
// mfxEncodeCtrl. Query corrections are compared field by field before Init.
#pragma once

#include <vpl/mfx.h>

#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "qsv_platform.h"

namespace gearbox::qsv {

// What the encoder asks the runtime for (before Query), from the config and the settings.
Result<mfxVideoParam> encoder_params(const EncoderConfig& config);

// A change Query made to the parameters: the field, what gearbox asked and what the runtime
// answered, and whether it matters (size, bitrate, profile, rate control, GOP: an error) or not
// (a logged warning).
struct Correction {
  std::string field;
  uint64_t asked = 0, got = 0;
  bool matters = false;
  std::string text() const;  // "<field> <asked> -> <got>"
};
std::vector<Correction> corrections(const mfxVideoParam& asked, const mfxVideoParam& got);

// The encoder as the tests see it: its parameters as the runtime took them, and the warnings it
// logged (Query corrections that do not matter).
class QsvEncoderInfo {
 public:
  virtual ~QsvEncoderInfo() = default;
  virtual const mfxVideoParam& video_param() const = 0;
  virtual const std::vector<std::string>& warnings() const = 0;
};

Result<std::unique_ptr<Encoder>> open_qsv_encoder(std::shared_ptr<Platform> platform,
                                                  int sessions_needed,
                                                  const EncoderConfig& config);

}  // namespace gearbox::qsv
