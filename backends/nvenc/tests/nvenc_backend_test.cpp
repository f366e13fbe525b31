// The NVENC backend through the SIMULATED NVIDIA runtime (backends/nvenc/simulation/): the
// typed failures and their messages, the probe, automatic selection, capability checks, the
// simulation's checks catching misuse, and the device's kernels against their CPU references.
// The backend is given its runtime (make_nvenc_backend with a loader) and the simulation is
// told what to fail through that runtime: nothing here goes through the environment.
//
// With GEARBOX_NVENC_TEST_REAL_DRIVER=1 the same binary uses the system's NVIDIA driver: the
// tests that need the simulation's failure injection are skipped (with that reason), and
// NvencDevice.KernelsMatchTheirCpuReferences compares the real GPU's kernels with the CPU.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "nv12_reference.h"
#include "nvenc_backend.h"
#include "nvenc_device.h"
#include "nvenc_status.h"
#include "nvidia_simulation.h"

namespace gearbox {
namespace {

bool real_driver() {
  const char* v = std::getenv("GEARBOX_NVENC_TEST_REAL_DRIVER");
  return v && std::string(v) == "1";
}

// The runtime every test here runs on: the simulation, or the system's driver.
nvenc::NvidiaRuntimeLoader runtime_under_test() {
  return nvenc::runtime_from(real_driver() ? "" : nvenc::testing::simulation_directory());
}

Result<std::shared_ptr<nvenc::NvidiaRuntime>> load_runtime() {
  return runtime_under_test()();
}

// The registry's backends, with nvenc on the runtime under test.
BackendList backends_under_test() {
  BackendList list;
  for (std::unique_ptr<Backend>& backend : all_backends()) {
    if (backend->name() == "nvenc") backend = make_nvenc_backend(runtime_under_test());
    list.push_back(std::move(backend));
  }
  return list;
}

// Asks the simulation to fail in one way for a scope.
class SimulatedFailure {
 public:
  explicit SimulatedFailure(const char* what) {
    auto runtime = load_runtime();
    if (runtime) control_ = std::make_unique<nvenc::testing::SimulationControl>(**runtime);
    if (!control_ || !control_->found()) {
      ADD_FAILURE() << "cannot reach the simulation to make it fail with " << what;
      return;
    }
    control_->configure(what, false);
  }
  ~SimulatedFailure() {
    if (control_) control_->configure("", false);
  }

