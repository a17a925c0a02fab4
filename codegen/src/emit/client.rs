//! The API's `Client`: its static description (servers, security schemes) and typed
//! credential setters on the runtime's `ClientBuilder`.

use super::docs;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Emits `client.rs`.
pub fn client(api: &Api) -> TokenStream {
    let title = &api.title;
    let servers = api.servers.iter().map(|s| {
        let url = &s.url;
        let description = &s.description;
        quote!(crate::runtime::ServerInfo { url: #url, description: #description })
    });
    let schemes = api.security_schemes.iter().map(|s| {
        let name = &s.name;
        let kind = match &s.kind {
            SecurityKind::Bearer => quote!(crate::runtime::SecurityKind::Bearer),
            SecurityKind::Basic => quote!(crate::runtime::SecurityKind::Basic),
            SecurityKind::ApiKeyHeader(h) => quote!(crate::runtime::SecurityKind::ApiKeyHeader(#h)),
            SecurityKind::ApiKeyQuery(q) => quote!(crate::runtime::SecurityKind::ApiKeyQuery(#q)),
        };
        quote!(crate::runtime::SecuritySchemeInfo { name: #name, kind: #kind })
    });
    let setters = api.security_schemes.iter().map(|s| {
        let setter = super::ident(&s.setter);
        let name = &s.name;
        let how = match &s.kind {
            SecurityKind::Bearer => "Sent as `Authorization: Bearer <token>`".to_owned(),
            SecurityKind::Basic => "`user:password`, sent as `Authorization: Basic`".to_owned(),
            SecurityKind::ApiKeyHeader(h) => format!("Sent in the `{h}` header"),
            SecurityKind::ApiKeyQuery(q) => format!("Sent as the `{q}` query parameter"),
        };
        let doc = docs::attrs(
            &Docs { summary: Some(format!("Credential for the `{name}` security scheme.")), description: s.description.clone() },
            &[format!("{how} on the operations that require this scheme. Kept as a secret: it never appears in `Debug` output, errors or logs.")],
        );
        quote! {
            #doc
            pub fn #setter(self, secret: impl Into<String>) -> Self { self.credential(#name, secret) }
        }
    });
    let client_doc = docs::trusted_attrs(&format!(
        "A client for the {} API.\n\nCreate one with [`Client::builder`]; it is cheap to clone and share across tasks. Every operation is a method returning a [`Call`](crate::runtime::Call): `.await` it for the payload, or call `.send_with_response()` for status, headers and request id as well.",
        docs::sanitize(title)
    ));
    let builder_ty = format_ident!("ClientBuilder");
    quote! {
        //! The client, its servers and its credentials.

        /// What the runtime needs to know about this API: servers and security schemes.
        pub static API: crate::runtime::ApiInfo = crate::runtime::ApiInfo {
            name: #title,
            servers: &[ #( #servers ),* ],
            security_schemes: &[ #( #schemes ),* ],
        };

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            pub(crate) core: crate::runtime::Core,
        }

        impl crate::runtime::ApiClient for Client {
            const API: &'static crate::runtime::ApiInfo = &API;
            fn from_core(core: crate::runtime::Core) -> Self {
                Self { core }
            }
        }

        impl Client {
            /// Starts configuring a client: credentials, base URL, retries, timeouts, headers.
            pub fn builder() -> crate::runtime::#builder_ty<Client> {
                crate::runtime::#builder_ty::new()
            }

            /// The shared HTTP machinery, including the raw escape hatch for undocumented endpoints.
            pub fn core(&self) -> &crate::runtime::Core {
                &self.core
            }
        }

        impl crate::runtime::#builder_ty<Client> {
            #( #setters )*
        }
    }
}
