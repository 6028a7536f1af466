// A real browser: headless Chromium (Debian's, driven by playwright-core) opens PAGE_URL, whose script
// uses MQTT.js to subscribe, publish and receive at QoS 1 and 2, and leaves its outcome in
// window.cairnResult. usage: node browser-roundtrip.mjs PAGE_URL. Prints that outcome as JSON.
import { chromium } from 'playwright-core';

const [pageUrl] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
});
try {
  // the broker's certificate is made by the test: the page trusts it as a user who accepted it would
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.cairnResult !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => window.cairnResult);
  result.userAgent = await page.evaluate(() => navigator.userAgent);
  result.logs = logs;
  console.log(JSON.stringify(result));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
