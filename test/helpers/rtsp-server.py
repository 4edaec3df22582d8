#!/usr/bin/python3
"""A real RTSP server for tests: serves one video file, looped, at rtsp://HOST:PORT/NAME over
TCP and UDP, with Debian's gst-rtsp-server (python3-gi + gir1.2-gst-rtsp-server-1.0).

Two GStreamer pipelines meet through an inter-video channel:
  feeder:  filesrc ! decodebin ! ... ! intervideosink   (seeks back to 0 at EOS: the loop)
  served:  intervideosrc ! x264enc (short GOP, zerolatency) ! rtph264pay   (one per RTSP media)
so looping never disturbs the RTSP session and every client starts within one keyframe interval.

Prints "READY <port>" on stdout once it listens. Stop it with SIGTERM/SIGINT (or SIGKILL to
simulate a crash).
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--file", required=True, help="video file to serve (looped)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", default="test", help="mount point: rtsp://host:port/NAME")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--width", type=int, default=320)
    p.add_argument("--height", type=int, default=240)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--gop", type=int, default=15, help="keyframe interval in frames")
    a = p.parse_args()

    Gst.init(None)
    channel = f"ssds-{a.port}-{a.name}"
    raw_caps = f"video/x-raw,format=I420,width={a.width},height={a.height},framerate={a.fps}/1"

    feeder = Gst.parse_launch(
        f'filesrc location="{a.file}" ! decodebin ! videoconvert ! videoscale ! videorate '
        f"! {raw_caps} ! intervideosink channel={channel}"
    )
    loop = GLib.MainLoop()

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            # The loop: back to the start; intervideosrc keeps the RTSP side running meanwhile.
            feeder.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print(f"feeder error: {err.message} ({dbg})", file=sys.stderr, flush=True)
            loop.quit()
        return True

    bus = feeder.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    feeder.set_state(Gst.State.PLAYING)

    server = GstRtspServer.RTSPServer()
    server.set_address(a.host)
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( intervideosrc channel={channel} ! {raw_caps} ! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={a.gop} bitrate=1000 "
        f"! video/x-h264,profile=constrained-baseline "
        f"! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    # One encoder for all clients; a restarted client joins the running stream.
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
    server.get_mount_points().add_factory(f"/{a.name}", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on {a.host}:{a.port}", file=sys.stderr, flush=True)
        return 1

    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY {a.port}", flush=True)
    loop.run()
    feeder.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
