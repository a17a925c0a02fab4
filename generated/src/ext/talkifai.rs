//! Hand-written conveniences for TalkifAI's text chat (not generated: the generated module is
//! `crate::talkifai`).
//!
//! A chat needs two credentials: the API key creates the session (`createChatSession`, sent in
//! `X-API-Key`), and the session token the API returns authenticates that session's own calls
//! (`sendChatMessage`, `getChatHistory`, `endChatSession`, the `ChatSessionToken` scheme).
//! [`Client::start_chat`] does the first and returns a [`Chat`] that holds the second, so the
//! rest of the conversation needs neither the id nor the token spelled out:
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use voice_agents::talkifai::{Client, SendChatMessageEvent};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().api_key(std::env::var("TALKIFAI_API_KEY")?).build()?;
//! let chat = client.start_chat("agent_txt789").await?;
//! let mut events = chat.send("Where is my order 12345?").await?;
//! while let Some(event) = events.next().await {
//!     if let SendChatMessageEvent::Chunk(chunk) = event? {
//!         print!("{}", chunk.delta);
//!     }
//! }
//! // Or the whole reply at once:
//! let answer = chat.reply("And when does it arrive?").await?;
//! # let _ = answer;
//! chat.end().await?;
//! # Ok(()) }
//! ```

use futures_util::TryStreamExt;

use crate::runtime::{Error, EventStream};
use crate::talkifai::{
    ChatMessageCreate, ChatSession, ChatSessionCreate, ChatStreamError, ChatUsage, Client, EndChatSession,
    GetChatHistory, SendChatMessage, SendChatMessageEvent,
};

/// The security scheme of the session calls (the spec's `ChatSessionToken`).
const SESSION_SCHEME: &str = "ChatSessionToken";

impl Client {
    /// Starts a chat with a text agent: creates the session with this client's API key
    /// (`api_key_auth`) and returns a [`Chat`] holding its conversation id and session token.
    ///
    /// Agents that are not text agents are refused by the API (400 `not_text_agent`).
    pub async fn start_chat(&self, agent_id: impl Into<String>) -> Result<Chat, Error> {
        self.start_chat_with(ChatSessionCreate::new(agent_id)).await
    }

    /// Like [`start_chat`](Self::start_chat), with the whole request (metadata, the user's
    /// identifier for the agent's memory).
    pub async fn start_chat_with(&self, request: ChatSessionCreate) -> Result<Chat, Error> {
        let session = self.create_chat_session(request).await?;
        Chat::from_session(self, session)
    }
}

/// One conversation with a text agent: its id and a client holding its session token (a
/// secret: `Debug` shows it as `[REDACTED]`, errors and logs never contain it).
///
/// Made by [`Client::start_chat`], or by [`Chat::resume`] for a session created earlier. The
/// client keeps the settings of the one it was made from (base URL, retries, timeouts) and
/// shares its connections.
#[derive(Debug, Clone)]
pub struct Chat {
    /// A client with the session token as its `ChatSessionToken` credential.
    client: Client,
    conversation_id: String,
    agent_name: Option<String>,
    greeting: Option<String>,
}

impl Chat {
    /// A handle for the session `createChatSession` returned, using `client`'s settings.
    pub fn from_session(client: &Client, session: ChatSession) -> Result<Chat, Error> {
        let mut chat = Chat::resume(client, session.conversation_id, session.session_token)?;
        chat.agent_name = session.agent_name;
        chat.greeting = session.greeting;
        Ok(chat)
    }

    /// A handle for a session created earlier, from its conversation id and session token
    /// (valid for 24 hours), using `client`'s settings.
    pub fn resume(
        client: &Client,
        conversation_id: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Result<Chat, Error> {
        let core = client.core().with_credential(SESSION_SCHEME, session_token)?;
        Ok(Chat { client: Client { core }, conversation_id: conversation_id.into(), agent_name: None, greeting: None })
    }

    /// The conversation's id.
    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    /// The agent's display name, when the session was started here.
    pub fn agent_name(&self) -> Option<&str> {
        self.agent_name.as_deref()
    }

    /// The agent's opening message, if it has one (known when the session was started here).
    pub fn greeting(&self) -> Option<&str> {
        self.greeting.as_deref()
    }

    /// The client that holds the session token, for calls this handle has no method for.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the user's message (at most 10,000 characters); `.await` the builder for the
    /// stream of the reply's events, or set per-request options on it first. Nothing is
    /// retried once the reply has started.
    pub fn send(&self, message: impl Into<String>) -> SendChatMessage<'_> {
        self.client.send_chat_message(&self.conversation_id, ChatMessageCreate::new(message))
    }

