// The status page in headless Chromium: starts the quickstart with the admin API, opens the page
// with the printed link, checks that the counters shown are those of GET /stats, disables and
// enables the gone endpoint with its buttons, replays its dead letters with the replay button,
// checks that the dead count falls by exactly those, and keeps screenshots in the artifacts folder.
// Usage: node status_page.mjs QUICKSTART CHROMIUM ARTIFACTS NODE_MODULES_DIR
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [quickstart, chromium, artifacts, nodeDir] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, "package.json"));
const puppeteer = require("puppeteer-core");

function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
  console.log("ok: " + what);
}

// Starts the quickstart and resolves with the page URL once the run is over and it lingers.
function startQuickstart(db) {
  const child = spawn(quickstart, ["--events", "300", "--fast", "--admin", "0", "--linger", db],
                      { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("quickstart did not start serving in 120 s:\n" + out)), 120000);
    child.stdout.on("data", (chunk) => {
      out += chunk.toString();
      const m = out.match(/admin: serving (\S+) until/);
      if (m) {
        clearTimeout(timer);
        if (!/quickstart: ok/.test(out)) reject(new Error("the quickstart's run failed:\n" + out));
        else resolve(m[1]);
      }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error("quickstart exited (" + code + "):\n" + out)); });
  });
  return { child, ready };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => { child.kill("SIGKILL"); }, 20000);
    child.on("exit", (code) => { clearTimeout(timer); resolve(code); });
    child.kill("SIGTERM");
  });
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hookbox-page-")), "outbox.sqlite");
  const { child, ready } = startQuickstart(db);
  let browser;
  try {
    const url = await ready;
    const u = new URL(url);
    const token = u.searchParams.get("token");
    const base = u.origin + u.pathname.replace(/\/+$/, "");
    check(u.hostname === "127.0.0.1" && token && token.length >= 16, "the quickstart printed the page's link with a token");
    const api = async (method, p, body) => {
      const r = await fetch(base + p, { method, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
                                        body: body === undefined ? undefined : JSON.stringify(body) });
      if (!r.ok) throw new Error(method + " " + p + ": HTTP " + r.status + " " + (await r.text()));
      return r.json();
    };

    const args = ["--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"];
    if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
    browser = await puppeteer.launch({ executablePath: chromium, args, timeout: 60000 });
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const external = [];
    page.on("request", (req) => { if (!req.url().startsWith(u.origin)) external.push(req.url()); });
    await page.goto(url, { waitUntil: "load", timeout: 30000 });
    await page.waitForSelector("body[data-loaded=true]", { timeout: 15000 });
    check(!page.url().includes("token="), "the page took the token out of the address bar");

    const shown = async () => page.evaluate(() => {
      const v = (id) => document.getElementById(id).textContent;
      return { pending: v("count-pending"), in_flight: v("count-in_flight"), success: v("count-success"),
               failed: v("count-failed"), dead: v("count-dead"), total: v("count-total") };
    });
    const stats = await api("GET", "/stats");
    const before = await shown();
    for (const k of ["pending", "in_flight", "success", "failed", "dead"])
      check(before[k] === String(stats.counts[k]), `counter ${k} shows ${before[k]}, /stats says ${stats.counts[k]}`);
    check(before.total === String(stats.total), "counter total matches /stats");
    const goneDead = Number(before.dead);
    check(goneDead > 0, "the run left dead letters (the gone receiver's)");

    // The quickstart serves its metrics registry: the dead letters counted there are those of /stats.
    const metricsReply = await fetch(base + "/metrics", { headers: { Authorization: "Bearer " + token } });
    check(metricsReply.ok && (metricsReply.headers.get("content-type") || "").startsWith("text/plain; version=0.0.4"),
          "GET /metrics answers in the Prometheus text format");
    const metricsText = await metricsReply.text();
    const deadLetters = metricsText.match(/^hookbox_dead_letters_total (\d+)$/m);
    check(deadLetters && Number(deadLetters[1]) === goneDead,
          `hookbox_dead_letters_total is ${deadLetters && deadLetters[1]}, /stats counts ${goneDead} dead`);
    check(/^hookbox_queue_depth\{partition="0"\} \d+$/m.test(metricsText), "the queue depth of partition 0 is served");

    const endpoints = await api("GET", "/endpoints");
    const gone = endpoints.endpoints.find((e) => e.webhook_id === "wh-gone");
    check(gone && gone.dead === goneDead, "GET /endpoints counts every dead letter against wh-gone");
    await page.waitForSelector('#endpoints-body tr[data-webhook="wh-gone"]', { timeout: 10000 });
    await page.screenshot({ path: path.join(artifacts, "status-page.png"), fullPage: true });

    // Disable, then enable, the gone endpoint with its buttons (the lingering dispatcher applies them).
    await page.click('#endpoints-body button[data-action=disable][data-webhook="wh-gone"]');
    await page.waitForSelector('#endpoints-body button[data-action=enable][data-webhook="wh-gone"]', { timeout: 15000 });
    check((await api("GET", "/endpoints")).endpoints.find((e) => e.webhook_id === "wh-gone").disabled,
          "the disable button disabled wh-gone");
    await page.click('#endpoints-body button[data-action=enable][data-webhook="wh-gone"]');
    await page.waitForSelector('#endpoints-body button[data-action=disable][data-webhook="wh-gone"]', { timeout: 15000 });
    check(!(await api("GET", "/endpoints")).endpoints.find((e) => e.webhook_id === "wh-gone").disabled,
          "the enable button enabled wh-gone again");

    // Replay the dead letters of wh-gone.
    const replay = '#dead-groups-body button[data-action=replay][data-webhook="wh-gone"]';
    await page.waitForSelector(replay, { timeout: 10000 });
    await page.click(replay);
    await page.waitForFunction((d) => document.getElementById("count-dead").textContent !== d,
                               { timeout: 15000 }, before.dead);
    const after = await shown();
    const statsAfter = await api("GET", "/stats");
    check(after.dead === String(statsAfter.counts.dead), `after replay, counter dead shows ${after.dead} as /stats does`);
    check(statsAfter.counts.dead === stats.counts.dead - gone.dead, "the replay took every dead letter of wh-gone");
    check(statsAfter.counts.pending === stats.counts.pending + gone.dead, "the replayed deliveries wait as pending");
    const message = await page.$eval("#message", (e) => e.textContent);
    check(message.includes("replayed " + gone.dead), "the page says how many it replayed: " + message);
    await page.screenshot({ path: path.join(artifacts, "status-page-after-replay.png"), fullPage: true });
    check(external.length === 0, "the page fetched nothing from elsewhere");
    console.log("screenshots: " + path.join(artifacts, "status-page.png") + ", status-page-after-replay.png");
  } finally {
    if (browser) await browser.close();
    const code = await stop(child);
    fs.rmSync(path.dirname(db), { recursive: true, force: true });
    check(code === 0, "the quickstart ended cleanly on SIGTERM (" + code + ")");
  }
}

main().then(() => { console.log("status page: ok"); process.exit(0); },
            (e) => { console.error("status page: FAILED: " + (e && e.stack || e)); process.exit(1); });
