//! The IR's data types. A leaf module: the builder, the walkers and the emitters read and
//! write these, and nothing here depends on them.

use serde_json::Value;

/// One API, ready to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Servers in the order they are referenced; index 0 is the spec's default server.
    pub servers: Vec<Server>,
    /// Security schemes in spec order.
    pub security_schemes: Vec<SecurityScheme>,
    /// Secrets sent in several schemes (`x-credential`), each set by one builder setter.
    pub credentials: Vec<Credential>,
    /// Every named type, in discovery order (deterministic).
    pub types: Vec<TypeDef>,
    /// Every operation, in document order (path, then method).
    pub operations: Vec<Operation>,
    /// OpenAPI 3.1 `webhooks`: requests the API sends, in document order. Their payload types
    /// are among `types`; they are variants of [`Api::webhook_events`].
    pub webhooks: Vec<Webhook>,
    /// The webhook events the API sends (`x-webhooks` and 3.1 `webhooks`), with how a receiver
    /// tells them apart and verifies them; `None` when the API declares none.
    pub webhook_events: Option<WebhookEvents>,
    /// Pointers where the generator needs a helper from the vendor extensions.
    pub extensions: ApiExtensions,
    /// Every place typed as free-form JSON (`serde_json::Value` or a JSON object), and why, in
    /// the order found (`cargo xtask gen --report-untyped` lists them).
    pub untyped: Vec<Untyped>,
}

/// A schema typed as free-form JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untyped {
    /// Where the schema is: a JSON pointer into the spec.
    pub pointer: String,
    /// Why: the schema is free-form itself, or what the generator cannot type.
    pub reason: String,
}

/// Vendor extensions declared at the document root.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiExtensions {
    /// `x-error`: where the code and message live inside error bodies.
    pub error_code_pointer: Option<String>,
    /// `x-error.message`.
    pub error_message_pointer: Option<String>,
}

/// A server URL (variables substituted with their defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Absolute or relative URL.
    pub url: String,
    /// The spec's description of the server.
    pub description: String,
}

/// A security scheme and how its credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's name in `components.securitySchemes`.
    pub name: String,
    /// Setter name on the client builder (`private_key_auth`).
    pub setter: String,
    /// How the credential travels.
    pub kind: SecurityKind,
    /// The scheme's description.
    pub description: Option<String>,
}

/// One secret that several security schemes send (the same API key as a bearer token and in
/// an `X-API-Key` header), grouped by the schemes' `x-credential` extension so that one
/// builder setter configures them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The `x-credential` value the schemes share.
    pub name: String,
    /// Setter name on the client builder (`api_key`).
    pub setter: String,
    /// The schemes' names, in spec order.
    pub schemes: Vec<String>,
}

/// How a credential is attached to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityKind {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64(user:pass)>`.
    Basic,
    /// An API key in the named header.
    ApiKeyHeader(String),
    /// An API key in the named query parameter.
    ApiKeyQuery(String),
}

/// Documentation carried from the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    /// Summary or title (one line).
    pub summary: Option<String>,
    /// Longer description (markdown).
    pub description: Option<String>,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Rust type name, unique in the API.
    pub name: String,
    /// Where the schema is: a JSON pointer into the spec.
    pub origin: String,
    /// Which file the type is emitted into.
    pub owner: Owner,
    /// Docs from the schema.
    pub docs: Docs,
    /// The schema is marked `deprecated`.
    pub deprecated: bool,
    /// What the type is.
    pub kind: TypeKind,
    /// Where the type is used; decides tri-state fields and validation.
    pub usage: Usage,
}

/// Which part of the API a type belongs to (decides the file it lands in).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// A `components.schemas` entry (its own file) or a type nested inside it.
    Component(String),
    /// An inline schema of an operation in this group.
    Group(String),
}

/// Where a type is used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Reachable from a request (body or parameter).
    pub request: bool,
    /// Reachable from a response.
    pub response: bool,
}

/// The kinds of named types.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// An open string enum (unknown values decode into a fallback variant).
    Enum(Enum),
    /// `oneOf`/`anyOf` of several shapes.
    Union(Union),
    /// Another name for a shape (`type X = Vec<Y>`).
    Alias(Shape),
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// Properties in spec order.
    pub fields: Vec<Field>,
    /// Type of `additionalProperties` kept in a flattened map, if typed.
    pub additional: Option<Shape>,
    /// The body is an error body: code and message accessors.
    pub error_accessors: Option<ErrorAccessors>,
}

/// How to read the code and message of an error body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorAccessors {
    /// Rust path to the code (`code` or `error.code`), if any.
    pub code: Option<Vec<AccessStep>>,
    /// Rust path to the message, if any.
    pub message: Option<Vec<AccessStep>>,
}