 private:
  std::unique_ptr<nvenc::testing::SimulationControl> control_;
};

#define REQUIRE_SIMULATION() \
  if (real_driver()) GTEST_SKIP() << "needs the simulated NVIDIA runtime's failure injection"

BackendInfo probe_nvenc() {
  return make_nvenc_backend(runtime_under_test())->probe();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(NvencProbe, TheSimulationIsAvailableAndSaysItIsOne) {
  REQUIRE_SIMULATION();
  BackendInfo info = probe_nvenc();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(contains(info.reason, "SIMULATED NVIDIA runtime")) << info.reason;
  EXPECT_TRUE(info.simulated) << "what bench labels its figures by";
  EXPECT_TRUE(contains(info.reason, "encoded a 256x144 H.264 IDR")) << info.reason;
  EXPECT_EQ(info.caps.codecs, std::vector<Codec>{Codec::kH264});
  EXPECT_EQ(info.caps.max_size.width, 4096);
  EXPECT_EQ(info.caps.max_size.height, 4096);
  EXPECT_EQ(info.caps.min_size.width, 145);
  EXPECT_EQ(info.caps.min_size.height, 49);
  EXPECT_EQ(info.caps.rate_control,
            (std::vector<RateControl>{RateControl::kCbr, RateControl::kVbr}));
  EXPECT_EQ(info.caps.max_bframes, 4);
  EXPECT_TRUE(info.caps.lookahead);
  EXPECT_EQ(info.caps.max_sessions, -1) << "NVENC does not report the session cap";
}

TEST(NvencProbe, NoDriverIsExplained) {
  BackendInfo info =
      make_nvenc_backend(nvenc::runtime_from("/nonexistent-gearbox-driver-dir"))->probe();
  EXPECT_FALSE(info.available);
  EXPECT_EQ(info.reason.rfind("no NVIDIA driver: dlopen libcuda.so.1 from the directory "
                              "/nonexistent-gearbox-driver-dir failed (",
                              0),
            0u)
      << info.reason;
}

struct FailureCase {
  const char* simulate;
  std::vector<std::string> expect;  // parts of the probe's reason
};

TEST(NvencProbe, EveryTypedFailureNamesTheStatusAndExplainsIt) {
  REQUIRE_SIMULATION();
  const FailureCase cases[] = {
      {"no_cuda_device",
       {"no CUDA GPU: cuInit returned CUDA_ERROR_NO_DEVICE (100: no CUDA-capable device is "
        "detected)"}},
      {"old_driver",
       {"NVIDIA driver too old: ", "supports NVENC API 11.0 but gearbox is built for 11.1",
        "update the NVIDIA driver"}},
      {"no_encode_engine",
       {"GPU without NVENC engines: nvEncOpenEncodeSessionEx returned "
        "NV_ENC_ERR_UNSUPPORTED_DEVICE (2: the device passed is not supported)",
        "H100", "use a GPU with NVENC or another backend"}},
      {"no_encode_device",
       {"GPU without NVENC engines: nvEncOpenEncodeSessionEx returned NV_ENC_ERR_NO_ENCODE_DEVICE "
        "(1: "}},
      {"session_limit:0",
       {"NVENC session limit reached: nvEncOpenEncodeSessionEx returned NV_ENC_ERR_OUT_OF_MEMORY "
        "(10: out of memory)",
        "cap on concurrent encode sessions"}},
      {"max_size:200x200",
       {"not supported by this GPU's NVENC: 256x144 is outside this GPU's H.264 encoder sizes "
        "145x49..200x200"}},
      {"device_lost",
       {"GPU lost: nvEncEncodePicture returned NV_ENC_ERR_DEVICE_NOT_EXIST (5: the device is no "
        "longer available",
        "open it again, or use another backend"}},
      {"cuda_lost",
       {"GPU lost: cuStreamSynchronize returned CUDA_ERROR_ILLEGAL_ADDRESS (700: an illegal memory "
        "access was encountered)",
        "leaving the context unusable"}},
  };
  for (const FailureCase& c : cases) {
    SCOPED_TRACE(c.simulate);
    SimulatedFailure failure(c.simulate);
    BackendInfo info = probe_nvenc();
    EXPECT_FALSE(info.available);
    for (const std::string& part : c.expect)
      EXPECT_TRUE(contains(info.reason, part)) << info.reason;
  }
}

TEST(NvencSelection, AutoPassesOverNvencAndSaysWhy) {
  REQUIRE_SIMULATION();
  SimulatedFailure failure("no_encode_engine");
  const BackendList backends = backends_under_test();
  auto selection = select_backend("auto", backends);
  ASSERT_TRUE(selection.ok()) << selection.error().message;
  EXPECT_EQ(selection->backend->name(), "x264");
  ASSERT_FALSE(selection->passed_over.empty());
  EXPECT_EQ(selection->passed_over[0].rfind("nvenc: GPU without NVENC engines: ", 0), 0u)
      << selection->passed_over[0];
  auto named = select_backend("nvenc", backends);
  ASSERT_FALSE(named.ok());
  EXPECT_TRUE(contains(named.error().message, "backend \"nvenc\": GPU without NVENC engines"))
      << named.error().message;
}

StreamConfig nvenc_config(const std::string& name) {
  StreamConfig c;
  c.output = (std::filesystem::temp_directory_path() /
              ("gearbox-nvenc-" + name + "-" + std::to_string(::getpid())))
                 .string();
  c.backend = "nvenc";
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

TEST(NvencStream, SessionLimitSaysHowManySessionsTheLadderNeeds) {
  REQUIRE_SIMULATION();
  SimulatedFailure failure("session_limit:2");
  StreamConfig c = nvenc_config("sessions");
  c.renditions.push_back({256, 144, 300, {}});
  c.renditions.push_back({160, 90, 100, {}});
  auto s = Streamer::open(c, backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  Status st = (*s)->push(pattern.render(0));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kOutOfSessions) << st.message();
  for (const char* part :
       {"rendition v2 (160x90): NVENC session limit reached: nvEncOpenEncodeSessionEx returned "
        "NV_ENC_ERR_OUT_OF_MEMORY",
        "this ladder needs 3 sessions (one per rendition), 2 were open in gearbox"}) {
    EXPECT_TRUE(contains(st.message(), part)) << st.message();
  }
  std::filesystem::remove_all(c.output);
}

TEST(NvencStream, ASizeOverTheGpuMaximumIsAClearError) {
  REQUIRE_SIMULATION();
  SimulatedFailure failure("max_size:640x360");
  StreamConfig c = nvenc_config("size");
  auto s = Streamer::open(c, backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(1280, 720);
  Status st = (*s)->push(pattern.render(0));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported) << st.message();
  // The engine checks the ladder against the device's capabilities before any encoder opens.
  EXPECT_TRUE(contains(st.message(), "rendition v0 (1280x720): nvenc encodes H.264 up to 640x360"))
      << st.message();
  std::filesystem::remove_all(c.output);
}

// A device opened on the simulation at 256x144 BGR, with one encoder for that size.
struct OpenedDevice {
  std::unique_ptr<nvenc::NvencDevice> device;
  std::unique_ptr<Encoder> encoder;
  std::string error;
};
OpenedDevice open_device_and_encoder() {
  OpenedDevice d;
  auto runtime = load_runtime();
  if (!runtime) return {nullptr, nullptr, runtime.error().message};
  DeviceOptions options;
  options.width = 256;
  options.height = 144;
  auto device = nvenc::NvencDevice::open(options, *runtime);
  if (!device) return {nullptr, nullptr, device.error().message};
  EncoderConfig config;
  config.width = 256;
  config.height = 144;
  config.bitrate_kbps = 200;
  auto encoder = (*device)->open_encoder(config);
  if (!encoder) return {nullptr, nullptr, encoder.error().message};
  d.device = std::move(device.value());
  d.encoder = std::move(encoder.value());
  return d;
}

class NullSink final : public PacketSink {
 public:
  Status on_packet(const EncodedPacket&) override { return {}; }
};

TEST(NvencErrors, AGoneDeviceIsDeviceLostFromTheEncoderAndFromCuda) {
  REQUIRE_SIMULATION();
  OpenedDevice d = open_device_and_encoder();
  ASSERT_TRUE(d.device) << d.error;
  TestPattern pattern(256, 144);
  auto surface = d.device->upload(pattern.render(0));
  ASSERT_TRUE(surface.ok()) << surface.error().message;
  NullSink sink;
  {
    SimulatedFailure failure("device_lost");
    Status st = d.encoder->encode(**surface, 0, true, sink);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), ErrorCode::kDeviceLost) << st.message();
    EXPECT_TRUE(
        contains(st.message(), "GPU lost: nvEncEncodePicture returned NV_ENC_ERR_DEVICE_NOT_EXIST"))
        << st.message();
    EXPECT_TRUE(contains(st.message(), "driver says: SIMULATED NVENC: the simulated GPU is gone"))
        << st.message();
  }
  {
    SimulatedFailure failure("cuda_lost");
    auto again = d.device->upload(pattern.render(1));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kDeviceLost) << again.error().message;
    EXPECT_TRUE(contains(again.error().message,
                         "GPU lost: cuStreamSynchronize returned CUDA_ERROR_ILLEGAL_ADDRESS"))
        << again.error().message;
    auto scaled = d.device->scale(**surface, 160, 90);
    ASSERT_FALSE(scaled.ok());
    EXPECT_EQ(scaled.error().code, ErrorCode::kDeviceLost) << scaled.error().message;
  }
}

TEST(NvencErrors, EachFailureHasTheCodeSelectionActsOn) {
  using nvenc::Failure;
  EXPECT_EQ(nvenc::code_of(Failure::kSessionLimit), ErrorCode::kOutOfSessions);
  EXPECT_EQ(nvenc::code_of(Failure::kDeviceLost), ErrorCode::kDeviceLost);
  EXPECT_EQ(nvenc::code_of(Failure::kUnsupported), ErrorCode::kUnsupported);
  EXPECT_EQ(nvenc::code_of(Failure::kVendor), ErrorCode::kBackendFailure);
  for (Failure absent : {Failure::kNoDriver, Failure::kDriverTooOld, Failure::kNoCudaDevice,
                         Failure::kNoEncodeEngine, Failure::kNoKernels}) {
    EXPECT_EQ(nvenc::code_of(absent), ErrorCode::kUnavailable) << nvenc::title(absent);
  }
  // The session open tells the cap, a missing engine and a lost GPU apart; any later call a lost
  // GPU.
  EXPECT_EQ(nvenc::classify_open_session(NV_ENC_ERR_OUT_OF_MEMORY), Failure::kSessionLimit);
  EXPECT_EQ(nvenc::classify_open_session(NV_ENC_ERR_UNSUPPORTED_DEVICE), Failure::kNoEncodeEngine);
  EXPECT_EQ(nvenc::classify_open_session(NV_ENC_ERR_DEVICE_NOT_EXIST), Failure::kDeviceLost);
  EXPECT_EQ(nvenc::classify(NV_ENC_ERR_DEVICE_NOT_EXIST, Failure::kVendor), Failure::kDeviceLost);
  EXPECT_EQ(nvenc::classify(NV_ENC_ERR_INVALID_PARAM, Failure::kUnsupported),
            Failure::kUnsupported);
  EXPECT_EQ(nvenc::classify_cuda(700), Failure::kDeviceLost);  // CUDA_ERROR_ILLEGAL_ADDRESS
  EXPECT_EQ(nvenc::classify_cuda(719), Failure::kDeviceLost);  // CUDA_ERROR_LAUNCH_FAILED
  EXPECT_EQ(nvenc::classify_cuda(709), Failure::kDeviceLost);  // CUDA_ERROR_CONTEXT_IS_DESTROYED
  EXPECT_EQ(nvenc::classify_cuda(201), Failure::kVendor)
      << "no current context is gearbox's bug, not a lost GPU";
  EXPECT_EQ(nvenc::classify_cuda(2), Failure::kVendor);  // CUDA_ERROR_OUT_OF_MEMORY
}

TEST(NvencDevice, CapabilitiesAreThoseItsDriverReports) {
  REQUIRE_SIMULATION();
  SimulatedFailure failure("max_size:1920x1088");
  OpenedDevice d = open_device_and_encoder();
  ASSERT_TRUE(d.device) << d.error;
  const Capabilities caps = d.device->capabilities();
  EXPECT_EQ(caps.max_size.width, 1920);
  EXPECT_EQ(caps.max_size.height, 1088);
  EXPECT_EQ(caps.min_size.width, 145);
  EXPECT_TRUE(caps.offers(Codec::kH264));
  EXPECT_FALSE(caps.offers(Codec::kHevc));
  EXPECT_TRUE(caps.offers(RateControl::kVbr));
  EXPECT_FALSE(caps.offers(RateControl::kAbrVbv));
  EXPECT_EQ(caps.max_sessions, -1);
}

TEST(NvencDevice, ASessionCapAtOpenSaysHowManySessionsTheStreamNeeds) {
  REQUIRE_SIMULATION();
  SimulatedFailure failure("session_limit:0");
  auto runtime = load_runtime();
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  DeviceOptions options;
  options.width = 256;
  options.height = 144;
  options.encoder_sessions = 4;
  auto device = nvenc::NvencDevice::open(options, *runtime);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kOutOfSessions) << device.error().message;
  EXPECT_TRUE(contains(device.error().message,
                       "this ladder needs 4 sessions (one per rendition), 0 were open"))
      << device.error().message;
}

