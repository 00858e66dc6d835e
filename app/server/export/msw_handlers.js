// MSW handlers for Coder's AI Bridge API, written by `aibridge-mock export`: do not edit.
//
// The answers are aibridge-mock's bytes for the requests it exported. A request is matched the way
// the mock parses it (parameter order, defaults, `q` spacing and quoting, usernames or "me" for
// initiators do not matter); offset and limit pages inside an exported first page, and prefixes of
// the exported models and clients, are cut from it. Malformed requests get coderd's 400 and 401
// bodies, a session the export does not hold gets coderd's 404, and a valid request the export
// cannot answer gets a 501 naming the `--request` that would export it.
import { http, HttpResponse } from "msw";

const DATA = __AIBRIDGE_MOCK_DATA__;

const JSON_TYPE = "application/json; charset=utf-8";
const TEXT_TYPE = "text/plain; charset=utf-8";
const SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue.";
const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const ZERO_TIME = -62135596800n * 1000000n; // Go's zero time.Time: "not set"
const RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00";
const INT32_MAX = 2 ** 31 - 1;

class ApiError extends Error {
  constructor(status, message, detail = "", validations = [], headers = {}) {
    super(message);
    this.status = status;
    this.detail = detail;
    this.validations = validations;
    this.headers = headers;
  }

  body() {
    const body = { message: this.message };
    if (this.detail) body.detail = this.detail;
    if (this.validations.length) body.validations = this.validations.map(([field, detail]) => ({ field, detail }));
    return goJson(body);
  }
}

class ParamError extends Error {}

// -- Go's bytes: encoding/json and %q ----------------------------------------------------------------

function goJson(value) {
  // json.Encoder with SetEscapeHTML(true): compact, <>& and U+2028/9 escaped, one trailing newline.
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + "\n";
}

const QUOTE_CONTROL = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function goQuote(text) {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (QUOTE_CONTROL[ch]) out += QUOTE_CONTROL[ch];
    else if (ch === " " || PRINTABLE.test(ch)) out += ch;
    else if (code < 0x80) out += "\\x" + code.toString(16).padStart(2, "0");
    else if (code <= 0xffff) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += "\\U" + code.toString(16).padStart(8, "0");
  }
  return out + '"';
}

