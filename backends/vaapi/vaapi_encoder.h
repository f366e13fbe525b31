// One VA encode context per rendition (H.264 High, EncSlice or EncSliceLP), its two
// reconstructed-picture surfaces and its coded buffer. The engine owns keyframes: the driver
// gets no GOP of its own (intra_period 0) and every IDR is forced by the picture type.
#pragma once

#include <memory>

#include "gearbox/backend.h"
#include "vaapi_device.h"

namespace gearbox::vaapi {

// Checks the config against the driver's capabilities, creates the config, context and
// buffers, and writes the parameter sets (the codec config).
Result<std::unique_ptr<Encoder>> open_vaapi_encoder(std::shared_ptr<Display> display,
                                                    std::shared_ptr<SessionCount> sessions,
                                                    const EncoderConfig& config);

}  // namespace gearbox::vaapi
