// Coffer's web console. It signs the person in with the authorization code
// flow and PKCE on the server's own sign-in page (a session cookie there makes
// later sign-ins silent), keeps its tokens in memory only (a reload signs in
// again, silently), and calls the same APIs the SDKs and the CLI call — the
// vaults' data plane, role management and Coffer's admin API — with the
// person's token, so RBAC decides what it shows and does. Secret values are
// fetched only when asked for (an audited read), shown, never stored. No
// inline script or style (the page's Content-Security-Policy forbids them);
// every text from the server goes into the page as text, never as HTML.

const ORIGIN = location.origin;
const REDIRECT = ORIGIN + "/console/";
const OAUTH = ORIGIN + "/adfs/oauth2";
const API_VERSION = "7.4";
const PENDING = "coffer.console.pending"; // sessionStorage: the PKCE verifier and state, only across the redirect
const EXPIRING_DAYS = 30;

const state = { config: null, refreshToken: null, tokens: new Map(), user: null, chain: Promise.resolve(), notice: null };

// --- sign-in -------------------------------------------------------------------------------------

function b64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(n) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function startSignIn(prompt) {
  const verifier = randomText(48);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const st = randomText(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state: st, route: location.hash || "#/" }));
  const q = new URLSearchParams({
    client_id: state.config.clientId, response_type: "code", redirect_uri: REDIRECT, state: st,
    scope: ORIGIN + "//.default openid offline_access", code_challenge: challenge, code_challenge_method: "S256",
  });
  if (prompt) q.set("prompt", prompt);
  location.assign(OAUTH + "/authorize?" + q.toString());
}

function keepTokens(answer, resource) {
  state.refreshToken = answer.refresh_token;
  state.tokens.set(resource, { value: answer.access_token, expires: Date.now() + (answer.expires_in - 60) * 1000 });
  if (answer.id_token) {
    const claims = JSON.parse(atob(answer.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    state.user = claims.preferred_username || claims.upn || claims.sub;
  }
}

async function tokenRequest(fields) {
  const r = await fetch(OAUTH + "/token", {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(Object.assign({ client_id: state.config.clientId }, fields)).toString(),
  });
  const answer = await r.json();
  if (!r.ok) throw new ApiError(r.status, answer.error, answer.error_description);
  return answer;
}

// Completes a sign-in when the page is the redirect back from the authorization endpoint.
async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", REDIRECT + ((pending && pending.route) || "#/"));
  if (params.has("error")) throw new ApiError(401, params.get("error"), params.get("error_description"));
  if (!pending || pending.state !== params.get("state")) throw new ApiError(400, "invalid_state", "The sign-in answer does not match this page's request; sign in again.");
  const answer = await tokenRequest({
    grant_type: "authorization_code", code: params.get("code"), redirect_uri: REDIRECT,
    code_verifier: pending.verifier, scope: ORIGIN + "//.default openid offline_access",
  });
  keepTokens(answer, ORIGIN);
  return true;
}

// An access token for `resource`; refresh tokens rotate, so refreshes run one at a time.
function tokenFor(resource) {
  const cached = state.tokens.get(resource);
  if (cached && cached.expires > Date.now()) return Promise.resolve(cached.value);
  const next = state.chain.then(async () => {
    const again = state.tokens.get(resource);
    if (again && again.expires > Date.now()) return again.value;
    const answer = await tokenRequest({ grant_type: "refresh_token", refresh_token: state.refreshToken, scope: resource + "/.default" });
    keepTokens(answer, resource);
    return answer.access_token;
  });
  state.chain = next.catch(() => {});
  return next;
}

function signOut() {
  state.refreshToken = null;
  state.tokens.clear();
  location.assign(OAUTH + "/logout?" + new URLSearchParams({ post_logout_redirect_uri: REDIRECT }).toString());
}

// --- APIs ----------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || ("HTTP " + status));
    this.status = status;
    this.code = code || "";
  }
}

