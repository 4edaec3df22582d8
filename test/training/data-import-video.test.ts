import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCvat, expandTrack } from '../../src/training/data/import-cvat.js';
import { importMot } from '../../src/training/data/import-mot.js';
import { extractFrames } from '../../src/training/data/frame-extract.js';
import { tempDir, writeImage } from './data-helpers.js';

const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A 64x48, 20-frame test video made by the real ffmpeg. */
async function makeVideo(dir: string): Promise<string> {
  const file = path.join(dir, 'clip.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=2', '-pix_fmt', 'yuv420p', '-y', file]);
  return file;
}

describe('expandTrack (CVAT interpolation)', () => {
  const s = (frame: number, x: number, outside = false) => ({ frame, xyxy: [x, 0, x + 10, 10] as [number, number, number, number], outside, occluded: false, ignore: false, line: frame });
  it('interpolates between keyframes, stops at outside, persists to the end otherwise', () => {
    const out = expandTrack([s(0, 0), s(4, 40), s(6, 0, true), s(8, 5)], 0, 10, 1);
    expect(out.map((o) => [o.frame, o.xyxy[0]])).toEqual([
      [0, 0], [1, 10], [2, 20], [3, 30], [4, 40], [5, 40], [8, 5], [9, 5], [10, 5],
    ]);
  });
});

