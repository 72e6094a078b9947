// The demo page: runs every cross-origin call of the table below against the API, then asks
// the page server what the API saw (/journal, same origin) and shows it all side by side.
//
// For tests and the curious, the results are in the DOM: each <tr> has data-row,
// data-expected, data-actual, data-status and data-pass; <body data-done="true"> once
// everything ran; `window.__results` holds the same as objects; `window.corsDemo.probe(url,
// init)` makes one call the way the rows do.
//
// What each row should do comes from the page server (/grants, same origin): it asks the
// policies the API compiled what they grant this page's origin. The page matches no origin
// and no header name itself.
"use strict";

(() => {
  const API = document.querySelector('meta[name="api-url"]').content;
  // Whether the API answers the preflights of the route behind authentication before its
  // authentication layer: behind `cors_runtime::Preflights`, or axum's `routes!(...)
  // .authenticated(...)` (false for `/?setup=plain`).
  const PREFLIGHTS = document.querySelector('meta[name="preflights"]').content === "true";
  // The framework serving the API: "actix-web", or "axum" (`/?setup=axum`).
  const FRAMEWORK = document.querySelector('meta[name="framework"]').content;
  const ORIGIN = location.origin;
  // The API's routes, each with what its compiled `#[cors]` policy is, in words (`null` for
  // the route without one): the server's own table, put in the page by the server.
  const ROUTES = new Map(
    JSON.parse(document.getElementById("routes").textContent).map((route) => [`${route.method} ${route.path}`, route]),
  );
  const JSON_HEADERS = { "Content-Type": "application/json" };
  // How long the library keeps the answers of the API's tenant function (the demo sets it).
  const ANSWERS_KEPT_MS = Number(document.querySelector('meta[name="answers-kept-ms"]').content);

  // Adds (PUT) or removes (DELETE) this page's origin as a tenant of /api/tenant, through
  // the page server's admin route, then waits until the API's kept answer is stale.
  function changeTenant(method) {
    return async () => {
      const query = new URLSearchParams({ origin: ORIGIN });
      const response = await fetch(`/tenants?${query}`, { method, cache: "no-store" });
      if (!response.ok) throw new Error(`the page server answered ${response.status}`);
      await new Promise((resolve) => setTimeout(resolve, ANSWERS_KEPT_MS + 200));
    };
  }

  // A call on the route `key` ("METHOD /path"): the route, its method, path and policy, then
  // what `row` adds or overrides. Where axum's API does it another way, `axumWhy` says how.
  function call(key, row) {
    const route = ROUTES.get(key);
    if (route === undefined) throw new Error(`the API has no route ${key}`);
    const { axumWhy, ...rest } = row;
    const why = FRAMEWORK === "axum" && axumWhy !== undefined ? axumWhy : row.why;
    return { route: key, method: route.method, path: route.path, policy: route.policy, ...rest, why };
  }

  // The calls, in the order they run. What each should do for this page's origin is the
  // server's answer (see `askGrants`); `status` is what the handler answers when allowed.
  const ROWS = [
    call("GET /hello", {
      id: "hello-get",
      label: "Simple GET",
      status: 200,
      why: "A GET without custom headers is a <em>simple</em> request: no preflight. The policy is " +
        "<code>*</code>, so the API answers <code>Access-Control-Allow-Origin: *</code> and any page may read it.",
    }),
    call("POST /hello", {
      id: "hello-post",
      label: "POST with a custom header",
      headers: { "X-Requested-With": "fetch" },
      status: 200,
      why: "<code>X-Requested-With</code> is not a safelisted request header, so the browser preflights. " +
        "The policy lists it; <code>max_age = 86400</code> lets the browser reuse that answer for a day.",
    }),
    call("GET /api/items", {
      id: "items-list",
      label: "Credentialed GET, reading an exposed header",
      credentials: "include",
      read: ["X-Total-Count"],
      status: 200,
      why: "With credentials the API must echo the exact origin (never <code>*</code>) and send " +
        "<code>Access-Control-Allow-Credentials: true</code>. The page can read <code>X-Total-Count</code> " +
        "only because the policy exposes it.",
    }),
    call("POST /api/items", {
      id: "items-create",
      label: "Preflighted POST with JSON",
      credentials: "include",
      headers: JSON_HEADERS,
      body: JSON.stringify({ name: "Try the demo" }),
      remember: true,
      status: 201,
      why: "<code>Content-Type: application/json</code> is not a simple content type, so the browser " +
        "preflights. The <code>OPTIONS</code> route that <code>#[cors]</code> generated answers 204; " +
        "then the POST creates the item.",
      axumWhy: "<code>Content-Type: application/json</code> is not a simple content type, so the browser " +
        "preflights. The preflight <code>routes!</code> put in the path's <code>OPTIONS</code> slot answers 204 " +
        "by the policy of the method asked for; then the POST creates the item.",
    }),
    call("POST /api/items", {
      id: "items-bad-json",
      label: "Malformed JSON: 400, readable",
      credentials: "include",
      headers: JSON_HEADERS,
      body: "{not json",
      status: 400,
      why: "actix rejects the body before the handler runs (an extractor failure). The CORS headers are " +
        "still on the 400, so the page can read it and show the message.",
      axumWhy: "axum's <code>Json</code> extractor rejects the body before the handler runs. The CORS headers " +
        "are still on the 400, so the page can read it and show the message.",
    }),
    call("DELETE /api/items/{id}", {
      id: "items-delete",
      label: "DELETE, allowed",
      path: (created) => `/api/items/${created ? created.id : 0}`,
      credentials: "include",
      status: 204,
      why: "DELETE is never simple: preflight first. <code>DELETE /api/items/{id}</code> has a policy of " +
        "its own, which allows this page. It deletes the item the POST above created.",
    }),
    call("DELETE /api/items/{id}", {
      id: "items-delete-unknown",
      label: "DELETE an unknown id: 404, readable",
      path: "/api/items/999999",
      credentials: "include",
      status: 404,
      why: "The handler's 404 carries the CORS headers, so the page can tell “not found” from “blocked”.",
    }),
    call("PUT /api/items/{id}", {
      id: "items-put",
      label: "PUT on the same path, blocked",
      path: "/api/items/1",
      headers: JSON_HEADERS,
      body: JSON.stringify({ name: "Overwritten" }),
      why: "Same path as the DELETE, another handler, another policy: PUT is only for " +
        "<code>https://app.example.com</code>. The preflight is refused (403), so the browser never " +
        "sends the PUT: item 1 is unchanged.",
    }),
    call("GET /api/items", {
      id: "items-secret-header",
      label: "Header not allowed",
      credentials: "include",
      headers: { "X-Secret": "42" },
      why: "<code>X-Secret</code> is not among the policy's <code>headers</code> " +
        "(<code>Content-Type, X-Api-Key</code>): the preflight is refused and the GET is never sent.",
    }),
    call("GET /api/subdomain", {
      id: "subdomain",
      label: "Subdomain-only route",
      why: "<code>https://*.example.com</code> matches <code>https://shop.example.com</code>, never this page. " +
        "The simple GET is sent and answered, but without <code>Access-Control-Allow-Origin</code> the " +
        "browser hides the answer.",
    }),
    call("GET /api/dev", {
      id: "dev",
      label: "Any localhost port",
      status: 200,
      why: "<code>http://localhost:*</code> matches <code>http://localhost</code> on any port (or none): " +
        "handy for development servers.",
    }),
    call("GET /api/private", {
      id: "private",
      label: "Route without #[cors]",
      why: "No policy, no CORS headers. The server answers 200, but the browser hides it from the page. " +
        "CORS decides what a page may <em>read</em>; it does not protect the server.",
    }),
    call("GET /api/fail", {
      id: "fail",
      label: "Error route: 500, readable",
      status: 500,
      why: "The handler's error carries the CORS headers too, so the page reads the 500 and its message " +
        "instead of a mysterious <code>TypeError</code>.",
    }),
    call("GET /api/vary", {
      id: "vary",
      label: "Handler sets Vary",
      status: 200,
      why: "The handler sends <code>Vary: Accept-Encoding</code> and the policy adds <code>Origin</code>, so " +
        "a cache never hands one origin's answer to another. Scripts cannot read <code>Vary</code>: see " +
        "the server column.",
    }),
    call("GET /api/account/me", {
      id: "account-token",
      label: "Behind bearer auth, with the token",
      credentials: "include",
      needsPreflights: true,
      headers: { Authorization: "Bearer demo-token" },
      status: 200,
      why: "<code>Authorization</code> is not safelisted, so the browser preflights, and a preflight never " +
        "carries credentials. <code>cors_runtime::Preflights</code> answers it before the scope's bearer-auth " +
        "layer could refuse it; then the GET, with the token, passes authentication.",
      axumWhy: "<code>Authorization</code> is not safelisted, so the browser preflights, and a preflight never " +
        "carries credentials. The route is <code>routes!(me).authenticated(...)</code>: its preflight is answered " +
        "by the policy without meeting the bearer check (tower-http's <code>ValidateRequestHeaderLayer</code>); " +
        "then the GET, with the token, passes the check.",
    }),
    call("GET /api/account/me", {
      id: "account-no-token",
      label: "Behind bearer auth, no token: 401, readable",
      credentials: "include",
      needsPreflights: true,
      status: 401,
      why: "No custom header, so no preflight. The auth layer answers 401 before the handler runs, and " +
        "<code>Preflights</code> puts the route's grant on it: the page reads “not logged in” instead of a " +
        "CORS failure.",
      axumWhy: "No custom header, so no preflight. The bearer check answers 401 before the handler runs, and " +
        "<code>routes!</code> puts the route's grant on it: the page reads “not logged in” instead of a " +
        "CORS failure.",
    }),
    call("GET /api/team/members", {
      id: "team",
      label: "A policy for a whole scope",
      credentials: "include",
      status: 200,
      why: "<code>#[cors(...)]</code> is written once, on the <code>#[scope(\"/api/team\")]</code> module: every " +
        "handler inside gets that policy, checked at compile time handler by handler.",
      axumWhy: "axum has no scopes: the policy is written once, <code>policy! { TEAM { ... } }</code>, checked " +
        "when the crate compiles, and every handler under <code>/api/team</code> names it " +
        "(<code>#[cors(get, path = ..., policy = TEAM)]</code>).",
    }),
    call("GET /api/tenant", {
      id: "tenant",
      label: "Tenant origin, decided by the application",
      credentials: "include",
      status: 200,
      why: "The policy bounds the origins (<code>https://*, http://localhost:8080</code>) and names the " +
        "application's <code>async fn is_tenant</code>, which looks the origin up in the tenants' store. " +
        "This page's origin is a tenant, so the API grants it.",
    }),
    call("GET /api/tenant", {
      id: "tenant-removed",
      label: "The tenant removed: refused",
      credentials: "include",
      before: changeTenant("DELETE"),
      why: "The page removed its origin from the store (an admin call to the page server) and waited " +
        "until the library's kept answer was stale (the demo keeps answers 1 s; the default is 30 s). " +
        "The function now says no: the API answers without a grant.",
    }),
    call("GET /api/tenant", {
      id: "tenant-back",
      label: "The tenant added back: granted",
      credentials: "include",
      before: changeTenant("PUT"),
      status: 200,
      why: "Added back, and granted again once the kept refusal is stale: every instance asking the " +
        "same store agrees within that time.",
    }),
  ];

  // What each route's policy grants this page: the page server asks the policies the API
  // of this page's setup compiled (the axum handlers' at `/?setup=axum`) whether they grant
  // this page's origin the route's method, credentials, and each request header the rows
  // send. A Map by "METHOD /path".
  async function askGrants() {
    const names = [...new Set(ROWS.flatMap((row) => Object.keys(row.headers || {})))];
    const query = new URLSearchParams({ origin: ORIGIN, headers: names.join(",") });
    const setup = new URLSearchParams(location.search).get("setup");
    if (setup !== null) query.set("setup", setup);
    const response = await fetch(`/grants?${query}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`the page server answered ${response.status}`);
    const grants = await response.json();
    return new Map(grants.map((grant) => [`${grant.method} ${grant.path}`, grant]));
  }

  function expectedFor(row, grants) {
    if (grants === null) return { outcome: "unknown", status: null };
    const grant = grants.get(row.route);
    // The rows send no CORS-safelisted request header (their Content-Type is JSON), so the
    // policy must allow each one. Without `Preflights`, the authentication layer answers
    // the rows behind it alone (their preflight and 401): no grant, as the README says.
    const allowed = grant.grants &&
      Object.keys(row.headers || {}).every((name) => grant.headers[name] === true) &&
      (row.credentials !== "include" || grant.credentials) &&
      !(row.needsPreflights && !PREFLIGHTS);
    return allowed ? { outcome: "allowed", status: row.status } : { outcome: "blocked", status: null };
  }

  // One cross-origin call, never served from the HTTP cache. Resolves with what the page can
  // know: the status, the headers it may read and the body, or the error of a blocked call.
  async function probe(url, init = {}) {
    try {
      const response = await fetch(url, { cache: "no-store", ...init });
      const headers = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const body = await response.text();
      return { outcome: "allowed", status: response.status, headers, body };
    } catch (error) {
      return { outcome: "blocked", status: null, error: `${error.name}: ${error.message}` };
    }
  }

  const esc = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const badge = (outcome, status) =>
    `<span class="badge ${outcome}">${outcome}</span>${status !== null && status !== undefined ? ` <span class="status">${status}</span>` : ""}`;
  const short = (text, max = 70) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

  function requestCell(row, path) {
    const details = [];
    for (const [name, value] of Object.entries(row.headers || {})) details.push(`${name}: ${value}`);
    if (row.credentials === "include") details.push('credentials: "include"');
    if (row.body !== undefined) details.push(`body ${short(row.body, 40)}`);
    const policy = row.policy === null ? "no #[cors]" : `#[cors]: ${row.policy}`;
    return `<div class="label">${esc(row.label)}</div>` +
      `<code class="call">${esc(row.method)} ${esc(path)}</code>` +
      (details.length ? `<div class="details">${details.map(esc).join(" · ")}</div>` : "") +
      `<div class="policy">${esc(policy)}</div>`;
  }

  function browserCell(row, got) {
    if (got.outcome === "blocked") {
      return `${badge("blocked")}<div class="detail">blocked by CORS (${esc(got.error)})</div>`;
    }
    const readable = Object.entries(got.headers)
      .filter(([name]) => name !== "content-length")
      .map(([name, value]) => `<div class="header">${esc(name)}: ${esc(value)}</div>`)
      .join("");
    const body = got.body === "" ? "<em>empty body</em>" : `<code>${esc(short(got.body))}</code>`;
    return `${badge("allowed", got.status)}<div class="detail">${body}</div>` +
      (readable ? `<div class="readable"><span class="caption">headers the page can read</span>${readable}</div>` : "");
  }

  function serverCell(row, seen) {
    if (seen === null) return `<span class="muted">journal unavailable</span>`;
    if (seen.length === 0) return `<span class="muted">nothing: the browser sent no request</span>`;
    const lines = seen.map((entry) => {
      const what = entry.preflight
        ? `OPTIONS <span class="muted">preflight for ${esc(entry.request_method)}${entry.request_headers ? ` + ${esc(entry.request_headers)}` : ""}</span>`
        : esc(entry.method);
      const headers = entry.headers
        .map(([name, value]) => `<div class="header">${esc(name)}: ${esc(value)}</div>`)
        .join("");
      const missing = entry.origin && !entry.headers.some(([name]) => name === "access-control-allow-origin")
        ? `<div class="header missing">no access-control-allow-origin</div>`
        : "";
      return `<div class="seen"><span class="what">${what}</span> → <span class="status">${entry.status}</span>${headers}${missing}</div>`;
    });
    const refused = seen.length === 1 && seen[0].preflight && (seen[0].status < 200 || seen[0].status > 299);
    if (refused) lines.push(`<div class="never">the ${esc(row.method)} itself was never sent</div>`);
    return lines.join("");
  }

  async function runAll() {
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const tbody = document.querySelector("#results tbody");
    tbody.textContent = "";
    const results = [];
    let created = null;
    let grants = null;
    let grantsError = null;
    try {
      grants = await askGrants();
    } catch (error) {
      grantsError = `${error.name}: ${error.message}`;
    }
    for (const row of ROWS) {
      if (row.before !== undefined) {
        // The store changed: ask again what the policies grant.
        try {
          await row.before();
          grants = await askGrants();
        } catch (error) {
          grants = null;
          grantsError = `${error.name}: ${error.message}`;
        }
      }
      const path = typeof row.path === "function" ? row.path(created) : row.path;
      const init = { method: row.method, credentials: row.credentials || "same-origin", headers: row.headers || {} };
      if (row.body !== undefined) init.body = row.body;
      const got = await probe(`${API}${path}?run=${run}&row=${row.id}`, init);
      if (row.remember && got.outcome === "allowed") {
        try {
          created = JSON.parse(got.body);
        } catch {
          created = null;
        }
      }
      const expected = expectedFor(row, grants);
      const pass = got.outcome === expected.outcome && (got.outcome === "blocked" || got.status === expected.status);
      const result = { id: row.id, label: row.label, method: row.method, path, expected: expected.outcome,
        expectedStatus: expected.status, pass, ...got };
      results.push(result);

      const tr = document.createElement("tr");
      tr.className = pass ? "pass" : "fail";
      tr.dataset.row = row.id;
      tr.dataset.expected = expected.outcome;
      tr.dataset.actual = got.outcome;
      tr.dataset.status = got.status === null ? "" : String(got.status);
      tr.dataset.pass = String(pass);
      tr.innerHTML =
        `<td class="request">${requestCell(row, path)}</td>` +
        `<td class="expected">${badge(expected.outcome, expected.status)}<div class="verdict">${pass ? "✓ as expected" : "✗ unexpected"}</div></td>` +
        `<td class="browser">${browserCell(row, got)}</td>` +
        `<td class="server"><span class="muted">…</span></td>` +
        `<td class="why">${row.why}</td>`;
      tbody.appendChild(tr);
    }

    let journal = null;
    try {
      const response = await fetch(`/journal?run=${encodeURIComponent(run)}`, { cache: "no-store" });
      journal = await response.json();
    } catch {
      journal = null;
    }
    for (const result of results) {
      const seen = journal === null ? null : journal.filter((entry) => entry.query.split("&").includes(`row=${result.id}`));
      result.server = seen;
      const row = ROWS.find((candidate) => candidate.id === result.id);
      tbody.querySelector(`tr[data-row="${result.id}"] td.server`).innerHTML = serverCell(row, seen);
    }

    const passed = results.filter((result) => result.pass).length;
    const summary = document.getElementById("summary");
    summary.className = `summary ${passed === results.length ? "all-pass" : "some-fail"}`;
    summary.textContent = passed === results.length
      ? `All ${results.length} calls did what the policies say: ${results.filter((r) => r.outcome === "allowed").length} allowed, ${results.filter((r) => r.outcome === "blocked").length} blocked.`
      : `${results.length - passed} of ${results.length} calls did not do what the policies say.`;
    if (grantsError !== null) summary.textContent += ` The page server did not say what they grant (${grantsError}).`;
    document.body.dataset.passed = String(passed);
    document.body.dataset.failed = String(results.length - passed);
    window.__results = results;
    document.body.dataset.done = "true";
    return results;
  }

  document.getElementById("page-origin").textContent = ORIGIN;
  document.getElementById("api-origin").textContent = API;
  if (FRAMEWORK === "axum") {
    document.getElementById("expected-source").innerHTML = " (the axum handlers' own policies: the same as " +
      "the actix-web handlers', route by route, as <code>tests/demo_api.rs</code> checks)";
  }
  window.corsDemo = { api: API, origin: ORIGIN, rows: ROWS, probe, runAll };
  if (new URLSearchParams(location.search).has("manual")) {
    // Manual mode (`/?manual`): nothing runs on load; `corsDemo.runAll()` or
    // `corsDemo.probe(url, init)` make the calls.
    document.getElementById("summary").textContent = "Manual mode: no call runs on load.";
    document.body.dataset.done = "manual";
  } else {
    runAll();
  }
})();
