#!/usr/bin/env bash
# gearbox as a user installs it (README.md, "Use the library"), from a built tree:
#   - `cmake --install` into a temporary prefix: what is there (and what is not), `gearbox
#     --version`, `gearbox serve` finding the installed player page from its executable;
#   - examples/ladder built out of tree against that prefix twice, with find_package(gearbox)
#     and with pkg-config, run, and its DASH + HLS output checked (renditions, sizes, frame
#     counts with ffprobe, segment durations, every listed file present);
#   - the CMake package's version rule (0.2 found, 0.1 and 0.3 refused);
#   - for a shared library: its SONAME and that only the public API is exported;
#   - the .deb (cpack -G DEB): its fields, Depends computed by dpkg-shlibdeps, its contents, and
#     the example built with pkg-config against the package's files unpacked (dpkg -x).
# tools/test.sh runs it on build/; `tools/package_test.sh build-shared` checks a shared build.
set -uo pipefail
cd "$(dirname "$0")/.."
src="$PWD"
build="$(cd "${1:-build}" && pwd)" || exit 1
work="$(mktemp -d)"
trap 'kill "${serve_pid:-}" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
step() { echo "== $*"; }
# The version from the project's one place (the top-level project(), cached by CMake).
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
[ -n "$version" ] || { echo "FAIL: no CMAKE_PROJECT_VERSION in $build/CMakeCache.txt" >&2; exit 1; }
minor="${version%.*}"
seconds=3 # of frames the example pushes: 90 frames at 30 fps, 1 s segments

step "install $build into a temporary prefix"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install (see above)"
shared=0
[ -e "$prefix/lib/libgearbox.so" ] && shared=1
libfile="$prefix/lib/libgearbox.a"
[ $shared = 1 ] && libfile="$prefix/lib/libgearbox.so.$version"
for f in bin/gearbox include/gearbox/streamer.h include/gearbox/backend.h include/gearbox/config.h \
  include/gearbox/error.h include/gearbox/export.h include/gearbox/version.h \
  lib/cmake/gearbox/gearboxConfig.cmake lib/cmake/gearbox/gearboxConfigVersion.cmake \
  lib/cmake/gearbox/gearboxTargets.cmake lib/pkgconfig/gearbox.pc share/gearbox/player/index.html \
  share/gearbox/player/player.js "${libfile#"$prefix/"}"; do
  [ -f "$prefix/$f" ] || fail "installed: $f missing"
done
# Only the public headers: the rooms' own (packager, audio, backends, engine/src) stay inside.
for f in packager.h fmp4_segmenter.h audio_pipeline.h x264_backend.h registered_backend.h; do
  [ ! -e "$prefix/include/gearbox/$f" ] || fail "installed: internal header $f"
done
[ "$(find "$prefix/include" -name '*.h' | wc -l)" -ge 18 ] || fail "installed: fewer headers than expected"
out="$("$prefix/bin/gearbox" --version)" || fail "gearbox --version exited non-zero"
[ "$out" = "gearbox $version" ] || fail "gearbox --version: '$out', expected 'gearbox $version'"
grep -q "#define GEARBOX_VERSION \"$version\"" "$prefix/include/gearbox/version.h" ||
  fail "version.h does not say $version"

step "gearbox serve finds the player page under share/gearbox beside its bin/"
player="$prefix/share/gearbox/player"
# Without npm's players (tools/setup.sh) the page is incomplete: stand-ins make it complete, so
# that the installed folder (the only one there is) must be the one served.
for f in dash.all.min.js hls.min.js; do
  [ -f "$player/$f" ] || echo "// stand-in" >"$player/$f"
done
mkdir -p "$work/served"
"$prefix/bin/gearbox" serve "$work/served" --port 0 >"$work/serve.out" 2>&1 &
serve_pid=$!
url=""
for _ in $(seq 50); do
  url="$(sed -n 's/^serving .* at \(http:[^ ]*\)$/\1/p' "$work/serve.out")"
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  fail "gearbox serve printed no address: $(cat "$work/serve.out")"
else
  curl -sf "${url%/}/player/index.html" -o "$work/index.html" || fail "GET /player/index.html failed"
  cmp -s "$work/index.html" "$src/tools/player/index.html" || fail "/player/index.html is not the page"
  grep -q "watch: ${url%/}/player/" "$work/serve.out" || fail "serve: no watch address: $(cat "$work/serve.out")"
