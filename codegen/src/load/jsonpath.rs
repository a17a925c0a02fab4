//! A JSONPath (RFC 9535) subset, sized for OpenAPI Overlay `target` expressions.
//!
//! [`select`] answers with RFC 6901 JSON pointers rather than values, so the overlay
//! engine can go back and edit (or remove) each selected node in place.
//!
//! Supported: the root `$`; child segments `.name`, `.*`, `[<selectors>]`; descendant
//! segments `..name`, `..*`, `..[<selectors>]`; selectors `'name'` / `"name"`, `*`,
//! array indexes (negative counts from the end) and filters `?<expr>`. Filter
//! expressions support `@` / `$` queries, existence tests, `==`, `!=`, `<`, `<=`, `>`,
//! `>=`, string/number/`true`/`false`/`null` literals, `&&`, `||`, `!` and parentheses.
//!
//! Not supported (rejected with a clear error): array slices (`[1:3]`) and function
//! extensions (`length()`, `match()`, ...).
//!
//! Deliberate leniencies, because real overlays use them: names after `.` may contain
//! `-` and `$` and may start with a digit (`.x-internal`, `.$ref`, `.responses.200`);
//! trailing blank space is ignored.
//!
//! Unlike RFC 9535 node lists, the result is in document order with duplicates
//! removed, because callers edit each node exactly once.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use crate::diagnostic::pointer;

/// Deepest nesting of parentheses / filters accepted, so hostile input cannot
/// exhaust the stack through recursion in the parser or evaluator.
const MAX_NESTING: usize = 64;

/// Largest array index magnitude RFC 9535 allows (the I-JSON exact-integer range).
const MAX_INDEX: i64 = (1 << 53) - 1;

/// Selects the nodes of `root` that the JSONPath `path` matches.
///
/// Returns their RFC 6901 JSON pointers (`""` is the root) in document order, without
/// duplicates; an empty vector when nothing matches.
///
/// # Errors
///
/// A syntax error (or an unsupported construct such as a slice) returns a one-line
/// message quoting `path`, the 0-based character position and what was expected there.
pub fn select(root: &Value, path: &str) -> Result<Vec<String>, String> {
    let query = Parser::new(path).parse_query()?;
    let nodes = eval_query(&query, root, root);
    Ok(nodes.iter().map(Node::pointer).collect())
}

// ---------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------

/// A parsed query: where it starts and the segments applied in turn.
#[derive(Debug, Clone, PartialEq)]
struct Query {
    origin: Origin,
    segments: Vec<Segment>,
}

/// The node a query starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// `$`: the document root.
    Root,
    /// `@`: the node a filter is currently testing.
    Current,
}

/// One segment: selectors applied to the input nodes' children (or all descendants).
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    descendant: bool,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Name(String),
    Wildcard,
    Index(i64),
    Filter(Box<Expr>),
}

