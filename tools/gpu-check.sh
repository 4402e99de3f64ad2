#!/usr/bin/env bash
# GPU check: trains the benchmark step on a GPU through TensorFlow.js's WebGPU backend over Dawn (the `webgpu`
# npm package's prebuilt dawn.node; both are devDependencies, so `npm ci` installs them without scripts), compares
# the losses with the CPU path and prints step times. Needs no internet: run it from the repo root of a working
# tree that has node_modules. Without a GPU adapter it reports that and exits 0 (a dry run). Bounded to 7 minutes.
#
#   tools/gpu-check.sh                  # the check
#   tools/gpu-check.sh --fetch-loaders  # once, on a machine that reaches Debian's archive: download the Vulkan /
#                                       # EGL loader packages into .gl/ (git-ignored) for a GPU machine that lacks them
set -uo pipefail
cd "$(dirname "$0")/.."

GL_PACKAGES="libvulkan1 libegl1 libglvnd0 libopengl0 libgles2"
if [ "${1:-}" = "--fetch-loaders" ]; then
  mkdir -p .gl
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo '/.gl/' >>"$(git rev-parse --git-path info/exclude)"
  (cd .gl && apt-get download $GL_PACKAGES) || { echo "gpu-check: apt-get download failed"; exit 1; }
  ls -la .gl
  exit 0
fi
if [ $# -gt 0 ]; then
  echo "gpu-check: unknown argument \"$1\"; use no argument, or --fetch-loaders" >&2
  exit 2
fi

echo "gpu-check: $(date -u +%FT%TZ) on $(hostname), $(nproc) cores; $(uptime | sed 's/.*load/load/')"
if command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';')"
else
  echo "gpu-check: nvidia-smi not found"
fi
[ -d node_modules/webgpu ] || echo "gpu-check: node_modules/webgpu is missing (run npm ci where the registry is reachable)"

# The Vulkan / EGL loaders: Dawn dlopens libvulkan.so.1 (and libEGL.so.1 for OpenGL ES). When the system has
# none, use the packages in .gl/ (see --fetch-loaders), unpacked into a private folder, never into /.
if ! ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' >/dev/null; then
  if ls .gl/*.deb >/dev/null 2>&1; then
    gl=$(mktemp -d /tmp/equiscale-gl.XXXXXX)
    for f in .gl/*.deb; do dpkg -x "$f" "$gl"; done
    export LD_LIBRARY_PATH="$gl/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "gpu-check: libvulkan.so.1 not installed; using the loaders from .gl/ ($gl)"
  else
    echo "gpu-check: libvulkan.so.1 not installed and no .gl/ loaders (tools/gpu-check.sh --fetch-loaders prepares them)"
  fi
fi
# NVIDIA's container runtime puts the ICD / EGL vendor files here rather than in /usr/share.
nv=/usr/local/nvidia/share
if [ -f "$nv/vulkan/icd.d/nvidia_icd.json" ] && [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES="$nv/vulkan/icd.d/nvidia_icd.json"
  echo "gpu-check: VK_DRIVER_FILES=$VK_DRIVER_FILES"
fi
if [ -f "$nv/glvnd/egl_vendor.d/10_nvidia.json" ] && [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES="$nv/glvnd/egl_vendor.d/10_nvidia.json"
fi

timeout --kill-after=10 420 node --import tsx tools/gpu-check.mjs
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then echo "gpu-check: stopped at its 7-minute limit"; fi
exit $rc