fi
kill "$serve_pid" 2>/dev/null
wait "$serve_pid" 2>/dev/null

# check_ladder DIR LOG: the example's output and summary.
check_ladder() {
  local dir="$1" log="$2"
  [ "$(grep -c '^rendition v[0-9]' "$log")" = 3 ] || fail "$dir: summary does not list 3 renditions"
  grep -q "^gearbox $version (headers $version), backend x264$" "$log" || fail "$dir: summary's first line"
  python3 - "$dir" "$seconds" <<'PY' || fail "$dir: manifests (above)"
import os, sys, xml.etree.ElementTree as ET
d, seconds = sys.argv[1], int(sys.argv[2])
errors = []
ns = {"m": "urn:mpeg:dash:schema:mpd:2011"}
mpd = ET.parse(os.path.join(d, "manifest.mpd")).getroot()
reps = mpd.findall(".//m:AdaptationSet/m:Representation", ns)
sizes = sorted((int(r.get("width")), int(r.get("height"))) for r in reps)
if sizes != [(320, 180), (426, 240), (640, 360)]:
    errors.append(f"MPD representations {sizes}")
for tl in mpd.iter("{urn:mpeg:dash:schema:mpd:2011}SegmentTemplate"):
    scale = int(tl.get("timescale", "1"))
    total = sum(int(s.get("d")) * (int(s.get("r", "0")) + 1) for s in tl.iter("{urn:mpeg:dash:schema:mpd:2011}S"))
    if abs(total / scale - seconds) > 1e-3:
        errors.append(f"MPD timeline sums to {total / scale} s, not {seconds}")
master = open(os.path.join(d, "master.m3u8")).read().splitlines()
media = [master[i + 1] for i, l in enumerate(master) if l.startswith("#EXT-X-STREAM-INF")]
if len(media) != 3:
    errors.append(f"master.m3u8 lists {len(media)} renditions")
for m in media:
    lines = open(os.path.join(d, m)).read().splitlines()
    total = sum(float(l[8:].split(",")[0]) for l in lines if l.startswith("#EXTINF:"))
    if abs(total - seconds) > 1e-3:
        errors.append(f"{m}: EXTINF sums to {total} s")
    files = [l for l in lines if l and not l.startswith("#")]
    files += [l.split('URI="')[1].split('"')[0] for l in lines if l.startswith("#EXT-X-MAP")]
    if len(files) != seconds + 1:
        errors.append(f"{m}: {len(files)} files listed, expected {seconds} segments and an init")
    for f in files:
        if not os.path.getsize(os.path.join(d, f)):
            errors.append(f"{m}: {f} is empty")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY
  local v w h frames
  for v in 0:640:360 1:426:240 2:320:180; do
    IFS=: read -r i w h <<<"$v"
    frames="$(ffprobe -v error -count_frames -select_streams v:0 \
      -show_entries stream=width,height,nb_read_frames -of csv=p=0 "$dir/v$i.m3u8" 2>&1 | head -n 1)"
    [ "$frames" = "$w,$h,$((seconds * 30))" ] ||
      fail "$dir/v$i.m3u8: ffprobe says '$frames', expected $w,$h,$((seconds * 30))"
  done
}

step "examples/ladder with find_package(gearbox $minor)"
if cmake -S "$src/examples/ladder" -B "$work/ladder-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 &&
  cmake --build "$work/ladder-cmake" >>"$work/cmake.log" 2>&1; then
  if "$work/ladder-cmake/gearbox_ladder" "$work/out-cmake" "$seconds" >"$work/cmake.out" 2>&1; then
    cat "$work/cmake.out"
    check_ladder "$work/out-cmake" "$work/cmake.out"
  else
    fail "gearbox_ladder (find_package) failed: $(cat "$work/cmake.out")"
  fi
else
  fail "examples/ladder with CMake: $(tail -20 "$work/cmake.log")"