TEST(NvencSimulation, CatchesMisuseOfTheApi) {
  REQUIRE_SIMULATION();
  auto runtime = load_runtime();
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  ASSERT_TRUE((*runtime)->simulated);
  auto context = nvenc::CudaContext::open(*runtime);
  ASSERT_TRUE(context.ok()) << context.error().message;
  const nvenc::CudaApi& cu = (*runtime)->cu;
  const NV_ENCODE_API_FUNCTION_LIST& nv = (*runtime)->nvenc;
  const nvenc::testing::SimulationControl sim(**runtime);
  ASSERT_TRUE(sim.found());
  const int before = sim.violation_count();

  // CUDA: device memory with no current context on this thread.
  CUdeviceptr ptr = 0;
  EXPECT_EQ(static_cast<int>(cu.cuMemAlloc(&ptr, 4096)), 201);  // CUDA_ERROR_INVALID_CONTEXT
  EXPECT_TRUE(contains(sim.last_violation(), "no current CUDA context")) << sim.last_violation();

  nvenc::ScopedContext scope(cu, (*context)->context());
  size_t pitch = 0;
  ASSERT_EQ(cu.cuMemAllocPitch(&ptr, &pitch, 256, 144 * 3 / 2, 4), CUDA_SUCCESS);
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS open{};
  open.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  open.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  open.device = (*context)->context();
  open.apiVersion = NVENCAPI_VERSION;
  void* encoder = nullptr;
  ASSERT_EQ(nv.nvEncOpenEncodeSessionEx(&open, &encoder), NV_ENC_SUCCESS);

  // A struct of the wrong version.
  NV_ENC_CAPS_PARAM caps{};
  caps.capsToQuery = NV_ENC_CAPS_WIDTH_MAX;
  int value = 0;
  EXPECT_EQ(nv.nvEncGetEncodeCaps(encoder, NV_ENC_CODEC_H264_GUID, &caps, &value),
            NV_ENC_ERR_INVALID_VERSION);

  // A surface larger than its allocation.
  NV_ENC_REGISTER_RESOURCE reg{};
  reg.version = NV_ENC_REGISTER_RESOURCE_VER;
  reg.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
  reg.width = 256;
  reg.height = 288;  // twice the rows allocated
  reg.pitch = static_cast<uint32_t>(pitch);
  reg.resourceToRegister = reinterpret_cast<void*>(ptr);
  reg.bufferFormat = NV_ENC_BUFFER_FORMAT_NV12;
  reg.bufferUsage = NV_ENC_INPUT_IMAGE;
  EXPECT_EQ(nv.nvEncRegisterResource(encoder, &reg), NV_ENC_ERR_RESOURCE_REGISTER_FAILED);

  // Map, unmap, and unmap again.
  reg.height = 144;
  ASSERT_EQ(nv.nvEncRegisterResource(encoder, &reg), NV_ENC_SUCCESS);
  NV_ENC_MAP_INPUT_RESOURCE map{};
  map.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
  map.registeredResource = reg.registeredResource;
  ASSERT_EQ(nv.nvEncMapInputResource(encoder, &map), NV_ENC_SUCCESS);
  EXPECT_EQ(nv.nvEncUnmapInputResource(encoder, map.mappedResource), NV_ENC_SUCCESS);
  EXPECT_EQ(nv.nvEncUnmapInputResource(encoder, map.mappedResource),
            NV_ENC_ERR_RESOURCE_NOT_MAPPED);
  EXPECT_TRUE(contains(sim.last_violation(), "not mapped")) << sim.last_violation();

  // Encoding before the encoder is initialised.
  NV_ENC_PIC_PARAMS pic{};
  pic.version = NV_ENC_PIC_PARAMS_VER;
  EXPECT_EQ(nv.nvEncEncodePicture(encoder, &pic), NV_ENC_ERR_ENCODER_NOT_INITIALIZED);

  EXPECT_EQ(nv.nvEncUnregisterResource(encoder, reg.registeredResource), NV_ENC_SUCCESS);
  EXPECT_EQ(nv.nvEncDestroyEncoder(encoder), NV_ENC_SUCCESS);
  EXPECT_EQ(cu.cuMemFree(ptr), CUDA_SUCCESS);
  EXPECT_NE(static_cast<int>(cu.cuMemFree(ptr)), 0) << "a double free is refused";
  EXPECT_EQ(sim.violation_count() - before, 6)
      << "each of the six misuses above is counted as a violation";
}

