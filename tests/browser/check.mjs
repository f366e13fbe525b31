#!/usr/bin/env node
// Plays a stream served by `gearbox serve` in gearbox's own player page, in Debian's Chromium
// driven by playwright-core (which never downloads a browser), and checks what a viewer sees.
//
// usage: node check.mjs --url http://127.0.0.1:PORT/ --manifest /manifest.mpd [--manifest /master.m3u8]
//          [--expect 640x360,426x240] [--live [--live-advance 3]] [--audio] [--screenshot-dir DIR]
//          [--timeout 30] [--total-timeout 240] [--verbose]
//
// Each manifest is opened at /player/?src=MANIFEST (dash.js for .mpd, hls.js for .m3u8).
// VOD: every rendition the player lists is forced in turn by clicking its button; each must
//   reach its size on the video element, advance playback by 1 s, show pixels that are not
//   blank, be the one the player says is current, and cause no player error or failed request.
// --live: the player must see a live stream, and playback must advance by --live-advance
//   seconds with real pixels, without fatal player errors.
// --through S (VOD): then, from the start of a fresh page and without help, playback must pass
//   S seconds (where a stream has a gap in its timestamps) and reach the end.
// --skip-renditions (VOD): no forced renditions (the player's list is still checked).
// --ts-start-quirk: one known hls.js report on MPEG-TS streams is a warning (see isTsStartQuirk).
// --audio: the stream has an audio track, which the player must fetch and Chromium decode
//   (the video element's webkitAudioDecodedByteCount grows; muted playback still decodes).
// Exit: 0 pass, 1 a check failed (reasons and the player's own errors on stderr), 2 usage,
// 3 could not check at all (no Chromium, watchdog).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

// ------------------------------------------------------------------ options
function usage(msg) {
  if (msg) console.error('check.mjs: ' + msg);
  console.error('usage: node check.mjs --url URL --manifest PATH [--manifest PATH] [--expect WxH,...] [--live] [--audio] ' +
    '[--live-advance S] [--through S] [--skip-renditions] [--ts-start-quirk] [--screenshot-dir DIR] [--timeout S] [--total-timeout S] [--verbose]');
  process.exit(2);
}
const opt = { url: null, through: null, skipRenditions: false, manifests: [], expect: null, live: false, audio: false, tsStartQuirk: false, liveAdvance: 3, shots: null, timeout: 30,
  totalTimeout: 240, verbose: false, minStd: 8, minMean: 8 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === '--url') opt.url = val().replace(/\/?$/, '/');
  else if (a === '--manifest') opt.manifests.push(val());
  else if (a === '--expect') opt.expect = val().split(',').filter(Boolean);
  else if (a === '--live') opt.live = true;
  else if (a === '--audio') opt.audio = true;
  else if (a === '--ts-start-quirk') opt.tsStartQuirk = true;
  else if (a === '--live-advance') opt.liveAdvance = Number(val());
  else if (a === '--through') opt.through = Number(val());
  else if (a === '--skip-renditions') opt.skipRenditions = true;
  else if (a === '--screenshot-dir') opt.shots = val();
  else if (a === '--timeout') opt.timeout = Number(val());
  else if (a === '--total-timeout') opt.totalTimeout = Number(val());
  else if (a === '--verbose' || a === '-v') opt.verbose = true;
  else usage(`unknown argument ${a}`);
}
if (!opt.url) usage('--url is required');
if (!opt.manifests.length) usage('give at least one --manifest');
if (!(opt.timeout > 0) || !(opt.liveAdvance > 0)) usage('--timeout and --live-advance must be positive');
const T = opt.timeout * 1000;
const SHOTS = path.resolve(opt.shots || fs.mkdtempSync(path.join(os.tmpdir(), 'gearbox-shots-')));
fs.mkdirSync(SHOTS, { recursive: true });
const log = (...a) => { if (opt.verbose) console.error('[check]', ...a); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms); });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