function compareCodePoints(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// -- google/uuid, strconv.ParseInt, time.Parse(RFC3339Nano) -----------------------------------------

const HEX = /^[0-9a-fA-F]$/;
const DASHED = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

function parseUuid(text) {
  const length = new TextEncoder().encode(text).length;
  if (length === 32) {
    if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new ParamError("invalid UUID format");
    return canonicalUuid(text.toLowerCase());
  }
  if (length === 45) {
    if (text.slice(0, 9).toLowerCase() !== "urn:uuid:") throw new ParamError("invalid urn prefix: " + goQuote(text.slice(0, 9)));
    text = text.slice(9);
  } else if (length === 38) {
    text = text.slice(1); // google/uuid never checks the braces themselves
  } else if (length !== 36) {
    throw new ParamError("invalid UUID length: " + length);
  }
  if (text.length < 36 || [8, 13, 18, 23].some((i) => text[i] !== "-")) throw new ParamError("invalid UUID format");
  const pairs = DASHED.map((i) => text.slice(i, i + 2));
  if (!pairs.every((p) => p.length === 2 && HEX.test(p[0]) && HEX.test(p[1]))) throw new ParamError("invalid UUID format");
  return canonicalUuid(pairs.join("").toLowerCase());
}

function canonicalUuid(h) {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parseGoInt32(text) {
  const quoted = goQuote(text);
  const body = text[0] === "+" || text[0] === "-" ? text.slice(1) : text;
  if (!body || !/^[0-9]+$/.test(body)) throw new ParamError(`strconv.ParseInt: parsing ${quoted}: invalid syntax`);
  const value = Number(BigInt(text));
  if (value < -(2 ** 31) || value > INT32_MAX) throw new ParamError(`strconv.ParseInt: parsing ${quoted}: value out of range`);
  return value;
}

const isDigit = (c) => c !== undefined && c >= "0" && c <= "9";

function parseRfc3339Nano(value) {
  // Microseconds since the epoch as a BigInt; Go's error texts, element by element.
  let rest = value;
  const fail = (element) =>
    new ParamError(`parsing time ${goQuote(value)} as ${goQuote(RFC3339_NANO)}: cannot parse ${goQuote(rest)} as ${goQuote(element)}`);
  const range = (what) => new ParamError(`parsing time ${goQuote(value)}: ${what} out of range`);
  const literal = (lit) => {
    if (!rest.startsWith(lit)) throw fail(lit);
    rest = rest.slice(lit.length);
  };
  const num = (element, fixed) => {
    if (!isDigit(rest[0])) throw fail(element);
    if (!isDigit(rest[1])) {
      if (fixed) throw fail(element);
      const one = Number(rest[0]);
      rest = rest.slice(1);
      return one;
    }
    const two = Number(rest.slice(0, 2));
    rest = rest.slice(2);
    return two;
  };
  if (rest.length < 4 || ![0, 1, 2, 3].every((i) => isDigit(rest[i]))) throw fail("2006");
  const year = Number(rest.slice(0, 4));
  rest = rest.slice(4);
  literal("-");
  const month = num("01", true);
  if (month < 1 || month > 12) throw range("month");
  literal("-");
  const day = num("02", true);
  if (day > 31) throw range("day");
  literal("T");
  const hour = num("15", false);
  if (hour >= 24) throw range("hour");
  literal(":");
  const minute = num("04", true);
  if (minute >= 60) throw range("minute");
  literal(":");
  const second = num("05", true);
  if (second >= 60) throw range("second");
  let micros = 0n;
  if (rest.length >= 2 && (rest[0] === "." || rest[0] === ",") && isDigit(rest[1])) {
    let end = 1;
    while (end < rest.length && isDigit(rest[end])) end++;
    micros = BigInt(rest.slice(1, end).slice(0, 9).padEnd(9, "0")) / 1000n;
    rest = rest.slice(end);
  }
  let offset = 0n;
  if (rest.startsWith("Z")) {
    rest = rest.slice(1);
  } else {
    if (rest.length < 6 || rest[3] !== ":" || (rest[0] !== "+" && rest[0] !== "-")) throw fail("Z07:00");
    if (!(isDigit(rest[1]) && isDigit(rest[2]) && isDigit(rest[4]) && isDigit(rest[5]))) throw fail("Z07:00");
    const hours = Number(rest.slice(1, 3));
    const minutes = Number(rest.slice(4, 6));
    if (hours > 24) throw range("time zone offset hour");
    if (minutes > 60) throw range("time zone offset minute");
    offset = BigInt((rest[0] === "+" ? 1 : -1) * (hours * 3600 + minutes * 60));
    rest = rest.slice(6);
  }
  if (rest) throw new ParamError(`parsing time ${goQuote(value)}: extra text: ${goQuote(rest)}`);
  // The mock builds a Python datetime here: year 0 and days past the month's end are "day out of range".
  if (year < 1 || day < 1 || day > daysIn(year, month)) throw range("day");
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return BigInt(date.getTime()) * 1000n + micros - offset * 1000000n;
}

function daysIn(year, month) {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

// -- coderd's QueryParamParser, ParsePagination and searchquery --------------------------------------

class Params {
  constructor(values) {
    this.values = values; // name -> [values]
    this.errors = [];
    this.parsed = new Set();
  }

  single(name) {
    this.parsed.add(name);
    const found = this.values.get(name) || [];
    if (!found.length || found[0] === "") return null;
    if (found.length > 1) {
      this.errors.push([name, `Query param ${goQuote(name)} provided more than once, found ${found.length} times. Only provide 1 instance of this query param.`]);
      return null;
    }
    return found[0];
  }

  string(name) {
    return this.single(name) || "";
  }

  uuid(name) {
    const raw = this.single(name);
    if (raw === null) return null;
    try {
      return parseUuid(raw);
    } catch {
      this.errors.push([name, `Query param ${goQuote(name)} must be a valid uuid`]);
      return null;
    }
  }

  positiveInt32(name) {
    const raw = this.single(name);
    if (raw === null) return 0;
    try {
      const value = parseGoInt32(raw);
      if (value < 0) throw new ParamError("value is negative");
      return value;
    } catch (error) {
      this.errors.push([name, `Query param ${goQuote(name)} must be a valid 32-bit positive integer: ${error.message}`]);
      return 0;
    }
  }

  time3339(name) {
    const raw = this.single(name);
    if (raw === null) return null;
    try {
      return parseRfc3339Nano(raw.toUpperCase());
    } catch (error) {
      this.errors.push([name, `Query param ${goQuote(name)} must be a valid date format (${RFC3339_NANO}): ${error.message}`]);
      return null;
    }
  }

  custom(name, parse) {
    const raw = this.single(name);
    if (raw === null) return null;
    try {
      return parse(raw);
    } catch (error) {
      if (!(error instanceof ParamError)) throw error;
      this.errors.push([name, `Query param ${goQuote(name)} has invalid value: ${error.message}`]);
      return null;
    }
  }

  excess() {
    for (const name of [...this.values.keys()].sort(compareCodePoints)) {
      if (!this.parsed.has(name)) this.errors.push([name, `${goQuote(name)} is not a valid query param`]);
    }
  }
}

function queryValues(url) {
  const values = new Map();
  for (const [name, value] of url.searchParams) {
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  return values;
}

function first(url, name) {
  return url.searchParams.get(name) ?? "";
}

function parsePagination(url) {
  const params = new Params(queryValues(url));
  let afterId = params.uuid("after_id");
  if (afterId === NIL_UUID) afterId = null;
  const limit = params.positiveInt32("limit");
  const offset = params.positiveInt32("offset");
  if (params.errors.length) throw new ApiError(400, "Query parameters have invalid values.", "", params.errors);
  return { afterId, limit, offset };
}

function checkLimit(page) {
  const limit = page.limit || 100;
  if (limit < 1 || limit > 1000) throw new ApiError(400, "Invalid pagination limit value.", "Pagination limit must be in range (0, 1000]");
  return { ...page, limit };
}

function cursorXorOffset(page, name, set) {
  if (set && page.offset !== 0) {
    throw new ApiError(400, "Query parameters have invalid values.", `Cannot use both ${name} and offset pagination in the same request.`);
  }
  return checkLimit(page);
}

function split(query, delimiter, keepQuotes) {
  const parts = [];
  let current = "";
  let quoted = false;
  for (const ch of query) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === delimiter) {
      if (current) parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  if (current) parts.push(current);
  return keepQuotes ? parts : parts.map((p) => p.replace(/^"+|"+$/g, ""));
}

function searchTerms(query, defaultKey, message) {
  const tokens = split(query, " ", true);
  const elements = tokens.filter((t) => t.includes(":"));
  const bare = tokens.filter((t) => !t.includes(":"));
  if (bare.length) elements.push(bare.join(" "));
  const values = new Map();
  const add = (key, value) => {
    if (!values.has(key)) values.set(key, []);
    values.get(key).push(value);
  };
  for (const element of elements) {
    if (element.startsWith(":") || element.endsWith(":")) {
      throw new ApiError(400, message, "", [["q", `Query element ${goQuote(element)} cannot start or end with ':'`]]);
    }
    const parts = split(element, ":", false);
    if (parts.length === 1) {
      if (defaultKey === null) throw new ApiError(400, message, "", [["q", "no search key specified"]]);
      add(defaultKey, element);
    } else if (parts.length === 2) {
      add(parts[0].toLowerCase(), parts[1]);
    } else {
      throw new ApiError(400, message, "", [["q", `Query element ${goQuote(element)} can only contain 1 ':'`]]);
    }
  }
  return values;
}

function parseFilter(query, persona, sessions) {
  const message = sessions ? "Invalid session search query." : "Invalid workspace search query.";
  if (query === "") return "{}";
  const params = new Params(searchTerms(query, sessions ? null : "initiator", message));
  let initiator = params.custom("initiator", (value) => {
    if (value === "me") return persona.user_id;
    try {
      return parseUuid(value);
    } catch {
      const found = Object.hasOwn(DATA.users, value.toLowerCase()) ? DATA.users[value.toLowerCase()] : undefined;
      if (found === undefined) throw new ParamError(`user ${goQuote(value)} either does not exist, or you are unauthorized to view them`);
      return found;
    }
  });
  const provider = params.string("provider");
  let providerName = params.string("provider_name");
  if (providerName && !DATA.provider_names.includes(providerName)) {
    params.errors.push(["provider_name", 'Query param "provider_name" has invalid value: provider not found or unauthorized']);
    providerName = "";
  }
  const model = params.string("model");
  const client = params.string("client");
  const sessionId = sessions ? params.string("session_id") : "";
  if (initiator === NIL_UUID) initiator = null;
  const unlessZero = (t) => (t === ZERO_TIME ? null : t);
  const after = unlessZero(params.time3339("started_after"));
  const before = unlessZero(params.time3339("started_before"));
  if (after !== null && before !== null && !(before > after)) {
    params.errors.push(["started_before", 'Query param "started_before" has invalid value: "started_before" must be after "started_after" if set']);
  }
  params.excess();
  if (params.errors.length) throw new ApiError(400, message, "", params.errors);
  const filter = [initiator, provider, providerName, model, client, sessionId, after === null ? null : String(after), before === null ? null : String(before)];
  return filter.every((v) => v === null || v === "") ? "{}" : JSON.stringify(filter);
}

function parsePrefix(query, key, message) {
  if (query === "") return "";
  const params = new Params(searchTerms(query, key, message));
  const prefix = params.string(key);
  params.excess();
  if (params.errors.length) throw new ApiError(400, message, "", params.errors);
  return prefix;
}

function likePrefix(prefix) {
  // Postgres `LIKE prefix || '%'`: % and _ are wildcards, a backslash escapes the next character.
  let pattern = "";
  let escaped = false;
  const quote = (c) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  for (const ch of prefix) {
    if (escaped) {
      pattern += quote(ch);
      escaped = false;
    } else if (ch === "\\") escaped = true;
    else if (ch === "%") pattern += ".*";
    else if (ch === "_") pattern += ".";
    else pattern += quote(ch);
  }
  return new RegExp("^" + pattern + ".*$", "su");
}

// -- coderd's API key middleware ----------------------------------------------------------------------

function bearer(request) {
  const header = request.headers.get("Authorization") || "";
  return header.slice(0, 7).toLowerCase() === "bearer " ? header.slice(7).trim() : "";
}

function splitToken(token) {
  const parts = token.split("-");
  if (parts.length !== 2) throw new ParamError(`incorrect amount of API key parts, expected 2 got ${parts.length}`);
  const [keyId, secret] = parts;
  const bytes = (s) => new TextEncoder().encode(s).length;
  if (bytes(keyId) !== 10) throw new ParamError(`invalid API key ID length, expected 10 got ${bytes(keyId)}`);
  if (bytes(secret) !== 22) throw new ParamError(`invalid API key secret length, expected 22 got ${bytes(secret)}`);
  return [keyId, secret];
}

function personaFor(token) {
  try {
    const [keyId, secret] = splitToken(token);
    const persona = DATA.personas.find((p) => p.key_id === keyId);
    return persona && persona.secret === secret ? persona : null;
  } catch {
    return null;
  }
}

function authenticate(request, url, cookies) {
  const token =
    (cookies && cookies.coder_session_token) ||
    first(url, "coder_session_token") ||
    request.headers.get("Coder-Session-Token") ||
    bearer(request) ||
    first(url, "access_token");
  const unauthorized = (detail) => {
    const challenge =
      'Bearer realm="coder", error="invalid_token", error_description="The access token is invalid", ' +
      `resource_metadata="${url.origin}/.well-known/oauth-protected-resource"`;
    return new ApiError(401, SIGNED_OUT, detail, [], { "WWW-Authenticate": challenge });
  };
  if (!token) throw unauthorized('Cookie "coder_session_token" or query parameter must be provided.');
  let keyId, secret;
  try {
    [keyId, secret] = splitToken(token);
  } catch (error) {
    throw unauthorized("Invalid API key format: " + error.message);
  }
  const persona = DATA.personas.find((p) => p.key_id === keyId);
  if (!persona) throw unauthorized("API key is invalid.");
  if (persona.secret !== secret) throw unauthorized("API key secret is invalid.");
  return persona;
}

// -- the exported answers -----------------------------------------------------------------------------

function listKey(persona, operation, url) {
  const page = parsePagination(url);
  if (operation === "interceptions") {
    const checked = cursorXorOffset(page, "after_id", page.afterId !== null);
    return { base: `${persona.username} ${operation} ${parseFilter(first(url, "q"), persona, false)}`, cursor: checked.afterId, ...checked };
  }
  const after = first(url, "after_session_id");
  const checked = cursorXorOffset(page, "after_session_id", after !== "");
  return { base: `${persona.username} ${operation} ${parseFilter(first(url, "q"), persona, true)}`, cursor: after || null, ...checked };
}

function valuesKey(persona, operation, url) {
  const page = checkLimit(parsePagination(url));
  const message = `Invalid AI Bridge ${operation} search query.`;
  const prefix = parsePrefix(first(url, "q"), operation === "models" ? "model" : "client", message);
  return { base: `${persona.username} ${operation}`, prefix, ...page };
}

function detailKey(persona, sessionId, url) {
  const cursor = (name) => {
    const raw = first(url, name);
    if (!raw) return null;
    try {
      const parsed = parseUuid(raw);
      return parsed === NIL_UUID ? null : parsed;
    } catch (error) {
      throw new ApiError(400, `Invalid ${name} query parameter.`, error.message);
    }
  };
  const after = cursor("after_id");
  const before = cursor("before_id");
  if (after && before) throw new ApiError(400, "Cannot use both after_id and before_id in the same request.");
  const raw = first(url, "limit");
  let limit = 50;
  if (raw) {
    try {
      limit = parseGoInt32(raw);
    } catch {
      limit = 0;
    }
    if (limit < 1 || limit > 200) throw new ApiError(400, "Invalid limit query parameter.", "Limit must be between 1 and 200.");
  }
  return `${persona.username} session ${sessionId} ${after} ${before} ${limit}`;
}

function exactKey(persona, operation, url, sessionId) {
  if (operation === "sessions/{session_id}") return detailKey(persona, sessionId, url);
  if (operation === "models" || operation === "clients") {
    const k = valuesKey(persona, operation, url);
    return `${k.base} ${k.prefix} ${k.offset} ${k.limit}`;
  }
  const k = listKey(persona, operation, url);
  return `${k.base} ${k.cursor} ${k.offset} ${k.limit}`;
}

function json(status, body, headers = {}) {
  return new HttpResponse(body, {
    status,
    headers: { "Content-Type": JSON_TYPE, "X-Content-Type-Options": "nosniff", "X-Coder-Build-Version": DATA.build_version, ...headers },
  });
}

function text(status, body) {
  return new HttpResponse(body + "\n", {
    status,
    headers: { "Content-Type": TEXT_TYPE, "X-Content-Type-Options": "nosniff", "X-Coder-Build-Version": DATA.build_version },
  });
}

function notExported(request, url, persona) {
  const path = url.pathname.slice(DATA.prefix.length) + url.search;
  return json(
    501,
    goJson({
      message: "Not in the aibridge-mock export.",
      detail: `${request.method} ${url.pathname}${url.search} (as ${persona.username}) was not exported; export it with: aibridge-mock export --request '${path}'`,
    }),
  );
}

function build() {
  const bodies = DATA.bodies;
  const exact = new Map();
  const lists = new Map();
  const values = new Map();
  const sessions = new Map(); // persona -> session ids the export holds
  const byName = new Map(DATA.personas.map((p) => [p.username, p]));
  for (const entry of DATA.exchanges) {
    const persona = byName.get(entry.persona);
    const url = new URL(entry.path, "http://export.invalid");
    try {
      exact.set(exactKey(persona, entry.operation, url, entry.session_id), entry);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // an exported error is answered by the parsers
    }
    if (entry.session_id !== undefined) addSession(sessions, persona, entry.session_id);
    if (!entry.page) continue;
    // Of two first pages of the same list (a default one and a --request with a larger limit), keep the larger.
    const larger = (map, key) => !map.has(key) || map.get(key).items.length < entry.page.items.length;
    if (entry.operation === "models" || entry.operation === "clients") {
      const key = `${persona.username} ${entry.operation}`;
      if (larger(values, key)) values.set(key, entry.page);
    } else {
      const key = listKey(persona, entry.operation, url).base;
      if (larger(lists, key)) lists.set(key, entry.page);
      if (entry.operation === "sessions") for (const id of entry.page.ids) addSession(sessions, persona, id);
    }
  }
  return { bodies, exact, lists, values, sessions };
}

function addSession(sessions, persona, id) {
  if (!sessions.has(persona.username)) sessions.set(persona.username, new Set());
  sessions.get(persona.username).add(id);
}

function answer(index, request, url, cookies, operation, sessionId) {
  let persona = null;
  try {
    persona = authenticate(request, url, cookies);
    const key = exactKey(persona, operation, url, sessionId);
    const found = index.exact.get(key);
    if (found) return json(found.status, index.bodies[found.body]);
    if (operation === "sessions/{session_id}") {
      if (!(index.sessions.get(persona.username) || new Set()).has(sessionId)) throw new ApiError(404, "Session not found.");
      return notExported(request, url, persona);
    }
    if (operation === "models" || operation === "clients") return valuesPage(index, persona, operation, url) || notExported(request, url, persona);
    return listPage(index, persona, operation, url) || notExported(request, url, persona);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return json(error.status, error.body(), error.headers);
  }
}

function listPage(index, persona, operation, url) {
  const k = listKey(persona, operation, url);
  if (persona.sees_nothing) return nothing(operation, k.cursor);
  const page = index.lists.get(k.base);
  if (!page) return null;
  let start = 0;
  if (k.cursor !== null) {
    const at = page.ids.indexOf(k.cursor);
    if (at < 0 || !page.cursorable[at]) return null;
    start = at + 1;
  }
  const from = start + k.offset;
  const to = from + k.limit;
  if (to > page.items.length && page.items.length < page.count) return null;
  const items = page.items.slice(from, to).map((i) => index.bodies[i]);
  return json(200, `{"${page.count_key}":${page.count},"${page.items_key}":[${items.join(",")}]}\n`);
}

function nothing(operation, cursor) {
  // A caller who may read nothing: every cursor is unknown to them, every list is empty.
  if (cursor !== null && operation === "interceptions") {
    throw new ApiError(400, "Invalid pagination cursor.", `after_id: interception ${cursor} not found: invalid pagination cursor`);
  }
  if (cursor !== null) {
    throw new ApiError(400, "Query parameter has invalid value.", `after_session_id: session ${goQuote(cursor)} not found`);
  }
  const key = operation === "interceptions" ? DATA.interceptions_count_key : "count";
  return json(200, `{"${key}":0,"${operation === "interceptions" ? "results" : "sessions"}":[]}\n`);
}

function valuesPage(index, persona, operation, url) {
  const k = valuesKey(persona, operation, url);
  if (persona.sees_nothing) return json(200, "null\n");
  const page = index.values.get(k.base);
  if (!page || !page.complete) return null;
  const pattern = likePrefix(k.prefix);
  const matching = page.values.map((v, i) => [v, page.items[i]]).filter(([v]) => pattern.test(v));
  const items = matching.slice(k.offset, k.offset + k.limit).map(([, i]) => index.bodies[i]);
  return json(200, items.length ? `[${items.join(",")}]\n` : "null\n");
}

function catchAll(request, url) {
  // aibridged reads only these three headers, never cookies or Coder-Session-Token.
  const token = request.headers.get("X-Coder-AI-Governance-Token") || bearer(request) || request.headers.get("X-Api-Key") || "";
  if (!token) return text(400, "no authentication key provided");
  if (!personaFor(token)) return text(403, "unauthorized");
  return text(404, `route not supported: ${request.method} /${url.pathname.slice(DATA.prefix.length + 1)}`);
}

function decodePath(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path the API is served under, such as "/api/v2/aibridge" (the export's generation decides). */
export const prefix = DATA.prefix;

/** The personas of the exported data set and their session tokens. */
export const personas = DATA.personas.map((p) => ({ username: p.username, role: p.role, userId: p.user_id, token: `${p.key_id}-${p.secret}` }));

/** Handlers for the API under `baseUrl` (default: any origin). */
export function createHandlers(options = {}) {
  const base = (options.baseUrl ?? "*").replace(/\/$/, "");
  const index = build();
  const route = (operation) => {
    const path = operation === "sessions/{session_id}" ? "/sessions/:sessionId" : `/${operation}`;
    return http.get(base + DATA.prefix + path, ({ request, cookies }) => {
      const url = new URL(request.url);
      const below = url.pathname.slice(DATA.prefix.length).split("/");
      if (operation === "sessions/{session_id}") {
        if (below.length !== 3 || below[1] !== "sessions" || !below[2]) return catchAll(request, url);
        return answer(index, request, url, cookies, operation, decodePath(below[2]));
      }
      // "/sessions/" is not "/sessions": coderd's router hands it to the provider catch-all.
      if (below.length !== 2 || below[1] !== operation) return catchAll(request, url);
      return answer(index, request, url, cookies, operation, undefined);
    });
  };
  return [
    ...DATA.operations.map(route),
    http.all(base + DATA.prefix, ({ request }) => catchAll(request, new URL(request.url))),
    http.all(base + DATA.prefix + "/*", ({ request }) => catchAll(request, new URL(request.url))),
  ];
}

export const handlers = createHandlers();
export default handlers;
