//! Expectations: which requests of an operation they match, what they answer, how often they
//! must be hit, and what they received.

use std::any::Any;
use std::fmt;
use std::ops::{RangeFrom, RangeInclusive, RangeToInclusive};
use std::sync::{Arc, Mutex, MutexGuard};

use super::api::Decoded;
use super::reply::Reply;

/// A matcher over the typed request (the generated layer downcasts it).
pub(super) type Matcher = Box<dyn Fn(&(dyn Any + Send + Sync)) -> bool + Send + Sync>;

/// How many requests an expectation must receive, checked by
/// [`MockServer::verify`](super::MockServer::verify) and when the server is dropped.
///
/// The upper bound also limits matching: an expectation that has received its maximum stops
/// matching (as wiremock's `up_to_n_times`), so `exactly(1)` answers one request and lets the
/// next go to another expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Times {
    min: usize,
    max: Option<usize>,
}

impl Times {
    /// Exactly `n` requests.
    pub const fn exactly(n: usize) -> Times {
        Times { min: n, max: Some(n) }
    }

    /// `n` requests or more.
    pub const fn at_least(n: usize) -> Times {
        Times { min: n, max: None }
    }

    /// At most `n` requests (none is fine).
    pub const fn at_most(n: usize) -> Times {
        Times { min: 0, max: Some(n) }
    }

    /// From `min` to `max` requests, both included.
    ///
    /// # Panics
    ///
    /// When `min > max`.
    pub const fn between(min: usize, max: usize) -> Times {
        assert!(min <= max, "Times::between: min is greater than max");
        Times { min, max: Some(max) }
    }

    /// Any number of requests, none included (the default).
    pub const fn any() -> Times {
        Times { min: 0, max: None }
    }

    /// Whether an expectation that has received `hits` requests takes one more.
    pub const fn accepts(&self, hits: usize) -> bool {
        match self.max {
            Some(max) => hits < max,
            None => true,
        }
    }

    /// Whether `hits` requests satisfy the count.
    pub const fn is_satisfied_by(&self, hits: usize) -> bool {
        hits >= self.min
            && match self.max {
                Some(max) => hits <= max,
                None => true,
            }
    }
}

impl Default for Times {
    fn default() -> Self {
        Times::any()
    }
}

/// `exactly(n)`.
impl From<usize> for Times {
    fn from(n: usize) -> Self {
        Times::exactly(n)
    }
}

/// `between(a, b)`; an empty range (`3..=1`) panics.
impl From<RangeInclusive<usize>> for Times {
    fn from(r: RangeInclusive<usize>) -> Self {
        Times::between(*r.start(), *r.end())
    }
}

/// `at_least(n)`.
impl From<RangeFrom<usize>> for Times {
    fn from(r: RangeFrom<usize>) -> Self {
        Times::at_least(r.start)
    }
}

/// `at_most(n)`.
impl From<RangeToInclusive<usize>> for Times {
    fn from(r: RangeToInclusive<usize>) -> Self {
        Times::at_most(r.end)
    }
}

/// "exactly 2 requests", "between 1 and 3 requests", "any number of requests".
impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = |n: usize| if n == 1 { "request" } else { "requests" };
        match (self.min, self.max) {
            (0, None) => f.write_str("any number of requests"),
            (min, None) => write!(f, "at least {min} {}", noun(min)),
            (0, Some(max)) => write!(f, "at most {max} {}", noun(max)),
            (min, Some(max)) if min == max => write!(f, "exactly {min} {}", noun(min)),
            (min, Some(max)) => write!(f, "between {min} and {max} requests"),
        }
    }
}

/// What one operation's requests are answered with: a matcher over the typed request, the
/// replies in sequence and the expected count.
///
/// ```
/// # use voice_agents_runtime::mock::{Expectation, Reply, Times};
/// # struct GetThing { id: String }
/// let e = Expectation::new("getThing")
///     .matching("id is `1`", |r: &GetThing| r.id == "1")
///     .reply(Reply::new(503).retry_after(std::time::Duration::from_secs(1)))
///     .reply(Reply::new(503))
///     .reply(Reply::new(200).json(&serde_json::json!({ "id": "1" })))
///     .times(Times::exactly(3));
/// ```
pub struct Expectation {
    pub(super) operation: &'static str,
    pub(super) description: Vec<String>,
    pub(super) matchers: Vec<Matcher>,
    pub(super) replies: Vec<Reply>,
    pub(super) times: Times,
}

