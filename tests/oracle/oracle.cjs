#!/usr/bin/env node
// The fidelity oracle's instance generator and validator, independent of the code generator:
// it reads the raw spec itself, draws instances with json-schema-faker and validates them with
// ajv (both pinned in tests/package.json). The Rust side decodes each instance into the
// generated type and encodes it back; this script then judges the output.
//
//   node oracle.cjs draw  SPEC [--count N] [--seed S] [--limit K] [--only A,B]  > drawn.json
//   node oracle.cjs check SPEC DRAWN RESULTS                                       > report.json
//
// `draw` writes, per component schema, instances that ajv accepts (a drawn value ajv rejects is
// counted as not drawable, with the reason, never passed on). `check` reads the Rust side's
// results ({"schemas": {NAME: [{"output": V} | {"error": E}, ...]}}) and tells, per instance,
// whether it decoded, whether the output is valid against the same schema, and whether it is
// lossless (see `lossless` for what that means).
//
// The oracle's reading of OpenAPI, kept small and stated here (see `translate`):
// - 3.0: `nullable: true` allows `null` (a type list, `null` in an `enum`, or `anyOf` with
//   `{type: "null"}` when the schema names no type); boolean `exclusiveMinimum`/`Maximum` become
//   the numeric draft-07 form; ajv reads the result as draft-07 (`$ref` siblings ignored, as 3.0 says).
//   3.1: read as JSON Schema 2020-12, unchanged.
// - Integer formats (int8..int64, uint8..uint64, uint, and `int`/`integer`/`long` spellings) bound
//   the value to their range where the schema states no tighter bound, for drawing and validating.
// - A `discriminator` over `oneOf`/`anyOf` of `$ref`s: an alternative whose schema pins the
//   property keeps its pinned values; any other alternative's property must be one of its
//   `mapping` keys or its schema name (the OpenAPI rule). Without it JSON Schema would accept a
//   tag that selects no alternative.
// - `ip` (dropshot's IpAddr) is an IPv4 or IPv6 address. Other formats json-schema-faker does
//   not know are drawn as plain strings, formats ajv does not know are not checked; both lists
//   are reported per spec.

"use strict";

const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");
const jsf = require("json-schema-faker");
const Ajv = require("ajv").default;
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const DOC_ID = "oracle:doc";

// ---------------------------------------------------------------------------------------------
// Loading and translating

function loadSpec(file) {
  const text = fs.readFileSync(file, "utf8");
  return file.endsWith(".json") ? JSON.parse(text) : yaml.safeLoad(text);
}

const INTEGER_FORMATS = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int: [-2147483648, 2147483647],
  integer: [-2147483648, 2147483647],
  // The largest doubles inside the 64-bit ranges (JSON numbers are doubles in JavaScript).
  int64: [-9223372036854775808, 9223372036854774784],
  long: [-9223372036854775808, 9223372036854774784],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, 18446744073709549568],
  uint: [0, 18446744073709549568],
};

const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SCHEMA_ONES = [
  "additionalProperties",
  "not",
  "contains",
  "if",
  "then",
  "else",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "additionalItems",
];

/** Applies `f` to every schema object below and including `node`, children first. */
function mapSchema(node, f) {
  if (!node || typeof node !== "object" || Array.isArray(node)) return node;
  const out = { ...node };
  for (const k of SCHEMA_MAPS) {
    if (out[k] && typeof out[k] === "object" && !Array.isArray(out[k])) {
      out[k] = Object.fromEntries(Object.entries(out[k]).map(([n, s]) => [n, mapSchema(s, f)]));
    }
  }
  for (const k of SCHEMA_LISTS) if (Array.isArray(out[k])) out[k] = out[k].map((s) => mapSchema(s, f));
  for (const k of SCHEMA_ONES) if (out[k] && typeof out[k] === "object") out[k] = mapSchema(out[k], f);
  if (Array.isArray(out.items)) out.items = out.items.map((s) => mapSchema(s, f));
  else if (out.items && typeof out.items === "object") out.items = mapSchema(out.items, f);
  return f(out);
}

function refTarget(doc, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
  let node = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!node || typeof node !== "object") return undefined;
    node = node[key];
  }
  return node;
}

