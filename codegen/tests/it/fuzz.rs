//! No panics and no hangs on any input: thousands of mutated specs through `generate`.
//!
//! Base specs are the one-concern fixtures and the small corpus specs; each case clones one,
//! applies a few mutations chosen by a seeded PRNG (deterministic: a failure names its seed,
//! and the same seed rebuilds the same spec) and generates it. A case passes when `generate`
//! returns `Ok`, or an `Err` holding an error whose diagnostics are all located (a file, and a
//! pointer that is `""` or starts with `/`). Cases run in batches on worker threads, watched by
//! a per-case deadline, so a hang fails the test with the case instead of stalling CI.
//!
//! `FUZZ_SEED` and `FUZZ_CASES` explore other or more specs than CI runs; `FUZZ_TRACE=1` prints each case as it starts (a stack overflow aborts the process before
//! anything else can name the case).
//!
//! Every case the fuzzer ever found is kept in `codegen/tests/fixtures/fuzz/` and replayed by
//! [`found_cases_stay_fixed`].

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use voice_agents_codegen::{generate, Diagnostics, Input};

/// How many mutated specs one run generates (`FUZZ_CASES` overrides it).
const CASES: u64 = 10_000;
/// The seed of the run (see [`case_seed`]). `FUZZ_SEED` overrides it, to explore.
const SEED: u64 = 0x5EED_CAFE_F00D;

/// The PRNG seed of one case. The run's seed is spread over the high bits, so runs with
/// different seeds (even 1 and 2) share no case.
fn case_seed(case: u64) -> u64 {
    env_u64("FUZZ_SEED", SEED).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ case
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
/// A case taking longer than this is a hang (a normal one takes milliseconds).
const CASE_LIMIT: Duration = Duration::from_secs(20);
/// Worker threads (the machine has 2 cores).
const WORKERS: u64 = 2;

/// Small corpus specs used as bases besides the fixtures.
const CORPUS_BASES: &[&str] =
    &["cli-gen.json", "param-overrides.json", "param-collision.json", "keeper.json", "petstore.yaml"];

#[test]
fn mutated_specs_never_panic_or_hang() {
    let bases = std::sync::Arc::new(bases());
    let cases = env_u64("FUZZ_CASES", CASES);
    let started = Instant::now();
    let (tx, rx) = mpsc::channel::<Event>();
    for worker in 0..WORKERS {
        let tx = tx.clone();
        let bases = bases.clone();
        std::thread::Builder::new()
            .name(format!("fuzz-{worker}"))
            // The size of a main thread's stack: what the generator gets when run from a CLI.
            .stack_size(8 << 20)
            .spawn(move || {
                let trace = std::env::var_os("FUZZ_TRACE").is_some();
                for case in (worker..cases).step_by(WORKERS as usize) {
                    if trace {
                        // A stack overflow aborts the process before any report: this names the case.
                        eprintln!("fuzz: case {case}");
                    }
                    let _ = tx.send(Event::Started(worker, case));
                    let outcome = run_case(&bases, case);
                    let _ = tx.send(Event::Done(case, outcome));
                }
            })
            .expect("spawn worker");
    }
    drop(tx);
    let mut running: Vec<Option<(u64, Instant)>> = vec![None; WORKERS as usize];
    let mut done = 0u64;
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    while done < cases {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(Event::Started(worker, case)) => running[worker as usize] = Some((case, Instant::now())),
            Ok(Event::Done(case, outcome)) => {
                done += 1;
                match outcome {
                    Outcome::Generated => stats.generated += 1,
                    Outcome::Rejected => stats.rejected += 1,
                    Outcome::Failed(why) => failures.push(report(&bases, case, &why)),
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        for (case, since) in running.iter().flatten() {
            if since.elapsed() > CASE_LIMIT {
                panic!("{}", report(&bases, *case, &format!("no result after {CASE_LIMIT:?}: a hang")));
            }
        }
        if failures.len() >= 5 {
            break;
        }
    }
    println!(
        "fuzz: {done} cases ({} generated, {} rejected with located errors) in {:.1} s",
        stats.generated,
        stats.rejected,
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{} failing cases:\n\n{}", failures.len(), failures.join("\n\n"));
    assert_eq!(done, cases, "workers stopped early");
    // The mutations must leave enough specs valid to reach the IR and emit stages.
    assert!(stats.generated > cases / 5, "only {} of {cases} cases generated", stats.generated);
}

/// `FUZZ_CASE=<n> cargo test -p voice-agents-codegen --test it fuzz::write_case -- --ignored`
/// writes case `n`'s spec to `target/fuzz-case-<n>.json` (to turn into a regression fixture).
#[test]
#[ignore = "a tool: run with FUZZ_CASE set"]
fn write_case() {
    let case: u64 = std::env::var("FUZZ_CASE").ok().and_then(|c| c.parse().ok()).expect("FUZZ_CASE=<case number>");
    let (name, text) = mutated(&bases(), case);
    let path = crate::root().join(format!("target/fuzz-case-{case}.json"));
    std::fs::write(&path, text).expect("write the case");
    println!("case {case} (base {name}) written to {}", path.display());
}

/// Every spec the fuzzer once failed on (`codegen/tests/fixtures/fuzz/`), replayed.
#[test]
fn found_cases_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("fixtures/fuzz").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no regression cases in {}", dir.display());
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {name}: {e}"));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (tx, rx) = mpsc::channel();
        let spec = name.clone();
        std::thread::spawn(move || {
            let _ = tx.send(check(&spec, &text));
        });
        match rx.recv_timeout(CASE_LIMIT) {
            Ok(Outcome::Failed(why)) => panic!("{name}: {why}"),
            Ok(_) => {}
            Err(_) => panic!("{name}: no result after {CASE_LIMIT:?}"),
        }
    }
}

enum Event {
    Started(u64, u64),
    Done(u64, Outcome),
}

enum Outcome {
    Generated,
    Rejected,
    Failed(String),
}

#[derive(Default)]
struct Stats {
    generated: u64,
    rejected: u64,
}

fn run_case(bases: &[Base], case: u64) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| mutated(bases, case))) {
        Ok((name, text)) => check(&name, &text),
        Err(_) => Outcome::Failed("the mutator itself panicked (a bug in this test)".to_owned()),
    }
}

