//! The getting-started page (`generated/GETTING_STARTED.md`, the SDK's crate docs and the top of
//! the README) is written for a new user who copies it: its `Cargo.toml` lines must be all the
//! dependencies its programs need. The programs compile as doctests (crate docs and
//! `ReadmeDoctests`), but a doctest sees every dependency of the SDK, so a quick start that
//! reached for `futures_util` would still compile there and fail for the user: these tests read
//! the text.

use std::path::Path;

fn root_file(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The fenced blocks of a markdown text whose info string starts with `lang`.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        let Some(info_end) = after.find('\n') else { break };
        let info = &after[..info_end];
        let body = &after[info_end + 1..];
        let Some(end) = body.find("```") else { break };
        if info.split(',').next() == Some(lang) {
            out.push(&body[..end]);
        }
        rest = &body[end + 3..];
    }
    out
}

/// The crates a Rust block names: the roots of its `use` items and of paths like `foo::bar`
/// at the start of an expression.
fn crates_named(code: &str) -> Vec<String> {
    let mut roots = Vec::new();
    for line in code.lines() {
        let line = line.trim_start_matches('#').trim();
        if let Some(path) = line.strip_prefix("use ") {
            // A `use` of a crate without `::` (`use tokio;`); with one, the loop below sees it.
            if !path.contains("::") {
                roots.push(path.trim_end_matches(';').to_owned());
            }
        }
        for (i, _) in line.match_indices("::") {
            let before = &line[..i];
            let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |p| p + 1);
            let name = &before[start..];
            let first_segment = start == 0 || !before[..start].ends_with("::");
            if first_segment && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                roots.push(name.to_owned());
            }
        }
    }
    roots
}

#[test]
fn getting_started_cargo_toml_names_only_the_sdk_and_tokio() {
    let page = root_file("generated/GETTING_STARTED.md");
    let toml = blocks(&page, "toml");
    assert_eq!(toml.len(), 1, "one Cargo.toml snippet");
    let deps: Vec<&str> = toml[0]
        .lines()
        .filter(|l| !l.starts_with('[') && !l.trim().is_empty())
        .map(|l| l.split('=').next().unwrap_or("").trim())
        .collect();
    assert_eq!(deps, ["voice-agents", "tokio"]);
    assert!(
        toml[0].contains("\"macros\"") && toml[0].contains("\"rt-multi-thread\""),
        "tokio's features for #[tokio::main]: {}",
        toml[0]
    );
}

#[test]
fn getting_started_programs_use_only_the_sdk_std_and_tokio() {
    let page = root_file("generated/GETTING_STARTED.md");
    let programs = blocks(&page, "rust");
    assert!(programs.len() >= 3, "a quick start per API");
    for code in &programs {
        for name in crates_named(code) {
            assert!(
                matches!(name.as_str(), "voice_agents" | "std" | "tokio" | "crate" | "self" | "super"),
                "a getting-started program names `{name}`, which the page's Cargo.toml lines do not give:\n{code}"
            );
        }
    }
    for api in ["pipecat_cloud", "talkifai", "ayra"] {
        let quick_start = programs.iter().find(|c| c.contains(&format!("voice_agents::{api}::")));
        let quick_start = quick_start.unwrap_or_else(|| panic!("no quick start for {api}"));
        assert!(
            quick_start.contains("#[tokio::main]") && quick_start.contains("async fn main()"),
            "{api}'s quick start is a whole program"
        );
    }
}

#[test]
fn the_crate_names_check_sees_a_foreign_crate() {
    // The check above must not pass because it reads nothing.
    let names = crates_named(
        "use futures_util::StreamExt;\nlet v = serde_json::json!({});\nlet x = voice_agents::ayra::Client::builder();",
    );
    assert_eq!(names, ["futures_util", "serde_json", "voice_agents"]);
}

#[test]
fn readme_getting_started_is_the_crate_docs_page() {
    let readme = root_file("README.md");
    let page = root_file("generated/GETTING_STARTED.md");
    assert!(
        readme.contains(&page),
        "README.md's getting-started section differs from generated/GETTING_STARTED.md: run `cargo xtask regen`"
    );
    let user_part = &readme[..readme.find("## Developing voice-agents").expect("a maintainers' section")];
    assert!(user_part.find(&page).is_some_and(|at| at < 1000), "the getting-started page is the top of the README");
}
