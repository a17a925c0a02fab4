//! Chat with a TalkifAI text agent in the terminal, printing each reply as it streams in.
//!
//! Run with
//! `TALKIFAI_API_KEY=tk_live_... TALKIFAI_AGENT_ID=agent_... cargo run --example talkifai_chat -p voice-agents`,
//! then type messages (an empty line or end of input ends the chat). `TALKIFAI_BASE_URL` points
//! the client elsewhere (a proxy, say).
//!
//! Without `TALKIFAI_API_KEY` (or with `VOICE_AGENTS_MOCK=1`) it chats with a local mock of the
//! API instead (`voice_agents::talkifai::mock`, set up in `start_mock` at the bottom), whose
//! agent streams the same canned reply to every message.

use std::io::{BufRead, Write};
use std::time::Duration;

use futures_util::StreamExt;
use voice_agents::talkifai::mock::MockServer;
use voice_agents::talkifai::{
    ChatChunk, ChatSession, ChatSessionCreate, ChatStreamEnd, ChatStreamStart, ChatUsage, Client, SendChatMessageEvent,
    SuccessMessage,
};

/// The agent and conversation of the mock.
const MOCK_AGENT_ID: &str = "agent_mock";
const MOCK_CONVERSATION_ID: &str = "conv_mock_1";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock_requested = std::env::var("VOICE_AGENTS_MOCK").as_deref() == Ok("1");
    let api_key = std::env::var("TALKIFAI_API_KEY").ok().filter(|_| !mock_requested);
    // Kept until the end of `main`: dropping the mock checks that it was called as expected.
    let (client, agent_id, _mock) = match api_key {
        Some(key) => {
            let mut builder = Client::builder().api_key(key);
            if let Ok(url) = std::env::var("TALKIFAI_BASE_URL") {
                builder = builder.base_url(url);
            }
            (builder.build()?, std::env::var("TALKIFAI_AGENT_ID")?, None)
        }
        None => {
            println!("TALKIFAI_API_KEY is not set: chatting with a local mock of the TalkifAI API");
            let server = start_mock().await;
            (server.client(), MOCK_AGENT_ID.to_owned(), Some(server))
        }
    };

    // Creates the session with the API key; the handle holds the session token for the rest.
    let chat = client.start_chat(agent_id).await?;
    println!("chatting with {} ({})", chat.agent_name().unwrap_or("the agent"), chat.conversation_id());
    if let Some(greeting) = chat.greeting() {
        println!("agent: {greeting}");
    }
    println!("(type a message; an empty line or end of input ends the chat)");

    let stdin = std::io::stdin();
    let mut ended_by_agent = false;
    for line in stdin.lock().lines() {
        let message = line?;
        if message.trim().is_empty() {
            break;
        }
        let mut events = chat.send(message).await?;
        print!("agent: ");
        while let Some(event) = events.next().await {
            match event? {
                SendChatMessageEvent::Chunk(chunk) => print!("{}", chunk.delta),
                SendChatMessageEvent::ToolCall(call) => print!("[calling {}] ", call.name.unwrap_or_default()),
                SendChatMessageEvent::Handoff(handoff) => print!("[handed off to {}] ", handoff.to.unwrap_or_default()),
                SendChatMessageEvent::Error(error) => print!("[error: {}]", error.error.unwrap_or_default()),
                SendChatMessageEvent::StreamEnd(end) => {
                    let tokens = end.usage.and_then(|u| u.total_tokens).map(|t| format!(" ({t} tokens)"));
                    print!("{}", tokens.unwrap_or_default());
                    ended_by_agent = end.end_session == Some(true);
                }
                // `stream_start`, `tool_result`, and events the spec does not know yet.
                _ => {}
            }
            // Show each piece as it arrives, not when the line is complete.
            std::io::stdout().flush()?;
        }
        println!();
        if ended_by_agent {
            println!("the agent ended the conversation");
            return Ok(());
        }
    }
    chat.end().await?;
    Ok(())
}

/// A mock of the TalkifAI API with one text agent: it opens one chat session, streams the same
/// reply (start, three chunks, end with the token usage) to each message, and ends the session.
async fn start_mock() -> MockServer {
    let server = MockServer::start().await;
    let session = ChatSession::new(MOCK_CONVERSATION_ID, "st_mock_session_token")
        .agent_name("Mock Support Agent")
        .greeting("Hello! I'm a mock agent running on your machine.");
    server.create_chat_session().body(ChatSessionCreate::new(MOCK_AGENT_ID)).respond(session).times(1).mount();
    let reply = [
        SendChatMessageEvent::StreamStart(ChatStreamStart::new().agent_name("Mock Support Agent")),
        SendChatMessageEvent::Chunk(ChatChunk::new("Thanks for your message! ")),
        SendChatMessageEvent::Chunk(ChatChunk::new("This reply was streamed ")),
        SendChatMessageEvent::Chunk(ChatChunk::new("by the SDK's mock server.")),
        SendChatMessageEvent::StreamEnd(
            ChatStreamEnd::new().usage(ChatUsage::new().prompt_tokens(12).completion_tokens(14).total_tokens(26)),
        ),
    ];
    // Spaced out, so that the chunks arrive one by one as a real agent's would.
    server
        .send_chat_message()
        .conversation_id(MOCK_CONVERSATION_ID)
        .respond(reply)
        .event_delay(Duration::from_millis(60))
        .mount();
    server
        .end_chat_session()
        .conversation_id(MOCK_CONVERSATION_ID)
        .respond(SuccessMessage::new().success(true).message("Session ended"))
        .times(1)
        .mount();
    server
}