// Breaks one of NVIDIA's rules (device memory with no current context), then exits with 0.
[[noreturn]] void misuse_then_exit(const nvenc::NvidiaRuntime& runtime) {
  CUdeviceptr ptr = 0;
  runtime.cu.cuMemAlloc(&ptr, 4096);
  std::exit(0);
}

// What the end-to-end tests on the simulation rely on: in strict mode, one violation anywhere
// fails the process at exit, whatever the assertions said. Without strict mode it does not.
TEST(NvencSimulation, StrictModeFailsTheProcessOnAViolation) {
  REQUIRE_SIMULATION();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto configured_then_misused = [](bool strict) {
    auto runtime = load_runtime();
    if (!runtime) std::_Exit(2);
    nvenc::testing::SimulationControl(**runtime).configure("", strict);
    misuse_then_exit(**runtime);
  };
  EXPECT_EXIT(configured_then_misused(true), ::testing::ExitedWithCode(70), "violation");
  EXPECT_EXIT(configured_then_misused(false), ::testing::ExitedWithCode(0), "violation");
}

// The backend the end-to-end tests run on as "nvenc-simulation" (tests/CMakeLists.txt).
TEST(NvencSimulation, TheTestBackendIsTheSimulationInStrictMode) {
  REQUIRE_SIMULATION();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  BackendInfo info = gearbox::testing::make_nvenc_simulation_backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(contains(info.reason, "SIMULATED NVIDIA runtime")) << info.reason;
  auto probed_then_misused = [] {
    if (!gearbox::testing::make_nvenc_simulation_backend()->probe().available) std::_Exit(2);
    auto runtime = load_runtime();
    if (!runtime) std::_Exit(3);
    misuse_then_exit(**runtime);
  };
  EXPECT_EXIT(probed_then_misused(), ::testing::ExitedWithCode(70), "violation");
  // In this process too, so a run of the whole binary would fail at exit: strict mode off again.
  auto runtime = load_runtime();
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  nvenc::testing::SimulationControl(**runtime).configure("", false);
}