fi

step "examples/ladder with pkg-config (make)"
mkdir -p "$work/ladder-pc"
if PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -s -C "$src/examples/ladder" BUILD="$work/ladder-pc" \
  >"$work/make.log" 2>&1; then
  # pkg-config gives no run path: a shared libgearbox outside the loader's folders needs one.
  if LD_LIBRARY_PATH="$prefix/lib" "$work/ladder-pc/gearbox_ladder" "$work/out-pc" "$seconds" \
    >"$work/pc.out" 2>&1; then
    check_ladder "$work/out-pc" "$work/pc.out"
  else
    fail "gearbox_ladder (pkg-config) failed: $(cat "$work/pc.out")"
  fi
else
  fail "examples/ladder with make: $(tail -20 "$work/make.log")"
fi
# The example refuses a wrong command line.
LD_LIBRARY_PATH="$prefix/lib" "$work/ladder-pc/gearbox_ladder" >/dev/null 2>&1
[ $? = 2 ] || fail "gearbox_ladder without arguments: expected exit 2"

step "the CMake package's version rule (SameMinorVersion)"
want_version() {  # VERSION expected(found|refused)
  mkdir -p "$work/v$1"
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(v LANGUAGES CXX)\nfind_package(gearbox %s REQUIRED)\n' \
    "$1" >"$work/v$1/CMakeLists.txt"
  if cmake -S "$work/v$1" -B "$work/v$1/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
    [ "$2" = found ] || fail "find_package(gearbox $1) accepted $version"
  else
    [ "$2" = refused ] || fail "find_package(gearbox $1) refused $version"
  fi
}
want_version "$minor" found
want_version "$version" found
want_version "${version%%.*}.$((${minor#*.} + 1))" refused
[ "${minor#*.}" -gt 0 ] && want_version "${version%%.*}.$((${minor#*.} - 1))" refused

if [ $shared = 1 ]; then
  step "shared library: SONAME and exported symbols"
  soname="$(readelf -d "$libfile" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
  [ "$soname" = "libgearbox.so.${version%%.*}" ] || fail "SONAME '$soname'"
  nm -D --defined-only "$libfile" | c++filt >"$work/exported.txt"
  for sym in 'gearbox::Streamer::open(' 'gearbox::Streamer::push(' 'gearbox::version()' \
    'gearbox::validate(gearbox::StreamConfig const&)' 'gearbox::parse_rendition('; do
    grep -qF "$sym" "$work/exported.txt" || fail "not exported: $sym"
  done
  # The rooms' insides are hidden: the packager, audio, backends and the engine's own classes.
  for sym in 'gearbox::Packager' 'gearbox::X264' 'gearbox::make_x264_backend' 'gearbox::Streamer::Impl::' \
    'gearbox::AudioPipeline' 'h264::'; do
    ! grep -qF "$sym" "$work/exported.txt" || fail "exported but internal: $(grep -F "$sym" "$work/exported.txt" | head -3)"
  done
  # Every exported name of gearbox's own is declared in an installed header (the rest are the
  # C++ library's template instances, which libstdc++ gives default visibility).
  sed -n 's/^[0-9a-f]* [A-Za-z] \(typeinfo name for \|typeinfo for \|vtable for \)\{0,1\}gearbox::\([A-Za-z_0-9]*\).*/\2/p' \
    "$work/exported.txt" | sort -u >"$work/exported_names.txt"
  [ -s "$work/exported_names.txt" ] || fail "no gearbox:: symbol exported"
  while read -r name; do
    grep -rqw -- "$name" "$prefix/include/gearbox" || fail "exported gearbox::$name is in no public header"
  done <"$work/exported_names.txt"
  echo "exported: $(wc -l <"$work/exported.txt") symbols, $(wc -l <"$work/exported_names.txt") gearbox names"
fi

