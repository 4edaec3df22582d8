/**
 * `ssd-stream detect <files...>` — detections for photos and videos with any model `detect` can
 * load. Images print one JSON object each (or are drawn with `--out`); videos are run frame by
 * frame, in order, through the same ffmpeg path as the streaming runtime, one JSON line a frame.
 */
import { createWriteStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { action } from './run.js';
import { ConfigError, ErrorCodes, SsdsError } from '../errors.js';
import { resolveModel } from '../models/catalog.js';
import { Detector } from '../inference/detector.js';
import { probeImage } from '../detect/image-input.js';
import { detectImage } from '../detect/detect-image.js';
import { detectVideo } from '../detect/detect-video.js';
import { drawDetectionsOnFile } from '../detect/draw-detections.js';
import { parseOptionalNumber } from './options.js';
import { postprocessSpecSchema } from '../ssd/spec.js';

interface DetectOpts {
  model?: string;
  out?: string;
  threshold?: string;
  iou?: string;
  maxDetections?: string;
  ep?: 'auto' | 'cpu' | 'cuda';
  threads?: string;
  fps?: string;
  nms?: string;
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('detect objects in photos and videos; JSON out, or pictures with boxes drawn')
    .argument('<files...>', 'images (jpg, png, webp ...) or videos (anything ffmpeg reads)')
    .option('-m, --model <name|path>', 'catalogue name or .onnx path', 'default')
    .option('-o, --out <file>', 'image: picture with boxes (.jpg/.png); video: JSON lines file (.jsonl)')
    .option('-t, --threshold <score>', 'minimum score, 0..1 (default: the model spec)')
    .option('--iou <iou>', 'NMS IoU threshold, 0..1 (default: the model spec)')
    .option('--max-detections <n>', 'detections kept per frame')
    .option('--nms <method>', 'hard, soft-linear, soft-gaussian or diou (default: the model spec)')
    .option('--fps <n>', 'videos: decimate to at most this frame rate')
    .option('--ep <provider>', 'execution provider: auto, cpu, cuda', 'auto')
    .option('--threads <n>', 'intra-op threads')
    .action(
      action(async (files: string[], opts: DetectOpts) => {
        const scoreThreshold = parseOptionalNumber('--threshold', opts.threshold, 0, 1);
        const iouThreshold = parseOptionalNumber('--iou', opts.iou, 0, 1);
        const maxDetections = parseOptionalNumber('--max-detections', opts.maxDetections, 1, 100_000, true);
        const threads = parseOptionalNumber('--threads', opts.threads, 1, 256, true);
        const fps = parseOptionalNumber('--fps', opts.fps, 0.01, 1000);
        const nms = opts.nms === undefined ? undefined : postprocessSpecSchema.shape.nms.safeParse(opts.nms);
        if (nms && !nms.success) {
          throw new ConfigError('--nms', `expected hard, soft-linear, soft-gaussian or diou, got "${opts.nms}"`);
        }
        if (!['auto', 'cpu', 'cuda'].includes(opts.ep ?? 'auto')) {
          throw new ConfigError('--ep', `expected auto, cpu or cuda, got "${opts.ep}"`);
        }
        if (opts.out && files.length > 1) throw new ConfigError('--out', 'takes one input file, got several');
        for (const f of files) {
          if (!existsSync(f)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `${f}: no such file`);
        }
        const model = await resolveModel(opts.model);
        const detector = await Detector.create({
          model,
          executionProvider: opts.ep,
          intraOpThreads: threads,
          postprocess: {
            ...(scoreThreshold !== undefined && { scoreThreshold }),
            ...(iouThreshold !== undefined && { iouThreshold }),
            ...(maxDetections !== undefined && { maxDetections }),
            ...(nms?.success && { nms: nms.data }),
          },
        });
        try {
          for (const file of files) {
            if (await probeImage(file)) {
              const r = await detectImage(detector, file);
              if (opts.out) await drawDetectionsOnFile(file, r.detections, opts.out);
              else process.stdout.write(`${JSON.stringify(r)}\n`);
              continue;
            }
            const sink = opts.out ? createWriteStream(opts.out) : process.stdout;
            await detectVideo(detector, file, { fps }, (line) => {
              sink.write(`${JSON.stringify(line)}\n`);
            });
            if (sink !== process.stdout) await new Promise<void>((res) => (sink as NodeJS.WritableStream).end(res));
          }
        } finally {
          await detector.close();
        }
      }),
    );
}
