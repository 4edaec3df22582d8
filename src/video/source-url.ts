/**
 * Classifies a source URL into the kinds ffmpeg is driven differently for, and redacts
 * credentials so URLs can go into logs and error messages.
 */
import { fileURLToPath } from 'node:url';

/** How ffmpeg has to open a source. */
export type SourceKind = 'rtsp' | 'http' | 'file' | 'v4l2' | 'lavfi' | 'other';

/** A source URL taken apart for argument building. */
export interface ParsedSource {
  kind: SourceKind;
  /** What goes after `-i` (file path without `file://`, lavfi graph without `lavfi:`). */
  input: string;
  /** True for sources that produce frames in real time (network, devices, test patterns). */
  liveByDefault: boolean;
}

/**
 * Splits `url` into its kind and ffmpeg input. Unknown `scheme://` URLs (rtmp, srt, udp ...)
 * are handed to ffmpeg as they are and treated as live network sources.
 */
export function parseSourceUrl(url: string): ParsedSource {
  const lower = url.toLowerCase();
  if (lower.startsWith('rtsp://') || lower.startsWith('rtsps://')) {
    return { kind: 'rtsp', input: url, liveByDefault: true };
  }
  if (lower.startsWith('http://') || lower.startsWith('https://')) {
    // A plain HTTP(S) URL of an .mp4 is still a finite file, but ffmpeg cannot tell us up front;
    // HLS and MJPEG cameras are the common case, so HTTP is live unless the caller says not.
    return { kind: 'http', input: url, liveByDefault: true };
  }
  if (lower.startsWith('lavfi:')) {
    return { kind: 'lavfi', input: url.slice('lavfi:'.length), liveByDefault: true };
  }
  if (lower.startsWith('file://')) {
    return { kind: 'file', input: fileURLToPath(url), liveByDefault: false };
  }
  if (/^\/dev\/video\d+$/.test(url)) {
    return { kind: 'v4l2', input: url, liveByDefault: true };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { kind: 'other', input: url, liveByDefault: true };
  }
  return { kind: 'file', input: url, liveByDefault: false };
}

/** `url` with any password replaced by `***` (`rtsp://admin:***@cam/stream`). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/i, '$1:***@');
}