/// One step of an accessor path through generated structs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessStep {
    /// Rust field name.
    pub field: String,
    /// The field is optional (an `Option`).
    pub optional: bool,
}

/// A property.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name on the wire, preserved exactly.
    pub wire: String,
    /// Rust field name (raw for keywords: `r#type`).
    pub name: String,
    /// Type and constraints.
    pub shape: Shape,
    /// In the schema's `required` list.
    pub required: bool,
    /// `nullable: true` (or `null` in its enum).
    pub nullable: bool,
    /// Docs from the property schema.
    pub docs: Docs,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// The spec's `default`, shown in docs.
    pub default: Option<Value>,
    /// `readOnly: true`: never sent.
    pub read_only: bool,
    /// Held in a `Box`: the field's type contains its owner directly (a recursive schema).
    pub boxed: bool,
    /// A secret (`format: password` or `x-sensitive: true`): redacted in `Debug`, never logged.
    pub sensitive: bool,
}

/// An open string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enum {
    /// Known values in spec order.
    pub variants: Vec<EnumVariant>,
    /// Name of the fallback variant holding unknown values (`Unknown`, unless a value took it).
    pub fallback: String,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumVariant {
    /// The value on the wire.
    pub wire: String,
    /// The Rust variant name.
    pub name: String,
}

/// A union of shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// The alternatives in spec order.
    pub variants: Vec<UnionVariant>,
    /// Property that tells the variants apart, when the spec declares a discriminator.
    pub discriminator: Option<String>,
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Rust variant name.
    pub name: String,
    /// What it holds.
    pub shape: Shape,
    /// Discriminator values that select it.
    pub tags: Vec<String>,
    /// Held in a `Box` (the union contains itself through this variant).
    pub boxed: bool,
    /// The alternative's own title and description, for a unit variant (which has no type to
    /// carry them); empty otherwise.
    pub docs: Docs,
}

/// A type reference plus the constraints the spec puts on values of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The type.
    pub ty: TypeRef,
    /// Validation rules.
    pub constraints: Constraints,
}

impl Shape {
    /// A shape without constraints.
    pub fn plain(ty: TypeRef) -> Self {
        Self { ty, constraints: Constraints::default() }
    }
}

/// A Rust type, as the IR describes it.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `String`.
    String,
    /// Integer of the given width (`i32`, `i64`, `u64`...).
    Integer(IntWidth),
    /// `f64` (`f32` for `format: float`).
    Number {
        /// `format: float`.
        single: bool,
    },
    /// `bool`.
    Boolean,
    /// A boolean pinned to one value (`enum: [true]`).
    BoolConst(bool),
    /// RFC 3339 date-time.
    DateTime,
    /// RFC 3339 full date.
    Date,
    /// UUID.
    Uuid,
    /// Any JSON value (schema without `type`).
    Json,
    /// A free-form JSON object.
    JsonObject,
    /// Raw bytes (a binary body of a success response that is read whole: one status of a
    /// per-status output).
    Bytes,
    /// Text (a `text/*` response body), a `String`.
    Text,
    /// Binary content to send (`format: binary`; 3.1's `contentMediaType` without a
    /// `contentEncoding`): the runtime's `Upload`, from bytes, a path or a stream.
    Upload,
    /// `Vec<T>`.
    Array(Box<Shape>),
    /// `BTreeMap<String, T>`.
    Map(Box<Shape>),
    /// `Option<T>`: a value that may be `null` where no field holds it (an array item, a map
    /// value, a union alternative). A nullable field is [`Field::nullable`] instead.
    Nullable(Box<Shape>),
    /// A named type of this API.
    Named(String),
    /// Nothing: a union alternative that is its tag alone (a unit variant,
    /// `DiskState::Creating` for `{"state": "creating"}`).
    Unit,
}

