// Headless Chromium for the tests that drive a page (puppeteer-core): a
// private profile dir, and a close that leaves neither the browser nor the
// dir behind even when the test failed.
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

export async function closeChromium({ browser, profile } = {}) {
  if (browser) {
    const pid = browser.process() && browser.process().pid;
    await browser.close().catch(() => {});
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  }
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
}