/// A filter expression. `Or`/`And` hold flat lists so long chains do not nest deeply.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Exists(Query),
    Compare(Operand, CmpOp, Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Literal(Value),
    /// Always a singular query (checked by the parser).
    Query(Query),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Query {
    /// True when the query can select at most one node (names and indexes only).
    fn is_singular(&self) -> bool {
        self.segments.iter().all(|s| {
            !s.descendant && s.selectors.len() == 1 && matches!(s.selectors[0], Selector::Name(_) | Selector::Index(_))
        })
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/// Recursive-descent parser over the path's characters; positions are char indexes.
struct Parser<'s> {
    source: &'s str,
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Self {
        Self { source, chars: source.chars().collect(), pos: 0, depth: 0 }
    }

    // -- low-level helpers --------------------------------------------------

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_pair(&mut self, first: char, second: char) -> bool {
        if self.peek() == Some(first) && self.peek_at(1) == Some(second) {
            self.pos += 2;
            true
        } else {
            false
        }
    }

    /// Skips RFC 9535 blank space (space, tab, line feed, carriage return).
    fn skip_blank(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    fn describe(&self, pos: usize) -> String {
        match self.chars.get(pos) {
            Some(c) => format!("{c:?}"),
            None => "end of input".to_string(),
        }
    }

    /// "expected X, found Y" at the current position.
    fn expected(&self, what: &str) -> String {
        self.fail_at(self.pos, &format!("expected {what}, found {}", self.describe(self.pos)))
    }

    fn fail_at(&self, pos: usize, problem: &str) -> String {
        format!("invalid JSONPath {:?}: at position {pos}: {problem}", self.source)
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// Counts one level of nesting; errors out before recursion could overflow the stack.
    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.fail_at(self.pos, &format!("nesting deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // -- queries and segments ----------------------------------------------

    fn parse_query(mut self) -> Result<Query, String> {
        if !self.eat('$') {
            return Err(self.expected("'$' (a query starts at the document root)"));
        }
        let segments = self.segments()?;
        self.skip_blank();
        if self.peek().is_some() {
            return Err(self.expected("'.', '..' or '['"));
        }
        Ok(Query { origin: Origin::Root, segments })
    }

    /// Parses segments until something that cannot start one; blank space before
    /// that something is left unconsumed.
    fn segments(&mut self) -> Result<Vec<Segment>, String> {
        let mut out = Vec::new();
        loop {
            let mark = self.pos;
            self.skip_blank();
            match self.peek() {
                Some('.' | '[') => out.push(self.segment()?),
                _ => {
                    self.pos = mark;
                    return Ok(out);
                }
            }
        }
    }

    fn segment(&mut self) -> Result<Segment, String> {
        if self.eat('[') {
            return Ok(Segment { descendant: false, selectors: self.bracketed()? });
        }
        self.bump(); // the '.' that `segments` saw
        if self.eat('.') {
            let selectors = if self.eat('[') {
                self.bracketed()?
            } else {
                vec![self.dot_selector("a name, '*' or '[' after '..'")?]
            };
            return Ok(Segment { descendant: true, selectors });
        }
        Ok(Segment { descendant: false, selectors: vec![self.dot_selector("a name or '*' after '.'")?] })
    }

    fn dot_selector(&mut self, what: &str) -> Result<Selector, String> {
        if self.eat('*') {
            return Ok(Selector::Wildcard);
        }
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.expected(what));
        }
        Ok(Selector::Name(self.chars[start..self.pos].iter().collect()))
    }

    /// Parses `sel (, sel)* ]` after an opening `[`.
    fn bracketed(&mut self) -> Result<Vec<Selector>, String> {
        let mut selectors = Vec::new();
        loop {
            self.skip_blank();
            selectors.push(self.selector()?);
            self.skip_blank();
            if self.eat(',') {
                continue;
            }
            if self.eat(']') {
                return Ok(selectors);
            }
            return Err(self.expected("',' or ']'"));
        }
    }

    fn selector(&mut self) -> Result<Selector, String> {
        match self.peek() {
            Some(quote @ ('\'' | '"')) => {
                self.bump();
                Ok(Selector::Name(self.string_body(quote)?))
            }
            Some('*') => {
                self.bump();
                Ok(Selector::Wildcard)
            }
            Some('?') => {
                self.bump();
                Ok(Selector::Filter(Box::new(self.logical_or()?)))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.index_selector(),
            Some(':') => Err(self.fail_at(self.pos, "array slices (start:end:step) are not supported")),
            _ => Err(self.expected("a selector (a quoted name, '*', an index or a '?' filter)")),
        }
    }

    fn index_selector(&mut self) -> Result<Selector, String> {
        let start = self.pos;
        let text = self.integer_text()?;
        if text == "-0" {
            return Err(self.fail_at(start, "'-0' is not a valid index"));
        }
        let index = text
            .parse::<i64>()
            .ok()
            .filter(|i| (-MAX_INDEX..=MAX_INDEX).contains(i))
            .ok_or_else(|| self.fail_at(start, "index out of range"))?;
        self.skip_blank();
        if self.peek() == Some(':') {
            return Err(self.fail_at(self.pos, "array slices (start:end:step) are not supported"));
        }
        Ok(Selector::Index(index))
    }

    /// Reads `-?digits` with no leading zeros (RFC 9535 `int`, plus `-0` for numbers).
    fn integer_text(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.eat('-');
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = self.pos - digits_start;
        if digits == 0 {
            return Err(self.expected("a digit"));
        }
        if digits > 1 && self.chars[digits_start] == '0' {
            return Err(self.fail_at(digits_start, "integers must not have leading zeros"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    // -- string literals ----------------------------------------------------

    /// Parses the rest of a quoted string after its opening `quote`.
    fn string_body(&mut self, quote: char) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let here = self.pos;
            match self.bump() {
                None => return Err(self.expected(&format!("closing {quote}"))),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => out.push(self.escape()?),
                Some(c) if u32::from(c) < 0x20 => {
                    return Err(self.fail_at(here, "control characters in strings must be escaped"));
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// Decodes one escape sequence after a backslash.
    fn escape(&mut self) -> Result<char, String> {
        let here = self.pos;
        let decoded = match self.bump() {
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some(c @ ('/' | '\\' | '\'' | '"')) => c,
            Some('u') => return self.unicode_escape(),
            _ => return Err(self.fail_at(here, "unknown escape; expected one of b f n r t / \\ ' \" u")),
        };
        Ok(decoded)
    }

    /// Decodes `XXXX` after `\u`, joining a UTF-16 surrogate pair when needed.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let start = self.pos;
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if !self.eat_pair('\\', 'u') {
                    return Err(self.expected("'\\u' with the low half of a surrogate pair"));
                }
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.fail_at(start, "invalid low surrogate in \\u escape"));
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.fail_at(start, "unpaired low surrogate in \\u escape")),
            _ => high,
        };
        char::from_u32(code).ok_or_else(|| self.fail_at(start, "invalid \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|c| c.to_digit(16)).ok_or_else(|| self.expected("a hex digit"))?;
            self.pos += 1;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    // -- filter expressions -------------------------------------------------

    /// `and ('||' and)*` — the lowest-precedence level, and the recursion entry point.
    fn logical_or(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let mut terms = vec![self.logical_and()?];
        loop {
            self.skip_blank();
            if !self.eat_pair('|', '|') {
                break;
            }
            terms.push(self.logical_and()?);
        }
        self.leave();
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::Or(terms) })
    }

    fn logical_and(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.basic()?];
        loop {
            self.skip_blank();
            if !self.eat_pair('&', '&') {
                break;
            }
            terms.push(self.basic()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::And(terms) })
    }

    fn basic(&mut self) -> Result<Expr, String> {
        self.skip_blank();
        match self.peek() {
            Some('!') => {
                self.bump();
                self.skip_blank();
                Ok(Expr::Not(Box::new(self.negatable()?)))
            }
            Some('(') => {
                self.bump();
                self.parenthesized()
            }
            _ => self.comparison_or_test(),
        }
    }

    /// What may follow `!`: a parenthesized expression or an existence test (RFC 9535
    /// does not allow negating a bare comparison).
    fn negatable(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some('(') => {
                self.bump();
                self.parenthesized()
            }
            Some(c @ ('@' | '$')) => {
                self.bump();
                Ok(Expr::Exists(self.embedded_query(c)?))
            }
            _ => Err(self.expected("'(' or a query ('@' or '$') after '!'")),
        }
    }

    fn parenthesized(&mut self) -> Result<Expr, String> {
        let inner = self.logical_or()?;
        self.skip_blank();
        self.expect(')', "')'")?;
        Ok(inner)
    }

    fn comparison_or_test(&mut self) -> Result<Expr, String> {
        let left_pos = self.pos;
        let left = self.operand()?;
        self.skip_blank();
        let Some(op) = self.comparison_op()? else {
            return match left {
                Operand::Query(query) => Ok(Expr::Exists(query)),
                Operand::Literal(_) => Err(self.expected("a comparison operator after the literal")),
            };
        };
        self.skip_blank();
        let right_pos = self.pos;
        let right = self.operand()?;
        self.require_singular(&left, left_pos)?;
        self.require_singular(&right, right_pos)?;
        Ok(Expr::Compare(left, op, right))
    }

    fn require_singular(&self, operand: &Operand, pos: usize) -> Result<(), String> {
        match operand {
            Operand::Query(q) if !q.is_singular() => Err(self.fail_at(
                pos,
                "a query in a comparison must be singular (names and indexes only; no '*', '..', filters or unions)",
            )),
            _ => Ok(()),
        }
    }

    fn comparison_op(&mut self) -> Result<Option<CmpOp>, String> {
        let pairs = [('=', '=', CmpOp::Eq), ('!', '=', CmpOp::Ne), ('<', '=', CmpOp::Le), ('>', '=', CmpOp::Ge)];
        for (first, second, op) in pairs {
            if self.eat_pair(first, second) {
                return Ok(Some(op));
            }
        }
        if self.eat('<') {
            return Ok(Some(CmpOp::Lt));
        }
        if self.eat('>') {
            return Ok(Some(CmpOp::Gt));
        }
        if self.peek() == Some('=') {
            return Err(self.fail_at(self.pos, "'=' is not an operator; use '==' to compare"));
        }
        Ok(None)
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.peek() {
            Some(c @ ('@' | '$')) => {
                self.bump();
                Ok(Operand::Query(self.embedded_query(c)?))
            }
            Some(quote @ ('\'' | '"')) => {
                self.bump();
                Ok(Operand::Literal(Value::String(self.string_body(quote)?)))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => Ok(Operand::Literal(self.number_literal()?)),
            Some(c) if c.is_ascii_alphabetic() => self.word_literal(),
            _ => Err(self.expected("a query ('@' or '$'), a literal, '(' or '!'")),
        }
    }

    /// Parses the segments of a query inside a filter, after its `@` or `$`.
    fn embedded_query(&mut self, origin: char) -> Result<Query, String> {
        let origin = if origin == '$' { Origin::Root } else { Origin::Current };
        Ok(Query { origin, segments: self.segments()? })
    }

    /// `true`, `false` or `null`; other words are unsupported functions or typos.
    fn word_literal(&mut self) -> Result<Operand, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match word.as_str() {
            "true" => Ok(Operand::Literal(Value::Bool(true))),
            "false" => Ok(Operand::Literal(Value::Bool(false))),
            "null" => Ok(Operand::Literal(Value::Null)),
            _ if self.peek() == Some('(') => {
                Err(self.fail_at(start, &format!("function extensions such as {word}() are not supported")))
            }
            _ => Err(self.fail_at(
                start,
                &format!(
                    "expected a query ('@' or '$') or a literal, found the word {word:?} (strings must be quoted)"
                ),
            )),
        }
    }

    /// A JSON number: `-?int(.digits)?([eE][+-]?digits)?`.
    fn number_literal(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let mut text = self.integer_text()?;
        if self.eat('.') {
            text.push('.');
            text.push_str(&self.digits()?);
        }
        if let Some(e @ ('e' | 'E')) = self.peek() {
            self.bump();
            text.push(e);
            if let Some(sign @ ('+' | '-')) = self.peek() {
                self.bump();
                text.push(sign);
            }
            text.push_str(&self.digits()?);
        }
        // The grammar above is JSON's, so serde_json can do the exact conversion.
        serde_json::from_str::<Number>(&text).map(Value::Number).map_err(|_| self.fail_at(start, "number out of range"))
    }

    fn digits(&mut self) -> Result<String, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.expected("a digit"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }
}

/// Characters allowed in a `.name` shorthand: RFC 9535's set plus `-`, `$` and leading
/// digits (see the module docs).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$') || !c.is_ascii()
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// How a node is reached from its parent: `ordinal` is its position among the
/// parent's children, which gives document order; `token` builds the pointer.
#[derive(Debug, Clone)]
struct Step {
    ordinal: usize,
    token: Token,
}

#[derive(Debug, Clone)]
enum Token {
    Key(String),
    Index,
}

/// A selected value and the path that reached it.
#[derive(Debug, Clone)]
struct Node<'v> {
    value: &'v Value,
    path: Vec<Step>,
}

impl<'v> Node<'v> {
    fn child(&self, ordinal: usize, token: Token, value: &'v Value) -> Self {
        let mut path = self.path.clone();
        path.push(Step { ordinal, token });
        Node { value, path }
    }

    fn children(&self) -> Vec<Node<'v>> {
        match self.value {
            Value::Object(map) => {
                map.iter().enumerate().map(|(i, (k, v))| self.child(i, Token::Key(k.clone()), v)).collect()
            }
            Value::Array(items) => items.iter().enumerate().map(|(i, v)| self.child(i, Token::Index, v)).collect(),
            _ => Vec::new(),
        }
    }

    fn pointer(&self) -> String {
        pointer(self.path.iter().map(|step| match &step.token {
            Token::Key(key) => key.clone(),
            Token::Index => step.ordinal.to_string(),
        }))
    }

    fn ordinals(&self) -> impl Iterator<Item = usize> + '_ {
        self.path.iter().map(|s| s.ordinal)
    }
}

fn eval_query<'v>(query: &Query, root: &'v Value, current: &'v Value) -> Vec<Node<'v>> {
    let start = match query.origin {
        Origin::Root => root,
        Origin::Current => current,
    };
    let mut nodes = vec![Node { value: start, path: Vec::new() }];
    for segment in &query.segments {
        let mut next = Vec::new();
        for node in &nodes {
            apply_segment(segment, node, root, &mut next);
        }
        // Deduplicating per segment keeps `..*..*` from blowing up and does not change
        // the final set, since the same node always yields the same results.
        sort_and_dedup(&mut next);
        nodes = next;
        if nodes.is_empty() {
            break;
        }
    }
    nodes
}

fn sort_and_dedup(nodes: &mut Vec<Node<'_>>) {
    nodes.sort_by(|a, b| a.ordinals().cmp(b.ordinals()));
    nodes.dedup_by(|a, b| a.ordinals().eq(b.ordinals()));
}

fn apply_segment<'v>(segment: &Segment, node: &Node<'v>, root: &'v Value, out: &mut Vec<Node<'v>>) {
    if !segment.descendant {
        apply_selectors(&segment.selectors, node, root, out);
        return;
    }
    // An explicit stack instead of recursion: order is fixed later by sorting.
    let mut pending = vec![node.clone()];
    while let Some(n) = pending.pop() {
        apply_selectors(&segment.selectors, &n, root, out);
        pending.extend(n.children());
    }
}

fn apply_selectors<'v>(selectors: &[Selector], node: &Node<'v>, root: &'v Value, out: &mut Vec<Node<'v>>) {
    for selector in selectors {
        match selector {
            Selector::Name(name) => out.extend(select_name(node, name)),
            Selector::Wildcard => out.extend(node.children()),
            Selector::Index(index) => out.extend(select_index(node, *index)),
            Selector::Filter(expr) => {
                out.extend(node.children().into_iter().filter(|c| eval_expr(expr, root, c.value)));
            }
        }
    }
}

fn select_name<'v>(node: &Node<'v>, name: &str) -> Option<Node<'v>> {
    let Value::Object(map) = node.value else { return None };
    // Linear scan because the ordinal (position) is needed for document order.
    let (ordinal, (key, value)) = map.iter().enumerate().find(|(_, (k, _))| k.as_str() == name)?;
    Some(node.child(ordinal, Token::Key(key.clone()), value))
}

