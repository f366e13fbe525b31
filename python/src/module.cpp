// gearbox._gearbox: the Python binding of gearbox::Streamer (pybind11). The Python package
// (python/gearbox/__init__.py) wraps it with the documented API; this file maps a config dict
// onto StreamConfig with the core parsers the CLI uses, reads numpy frames in place through the
// buffer protocol, releases the GIL while gearbox works, and turns gearbox errors into Python
// exceptions carrying gearbox's message and code.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/config.h"
#include "gearbox/error.h"
#include "gearbox/frame.h"
#include "gearbox/streamer.h"

namespace py = pybind11;

namespace {

py::object& gearbox_error_type() {
  static py::object type;
  return type;
}

// Raises the Python exception for a gearbox error: ValueError for a wrong argument or frame,
// gearbox.GearboxError (a RuntimeError) for the rest; `code` holds gearbox's error code name.
[[noreturn]] void raise(const gearbox::Error& error) {
  const bool value_error = error.code == gearbox::ErrorCode::kInvalidArgument ||
                           error.code == gearbox::ErrorCode::kFrameMismatch;
  py::object type =
      value_error ? py::reinterpret_borrow<py::object>(PyExc_ValueError) : gearbox_error_type();
  py::object instance = type(error.message);
  std::string code = gearbox::to_string(error.code);  // "frame mismatch" -> "frame_mismatch"
  for (char& ch : code) {
    if (ch == ' ') ch = '_';
  }
  instance.attr("code") = code;
  PyErr_SetObject(type.ptr(), instance.ptr());
  throw py::error_already_set();
}

[[noreturn]] void raise_value_error(const std::string& message) {
  raise(gearbox::Error{gearbox::ErrorCode::kInvalidArgument, message});
}

template <class T>
T take(gearbox::Result<T> result, const std::string& field) {
  if (!result) {
    const std::string& m = result.error().message;
    raise_value_error(m.rfind(field, 0) == 0 ? m : field + ": " + m);
  }
  return std::move(result.value());
}

// A Python callable kept by a pipeline thread: called and destroyed with the GIL held.
std::shared_ptr<py::object> keep_callable(py::object callable) {
  return std::shared_ptr<py::object>(new py::object(std::move(callable)), [](py::object* o) {
    py::gil_scoped_acquire gil;
    delete o;
  });
}

py::dict segment_dict(const gearbox::SegmentEvent& e) {
  py::dict d;
  d["rendition"] = e.rendition;
  d["number"] = e.number;
  d["start"] = e.start;
  d["duration"] = e.duration;
  d["bytes"] = e.bytes;
  d["frames"] = e.frames;
  return d;
}

// Errors a callback raised on a pipeline thread, kept for the caller's thread.
struct CallbackErrors {
  std::mutex mutex;
  std::string first;  // "on_segment raised TypeError: ..." (empty: none)
  void note(const std::string& where, py::error_already_set& e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (first.empty()) first = where + " raised " + e.what();
  }
  std::string take() {
    std::lock_guard<std::mutex> lock(mutex);
    return std::exchange(first, {});
  }
};

gearbox::StreamConfig make_config(const py::dict& cfg,
                                  const std::shared_ptr<CallbackErrors>& errors) {
  gearbox::StreamConfig c;
  auto has = [&](const char* key) { return cfg.contains(key) && !cfg[key].is_none(); };
  auto text = [&](const char* key) { return py::str(cfg[key]).cast<std::string>(); };
  c.output = cfg["output"].cast<std::string>();
  if (has("format")) c.format = take(gearbox::parse_output_format(text("format")), "format");
  if (has("hls_segment_type")) {
    c.hls_segment_type =
        take(gearbox::parse_hls_segment_type(text("hls_segment_type")), "hls_segment_type");
  }
  if (has("input_frame_rate")) {
    c.input_frame_rate =
        take(gearbox::parse_frame_rate(text("input_frame_rate")), "input_frame_rate");
  }
  if (has("segment_duration")) {
    c.segment_duration =
        take(gearbox::parse_duration(text("segment_duration")), "segment_duration");
  }
  if (has("bpp")) c.bpp = cfg["bpp"].cast<double>();
  if (has("primary_bitrate")) {
    c.primary_bitrate_kbps =
        take(gearbox::parse_bitrate_kbps(text("primary_bitrate")), "primary_bitrate");
  }
  if (has("renditions")) {
    int i = 0;
    for (py::handle r : cfg["renditions"]) {
      // [0] is the primary, as in gearbox's own messages and the stats' ids (v1 is the first).
      const std::string field = "renditions[" + std::to_string(++i) + "]";
      c.renditions.push_back(take(gearbox::parse_rendition(py::str(r).cast<std::string>()), field));
    }
  }
  if (has("clear_previous_assets")) {
    c.clear_previous_assets = cfg["clear_previous_assets"].cast<bool>();
  }
  if (has("backend")) c.backend = text("backend");
  if (has("backend_options")) {
    for (auto item : cfg["backend_options"].cast<py::dict>()) {
      c.backend_options[py::str(item.first).cast<std::string>()] =
          py::str(item.second).cast<std::string>();
    }
  }
  if (has("vbv_maxrate_factor")) {
    c.rate_control.vbv_maxrate_factor = cfg["vbv_maxrate_factor"].cast<double>();
  }
  if (has("vbv_buffer_seconds")) {
    c.rate_control.vbv_buffer_seconds = cfg["vbv_buffer_seconds"].cast<double>();
  }
  if (has("live")) c.live.enabled = cfg["live"].cast<bool>();
  if (has("window_segments")) c.live.window_segments = cfg["window_segments"].cast<int>();
  if (has("delete_delay_segments")) {
    c.live.delete_delay_segments = cfg["delete_delay_segments"].cast<int>();
  }
  if (has("drop_frames_when_behind")) {
    c.live.drop_frames_when_behind = cfg["drop_frames_when_behind"].cast<bool>();
  }
  if (has("chunk_frames")) c.low_latency.chunk_frames = cfg["chunk_frames"].cast<int>();
  if (has("audio")) c.audio.source = text("audio");
  if (has("audio_bitrate")) {
    c.audio.bitrate_kbps =
        take(gearbox::parse_bitrate_kbps(text("audio_bitrate")), "audio_bitrate");
  }
  if (has("audio_sample_rate")) c.audio.sample_rate = cfg["audio_sample_rate"].cast<int>();
  if (has("audio_channels")) c.audio.channels = cfg["audio_channels"].cast<int>();
  if (has("audio_clock"))
    c.audio.clock = take(gearbox::parse_audio_clock(text("audio_clock")), "audio_clock");
  if (has("queue_depth")) c.queue_depth = cfg["queue_depth"].cast<int>();
  if (has("close_timeout")) c.close_timeout_seconds = cfg["close_timeout"].cast<double>();
  if (has("on_segment")) {
    auto callback = keep_callable(cfg["on_segment"]);
    c.on_segment = [callback, errors](const gearbox::SegmentEvent& e) {
      py::gil_scoped_acquire gil;
      try {
        (*callback)(segment_dict(e));
      } catch (py::error_already_set& err) {
        errors->note("on_segment", err);
      }
    };
  }
  if (has("log")) {
    auto callback = keep_callable(cfg["log"]);
    c.log = [callback, errors](gearbox::LogLevel level, const std::string& message) {
      py::gil_scoped_acquire gil;
      const char* name = level == gearbox::LogLevel::kInfo      ? "info"
                         : level == gearbox::LogLevel::kWarning ? "warning"
                                                                : "error";
      try {
        (*callback)(name, message);
      } catch (py::error_already_set& err) {
        errors->note("log", err);
      }
    };
  }
  return c;
}

std::string dtype_name(const py::handle& frame, const py::buffer_info& info) {
  if (py::hasattr(frame, "dtype")) return py::str(frame.attr("dtype")).cast<std::string>();
  return "buffer format '" + info.format + "' of " + std::to_string(info.itemsize) + " bytes";
}

// A view of `frame` (numpy uint8, (H,W) gray, (H,W,1) gray, (H,W,3) BGR/RGB, (H,W,4) BGRA/RGBA)
// as gearbox reads it: in place, any positive row stride, pixels packed within a row. Returns
// false when the layout needs a contiguous copy (pixels not packed, negative strides).
bool frame_view(const py::handle& frame,
                const py::buffer_info& info,
                bool rgb,
                gearbox::FrameView& view) {
  if (info.itemsize != 1 || (info.format != "B" && info.format != "=B" && info.format != "<B" &&
                             info.format != ">B" && info.format != "|B")) {
    raise_value_error("frame: dtype " + dtype_name(frame, info) +
                      " is not uint8 (convert it, e.g. frame.astype(numpy.uint8))");
  }
  if (info.ndim != 2 && info.ndim != 3) {
    raise_value_error("frame: " + std::to_string(info.ndim) +
                      " dimensions; gearbox takes (H, W) gray, (H, W, 3) BGR or RGB, "
                      "(H, W, 4) BGRA or RGBA");
  }
  const int64_t channels = info.ndim == 2 ? 1 : info.shape[2];
  if (channels != 1 && channels != 3 && channels != 4) {
    raise_value_error("frame: shape (" + std::to_string(info.shape[0]) + ", " +
                      std::to_string(info.shape[1]) + ", " + std::to_string(channels) +
                      "): " + std::to_string(channels) +
                      " channels; gearbox takes 1 (gray), 3 (BGR/RGB) or 4 (BGRA/RGBA)");
  }
  if (info.shape[0] <= 0 || info.shape[1] <= 0 || info.shape[0] > gearbox::kMaxFrameSide ||
      info.shape[1] > gearbox::kMaxFrameSide) {
    raise_value_error("frame: size " + std::to_string(info.shape[1]) + "x" +
                      std::to_string(info.shape[0]) + " is outside 1.." +
                      std::to_string(gearbox::kMaxFrameSide) + " a side");
  }
  if (channels == 1) {
    view.format = gearbox::PixelFormat::kGRAY8;
  } else if (channels == 3) {
    view.format = rgb ? gearbox::PixelFormat::kRGB24 : gearbox::PixelFormat::kBGR24;
  } else {
    view.format = rgb ? gearbox::PixelFormat::kRGBA : gearbox::PixelFormat::kBGRA;
  }
  view.width = static_cast<int>(info.shape[1]);
  view.height = static_cast<int>(info.shape[0]);
  const int64_t row = info.strides[0];
  const bool packed = info.strides[1] == channels && (info.ndim == 2 || info.strides[2] == 1);
  if (!packed || row < channels * info.shape[1] || row > INT32_MAX) return false;
  view.data[0] = static_cast<const uint8_t*>(info.ptr);
  view.stride[0] = static_cast<int>(row);
  return true;
}

class PyStreamer {
 public:
  explicit PyStreamer(const py::dict& cfg) : errors_(std::make_shared<CallbackErrors>()) {
    gearbox::StreamConfig config = make_config(cfg, errors_);
    gearbox::Result<std::unique_ptr<gearbox::Streamer>> opened{
        gearbox::Error{gearbox::ErrorCode::kInternal, "not opened"}};
    {
      py::gil_scoped_release nogil;
      opened = gearbox::Streamer::open(std::move(config));
    }
    if (!opened) raise(opened.error());
    streamer_ = std::move(opened.value());
  }
  ~PyStreamer() {
    // Closes as Streamer's destructor does, without the GIL: callbacks take it.
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(mutex_);
    streamer_.reset();
  }