async function call(url, resource, method = "GET", body) {
  const token = await tokenFor(resource);
  const headers = { Authorization: "Bearer " + token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(r.status, e.code, e.message || r.statusText);
  }
  return data;
}

const vaultUri = (name) => "https://" + name.toLowerCase() + state.config.vaultSuffix;
const vaultResource = () => "https://" + state.config.vaultSuffix.slice(1);
const withVersion = (path) => path + (path.includes("?") ? "&" : "?") + "api-version=" + API_VERSION;
const admin = (method, path, body) => call(ORIGIN + "/coffer/admin" + path, ORIGIN, method, body);
const data = (vault, method, path, body) => call(vaultUri(vault) + withVersion(path), vaultResource(), method, body);
const rbac = (method, scope, path, body) =>
  call(ORIGIN + withVersion(scope + "/providers/Microsoft.Authorization/" + path), ORIGIN, method, body);

// Every page of a list (AKV's nextLink).
async function all(vault, path) {
  let page = await data(vault, "GET", path);
  const items = [...(page.value || [])];
  while (page.nextLink) {
    page = await call(page.nextLink, vaultResource());
    items.push(...(page.value || []));
  }
  return items;
}

// --- DOM helpers ---------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const main = () => document.getElementById("main");
const show = (...nodes) => main().replaceChildren(...nodes);
const errorBox = (e) => h("div", { class: "error", role: "alert" }, e.status === 403 ? "Not allowed: " : "", e.message || String(e));
const when = (seconds) => (seconds ? new Date(seconds * 1000).toISOString().replace(".000Z", "Z") : "");
const nameOf = (id) => decodeURIComponent(new URL(id).pathname.split("/")[2] || "");

function expiry(exp) {
  if (!exp) return h("span", { class: "muted" }, "never");
  const days = (exp * 1000 - Date.now()) / 86400000;
  if (days < 0) return h("span", { class: "expired", title: "expired" }, when(exp), " (expired)");
  if (days < EXPIRING_DAYS) return h("span", { class: "expiring", title: "expires soon" }, when(exp), ` (in ${Math.ceil(days)} d)`);
  return h("span", {}, when(exp));
}

function tags(t) {
  return h("span", { class: "tags" }, Object.entries(t || {}).map(([k, v]) => h("span", {}, k + "=" + v)));
}

function table(headings, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headings.map((x) => h("th", {}, x)))), h("tbody", {}, rows));
}

// Runs `action`, then renders the page it leaves the console on (the same page again, or the one
// it moved to, which the hashchange renders) with `done` above it; a refusal is shown instead.
async function act(action, done) {
  const before = location.hash;
  try {
    await action();
    state.notice = done;
    if (location.hash === before) await route();
  } catch (e) {
    main().prepend(errorBox(e));
  }
}

function vaultTabs(vault, active) {
  const tab = (key, label) => h("a", { href: `#/vault/${encodeURIComponent(vault)}/${key}`, class: key === active ? "active" : "" }, label);
  return [h("h1", {}, "Vault ", vault),
    h("nav", { class: "tabs", "aria-label": "Vault" }, tab("secrets", "Secrets"), tab("keys", "Keys"), tab("certificates", "Certificates"),
      tab("deleted", "Deleted"), tab("access", "Access"))];
}

// --- pages ---------------------------------------------------------------------------------------

async function vaultsPage() {
  const open = h("form", { class: "inline", id: "open-vault" },
    h("label", {}, "Vault name", h("input", { name: "vault", required: true })), h("button", { type: "submit" }, "Open"));
  open.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = "#/vault/" + encodeURIComponent(open.vault.value.trim()) + "/secrets";
  });
  let list;
  try {
    const vaults = await admin("GET", "/vaults");
    list = table(["Vault", "URI", "Soft-delete retention", "Purge protection"], (vaults.value || []).map((v) =>
      h("tr", {}, h("td", {}, h("a", { href: `#/vault/${encodeURIComponent(v.name)}/secrets` }, v.name)), h("td", { class: "mono" }, v.vaultUri),
        h("td", {}, v.retentionDays + " days"), h("td", {}, v.purgeProtection ? "on" : "off"))));
  } catch (e) {
    list = e.status === 403 ? h("p", { class: "muted" }, "You may not list vaults; open one by name.") : errorBox(e);
  }
  show(h("h1", {}, "Vaults"), list, open);
}

