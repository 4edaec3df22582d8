/**
 * The WebSocket protocol of `/ws` (documented in docs/websocket.md): message types both ways,
 * the client-message validator, and the binary frame codec. Pure code with no Node imports,
 * because the browser viewer (src/web) bundles this file too — one definition for both ends.
 */
import type { FrameResult, PipelineEvent, StreamInfo, StreamState } from '../pipeline/runtime-api.js';

/** Bumped when a message changes incompatibly; sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** What a client receives: which streams (null = all) and whether JPEG frames are wanted. */
export interface Subscription {
  streams: string[] | null;
  frames: boolean;
}

/** Client → server: replace the subscription. Omitted fields keep their current value. */
export interface SubscribeMessage {
  type: 'subscribe';
  /** Stream ids; `null` means every stream (also those added later); `[]` means none. */
  streams?: string[] | null;
  frames?: boolean;
}

/** Client → server: liveness check, answered by `pong`. */
export interface PingMessage {
  type: 'ping';
  id?: string | number;
}

/** Every message a client may send. */
export type ClientMessage = SubscribeMessage | PingMessage;

/** Server → client, first message after the upgrade. */
export interface HelloMessage {
  type: 'hello';
  protocol: number;
  subscription: Subscription;
  streams: StreamInfo[];
}

/** Server → client: detections of one frame (`FrameResult` plus the type tag). */
export interface DetectionsMessage extends FrameResult {
  type: 'detections';
}

/** Server → client: a pipeline event; nested because events carry their own `type`. */
export interface EventMessage {
  type: 'event';
  event: PipelineEvent;
}

/** Server → client: a subscribed stream changed state. */
export interface StateMessage {
  type: 'state';
  stream: string;
  state: StreamState;
  lastError?: string;
}

/** Server → client: the stream list (sent when it changes and every few seconds for stats). */
export interface StreamsMessage {
  type: 'streams';
  streams: StreamInfo[];
}

/** Server → client: acknowledges a `subscribe` with the resulting subscription. */
export interface SubscribedMessage extends Subscription {
  type: 'subscribed';
}

/** Server → client: answer to `ping`. */
export interface PongMessage {
  type: 'pong';
  id?: string | number;
}

/** Server → client: a client message was rejected; the connection stays open. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

/** Every JSON message the server sends. */
export type ServerMessage =
  | HelloMessage
  | DetectionsMessage
  | EventMessage
  | StateMessage
  | StreamsMessage
  | SubscribedMessage
  | PongMessage
  | ErrorMessage;

/** Header of a binary frame message. */
export interface FrameHeader {
  stream: string;
  seq: number;
}

/** Most stream ids one subscribe message may name. */
export const MAX_SUBSCRIBE_STREAMS = 256;

/** Result of {@link parseClientMessage}: the message, or why it was rejected. */
export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; message: string };

/**
 * Validates one text message from a client. Never throws: a bad message becomes an error
 * reply, never a crash of the hub.
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'message is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'message must be a JSON object with a "type"' };
  }
  const msg = value as Record<string, unknown>;
  if (msg.type === 'ping') {
    const id = msg.id;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
      return { ok: false, message: 'ping.id must be a string or a number' };
    }
    return { ok: true, message: id === undefined ? { type: 'ping' } : { type: 'ping', id } };
  }
  if (msg.type !== 'subscribe') {
    return { ok: false, message: `unknown message type ${JSON.stringify(msg.type)} (expected "subscribe" or "ping")` };
  }
  const out: SubscribeMessage = { type: 'subscribe' };
  if (msg.streams !== undefined) {
    if (msg.streams === null) out.streams = null;
    else if (!Array.isArray(msg.streams) || !msg.streams.every((s) => typeof s === 'string' && s.length > 0)) {
      return { ok: false, message: 'subscribe.streams must be null or an array of non-empty strings' };
    } else if (msg.streams.length > MAX_SUBSCRIBE_STREAMS) {
      return { ok: false, message: `subscribe.streams names more than ${MAX_SUBSCRIBE_STREAMS} streams` };
    } else out.streams = [...new Set(msg.streams as string[])];
  }
  if (msg.frames !== undefined) {
    if (typeof msg.frames !== 'boolean') return { ok: false, message: 'subscribe.frames must be a boolean' };
    out.frames = msg.frames;
  }
  return { ok: true, message: out };
}

/**
 * Encodes a binary frame message:
 * `[uint32 big-endian n][n bytes UTF-8 JSON header {stream, seq}][JPEG bytes]`.
 */
export function encodeFrame(header: FrameHeader, jpeg: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify({ stream: header.stream, seq: header.seq }));
  const out = new Uint8Array(4 + head.length + jpeg.length);
  new DataView(out.buffer).setUint32(0, head.length, false);
  out.set(head, 4);
  out.set(jpeg, 4 + head.length);
  return out;
}

/** Decodes a binary frame message; throws an Error naming what is wrong with it. */
export function decodeFrame(data: ArrayBuffer | Uint8Array): { header: FrameHeader; jpeg: Uint8Array } {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < 4) throw new Error(`binary frame of ${bytes.length} bytes has no header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (4 + n > bytes.length) throw new Error(`binary frame header length ${n} exceeds the message (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n))) as FrameHeader;
  if (typeof header.stream !== 'string' || typeof header.seq !== 'number') {
    throw new Error('binary frame header must be {"stream": string, "seq": number}');
  }
  return { header, jpeg: bytes.subarray(4 + n) };
}

/**
 * The wire form of a result. Boxes are rounded to 1e-4 (0.4 px at 4K) and scores to 1e-3,
 * which halves the JSON without a visible change.
 */
export function toDetectionsMessage(r: FrameResult): DetectionsMessage {
  return {
    type: 'detections',
    stream: r.stream,
    seq: r.seq,
    capturedAt: r.capturedAt,
    model: r.model,
    width: r.width,
    height: r.height,
    detections: r.detections.map((d) => ({
      box: [round(d.box[0], 1e4), round(d.box[1], 1e4), round(d.box[2], 1e4), round(d.box[3], 1e4)],
      score: round(d.score, 1e3),
      classId: d.classId,
      label: d.label,
      ...(d.trackId !== undefined ? { trackId: d.trackId } : {}),
    })),
  };
}

function round(v: number, scale: number): number {
  return Math.round(v * scale) / scale;
}

/** Parses the `streams` query parameter (`cam1,cam2`); absent or empty means all streams. */
export function parseStreamsParam(value: string | null): string[] | null {
  if (value === null) return null;
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return ids.length === 0 ? null : [...new Set(ids)];
}

/** Parses a boolean query flag (`frames=1`, `frames=true`). */
export function parseFlagParam(value: string | null): boolean {
  return value !== null && ['1', 'true', 'yes', 'on', ''].includes(value.toLowerCase());
}
