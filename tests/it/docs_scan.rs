//! The check of the rendered docs (`tests/src/docs_scan.rs`, run by `cargo xtask ci` after
//! `cargo doc`) finds what it should on small pages, and nothing on clean ones.

use voice_agents_tests::docs_scan::page_problems;

fn problems(html: &str) -> Vec<String> {
    page_problems("page.html", html)
}

#[test]
fn placeholders_provenance_and_filler_summaries_are_found() {
    let page = r#"<div class="docblock"><p>Inline schema at <code>#/paths</code> in the spec.</p></div>
<div class="docblock"><p>The <code>mode</code> property.</p></div>
<div class="docblock"><p>The ServiceDetailsResponse schema.</p></div>
<div class="docblock"><p>Source: docs (seed 003).</p></div>"#;
    let found = problems(page).join("\n");
    for expected in ["Inline schema at", "`The mode property.`", "`The ServiceDetailsResponse schema.`", "seed 0"] {
        assert!(found.contains(expected), "{expected} not found in:\n{found}");
    }
}

#[test]
fn unresolved_links_are_found_but_not_in_other_crates_trait_impls() {
    assert_eq!(problems("<p>Another name for [<code>AgentProfile</code>].</p>").len(), 1);
    let blanket =
        r#"<p>fine</p><h2 id="blanket-implementations">Blanket</h2><p>returns [<code>Action::Follow</code>]</p>"#;
    assert!(problems(blanket).is_empty(), "{:?}", problems(blanket));
    assert!(problems(r#"<a href="x.html"><code>AgentProfile</code></a>"#).is_empty());
}

#[test]
fn builder_pages_name_their_body_and_hide_the_operation_impl() {
    let good = "<p>Built by <a href=\"c\">Client::x</a></p><ul><li><code>body</code>: <a class=\"struct\" href=\"s\"><code>Req</code></a>, the request body</li></ul>";
    assert!(problems(good).is_empty(), "{:?}", problems(good));
    let untyped = "<p>Built by <a href=\"c\">Client::x</a></p><ul><li><code>body</code>: The request body.</li></ul>";
    assert_eq!(problems(untyped), ["page.html: does not name its body's type"]);
    let contract = "<p>Built by <a href=\"c\">Client::x</a></p><h3>impl Operation for X</h3>";
    assert_eq!(problems(contract), ["page.html: shows the `Operation` impl (the generated-code contract)"]);
}