// Debian's Chromium, found on PATH (tools/setup.sh installs it); GEARBOX_CHROMIUM overrides.
function findChromium() {
  if (process.env.GEARBOX_CHROMIUM) return process.env.GEARBOX_CHROMIUM;
  for (const dir of (process.env.PATH || '').split(':')) {
    for (const name of ['chromium', 'chromium-browser']) {
      const p = path.join(dir || '.', name);
      try { fs.accessSync(p, fs.constants.X_OK); return p; } catch (e) { /* next */ }
    }
  }
  return null;
}

// ------------------------------------------------------------------ browser
const executablePath = findChromium();
if (!executablePath) {
  console.error("check.mjs: FAIL - no Chromium on PATH; install Debian's chromium (tools/setup.sh does)");
  process.exit(3);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gearbox-chromium-'));
let context = null;
async function cleanup() {
  try { if (context) await withTimeout(context.close(), 10000, 'closing Chromium'); } catch (e) { /* already gone */ }
  fs.rmSync(profile, { recursive: true, force: true });
}
const watchdog = setTimeout(async () => {
  console.error(`check.mjs: FAIL - gave up after ${opt.totalTimeout} s (--total-timeout)`);
  await cleanup();
  process.exit(3);
}, opt.totalTimeout * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });

try {
  context = await withTimeout(chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    // A fresh profile with no background traffic; muted autoplay needs no gesture.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 1060, height: 440 },
  }), T, `launching ${executablePath}`);
} catch (e) {
  console.error(`check.mjs: FAIL - could not start Chromium (${executablePath}): ${e.message}`);
  await cleanup();
  process.exit(3);
}

// ------------------------------------------------------------------ one manifest
function sizeMatches(st, r) {
  return st.videoWidth === r.width && st.videoHeight === r.height;
}

// Mean and spread of the luma of the frame on screen, drawn into a canvas (same origin).
function frameStats() {
  const v = document.getElementById('video');
  const w = v.videoWidth, h = v.videoHeight;
  if (!w || !h) return { ok: false, reason: 'no video size' };
  const scale = Math.min(1, 320 / w);
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.round(w * scale));
  c.height = Math.max(1, Math.round(h * scale));
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(v, 0, 0, c.width, c.height);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0, sum = 0, sum2 = 0;
  for (let i = 0; i < d.length; i += 4) {
    const y = 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
    sum += y; sum2 += y * y; n++;
  }
  const mean = sum / n;
  return { ok: true, mean: +mean.toFixed(1), std: +Math.sqrt(Math.max(0, sum2 / n - mean * mean)).toFixed(1) };
}

