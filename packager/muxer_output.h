// The pieces both segmenters need around a libavformat muxer: a stream described from a
// TrackDescription, and an output whose bytes go to whichever segment file is open, so the
// muxer itself never knows about files and segments are cut exactly where gearbox says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "atomic_file.h"
#include "gearbox/error.h"
#include "track.h"

struct AVFormatContext;
struct AVIOContext;

namespace gearbox::packager {

// An error naming the libav call and libav's own text for `code`.
Error av_failure(const std::string& call, int code);

// Adds the track's one stream to `mux`: codec, size or sample format, extradata, colour tags,
// and a time base of the track's timescale (a muxer may change it on write_header).
Status add_track_stream(AVFormatContext* mux, const TrackDescription& track);

class MuxerFileOutput {
 public:
  MuxerFileOutput() = default;
  MuxerFileOutput(const MuxerFileOutput&) = delete;
  MuxerFileOutput& operator=(const MuxerFileOutput&) = delete;
  ~MuxerFileOutput();

  // Gives `mux` this output (custom I/O). Bytes produced while no file is open are dropped.
  Status attach(AVFormatContext* mux);
  // Later bytes go to PATH.tmp.
  Status open(const std::string& path);
  bool is_open() const { return file_.has_value(); }
  // Pushes the bytes the muxer buffered into the file; the first failure, naming `what`.
  Status flush(const std::string& what);
  // Flushes and renames the file to its final name; returns its size in bytes.
  Result<int64_t> commit(const std::string& what);
  // Drops the open file (its .tmp is removed).
  void abandon() { file_.reset(); }
  // The first failure of a file this output wrote: from then on the muxer's bytes are lost
  // (libavformat's write error is sticky), so the partial file was removed at once, releasing
  // its space (a full disk needs it for the final manifests), and open() refuses with it.
  bool failed() const { return !failure_.ok(); }
  // The muxer's own error `rc` from `call`, or the file failure behind it, which names the file
  // and the errno text where libavformat's would only say "Input/output error".
  Error muxer_failure(const std::string& call, int rc) const {
    return failed() ? failure_.error() : av_failure(call, rc);
  }

 private:
  static int on_bytes(void* opaque, uint8_t* data, int size);
  AVIOContext* io_ = nullptr;
  std::optional<AtomicFileWriter> file_;
  Status status_;         // the first write failure inside on_bytes since open()
  Status failure_;        // the first failure of any file: permanent
  Status fail(Status s);  // records `s` as the failure and drops the open file; returns it
};

}  // namespace gearbox::packager