/// Generates `text`; a panic or an unlocated (or error-less) `Err` is a failure.
fn check(name: &str, text: &str) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| generate(Input { file: name, text, overlay: None }, "fuzz")));
    match result {
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Outcome::Failed(format!("panicked: {message}"))
        }
        Ok(Ok(_)) => Outcome::Generated,
        Ok(Err(d)) => match unlocated(name, &d) {
            Some(why) => Outcome::Failed(why),
            None => Outcome::Rejected,
        },
    }
}

fn unlocated(name: &str, d: &Diagnostics) -> Option<String> {
    if !d.has_errors() {
        return Some(format!("an Err without any error:\n{d}"));
    }
    d.0.iter()
        .find(|x| x.file.is_empty() || x.file != name || !(x.pointer.is_empty() || x.pointer.starts_with('/')))
        .map(|x| format!("unlocated diagnostic: {x:?}"))
}

fn report(bases: &[Base], case: u64, why: &str) -> String {
    let (name, text) = mutated(bases, case);
    let shown: String = text.chars().take(4000).collect();
    format!("case {case} (seed {:#x}, base {name}): {why}\n--- spec ---\n{shown}", case_seed(case))
}

/// A base spec: its name and its document.
struct Base {
    name: String,
    doc: Value,
}

fn bases() -> Vec<Base> {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.extend(CORPUS_BASES.iter().map(|n| crate::root().join("tests/corpus").join(n)));
    let mut out = Vec::new();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {name}: {e}"));
        // Bases are valid documents; the malformed-YAML fixture is covered by text mutations.
        let Ok(doc) = voice_agents_codegen::load::parse_text(&name, &text) else { continue };
        out.push(Base { name, doc });
    }
    assert!(out.len() >= 20, "only {} base specs", out.len());
    out
}

