//! The API's `Client`, its static description (servers, security schemes) and its
//! `ClientBuilder` with one typed credential setter per security scheme.

use super::docs;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// Emits `client.rs`.
pub fn client(api: &Api) -> TokenStream {
    let title = &api.title;
    let servers = api.servers.iter().map(|s| {
        let url = &s.url;
        let description = &s.description;
        quote!(rt::ServerInfo { url: #url, description: #description })
    });
    let schemes = api.security_schemes.iter().map(|s| {
        let name = &s.name;
        let kind = match &s.kind {
            SecurityKind::Bearer => quote!(rt::SecurityKind::Bearer),
            SecurityKind::Basic => quote!(rt::SecurityKind::Basic),
            SecurityKind::ApiKeyHeader(h) => quote!(rt::SecurityKind::ApiKeyHeader(#h)),
            SecurityKind::ApiKeyQuery(q) => quote!(rt::SecurityKind::ApiKeyQuery(#q)),
        };
        // Errors name the setter a caller would use: the shared one, for a shared secret.
        let setter = credential_of(api, &s.name).map_or(s.setter.as_str(), |c| c.setter.as_str());
        let setter = setter.trim_start_matches("r#");
        quote!(rt::SecuritySchemeInfo { name: #name, setter: #setter, kind: #kind })
    });
    let shared = api.credentials.iter().map(|c| {
        let setter = super::ctx::ident(&c.setter);
        let schemes = &c.schemes;
        let ways: Vec<String> = c
            .schemes
            .iter()
            .filter_map(|name| api.security_schemes.iter().find(|s| &s.name == name))
            .map(|s| format!("`{}` ({})", s.name, how_sent(&s.kind).to_lowercase()))
            .collect();
        let doc = docs::trusted_attrs(&format!(
            "Credential for {}: one secret, sent the way each operation asks for it.\n\nThe spec marks these schemes as the same secret (`x-credential: {}`); the per-scheme setters set one of them. Kept as a secret: it never appears in `Debug` output, errors or logs.",
            ways.join(" and "),
            docs::sanitize(&c.name)
        ));
        quote! {
            #doc
            pub fn #setter(self, secret: impl Into<String>) -> Self {
                let secret: String = secret.into();
                let mut builder = self.0;
                #( builder = builder.credential(#schemes, secret.clone()); )*
                Self(builder)
            }
        }
    });
    let setters = api.security_schemes.iter().map(|s| {
        let setter = super::ctx::ident(&s.setter);
        let name = &s.name;
        let how = how_sent(&s.kind);
        let extra = [format!("{how} on the operations that require this scheme. Kept as a secret: it never appears in `Debug` output, errors or logs.")];
        let shared: Vec<String> = credential_of(api, &s.name)
            .map(|c| {
                let setter = c.setter.trim_start_matches("r#");
                format!("The same secret as other schemes: [`{setter}`](Self::{setter}) sets them all.")
            })
            .into_iter()
            .collect();
        let doc = docs::attrs_with_links(
            &Docs { summary: Some(format!("Credential for the `{name}` security scheme.")), description: s.description.clone() },
            &extra,
            &shared,
        );
        quote! {
            #doc
            pub fn #setter(self, secret: impl Into<String>) -> Self { Self(self.0.credential(#name, secret)) }
        }
    });
    let named = docs::api_name(title);
    let client_doc = docs::trusted_attrs(&format!(
        "A client for the {named}.\n\nCreate one with [`Client::builder`]; it is cheap to clone and share across tasks. Every operation is a method returning its request builder: `.await` it for the payload, or call `.send_with_response()` for status, headers and request id as well.",
    ));
    quote! {
        //! The client, its builder, its servers and its credentials.

        /// What the runtime needs to know about this API: servers and security schemes.
        pub(crate) static API: rt::ApiInfo = rt::ApiInfo {
            name: #title,
            servers: &[ #( #servers ),* ],
            security_schemes: &[ #( #schemes ),* ],
            identity: rt::__api_identity!(),
        };

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            pub(crate) core: rt::Core,
        }

        impl rt::ApiClient for Client {
            const API: &'static rt::ApiInfo = &API;
            fn from_core(core: rt::Core) -> Self {
                Self { core }
            }
        }

        impl Client {
            /// Starts configuring a client: credentials, base URL, retries, timeouts, headers.
            pub fn builder() -> ClientBuilder {
                ClientBuilder(rt::ClientBuilder::new())
            }

            /// The shared HTTP machinery, including the raw escape hatch for undocumented endpoints.
            pub fn core(&self) -> &rt::Core {
                &self.core
            }
        }

        /// Configures a [`Client`]: credentials, base URL, retries, timeouts, headers.
        ///
        /// Each setting's default is one of the runtime's constants
        /// ([`DEFAULT_MAX_RETRIES`](voice_agents_runtime::DEFAULT_MAX_RETRIES),
        /// [`DEFAULT_TIMEOUT`](voice_agents_runtime::DEFAULT_TIMEOUT), ...), named on its setter;
        /// the user agent is this crate's name and version.
        #[derive(Debug)]
        #[must_use = "a builder does nothing until `build` is called"]
        // Crate-visible so that the `mock` module can hand out a builder pointed at its server.
        pub struct ClientBuilder(pub(crate) rt::ClientBuilder<Client>);

        impl ClientBuilder {
            #( #shared )*
            #( #setters )*
        }

        rt::__client_builder!(ClientBuilder, Client);
    }
}

/// How a scheme's credential travels, as the setter docs say it.
fn how_sent(kind: &SecurityKind) -> String {
    match kind {
        SecurityKind::Bearer => "Sent as `Authorization: Bearer <token>`".to_owned(),
        SecurityKind::Basic => "`user:password`, sent as `Authorization: Basic`".to_owned(),
        SecurityKind::ApiKeyHeader(h) => format!("Sent in the `{h}` header"),
        SecurityKind::ApiKeyQuery(q) => format!("Sent as the `{q}` query parameter"),
    }
}

/// The shared credential a scheme belongs to, if any.
fn credential_of<'a>(api: &'a Api, scheme: &str) -> Option<&'a Credential> {
    api.credentials.iter().find(|c| c.schemes.iter().any(|s| s == scheme))
}
