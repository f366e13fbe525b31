// A backend for the engine's own tests, with no codec library behind it: it does what a script
// says (a probe result, open failures, slow, failing or hanging encodes, a session limit) and
// counts what the engine asked of it, so back-pressure, close timeouts, abort and fallback are
// tested in milliseconds and without x264.
//
// Its packets are real H.264 (constrained baseline: an SPS and a PPS in the codec config, one
// slice per picture: flat grey intra macroblocks for an IDR, every macroblock skipped otherwise),
// so the packager muxes them as it muxes x264's and libavcodec decodes the output, at the
// rendition's size (cropped from whole macroblocks). Like every backend, it never makes an IDR
// of its own.
//
// Thread-safe: the engine calls upload() on the push() thread, scale() on its scaler thread and
// encode() on one thread per rendition. Everything the devices, encoders and surfaces share
// lives in one state they each hold a reference to, so an encoder left hanging on a thread the
// engine detached stays valid after the test let go of its FakeBackend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/error.h"
#include "gearbox/rational.h"

namespace gearbox::testing {

// A failure the script injects at the `at`th occurrence of a call (see each field for what
// is counted), and with `persists` at every later one too (a device that cannot do it at all,
// rather than one that failed once).
struct ScriptedFailure {
  int64_t at = 0;
  Error error{ErrorCode::kBackendFailure, "scripted failure"};
  bool persists = false;
  bool hits(int64_t occurrence) const { return persists ? occurrence >= at : occurrence == at; }
};

struct FakeScript {
  std::string name = "fake";
  // What probe() reports.
  bool available = true;
  std::string reason = "a scripted fake backend";
  // Encoders open at once across all of this backend's devices (NVENC's session limit): one
  // more fails with kOutOfSessions. 0: no limit.
  int max_sessions = 0;
  // Whether the capabilities say so (the engine then refuses a ladder over the limit before any
  // encoder opens), or report a limit they do not give (-1, as NVENC on consumer GPUs), so that
  // the failing open_encoder() is what tells.
  bool reports_session_limit = false;
  // Backend::open() fails with it.
  std::optional<Error> open_failure;
  // open_encoder() fails at call number `at` (1-based, counted over the backend's life).
  std::optional<ScriptedFailure> open_encoder_failure;
  // Every encode() takes at least this long (a slow encoder, for back-pressure).
  std::chrono::milliseconds encode_delay{0};
  // The encode() faults below hit only the rendition with this index (the engine opens v0, v1,
  // ... in order on a device, so the index is the rendition's number), or every one with -1.
  int fault_rendition = -1;
  // encode() of frame `at` (0-based, counted per encoder) fails with the error, emitting nothing.
  std::optional<ScriptedFailure> encode_failure;
  // encode() of this frame (0-based, per encoder) blocks until release(), then goes on as usual.
  std::optional<int64_t> hang_at_frame;
};

// What the engine did with the backend so far (a snapshot).
struct FakeCounters {
  int probes = 0;
  int device_open_calls = 0;
  int devices_open = 0;
  int open_encoder_calls = 0;
  int sessions_open = 0;      // encoders alive now
  int sessions_open_max = 0;  // the most alive at once
  int64_t uploads = 0;
  int64_t scales = 0;
  int64_t surfaces_alive = 0;
  int64_t surfaces_alive_max = 0;
  // Per rendition (the encoder's index on its device, as fault_rendition counts it).
  std::vector<int64_t> frames_encoded;
  std::vector<int64_t> idrs;
  std::vector<int64_t> drains;
  int encoders_hanging = 0;  // blocked in a scripted hang now
};

class FakeBackend final : public Backend {
 public:
  explicit FakeBackend(FakeScript script);

  std::string name() const override;
  BackendInfo probe() override;
  Result<std::unique_ptr<Device>> open(const DeviceOptions& options) override;

  // Ends every scripted hang, now and later. A test with a hang calls it before it ends, so
  // that no thread is left blocked at process exit.
  void release();
  // True once an encoder is blocked in a scripted hang (false after `timeout`).
  bool wait_until_hanging(std::chrono::milliseconds timeout);
  // True once every device, encoder and surface of this backend is destroyed, i.e. the engine
  // let go of them, threads it left behind included (false after `timeout`).
  bool wait_until_all_released(std::chrono::milliseconds timeout);
  FakeCounters counters() const;

  // Shared by the backend and every device, encoder and surface it made (fake_backend.cpp).
  struct State;

 private:
  std::shared_ptr<State> state_;
};

// The H.264 the fake's encoders describe themselves with, for a picture of this size and rate:
// Annex B SPS + PPS and the matching RFC 6381 string. Exposed so a test can check the fake.
CodecConfig fake_codec_config(int width, int height, Rational frame_rate);

}  // namespace gearbox::testing
