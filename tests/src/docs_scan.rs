//! Reads the SDK's rendered docs (`cargo doc -p voice-agents`) as a user would, and lists what
//! should not be there: the generator's placeholder texts, maintainers' provenance notes, links
//! rustdoc could not resolve (shown as `[Name]`), the `Operation` contract on builder pages,
//! builder pages that do not say what their body is, and a module page that does not list its
//! items.
//!
//! Plain `std`, so that `xtask` includes this very file (`#[path]`) for its CI step, which runs
//! right after the docs are built; the test suite tests the checks on small pages.

use std::path::Path;

/// Every problem in the docs under `doc_root` (`target/doc`), one line each, naming the page.
pub fn problems(doc_root: &Path) -> Result<Vec<String>, String> {
    let sdk = doc_root.join("voice_agents");
    if !sdk.is_dir() {
        return Err(format!("{} is missing: run `cargo doc -p voice-agents` first", sdk.display()));
    }
    let mut pages = Vec::new();
    collect(&sdk, &mut pages)?;
    let mut out = Vec::new();
    for path in &pages {
        let html = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let name = path.strip_prefix(doc_root).unwrap_or(path).display().to_string();
        out.extend(page_problems(&name, &html));
    }
    let module = sdk.join("pipecat_cloud/index.html");
    if let Ok(html) = std::fs::read_to_string(&module) {
        for item in ["struct.Client.html", "struct.CreateService.html", "struct.ServiceDetailsResponse.html"] {
            if !html.contains(item) {
                out.push(format!("voice_agents/pipecat_cloud/index.html: does not list `{item}`"));
            }
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// The problems of one page. Sections that document other crates' traits (blanket and
/// auto-trait implementations) are not this crate's prose and are left out.
pub fn page_problems(name: &str, html: &str) -> Vec<String> {
    // A redirect page (a private path of a re-exported item) has nothing of its own.
    if html.contains("<title>Redirection</title>") {
        return Vec::new();
    }
    let own = own_part(html);
    let mut out = Vec::new();
    let mut say = |what: String| out.push(format!("{name}: {what}"));
    for placeholder in ["Inline schema at", "seed 0", "(inferred)"] {
        if own.contains(placeholder) {
            say(format!("contains `{placeholder}`"));
        }
    }
    for filler in fillers(own) {
        say(format!("a summary says only `{filler}`"));
    }
    if let Some(link) = unrendered_link(own) {
        say(format!("an unresolved link `{link}`"));
    }
    let builder = own.contains("Built by <a");
    if builder && own.contains("Operation for") {
        say("shows the `Operation` impl (the generated-code contract)".to_owned());
    }
    if builder {
        if let Some(line) = own.split("<li>").find(|li| li.starts_with("<code>body</code>")) {
            if !line.contains("<a ") && !line.contains("</code>, the request body") {
                say("does not name its body's type".to_owned());
            }
        }
    }
    out
}

/// The page up to the implementations of other crates' traits.
fn own_part(html: &str) -> &str {
    let end = ["id=\"synthetic-implementations\"", "id=\"blanket-implementations\""]
        .iter()
        .filter_map(|marker| html.find(marker))
        .min()
        .unwrap_or(html.len());
    &html[..end]
}

/// Docblocks that are nothing but "The `x` property." or "The X schema.".
fn fillers(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in html.split("<div class=\"docblock").skip(1) {
        let Some(start) = block.find('>') else { continue };
        let text = block[start + 1..].split("</div>").next().unwrap_or_default();
        let plain = strip_tags(text);
        let plain = plain.trim();
        let words: Vec<&str> = plain.split_whitespace().collect();
        let filler = matches!(words.as_slice(), ["The", _, "property."] | ["The", _, "schema."]);
        if filler {
            out.push(plain.to_owned());
        }
    }
    out
}

/// `[Name]` or `[`Name`]` left in the text: a link rustdoc could not resolve.
fn unrendered_link(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(open) = html[i..].find("[<code>") {
        let at = i + open;
        if let Some(close) = html[at..].find("</code>]") {
            let inner = &html[at + 7..at + close];
            let after = bytes.get(at + close + 8).copied();
            // `[<code>x</code>](...)` would be a link rustdoc left alone too; a markdown link
            // rustdoc resolved is an `<a>`, never bracketed code.
            if !inner.contains('<')
                && inner.chars().all(|c| c.is_alphanumeric() || "_:".contains(c))
                && after != Some(b'(')
            {
                return Some(format!("[{inner}]"));
            }
        }
        i = at + 7;
    }
    None
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
