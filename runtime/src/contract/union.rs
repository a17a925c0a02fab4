//! Decoding untagged unions (`oneOf`/`anyOf` without a tag): the alternative that keeps the most
//! of the payload, not the first one that accepts it. Generated structs ignore members they do
//! not declare, so "the first that accepts it" picks an alternative that drops members another
//! alternative declares (an OpenAI tool message read as a user message, its `tool_call_id` lost).

use serde::Serialize;
use serde_json::Value;
use std::cell::Cell;

thread_local! {
    /// Values decoded into a fallback (an open enum's unknown value, a union's `Unknown`) on
    /// this thread: how [`best_alternative`] tells an alternative that recognizes a payload from
    /// one whose open enums merely accept it.
    static FALLBACKS: Cell<usize> = const { Cell::new(0) };
}

/// Records that a value was decoded into a fallback variant (generated code and
/// `__open_enum!` call it).
pub fn note_fallback() {
    FALLBACKS.with(|n| n.set(n.get() + 1));
}

/// One alternative's decoder: the union's value, if the payload decodes into it.
pub type Alternative<T> = fn(&Value) -> Option<T>;

/// The union value of the alternative that decodes `value` and, encoded back, keeps the most of
/// it (members and items at the same place, scalars of the same kind; `null`s do not count),
/// then the one with the fewest values decoded into a fallback (an alternative whose `role`
/// enum does not list `"tool"` accepts it only as unknown). The first alternative that keeps
/// everything without a fallback wins at once; on a tie the earlier one wins. `None` when no
/// alternative decodes.
pub fn best_alternative<T: Serialize>(value: &Value, alternatives: &[Alternative<T>]) -> Option<T> {
    let whole = size(value);
    let before = FALLBACKS.with(Cell::get);
    let mut best: Option<((usize, usize), T)> = None;
    for decode in alternatives {
        FALLBACKS.with(|n| n.set(0));
        let decoded = decode(value);
        let fallbacks = FALLBACKS.with(Cell::get);
        let Some(candidate) = decoded else { continue };
        let kept = serde_json::to_value(&candidate).map_or(0, |encoded| kept(value, &encoded));
        if kept >= whole && fallbacks == 0 {
            best = Some(((kept, fallbacks), candidate));
            break;
        }
        let better = |(k, f): (usize, usize)| kept > k || (kept == k && fallbacks < f);
        if best.as_ref().is_none_or(|(score, _)| better(*score)) {
            best = Some(((kept, fallbacks), candidate));
        }
    }
    // What the chosen alternative fell back on counts for an enclosing union too.
    let chosen = best.as_ref().map_or(0, |((_, f), _)| *f);
    FALLBACKS.with(|n| n.set(before + chosen));
    best.map(|(_, v)| v)
}

/// How many non-null nodes `v` has (itself included).
fn size(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Array(items) => 1 + items.iter().map(size).sum::<usize>(),
        Value::Object(members) => 1 + members.values().map(size).sum::<usize>(),
        _ => 1,
    }
}

/// How many of `input`'s nodes `output` still has, at the same place and of the same kind.
fn kept(input: &Value, output: &Value) -> usize {
    match (input, output) {
        (Value::Null, _) => 0,
        (Value::Array(a), Value::Array(b)) => 1 + a.iter().zip(b).map(|(x, y)| kept(x, y)).sum::<usize>(),
        (Value::Object(a), Value::Object(b)) => {
            1 + a.iter().filter_map(|(k, x)| b.get(k).map(|y| kept(x, y))).sum::<usize>()
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct User {
        role: String,
        content: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Tool {
        role: String,
        content: String,
        tool_call_id: String,
    }

    #[derive(Debug, PartialEq, Serialize)]
    #[serde(untagged)]
    enum Message {
        User(User),
        Tool(Tool),
    }

    const ALTERNATIVES: &[Alternative<Message>] =
        &[|v| User::deserialize(v).ok().map(Message::User), |v| Tool::deserialize(v).ok().map(Message::Tool)];

    #[test]
    fn the_alternative_that_keeps_every_member_wins_over_an_earlier_one_that_drops_some() {
        let tool = json!({"role": "tool", "content": "42", "tool_call_id": "call_1"});
        let Some(Message::Tool(t)) = best_alternative(&tool, ALTERNATIVES) else { panic!("a tool message") };
        assert_eq!(t.tool_call_id, "call_1");
    }

    #[test]
    fn on_a_tie_the_first_alternative_wins_and_nothing_that_decodes_is_none() {
        let user = json!({"role": "user", "content": "hi"});
        assert!(matches!(best_alternative(&user, ALTERNATIVES), Some(Message::User(_))));
        assert!(best_alternative(&json!({"role": 1}), ALTERNATIVES).is_none());
    }
}
