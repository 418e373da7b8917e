// Opens exported HTML viewers in headless Chromium (playwright-core driving
// Debian's /usr/bin/chromium) and checks that the tree renders every event,
// that collapsing hides children, that search filters, and that clicking
// shows an event's data and jumps to a cross-tick cause. Run by .ci/run:
// A third page, exported from tests/fixtures/hostile/hostile_strings.jsonl,
// carries `<!--`, `<script>`, `</script>`, NUL, control characters, a 20,000
// character type and lone surrogates in its text: it must parse and render
// like any other, with the text shown as text.
//   node tests/browser/html_viewer.mjs SMALL.html GAME.html SCREENSHOT.png HOSTILE.html
import { createRequire } from "node:module";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";

const require = createRequire(path.resolve(process.env.PLAYWRIGHT_DIR || ".", "package.json"));
const { chromium } = require("playwright-core");

const [small, game, shot, hostile] = process.argv.slice(2);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tickcascade-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 820 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});
let failures = 0;
function check(what, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ": " + detail : ""}`);
  if (!ok) failures++;
}

const page = await context.newPage();
page.on("pageerror", (e) => check("no script errors", false, String(e)));
await page.goto("file://" + path.resolve(small));
// spec_example: 7 events, the attack has a same-tick child, xp.gain twice.
const count = await page.locator(".ev").count();
check("every event rendered", count === 7, `${count} of 7`);
const attack = page.locator(".ev", { has: page.locator(":scope > .row .type", { hasText: "combat.attack" }) }).first();
const damage = page.locator(".ev .type", { hasText: "combat.damage" }).first();
check("child visible before collapsing", await damage.isVisible());
await attack.locator(":scope > .row .tog").click();
check("collapsing hides children", !(await damage.isVisible()));
await attack.locator(":scope > .row .tog").click();
check("expanding shows them again", await damage.isVisible());
await page.fill("#search", "xp");
const shown = await page.locator(".ev:not(.hidden) > .row .type").allTextContents();
check("search filters by type", shown.length === 2 && shown.every((t) => t === "xp.gain"), shown.join(","));
await page.fill("#search", "1-FCFC");
const byId = await page.locator(".ev:not(.hidden) > .row .id").allTextContents();
check("search filters by id", byId.length === 1 && byId[0] === "1-FCFC-1", byId.join(","));
await page.fill("#search", "");
await page.locator(".type", { hasText: "loot.drop" }).click();
const data = await page.locator("#details pre").textContent();
check("clicking shows the data", data.includes("\"item\": \"gold\""), data);
await page.locator("#details a.cause").click();
const selected = await page.locator(".row.selected .type").textContent();
check("the parent link jumps to the cause", selected === "combat.attack", selected);

await page.goto("file://" + path.resolve(game));
const events = await page.evaluate(() => window.tickcascadeViewer.events);
const firstBatch = await page.locator(".ev").count();
check("a big log renders lazily", firstBatch > 0 && firstBatch < events, `${firstBatch} of ${events}`);
const lastId = await page.evaluate(() => JSON.parse(document.getElementById("events").textContent).at(-1)[2]);
await page.fill("#search", lastId);
const hit = page.locator("#details a.cause").first();
check("search finds events not rendered yet", (await hit.textContent()).includes(lastId));
await hit.click();
check("a search hit jumps to its event", (await page.locator(".row.selected .id").textContent()) === lastId);
await page.fill("#search", "");
await page.evaluate(() => window.tickcascadeViewer.renderAll());
const all = await page.locator(".ev").count();
check("rendering everything shows every event", all === events, `${all} of ${events}`);
await page.evaluate(() => window.scrollTo(0, 0));
await page.locator(".type", { hasText: "combat.damage_dealt" }).first().click();
await page.screenshot({ path: shot });
check("screenshot saved", fs.existsSync(shot), shot);

if (hostile) {
  const bad = await context.newPage();
  const errors = [];
  bad.on("pageerror", (e) => errors.push(String(e)));
  bad.on("dialog", (d) => { errors.push("a dialog opened: " + d.message()); d.dismiss(); });
  await bad.goto("file://" + path.resolve(hostile));
  check("hostile text raises no script error", errors.length === 0, errors.join("; "));
  check("hostile text cannot retitle the page", !(await bad.title()).includes("pwned"), await bad.title());
  await bad.evaluate(() => window.tickcascadeViewer.renderAll());
  const n = await bad.locator(".ev").count();
  check("every hostile event rendered", n === 7, `${n} of 7`);
  const types = await bad.locator(".ev .type").allTextContents();
  check("markup in a type is shown as text", types.includes("page.<!--<script>"), types.map((t) => t.slice(0, 40)).join(" | "));
  check("no script from the data ran", (await bad.locator("script").count()) === 2, `${await bad.locator("script").count()} script elements`);
  await bad.close();
}

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
if (failures) {
  console.log(`${failures} browser check(s) failed`);
  process.exit(1);
}
console.log("browser checks passed");
