// The Quick Sync backend on real hardware: Debian's libvpl dispatcher, the oneVPL GPU runtime
// (libmfx-gen) and an Intel /dev/dri/renderD*. Every test skips, saying why, on a machine without
// an Intel GPU that oneVPL drives (every machine this project has had: none of these has run
// yet).
#include <gtest/gtest.h>

#include <vector>

#include "gearbox/backend.h"
#include "qsv_backend.h"
#include "va_drm_display.h"

namespace gearbox {
namespace {

// Why the hardware tests cannot run here, or "" when they can.
std::string no_hardware_reason() {
  if (vaapi::system_render_nodes().empty()) return "no DRM render node (/dev/dri/renderD*)";
  BackendInfo info = make_qsv_backend()->probe();
  if (info.available && info.simulated) return "the runtime that answers is a simulation";
  return info.available ? "" : "no Intel GPU with a oneVPL runtime: " + info.reason;
}

#define REQUIRE_QSV_HARDWARE()                                                \
  do {                                                                        \
    const std::string why = no_hardware_reason();                             \
    if (!why.empty()) GTEST_SKIP() << "needs an Intel GPU (oneVPL): " << why; \
  } while (0)

struct Count : PacketSink {
  int packets = 0, keyframes = 0;
  std::vector<int64_t> keyframe_pts;
  Status on_packet(const EncodedPacket& p) override {
    ++packets;
    if (p.keyframe) {
      ++keyframes;
      keyframe_pts.push_back(p.pts);
    }
    return {};
  }
};

TEST(QsvHardware, ProbeEncodesAnIdr) {
  REQUIRE_QSV_HARDWARE();
  BackendInfo info = make_qsv_backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(info.caps.offers(Codec::kH264));
  EXPECT_FALSE(info.simulated);
}

TEST(QsvHardware, ScalesOnceAndEncodesForcedIdrsOnly) {
  REQUIRE_QSV_HARDWARE();
  auto backend = make_qsv_backend();
  DeviceOptions o;
  o.width = 640;
  o.height = 360;
  o.pool_size = 4;
  o.encoder_sessions = 2;
  o.every_frame_scales = {{-1, 320, 180}};
  auto device = backend->open(o);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EncoderConfig full, half;
  full.width = 640;
  full.height = 360;
  full.bitrate_kbps = 800;
  half = full;
  half.width = 320;
  half.height = 180;
  half.bitrate_kbps = 300;
  auto e_full = (*device)->open_encoder(full);
  ASSERT_TRUE(e_full.ok()) << e_full.error().message;
  auto e_half = (*device)->open_encoder(half);
  ASSERT_TRUE(e_half.ok()) << e_half.error().message;
  std::vector<uint8_t> bgr(640 * 360 * 3, 90);
  Count a, b;
  for (int i = 0; i < 30; ++i) {
    auto surface = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, 640, 360, bgr.data()));
    ASSERT_TRUE(surface.ok()) << surface.error().message;
    auto small = (*device)->scale(**surface, 320, 180);
    ASSERT_TRUE(small.ok()) << small.error().message;
    const bool idr = i == 0 || i == 17;
    ASSERT_TRUE((*e_full)->encode(**surface, i, idr, a).ok());
    ASSERT_TRUE((*e_half)->encode(**small, i, idr, b).ok());
  }
  ASSERT_TRUE((*e_full)->drain(a).ok());
  ASSERT_TRUE((*e_half)->drain(b).ok());
  EXPECT_EQ(a.packets, 30);
  EXPECT_EQ(b.packets, 30);
  EXPECT_EQ(a.keyframe_pts, (std::vector<int64_t>{0, 17}));
  EXPECT_EQ(b.keyframe_pts, (std::vector<int64_t>{0, 17}));
  EXPECT_FALSE((*e_full)->codec_config().extradata.empty());
}

}  // namespace
}  // namespace gearbox
