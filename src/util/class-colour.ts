/**
 * The one palette for drawing classes and tracks (detect --out, training previews, PR curves),
 * so a class keeps its colour from one picture to the next, and the XML escaping SVG labels need.
 */

const PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe'];

/** Colour of class (or track) `id`. */
export function classColour(id: number): string {
  return PALETTE[((id % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** `s` safe as SVG text content or attribute value. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