// Reads a device NV12 surface back to the host, tightly packed.
std::vector<uint8_t> read_back(const nvenc::CudaContext& context, const Surface& surface) {
  const auto& s = dynamic_cast<const nvenc::NvencSurface&>(surface);
  std::vector<uint8_t> all(s.pitch() * static_cast<size_t>(s.height()) * 3 / 2);
  nvenc::ScopedContext scope(context.cu(), context.context());
  EXPECT_EQ(context.cu().cuMemcpyDtoH(all.data(), s.luma(), all.size()), CUDA_SUCCESS);
  std::vector<uint8_t> packed;
  for (int row = 0; row < s.height() * 3 / 2; ++row) {
    packed.insert(
        packed.end(), all.begin() + static_cast<ptrdiff_t>(row * s.pitch()),
        all.begin() + static_cast<ptrdiff_t>(row * s.pitch() + static_cast<size_t>(s.width())));
  }
  return packed;
}

int max_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  int worst = a.size() == b.size() ? 0 : 255;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// On the simulation this checks the device's plumbing (staging, pitches, launch arguments); on
// a real GPU (GEARBOX_NVENC_TEST_REAL_DRIVER=1) it checks the CUDA kernels themselves.
TEST(NvencDevice, KernelsMatchTheirCpuReferences) {
  auto runtime = load_runtime();
  if (!runtime) GTEST_SKIP() << "no NVIDIA runtime: " << runtime.error().message;
  const int w = 1280, h = 720;
  DeviceOptions options;
  options.width = w;
  options.height = h;
  options.input_format = PixelFormat::kBGR24;
  auto device = nvenc::NvencDevice::open(options, *runtime);
  if (!device) GTEST_SKIP() << "no usable device: " << device.error().message;
  TestPattern pattern(w, h);
  FrameView frame = pattern.render(5);
  auto source = (*device)->upload(frame);
  ASSERT_TRUE(source.ok()) << source.error().message;

  namespace k = nvenc_kernels;
  std::vector<uint8_t> expect(static_cast<size_t>(w) * h * 3 / 2);
  k::PackedToNv12Args a{};
  a.src_pitch = frame.stride[0];
  a.y_pitch = a.uv_pitch = w;
  a.width = w, a.height = h;
  a.bytes_per_pixel = 3, a.b_offset = 0, a.g_offset = 1, a.r_offset = 2;
  k::packed_to_nv12_reference(a, frame.data[0], expect.data(),
                              expect.data() + static_cast<size_t>(w) * h);
  const int convert_diff = max_difference(read_back((*device)->context(), **source), expect);
  EXPECT_EQ(convert_diff, 0);

  int scale_diff = 0;
  for (auto [ow, oh] : {std::pair{854, 480}, std::pair{640, 360}}) {
    auto scaled = (*device)->scale(**source, ow, oh);
    ASSERT_TRUE(scaled.ok()) << scaled.error().message;
    std::vector<uint8_t> want(static_cast<size_t>(ow) * oh * 3 / 2);
    for (int plane = 0; plane < 2; ++plane) {
      k::ScaleAreaArgs s{};
      s.channels = plane == 0 ? 1 : 2;
      s.src_pitch = w, s.dst_pitch = ow;
      s.src_width = w / s.channels, s.src_height = h / s.channels;
      s.dst_width = ow / s.channels, s.dst_height = oh / s.channels;
      k::scale_area_reference(s, expect.data() + (plane ? static_cast<size_t>(w) * h : 0),
                              want.data() + (plane ? static_cast<size_t>(ow) * oh : 0));
    }
    scale_diff =
        std::max(scale_diff, max_difference(read_back((*device)->context(), **scaled), want));
  }
  EXPECT_EQ(scale_diff, 0);
  RecordProperty("runtime", (*runtime)->label());
  RecordProperty("largest_difference_convert", convert_diff);
  RecordProperty("largest_difference_scale", scale_diff);
  std::printf(
      "kernels vs CPU references on %s, GPU \"%s\": largest difference %d (conversion), %d "
      "(scaling)\n",
      (*runtime)->label(), (*device)->context().gpu_name().c_str(), convert_diff, scale_diff);
}

}  // namespace
}  // namespace gearbox