async function checkManifest(manifest) {
  const kind = /\.m3u8$/i.test(manifest) ? 'hls' : 'dash';
  const res = { manifest, player: kind === 'dash' ? 'dash.js' : 'hls.js', renditions: [], failures: [],
    errors: [], warnings: [], httpErrors: [], consoleErrors: [] };
  const fail = (msg) => { res.failures.push(msg); log(`${kind}: FAIL ${msg}`); };
  let phase = 'start';
  const page = await context.newPage();
  page.on('console', (m) => {
    log(`[${kind} console.${m.type()}]`, m.text());
    if (m.type() === 'error') res.consoleErrors.push(m.text().slice(0, 300));
  });
  page.on('pageerror', (e) => res.errors.push({ source: 'page', phase, message: String(e.message || e).slice(0, 300) }));
  page.on('crash', () => res.errors.push({ source: 'page', phase, message: 'renderer crashed' }));
  // Failed requests for the stream (the page's own files are covered by it working at all).
  page.on('response', (r) => {
    if (r.status() >= 400) res.httpErrors.push({ phase, status: r.status(), url: new URL(r.url()).pathname });
  });
  page.on('requestfailed', (r) => {
    const why = r.failure() && r.failure().errorText;
    if (why !== 'net::ERR_ABORTED') res.httpErrors.push({ phase, status: why, url: new URL(r.url()).pathname });
  });
  const ev = (fn, arg, what) => withTimeout(page.evaluate(fn, arg), T, what || 'page.evaluate');
  const state = () => ev(() => window.gearboxPlayer.state(), undefined, 'player state');
  // hls.js 1.7 reports one non-fatal bufferAppendNoProgress for the first video fragment of an
  // MPEG-TS stream whose audio is an alternate TS track, then plays on; ffmpeg's own HLS/TS
  // output (var_stream_map with an audio group) gets the same report. With --ts-start-quirk
  // exactly that report (first segment, first count, start phase) is a warning, nothing else.
  const isTsStartQuirk = (e) => opt.tsStartQuirk && e.source === 'hls.js' && !e.fatal && phase === 'start' &&
    e.details === 'bufferAppendNoProgress' && /coverage \(1\)$/.test(e.reason || '') && /-1\.ts$/.test(e.url || '');
  async function harvest() {
    const got = await ev(() => window.gearboxPlayer.take(), undefined, 'player errors');
    got.errors.forEach((e) => { e.phase = phase; (isTsStartQuirk(e) ? res.warnings : res.errors).push(e); });
    got.warnings.forEach((e) => { e.phase = phase; res.warnings.push(e); });
    return got.errors;
  }
  // Polls until pred(state) holds. Gives up early once the player is dead, or when it has
  // reported errors and 5 s have gone by (unless told to carry on).
  async function waitFor(pred, what, ms = T, { stopOnError = true } = {}) {
    const t0 = Date.now();
    let st;
    while (Date.now() - t0 < ms) {
      st = await state();
      if (await pred(st)) return { ok: true, st, waited: (Date.now() - t0) / 1000 };
      if (st.dead) return { ok: false, st, reason: `player dead: ${st.dead}` };
      if (stopOnError && st.nErrors > 0 && Date.now() - t0 > 5000) return { ok: false, st, reason: 'the player reported errors' };
      await sleep(100);
    }
    return { ok: false, st, reason: `${ms / 1000} s without ${what}` };
  }
  async function startPage() {
    await page.goto(`${opt.url}player/?src=${encodeURIComponent(manifest)}`, { waitUntil: 'load', timeout: T });
    await page.waitForFunction(() => window.gearboxPlayer && window.gearboxPlayer.kind, undefined, { timeout: T });
    return waitFor((st) => !st.paused && st.readyState >= 2 && st.currentTime > 0.05, 'playback starting');
  }
  const shoot = async (name) => {
    const file = path.join(SHOTS, name);
    try { await page.screenshot({ path: file, timeout: T }); return file; }
    catch (e) { res.warnings.push({ source: 'check', message: `screenshot ${name}: ${e.message}` }); return null; }
  };

  try {
    const started = await startPage();
    res.versions = await ev(() => window.gearboxPlayer.versions());
    if (!started.ok) fail(`playback did not start (${started.reason}; state ${JSON.stringify(started.st)})`);
    res.renditions = await ev(() => window.gearboxPlayer.renditions());
    const sizes = res.renditions.map((r) => `${r.width}x${r.height}`);
    if (!res.renditions.length) fail('the player lists no video rendition');
    if (opt.expect && sizes.slice().sort().join() !== opt.expect.slice().sort().join()) {
      fail(`the player lists renditions ${sizes.join(',')}, expected ${opt.expect.join(',')}`);
    }
    await harvest();

    if (opt.live && started.ok) {
      phase = 'live';
      res.live = { liveAtStart: (await state()).live };
      if (res.live.liveAtStart !== true) fail(`the player does not see a live stream (isLive ${res.live.liveAtStart})`);
      const t0 = (await state()).currentTime;
      const adv = await waitFor((st) => st.currentTime - t0 >= opt.liveAdvance, `playback advancing ${opt.liveAdvance} s`,
        Math.max(T, opt.liveAdvance * 4000), { stopOnError: false });
      Object.assign(res.live, { from: +t0.toFixed(2), to: +adv.st.currentTime.toFixed(2), size: `${adv.st.videoWidth}x${adv.st.videoHeight}`,
        latency: adv.st.latency == null ? null : +adv.st.latency.toFixed(2) });
      if (!adv.ok) fail(`live playback advanced ${(adv.st.currentTime - t0).toFixed(2)} s, not ${opt.liveAdvance} s (${adv.reason})`);
      const fs1 = await ev(frameStats);
      res.live.frame = fs1;
      if (!(fs1.ok && fs1.std > opt.minStd && fs1.mean > opt.minMean)) fail(`live frame looks blank (${JSON.stringify(fs1)})`);
      res.live.screenshot = await shoot(`${kind}-live.png`);
    } else if (started.ok && !opt.skipRenditions) {
      let fresh = false;
      for (const r of res.renditions) {
        phase = `rendition ${r.width}x${r.height}`;
        const httpBefore = res.httpErrors.length;
        let st0 = await state();
        // A fresh page when the last rendition failed or playback is near its end: a forced
        // switch there would have nothing left to fetch. The page starts under ABR, so the
        // click below is still a real switch.
        const nearEnd = Number.isFinite(st0.duration) && (st0.ended || st0.duration - st0.currentTime < 4);
        if (st0.dead || fresh || nearEnd) {
          const again = await startPage();
          await harvest();
          if (!again.ok) { r.pass = false; fail(`${phase}: restarting the page failed (${again.reason})`); fresh = true; continue; }
        }
        await page.click(`#renditions button[data-key="${r.key}"]`, { timeout: T });
        const sized = await waitFor((st) => sizeMatches(st, r), `the video at ${r.width}x${r.height}`);
        r.decodedSize = `${sized.st.videoWidth}x${sized.st.videoHeight}`;
        if (!sized.ok) fail(`${phase}: never decoded at that size (${sized.reason}; video is ${r.decodedSize})`);
        let advanced = false, nonBlank = false, confirmed = false;
        if (sized.ok) {
          const t0 = sized.st.currentTime;
          const adv = await waitFor((st) => (st.currentTime - t0 >= 1 && sizeMatches(st, r)) || (st.ended && st.currentTime > t0 + 0.2),
            'playback advancing 1 s');
          advanced = adv.ok;
          if (!advanced) fail(`${phase}: playback did not advance (${adv.reason}; ${t0.toFixed(2)} -> ${adv.st.currentTime.toFixed(2)} s)`);
          const fst = await ev(frameStats);
          r.frame = fst;
          nonBlank = !!(fst.ok && fst.std > opt.minStd && fst.mean > opt.minMean);
          if (!nonBlank) fail(`${phase}: the frame looks blank (${JSON.stringify(fst)})`);
          const cur = await ev(() => window.gearboxPlayer.current());
          confirmed = !!cur && cur.key === r.key;
          if (!confirmed) fail(`${phase}: the player says ${JSON.stringify(cur)} is playing, not ${r.key}`);
          r.screenshot = await shoot(`${kind}-${r.width}x${r.height}.png`);
        }
        const errs = await harvest();
        const http = res.httpErrors.slice(httpBefore);
        if (errs.length) fail(`${phase}: the player reported ${errs.length} error(s) (below)`);
        if (http.length) fail(`${phase}: ${http.length} request(s) failed (below)`);
        r.pass = sized.ok && advanced && nonBlank && confirmed && !errs.length && !http.length;
        fresh = !r.pass;
      }
    }
    if (opt.audio && started.ok) {
      phase = 'audio';
      const decoded = () => ev(() => document.getElementById('video').webkitAudioDecodedByteCount, undefined, 'audio bytes');
      const before = await decoded();
      await sleep(1500);
      res.audio = { decodedBytes: await decoded(), before };
      if (!(res.audio.decodedBytes > 0)) fail(`no audio was decoded (webkitAudioDecodedByteCount ${res.audio.decodedBytes})`);
      if (opt.live && !(res.audio.decodedBytes > before)) fail(`live audio stopped decoding (${before} -> ${res.audio.decodedBytes} bytes)`);
    }
    if (opt.through != null && started.ok && !opt.live) {
      // Play through: from the start of a fresh page, untouched, playback must pass the
      // position --through names (a gap in the stream's timestamps) and reach the end.
      phase = 'through';
      const again = await startPage();
      await harvest();
      const from = again.st ? again.st.currentTime : NaN;
      res.through = { from: +from.toFixed(2) };
      if (!again.ok) fail(`through: restarting the page failed (${again.reason})`);
      else if (!(from < opt.through)) fail(`through: playback started at ${from.toFixed(2)} s, not before ${opt.through} s`);
      else {
        const duration = Number.isFinite(again.st.duration) ? again.st.duration : 60;
        const end = await waitFor((st) => st.currentTime > opt.through + 0.5 &&
          (st.ended || (Number.isFinite(st.duration) && st.currentTime >= st.duration - 0.5)),
        `playback past ${opt.through} s to the end`, Math.max(T, (duration + 15) * 1000));
        Object.assign(res.through, { to: +end.st.currentTime.toFixed(2), duration: +(end.st.duration || 0).toFixed(2), ended: end.st.ended });
        if (!end.ok) fail(`through: playback went ${from.toFixed(2)} -> ${end.st.currentTime.toFixed(2)} s of ${end.st.duration} (${end.reason})`);
        res.through.screenshot = await shoot(`${kind}-through.png`);
        const errs = await harvest();
        if (errs.length) fail(`through: the player reported ${errs.length} error(s) (below)`);
      }
    }
    phase = 'end';
    await harvest();
  } catch (e) {
    fail(`${phase}: ${e.message}`);
    try { await harvest(); } catch (_) { /* the page is gone */ }
  } finally {
    try { await withTimeout(page.close(), 10000, 'closing the page'); } catch (e) { /* ignore */ }
  }

  // What the player reported is a failure in itself; live streams may 404 on a segment that
  // is not written yet, which the players retry.
  if (res.errors.length) fail(`${res.errors.length} player error(s) in all`);
  if (res.httpErrors.length && !opt.live) fail(`${res.httpErrors.length} failed request(s) in all`);
  res.pass = res.failures.length === 0;
  return res;
}

