// What a context's tab sees of itself, by the way it was made: a window of
// its own (camoufleet's way), a hidden target (Target.createTarget
// { hidden: true }: no window, far cheaper to start and to keep) or a
// minimized window. Prints visibility, focus, viewport, animation frames in
// one second, the time 20 timers of 5 ms take, whether a click lands in the
// chat page's textarea and text goes in, and whether a screenshot comes.
// A tool for deciding how to open a tab, not a figure of its own.
//   node bench/tools/tab-probe.mjs [--hidden [--metrics]] [--minimized]
//   (--metrics: the hidden tab gets a viewport and focus emulation)
import fs from 'node:fs';
import { open_context, tab_options, with_sim_and_chromium } from './cdp_client.mjs';
const hidden = process.argv.includes('--hidden');
await with_sim_and_chromium('tab-probe', 2, [], async ({ sim, profiles, browser, call, event }) => {
  const target_extra = await tab_options(call, { hidden, minimized: process.argv.includes('--minimized') });
  const state = JSON.parse(fs.readFileSync(profiles[0], 'utf8'));
  const s = await open_context({ call, event, url: `${sim.url}/prompts/new_chat`, cookies: state.cookies, target_extra });
  const ev = async (e) => (await call('Runtime.evaluate', { expression: e, awaitPromise: true, returnByValue: true }, s)).result.value;
  if (hidden && process.argv.includes('--metrics')) {
    await call('Emulation.setDeviceMetricsOverride', { width: 1440, height: 813, deviceScaleFactor: 1, mobile: false }, s);
    await call('Emulation.setFocusEmulationEnabled', { enabled: true }, s);
  }
  console.log('hidden', hidden);
  console.log('visibility', await ev('document.visibilityState'), 'focus', await ev('document.hasFocus()'), 'size', await ev('[innerWidth, innerHeight, devicePixelRatio]'));
  console.log('raf in 1s', await ev('new Promise(r => { let n = 0; const t0 = performance.now(); const f = () => { n++; if (performance.now() - t0 < 1000) requestAnimationFrame(f); else r(n); }; requestAnimationFrame(f); setTimeout(() => r("timeout:" + n), 3000); })'));
  console.log('20 timers of 5ms took ms', await ev('new Promise(r => { let n = 0; const t0 = performance.now(); const f = () => { if (++n === 20) r(performance.now() - t0); else setTimeout(f, 5); }; setTimeout(f, 5); })'));
  // What Angular Material's dialogs and menus wait for before they open or go.
  console.log('CSS transition of 50 ms ended', await ev(`new Promise(r => { const d = document.createElement('div');
    d.style.cssText = 'width:10px;height:10px;opacity:1;transition:opacity 50ms'; document.body.append(d); d.getBoundingClientRect();
    d.addEventListener('transitionend', () => r('yes')); d.style.opacity = '0'; setTimeout(() => r('no, not in 2 s'), 2000); })`));
  console.log('CSS animation of 50 ms ended', await ev(`new Promise(r => { const st = document.createElement('style');
    st.textContent = '@keyframes probe { from { opacity: 0 } to { opacity: 1 } }'; document.head.append(st);
    const d = document.createElement('div'); d.style.cssText = 'width:10px;height:10px;animation:probe 50ms'; document.body.append(d);
    d.addEventListener('animationend', () => r('yes')); setTimeout(() => r('no, not in 2 s'), 2000); })`));
  const box = await ev(`(() => { const b = document.querySelector('textarea')?.getBoundingClientRect(); return b ? [b.x, b.y, b.width, b.height] : null; })()`);
  console.log('textarea box', box);
  if (box) {
    await ev(`window.__clicked = 0; document.querySelector('textarea').addEventListener('mousedown', () => window.__clicked++)`);
    const x = box[0] + box[2] / 2, y = box[1] + box[3] / 2;
    await call('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', clickCount: 1 }, s);
    await call('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', clickCount: 1 }, s);
    console.log('clicked', await ev('window.__clicked'), 'focused', await ev('document.activeElement?.tagName'));
    await call('Input.insertText', { text: 'hello' }, s);
    console.log('value', await ev(`document.querySelector('textarea').value`));
  }
  const shot = await Promise.race([new Promise((r) => setTimeout(() => r({ error: 'no screenshot in 5 s' }), 5000)), call('Page.captureScreenshot', { format: 'png' }, s)]).catch((e) => ({ error: e.message }));
  console.log('screenshot', shot.error || `${shot.data.length} b64 chars`);
});