/** The values a schema pins `property` to (a one-value `enum` or `const`), through `$ref`s and `allOf`. */
function pinnedValues(doc, schema, property, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 16) return undefined;
  if (schema.$ref) return pinnedValues(doc, refTarget(doc, schema.$ref), property, depth + 1);
  const prop = schema.properties && schema.properties[property];
  if (prop) {
    const p = prop.$ref ? refTarget(doc, prop.$ref) : prop;
    if (p && p.const !== undefined) return [p.const];
    if (p && Array.isArray(p.enum)) return p.enum.filter((v) => v !== null);
  }
  for (const part of schema.allOf || []) {
    const found = pinnedValues(doc, part, property, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The oracle's reading of the spec's component schemas: see the header. */
function translate(doc, forDraw = false) {
  const v31 = String(doc.openapi || "").startsWith("3.1");
  const schemas = (doc.components && doc.components.schemas) || {};
  const rule = (s) => {
    if (forDraw) {
      // json-schema-faker 0.5.8 reads only the boolean (draft-04, OpenAPI 3.0) form.
      if (typeof s.exclusiveMinimum === "number") s.minimum = s.exclusiveMinimum, s.exclusiveMinimum = true;
      if (typeof s.exclusiveMaximum === "number") s.maximum = s.exclusiveMaximum, s.exclusiveMaximum = true;
    } else if (!v31) {
      if (typeof s.exclusiveMinimum === "boolean") {
        if (s.exclusiveMinimum && typeof s.minimum === "number") s.exclusiveMinimum = s.minimum, delete s.minimum;
        else delete s.exclusiveMinimum;
      }
      if (typeof s.exclusiveMaximum === "boolean") {
        if (s.exclusiveMaximum && typeof s.maximum === "number") s.exclusiveMaximum = s.maximum, delete s.maximum;
        else delete s.exclusiveMaximum;
      }
    }
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const bounds = INTEGER_FORMATS[s.format];
    if (bounds && types.includes("integer")) {
      if (s.minimum === undefined && typeof s.exclusiveMinimum !== "number") s.minimum = bounds[0];
      if (s.maximum === undefined && typeof s.exclusiveMaximum !== "number") s.maximum = bounds[1];
    }
    const union = s.oneOf ? "oneOf" : s.anyOf ? "anyOf" : undefined;
    if (s.discriminator && typeof s.discriminator.propertyName === "string" && union) {
      const prop = s.discriminator.propertyName;
      const mapping = s.discriminator.mapping || {};
      s[union] = s[union].map((alt) => {
        if (!alt.$ref || pinnedValues(doc, alt, prop)) return alt;
        const tags = Object.keys(mapping).filter((k) => mapping[k] === alt.$ref);
        tags.push(decodeURIComponent(alt.$ref.split("/").pop()));
        return { allOf: [alt, { type: "object", required: [prop], properties: { [prop]: { enum: tags } } }] };
      });
    }
    // ajv reads `nullable` itself (and rejects it without `type`): the oracle's reading replaces it.
    const nullable = s.nullable === true && !v31;
    delete s.nullable;
    if (nullable) {
      if (typeof s.type === "string") {
        s.type = [s.type, "null"];
        if (Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
      } else if (s.type === undefined && !s.$ref && Object.keys(s).some((k) => !ANNOTATIONS.has(k))) {
        const rest = { ...s };
        for (const k of Object.keys(s)) delete s[k];
        s.anyOf = [{ type: "null" }, rest];
      }
    }
    return s;
  };
  const out = {};
  for (const [name, schema] of Object.entries(schemas)) out[name] = mapSchema(schema, rule);
  return { v31, schemas: out };
}

const ANNOTATIONS = new Set(["title", "description", "example", "examples", "default", "deprecated", "readOnly", "writeOnly", "externalDocs", "xml"]);

/** A copy of `node` whose local `$ref`s point into the document registered with ajv. */
function absoluteRefs(node) {
  if (Array.isArray(node)) return node.map(absoluteRefs);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? DOC_ID + v : absoluteRefs(v);
  }
  return out;
}

function formatsUsed(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => formatsUsed(n, out));
  else if (node && typeof node === "object") {
    if (typeof node.format === "string") out.add(node.format);
    Object.values(node).forEach((v) => formatsUsed(v, out));
  }
  return out;
}

const JSF_FORMATS = new Set([
  "date-time", "datetime", "date", "time", "ipv4", "regex", "email", "hostname", "ipv6", "uri", "uri-reference",
  "iri", "iri-reference", "idn-email", "idn-hostname", "json-pointer", "slug", "uri-template", "uuid", "duration",
]);

/** An ajv for the translated document; unknown formats are accepted (and reported). */
function validator(translated, formats) {
  const ajv = new (translated.v31 ? Ajv2020 : Ajv)({ strict: false, allErrors: false, validateFormats: true, logger: false });
  addFormats(ajv);
  // `ip` (dropshot's IpAddr): either address family.
  const full = require("ajv-formats/dist/formats").fullFormats;
  ajv.addFormat("ip", (v) => full.ipv4.test(v) || full.ipv6.test(v));
  const unknown = [];
  for (const f of formats) {
    if (!ajv.formats[f]) {
      unknown.push(f);
      ajv.addFormat(f, true);
    }
  }
  ajv.addSchema({ $id: DOC_ID, components: { schemas: absoluteRefs(translated.schemas) } });
  const cache = new Map();
  const compile = (schema) => {
    let v = cache.get(schema);
    if (!v) {
      v = ajv.compile(absoluteRefs(schema));
      cache.set(schema, v);
    }
    return v;
  };
  const byName = (name) => compile({ $ref: `#/components/schemas/${escapePointer(name)}` });
  return { ajv, compile, byName, unknown };
}

function escapePointer(token) {
  return encodeURIComponent(token.replace(/~/g, "~0").replace(/\//g, "~1")).replace(/%24/g, "$");
}

function errorText(v) {
  const e = (v.errors || [])[0];
  return e ? `${e.instancePath || "/"} ${e.message}` : "invalid";
}

// ---------------------------------------------------------------------------------------------
// Drawing

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function draw(spec, opts) {
  const doc = loadSpec(spec);
  const translated = translate(doc);
  const forDraw = translate(doc, true);
  const formats = formatsUsed(translated.schemas);
  const check = validator(translated, formats);
  const jsfOptions = {
    failOnInvalidFormat: false,
    failOnInvalidTypes: false,
    useExamplesValue: false,
    useDefaultValue: false,
    // Not a probability: json-schema-faker 0.5.8 then draws array lengths outside maxItems.
    optionalsProbability: null,
    // No `maxLength`: json-schema-faker cuts formatted strings (a uuid) to it as well.
    maxItems: 3,
    refDepthMax: 3,
    renderTitle: false,
    renderDescription: false,
    ignoreMissingRefs: false,
  };
  // Strings only (json-schema-faker's format hook): base64 for `byte`; an IPv4 or IPv6 address
  // for `ip` (dropshot's IpAddr, which json-schema-faker does not know).
  jsf.format("byte", () => Buffer.from(String(Math.floor(jsfRandom() * 1e9))).toString("base64"));
  jsf.format("ip", () =>
    jsfRandom() < 0.5
      ? [0, 0, 0, 0].map(() => Math.floor(jsfRandom() * 256)).join(".")
      : Array.from({ length: 8 }, () => Math.floor(jsfRandom() * 65536).toString(16)).join(":"),
  );
  let names = Object.keys(translated.schemas);
  if (opts.only) names = names.filter((n) => opts.only.includes(n));
  if (opts.limit && names.length > opts.limit) {
    // A fixed, seed-dependent sample of the schemas, in document order.
    const rank = new Map(names.map((n) => [n, hash(`${opts.seed}:${n}`)]));
    const keep = new Set([...names].sort((a, b) => rank.get(a) - rank.get(b)).slice(0, opts.limit));
    names = names.filter((n) => keep.has(n));
  }
  const out = [];
  for (const name of names) {
    const rng = mulberry32(hash(`${opts.seed}:${name}`));
    jsfRandom = rng;
    // Set as a whole: json-schema-faker's `option` replaces the options it was given before.
    jsf.option({ ...jsfOptions, random: rng });
    const valid = check.byName(name);
    const entry = { name, instances: [], undrawn: 0, reasons: {} };
    for (let i = 0; i < opts.count; i++) {
      let value;
      try {
        // Copies: json-schema-faker resolves `$ref`s in place, in what it is given.
        const root = structuredClone(forDraw.schemas[name]);
        root.components = { schemas: structuredClone(forDraw.schemas) };
        value = jsf.generate(root);
        if (value && typeof value === "object" && !Array.isArray(value)) delete value.components;
      } catch (e) {
        entry.undrawn++;
        const reason = `generator: ${String(e.message || e).split("\n")[0].slice(0, 120)}`;
        entry.reasons[reason] = (entry.reasons[reason] || 0) + 1;
        continue;
      }
      if (value === undefined) value = null;
      if (valid(value)) entry.instances.push(value);
      else {
        entry.undrawn++;
        const reason = `drawn value invalid: ${errorText(valid)}`;
        entry.reasons[reason] = (entry.reasons[reason] || 0) + 1;
      }
    }
    out.push(entry);
  }
  const unknownToGenerator = [...formats].filter((f) => !JSF_FORMATS.has(f) && !INTEGER_FORMATS[f] && f !== "byte" && f !== "ip");
  return {
    spec: path.basename(spec),
    openapi: doc.openapi,
    schemas: out,
    formats: { notDrawn: unknownToGenerator, notValidated: check.unknown },
  };
}

let jsfRandom = Math.random;

// ---------------------------------------------------------------------------------------------
// Checking

/**
 * Whether `output` (what the generated type encoded) keeps what `input` (the drawn instance)
 * says, as the schema reads it: `null`, an absent member and one at the schema's `default` are
 * the same; members the schema
 * does not declare (where it keeps none: no `additionalProperties`) may be dropped; numbers
 * compare as numbers (`format: float` at single precision); `date-time` strings as instants and
 * `uuid`s without regard to case. Members of a `oneOf`/`anyOf` alternative count as declared
 * when the input is valid against that alternative. Returns `undefined` or where it differs.
 */
function lossless(ctx, schema, input, output, at) {
  const view = schemaView(ctx, schema, input);
  if (typeof input === "number" && typeof output === "number") {
    if (input === output) return undefined;
    if (view.formats.has("float") && Math.fround(input) === Math.fround(output)) return undefined;
    return `${at}: ${input} became ${output}`;
  }
  if (typeof input === "string" && typeof output === "string") {
    if (input === output) return undefined;
    if ((view.formats.has("date-time") || view.formats.has("date")) && Date.parse(input) === Date.parse(output) && !Number.isNaN(Date.parse(input))) return undefined;
    if (view.formats.has("uuid") && input.toLowerCase() === output.toLowerCase()) return undefined;
    return `${at}: ${JSON.stringify(input)} became ${JSON.stringify(output)}`;
  }
  if (Array.isArray(input)) {
    if (!Array.isArray(output) || output.length !== input.length) return `${at}: array became ${short(output)}`;
    for (let i = 0; i < input.length; i++) {
      const d = lossless(ctx, view.item(i), input[i], output[i], `${at}/${i}`);
      if (d) return d;
    }
    return undefined;
  }
  if (input && typeof input === "object") {
    if (!output || typeof output !== "object" || Array.isArray(output)) return `${at}: object became ${short(output)}`;
    // A member left out and one at the schema's `default`, or at the one value the schema
    // allows (a tag written back), mean the same.
    const isDefault = (k, v) => {
      const m = view.member(k);
      const d = m && (m.$ref ? refTarget(ctx.doc, m.$ref) : m);
      if (!d) return false;
      const only = d.const !== undefined ? [d.const] : Array.isArray(d.enum) && d.enum.length === 1 ? d.enum : undefined;
      const same = (x) => JSON.stringify(x) === JSON.stringify(v);
      return (d.default !== undefined && same(d.default)) || (only !== undefined && same(only[0]));
    };
    for (const [k, v] of Object.entries(input)) {
      if (k in output) {
        const d = lossless(ctx, view.member(k), v, output[k], `${at}/${k}`);
        if (d) return d;
      } else if (v !== null && view.declares(k) && !isDefault(k, v)) {
        return `${at}/${k}: dropped`;
      }
    }
    for (const [k, v] of Object.entries(output)) {
      if (!(k in input) && v !== null && !isDefault(k, v)) return `${at}/${k}: added ${short(v)}`;
    }
    return undefined;
  }
  return input === output || (input === null && output === undefined) ? undefined : `${at}: ${short(input)} became ${short(output)}`;
}

function short(v) {
  const s = JSON.stringify(v);
  return s === undefined ? "nothing" : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** What a schema declares for a given instance: its parts, through `$ref`, `allOf` and the matching alternatives. */
function schemaView(ctx, schema, instance) {
  const parts = [];
  const visit = (s, depth) => {
    if (!s || typeof s !== "object" || depth > 24 || parts.includes(s)) return;
    parts.push(s);
    if (s.$ref) visit(refTarget(ctx.doc, s.$ref), depth + 1);
    for (const p of s.allOf || []) visit(p, depth + 1);
    for (const k of ["oneOf", "anyOf"]) {
      for (const alt of s[k] || []) if (ctx.check.compile(alt)(instance)) visit(alt, depth + 1);
    }
  };
  visit(schema, 0);
  const formats = new Set(parts.map((p) => p.format).filter(Boolean));
  return {
    formats,
    declares: (k) => parts.some((p) => (p.properties && k in p.properties) || (p.additionalProperties !== undefined && p.additionalProperties !== false) || p.patternProperties),
    member: (k) => {
      for (const p of parts) if (p.properties && k in p.properties) return p.properties[k];
      for (const p of parts) if (p.additionalProperties && typeof p.additionalProperties === "object") return p.additionalProperties;
      return undefined;
    },
    item: (i) => {
      for (const p of parts) if (Array.isArray(p.prefixItems) && p.prefixItems[i]) return p.prefixItems[i];
      for (const p of parts) if (p.items && typeof p.items === "object" && !Array.isArray(p.items)) return p.items;
      return undefined;
    },
  };
}

function checkResults(spec, drawnFile, resultsFile) {
  const doc = loadSpec(spec);
  const translated = translate(doc);
  const check = validator(translated, formatsUsed(translated.schemas));
  const ctx = { doc: { components: { schemas: translated.schemas } }, check };
  const drawn = JSON.parse(fs.readFileSync(drawnFile, "utf8"));
  const results = JSON.parse(fs.readFileSync(resultsFile, "utf8")).schemas;
  const totals = { schemas: 0, instances: 0, decoded: 0, valid: 0, lossless: 0, typed: 0, undrawn: 0 };
  const failures = [];
  const undrawn = {};
  for (const entry of drawn.schemas) {
    totals.schemas++;
    totals.undrawn += entry.undrawn;
    if (entry.undrawn) undrawn[entry.name] = entry.reasons;
    const outcomes = results[entry.name];
    if (!outcomes) {
      if (entry.instances.length) failures.push({ schema: entry.name, kind: "missing", message: "no generated type was tried" });
      totals.instances += entry.instances.length;
      continue;
    }
    const valid = check.byName(entry.name);
    const schema = translated.schemas[entry.name];
    entry.instances.forEach((input, i) => {
      totals.instances++;
      const r = outcomes[i] || { error: "no result" };
      if (r.error !== undefined) {
        failures.push({ schema: entry.name, kind: "decode", message: r.error, input });
        return;
      }
      totals.decoded++;
      if (!r.fallback) totals.typed++;
      else failures.push({ schema: entry.name, kind: "fallback", message: `decoded into an \`Unknown\` fallback: ${r.fallback}`, input });
      if (!valid(r.output)) {
        failures.push({ schema: entry.name, kind: "invalid", message: errorText(valid), input, output: r.output });
        return;
      }
      totals.valid++;
      const loss = lossless(ctx, schema, input, r.output, "");
      if (loss) failures.push({ schema: entry.name, kind: "lossy", message: loss, input, output: r.output });
      else totals.lossless++;
    });
  }
  return { spec: drawn.spec, totals, failures, undrawn, formats: drawn.formats };
}

// ---------------------------------------------------------------------------------------------

function main(argv) {
  const [command, spec, ...rest] = argv;
  const flag = (name, fallback) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : fallback;
  };
  if (command === "draw" && spec) {
    const only = flag("--only");
    const opts = {
      count: Number(flag("--count", "10")),
      seed: Number(flag("--seed", "1")),
      limit: flag("--limit") ? Number(flag("--limit")) : undefined,
      only: only ? only.split(",") : undefined,
    };
    process.stdout.write(JSON.stringify(draw(spec, opts)));
  } else if (command === "check" && spec && rest.length >= 2) {
    process.stdout.write(JSON.stringify(checkResults(spec, rest[0], rest[1])));
  } else {
    process.stderr.write("usage: oracle.cjs draw SPEC [--count N] [--seed S] [--limit K] [--only A,B] | check SPEC DRAWN RESULTS\n");
    process.exit(2);
  }
}

main(process.argv.slice(2));
