//! Chat with a TalkifAI text agent in the terminal, printing each reply as it streams in.
//!
//! Run with
//! `TALKIFAI_API_KEY=tk_live_... TALKIFAI_AGENT_ID=agent_... cargo run --example talkifai_chat -p voice-agents`,
//! then type messages (an empty line or end of input ends the chat). `TALKIFAI_BASE_URL` points
//! the client elsewhere (a mock server, say).

use std::io::{BufRead, Write};

use futures_util::StreamExt;
use voice_agents::talkifai::{Client, SendChatMessageEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Client::builder().api_key(std::env::var("TALKIFAI_API_KEY")?);
    if let Ok(url) = std::env::var("TALKIFAI_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;

    // Creates the session with the API key; the handle holds the session token for the rest.
    let chat = client.start_chat(std::env::var("TALKIFAI_AGENT_ID")?).await?;
    println!("chatting with {} ({})", chat.agent_name().unwrap_or("the agent"), chat.conversation_id());
    if let Some(greeting) = chat.greeting() {
        println!("agent: {greeting}");
    }

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