// ------------------------------------------------------------------ main
const summary = { url: opt.url, mode: opt.live ? 'live' : 'vod', screenshots: SHOTS, players: {} };
try {
  for (const m of opt.manifests) summary.players[m] = await checkManifest(m);
} catch (e) {
  summary.fatal = String(e && e.stack || e);
}
clearTimeout(watchdog);

await cleanup();

console.log(JSON.stringify(summary, null, 2));
let failed = !!summary.fatal;
if (summary.fatal) console.error(`check.mjs: ${summary.fatal}`);
for (const [m, r] of Object.entries(summary.players)) {
  const v = r.versions ? (r.player === 'dash.js' ? r.versions.dashjs : r.versions.hlsjs) : '?';
  if (r.pass) {
    const what = opt.live ? `live playback advanced ${r.live.from} -> ${r.live.to} s at ${r.live.size}`
      : r.renditions.map((x) => x.decodedSize || `${x.width}x${x.height} listed`).join(', ') + (r.through ? `; played through ${r.through.from} -> ${r.through.to} s` : '');
    console.error(`PASS ${r.player} ${v} ${m}: ${what}`);
    continue;
  }
  failed = true;
  console.error(`FAIL ${r.player} ${v} ${m}:`);
  for (const f of r.failures) console.error(`  - ${f}`);
  for (const e of r.errors.slice(0, 10)) console.error(`  player reported: ${JSON.stringify(e).slice(0, 600)}`);
  for (const h of r.httpErrors.slice(0, 10)) console.error(`  request failed: ${h.status} ${h.url} (${h.phase})`);
  for (const c of r.consoleErrors.slice(0, 5)) console.error(`  console: ${c}`);
}
console.error(`screenshots: ${SHOTS}`);
process.exit(failed ? 1 : 0);
