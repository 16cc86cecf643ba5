// Headless Chromium (or firefox-esr) for the tests that drive a page
// (puppeteer-core): a private profile dir, and a close that leaves neither
// the browser nor the dir behind even when the test failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export async function launchChromium(name, extraArgs = []) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `camoufleet-${name}-`));
  try {
    const browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
      headless: true,
      userDataDir: profile,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage',
        '--disable-background-networking', '--disable-component-update', '--disable-crash-reporter',
        ...extraArgs],
    });
    return { browser, profile };
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

// firefox-esr the same way, over WebDriver BiDi; `prefs` are Firefox
// preferences (the tests' stand-in for Chromium's switches).
export async function launchFirefox(name, prefs = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `camoufleet-${name}-`));
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: process.env.FIREFOX_BIN || '/usr/bin/firefox-esr',
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: prefs,
      protocolTimeout: 120000,
      timeout: 120000,
    });
    return { browser, profile };
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

// Closes either kind; the browser is killed by its PID if closing hangs.
export async function closeChromium({ browser, profile } = {}) {
  if (browser) {
    const pid = browser.process() && browser.process().pid;
    await browser.close().catch(() => {});
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  }
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
}
