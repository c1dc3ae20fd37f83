// Drives Coffer's web console (/console) in a real browser — Debian's chromium,
// launched by playwright-core with executablePath (no browser download) — as a
// person would: the sign-in page, then every page of the console, clicking
// through it. Run by ../test_console.py with a server it prepared.
//
//   node console.mjs officer|denied
//
// Environment: COFFER_AUTHORITY (https://localhost:PORT), COFFER_USER and
// COFFER_PASSWORD (who signs in), COFFER_SECRET_VALUE (the value the officer
// sets), COFFER_SCREENSHOTS (a directory: one PNG per page), CHROMIUM (default
// /usr/bin/chromium). Prints {"ok", "steps", "error"?, "consoleErrors"} on
// stdout; exit code 0 when the scenario passed.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const env = process.env;
const base = env.COFFER_AUTHORITY;
const shots = env.COFFER_SCREENSHOTS;
const scenario = process.argv[2];
const steps = [];
const consoleErrors = [];

async function signIn(page) {
  await page.goto(base + "/console/");
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.fill("#username", env.COFFER_USER);
  await page.fill("#password", env.COFFER_PASSWORD);
  await shot(page, "sign-in");
  await page.click("button[type=submit]");
  await page.waitForURL(base + "/console/#/");
  await page.waitForSelector("#who:not(:empty)");
  assert.equal(await page.textContent("#who"), env.COFFER_USER);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${scenario}-${name}.png`), fullPage: true });
  steps.push(name);
}

// What a page stores: nothing of a secret may be there.
async function storedInBrowser(page, context) {
  const storage = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage));
  const cookies = JSON.stringify(await context.cookies());
  return storage + cookies;
}

async function officer(page, context) {
  await signIn(page);
  await page.waitForSelector("text=dev");
  await shot(page, "vaults");

  // Secrets: set one through the form; its value is not on the page until asked for.
  await page.click("a[href='#/vault/dev/secrets']");
  await page.waitForSelector("#new-secret");
  await page.fill("#new-secret input[name=name]", "console-secret");
  await page.fill("#new-secret input[name=value]", env.COFFER_SECRET_VALUE);
  await page.click("#new-secret button[type=submit]");
  await page.waitForSelector("text=Secret console-secret set.");
  await shot(page, "secrets");
  await page.click("a:text-is('console-secret')");
  await page.waitForSelector("text=Show value");
  assert.ok(!(await page.content()).includes(env.COFFER_SECRET_VALUE), "the value is shown only when asked for");
  await page.click("text=Show value");
  await page.waitForSelector(`code:text-is('${env.COFFER_SECRET_VALUE}')`);
  await shot(page, "secret-value");
  assert.ok(!(await storedInBrowser(page, context)).includes(env.COFFER_SECRET_VALUE), "no secret stored in the browser");

  // Keys and certificates: expiry highlighted.
  await page.click("a:text-is('Keys')");
  await page.waitForSelector("td:text-is('expired-key')");
  assert.ok(await page.$(".expired"), "an expired key is marked");
  assert.ok(await page.$(".expiring"), "a key expiring soon is marked");
  await shot(page, "keys");
  await page.click("a:text-is('Certificates')");
  await page.waitForSelector("td:text-is('console-cert')");
  await shot(page, "certificates");

  // Delete, find it among the deleted, recover it.
  await page.click("a:text-is('Secrets')");
  await page.click("a:text-is('console-secret')");
  page.once("dialog", (d) => d.accept());
  await page.click("text=Delete secret");
  await page.waitForSelector("text=Secret console-secret deleted.");
  await page.click("a:text-is('Deleted')");
  await page.waitForSelector("td:text-is('console-secret')");
  await shot(page, "deleted");
  await page.click("tr:has(td:text-is('console-secret')) button:text-is('Recover')");
  await page.waitForSelector("text=console-secret recovered.");

  // Access: role assignments at the vault, one added at a secret's scope.
  await page.click("a:text-is('Access')");
  await page.waitForSelector("#new-assignment");
  assert.ok((await page.content()).includes(env.COFFER_USER_OID), "the officer's own assignment is listed");
  await page.selectOption("#new-assignment select[name=role]", { label: "Key Vault Secrets User" });
  await page.fill("#new-assignment input[name=principal]", env.COFFER_OTHER_OID);
  await page.fill("#new-assignment input[name=object]", "secrets/console-secret");
  await page.click("#new-assignment button[type=submit]");
  await page.waitForSelector("text=Role assigned.");
  await page.waitForSelector("td:text-is('/vaults/dev/secrets/console-secret')");
  await shot(page, "access");

  // Audit: the reads of the value, by this person.
  await page.click("#nav a:text-is('Audit')");
  await page.fill("#audit-search input[name=operation]", "SecretGet");
  await page.fill("#audit-search input[name=principal]", env.COFFER_USER);
  await page.click("#audit-search button[type=submit]");
  await page.waitForSelector(`td:text-is('${env.COFFER_USER}')`);
  await shot(page, "audit");

  await page.click("#nav a:text-is('Health')");
  await page.waitForSelector("dd.ok");
  await shot(page, "health");

  // Sign-out: back to the sign-in page, and the console cannot get in without it.
  await page.click("#sign-out");
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.waitForSelector("#password");
  await shot(page, "signed-out");
}

async function denied(page) {
  await signIn(page);
  await page.waitForSelector("text=You may not list vaults");
  await page.fill("#open-vault input[name=vault]", "dev");
  await page.click("#open-vault button[type=submit]");
  await page.waitForSelector(".error:has-text('Not allowed')");
  await shot(page, "denied");
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  // The dev server's CA is not in chromium's store; vault hosts (*.localhost) resolve to loopback in chromium itself.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(20000);
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  let result;
  try {
    await ({ officer, denied })[scenario](page, context);
    result = { ok: true, steps, consoleErrors };
  } catch (e) {
    await page.screenshot({ path: path.join(shots, `${scenario}-failure.png`), fullPage: true }).catch(() => {});
    result = { ok: false, steps, consoleErrors, error: String(e && e.stack || e), url: page.url() };
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exitCode = result.ok ? 0 : 1;
}

await main();