impl Expectation {
    /// An expectation for the operation whose id is `operation`: it matches every request of the
    /// operation, any number of times, and answers `200` with an empty body until replies are
    /// added.
    pub fn new(operation: &'static str) -> Self {
        Expectation {
            operation,
            description: Vec::new(),
            matchers: Vec::new(),
            replies: Vec::new(),
            times: Times::any(),
        }
    }

    /// Matches only the requests for which `matcher` holds over the typed request `T`;
    /// `description` says what it checks in reports (`name is "a"`). Several matchers must all
    /// hold.
    ///
    /// A request of another type than `T` makes the matcher panic, which the server answers with
    /// 500 and records as a failure: it means the generated layer paired the wrong types.
    pub fn matching<T: Any>(
        self,
        description: impl Into<String>,
        matcher: impl Fn(&T) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.matching_any(description, move |request: &(dyn Any + Send + Sync)| match request.downcast_ref::<T>() {
            Some(typed) => matcher(typed),
            None => panic!("the matcher expects requests of type `{}`", std::any::type_name::<T>()),
        })
    }

    /// Matches only the requests for which `matcher` holds over the decoded request, untyped.
    pub fn matching_any(
        mut self,
        description: impl Into<String>,
        matcher: impl Fn(&(dyn Any + Send + Sync)) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.description.push(description.into());
        self.matchers.push(Box::new(matcher));
        self
    }

    /// Appends a reply to the sequence: the first request gets the first reply, the second the
    /// second, and the last reply answers every request after it (so `503, 503, 200` answers
    /// two 503s, then 200 for good).
    pub fn reply(mut self, reply: Reply) -> Self {
        self.replies.push(reply);
        self
    }

    /// Appends several replies to the sequence.
    pub fn replies(mut self, replies: impl IntoIterator<Item = Reply>) -> Self {
        self.replies.extend(replies);
        self
    }

    /// How many requests this expectation must receive (default: any number).
    pub fn times(mut self, times: impl Into<Times>) -> Self {
        self.times = times.into();
        self
    }

    /// The operation id.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

impl fmt::Debug for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expectation")
            .field("operation", &self.operation)
            .field("description", &describe(&self.description))
            .field("replies", &self.replies)
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

fn describe(parts: &[String]) -> String {
    if parts.is_empty() { "any request".to_owned() } else { parts.join(" and ") }
}

/// A registered expectation, shared by the server and its handles.
pub(super) struct Registered {
    /// 1-based registration number on its server, to tell expectations apart in reports.
    pub(super) number: usize,
    pub(super) operation: &'static str,
    pub(super) description: String,
    matchers: Vec<Matcher>,
    replies: Vec<Reply>,
    pub(super) times: Times,
    record: Mutex<Record>,
}

#[derive(Default)]
struct Record {
    hits: usize,
    requests: Vec<Decoded>,
}

impl Registered {
    pub(super) fn new(number: usize, e: Expectation) -> Registered {
        Registered {
            number,
            operation: e.operation,
            description: describe(&e.description),
            matchers: e.matchers,
            replies: e.replies,
            times: e.times,
            record: Mutex::new(Record::default()),
        }
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        // A panic while the lock was held cannot leave a record half-written: keep going.
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn hits(&self) -> usize {
        self.record().hits
    }

    /// Whether every matcher holds; a matcher's panic is caught and returned as its message.
    pub(super) fn matches(&self, request: &(dyn Any + Send + Sync)) -> Result<bool, String> {
        for matcher in &self.matchers {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| matcher(request))) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(payload) => return Err(panic_message(&*payload)),
            }
        }
        Ok(true)
    }

    /// Counts a hit, keeps the request and returns the reply for it.
    pub(super) fn hit(&self, request: Decoded) -> Reply {
        let mut record = self.record();
        let index = record.hits;
        record.hits += 1;
        record.requests.push(request);
        match self.replies.get(index).or(self.replies.last()) {
            Some(reply) => reply.clone(),
            None => Reply::new(200),
        }
    }

    /// `#2 `getThing` (id is `1`)`, for reports.
    pub(super) fn label(&self) -> String {
        format!("#{} `{}` ({})", self.number, self.operation, self.description)
    }
}