async function secretsPage(vault) {
  const items = await all(vault, "/secrets");
  const form = h("form", { class: "inline", id: "new-secret" },
    h("label", {}, "Name", h("input", { name: "name", required: true, pattern: "[0-9A-Za-z\\-]{1,127}" })),
    h("label", {}, "Value", h("input", { name: "value", type: "password", required: true, autocomplete: "off" })),
    h("button", { type: "submit" }, "Set secret"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = form.name.value.trim();
    const value = form.value.value;
    form.reset();
    act(() => data(vault, "PUT", "/secrets/" + encodeURIComponent(name), { value }), `Secret ${name} set.`);
  });
  show(...vaultTabs(vault, "secrets"),
    table(["Name", "Enabled", "Updated", "Expires", "Content type", "Tags"], items.map((s) => {
      const name = nameOf(s.id);
      return h("tr", {}, h("td", {}, h("a", { href: `#/vault/${encodeURIComponent(vault)}/secret/${encodeURIComponent(name)}` }, name)),
        h("td", {}, s.attributes.enabled ? "yes" : "no"), h("td", {}, when(s.attributes.updated)), h("td", {}, expiry(s.attributes.exp)),
        h("td", {}, s.contentType || ""), h("td", {}, tags(s.tags)));
    })),
    h("h2", {}, "New secret"), form);
}

async function secretPage(vault, name) {
  const path = "/secrets/" + encodeURIComponent(name);
  const versions = await all(vault, path + "/versions");
  versions.sort((a, b) => b.attributes.created - a.attributes.created);
  const rows = versions.map((v) => {
    const version = v.id.split("/").pop();
    const cell = h("td", { class: "value" });
    const reveal = h("button", { type: "button", class: "secondary" }, "Show value");
    reveal.addEventListener("click", async () => {
      try {
        const got = await data(vault, "GET", path + "/" + version); // audited as SecretGet
        cell.replaceChildren(h("code", {}, got.value));
        reveal.hidden = true;
      } catch (e) {
        cell.replaceChildren(errorBox(e));
      }
    });
    cell.append(reveal);
    return h("tr", {}, h("td", { class: "mono" }, version), h("td", {}, v.attributes.enabled ? "yes" : "no"),
      h("td", {}, when(v.attributes.created)), h("td", {}, expiry(v.attributes.exp)), h("td", {}, tags(v.tags)), cell);
  });
  const del = h("button", { type: "button", class: "danger" }, "Delete secret");
  del.addEventListener("click", () => {
    if (!confirm(`Delete secret ${name}? It can be recovered until it is purged.`)) return;
    act(async () => {
      await data(vault, "DELETE", path);
      location.hash = `#/vault/${encodeURIComponent(vault)}/secrets`;
    }, `Secret ${name} deleted.`);
  });
  show(...vaultTabs(vault, "secrets"), h("h2", {}, "Secret ", name),
    table(["Version", "Enabled", "Created", "Expires", "Tags", "Value"], rows), del);
}

async function keysPage(vault) {
  const items = await all(vault, "/keys");
  show(...vaultTabs(vault, "keys"), table(["Name", "Of a certificate", "Enabled", "Updated", "Expires", "Tags"], items.map((k) =>
    h("tr", {}, h("td", {}, nameOf(k.kid)), h("td", {}, k.managed ? "yes" : ""), h("td", {}, k.attributes.enabled ? "yes" : "no"),
      h("td", {}, when(k.attributes.updated)), h("td", {}, expiry(k.attributes.exp)), h("td", {}, tags(k.tags))))));
}