/// Integer widths from `format`: each wide enough for every value its format allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`.
    I32,
    /// `int64`, or no format (beyond `i64` the value does not decode).
    I64,
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32`.
    U32,
    /// `uint64`, or `uint` (what dropshot and schemars write for `usize`).
    U64,
}

impl IntWidth {
    /// The width an integer `format` names, if it names one (`unixtime` and other formats that
    /// say what a number means, not how wide it is, name none).
    pub fn from_format(format: &str) -> Option<Self> {
        Some(match format {
            "int8" => Self::I8,
            "int16" => Self::I16,
            "int32" => Self::I32,
            "int64" => Self::I64,
            "uint8" => Self::U8,
            "uint16" => Self::U16,
            "uint32" => Self::U32,
            "uint64" | "uint" => Self::U64,
            _ => return None,
        })
    }

    /// The Rust type (`u16`).
    pub fn rust_name(self) -> &'static str {
        match self {
            Self::I8 => "i8",
            Self::I16 => "i16",
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::U8 => "u8",
            Self::U16 => "u16",
            Self::U32 => "u32",
            Self::U64 => "u64",
        }
    }
}

/// Validation rules the spec states for a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `pattern` (checked to compile as a Rust regex).
    pub pattern: Option<String>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `minimum` and whether it is exclusive.
    pub minimum: Option<(f64, bool)>,
    /// `maximum` and whether it is exclusive.
    pub maximum: Option<(f64, bool)>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
    /// `format: uuid` on a string kept as `String`.
    pub format_uuid: bool,
}

impl Constraints {
    /// True when no rule is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One HTTP operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`, or a name derived from method and path.
    pub id: String,
    /// Client method name (`create_service`).
    pub method_name: String,
    /// Operation struct name (`CreateService`).
    pub type_name: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template relative to the server.
    pub path: String,
    /// Index into [`Api::servers`].
    pub server: usize,
    /// File group (tag or first path segment), snake case.
    pub group: String,
    /// Summary and description.
    pub docs: Docs,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Alternatives (OR) of scheme-name sets (AND).
    pub security: Vec<Vec<String>>,
    /// Parameters in spec order (path first as declared).
    pub params: Vec<Param>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// Documented responses.
    pub responses: Vec<Response>,
    /// What a successful call returns (the payload, when the response is enveloped).
    pub output: Output,
    /// The success body is an envelope (`x-envelope`): callers get one member of it.
    pub envelope: Option<Envelope>,
    /// The operation pages through a list (`x-pagination`).
    pub pagination: Option<Pagination>,
    /// False when `x-retry: false`: the runtime sends it once unless the caller asks for retries.
    pub retry: bool,
    /// Other names to find the operation by in rustdoc's search and IDEs (`x-doc-alias`): the
    /// vendor's own words for it (`create_agent` for `createService`).
    pub doc_aliases: Vec<String>,
    /// The `Accept` header: the media types of the responses the client reads, success first
    /// (error bodies' JSON after them with `q=0.9`); empty when no response declares a body.
    pub accept: String,
}

/// A webhook: a request the API sends to an endpoint of the client's (OpenAPI 3.1 `webhooks`).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The webhook's key in `webhooks`.
    pub name: String,
    /// HTTP method, upper case.
    pub method: String,
    /// The JSON payload's type, if the request has one.
    pub body: Option<Shape>,
    /// Summary and description of the operation.
    pub docs: Docs,
    /// Where the operation is: a JSON pointer into the spec.
    pub origin: String,
}

/// A success body that wraps the payload (`{success, data, pagination}`), per `x-envelope`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The envelope's generated type (the full wire body).
    pub type_name: String,
    /// Rust name of the member holding the payload.
    pub data_field: String,
    /// The payload member is optional (then the output is an `Option`).
    pub data_optional: bool,
    /// JSON pointer of the payload in the body.
    pub data_pointer: String,
    /// JSON pointer of a request id in the body, if the API puts one there.
    pub request_id_pointer: Option<String>,
}

/// Page-number pagination, per `x-pagination`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// Rust name of the page-number query parameter.
    pub page_param: String,
    /// The page parameter's integer type and default.
    pub page_default: Option<u64>,
    /// Rust name of the page-size query parameter, if any.
    pub size_param: Option<String>,
    /// The page size the server uses when none is sent.
    pub size_default: Option<u64>,
    /// How to get the items out of the output (Rust field steps; empty = the output itself).
    pub items_path: Vec<AccessStep>,
    /// Type of one item.
    pub item: Shape,
    /// JSON pointer of a "more pages" boolean in the body.
    pub has_next_pointer: Option<String>,
    /// JSON pointer of the total item count in the body.
    pub total_pointer: Option<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path segment; `catch_all` allows `/` inside (`x-path-catch-all`).
    Path {
        /// The value may span several segments.
        catch_all: bool,
    },
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire.
    pub wire: String,
    /// Rust name.
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Must be given.
    pub required: bool,
    /// Type and constraints.
    pub shape: Shape,
    /// Docs.
    pub docs: Docs,
    /// The spec's default (documented; the server applies it when the parameter is left out).
    pub default: Option<Value>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Arrays are sent as repeated parameters (`explode`), else comma-joined.
    pub explode: bool,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Body type.
    pub shape: Shape,
    /// `required: true`.
    pub required: bool,
    /// Docs of the request body.
    pub docs: Docs,
    /// How the body is written on the wire.
    pub encoding: BodyEncoding,
    /// The media type sent, as the spec declares it (`application/json`, `audio/*`, ...).
    pub media_type: String,
    /// Every media type the spec offers for the body, in spec order; the one sent is chosen by
    /// preference: JSON, form, multipart, binary, text.
    pub offered: Vec<String>,
}