describe.skipIf(!hasFfmpeg)('video importers (real ffmpeg)', () => {
  let dir: string;
  let video: string;
  beforeAll(async () => {
    dir = await tempDir('cvat');
    video = await makeVideo(dir);
  });

  it('extracts frames once, named by frame index, and reuses them', async () => {
    const out = path.join(dir, 'frames');
    const a = await extractFrames(video, { outDir: out, every: 5 });
    expect(a.frames.map((f) => f.frame)).toEqual([0, 5, 10, 15]);
    expect(path.basename(a.frames[1].file)).toBe('clip_000005.jpg');
    expect([a.width, a.height, a.cached]).toEqual([64, 48, false]);
    const b = await extractFrames(video, { outDir: out, every: 5 });
    expect(b.cached).toBe(true);
    const c = await extractFrames(video, { outDir: out, every: 4, start: 2, end: 12 });
    expect(c.frames.map((f) => f.frame)).toEqual([2, 6, 10]);
  });

  it('imports CVAT for video 1.1: keyframe-only and every-frame tracks, outside, occluded, bad boxes by line', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id>3</id>
      <name>clip</name>
      <size>20</size>
      <mode>interpolation</mode>
      <start_frame>0</start_frame>
      <stop_frame>19</stop_frame>
      <frame_filter></frame_filter>
      <labels>
        <label><name>person</name><color>#ff0000</color><attributes></attributes></label>
        <label><name>bicycle</name><color>#00ff00</color><attributes></attributes></label>
      </labels>
      <original_size><width>64</width><height>48</height></original_size>
    </task>
  </meta>
  <track id="0" label="person" source="manual">
    <box frame="0" outside="0" occluded="0" keyframe="1" xtl="0.00" ytl="0.00" xbr="10.00" ybr="10.00" z_order="0"></box>
    <box frame="10" outside="0" occluded="1" keyframe="1" xtl="20.00" ytl="10.00" xbr="30.00" ybr="20.00" z_order="0"></box>
    <box frame="15" outside="1" occluded="0" keyframe="1" xtl="20.00" ytl="10.00" xbr="30.00" ybr="20.00" z_order="0"></box>
  </track>
  <track id="1" label="bicycle" source="manual">
    <box frame="4" outside="0" occluded="0" keyframe="1" xtl="40" ytl="30" xbr="50" ybr="40" z_order="0"></box>
    <box frame="5" outside="0" occluded="0" keyframe="0" xtl="41" ytl="30" xbr="51" ybr="40" z_order="0"></box>
    <box frame="6" outside="1" occluded="0" keyframe="1" xtl="41" ytl="30" xbr="51" ybr="40" z_order="0"></box>
  </track>
  <track id="2" label="unicorn" source="manual">
    <box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"></box>
    <box frame="1" outside="1" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"></box>
  </track>
  <track id="3" label="person" source="manual">
    <box frame="8" outside="0" occluded="0" keyframe="1" xtl="100" ytl="100" xbr="120" ybr="120" z_order="0"></box>
    <box frame="9" outside="1" occluded="0" keyframe="1" xtl="100" ytl="100" xbr="120" ybr="120" z_order="0"></box>
  </track>
</annotations>
`;
    const file = path.join(dir, 'annotations.xml');
    await writeFile(file, xml);
    const framesDir = path.join(dir, 'out', 'images', 'clip');
    const { dataset, report } = await importCvat(file, { video, framesDir });
    expect(dataset.classes).toEqual(['person', 'bicycle']);
    expect(dataset.images).toHaveLength(20);
    expect(dataset.images[7]).toMatchObject({ video: 'clip', frame: 7, width: 64, height: 48 });
    expect(existsSync(dataset.images[19].file)).toBe(true);
    const at = (frame: number, cls: number) => dataset.annotations.filter((a) => a.imageId === frame && a.classId === cls);
    // Keyframes 0 → 10 interpolate linearly: frame 5 is half-way.
    expect(at(5, 0)[0].xyxyPx).toEqual([10, 5, 20, 15]);
    expect(at(12, 0)[0]).toMatchObject({ xyxyPx: [20, 10, 30, 20], occluded: true, trackId: 0 });
    expect(at(15, 0)).toHaveLength(0); // outside from frame 15
    expect(at(5, 1)[0].xyxyPx).toEqual([41, 30, 51, 40]);
    expect(at(6, 1)).toHaveLength(0);
    expect(dataset.annotations.filter((a) => a.classId === 0)).toHaveLength(15);
    expect(report.counts).toEqual({ 'unknown-class': 1, 'box-outside-image': 1 });
    expect(report.issues.find((i) => i.kind === 'unknown-class')!.line).toBe(31);
    expect(report.issues.find((i) => i.kind === 'box-outside-image')!.line).toBe(35);

    const thin = await importCvat(file, { video, framesDir: path.join(dir, 'thin'), every: 5 });
    expect(thin.dataset.images.map((i) => i.frame)).toEqual([0, 5, 10, 15]);
  });

  it('imports a MOTChallenge sequence (seqinfo.ini, img1/, 1-based frames, conf 0 ignored)', async () => {
    const seq = path.join(dir, 'MOT17-02');
    for (let f = 1; f <= 4; f++) await writeImage(path.join(seq, 'img1', `${String(f).padStart(6, '0')}.jpg`), 80, 60);
    await writeFile(path.join(seq, 'seqinfo.ini'), '[Sequence]\nname=MOT17-02\nimDir=img1\nframeRate=30\nseqLength=4\nimWidth=80\nimHeight=60\nimExt=.jpg\n');
    await mkdir(path.join(seq, 'gt'));
    const gt = ['1,1,10,10,20,30,1,1,1', '2,1,12,10,20,30,1,1,0.3', '2,2,0,0,5,5,0,7,1', 'x,y', '3,3,1,1,5,5,1,42,1', '9,1,1,1,5,5,1,1,1'].join('\n');
    await writeFile(path.join(seq, 'gt', 'gt.txt'), gt);
    const { dataset, report } = await importMot(path.join(seq, 'gt', 'gt.txt'));
    expect(dataset.images.map((i) => [i.frame, path.basename(i.file)])).toEqual([
      [0, '000001.jpg'], [1, '000002.jpg'], [2, '000003.jpg'], [3, '000004.jpg'],
    ]);
    expect(dataset.annotations).toEqual([
      { imageId: 0, xyxyPx: [10, 10, 30, 40], classId: 0, trackId: 1 },
      { imageId: 1, xyxyPx: [12, 10, 32, 40], classId: 0, occluded: true, trackId: 1 },
      { imageId: 1, xyxyPx: [0, 0, 5, 5], classId: 6, ignore: true, trackId: 2 },
    ]);
    expect(report.issues.map((i) => [i.kind, i.line])).toEqual([
      ['bad-row', 4],
      ['unknown-class', 5],
      ['unknown-image', 6],
    ]);
  });

  it('imports CVAT "MOT 1.1" (gt/gt.txt + labels.txt) against the video', async () => {
    const root = path.join(dir, 'cvat-mot');
    await mkdir(path.join(root, 'gt'), { recursive: true });
    await writeFile(path.join(root, 'gt', 'labels.txt'), 'person\ncar\n');
    await writeFile(path.join(root, 'gt', 'gt.txt'), '1,1,1,1,10,10,1,2,1.0\n20,1,5,5,10,10,1,1,1.0\n');
    const { dataset, report } = await importMot(path.join(root, 'gt', 'gt.txt'), { video, framesDir: path.join(root, 'frames') });
    expect(dataset.classes).toEqual(['person', 'car']);
    expect(dataset.images).toHaveLength(20);
    expect(dataset.annotations.map((a) => [a.imageId, a.classId])).toEqual([[0, 1], [19, 0]]);
    expect(report.total).toBe(0);
  });
});

describe('frame folders', () => {
  it('follow the grid of a thinned folder instead of reporting the frames between as missing', async () => {
    const dir = await tempDir('grid');
    for (const f of [0, 15, 30]) await writeImage(path.join(dir, 'frames', `clip_${String(f).padStart(6, '0')}.jpg`), 32, 24);
    const xml = `<annotations><meta><task><size>40</size><start_frame>0</start_frame><stop_frame>39</stop_frame>
      <labels><label><name>a</name></label></labels></task></meta>
      <track id="0" label="a"><box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="10" ybr="10"/></track></annotations>`;
    await writeFile(path.join(dir, 'ann.xml'), xml);
    const { dataset, report } = await importCvat(path.join(dir, 'ann.xml'), { imagesDir: path.join(dir, 'frames') });
    expect(dataset.images.map((i) => i.frame)).toEqual([0, 15, 30]);
    expect(dataset.annotations).toHaveLength(3);
    expect(report.total).toBe(0);
  });
});