async function certificatesPage(vault) {
  const items = await all(vault, "/certificates");
  show(...vaultTabs(vault, "certificates"), table(["Name", "Enabled", "Not before", "Expires", "Thumbprint", "Tags"], items.map((c) =>
    h("tr", {}, h("td", {}, nameOf(c.id)), h("td", {}, c.attributes.enabled ? "yes" : "no"), h("td", {}, when(c.attributes.nbf)),
      h("td", {}, expiry(c.attributes.exp)), h("td", { class: "mono" }, c.x5t || ""), h("td", {}, tags(c.tags))))));
}

async function deletedPage(vault) {
  const sections = [];
  for (const [kind, label, idField] of [["secrets", "Secrets", "id"], ["keys", "Keys", "kid"], ["certificates", "Certificates", "id"]]) {
    let body;
    try {
      const items = await all(vault, "/deleted" + kind);
      body = table(["Name", "Deleted", "Purged after", ""], items.map((d) => {
        const name = nameOf(d[idField]);
        const recover = h("button", { type: "button", class: "secondary" }, "Recover");
        recover.addEventListener("click", () => act(() => data(vault, "POST", `/deleted${kind}/${encodeURIComponent(name)}/recover`), `${name} recovered.`));
        const purge = h("button", { type: "button", class: "danger" }, "Purge");
        purge.addEventListener("click", () => {
          if (confirm(`Purge ${name} for good?`)) act(() => data(vault, "DELETE", `/deleted${kind}/${encodeURIComponent(name)}`), `${name} purged.`);
        });
        return h("tr", {}, h("td", {}, name), h("td", {}, when(d.deletedDate)), h("td", {}, when(d.scheduledPurgeDate)), h("td", {}, recover, " ", purge));
      }));
    } catch (e) {
      body = errorBox(e);
    }
    sections.push(h("h2", {}, label), body);
  }
  show(...vaultTabs(vault, "deleted"), ...sections);
}

async function accessPage(vault) {
  const scope = "/vaults/" + vault;
  const [assignments, definitions] = await Promise.all([
    rbac("GET", scope, "roleAssignments"), rbac("GET", scope, "roleDefinitions")]);
  const roleName = new Map((definitions.value || []).map((d) => [d.id, d.properties.roleName]));
  const mine = (assignments.value || []).filter((a) => (a.properties.scope + "/").toLowerCase().startsWith(scope.toLowerCase() + "/") || a.properties.scope === "/");
  const rows = mine.map((a) => {
    const remove = h("button", { type: "button", class: "danger" }, "Remove");
    remove.addEventListener("click", () => {
      if (confirm("Remove this role assignment?")) act(() => call(ORIGIN + withVersion(a.id), ORIGIN, "DELETE"), "Role assignment removed.");
    });
    return h("tr", {}, h("td", {}, roleName.get(a.properties.roleDefinitionId) || a.properties.roleDefinitionId),
      h("td", { class: "mono" }, a.properties.principalId), h("td", { class: "mono" }, a.properties.scope), h("td", {}, remove));
  });
  const form = h("form", { class: "inline", id: "new-assignment" },
    h("label", {}, "Role", h("select", { name: "role" }, (definitions.value || []).map((d) => h("option", { value: d.id }, d.properties.roleName)))),
    h("label", {}, "Principal object id", h("input", { name: "principal", required: true, size: 38 })),
    h("label", {}, "Object (empty: the whole vault)", h("input", { name: "object", placeholder: "secrets/db-password" })),
    h("button", { type: "submit" }, "Assign"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const at = form.object.value.trim() ? scope + "/" + form.object.value.trim().replace(/^\/+/, "") : scope;
    act(() => rbac("PUT", at, "roleAssignments/" + crypto.randomUUID(),
      { properties: { roleDefinitionId: form.role.value, principalId: form.principal.value.trim() } }), "Role assigned.");
  });
  show(...vaultTabs(vault, "access"), table(["Role", "Principal", "Scope", ""], rows), h("h2", {}, "Assign a role"), form);
}