/// How a request body is written.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyEncoding {
    /// JSON text of the body type.
    Json,
    /// `application/x-www-form-urlencoded` pairs of the body struct's members, with the spec's
    /// `encoding` of the properties that have one.
    Form(Vec<PropertyEncoding>),
    /// `multipart/form-data`: one part per property (files from its `Upload` fields), with the
    /// spec's `encoding` of the properties that have one. A body whose schema is not an object
    /// is a form the caller builds (`Multipart`).
    Multipart(Vec<PropertyEncoding>),
    /// The bytes of an `Upload` (`application/octet-stream`, `audio/*`, `*/*`, ...).
    Binary,
    /// A `String` (`text/plain` and other text types).
    Text,
}

/// One entry of a media type's `encoding` object: how one property of a form or multipart body
/// is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyEncoding {
    /// The property's name on the wire.
    pub property: String,
    /// `contentType`.
    pub content_type: Option<String>,
    /// `style` (form bodies).
    pub style: Option<String>,
    /// `explode` (form bodies).
    pub explode: Option<bool>,
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusSpec {
    /// One status code.
    Code(u16),
    /// `1XX`..`5XX` (the first digit).
    Range(u16),
    /// `default`.
    Default,
}

impl StatusSpec {
    /// True for 2xx codes and the `2XX` range.
    pub fn is_success(self) -> bool {
        match self {
            Self::Code(c) => (200..300).contains(&c),
            Self::Range(r) => r == 2,
            Self::Default => false,
        }
    }
}

/// A documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Status or range.
    pub status: StatusSpec,
    /// Body type, if the response has a body.
    pub body: Option<Shape>,
    /// The media type the body is read in, as the spec declares it (`application/json`,
    /// `text/event-stream`, `audio/*`); `None` without a body.
    pub media_type: Option<String>,
    /// The response's description.
    pub description: String,
    /// A success response: a 2xx, or `default` when the operation declares no 2xx.
    pub is_success: bool,
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// No body.
    Unit,
    /// One type for every success status.
    Single(Shape),
    /// Some success statuses have a body and others none: `Option<T>`.
    Optional(Shape),
    /// Different types per status: a generated enum.
    PerStatus {
        /// Enum name.
        name: String,
        /// `(status, variant name, body)`.
        variants: Vec<(u16, String, Option<Shape>)>,
    },
    /// A `text/event-stream` response described by `x-sse-events`: a stream of the events of a
    /// generated enum, one variant per declared event.
    EventStream(EventEnum),
    /// A `text/event-stream` response without `x-sse-events`: a stream of untyped events.
    RawEventStream,
    /// A binary body (audio, an archive, anything not JSON or text): a stream of chunks, never
    /// read whole unless the caller asks.
    Download,
}

/// The events a stream or a webhook endpoint receives, as one generated enum that keeps
/// events it does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEnum {
    /// Rust name of the enum (`SendChatMessageEvent`, `WebhookEvent`).
    pub name: String,
    /// Where the events are declared: a JSON pointer into the spec.
    pub origin: String,
    /// The declared events, in spec order.
    pub variants: Vec<EventVariant>,
}

/// One declared event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventVariant {
    /// The event's name on the wire: the SSE `event:` field, or the webhook's event type.
    pub wire: String,
    /// Rust variant name (`Unknown` is never one: it holds the events not declared).
    pub name: String,
    /// What the event's data decodes into.
    pub data: EventData,
    /// Docs of the event (its schema's, or the 3.1 webhook operation's).
    pub docs: Docs,
}

/// How an event's data is read.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    /// Verbatim text: the schema is a plain `type: string`.
    Text,
    /// JSON decoded into this shape.
    Json(Shape),
}

/// The webhook events of an API (`x-webhooks`, `x-webhook-event-type`, `x-webhook-signature`,
/// and OpenAPI 3.1 `webhooks`).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvents {
    /// The event enum; every variant's data is JSON (the whole body).
    pub events: EventEnum,
    /// `x-webhook-event-type`: JSON pointer of the body member naming the event type; without
    /// it a body does not say which event it is.
    pub type_pointer: Option<String>,
    /// `x-webhook-signature`: how deliveries are signed, if the spec says.
    pub signature: Option<WebhookSignature>,
}

/// How an API signs webhook deliveries (`x-webhook-signature`; the algorithm is HMAC-SHA256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSignature {
    /// The header carrying the signature.
    pub header: String,
    /// The MAC is base64, not hex.
    pub base64: bool,
    /// Text before the encoded MAC.
    pub prefix: Option<String>,
    /// The MAC covers `{timestamp}.{body}`, not the body alone.
    pub timestamp_dot_body: bool,
    /// The header carrying the delivery time (unix seconds).
    pub timestamp_header: Option<String>,
    /// The replay window in seconds, when the spec sets one.
    pub tolerance_secs: Option<u64>,
}
