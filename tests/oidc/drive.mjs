// Drives headless Chromium (puppeteer-core, the machine's own browser) through staff sign-in:
// the gateway's page → the provider's login and consent pages → back on the gateway signed in.
// Prints one JSON line once signed in, waits for a line on stdin (the test attacks the live
// session meanwhile), then signs out and prints a second JSON line.
//
// Arguments: CHROMIUM GATEWAY_URL PAGE LOGIN SCREENSHOT_DIR
import readline from "node:readline";
import puppeteer from "puppeteer-core";

const [chromium, gateway, pagePath, login, shots] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--window-size=1280,1600"],
});
try {
  const page = await browser.newPage();
  // The provider's page styles import a web font; nothing outside this machine is fetched.
  await page.setRequestInterception(true);
  page.on("request", (r) => (r.url().startsWith("http://127.0.0.1") ? r.continue() : r.abort()));
  const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
  await page.goto(gateway + pagePath, { waitUntil: "networkidle0" });
  const before = await page.evaluate(() => document.body.innerText);
  await Promise.all([page.waitForNavigation(), page.click("#sign-in-link")]);
  const provider = page.url();
  await page.type('input[name="login"]', login);
  await page.type('input[name="password"]', "any password");
  // Sign in, then consent where the provider asks; it then redirects to /auth/callback,
  // which lands on the page.
  for (let step = 0; step < 3 && !page.url().startsWith(gateway + "/"); step++) {
    if (!(await page.$('button[type="submit"]'))) { throw new Error(`stuck at ${page.url()}: ${await page.content()}`); }
    await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }), page.click('button[type="submit"]')]);
  }
  await page.waitForFunction(() => /Signed in as/.test(document.body.innerText));
  await page.waitForFunction(() => !/Loading/.test(document.body.innerText));
  await page.screenshot({ path: `${shots}/sign-in${pagePath.replace(/\W/g, "-")}.png`, fullPage: true });
  const cookies = await page.cookies(gateway);
  console.log(JSON.stringify({
    before, provider, landed: page.url(), text: await page.evaluate(() => document.body.innerText),
    document_cookie: await page.evaluate(() => document.cookie),
    cookies: cookies.map((c) => ({ name: c.name, value: c.value, httpOnly: c.httpOnly, sameSite: c.sameSite, secure: c.secure, session: c.session })),
  }));
  await nextLine();
  await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }), page.click("#sign-out button")]);
  console.log(JSON.stringify({
    landed: page.url(),
    text: await page.evaluate(() => document.body.innerText),
    cookies: (await page.cookies(gateway)).map((c) => c.name),
  }));
} finally {
  await browser.close();
  lines.close();
}
