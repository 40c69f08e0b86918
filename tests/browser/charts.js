// Renders one self-contained vitals page (report, compare) in Debian's headless chromium and
// prints, as JSON, every request the page made and the drawn size and child shapes of every
// <svg class="chart ...">. The caller judges; this only measures.
// Usage: node charts.js PAGE.html   (chromium at /usr/bin/chromium; no browser download)
'use strict';
const path = require('path');
const { pathToFileURL } = require('url');
const { chromium } = require('playwright-core');

async function main(file) {
  const url = pathToFileURL(path.resolve(file)).href;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => {
      const box = s.getBoundingClientRect();
      const shapes = s.querySelectorAll('rect, circle, line, path, polyline, polygon, ellipse, text');
      return { class: s.getAttribute('class'), width: box.width, height: box.height, shapes: shapes.length };
    }));
    process.stdout.write(JSON.stringify({ url, requests, charts }) + '\n');
  } finally {
    await browser.close();
  }
}

if (process.argv.length !== 3) {
  process.stderr.write('usage: node charts.js PAGE.html\n');
  process.exit(2);
}
main(process.argv[2]).catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
