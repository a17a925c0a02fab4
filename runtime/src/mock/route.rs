//! Routing a request path to an operation: templates compiled once, matched segment by segment.

use std::cmp::Ordering;

use http::Method;
use percent_encoding::percent_decode_str;

use super::api::MockApi;
use super::request::Violation;

/// One segment of a template. The order of the variants is their specificity rank.
#[derive(Debug)]
enum Segment {
    /// Text that must be equal to the (decoded) request segment.
    Literal(&'static str),
    /// Literal text and parameters within one segment (`{name}.json`).
    Mixed(Vec<Piece>),
    /// A parameter taking one whole, non-empty segment.
    Param(&'static str),
    /// A parameter taking one or more whole segments.
    CatchAll(&'static str),
}

impl Segment {
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Mixed(_) => 1,
            Segment::Param(_) => 2,
            Segment::CatchAll(_) => 3,
        }
    }
}

#[derive(Debug)]
enum Piece {
    Literal(&'static str),
    Param(&'static str),
}

#[derive(Debug)]
struct Route {
    /// Index into the API's operations.
    op: usize,
    segments: Vec<Segment>,
}

/// Every operation's template, ready to match.
#[derive(Debug)]
pub(super) struct Router {
    routes: Vec<Route>,
}

/// Where a request goes.
#[derive(Debug)]
pub(super) enum Routed {
    /// To operation `op`, with its path parameters.
    Found { op: usize, params: Vec<(&'static str, String)> },
    /// No template matches the path.
    NotFound,
    /// Templates match, but none with this method; the methods they have, most specific first.
    MethodNotAllowed(Vec<Method>),
    /// The route matched but a parameter's value cannot be read.
    BadParam(Violation),
}

impl Router {
    /// Compiles the templates of `api`, under their servers' prefixes unless `at_root`.
    ///
    /// # Panics
    ///
    /// When a template cannot be parsed, an operation names a server the API does not have, or a
    /// catch-all parameter is not a whole segment: the generator never emits those.
    pub(super) fn new(api: &'static MockApi, at_root: bool) -> Router {
        let routes = api
            .operations
            .iter()
            .enumerate()
            .map(|(i, op)| {
                let prefix = api.servers.get(op.server).unwrap_or_else(|| {
                    panic!(
                        "mock API `{}`: operation `{}` names server {}, which it does not have",
                        api.name, op.id, op.server
                    )
                });
                let prefix = if at_root { "" } else { prefix.trim_end_matches('/') };
                let segments = split(prefix)
                    .chain(split(op.path))
                    .map(|s| parse_segment(s, op.catch_all))
                    .collect::<Result<Vec<_>, String>>()
                    .unwrap_or_else(|e| panic!("mock API `{}`: operation `{}`: {e}", api.name, op.id));
                Route { op: i, segments }
            })
            .collect();
        Router { routes }
    }

    /// Routes a request for `method` at `path` (as sent, percent-encoded).
    pub(super) fn route(&self, api: &MockApi, method: &Method, path: &str) -> Routed {
        let raw: Vec<&str> = split(path).collect();
        let decoded: Vec<String> = raw.iter().map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect();
        let mut matches: Vec<(&Route, Vec<Capture>)> = self
            .routes
            .iter()
            .filter_map(|route| {
                let mut captures = Vec::new();
                match_segments(&route.segments, &raw, &decoded, 0, &mut captures).then_some((route, captures))
            })
            .collect();
        // Stable: templates equally specific keep the spec's order.
        matches.sort_by(|a, b| specificity(&a.0.segments, &b.0.segments));
        let Some((route, captures)) = matches.iter().find(|(r, _)| api.operations[r.op].method == *method) else {
            if matches.is_empty() {
                return Routed::NotFound;
            }
            let mut allowed: Vec<Method> = Vec::new();
            for (r, _) in &matches {
                let m = &api.operations[r.op].method;
                if !allowed.contains(m) {
                    allowed.push(m.clone());
                }
            }
            return Routed::MethodNotAllowed(allowed);
        };
        let mut params = Vec::with_capacity(captures.len());
        for capture in captures {
            match capture.value(&raw) {
                Some(value) => params.push((capture.name, value)),
                None => {
                    return Routed::BadParam(
                        Violation::bad_request("UTF-8 (after percent-decoding)")
                            .with_field(format!("path.{}", capture.name)),
                    );
                }
            }
        }
        Routed::Found { op: route.op, params }
    }
}

/// The segments of a path or template: `/a/b` and `a/b` give `a`, `b`; `/` and `` give none.
fn split(path: &str) -> impl Iterator<Item = &str> {
    let path = path.strip_prefix('/').unwrap_or(path);
    path.split('/').filter(move |_| !path.is_empty())
}

fn parse_segment(text: &'static str, catch_all: &[&str]) -> Result<Segment, String> {
    if !text.contains(['{', '}']) {
        return Ok(Segment::Literal(text));
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let close = rest.find('}').ok_or_else(|| format!("unclosed `{{` in segment `{text}`"))?;
                let name = &rest[1..close];
                if name.is_empty() || name.contains('{') {
                    return Err(format!("bad parameter in segment `{text}`"));
                }
                pieces.push(Piece::Param(name));
                rest = &rest[close + 1..];
            }
            found => {
                let end = found.unwrap_or(rest.len());
                if rest[..end].contains('}') {
                    return Err(format!("unopened `}}` in segment `{text}`"));
                }
                pieces.push(Piece::Literal(&rest[..end]));
                rest = &rest[end..];
            }
        }
    }
    Ok(match pieces.as_slice() {
        [Piece::Param(name)] if catch_all.contains(name) => Segment::CatchAll(name),
        [Piece::Param(name)] => Segment::Param(name),
        _ => {
            if let Some(name) = pieces.iter().find_map(|p| match p {
                Piece::Param(n) if catch_all.contains(n) => Some(n),
                _ => None,
            }) {
                return Err(format!("catch-all parameter `{name}` is not a whole segment in `{text}`"));
            }
            Segment::Mixed(pieces)
        }
    })
}

/// A parameter's value, kept raw until the route is chosen so that only its decoding can fail.
#[derive(Debug)]
struct Capture {
    name: &'static str,
    kind: CaptureKind,
}

#[derive(Debug)]
enum CaptureKind {
    /// Request segments `start..end`, joined with `/` and percent-decoded.
    Segments(usize, usize),
    /// Text already decoded (a parameter inside a mixed segment).
    Text(String),
}

impl Capture {
    fn value(&self, raw: &[&str]) -> Option<String> {
        match &self.kind {
            CaptureKind::Segments(start, end) => {
                let joined = raw[*start..*end].join("/");
                percent_decode_str(&joined).decode_utf8().ok().map(|v| v.into_owned())
            }
            CaptureKind::Text(text) => Some(text.clone()),
        }
    }
}

/// Matches `segments` against request segments `i..`, backtracking over how many segments each
/// catch-all takes.
fn match_segments(segments: &[Segment], raw: &[&str], decoded: &[String], i: usize, out: &mut Vec<Capture>) -> bool {
    let Some((first, rest)) = segments.split_first() else { return i == raw.len() };
    if i >= raw.len() {
        return false;
    }
    let mark = out.len();
    let ok = match first {
        Segment::Literal(text) => decoded[i] == *text && match_segments(rest, raw, decoded, i + 1, out),
        Segment::Param(name) => {
            !raw[i].is_empty() && {
                out.push(Capture { name, kind: CaptureKind::Segments(i, i + 1) });
                match_segments(rest, raw, decoded, i + 1, out)
            }
        }
        Segment::Mixed(pieces) => {
            match_pieces(pieces, &decoded[i], out) && match_segments(rest, raw, decoded, i + 1, out)
        }
        Segment::CatchAll(name) => (i + 1..=raw.len()).any(|end| {
            out.truncate(mark);
            if raw[i..end].iter().all(|s| s.is_empty()) {
                return false;
            }
            out.push(Capture { name, kind: CaptureKind::Segments(i, end) });
            match_segments(rest, raw, decoded, end, out)
        }),
    };
    if !ok {
        out.truncate(mark);
    }
    ok
}

/// Matches literal text and non-empty parameters against one decoded segment.
fn match_pieces(pieces: &[Piece], text: &str, out: &mut Vec<Capture>) -> bool {
    let Some((first, rest)) = pieces.split_first() else { return text.is_empty() };
    match first {
        Piece::Literal(lit) => text.strip_prefix(lit).is_some_and(|t| match_pieces(rest, t, out)),
        Piece::Param(name) => {
            let mark = out.len();
            for (end, _) in text.char_indices().skip(1).chain(std::iter::once((text.len(), ' '))) {
                if end == 0 {
                    continue;
                }
                out.push(Capture { name, kind: CaptureKind::Text(text[..end].to_owned()) });
                if match_pieces(rest, &text[end..], out) {
                    return true;
                }
                out.truncate(mark);
            }
            false
        }
    }
}

/// More specific first: the first segment whose rank differs decides (literal before mixed
/// before parameter before catch-all); a template that is a prefix of another in ranks is less
/// specific (the longer one constrains more).
fn specificity(a: &[Segment], b: &[Segment]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.rank().cmp(&y.rank()) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    b.len().cmp(&a.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::api::MockOperation;
    use crate::mock::request::MockRequest;

    fn decode(_: &MockRequest) -> Result<crate::mock::api::Decoded, Violation> {
        Ok(Box::new(()))
    }

    const fn op(id: &'static str, method: Method, path: &'static str, server: usize) -> MockOperation {
        MockOperation { id, method, path, server, catch_all: &["path"], decode }
    }

    static API: MockApi = MockApi {
        name: "routes",
        servers: &["/v1", "/v1/public", ""],
        operations: &[
            op("getThing", Method::GET, "/things/{id}", 0),
            op("deleteThing", Method::DELETE, "/things/{id}", 0),
            op("thingStats", Method::GET, "/things/stats", 0),
            op("putStats", Method::PUT, "/things/stats", 0),
            op("getFile", Method::GET, "/files/{path}", 0),
            op("getRaw", Method::GET, "/files/{path}/raw", 0),
            op("getJson", Method::GET, "/docs/{name}.json", 0),
            op("getDoc", Method::GET, "/docs/{name}", 0),
            op("ping", Method::GET, "/ping", 1),
            op("root", Method::GET, "/", 2),
        ],
    };

    type Params = Vec<(&'static str, String)>;

    fn route(method: Method, path: &str) -> Result<(&'static str, Params), String> {
        match Router::new(&API, false).route(&API, &method, path) {
            Routed::Found { op, params } => Ok((API.operations[op].id, params)),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn literals_win_and_methods_choose_among_equals() {
        assert_eq!(route(Method::GET, "/v1/things/stats").unwrap().0, "thingStats");
        assert_eq!(route(Method::GET, "/v1/things/a%20b").unwrap(), ("getThing", vec![("id", "a b".to_owned())]));
        // The literal template has no DELETE; the parameter one does.
        assert_eq!(route(Method::DELETE, "/v1/things/stats").unwrap().0, "deleteThing");
        let Routed::MethodNotAllowed(allowed) = Router::new(&API, false).route(&API, &Method::POST, "/v1/things/stats")
        else {
            panic!("405 expected")
        };
        assert_eq!(allowed, [Method::GET, Method::PUT, Method::DELETE]);
    }

    #[test]
    fn catch_all_mixed_servers_and_misses() {
        assert_eq!(route(Method::GET, "/v1/files/a/b%2Fc.txt").unwrap().1, [("path", "a/b/c.txt".to_owned())]);
        assert_eq!(route(Method::GET, "/v1/files/a/b/raw").unwrap(), ("getRaw", vec![("path", "a/b".to_owned())]));
        assert_eq!(route(Method::GET, "/v1/docs/a.b.json").unwrap(), ("getJson", vec![("name", "a.b".to_owned())]));
        assert_eq!(route(Method::GET, "/v1/docs/a.yaml").unwrap().0, "getDoc");
        assert_eq!(route(Method::GET, "/v1/public/ping").unwrap().0, "ping");
        assert_eq!(route(Method::GET, "/").unwrap().0, "root");
        for missing in ["/v1/things", "/v1/things/", "/v1/files", "/v2/ping", "/v1/things/a/b", "/v1//x"] {
            assert!(
                matches!(Router::new(&API, false).route(&API, &Method::GET, missing), Routed::NotFound),
                "{missing}"
            );
        }
        let bad = Router::new(&API, false).route(&API, &Method::GET, "/v1/things/%FF");
        assert!(matches!(bad, Routed::BadParam(ref v) if v.field() == Some("path.id")), "{bad:?}");
    }

    #[test]
    fn at_the_root_every_server_loses_its_prefix() {
        let router = Router::new(&API, true);
        let found = |path: &str| match router.route(&API, &Method::GET, path) {
            Routed::Found { op, .. } => Some(API.operations[op].id),
            _ => None,
        };
        assert_eq!(found("/things/stats"), Some("thingStats"));
        assert_eq!(found("/ping"), Some("ping"));
        assert_eq!(found("/"), Some("root"));
        assert_eq!(found("/v1/things/stats"), None, "the prefixes are gone");
    }

    #[test]
    fn bad_templates_are_reported() {
        assert!(parse_segment("{a", &[]).is_err());
        assert!(parse_segment("a}", &[]).is_err());
        assert!(parse_segment("{}", &[]).is_err());
        assert!(parse_segment("x{path}", &["path"]).is_err());
        assert!(matches!(parse_segment("{a}-{b}", &[]), Ok(Segment::Mixed(p)) if p.len() == 3));
    }
}
