// The VA-API backend on real hardware: the system's libva and /dev/dri/renderD*. Every test
// skips, saying why, on a machine without a render node whose driver encodes H.264 (every
// machine this project has: no VA GPU anywhere, so none of these has run yet).
#include <gtest/gtest.h>

#include <vector>

#include "gearbox/backend.h"
#include "vaapi_backend.h"
#include "vaapi_display.h"

namespace gearbox {
namespace {

// Why the hardware tests cannot run here, or "" when they can.
std::string no_hardware_reason() {
  if (vaapi::system_render_nodes().empty()) return "no DRM render node (/dev/dri/renderD*)";
  BackendInfo info = make_vaapi_backend()->probe();
  return info.available ? "" : "no render node with a VA-API H.264 encoder: " + info.reason;
}

#define REQUIRE_VA_HARDWARE()                                       \
  do {                                                              \
    const std::string why = no_hardware_reason();                   \
    if (!why.empty()) GTEST_SKIP() << "needs VA hardware: " << why; \
  } while (0)

TEST(VaapiHardware, ProbeEncodesAnIdr) {
  REQUIRE_VA_HARDWARE();
  BackendInfo info = make_vaapi_backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(info.caps.offers(Codec::kH264));
}

TEST(VaapiHardware, EncodesAForcedIdrAndPPictures) {
  REQUIRE_VA_HARDWARE();
  auto backend = make_vaapi_backend();
  DeviceOptions o;
  o.width = 640;
  o.height = 360;
  o.pool_size = 4;
  auto device = backend->open(o);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EncoderConfig c;
  c.width = 640;
  c.height = 360;
  c.bitrate_kbps = 800;
  auto encoder = (*device)->open_encoder(c);
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  std::vector<uint8_t> bgr(640 * 360 * 3, 90);
  struct Count : PacketSink {
    int packets = 0, keyframes = 0;
    Status on_packet(const EncodedPacket& p) override {
      ++packets;
      keyframes += p.keyframe ? 1 : 0;
      return {};
    }
  } sink;
  for (int i = 0; i < 10; ++i) {
    auto surface = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, 640, 360, bgr.data()));
    ASSERT_TRUE(surface.ok()) << surface.error().message;
    ASSERT_TRUE((*encoder)->encode(**surface, i, i == 0 || i == 5, sink).ok());
  }
  EXPECT_EQ(sink.packets, 10);
  EXPECT_EQ(sink.keyframes, 2);
  EXPECT_FALSE((*encoder)->codec_config().extradata.empty());
}

}  // namespace
}  // namespace gearbox