fn select_index<'v>(node: &Node<'v>, index: i64) -> Option<Node<'v>> {
    let Value::Array(items) = node.value else { return None };
    let len = i64::try_from(items.len()).ok()?;
    let resolved = if index < 0 { len + index } else { index };
    let position = usize::try_from(resolved).ok()?;
    let value = items.get(position)?;
    Some(node.child(position, Token::Index, value))
}

fn eval_expr(expr: &Expr, root: &Value, current: &Value) -> bool {
    match expr {
        Expr::Or(terms) => terms.iter().any(|t| eval_expr(t, root, current)),
        Expr::And(terms) => terms.iter().all(|t| eval_expr(t, root, current)),
        Expr::Not(inner) => !eval_expr(inner, root, current),
        Expr::Exists(query) => !eval_query(query, root, current).is_empty(),
        Expr::Compare(left, op, right) => compare(resolve(left, root, current), *op, resolve(right, root, current)),
    }
}

/// The value of a comparison operand; `None` is RFC 9535's "Nothing" (no node).
fn resolve<'a>(operand: &'a Operand, root: &'a Value, current: &'a Value) -> Option<&'a Value> {
    match operand {
        Operand::Literal(value) => Some(value),
        Operand::Query(query) => match eval_query(query, root, current).as_slice() {
            [only] => Some(only.value),
            _ => None,
        },
    }
}

