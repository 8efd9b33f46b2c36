// Browser side of the end-to-end tests: Debian's chromium driven through
// playwright-core (nothing downloads a browser), one context per person,
// every console error recorded (the suite fails on any), screenshots of each
// step written to the artifacts directory.

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = resolve(process.env.E2E_ARTIFACTS ?? join(here, '..', 'artifacts'));

export async function launch() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // root on CI has no user namespaces for chromium's sandbox
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export const PHONE = { width: 390, height: 760 };
export const DESKTOP = { width: 1100, height: 720 };

// A person: a browser context of their own (its own storage, its own
// network), a page on the app, the console errors it printed.
export class Person {
  constructor(name, context, page) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.errors = [];
    // While the test cuts this person's network on purpose, the browser
    // reports the refused WebSocket reconnects as errors; those, and only
    // those, are expected then.
    this.offline = false;
    const record = (text) => {
      if (this.offline && /WebSocket|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION/.test(text)) return;
      this.errors.push(text);
    };
    page.on('console', (m) => { if (m.type() === 'error') record(`console: ${m.text()}`); });
    page.on('pageerror', (e) => record(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      if (r.failure()?.errorText === 'net::ERR_ABORTED') return;  // a navigation away
      record(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
  }

  static async open(browser, name, url, { viewport = DESKTOP } = {}) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const person = new Person(name, context, page);
    await page.goto(url);
    return person;
  }

  async signUp(password = `${this.name}-password`) {
    const { page } = this;
    await page.fill('#auth-user', this.name);
    await page.fill('#auth-password', password);
    await page.click('#sign-up');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForFunction(() => window.parley?.listReady === true);
  }

  async shot(step) {
    await this.page.screenshot({ path: join(artifacts, `${step}-${this.name}.png`) });
  }

  conversation(id) { return this.page.locator(`.conversation[data-id="${id}"]`); }

  async open(id) {
    await this.conversation(id).click();
    await this.page.waitForSelector('#composer:not([hidden])');
  }

  async send(text) {
    await this.page.fill('#text', text);
    await this.page.press('#text', 'Enter');
  }

  // The texts of the open conversation's stored messages, in order.
  texts() {
    return this.page.$$eval('#message-list .msg[data-seq] .text', (nodes) =>
      nodes.map((n) => n.textContent));
  }

  async close() { await this.context.close(); }
}
