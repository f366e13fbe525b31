// gearbox player: plays a gearbox output with dash.js (.mpd) or hls.js (.m3u8), lists the
// renditions the player found, lets a person force one or hand the choice back to ABR, and
// shows whether the stream is live. window.gearboxPlayer exposes the same state to the browser
// tests (tests/browser/check.mjs), which click the same buttons a person does.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  video.muted = true;  // muted autoplay needs no user gesture

  const api = {
    kind: null,        // 'dash' or 'hls'
    src: null,
    dash: null,        // dash.js MediaPlayer
    hls: null,         // hls.js instance
    chosen: 'auto',    // the rendition key a person (or test) chose
    errors: [],        // what the player reported as failures
    warnings: [],      // hiccups the player recovers from by itself
    dead: null,        // why playback can no longer go on
  };
  window.gearboxPlayer = api;

  const now = () => +(performance.now() / 1000).toFixed(3);
  function report(list, source, fields) {
    const e = Object.assign({ source, at: now(), currentTime: +video.currentTime.toFixed(3) }, fields);
    list.push(e);
    if (list.length > 200) list.splice(0, list.length - 200);
    if (list === api.errors) showError(e);
  }
  // Player error payloads may hold DOM nodes or cycles.
  function plain(o) {
    try { return JSON.parse(JSON.stringify(o, (k, v) => (v instanceof Node || v instanceof Window ? undefined : v))); }
    catch (e) { return String(o); }
  }
  video.addEventListener('error', () => {
    const me = video.error;
    api.dead = `video element error ${me && me.code}: ${me && me.message}`;
    report(api.errors, 'video', { code: me && me.code, message: me && me.message });
  });

  // ------------------------------------------------------------------ dash.js
  function startDash(src) {
    const p = dashjs.MediaPlayer().create();
    api.dash = p;
    const E = dashjs.MediaPlayer.events;
    p.updateSettings({
      debug: { logLevel: dashjs.Debug.LOG_LEVEL_WARNING },
      streaming: { abr: { autoSwitchBitrate: { video: true } } },
    });
    p.on(E.ERROR, (e) => {
      const err = e && e.error;
      report(api.errors, 'dash.js', { code: err && err.code, message: err && err.message, data: plain(err && err.data) });
    });
    if (E.PLAYBACK_ERROR) {
      p.on(E.PLAYBACK_ERROR, (e) => {
        const err = e && e.error;
        report(api.errors, 'dash.js', { event: 'playbackError', code: err && err.code, message: err && (err.message || String(err)) });
      });
    }
    for (const ev of [E.STREAM_INITIALIZED, E.QUALITY_CHANGE_RENDERED, E.MANIFEST_LOADED]) if (ev) p.on(ev, renderRenditions);
    p.initialize(video, src, true);
  }

  // ------------------------------------------------------------------ hls.js
  // Non-fatal hls.js errors that are playback hiccups, not content defects ('aborted': a load
  // cancelled by a forced level switch).
  const HLS_BENIGN = new Set(['bufferStalledError', 'bufferNudgeOnStall', 'bufferSeekOverHole', 'bufferFullError', 'aborted']);
  // A live stream's next segment or playlist may not be written yet; hls.js retries those.
  const HLS_LIVE_RETRIED = new Set(['fragLoadError', 'fragLoadTimeOut', 'levelLoadError', 'levelLoadTimeOut',
    'levelEmptyError', 'manifestLoadTimeOut', 'levelParsingError']);

  function startHls(src) {
    if (!Hls.isSupported()) {
      api.dead = 'hls.js: this browser has no Media Source Extensions';
      report(api.errors, 'hls.js', { message: api.dead });
      return;
    }
    const h = new Hls({ enableWorker: true, startLevel: -1, capLevelToPlayerSize: false });
    api.hls = h;
    h.on(Hls.Events.ERROR, (ev, d) => {
      const fields = { fatal: !!d.fatal, type: d.type, details: d.details,
        reason: d.reason || (d.error && String(d.error)) || undefined,
        url: (d.frag && d.frag.url) || (d.context && d.context.url) || d.url || undefined,
        level: d.frag ? d.frag.level : d.level, sn: d.frag ? d.frag.sn : undefined,
        response: d.response ? { code: d.response.code, text: d.response.text } : undefined };
      if (d.fatal) api.dead = `hls.js fatal ${d.details}`;
      const live = isLive();
      const list = d.fatal ? api.errors
        : HLS_BENIGN.has(d.details) || (live !== false && HLS_LIVE_RETRIED.has(d.details)) ? api.warnings : api.errors;
      report(list, 'hls.js', fields);
    });
    h.on(Hls.Events.MANIFEST_PARSED, () => {
      renderRenditions();
      video.play().catch(() => { /* autoplay refused: the controls are there */ });
    });
    h.on(Hls.Events.LEVEL_SWITCHED, renderRenditions);
    h.on(Hls.Events.LEVEL_UPDATED, renderRenditions);
    h.loadSource(src);
    h.attachMedia(video);
  }

  // ------------------------------------------------------------------ renditions
  // The renditions as the player sees them, highest bit rate first. key: dash.js's
  // Representation id, or hls.js's level index.
  function renditions() {
    let list = [];
    if (api.dash) {
      list = (api.dash.getRepresentationsByType('video') || []).map((r) => ({
        key: String(r.id), width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs }));
    } else if (api.hls) {
      list = (api.hls.levels || []).map((l, i) => ({
        key: String(i), width: l.width, height: l.height, bandwidth: l.bitrate, codecs: l.videoCodec }));
    }
    return list.sort((a, b) => b.bandwidth - a.bandwidth);
  }

  function current() {
    if (api.dash) {
      const r = api.dash.getCurrentRepresentationForType && api.dash.getCurrentRepresentationForType('video');
      return r ? { key: String(r.id), width: r.width, height: r.height, bandwidth: r.bandwidth } : null;
    }
    if (api.hls && api.hls.currentLevel >= 0) {
      const l = api.hls.levels[api.hls.currentLevel];
      return l ? { key: String(api.hls.currentLevel), width: l.width, height: l.height, bandwidth: l.bitrate } : null;
    }
    return null;
  }

  // Forces one rendition (its key), or 'auto' to let the player's ABR choose again.
  function select(key) {
    key = String(key);
    api.chosen = key;
    if (api.dash) {
      const auto = key === 'auto';
      api.dash.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: auto } } } });
      // forceReplace: drop what is buffered at the old quality, so the switch shows at once.
      if (!auto) api.dash.setRepresentationForTypeById('video', key, true);
    } else if (api.hls) {
      api.hls.currentLevel = key === 'auto' ? -1 : Number(key);  // flushes and reloads now
    }
    renderRenditions();
  }

  function isLive() {
    try {
      if (api.dash) return api.dash.isDynamic();
      if (api.hls) {
        const l = api.hls.levels[Math.max(0, api.hls.currentLevel)];
        return l && l.details ? !!l.details.live : null;
      }
    } catch (e) { /* not started yet */ }
    return null;
  }

  const kbps = (bps) => (bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mb/s' : Math.round(bps / 1000) + ' kb/s');
  let renderedKeys = '';
  function renderRenditions() {
    const box = $('renditions');
    const list = renditions();
    const keys = list.map((r) => r.key + r.width + 'x' + r.height).join();
    if (list.length && keys !== renderedKeys) {
      renderedKeys = keys;
      box.textContent = '';
      const add = (key, label, title) => {
        const b = document.createElement('button');
        b.dataset.key = key;
        b.textContent = label;
        b.title = title;
        b.addEventListener('click', () => select(key));
        box.appendChild(b);
      };
      add('auto', 'auto (ABR)', "the player's own choice");
      for (const r of list) add(r.key, `${r.width}x${r.height} · ${kbps(r.bandwidth)}`, `${r.codecs || ''} ${r.bandwidth} b/s`);
    }
    const cur = current();
    for (const b of box.querySelectorAll('button')) {
      b.classList.toggle('selected', b.dataset.key === api.chosen);
      b.classList.toggle('playing', !!cur && b.dataset.key === cur.key);
    }
  }

  // ------------------------------------------------------------------ status
  // Seconds behind the live edge as the player itself computes it (null when not live).
  function liveLatency() {
    if (!isLive()) return null;
    if (api.dash && api.dash.getCurrentLiveLatency) return api.dash.getCurrentLiveLatency();
    if (api.hls && Number.isFinite(api.hls.latency)) return api.hls.latency;
    return null;
  }

  function state() {
    const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : {};
    let ahead = 0;
    for (let i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= video.currentTime + 0.1 && video.buffered.end(i) > video.currentTime) {
        ahead = video.buffered.end(i) - video.currentTime;
      }
    }
    return {
      currentTime: video.currentTime, duration: video.duration, paused: video.paused, ended: video.ended,
      readyState: video.readyState, videoWidth: video.videoWidth, videoHeight: video.videoHeight,
      bufferAhead: +ahead.toFixed(2), totalVideoFrames: q.totalVideoFrames, droppedVideoFrames: q.droppedVideoFrames,
      live: isLive(), latency: liveLatency(), nErrors: api.errors.length, dead: api.dead,
    };
  }

  function renderStatus() {
    const s = state();
    const badge = $('live');
    badge.textContent = s.live === true ? 'LIVE' : s.live === false ? 'VOD' : '…';
    badge.className = 'badge' + (s.live === true ? ' live' : s.live === false ? ' vod' : '');
    let t = s.currentTime.toFixed(1) + ' s';
    if (s.latency != null) t += ` (${s.latency.toFixed(1)} s behind live)`;
    else if (Number.isFinite(s.duration)) t += ' / ' + s.duration.toFixed(1) + ' s';
    $('time').textContent = t;
    $('size').textContent = s.videoWidth ? `${s.videoWidth}x${s.videoHeight}` : '-';
    $('buffer').textContent = s.bufferAhead.toFixed(1) + ' s';
    $('frames').textContent = s.totalVideoFrames != null ? `${s.totalVideoFrames} (${s.droppedVideoFrames})` : '-';
    renderRenditions();
  }

  function showError(e) {
    const ol = $('errors');
    const none = ol.querySelector('.none');
    if (none) none.remove();
    const li = document.createElement('li');
    const what = [e.details, e.code, e.message, e.reason, e.url].filter((x) => x != null && x !== '').join(' · ');
    li.textContent = `${e.source} at ${e.currentTime.toFixed(1)} s: ${what}`;
    ol.appendChild(li);
  }

  // ------------------------------------------------------------------ start
  function kindOf(src) {
    const forced = new URLSearchParams(location.search).get('player');
    if (forced === 'dash' || forced === 'hls') return forced;
    return /\.m3u8(\?|$)/i.test(src) ? 'hls' : 'dash';
  }

  async function exists(url) {
    try { return (await fetch(url, { method: 'HEAD', cache: 'no-store' })).ok; } catch (e) { return false; }
  }

  // gearbox serve lists the folder's manifests; a live stream's first manifest may not be
  // written yet, so wait for one.
  async function manifests() {
    try {
      const r = await fetch('manifests.json', { cache: 'no-store' });
      return r.ok ? (await r.json()).manifests : [];
    } catch (e) { return []; }
  }

  function renderSources(list, src) {
    const nav = $('sources');
    nav.textContent = '';
    for (const m of list) {
      const a = document.createElement('a');
      a.href = '?src=' + encodeURIComponent(m.path);
      a.textContent = `${m.kind === 'dash' ? 'DASH' : 'HLS'} ${m.path.replace(/^\//, '')}`;
      if (m.path === src) a.className = 'current';
      nav.appendChild(a);
    }
  }

  async function main() {
    let src = new URLSearchParams(location.search).get('src');
    let list = await manifests();
    while (!src && !list.length) {
      $('source').textContent = 'waiting for a manifest in the served folder…';
      await new Promise((r) => setTimeout(r, 1000));
      list = await manifests();
    }
    src = src || list[0].path;
    renderSources(list, src);
    while (!(await exists(src))) {
      $('source').textContent = `waiting for ${src}…`;
      await new Promise((r) => setTimeout(r, 1000));
    }
    api.src = src;
    api.kind = kindOf(src);
    $('source').textContent = src;
    $('player-name').textContent = api.kind === 'dash' ? `dash.js ${dashjs.Version}` : `hls.js ${Hls.version}`;
    if (api.kind === 'dash') startDash(src); else startHls(src);
    setInterval(renderStatus, 250);
  }

  // The browser tests' view of the page.
  Object.assign(api, {
    renditions, current, select, isLive, state,
    versions: () => ({ dashjs: window.dashjs && dashjs.Version, hlsjs: window.Hls && Hls.version, userAgent: navigator.userAgent }),
    take: () => ({ errors: api.errors.splice(0), warnings: api.warnings.splice(0) }),
  });
  main();
})();