fn compare(left: Option<&Value>, op: CmpOp, right: Option<&Value>) -> bool {
    match op {
        CmpOp::Eq => equal(left, right),
        CmpOp::Ne => !equal(left, right),
        CmpOp::Lt => less(left, right),
        CmpOp::Gt => less(right, left),
        CmpOp::Le => less(left, right) || equal(left, right),
        CmpOp::Ge => less(right, left) || equal(left, right),
    }
}

/// RFC 9535 equality: two Nothings are equal; numbers compare by value.
fn equal(left: Option<&Value>, right: Option<&Value>) -> bool {
    match (left, right) {
        (None, None) => true,
        (Some(a), Some(b)) => values_equal(a, b),
        _ => false,
    }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Some(Ordering::Equal),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| values_equal(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len() && xs.iter().all(|(k, x)| ys.get(k).is_some_and(|y| values_equal(x, y)))
        }
        _ => a == b,
    }
}

/// RFC 9535 ordering: only number/number and string/string pairs are ordered.
fn less(left: Option<&Value>, right: Option<&Value>) -> bool {
    match (left, right) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => compare_numbers(x, y) == Some(Ordering::Less),
        // Byte order of UTF-8 equals the code point order the RFC asks for.
        (Some(Value::String(x)), Some(Value::String(y))) => x < y,
        _ => false,
    }
}

