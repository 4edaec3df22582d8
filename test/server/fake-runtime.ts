/**
 * A test double of {@link RuntimeApi} built from real RxJS Subjects: tests push results, JPEGs
 * and events into it and change stream states, as the real runtime would. Its errors use the
 * same codes the runtime raises (unknown id → NOT_FOUND, bad source → SOURCE_FAILED, unknown
 * model → MODEL_NOT_FOUND), so the server's status mapping is exercised for real.
 */
import { Subject } from 'rxjs';
import { ErrorCodes, SsdsError } from '../../src/errors.js';
import type {
  FrameJpeg,
  FrameResult,
  ModelInfo,
  PipelineEvent,
  RuntimeApi,
  SourceRequest,
  StreamInfo,
  StreamState,
} from '../../src/pipeline/runtime-api.js';
import type { Detection } from '../../src/types.js';

/** Stream info with defaults for the counters. */
export function streamInfo(id: string, over: Partial<StreamInfo> = {}): StreamInfo {
  return {
    id,
    pipeline: 'main',
    url: `lavfi:testsrc#${id}`,
    state: 'live',
    fps: 10,
    width: 320,
    height: 240,
    framesIn: 0,
    processed: 0,
    dropped: {},
    reconnects: 0,
    ...over,
  };
}

/** The double. Everything it was asked is recorded in `calls`. */
export class FakeRuntime implements RuntimeApi {
  readonly results = new Subject<FrameResult>();
  readonly jpegs = new Subject<FrameJpeg>();
  readonly eventsSubject = new Subject<PipelineEvent>();
  readonly results$ = this.results.asObservable();
  readonly jpegs$ = this.jpegs.asObservable();
  readonly events$ = this.eventsSubject.asObservable();
  readonly calls: Array<{ op: string; args: unknown[] }> = [];
  private list: StreamInfo[];
  private modelList: ModelInfo[];

  constructor(streams: StreamInfo[] = [streamInfo('cam1'), streamInfo('cam2')], models?: ModelInfo[]) {
    this.list = streams;
    this.modelList = models ?? [
      { pipeline: 'main', name: 'face-ssd', path: '/models/face.onnx', labels: ['background', 'face'], inputWidth: 320, inputHeight: 320 },
    ];
  }

  streams(): StreamInfo[] {
    return this.list.map((s) => ({ ...s }));
  }

  async addStream(source: SourceRequest, pipeline?: string): Promise<StreamInfo> {
    this.calls.push({ op: 'addStream', args: [source, pipeline] });
    if (!/^(rtsp|https?|file|lavfi):/.test(source.url)) {
      throw new SsdsError(ErrorCodes.SOURCE_FAILED, `source ${source.url}: unsupported URL scheme`);
    }
    const info = streamInfo(source.id ?? `s${this.list.length + 1}`, {
      url: source.url,
      pipeline: pipeline ?? 'main',
      state: 'connecting',
    });
    this.list.push(info);
    return { ...info };
  }

  async removeStream(id: string): Promise<void> {
    this.calls.push({ op: 'removeStream', args: [id] });
    if (!this.list.some((s) => s.id === id)) throw new SsdsError(ErrorCodes.NOT_FOUND, `stream "${id}" not found`);
    this.list = this.list.filter((s) => s.id !== id);
  }

  models(): ModelInfo[] {
    return this.modelList.map((m) => ({ ...m }));
  }

  async swapModel(pipeline: string, model: string): Promise<ModelInfo> {
    this.calls.push({ op: 'swapModel', args: [pipeline, model] });
    if (model === 'boom') throw new Error('worker exploded');
    if (!model.endsWith('.onnx') && model !== 'ssdlite320') {
      throw new SsdsError(ErrorCodes.MODEL_NOT_FOUND, `model "${model}" is not in the catalogue`);
    }
    const info: ModelInfo = { pipeline, name: model, path: `/models/${model}`, labels: ['background', 'person'], inputWidth: 320, inputHeight: 320 };
    this.modelList = this.modelList.map((m) => (m.pipeline === pipeline ? info : m));
    return info;
  }

  /** Sets a stream's state (the hub polls it). */
  setState(id: string, state: StreamState, lastError?: string): void {
    const s = this.list.find((x) => x.id === id);
    if (!s) throw new Error(`no stream ${id}`);
    s.state = state;
    if (lastError === undefined) delete s.lastError;
    else s.lastError = lastError;
  }

  /** Emits the JPEG and then the detections of one frame, the order the real pipeline has. */
  emitFrame(stream: string, seq: number, jpeg: Uint8Array | undefined, detections: Detection[], size = { width: 320, height: 240 }): void {
    if (jpeg) this.jpegs.next({ stream, seq, jpeg });
    this.results.next({ stream, seq, capturedAt: Date.now(), model: 'face-ssd', detections, ...size });
  }
}
