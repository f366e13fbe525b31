#!/bin/sh
# Runs a command on a SIMULATED accelerator built in the build folder: the simulated VA driver
# (backends/vaapi/simulation/), the simulated oneVPL runtime (backends/qsv/simulation/) or the
# simulated NVIDIA runtime (backends/nvenc/simulation/).
set -eu

usage() {
  cat <<'TEXT'
usage: tools/simulated.sh vaapi|qsv|nvenc <command> [args...]

Runs <command> with the environment that makes it use a SIMULATED accelerator from the build
folder ($GEARBOX_BUILD_DIR, default build/ at the repository root). Nothing else changes.

  vaapi   the simulated VA driver (gearbox_sim_drv_video.so, libx264 behind VA-API):
            LD_PRELOAD=<build>/vaapi-simulation/libgearbox_vaapi_drm_shim.so (libva accepts the
            fake render node <build>/vaapi-simulation/dri/renderD128, a regular file),
            LIBVA_DRIVER_NAME=gearbox_sim, LIBVA_DRIVERS_PATH=<build>/vaapi-simulation.
            Open the fake node as the VA device.
  qsv     the simulated oneVPL runtime (libvplgearbox_sim.so.1, libx264 behind oneVPL) on the
            simulated VA driver: vaapi's environment (the backend opens a VA display on the
            render node first) and ONEVPL_SEARCH_PATH=<build>/qsv-simulation, where Debian's
            dispatcher (libvpl) finds the runtime.
  nvenc   the simulated NVIDIA runtime (libcuda.so.1, libnvidia-encode.so.1):
            GEARBOX_NVENC_RUNTIME_DIR=<build>/nvidia-simulation.

The simulations read GEARBOX_SIM_VAAPI_FAIL / GEARBOX_SIM_VAAPI_STRICT,
GEARBOX_SIM_QSV_FAIL / GEARBOX_SIM_QSV_STRICT and GEARBOX_SIM_NVIDIA_FAIL /
GEARBOX_SIM_NVIDIA_STRICT from the environment you give them.
Example: tools/simulated.sh vaapi vainfo --display drm --device build/vaapi-simulation/dri/renderD128
TEXT
}

if [ $# -ge 1 ] && { [ "$1" = "--help" ] || [ "$1" = "-h" ]; }; then
  usage
  exit 0
fi
if [ $# -lt 2 ]; then
  usage >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
build=${GEARBOX_BUILD_DIR:-$root/build}
if [ ! -d "$build" ]; then
  echo "simulated.sh: no build folder $build (configure and build first, or set GEARBOX_BUILD_DIR)" >&2
  exit 2
fi
build=$(cd "$build" && pwd)
which=$1
shift

case "$which" in
  vaapi | qsv)
    folder=$build/vaapi-simulation
    for file in gearbox_sim_drv_video.so libgearbox_vaapi_drm_shim.so; do
      if [ ! -f "$folder/$file" ]; then
        echo "simulated.sh: $folder/$file is not built (cmake --build $build --target gearbox_vaapi_simulated_driver gearbox_vaapi_drm_shim)" >&2
        exit 2
      fi
    done
    mkdir -p "$folder/dri"
    [ -e "$folder/dri/renderD128" ] || : >"$folder/dri/renderD128"
    export LD_PRELOAD="$folder/libgearbox_vaapi_drm_shim.so${LD_PRELOAD:+:$LD_PRELOAD}"
    # A command built with AddressSanitizer refuses to start when a preloaded library comes
    # before its runtime; the shim allocates nothing before main, so that check is waived.
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    export LIBVA_DRIVER_NAME=gearbox_sim
    export LIBVA_DRIVERS_PATH="$folder"
    if [ "$which" = qsv ]; then
      folder=$build/qsv-simulation
      if [ ! -f "$folder/libvplgearbox_sim.so.1" ]; then
        echo "simulated.sh: $folder/libvplgearbox_sim.so.1 is not built (cmake --build $build --target gearbox_qsv_simulated_runtime)" >&2
        exit 2
      fi
      export ONEVPL_SEARCH_PATH="$folder${ONEVPL_SEARCH_PATH:+:$ONEVPL_SEARCH_PATH}"
    fi
    ;;
  nvenc)
    folder=$build/nvidia-simulation
    for file in libcuda.so.1 libnvidia-encode.so.1; do
      if [ ! -e "$folder/$file" ]; then
        echo "simulated.sh: $folder/$file is not built (cmake --build $build --target gearbox_simulated_cuda gearbox_simulated_nvenc)" >&2
        exit 2
      fi
    done
    export GEARBOX_NVENC_RUNTIME_DIR="$folder"
    ;;
  *)
    echo "simulated.sh: '$which' is none of vaapi, qsv, nvenc" >&2
    usage >&2
    exit 2
    ;;
esac
exec "$@"