/// Compares integers exactly (i128 covers both i64 and u64) and anything else as f64.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    fn as_int(n: &Number) -> Option<i128> {
        n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
    }
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(doc: &Value, path: &str) -> Vec<String> {
        match select(doc, path) {
            Ok(pointers) => pointers,
            Err(e) => panic!("{path} should parse: {e}"),
        }
    }

    fn err(path: &str) -> String {
        match select(&json!({}), path) {
            Ok(p) => panic!("{path} should be rejected, selected {p:?}"),
            Err(e) => e,
        }
    }

    fn openapi() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": { "title": "Agents", "version": "1" },
            "paths": {
                "/agents": {
                    "get": { "operationId": "listAgents", "tags": ["agents"] },
                    "post": { "operationId": "createAgent", "deprecated": false }
                },
                "/agents/{agentName}": {
                    "get": { "operationId": "getAgent", "deprecated": true },
                    "delete": { "operationId": "deleteAgent", "x-internal": true }
                }
            },
            "components": {
                "schemas": {
                    "Agent": {
                        "type": "object",
                        "properties": { "name": { "type": "string", "description": "d1" } },
                        "description": "d0"
                    }
                }
            }
        })
    }

    // -- basic selectors -----------------------------------------------------

    #[test]
    fn root_selects_whole_document_as_empty_pointer() {
        assert_eq!(sel(&openapi(), "$"), vec![""]);
    }

    #[test]
    fn dot_child_selects_member() {
        assert_eq!(sel(&openapi(), "$.info.title"), vec!["/info/title"]);
    }

    #[test]
    fn bracket_name_with_slashes_and_braces_is_escaped_in_pointer() {
        let doc = openapi();
        assert_eq!(sel(&doc, "$.paths['/agents/{agentName}'].get"), vec!["/paths/~1agents~1{agentName}/get"]);
        assert_eq!(sel(&doc, "$.paths[\"/agents/{agentName}\"]['get']"), vec!["/paths/~1agents~1{agentName}/get"]);
    }

    #[test]
    fn bracket_name_with_tilde_and_dot_is_one_member() {
        let doc = json!({ "a~b/c.d": 1, "a": { "b": 2 } });
        assert_eq!(sel(&doc, "$['a~b/c.d']"), vec!["/a~0b~1c.d"]);
    }

    #[test]
    fn empty_member_name_has_pointer_slash() {
        assert_eq!(sel(&json!({ "": 1 }), "$['']"), vec!["/"]);
    }

    #[test]
    fn string_escapes_in_bracket_names_are_decoded() {
        let doc = json!({ "it's": 1, "A\n": 2, "say \"hi\"": 3, "😀": 4 });
        assert_eq!(sel(&doc, r"$['it\'s']"), vec!["/it's"]);
        assert_eq!(sel(&doc, r"$['\u0041\n']"), vec!["/A\n"]);
        assert_eq!(sel(&doc, r#"$["say \"hi\""]"#), vec!["/say \"hi\""]);
        assert_eq!(sel(&doc, r"$['\uD83D\uDE00']"), vec!["/😀"]);
    }

    #[test]
    fn dot_names_allow_dash_dollar_and_leading_digits() {
        let doc = json!({ "x-internal": 1, "s": { "$ref": "#/x" }, "responses": { "200": { "d": 1 } } });
        assert_eq!(sel(&doc, "$.x-internal"), vec!["/x-internal"]);
        assert_eq!(sel(&doc, "$.s.$ref"), vec!["/s/$ref"]);
        assert_eq!(sel(&doc, "$.responses.200.d"), vec!["/responses/200/d"]);
    }

    #[test]
    fn non_ascii_dot_names_are_allowed() {
        let doc = json!({ "größe": 1 });
        assert_eq!(sel(&doc, "$.größe"), vec!["/größe"]);
    }

    #[test]
    fn dot_and_bracket_wildcards_select_children_in_document_order() {
        let doc = json!({ "z": 1, "a": 2, "m": [3, 4] });
        assert_eq!(sel(&doc, "$.*"), vec!["/z", "/a", "/m"]);
        assert_eq!(sel(&doc, "$[*]"), vec!["/z", "/a", "/m"]);
        assert_eq!(sel(&doc, "$.m[*]"), vec!["/m/0", "/m/1"]);
    }

    #[test]
    fn wildcard_on_scalar_selects_nothing() {
        assert!(sel(&json!({ "a": 1 }), "$.a.*").is_empty());
    }

    #[test]
    fn array_index_positive_and_negative() {
        let doc = json!({ "tags": ["a", "b", "c"] });
        assert_eq!(sel(&doc, "$.tags[0]"), vec!["/tags/0"]);
        assert_eq!(sel(&doc, "$.tags[-1]"), vec!["/tags/2"]);
        assert_eq!(sel(&doc, "$.tags[-3]"), vec!["/tags/0"]);
    }

    #[test]
    fn out_of_range_index_and_index_on_object_select_nothing() {
        let doc = json!({ "tags": ["a"], "o": { "0": 1 } });
        assert!(sel(&doc, "$.tags[1]").is_empty());
        assert!(sel(&doc, "$.tags[-2]").is_empty());
        assert!(sel(&doc, "$.o[0]").is_empty());
    }

    #[test]
    fn missing_member_selects_nothing() {
        assert!(sel(&openapi(), "$.paths['/nope'].get").is_empty());
        assert!(sel(&openapi(), "$.info.title.deeper").is_empty());
    }

    #[test]
    fn union_is_in_document_order_without_duplicates() {
        let doc = json!({ "a": 1, "b": 2, "c": [10, 11, 12] });
        assert_eq!(sel(&doc, "$['b','a','b']"), vec!["/a", "/b"]);
        assert_eq!(sel(&doc, "$.c[2, 0, -1]"), vec!["/c/0", "/c/2"]);
        assert_eq!(sel(&doc, "$[*, 'a']"), vec!["/a", "/b", "/c"]);
    }

    #[test]
    fn blank_space_inside_brackets_and_between_segments_is_allowed() {
        let doc = json!({ "a": { "b": [1, 2] } });
        assert_eq!(sel(&doc, "$ .a [ 'b' ] [ 0 , 1 ] "), vec!["/a/b/0", "/a/b/1"]);
    }

    // -- descendants -----------------------------------------------------------

    #[test]
    fn recursive_descent_name_finds_every_depth_in_document_order() {
        let doc = openapi();
        assert_eq!(
            sel(&doc, "$..description"),
            vec!["/components/schemas/Agent/properties/name/description", "/components/schemas/Agent/description"]
        );
        assert_eq!(sel(&doc, "$.paths..operationId").len(), 4);
    }

    #[test]
    fn recursive_descent_wildcard_selects_every_descendant_once() {
        let doc = json!({ "a": { "b": 1 }, "c": [2, { "d": 3 }] });
        assert_eq!(sel(&doc, "$..*"), vec!["/a", "/a/b", "/c", "/c/0", "/c/1", "/c/1/d"]);
        assert_eq!(sel(&doc, "$..[*]"), sel(&doc, "$..*"));
        // Chained descent reaches the same nodes many ways; each is reported once.
        assert_eq!(sel(&doc, "$..*..*"), vec!["/a/b", "/c/0", "/c/1", "/c/1/d"]);
    }

    #[test]
    fn recursive_descent_includes_matches_on_the_start_node() {
        let doc = json!({ "name": 1, "x": { "name": 2 } });
        assert_eq!(sel(&doc, "$..name"), vec!["/name", "/x/name"]);
    }

    #[test]
    fn recursive_descent_with_index_and_bracket_names() {
        let doc = json!({ "a": [1, { "b": [2, 3] }], "c": { "/x": 4 } });
        assert_eq!(sel(&doc, "$..[0]"), vec!["/a/0", "/a/1/b/0"]);
        assert_eq!(sel(&doc, "$..['/x']"), vec!["/c/~1x"]);
    }

    // -- filters ----------------------------------------------------------------

    #[test]
    fn filter_equality_with_parenthesized_and_bare_forms() {
        let doc = json!({ "params": [{ "name": "a" }, { "name": "x" }, { "name": "x", "in": "q" }] });
        let expected = vec!["/params/1", "/params/2"];
        assert_eq!(sel(&doc, "$.params[?(@.name == 'x')]"), expected);
        assert_eq!(sel(&doc, "$.params[?@.name == 'x']"), expected);
        assert_eq!(sel(&doc, "$.params[?@.name==\"x\"]"), expected);
    }

    #[test]
    fn filter_inequality_includes_nodes_missing_the_member() {
        let doc = json!([{ "name": "a" }, { "name": "x" }, { "other": 1 }]);
        assert_eq!(sel(&doc, "$[?@.name != 'x']"), vec!["/0", "/2"]);
    }

    #[test]
    fn filter_existence_test_matches_present_members_even_when_false() {
        let doc = openapi();
        assert_eq!(
            sel(&doc, "$.paths.*[?@.deprecated]"),
            vec!["/paths/~1agents/post", "/paths/~1agents~1{agentName}/get"]
        );
        assert_eq!(sel(&doc, "$.paths.*[?@.deprecated == true]"), vec!["/paths/~1agents~1{agentName}/get"]);
    }

    #[test]
    fn filter_negated_existence_and_negated_group() {
        let doc = json!([{ "a": 1 }, { "b": 1 }, { "a": 2, "b": 2 }]);
        assert_eq!(sel(&doc, "$[?!@.a]"), vec!["/1"]);
        assert_eq!(sel(&doc, "$[?!(@.a && @.b)]"), vec!["/0", "/1"]);
    }

    #[test]
    fn filter_and_binds_tighter_than_or() {
        let doc = json!([{ "a": 1 }, { "b": 1 }, { "b": 1, "c": 1 }, { "c": 1 }]);
        assert_eq!(sel(&doc, "$[?@.a || @.b && @.c]"), vec!["/0", "/2"]);
        assert_eq!(sel(&doc, "$[?(@.a || @.b) && @.c]"), vec!["/2"]);
    }

    #[test]
    fn filter_literals_number_bool_null_compare_by_value() {
        let doc = json!([{ "v": 1 }, { "v": 1.0 }, { "v": true }, { "v": null }, { "v": "1" }, { "v": -2.5e1 }]);
        assert_eq!(sel(&doc, "$[?@.v == 1]"), vec!["/0", "/1"]);
        assert_eq!(sel(&doc, "$[?@.v == 1.0]"), vec!["/0", "/1"]);
        assert_eq!(sel(&doc, "$[?@.v == true]"), vec!["/2"]);
        assert_eq!(sel(&doc, "$[?@.v == null]"), vec!["/3"]);
        assert_eq!(sel(&doc, "$[?@.v == '1']"), vec!["/4"]);
        assert_eq!(sel(&doc, "$[?@.v == -25]"), vec!["/5"]);
    }

    #[test]
    fn filter_ordering_comparisons_apply_to_numbers_and_strings_only() {
        let doc = json!([{ "v": 1 }, { "v": 5 }, { "v": "b" }, { "v": true }, {}]);
        assert_eq!(sel(&doc, "$[?@.v < 5]"), vec!["/0"]);
        assert_eq!(sel(&doc, "$[?@.v <= 5]"), vec!["/0", "/1"]);
        assert_eq!(sel(&doc, "$[?@.v > 1]"), vec!["/1"]);
        assert_eq!(sel(&doc, "$[?@.v >= 'a']"), vec!["/2"]);
        // Nothing <= Nothing holds because Nothing == Nothing.
        assert_eq!(sel(&doc, "$[?@.w <= @.w]"), vec!["/0", "/1", "/2", "/3", "/4"]);
    }

    #[test]
    fn filter_large_integers_compare_exactly() {
        let doc = json!([{ "v": 9007199254740993_i64 }, { "v": u64::MAX }]);
        assert_eq!(sel(&doc, "$[?@.v == 9007199254740993]"), vec!["/0"]);
        assert_eq!(sel(&doc, "$[?@.v > 9007199254740993]"), vec!["/1"]);
    }

    #[test]
    fn filter_selects_object_members_too() {
        let doc = openapi();
        assert_eq!(sel(&doc, "$.paths[?@.delete]"), vec!["/paths/~1agents~1{agentName}"]);
        assert_eq!(sel(&doc, "$.paths.*[?@.operationId == 'getAgent']"), vec!["/paths/~1agents~1{agentName}/get"]);
    }

    #[test]
    fn filter_on_scalar_selects_nothing() {
        assert!(sel(&json!({ "a": 1 }), "$.a[?@]").is_empty());
    }

    #[test]
    fn filter_compares_two_queries_and_root_queries() {
        let doc = json!({ "want": "b", "items": [{ "k": "a", "j": "a" }, { "k": "b", "j": "c" }] });
        assert_eq!(sel(&doc, "$.items[?@.k == $.want]"), vec!["/items/1"]);
        assert_eq!(sel(&doc, "$.items[?@.k == @.j]"), vec!["/items/0"]);
        assert_eq!(sel(&doc, "$.items[?@['k'] == 'a']"), vec!["/items/0"]);
        assert_eq!(sel(&doc, "$.items[?$.want]"), vec!["/items/0", "/items/1"]);
    }

    #[test]
    fn filter_missing_members_compare_as_nothing() {
        let doc = json!([{ "a": 1 }, { "b": 1 }]);
        assert_eq!(sel(&doc, "$[?@.x == @.y]"), vec!["/0", "/1"]);
        assert!(sel(&doc, "$[?@.x == null]").is_empty());
    }

    #[test]
    fn filter_on_current_node_value() {
        let doc = json!({ "tags": ["a", "b", "a"] });
        assert_eq!(sel(&doc, "$.tags[?@ == 'a']"), vec!["/tags/0", "/tags/2"]);
    }

    #[test]
    fn filter_with_nested_filter_and_descendant_existence() {
        let doc =
            json!([{ "p": [{ "in": "query" }] }, { "p": [{ "in": "path" }] }, { "q": { "r": { "in": "query" } } }]);
        assert_eq!(sel(&doc, "$[?@.p[?@.in == 'query']]"), vec!["/0"]);
        assert_eq!(sel(&doc, "$[?@..in]"), vec!["/0", "/1", "/2"]);
    }

    #[test]
    fn recursive_descent_filter_finds_nested_objects() {
        let doc = openapi();
        assert_eq!(sel(&doc, "$..[?@.deprecated == true]"), vec!["/paths/~1agents~1{agentName}/get"]);
        assert_eq!(sel(&doc, "$..[?@.type == 'string']"), vec!["/components/schemas/Agent/properties/name"]);
    }

    #[test]
    fn long_or_chain_does_not_nest_deeply() {
        let expr = vec!["@.a == 1"; 5000].join(" || ");
        assert_eq!(sel(&json!([{ "a": 1 }]), &format!("$[?{expr}]")), vec!["/0"]);
    }

    // -- errors -------------------------------------------------------------------

    #[test]
    fn syntax_error_names_position_and_expectation() {
        let e = err("$.paths['/a'");
        assert!(e.contains("position 12"), "{e}");
        assert!(e.contains("expected ',' or ']'"), "{e}");
        assert!(e.contains("end of input"), "{e}");
        assert!(e.contains("$.paths['/a'"), "{e}");
    }

    #[test]
    fn path_must_start_at_root() {
        for path in ["", "paths", " $", "@.a", ".a"] {
            assert!(err(path).contains("expected '$'"), "{path}");
        }
    }

    #[test]
    fn dangling_dots_and_brackets_are_rejected() {
        assert!(err("$.").contains("expected a name or '*' after '.'"));
        assert!(err("$..").contains("expected a name, '*' or '[' after '..'"));
        assert!(err("$...a").contains("after '..'"));
        assert!(err("$[]").contains("expected a selector"));
        assert!(err("$a").contains("expected '.', '..' or '['"));
        assert!(err("$['a',]").contains("expected a selector"));
        assert!(err("$.a b").contains("position 4"));
    }

    #[test]
    fn unterminated_and_badly_escaped_strings_are_rejected() {
        assert!(err("$['abc").contains("closing '"));
        assert!(err(r"$['\x']").contains("unknown escape"));
        assert!(err(r"$['\u12']").contains("hex digit"));
        assert!(err(r"$['\uD800']").contains("surrogate"));
        assert!(err(r"$['\uDC00']").contains("unpaired low surrogate"));
        assert!(err("$['a\u{1}']").contains("control characters"));
    }

    #[test]
    fn bad_indexes_are_rejected() {
        assert!(err("$[01]").contains("leading zeros"));
        assert!(err("$[-0]").contains("'-0'"));
        assert!(err("$[9007199254740992]").contains("out of range"));
        assert!(err("$[99999999999999999999999]").contains("out of range"));
        assert!(err("$[-]").contains("expected a digit"));
    }

    #[test]
    fn slices_are_rejected_with_clear_message() {
        assert!(err("$[1:2]").contains("slices"));
        assert!(err("$[:2]").contains("slices"));
        assert!(err("$[::-1]").contains("slices"));
    }

    #[test]
    fn function_extensions_are_rejected_with_clear_message() {
        assert!(err("$[?length(@.a) > 1]").contains("function extensions such as length()"));
        assert!(err("$[?match(@.a, 'x')]").contains("not supported"));
    }

    #[test]
    fn non_singular_queries_cannot_be_compared() {
        assert!(err("$[?@.* == 1]").contains("must be singular"));
        assert!(err("$[?@..a == 1]").contains("must be singular"));
        assert!(err("$[?1 == @['a','b']]").contains("must be singular"));
    }

    #[test]
    fn malformed_filter_expressions_are_rejected() {
        assert!(err("$[?@.a = 'x']").contains("use '=='"));
        assert!(err("$[?'x']").contains("comparison operator"));
        assert!(err("$[?@.a == x]").contains("strings must be quoted"));
        assert!(err("$[?(@.a == 1]").contains("expected ')'"));
        assert!(err("$[?@.a == ]").contains("a literal"));
        assert!(err("$[?!@.a == 1]").contains("expected ',' or ']'"));
        assert!(err("$[?!!@.a]").contains("after '!'"));
        assert!(err("$[?@.a &&]").contains("a query"));
        assert!(err("$[?1e999 == @.a]").contains("number out of range"));
        assert!(err("$[?@.a == 1.]").contains("a digit"));
        assert!(err("$[?@.a == 01]").contains("leading zeros"));
    }

    #[test]
    fn deep_nesting_is_rejected_instead_of_overflowing_the_stack() {
        let deep = format!("$[?{}@.a{}]", "(".repeat(10_000), ")".repeat(10_000));
        assert!(err(&deep).contains("nesting deeper than"));
        let nested_filters = format!("$[?@{}]", "[?@".repeat(10_000));
        assert!(err(&nested_filters).contains("nesting deeper than"));
        // Moderate nesting is fine.
        let ok = format!("$[?{}@.a{}]", "(".repeat(20), ")".repeat(20));
        assert_eq!(sel(&json!([{ "a": 1 }]), &ok), vec!["/0"]);
    }

    #[test]
    fn malformed_paths_never_panic() {
        let doc = openapi();
        let seeds = [
            "$.paths['/agents/{agentName}'].get",
            "$..[?(@.name == 'x' && @.in != \"q\" || !@.deprecated)]",
            "$.a[-1, 0, 'b', *][?@.v >= -1.5e+3 && @.w < $.x[0]]",
            r"$['\u00e9\uD83D\uDE00\n', 'x']..*",
            "$[?@.a == true || @.b == false || @.c == null]",
        ];
        let mut cases: Vec<String> = [
            "",
            "$",
            "$$",
            "$.",
            "$..",
            "$[",
            "$]",
            "$[[",
            "$[']",
            "$[\"]",
            "$[?",
            "$[?(",
            "$[?)]",
            "$[?@",
            "$[?@.",
            "$[?@ ==",
            "$[?@ == ]",
            "$[?==]",
            "$[?&&]",
            "$[?||]",
            "$[?!]",
            "$[?()]",
            "$[-",
            "$[--1]",
            "$[1e3]",
            "$[0x1]",
            "$[1.5]",
            "$[?@.a<>1]",
            "$[?@.a===1]",
            "$[?@.a!==1]",
            "$['\\",
            "$['\\u",
            "$['\\uD800\\u",
            "$['\\uD800\\uD800']",
            "$\u{0}",
            "$.\u{301}",
            "$[?-]",
            "$[?-.5]",
            "$[?1.e]",
            "$[?1e]",
            "$[?1e+]",
            "$[?t]",
            "$[?tru]",
            "$[?nul()]",
            "$[,]",
            "$[*,]",
            "$[ ]",
            "$.*.*.*[*]..[*]",
            "$[?@[?@[?@]]]",
            "$ ",
            "$\t.a",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for i in 0..=chars.len() {
                cases.push(chars[..i].iter().collect()); // every prefix
                let mut removed = chars.clone();
                if i < removed.len() {
                    removed.remove(i); // every single-character deletion
                    cases.push(removed.into_iter().collect());
                }
                for extra in ['[', ']', '(', ')', '\'', '"', '\\', '.', '?', '@', '$', '-', '!', '=', ',', '*', ' '] {
                    let mut inserted = chars.clone();
                    inserted.insert(i, extra); // every single-character insertion
                    cases.push(inserted.into_iter().collect());
                }
            }
        }
        // Deterministic pseudo-random strings over the grammar's alphabet.
        let alphabet: Vec<char> = "$@.[]()?'\"\\*,:-!=<>&|0159aeflnrtu ".chars().collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut s = String::from("$");
            for _ in 0..(state % 24) {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let i = usize::try_from(state >> 33).unwrap_or(0) % alphabet.len();
                s.push(alphabet[i]);
            }
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            cases.push(s);
        }
        for case in &cases {
            // Only the absence of panics matters here; both outcomes are fine.
            let _ = select(&doc, case);
        }
        assert!(cases.len() > 5000);
    }
}