step "the Debian package (cpack -G DEB)"
deb="$work/deb/gearbox_${version}_amd64.deb"
if (cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) && [ -f "$deb" ]; then
  dpkg-deb -I "$deb" >"$work/deb.info"
  dpkg-deb -c "$deb" >"$work/deb.contents"
  grep -q '^ Package: gearbox$' "$work/deb.info" || fail "deb: Package"
  grep -q "^ Version: $version$" "$work/deb.info" || fail "deb: Version"
  grep -q '^ Architecture: amd64$' "$work/deb.info" || fail "deb: Architecture"
  # dpkg-shlibdeps' Depends: the C library and the libraries the binaries link.
  depends="$(sed -n 's/^ Depends: //p' "$work/deb.info")"
  for lib in libc6 libavformat libx264 libcpp-httplib; do
    case "$depends" in *"$lib"*) ;; *) fail "deb: Depends lacks $lib: $depends" ;; esac
  done
  for f in ./usr/bin/gearbox "./usr/lib/${libfile##*/}" ./usr/include/gearbox/streamer.h \
    ./usr/include/gearbox/version.h ./usr/lib/cmake/gearbox/gearboxConfig.cmake \
    ./usr/lib/cmake/gearbox/gearboxConfigVersion.cmake ./usr/lib/pkgconfig/gearbox.pc \
    ./usr/share/gearbox/player/index.html; do
    grep -q " $f\( \|$\)" "$work/deb.contents" || fail "deb: $f missing"
  done
  # Unpacked anywhere (not installed): its CLI runs, and its pkg-config file is relocatable.
  dpkg -x "$deb" "$work/unpacked"
  # The Python module, when the build has it (python/): in Debian's dist-packages, Depends on
  # the interpreter and numpy, and a stream runs from the unpacked files alone.
  if compgen -G "$build/python/gearbox/_gearbox*.so" >/dev/null; then
    site="$work/unpacked/usr/lib/python3/dist-packages"
    for f in __init__.py streamgear.py _gearbox.pyi; do
      [ -f "$site/gearbox/$f" ] || fail "deb: python3/dist-packages/gearbox/$f missing"
    done
    compgen -G "$site/gearbox/_gearbox*.so" >/dev/null || fail "deb: the Python extension missing"
    case "$depends" in *python3-numpy*) ;; *) fail "deb: Depends lacks python3-numpy: $depends" ;; esac
    # The interpreter the module was built for (a python3 earlier on PATH may be another one).
    py="$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt")"
    (cd "$work" && PYTHONPATH="$site" "${py:-python3}" -c "import os, numpy, gearbox
assert gearbox.__file__.startswith('$site'), gearbox.__file__
s = gearbox.StreamGear(output='$work/py-deb.mpd')
for i in range(30): s.stream(numpy.full((72, 128, 3), i, numpy.uint8))
s.close()
assert os.path.isfile('$work/py-deb.mpd')") >"$work/py-deb.out" 2>&1 ||
      fail "the deb's Python module: $(cat "$work/py-deb.out")"
  fi
  out="$("$work/unpacked/usr/bin/gearbox" --version 2>&1)"
  [ "$out" = "gearbox $version" ] || fail "deb's gearbox --version: $out"
  mkdir -p "$work/ladder-deb"
  if PKG_CONFIG_PATH="$work/unpacked/usr/lib/pkgconfig" LD_LIBRARY_PATH="$work/unpacked/usr/lib" \
    make -s -C "$src/examples/ladder" BUILD="$work/ladder-deb" >"$work/make-deb.log" 2>&1; then
    LD_LIBRARY_PATH="$work/unpacked/usr/lib" "$work/ladder-deb/gearbox_ladder" "$work/out-deb" 1 \
      >"$work/deb.out" 2>&1 || fail "gearbox_ladder on the deb's files: $(cat "$work/deb.out")"
  else
    fail "examples/ladder against the deb's files: $(tail -20 "$work/make-deb.log")"
  fi
  echo "$(basename "$deb"): $(stat -c %s "$deb") bytes, installs $(sed -n 's/^ Installed-Size: //p' \
    "$work/deb.info") KiB in $(grep -vc '/$' "$work/deb.contents") files"
  echo "Depends: $depends"
else
  fail "cpack -G DEB: $(tail -20 "$work/cpack.log")"
fi

if [ $failures -ne 0 ]; then
  echo "package_test: $failures failure(s)"
  exit 1
fi
echo "package_test: all checks passed"
