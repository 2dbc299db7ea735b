// Loads each HTML file in Debian's Chromium (headless), saves a full-page screenshot, runs axe-core
// with the WCAG 2.2 A and AA rules, and checks that the page reflows at 200% zoom (half the width, no
// sideways scrolling). Prints one JSON object: {file: {violations, screenshot, overflow}}.
//
//   node check.mjs SCREENSHOT_DIR FILE.html...
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const [outDir, ...files] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const results = {};
try {
  for (const file of files) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load" });
    const screenshot = join(outDir, basename(file).replace(/\.html$/, ".png"));
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.addScriptTag({ path: AXE });
    const found = await page.evaluate(async (tags) => {
      const run = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
      return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.map((n) => n.target.join(" ")) }));
    }, TAGS);
    // 200% zoom is the same layout as half the viewport width at 100%.
    await page.setViewportSize({ width: 640, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    results[file] = { violations: found, screenshot, overflow };
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