  void push(const py::object& frame, const py::object& timestamp, bool rgb) {
    py::object source = frame;
    py::buffer_info info;
    try {
      info = py::reinterpret_borrow<py::buffer>(source).request();
    } catch (py::error_already_set&) {
      raise_value_error(std::string("frame: a ") + Py_TYPE(frame.ptr())->tp_name +
                        " is not an array (gearbox takes numpy uint8 arrays)");
    }
    gearbox::FrameView view;
    if (!frame_view(source, info, rgb, view)) {
      // Pixels not packed within rows (a channel or column slice) or negative strides: the one
      // case read through a contiguous copy.
      source = py::module_::import("numpy").attr("ascontiguousarray")(frame);
      info = py::reinterpret_borrow<py::buffer>(source).request();
      frame_view(source, info, rgb, view);
    }
    bool with_time = !timestamp.is_none();
    int64_t micros = 0;
    if (with_time) {
      const double seconds = timestamp.cast<double>();
      if (!std::isfinite(seconds)) raise_value_error("timestamp: not a finite number of seconds");
      micros = static_cast<int64_t>(std::llround(seconds * 1e6));
    }
    gearbox::Status status;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!streamer_) {
        status = gearbox::Error{gearbox::ErrorCode::kClosed, "push: the stream is closed"};
      } else {
        status = with_time ? streamer_->push(view, micros, {1, 1000000}) : streamer_->push(view);
      }
    }
    raise_callback_error();
    if (!status) raise(status.error());
  }

  void close(bool abort) {
    gearbox::Status status;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(mutex_);
      if (streamer_) status = abort ? streamer_->abort() : streamer_->close();
    }
    raise_callback_error();
    // abort() reports what it did as kClosed ("stopped without encoding the frames still
    // queued; the final manifests list ..."): the outcome asked for, not a failure.
    if (abort && !status && status.code() == gearbox::ErrorCode::kClosed) return;
    if (!status) raise(status.error());
  }

  py::dict stats() const {
    gearbox::StreamStats s;
    {
      py::gil_scoped_release nogil;
      s = streamer_->stats();
    }
    py::dict d;
    d["frames_pushed"] = s.frames_pushed;
    d["frames_rejected"] = s.frames_rejected;
    d["frames_dropped"] = s.frames_dropped;
    d["source_queue_depth"] = s.source_queue_depth;
    d["cpu_seconds_outside_encoders"] = s.cpu_seconds_outside_encoders;
    py::dict stages;
    stages["upload"] = s.stages.upload;
    stages["scale"] = s.stages.scale;
    stages["encode"] = s.stages.encode;
    stages["package"] = s.stages.package;
    d["stages"] = stages;
    py::list renditions;
    for (const auto& r : s.renditions) {
      py::dict rd;
      rd["id"] = r.id;
      rd["width"] = r.width;
      rd["height"] = r.height;
      rd["target_kbps"] = r.target_kbps;
      rd["frame_rate"] = r.frame_rate;
      rd["frames_encoded"] = r.frames_encoded;
      rd["bytes_written"] = r.bytes_written;
      rd["segments_written"] = r.segments_written;
      rd["encode_fps"] = r.encode_fps;
      rd["produced_bps"] = r.produced_bps;
      rd["queue_depth"] = r.queue_depth;
      rd["latency_ms_mean"] = r.latency_ms_mean;
      rd["latency_ms_p95"] = r.latency_ms_p95;
      rd["latency_ms_max"] = r.latency_ms_max;
      renditions.append(rd);
    }
    d["renditions"] = renditions;
    py::dict audio;
    audio["enabled"] = s.audio.enabled;
    audio["source"] = s.audio.source;
    audio["packets"] = s.audio.packets;
    audio["segments_written"] = s.audio.segments_written;
    audio["bytes_written"] = s.audio.bytes_written;
    audio["seconds_from_source"] = s.audio.seconds_from_source;
    audio["seconds_of_silence"] = s.audio.seconds_of_silence;
    audio["source_ended"] = s.audio.source_ended;
    audio["source_error"] = s.audio.source_error;
    d["audio"] = audio;
    return d;
  }

  py::dict outputs() const {
    const gearbox::OutputPaths& o = streamer_->outputs();
    py::dict d;
    d["directory"] = o.directory;
    d["dash_manifest"] = o.dash_manifest;
    d["hls_master"] = o.hls_master;
    d["upload_url"] = o.upload_url;
    return d;
  }
  std::string backend() const { return streamer_->backend_name(); }
  std::vector<std::string> passed_over() const { return streamer_->backends_passed_over(); }

 private:
  void raise_callback_error() {
    std::string e = errors_->take();
    if (!e.empty()) {
      raise(gearbox::Error{gearbox::ErrorCode::kInternal, e});
    }
  }

  std::shared_ptr<CallbackErrors> errors_;
  std::mutex mutex_;  // push and close from different Python threads, one at a time
  std::unique_ptr<gearbox::Streamer> streamer_;
};