/// A handle on a registered expectation: its hits and the typed requests it received. Cheap to
/// clone; it stays readable after the server is dropped.
#[derive(Clone)]
pub struct ExpectationHandle {
    pub(super) registered: Arc<Registered>,
}

impl ExpectationHandle {
    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        self.registered.hits()
    }

    /// The typed requests it has answered, in order.
    ///
    /// # Panics
    ///
    /// When its operation's requests are not of type `T`.
    pub fn requests<T: Clone + 'static>(&self) -> Vec<T> {
        let record = self.registered.record();
        record
            .requests
            .iter()
            .map(|r| {
                r.downcast_ref::<T>().cloned().unwrap_or_else(|| {
                    panic!(
                        "the requests of `{}` are not of type `{}`",
                        self.registered.operation,
                        std::any::type_name::<T>()
                    )
                })
            })
            .collect()
    }

    /// The operation id.
    pub fn operation(&self) -> &'static str {
        self.registered.operation
    }

    /// What it matches, as reports say it (`any request` without matchers).
    pub fn description(&self) -> &str {
        &self.registered.description
    }

    /// How many requests it must receive.
    pub fn times(&self) -> Times {
        self.registered.times
    }

    /// Whether its count is met now.
    pub fn is_satisfied(&self) -> bool {
        self.registered.times.is_satisfied_by(self.hits())
    }
}

impl fmt::Debug for ExpectationHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectationHandle")
            .field("number", &self.registered.number)
            .field("operation", &self.registered.operation)
            .field("description", &self.registered.description)
            .field("times", &self.registered.times)
            .field("hits", &self.hits())
            .finish()
    }
}

/// The text of a caught panic.
pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_bounds_and_wording() {
        let cases: [(Times, &str, &[usize], &[usize]); 5] = [
            (Times::exactly(1), "exactly 1 request", &[1], &[0, 2]),
            (Times::at_least(2), "at least 2 requests", &[2, 9], &[1]),
            (Times::at_most(1), "at most 1 request", &[0, 1], &[2]),
            (Times::between(1, 3), "between 1 and 3 requests", &[1, 3], &[0, 4]),
            (Times::any(), "any number of requests", &[0, 100], &[]),
        ];
        for (times, text, ok, bad) in cases {
            assert_eq!(times.to_string(), text);
            assert!(ok.iter().all(|&n| times.is_satisfied_by(n)), "{text}");
            assert!(bad.iter().all(|&n| !times.is_satisfied_by(n)), "{text}");
        }
        assert!(Times::exactly(1).accepts(0) && !Times::exactly(1).accepts(1));
        assert!(Times::at_least(1).accepts(1000));
        assert_eq!(Times::from(2), Times::exactly(2));
        assert_eq!(Times::from(1..=3), Times::between(1, 3));
        assert_eq!(Times::from(2..), Times::at_least(2));
        assert_eq!(Times::from(..=2), Times::at_most(2));
    }

    #[test]
    fn replies_follow_the_sequence_then_repeat_the_last() {
        let r = Registered::new(1, Expectation::new("op").reply(Reply::new(503)).reply(Reply::new(200)));
        let statuses: Vec<u16> = (0..4).map(|_| r.hit(Box::new(())).status().as_u16()).collect();
        assert_eq!(statuses, [503, 200, 200, 200]);
        assert_eq!(Registered::new(2, Expectation::new("op")).hit(Box::new(())).status().as_u16(), 200);
    }

    #[test]
    fn typed_matchers_and_their_panics() {
        let r = Registered::new(1, Expectation::new("op").matching("is 1", |n: &u32| *n == 1));
        assert_eq!(r.matches(&1u32), Ok(true));
        assert_eq!(r.matches(&2u32), Ok(false));
        let e = r.matches(&"text").unwrap_err();
        assert!(e.contains("u32"), "{e}");
        assert_eq!(r.label(), "#1 `op` (is 1)");
    }
}
