// One NVENC encoder session per rendition, on CUDA device pointers (NV12 surfaces of the
// device's pools). The engine owns keyframes: NVENC's own GOP and IDR period are infinite and
// every IDR is forced with NV_ENC_PIC_FLAG_FORCEIDR on the segment grid.
#pragma once

#include <memory>

#include "gearbox/backend.h"
#include "nvenc_device.h"

namespace gearbox::nvenc {

// Opens a session, checks the request against the GPU's capabilities, initialises the encoder.
Result<std::unique_ptr<Encoder>> open_nvenc_encoder(std::shared_ptr<CudaContext> context,
                                                    std::shared_ptr<SessionCount> sessions,
                                                    const EncoderConfig& config);

// H.264 capabilities, from a session opened only for the query (counted in `sessions`, so that
// a refused one says how many the ladder needs).
Result<Capabilities> query_capabilities(std::shared_ptr<CudaContext> context,
                                        std::shared_ptr<SessionCount> sessions);

}  // namespace gearbox::nvenc
