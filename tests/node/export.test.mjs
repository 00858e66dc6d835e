// The exported MSW handlers answer as the mock does. tests/test_export.py writes an export and
// probes.json (each request with the mock's own answer: status, headers, body bytes) into one
// directory, named by AIBRIDGE_MOCK_EXPORT_DIR, then runs this file with `node --test`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { setupServer } from "msw/node";

const dir = process.env.AIBRIDGE_MOCK_EXPORT_DIR;
assert.ok(dir, "AIBRIDGE_MOCK_EXPORT_DIR names the export to test");
const { handlers, createHandlers, personas, prefix } = await import(pathToFileURL(`${dir}/handlers.js`).href);
const probes = JSON.parse(readFileSync(`${dir}/probes.json`, "utf8"));

const server = setupServer(...handlers);
server.listen({ onUnhandledRequest: "error" }); // nothing reaches the network
test.after(() => server.close());

async function ask(probe) {
  const response = await fetch(probe.url, { method: probe.method, headers: probe.headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

function difference(actual, expected) {
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (b) => JSON.stringify(b.subarray(Math.max(0, at - 60), at + 60).toString("utf8"));
  return `bodies differ at byte ${at} (of ${actual.length} and ${expected.length}):\n  got      ${around(actual)}\n  expected ${around(expected)}`;
}

for (const probe of probes) {
  test(`${probe.why}: ${probe.method} ${probe.url}`, async () => {
    const { response, body } = await ask(probe);
    const expected = Buffer.from(probe.body_b64, "base64");
    assert.equal(response.status, probe.status, `status; body ${body.toString("utf8").slice(0, 300)}`);
    assert.ok(body.equals(expected), difference(body, expected));
    for (const [name, value] of Object.entries(probe.expect_headers)) {
      assert.equal(response.headers.get(name), value, name);
    }
  });
}

test("the personas and their tokens are exported", () => {
  assert.deepEqual(
    personas.map((p) => p.role),
    ["owner", "auditor", "member", "member"],
  );
  assert.match(personas[0].token, /^[A-Za-z0-9]{10}-[A-Za-z0-9]{22}$/);
});

test("handlers for one origin leave other origins alone", async () => {
  const scoped = setupServer(...createHandlers({ baseUrl: "http://localhost:3000" }));
  server.close();
  scoped.listen({ onUnhandledRequest: "bypass" });
  try {
    const headers = { "Coder-Session-Token": personas[0].token };
    const local = await fetch(`http://localhost:3000${prefix}/interceptions?limit=1`, { headers });
    assert.equal(local.status, 200);
    await assert.rejects(fetch(`http://127.0.0.1:9${prefix}/interceptions?limit=1`, { headers })); // port 9: nothing listens
  } finally {
    scoped.close();
    server.listen({ onUnhandledRequest: "error" });
  }
});
