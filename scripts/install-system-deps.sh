#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use: ffmpeg (decoding), python3-torch,
# torchvision, onnx and opencv (reference outputs and peer benchmarks only, never at run time),
# Chromium (viewer test), GStreamer's RTSP server with python3-gi (RTSP end-to-end test) and
# mosquitto (MQTT event sink test). Skips what is already there; needs root for apt-get.
set -euo pipefail

pkgs=(ffmpeg python3-torch python3-torchvision python3-onnx python3-opencv python3-numpy
  chromium python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav mosquitto)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system packages missing (${missing[*]}); run this script as root to install them" >&2
  exit 0
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