    /// Sends the user's message and waits for the whole reply's text (see [`reply_text`]).
    pub async fn reply(&self, message: impl Into<String>) -> Result<String, ChatError> {
        reply_text(self.send(message).await?).await
    }

    /// The conversation so far, oldest first.
    pub fn history(&self) -> GetChatHistory<'_> {
        self.client.get_chat_history(&self.conversation_id)
    }

    /// Ends the conversation; the session token stops working.
    pub fn end(&self) -> EndChatSession<'_> {
        self.client.end_chat_session(&self.conversation_id)
    }
}

/// Why a reply could not be collected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// The request or the stream failed: connection, timeout, an API error before the stream
    /// started, an event that did not decode.
    #[error(transparent)]
    Request(#[from] Error),

    /// The agent reported a failure inside the stream (an `error` event).
    #[error("the agent reported an error: {}", .error.error.as_deref().unwrap_or("(no message)"))]
    #[non_exhaustive]
    Agent {
        /// The `error` event.
        error: ChatStreamError,
        /// The text received before it.
        partial: String,
    },

    /// The stream ended without its `stream_end` event (and without an `error` event): the
    /// server closed the connection early, so the reply may be cut short.
    #[error("the reply stream ended without `stream_end`: the reply may be incomplete ({} characters received)", .partial.chars().count())]
    #[non_exhaustive]
    Incomplete {
        /// The text received before the stream ended.
        partial: String,
    },
}

/// Everything a reply stream said, collected.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Reply {
    /// The `chunk` deltas, concatenated: the reply's text.
    pub text: String,
    /// The token usage from `stream_end`.
    pub usage: Option<ChatUsage>,
    /// `stream_end` said the agent ended the conversation (the session token stops working).
    pub end_session: bool,
    /// The agents that took over (`handoff` events), in order.
    pub handoffs: Vec<String>,
    /// The functions the agent called (`tool_call` events), in order.
    pub tool_calls: Vec<String>,
    /// An `error` event, if the agent reported one (the stream usually ends there).
    pub error: Option<ChatStreamError>,
    /// Events the spec does not declare, as `(event, data)`.
    pub unknown: Vec<(String, String)>,
}

/// Reads a reply stream to its end and collects what it said. Transport and decoding errors
/// (a stream cut off in the middle of an event among them) are [`ChatError::Request`]; an
/// `error` event is [`Reply::error`]; a stream that ends with neither `stream_end` nor `error`
/// is [`ChatError::Incomplete`], so a reply cut short is never taken for a whole one.
pub async fn collect_reply(events: EventStream<SendChatMessageEvent>) -> Result<Reply, ChatError> {
    let (reply, ended) = events
        .try_fold((Reply::default(), false), |(mut reply, mut ended), event| async move {
            match event {
                SendChatMessageEvent::Chunk(chunk) => reply.text.push_str(&chunk.delta),
                SendChatMessageEvent::StreamEnd(end) => {
                    reply.usage = end.usage;
                    reply.end_session = end.end_session.unwrap_or(false);
                    ended = true;
                }
                SendChatMessageEvent::Handoff(handoff) => reply.handoffs.extend(handoff.to),
                SendChatMessageEvent::ToolCall(call) => reply.tool_calls.extend(call.name),
                SendChatMessageEvent::Error(error) => reply.error = Some(error),
                SendChatMessageEvent::Unknown { event, data } => reply.unknown.push((event, data)),
                // `stream_start`, `tool_result` and events added to the spec later say nothing
                // about the text.
                _ => {}
            }
            Ok((reply, ended))
        })
        .await?;
    if !ended && reply.error.is_none() {
        return Err(ChatError::Incomplete { partial: reply.text });
    }
    Ok(reply)
}

/// The reply's text: every `chunk` delta of the stream, concatenated. An `error` event in the
/// stream is [`ChatError::Agent`] (with the text received before it), and a stream that ends
/// without `stream_end` is [`ChatError::Incomplete`], so a failed reply is never mistaken for a
/// short one.
pub async fn reply_text(events: EventStream<SendChatMessageEvent>) -> Result<String, ChatError> {
    let reply = collect_reply(events).await?;
    match reply.error {
        Some(error) => Err(ChatError::Agent { error, partial: reply.text }),
        None => Ok(reply.text),
    }
}