py::list probe() {
  std::vector<gearbox::BackendInfo> infos;
  {
    py::gil_scoped_release nogil;
    for (auto& backend : gearbox::all_backends()) infos.push_back(backend->probe());
  }
  py::list out;
  for (const auto& info : infos) {
    py::dict d;
    d["name"] = info.name;
    d["available"] = info.available;
    d["reason"] = info.reason;
    d["simulated"] = info.simulated;
    if (info.available) {
      std::vector<std::string> codecs;
      for (auto c : info.caps.codecs) codecs.emplace_back(gearbox::to_string(c));
      d["codecs"] = codecs;
      d["max_size"] = py::make_tuple(info.caps.max_size.width, info.caps.max_size.height);
      d["max_sessions"] = info.caps.max_sessions;
    }
    out.append(d);
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_gearbox, m) {
  m.doc() = "gearbox's native binding; use the gearbox package (gearbox.Streamer, gearbox.probe)";
  gearbox_error_type() = py::reinterpret_steal<py::object>(
      PyErr_NewException("gearbox.GearboxError", PyExc_RuntimeError, nullptr));
  m.attr("GearboxError") = gearbox_error_type();
  py::class_<PyStreamer>(m, "_Streamer")
      .def(py::init<const py::dict&>(), py::arg("config"))
      .def("push", &PyStreamer::push, py::arg("frame"), py::arg("timestamp") = py::none(),
           py::arg("rgb") = false)
      .def("close", &PyStreamer::close, py::arg("abort") = false)
      .def("stats", &PyStreamer::stats)
      .def("outputs", &PyStreamer::outputs)
      .def("backend", &PyStreamer::backend)
      .def("passed_over", &PyStreamer::passed_over);
  m.def("probe", &probe);
  m.def("parse_frame_rate", [](const std::string& text) {
    gearbox::Rational r = take(gearbox::parse_frame_rate(text), "frame rate");
    return py::make_tuple(r.num, r.den);
  });
  m.def("parse_bitrate_kbps",
        [](const std::string& text) { return take(gearbox::parse_bitrate_kbps(text), "bitrate"); });
  m.def("parse_size", [](const std::string& text) {
    auto s = take(gearbox::parse_size(text), "resolution");
    return py::make_tuple(s.first, s.second);
  });
}