async function auditPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const field = (name, label, placeholder) => h("label", {}, label, h("input", { name, value: params.get(name) || "", placeholder }));
  const form = h("form", { class: "inline", id: "audit-search" },
    field("vault", "Vault"), field("principal", "Principal", "object id, client id or user"), field("operation", "Operation", "SecretGet"),
    field("result", "Result", "Success, Failure or 403"), field("since", "Since", "15m, 2h, 7d or ISO-8601"), field("until", "Until"),
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const el of form.elements) if (el.name && el.value.trim()) q.set(el.name, el.value.trim());
    location.hash = "#/audit?" + q.toString();
  });
  let results;
  try {
    const found = await admin("GET", "/audit?" + params.toString());
    const upn = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
    const oid = "http://schemas.microsoft.com/identity/claims/objectidentifier";
    results = table(["Time", "Operation", "Result", "Caller", "Vault", "Object"], (found.value || []).map((r) => {
      const claim = (r.identity && r.identity.claim) || {};
      return h("tr", {}, h("td", { class: "mono" }, r.time), h("td", {}, r.operationName),
        h("td", { class: r.resultType === "Success" ? "ok" : "expired" }, r.resultType, " ", r.httpStatusCode),
        h("td", {}, claim[upn] || claim[oid] || claim.appid || ""), h("td", {}, r.resourceId || ""),
        h("td", { class: "mono" }, (r.properties && r.properties.id) || ""));
    }));
  } catch (e) {
    results = errorBox(e);
  }
  show(h("h1", {}, "Audit"), form, results);
}

async function healthPage() {
  const r = await fetch(ORIGIN + "/healthz");
  const body = await r.json();
  show(h("h1", {}, "Health"), h("dl", {}, h("dt", {}, "Server"), h("dd", { class: r.ok ? "ok" : "expired" }, body.status),
    body.reason ? [h("dt", {}, "Reason"), h("dd", {}, body.reason)] : null,
    h("dt", {}, "Signed in as"), h("dd", {}, state.user || ""), h("dt", {}, "Tenant"), h("dd", { class: "mono" }, state.config.tenantId)));
}

// --- routing -------------------------------------------------------------------------------------

async function route() {
  const path = (location.hash.replace(/^#/, "").split("?")[0] || "/").split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.getAttribute("href") === "#/" + (path[0] === "vault" ? "" : path[0] || ""));
  }
  await render(path);
  if (state.notice) {
    main().prepend(h("div", { class: "notice", role: "status" }, state.notice));
    state.notice = null;
  }
}

async function render(path) {
  try {
    if (path[0] === "vault" && path[1]) {
      const vault = path[1];
      if (path[2] === "secret" && path[3]) return await secretPage(vault, path[3]);
      const pages = { secrets: secretsPage, keys: keysPage, certificates: certificatesPage, deleted: deletedPage, access: accessPage };
      return await (pages[path[2]] || secretsPage)(vault);
    }
    if (path[0] === "audit") return await auditPage();
    if (path[0] === "health") return await healthPage();
    return await vaultsPage();
  } catch (e) {
    if (e.code === "invalid_grant") return startSignIn(); // the session ended elsewhere
    show(errorBox(e));
  }
}

async function start() {
  state.config = await (await fetch(ORIGIN + "/console/config")).json();
  try {
    if (!(await completeSignIn())) return startSignIn();
  } catch (e) {
    show(h("h1", {}, "Sign-in failed"), errorBox(e), h("p", {}, h("a", { href: REDIRECT }, "Try again")));
    return;
  }
  document.getElementById("who").textContent = state.user || "";
  const out = document.getElementById("sign-out");
  out.hidden = false;
  out.addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  await route();
}

start();