/// The spec of one case: its base's name and the mutated text.
fn mutated(bases: &[Base], case: u64) -> (String, String) {
    let mut rng = Rng(case_seed(case));
    let base = &bases[rng.below(bases.len())];
    let name = base.name.clone();
    let roll = rng.below(100);
    if roll < 3 {
        // Arbitrary bytes through the text entry point.
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        return (name, String::from_utf8_lossy(&bytes).into_owned());
    }
    let mut doc = base.doc.clone();
    if rng.below(4) == 0 {
        // The 3.1 reader runs on a quarter of the cases.
        doc["openapi"] = json!("3.1.0");
    }
    for _ in 0..1 + rng.below(3) {
        mutate(&mut doc, &mut rng);
    }
    let text = serde_json::to_string(&doc).unwrap_or_default();
    if roll < 8 {
        return (name, damage_text(&text, &mut rng));
    }
    (name, text)
}

/// Truncation, inserted bytes (lossy) and flipped characters at the text level.
fn damage_text(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    match rng.below(3) {
        0 => bytes.truncate(rng.below(bytes.len() + 1)),
        1 => {
            let at = rng.below(bytes.len() + 1);
            let junk: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, junk);
        }
        _ => {
            for _ in 0..1 + rng.below(4) {
                if !bytes.is_empty() {
                    let at = rng.below(bytes.len());
                    let junk = b"{}[]\":,~/\\0-";
                    bytes[at] = junk[rng.below(junk.len())];
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A step of a path into a document.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn paths(doc: &Value) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    let mut stack = vec![(doc, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (k, v) in map {
                    let mut p = path.clone();
                    p.push(Step::Key(k.clone()));
                    stack.push((v, p));
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(Step::Index(i));
                    stack.push((v, p));
                }
            }
            _ => {}
        }
        out.push(path);
    }
    out
}

fn node_mut<'a>(doc: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = doc;
    for step in path {
        node = match step {
            Step::Key(k) => node.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

fn pointer(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

const ODD_KEYS: &[&str] = &[
    "",
    " ",
    "a/b",
    "~0",
    "~1",
    "$ref",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "r#type",
    "mod",
    "Result",
    "Client",
    "🦀",
    "{id}",
    "1abc",
    "__",
    "-",
    "a.b",
    "Unknown",
    "null",
    "default",
    "x-envelope",
];

const ODD_VALUES: &[&str] =
    &["", "null", "{id}", "#", "#/", "~", "/", "🦀", "\u{0}", "application/json", "3.1.0", "int64"];

const REFS: &[&str] = &[
    "#/components/schemas/DoesNotExist",
    "",
    "#",
    "#/",
    "other.yaml#/components/schemas/A",
    "#bad",
    "#/paths",
    "#/components/schemas/a~2b",
    "#/components/schemas",
    "#/info/title",
    "#/components/parameters/Nope",
    "#/components/responses/Nope",
    "#/components/requestBodies/Nope",
];

fn weird_number(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(u64::MAX),
        1 => json!(i64::MIN),
        2 => json!(-1),
        3 => json!(0.5),
        4 => json!(1e300),
        5 => json!(-1e300),
        6 => json!(0),
        7 => json!(4_294_967_296u64),
        8 => json!(-0.0),
        _ => json!(1e-300),
    }
}

fn random_value(rng: &mut Rng, old: &Value) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => weird_number(rng),
        3 => json!(ODD_VALUES[rng.below(ODD_VALUES.len())]),
        4 => json!([]),
        5 => json!({}),
        6 => json!([old.clone()]),
        7 => json!({ "a": old.clone() }),
        _ => json!("x"),
    }
}

/// Component schema names of the document.
fn schema_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn mutate(doc: &mut Value, rng: &mut Rng) {
    let all = paths(doc);
    let path = all[rng.below(all.len())].clone();
    let other = all[rng.below(all.len())].clone();
    let op = rng.below(16);
    let snapshot = node_mut(doc, &other).cloned().unwrap_or(Value::Null);
    let here = pointer(&path);
    let names = schema_names(doc);
    let Some(node) = node_mut(doc, &path) else { return };
    match op {
        // Delete a key.
        0 | 1 => {
            if let Some(map) = node.as_object_mut() {
                if !map.is_empty() {
                    let k = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                    map.remove(&k);
                }
            }
        }
        // Swap the type of a value.
        2 | 3 => *node = random_value(rng, &node.clone()),
        // `$ref`s to nowhere, odd places, itself and elsewhere.
        4 => *node = json!({ "$ref": REFS[rng.below(REFS.len())] }),
        5 => *node = json!({ "$ref": format!("#{here}") }),
        6 => *node = json!({ "$ref": format!("#{}", pointer(&other)) }),
        7 => {
            // Two component schemas referring to each other, or one to itself.
            if !names.is_empty() {
                let a = names[rng.below(names.len())].clone();
                let b = names[rng.below(names.len())].clone();
                let esc = |s: &str| s.replace('~', "~0").replace('/', "~1");
                doc["components"]["schemas"][&a] = json!({ "$ref": format!("#/components/schemas/{}", esc(&b)) });
                doc["components"]["schemas"][&b] = json!({ "$ref": format!("#/components/schemas/{}", esc(&a)) });
            }
        }
        // Numbers where schemas expect them.
        8 => {
            if let Some(map) = node.as_object_mut() {
                let key = [
                    "minLength",
                    "maxLength",
                    "minimum",
                    "maximum",
                    "minItems",
                    "maxItems",
                    "multipleOf",
                    "minProperties",
                ][rng.below(8)];
                map.insert(key.to_owned(), weird_number(rng));
            } else if node.is_number() {
                *node = weird_number(rng);
            }
        }
        // Deep nesting.
        9 => {
            let depth = 1 + rng.below(80);
            let mut v = node.clone();
            let shape = rng.below(5);
            for _ in 0..depth {
                v = match shape {
                    0 => json!({ "allOf": [v] }),
                    1 => json!({ "type": "array", "items": v }),
                    2 => json!({ "type": "object", "properties": { "a": v } }),
                    3 => json!({ "oneOf": [v, {}] }),
                    _ => json!({ "additionalProperties": v }),
                };
            }
            *node = v;
        }
        // Empty strings, as a value or as a key.
        10 => match node {
            Value::String(s) => s.clear(),
            Value::Object(map) if !map.is_empty() => {
                let k = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                if let Some(v) = map.remove(&k) {
                    map.insert(String::new(), v);
                }
            }
            _ => *node = json!(""),
        },
        // Duplicate names: a look-alike schema, a shared operationId.
        11 => {
            if !names.is_empty() && rng.below(2) == 0 {
                let n = names[rng.below(names.len())].clone();
                let twin = [
                    n.to_lowercase(),
                    n.to_uppercase(),
                    format!("{n}_"),
                    format!("{n}-"),
                    format!("{n}2"),
                    format!("_{n}"),
                ][rng.below(6)]
                .clone();
                let copy = doc["components"]["schemas"][&n].clone();
                doc["components"]["schemas"][&twin] = copy;
            } else if let Some(map) = node.as_object_mut() {
                map.insert("operationId".to_owned(), json!("same"));
                map.insert("name".to_owned(), json!("same"));
            }
        }
        // Odd keys.
        12 => {
            if let Some(map) = node.as_object_mut() {
                let odd = ODD_KEYS[rng.below(ODD_KEYS.len())].to_owned();
                let k = map.keys().nth(rng.below(map.len().max(1))).cloned();
                let v = k.and_then(|k| map.remove(&k)).unwrap_or_else(|| json!({"type": "string"}));
                map.insert(odd, v);
            }
        }
        // 3.1 constructs (read by the 3.1 reader when the case is 3.1).
        13 => {
            let v = match rng.below(9) {
                0 => json!({ "type": ["string", "null"] }),
                1 => json!({ "type": ["string", "integer", "null"], "enum": ["a", 1, null] }),
                2 => json!({ "const": node.clone() }),
                3 => json!({ "type": "array", "prefixItems": [{ "type": "string" }, node.clone()], "items": false }),
                4 => json!(rng.below(2) == 0),
                5 => json!({ "anyOf": [node.clone(), { "type": "null" }] }),
                6 => json!({ "$ref": format!("#{}", pointer(&other)), "description": "d", "maxLength": 2 }),
                7 => json!({ "type": "null" }),
                _ => json!({ "$defs": { "x": node.clone() }, "exclusiveMinimum": 3, "examples": [1, 2] }),
            };
            *node = v;
        }
        // Another part of the document in this place.
        _ => *node = snapshot,
    }
}

/// SplitMix64: tiny, fast and good enough to spread mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}
