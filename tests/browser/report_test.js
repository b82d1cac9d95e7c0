// Opens a chapter report (report.html) in Debian's headless Chromium and checks what a reader
// would: every figure loaded, the latent map drawn, the colouring toggles, hovering a point shows
// its image, digit and cluster. Saves a screenshot next to the report.
//
//   node report_test.js path/to/report.html [screenshot.png]
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log('ok - ' + message);
}

(async () => {
  const report = path.resolve(process.argv[2]);
  const screenshot = process.argv[3] || path.join(path.dirname(report), 'report-screenshot.png');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto('file://' + report, { waitUntil: 'load' });

    // Every figure is an embedded PNG that decoded to a real image.
    const figures = await page.$$eval('img.figure', imgs => imgs.map(i => ({
      alt: i.alt, ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0, local: i.src.startsWith('data:image/png;base64,'),
    })));
    check(figures.length === 11, `the report has all 11 figures (${figures.length})`);
    for (const f of figures) check(f.ok && f.local, `figure loaded from the page itself: ${f.alt}`);
    check(await page.$$eval('.missing', m => m.length) === 0, 'no figure is missing');
    check(await page.$$eval('script[src], link[href^="http"]', s => s.length) === 0, 'nothing is fetched from the network');
    // The Dense section's "autoenc" column holds the numbers this run measured (results/dense.txt),
    // and the book's column the book's.
    const rows = await page.$$eval('#dense table tr', trs => trs.slice(1).map(tr =>
      Array.from(tr.cells).map(c => c.textContent.trim())));
    const row = what => rows.find(r => r[0] === what) || [];
    const measured = Object.fromEntries(fs.readFileSync(path.join(path.dirname(report), 'results', 'dense.txt'), 'utf8')
      .split('\n').filter(l => l.includes(': ')).map(l => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
    const withCommas = n => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    check(row('Total params')[1] === withCommas(measured.params) && measured.params === '716640',
      `our parameter count is the run's: ${row('Total params')[1]}`);
    check(row('test loss')[1] === measured.test_loss && Number(measured.test_loss) > 0 && Number(measured.test_loss) < 0.1,
      `our test loss is the run's: ${row('test loss')[1]}`);
    check(row('loss, last epoch')[1] === measured.final_train_loss && row('loss, last epoch')[2] === '0.0066',
      `our last training loss (${row('loss, last epoch')[1]}) stands beside the book's (0.0066)`);

    // The latent map: drawn, coloured by digit, then by cluster.
    await page.waitForFunction(() => window.latentMap !== undefined);
    const map = await page.$('#map');
    await map.scrollIntoViewIfNeeded();
    const painted = await page.$eval('#map', c => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    check(painted > 1000, `the latent map is drawn (${painted} painted pixels)`);
    check(await page.$eval('#map', c => c.dataset.colorBy) === 'digit', 'the map starts coloured by digit');
    await page.click('#by-cluster');
    check(await page.$eval('#map', c => c.dataset.colorBy) === 'cluster', 'the toggle colours it by k-means cluster');
    await page.click('#by-digit');
    check(await page.$eval('#map', c => c.dataset.colorBy) === 'digit', 'and back by digit');

    // Hover point 0: the tooltip shows its image, digit and cluster.
    const box = await map.boundingBox();
    const [sx, sy] = await page.evaluate(() => window.latentMap.screenPosition(0));
    await page.mouse.move(box.x + sx, box.y + sy);
    await page.waitForSelector('#tip', { state: 'visible', timeout: 5000 });
    const label = await page.$eval('#tip .label', l => l.textContent);
    check(/^digit \d, cluster \d+ \(image \d+\)$/.test(label), `hovering shows "${label}"`);
    const inked = await page.$eval('#tip canvas', c => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
      return dark;
    });
    check(inked > 20, `the tooltip draws the digit's image (${inked} dark pixels)`);

    await page.screenshot({ path: screenshot, fullPage: false });
    await map.screenshot({ path: screenshot.replace(/\.png$/, '-map.png') });
    check(errors.length === 0, 'no script errors' + (errors.length ? ': ' + errors.join('; ') : ''));
    console.log('screenshot: ' + screenshot);
  } finally {
    await browser.close();
  }
})().catch(e => {
  console.error('not ok - ' + e.message);
  process.exit(1);
});
