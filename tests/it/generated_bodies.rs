//! Form and multipart bodies of real specs, sent by clients *generated* from them (the corpus
//! modules in `tests/fidelity/`: petstore's `updatePetWithForm` and `uploadFile`, OpenAI's
//! `createTranscription`), and read back on the server by parsers we did not write:
//! `form_urlencoded` (the `url` crate's) and `multer` (axum's). The runtime's own tests
//! (`runtime/tests/it/runtime_bodies.rs`) cover the encoders; these check that the generator
//! wires each spec's fields to them as the spec says.

use super::fidelity::tables::{openai_transcription as openai, petstore};
use voice_agents_runtime::__private::Upload;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// One part of a `multipart/form-data` body as `multer` parsed it.
#[derive(Debug)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

async fn multipart_parts(req: &Request) -> Vec<Part> {
    let content_type = req.headers.get("content-type").and_then(|v| v.to_str().ok()).expect("a content type");
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    let boundary = multer::parse_boundary(content_type).expect("a boundary");
    let body = req.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.expect("a well-formed form") {
        let name = field.name().expect("a named part").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.expect("the part's bytes").to_vec();
        parts.push(Part { name, file_name, content_type, data });
    }
    parts
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

fn text(parts: &[Part], name: &str) -> Vec<String> {
    parts.iter().filter(|p| p.name == name).map(|p| String::from_utf8(p.data.clone()).expect("utf-8")).collect()
}

#[tokio::test]
async fn petstore_update_pet_with_form_sends_its_fields_url_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/pet/42")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = petstore::Client::builder().petstore_auth("token").base_url(server.uri()).build().expect("client");

    let body = petstore::UpdatePetWithFormRequest::new().name("Rex & Co = 100%").status("sold");
    client.update_pet_with_form(42).body(body).await.expect("sent");

    let req = only_request(&server).await;
    let content_type = req.headers.get("content-type").and_then(|v| v.to_str().ok());
    assert_eq!(content_type, Some("application/x-www-form-urlencoded"));
    let fields: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
    assert_eq!(fields, [("name".to_owned(), "Rex & Co = 100%".to_owned()), ("status".to_owned(), "sold".to_owned())]);
}

#[tokio::test]
async fn petstore_update_pet_with_form_leaves_unset_fields_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/pet/7")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = petstore::Client::builder().petstore_auth("token").base_url(server.uri()).build().expect("client");

    client
        .update_pet_with_form(7)
        .body(petstore::UpdatePetWithFormRequest::new().status("pending"))
        .await
        .expect("sent");

    let req = only_request(&server).await;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
    assert_eq!(fields, [("status".to_owned(), "pending".to_owned())]);
}

#[tokio::test]
async fn petstore_upload_file_sends_the_file_and_its_metadata_as_parts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pet/42/uploadImage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"code": 200, "type": "ok", "message": "stored"})),
        )
        .mount(&server)
        .await;
    let client = petstore::Client::builder().petstore_auth("token").base_url(server.uri()).build().expect("client");
    // Bytes that are not UTF-8 and contain what looks like a boundary line.
    let image: Vec<u8> = [&[0x89, b'P', b'N', b'G', 0, 0xff][..], b"\r\n--boundary\r\n", &[0xfe; 300]].concat();

    let body = petstore::UploadFileRequest::new()
        .additional_metadata("front view")
        .file(Upload::from_bytes(image.clone()).file_name("rex.png").content_type("image/png"));
    let answer = client.upload_file(42).body(body).await.expect("sent");
    assert_eq!(answer.message.as_deref(), Some("stored"));

    let parts = multipart_parts(&only_request(&server).await).await;
    assert_eq!(parts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["additionalMetadata", "file"]);
    assert_eq!(text(&parts, "additionalMetadata"), ["front view"]);
    let file = &parts[1];
    assert_eq!(file.file_name.as_deref(), Some("rex.png"));
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    assert_eq!(file.data, image);
}

#[tokio::test]
async fn openai_create_transcription_streams_a_file_and_encodes_arrays_and_enums_as_the_spec_says() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/audio/transcriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"text": "hello there"})))
        .mount(&server)
        .await;
    let client = openai::Client::builder().api_key_auth("sk-test").base_url(server.uri()).build().expect("client");
    let dir = std::env::temp_dir().join(format!("va-transcription-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let audio_path = dir.join("speech.mp3");
    let audio: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&audio_path, &audio).expect("audio written");

    let model = openai::CreateTranscriptionRequestModelVariant2::Gpt4oTranscribe;
    let body = openai::CreateTranscriptionRequest::new(Upload::from_path(&audio_path), model)
        .language("en")
        .languages(vec!["en".to_owned(), "de".to_owned()])
        .temperature(0.25)
        .response_format(openai::AudioResponseFormat::Json)
        .include(vec![openai::TranscriptionInclude::Logprobs]);
    let answer = client.create_transcription(body).await.expect("sent");
    std::fs::remove_dir_all(&dir).ok();
    match answer {
        openai::CreateTranscriptionResponse::CreateTranscriptionResponseJson(json) => {
            assert_eq!(json.text, "hello there")
        }
        other => panic!("decoded as {other:?}"),
    }

    let req = only_request(&server).await;
    assert_eq!(req.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer sk-test"));
    let parts = multipart_parts(&req).await;
    let file = parts.iter().find(|p| p.name == "file").expect("a file part");
    assert_eq!(file.file_name.as_deref(), Some("speech.mp3"));
    assert_eq!(file.content_type.as_deref(), Some("audio/mpeg"), "guessed from the extension");
    assert_eq!(file.data, audio);
    assert_eq!(text(&parts, "model"), ["gpt-4o-transcribe"]);
    assert_eq!(text(&parts, "language"), ["en"]);
    // An array of strings is one part per item (OpenAPI's multipart default), not JSON text.
    assert_eq!(text(&parts, "languages"), ["en", "de"]);
    assert_eq!(text(&parts, "temperature"), ["0.25"]);
    assert_eq!(text(&parts, "response_format"), ["json"]);
    assert_eq!(text(&parts, "include"), ["logprobs"]);
    assert!(text(&parts, "prompt").is_empty(), "unset fields send no part");
}
