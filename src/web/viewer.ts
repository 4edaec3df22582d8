/**
 * The browser viewer (entry point, bundled to viewer.js): a grid of stream tiles fed by `/ws`,
 * with a score slider, a class filter and a video on/off switch, all remembered in
 * localStorage. When the API answers 401 the page asks for the token.
 */
import type { StreamInfo } from '../pipeline/runtime-api.js';
import type { ServerMessage } from '../server/ws-protocol.js';
import { UnauthorizedError, apiGet, getToken, setToken } from './api-client.js';
import { classColor } from './overlay.js';
import { StreamTile } from './stream-tile.js';
import { connectHub, type HubClient } from './ws-client.js';

const PREFS_KEY = 'ssd-stream.viewer';

interface Prefs {
  minScore: number;
  hidden: string[];
  frames: boolean;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const prefs: Prefs = loadPrefs();
const hidden = new Set(prefs.hidden);
const tiles = new Map<string, StreamTile>();
const labels = new Map<string, number>(); // label → classId, for the class filter
let hub: HubClient | undefined;

function loadPrefs(): Prefs {
  const fallback: Prefs = { minScore: 0, hidden: [], frames: true };
  try {
    return { ...fallback, ...(JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}') as Partial<Prefs>) };
  } catch {
    return fallback;
  }
}

function savePrefs(): void {
  prefs.hidden = [...hidden];
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // storage disabled: preferences last for this page only
  }
}

const drawOptions = () => ({ minScore: prefs.minScore, hiddenClasses: hidden });

function redrawAll(): void {
  for (const t of tiles.values()) t.redraw();
}

function tileFor(id: string): StreamTile {
  let tile = tiles.get(id);
  if (!tile) {
    tile = new StreamTile(id, prefs.frames, drawOptions);
    tiles.set(id, tile);
    const grid = $('grid');
    // Keep tiles in id order so the grid does not reshuffle as streams come and go.
    const after = Array.from(grid.children).find((el) => ((el as HTMLElement).dataset.stream ?? '') > id);
    grid.insertBefore(tile.el, after ?? null);
    $('empty').hidden = true;
  }
  return tile;
}

/** Makes the grid match the server's stream list. */
function syncTiles(streams: StreamInfo[]): void {
  const ids = new Set(streams.map((s) => s.id));
  for (const [id, tile] of tiles) {
    if (ids.has(id)) continue;
    tile.dispose();
    tile.el.remove();
    tiles.delete(id);
  }
  for (const s of streams) tileFor(s.id).setInfo(s);
  $('empty').hidden = tiles.size > 0;
}

function noteLabels(dets: ReadonlyArray<{ label: string; classId: number }>): void {
  let added = false;
  for (const d of dets) {
    if (labels.has(d.label)) continue;
    labels.set(d.label, d.classId);
    added = true;
  }
  if (added) renderClassList();
}

function renderClassList(): void {
  const list = $('class-list');
  list.replaceChildren();
  for (const [label, classId] of [...labels].sort(([a], [b]) => a.localeCompare(b))) {
    const row = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = !hidden.has(label);
    box.addEventListener('change', () => {
      if (box.checked) hidden.delete(label);
      else hidden.add(label);
      savePrefs();
      redrawAll();
    });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = classColor(classId);
    row.append(box, swatch, document.createTextNode(label));
    list.append(row);
  }
}

function onMessage(msg: ServerMessage): void {
  switch (msg.type) {
    case 'hello':
    case 'streams':
      syncTiles(msg.streams);
      break;
    case 'state':
      tiles.get(msg.stream)?.setState(msg.state, msg.lastError);
      break;
    case 'detections':
      noteLabels(msg.detections);
      tileFor(msg.stream).onDetections(msg);
      break;
    case 'event':
      tiles.get(msg.event.stream)?.showEvent(msg.event);
      break;
    case 'error':
      console.warn(`ssd-stream: server says ${msg.code}: ${msg.message}`);
      break;
    default:
      break; // pongs and acks need no drawing
  }
}

function wireControls(): void {
  const score = $<HTMLInputElement>('score');
  const scoreValue = $<HTMLOutputElement>('score-value');
  score.value = String(prefs.minScore);
  scoreValue.textContent = prefs.minScore.toFixed(2);
  score.addEventListener('input', () => {
    prefs.minScore = Number(score.value);
    scoreValue.textContent = prefs.minScore.toFixed(2);
    savePrefs();
    redrawAll();
  });
  const frames = $<HTMLInputElement>('frames');
  frames.checked = prefs.frames;
  frames.addEventListener('change', () => {
    prefs.frames = frames.checked;
    savePrefs();
    for (const t of tiles.values()) t.setFramesWanted(prefs.frames);
    hub?.subscribe({ frames: prefs.frames });
  });
}

function askForToken(refused: boolean): void {
  const dialog = $<HTMLDialogElement>('token-dialog');
  $('token-error').hidden = !refused;
  const form = $<HTMLFormElement>('token-form');
  form.onsubmit = () => {
    setToken($<HTMLInputElement>('token').value.trim());
    void start();
  };
  if (!dialog.open) dialog.showModal();
}

async function start(): Promise<void> {
  try {
    const { streams } = await apiGet<{ streams: StreamInfo[] }>('/api/streams');
    syncTiles(streams);
  } catch (e) {
    if (e instanceof UnauthorizedError) return askForToken(getToken() !== null);
    console.error(e);
  }
  hub?.close();
  hub = connectHub({
    token: getToken(),
    subscription: { streams: null, frames: prefs.frames },
    onMessage,
    onFrame: (header, jpeg) => tiles.get(header.stream)?.onFrame(header.seq, jpeg),
    onState: (state) => {
      const el = $('connection');
      el.dataset.state = state;
      el.textContent = state === 'open' ? 'connected' : state;
    },
  });
}

wireControls();
setInterval(() => {
  for (const t of tiles.values()) t.tick();
}, 500);
void start();
