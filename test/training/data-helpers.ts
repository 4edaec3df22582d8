/** Shared helpers of the dataset tests: temp dirs and real image files written with sharp. */
import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** A fresh temp folder. */
export async function tempDir(tag: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `ssds-${tag}-`));
}

/** Writes a solid-colour image of the given size (format from the extension). */
export async function writeImage(file: string, width: number, height: number, rgb: [number, number, number] = [90, 120, 200]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const img = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  await (file.endsWith('.png') ? img.png() : img.jpeg()).toFile(file);
}
