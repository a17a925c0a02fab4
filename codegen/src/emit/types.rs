//! Named types -> Rust items: structs, open enums, unions, aliases, plus their constructors,
//! setters, `Validate` and `ErrorBody` impls.

use super::ctx::{ident, Ctx};
use super::docs;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The Rust type for a type reference.
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Integer(width) => {
            let id = format_ident!("{}", width.rust_name());
            quote!(#id)
        }
        TypeRef::Number { single: true } => quote!(f32),
        TypeRef::Number { single: false } => quote!(f64),
        TypeRef::Boolean | TypeRef::BoolConst(false) => quote!(bool),
        TypeRef::BoolConst(true) => quote!(rt::True),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        TypeRef::Date => quote!(chrono::NaiveDate),
        TypeRef::Uuid => quote!(uuid::Uuid),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::JsonObject => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Bytes => quote!(bytes::Bytes),
        TypeRef::Text => quote!(String),
        TypeRef::Upload => quote!(rt::Upload),
        TypeRef::Array(s) => {
            let inner = rust_type(&s.ty);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(s) => {
            let inner = rust_type(&s.ty);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Nullable(s) => {
            let inner = rust_type(&s.ty);
            quote!(Option<#inner>)
        }
        TypeRef::Named(n) => {
            let id = format_ident!("{}", n);
            quote!(#id)
        }
        TypeRef::Unit => quote!(()),
    }
}

/// The Rust type, in a `Box` when the IR says the type is recursive through this edge.
fn boxed_type(ty: &TypeRef, boxed: bool) -> TokenStream {
    let inner = rust_type(ty);
    if boxed {
        quote!(Box<#inner>)
    } else {
        inner
    }
}

/// How a field is held in its struct.
pub(crate) enum Holder {
    Plain,
    Option,
    Nullable,
}

pub(crate) fn holder(f: &Field, usage: Usage) -> Holder {
    match (f.required, f.nullable) {
        (true, false) => Holder::Plain,
        (false, true) if usage.request => Holder::Nullable,
        _ => Holder::Option,
    }
}

/// Emits one named type.
pub fn type_def(ctx: &Ctx<'_>, def: &TypeDef) -> TokenStream {
    let mut extra = Vec::new();
    if def.deprecated {
        extra.push("**Deprecated** in the spec.".to_owned());
    }
    let doc = type_docs(ctx, def, &extra);
    let name = format_ident!("{}", def.name);
    let deprecated = def.deprecated.then(|| quote!(#[deprecated]));
    match &def.kind {
        TypeKind::Struct(s) => struct_def(ctx, def, s, quote!(#doc #deprecated)),
        TypeKind::Enum(e) => enum_def(def, e, quote!(#doc #deprecated)),
        TypeKind::Union(u) => union_def(ctx, def, u, quote!(#doc #deprecated)),
        TypeKind::Alias(shape) => {
            // An alias has no impls of its own: checks on it are emitted where it is used.
            let ty = rust_type(&shape.ty);
            quote! { #doc #deprecated pub type #name = #ty; }
        }
    }
}

fn field_type(f: &Field, usage: Usage) -> TokenStream {
    let inner = boxed_type(&f.shape.ty, f.boxed);
    match holder(f, usage) {
        Holder::Plain => inner,
        Holder::Option => quote!(Option<#inner>),
        Holder::Nullable => quote!(rt::Nullable<#inner>),
    }
}

/// The docs, or a generated line when the spec has none (every public item is documented).
pub fn with_fallback(d: &Docs, fallback: impl FnOnce() -> String) -> Docs {
    if d.summary.as_deref().unwrap_or("").trim().is_empty() && d.description.as_deref().unwrap_or("").trim().is_empty()
    {
        Docs { summary: Some(fallback()), description: None }
    } else {
        d.clone()
    }
}

/// A type's docs: the spec's, else where the type is used (`usage.rs`), else none at all (then
/// `missing_docs` is allowed on it: a placeholder would say less than the type's name).
fn type_docs(ctx: &Ctx<'_>, def: &TypeDef, extra: &[String]) -> TokenStream {
    if has_docs(&def.docs) {
        return docs::attrs(&def.docs, extra);
    }
    let own: Vec<String> = super::usage::type_doc(ctx, &def.name).into_iter().collect();
    if own.is_empty() && extra.is_empty() {
        return quote!(#[allow(missing_docs)]);
    }
    docs::attrs_with_links(&Docs::default(), extra, &own)
}

fn has_docs(d: &Docs) -> bool {
    !d.summary.as_deref().unwrap_or("").trim().is_empty() || !d.description.as_deref().unwrap_or("").trim().is_empty()
}

fn field_doc(ctx: &Ctx<'_>, f: &Field) -> TokenStream {
    let mut extra = Vec::new();
    if let Some(d) = &f.default {
        extra.push(format!("Server default: `{d}`."));
    }
    if f.nullable {
        extra.push("May be `null`.".to_owned());
    }
    if f.deprecated {
        extra.push("**Deprecated** in the spec.".to_owned());
    }
    if f.sensitive {
        extra.push("A secret: shown as `[REDACTED]` in `Debug` and never logged.".to_owned());
    }
    if has_docs(&f.docs) {
        return docs::attrs(&f.docs, &extra);
    }
    // Without docs of its own, a field says what its type is, or nothing (no "The `x` property.").
    let own: Vec<String> = super::usage::field_doc(ctx, f).into_iter().collect();
    if own.is_empty() && extra.is_empty() {
        return quote!(#[allow(missing_docs)]);
    }
    let extra = docs::sanitize(&extra.join("\n\n"));
    docs::trusted_attrs(&own.into_iter().chain((!extra.is_empty()).then_some(extra)).collect::<Vec<_>>().join("\n\n"))
}

fn struct_def(ctx: &Ctx<'_>, def: &TypeDef, s: &Struct, doc: TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let fields = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let ty = field_type(f, def.usage);
        let fdoc = field_doc(ctx, f);
        let wire = &f.wire;
        let rename = (f.name.trim_start_matches("r#") != f.wire).then(|| quote!(rename = #wire,));
        let serde = match holder(f, def.usage) {
            Holder::Plain if matches!(f.shape.ty, TypeRef::BoolConst(true)) => {
                rename.as_ref().map(|r| quote!(#[serde(#r)])).unwrap_or_default()
            }
            Holder::Plain => rename.as_ref().map(|r| quote!(#[serde(#r)])).unwrap_or_default(),
            Holder::Option if f.required => quote!(#[serde(#rename default)]),
            Holder::Option => quote!(#[serde(#rename default, skip_serializing_if = "Option::is_none")]),
            Holder::Nullable => quote!(#[serde(#rename default, skip_serializing_if = "rt::Nullable::is_absent")]),
        };
        let deprecated = f.deprecated.then(|| {
            let note = "deprecated in the API spec";
            quote!(#[deprecated(note = #note)])
        });
        quote! { #fdoc #serde #deprecated pub #fname: #ty, }
    });
    let additional = s.additional.as_ref().map(|a| {
        let ty = rust_type(&a.ty);
        quote! {
            /// Properties beyond the declared ones (`additionalProperties`).
            #[serde(flatten)]
            pub additional_properties: std::collections::BTreeMap<String, #ty>,
        }
    });
    let derive_default = derives_default(s);
    let default = derive_default.then(|| quote!(Default,));
    // Secret fields are redacted in `Debug`, so such structs get a hand-rolled impl.
    let has_secret = s.fields.iter().any(|f| f.sensitive);
    let debug_derive = (!has_secret).then(|| quote!(Debug,));
    let debug_impl = has_secret.then(|| redacting_debug(def, s));
    // Response types get one too: tests build what a mock (or a stub of their own) answers.
    let constructor = constructor(ctx, def, s);
    let validate = def.usage.request.then(|| struct_validate(ctx, def, s));
    let error_body = s.error_accessors.as_ref().map(|acc| error_body_impl(def, acc));
    quote! {
        #doc
        #[derive(#debug_derive Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #( #fields )*
            #additional
        }
        #debug_impl
        #constructor
        #validate
        #error_body
    }
}

/// How many required arguments of one Rust type make positional arguments error-prone: with
/// three `String`s, `new(name, prompt, model)` compiles with any two of them swapped.
const SWAPPABLE_ARGUMENTS: usize = 3;

fn constructor(ctx: &Ctx<'_>, def: &TypeDef, s: &Struct) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let mut required: Vec<Required<'_>> = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.name);
        let inner = rust_type(&f.shape.ty);
        let wrap = |v: TokenStream| if f.boxed { quote!(Box::new(#v)) } else { v };
        // The field carries the spec's docs; the setter links to them instead of repeating them.
        let field_link = format!("Sets [`{}`](Self::{}).", f.wire.replace('`', "'"), f.name.trim_start_matches("r#"));
        let deprecated = f.deprecated.then(|| quote!(#[deprecated(note = "deprecated in the API spec")]));
        let (param, value) = setter_argument(&f.shape.ty);
        match holder(f, def.usage) {
            Holder::Plain if matches!(f.shape.ty, TypeRef::BoolConst(true)) => {
                inits.push(Some(quote!(#fname: rt::True)))
            }
            // A required single-value enum (a union's tag, a `kind: [widget]`) has one possible value.
            Holder::Plain if ctx.single_value(&f.shape.ty).is_some() => {
                let only = ctx.single_value(&f.shape.ty).unwrap_or_default();
                inits.push(Some(quote!(#fname: #inner::from(#only))));
            }
            Holder::Plain => {
                inits.push(None);
                required.push(Required { field: f, ty: quote!(#inner), converts: true });
            }
            // Required but nullable: the caller says `None` or `Some(..)` explicitly.
            Holder::Option if f.required => {
                inits.push(None);
                required.push(Required { field: f, ty: quote!(Option<#inner>), converts: false });
            }
            Holder::Option => {
                inits.push(Some(quote!(#fname: None)));
                let doc = docs::trusted_attrs(&field_link);
                let value = wrap(value);
                setters.push(quote! {
                    #doc #deprecated
                    pub fn #fname(mut self, #param) -> Self { self.#fname = Some(#value); self }
                });
            }
            Holder::Nullable => {
                inits.push(Some(quote!(#fname: rt::Nullable::Absent)));
                let doc = docs::trusted_attrs(&field_link);
                let null_name = format_ident!("null_{}", f.name.trim_start_matches("r#"));
                let null_doc = docs::lines_to_attrs(&format!(
                    "Sends `{}: null`, clearing it; leaving it unset sends nothing.",
                    f.wire
                ));
                let value = wrap(value);
                setters.push(quote! {
                    #doc #deprecated
                    pub fn #fname(mut self, #param) -> Self { self.#fname = rt::Nullable::Value(#value); self }
                    #null_doc #deprecated
                    pub fn #null_name(mut self) -> Self { self.#fname = rt::Nullable::Null; self }
                });
            }
        }
    }
    if s.additional.is_some() {
        inits.push(Some(quote!(additional_properties: std::collections::BTreeMap::new())));
    }
    let by_name = swappable(&required).map(|same| (same, required_fields_name(ctx, def)));
    let (new_fn, required_struct) = match &by_name {
        None => {
            let mut params = Vec::new();
            let mut values = Vec::new();
            for r in &required {
                let (fname, ty) = (ident(&r.field.name), &r.ty);
                values.push(match (r.converts, r.field.boxed) {
                    (true, true) => quote!(#fname: Box::new(#fname.into())),
                    (true, false) => quote!(#fname: #fname.into()),
                    (false, true) => quote!(#fname: Box::new(#fname)),
                    (false, false) => quote!(#fname),
                });
                params.push(if r.converts { quote!(#fname: impl Into<#ty>) } else { quote!(#fname: #ty) });
            }
            let inits = in_field_order(&inits, values);
            // Required fields are the constructor's arguments, however many the schema has.
            let allow = (params.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
            let new_doc = if !s.fields.iter().any(|f| f.required) {
                "Creates a value with every field unset: the schema requires none."
            } else if params.is_empty() {
                "Creates a value; its required fields have one possible value each, set here. Optional fields start unset."
            } else {
                "Creates a value with the required fields set; optional fields start unset."
            };
            let new_doc = docs::lines_to_attrs(new_doc);
            (quote! { #new_doc #allow pub fn new(#( #params ),*) -> Self { Self { #( #inits ),* } } }, None)
        }
        Some((same, req_name)) => {
            let req = format_ident!("{req_name}");
            let fields = required.iter().map(|Required { field: f, ty, .. }| {
                let fname = ident(&f.name);
                let doc = field_doc(ctx, f);
                quote!(#doc pub #fname: #ty,)
            });
            let moves = required.iter().map(|Required { field: f, .. }| {
                let fname = ident(&f.name);
                if f.boxed {
                    quote!(#fname: Box::new(required.#fname))
                } else {
                    quote!(#fname: required.#fname)
                }
            });
            let inits = in_field_order(&inits, moves.collect());
            let struct_doc = docs::trusted_attrs(&format!(
                "The required fields of [`{0}`], by name: [`{0}::new`] takes them this way because {same} of them \
                 have the same type, and positional arguments of one type can be swapped without a compile error.",
                def.name,
            ));
            let new_doc = docs::trusted_attrs(&format!(
                "Creates a value from its required fields (named, see [`{req_name}`]); optional fields start unset."
            ));
            // Secrets stay out of `Debug`, as in the struct itself.
            let secret = required.iter().any(|r| r.field.sensitive);
            let debug_derive = (!secret).then(|| quote!(Debug,));
            let debug_impl = secret.then(|| {
                quote! {
                    impl std::fmt::Debug for #req {
                        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.debug_struct(#req_name).finish_non_exhaustive()
                        }
                    }
                }
            });
            (
                quote! {
                    #new_doc
                    pub fn new(required: #req) -> Self {
                        Self { #( #inits ),* }
                    }
                },
                Some(quote! {
                    #struct_doc
                    #[derive(#debug_derive Clone, PartialEq)]
                    pub struct #req { #( #fields )* }
                    #debug_impl

                    impl From<#req> for #name {
                        fn from(required: #req) -> Self { Self::new(required) }
                    }
                }),
            )
        }
    };
    // No arguments but not derivable (a single-value field): `Default` is `new()`.
    let default_impl = (required.is_empty() && !derives_default(s)).then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self { Self::new() }
            }
        }
    });
    quote! {
        impl #name {
            #new_fn
            #( #setters )*
        }
        #default_impl
        #required_struct
    }
}

/// The field initialisers of a constructor in field order: `inits` has `None` where a required
/// field goes, filled from `required` in turn.
fn in_field_order(inits: &[Option<TokenStream>], required: Vec<TokenStream>) -> Vec<TokenStream> {
    let mut required = required.into_iter();
    inits.iter().map(|init| init.clone().or_else(|| required.next()).unwrap_or_default()).collect()
}

/// The parameter of a setter for a field of type `ty`, and the value it stores: a map takes any
/// iterator of pairs whose key and value convert (an array of tuples, a `HashMap`, an iterator
/// chain), anything else `impl Into` its type.
fn setter_argument(ty: &TypeRef) -> (TokenStream, TokenStream) {
    let collect = quote!(value.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
    match ty {
        TypeRef::Map(inner) => {
            let v = rust_type(&inner.ty);
            (quote!(value: impl IntoIterator<Item = (impl Into<String>, impl Into<#v>)>), collect)
        }
        TypeRef::JsonObject => {
            (quote!(value: impl IntoIterator<Item = (impl Into<String>, impl Into<serde_json::Value>)>), collect)
        }
        _ => {
            let inner = rust_type(ty);
            (quote!(value: impl Into<#inner>), quote!(value.into()))
        }
    }
}

/// A required field of a request struct, as its constructor takes it.
struct Required<'a> {
    field: &'a Field,
    /// The type the constructor takes (`Option<T>` for a required nullable field).
    ty: TokenStream,
    /// Taken as `impl Into<ty>` (not for `Option<T>`, where `None` would not infer).
    converts: bool,
}

/// The largest number of required arguments of one Rust type, when it reaches
/// [`SWAPPABLE_ARGUMENTS`].
fn swappable(required: &[Required<'_>]) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for Required { ty, .. } in required {
        *counts.entry(ty.to_string()).or_default() += 1;
    }
    counts.into_values().max().filter(|&n| n >= SWAPPABLE_ARGUMENTS)
}

/// `<Type>Required`, or `<Type>RequiredFields` when the API has a type of that name.
fn required_fields_name(ctx: &Ctx<'_>, def: &TypeDef) -> String {
    let name = format!("{}Required", def.name);
    if ctx.type_named(&name).is_some() {
        format!("{name}Fields")
    } else {
        name
    }
}

fn redacting_debug(def: &TypeDef, s: &Struct) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let label = &def.name;
    let fields = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let label = f.name.trim_start_matches("r#");
        if f.sensitive {
            quote!(.field(#label, &"[REDACTED]"))
        } else {
            quote!(.field(#label, &self.#fname))
        }
    });
    let additional =
        s.additional.as_ref().map(|_| quote!(.field("additional_properties", &self.additional_properties)));
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#label) #( #fields )* #additional .finish()
            }
        }
    }
}

/// `#[derive(Default)]` works when every required field is the `True` marker.
fn derives_default(s: &Struct) -> bool {
    s.fields.iter().all(|f| !f.required || matches!(f.shape.ty, TypeRef::BoolConst(true)))
}

/// Code that checks `value` (an expression of the shape's Rust type, by reference) at `path`.
pub fn check_value(ctx: &Ctx<'_>, value: TokenStream, shape: &Shape, path: TokenStream) -> TokenStream {
    let c = &shape.constraints;
    let mut checks = Vec::new();

    let v = quote!(rt::validate);
    if let Some(n) = c.min_length {
        checks.push(quote!(#v::min_length(#path, #value, #n)?;));
    }
    if let Some(n) = c.max_length {
        checks.push(quote!(#v::max_length(#path, #value, #n)?;));
    }
    if let Some(p) = &c.pattern {
        checks.push(quote!(#v::pattern(#path, #value, #p)?;));
    }
    if c.format_uuid {
        checks.push(quote! {
            if uuid::Uuid::parse_str(#value).is_err() {
                return Err(rt::ValidationError::new(#path, "format uuid"));
            }
        });
    }
    let number = match &shape.ty {
        TypeRef::Number { single: false } => quote!(*#value),
        TypeRef::Number { single: true } => quote!(f64::from(*#value)),
        // Integer bounds in specs fit f64 exactly up to 2^53; beyond that the check is approximate.
        _ => quote!(*#value as f64),
    };
    if let Some((m, ex)) = c.minimum {
        checks.push(quote!(#v::minimum(#path, #number, #m, #ex)?;));
    }
    if let Some((m, ex)) = c.maximum {
        checks.push(quote!(#v::maximum(#path, #number, #m, #ex)?;));
    }
    if let Some(n) = c.min_items {
        checks.push(quote!(#v::min_items(#path, #value.len(), #n)?;));
    }
    if let Some(n) = c.max_items {
        checks.push(quote!(#v::max_items(#path, #value.len(), #n)?;));
    }
    if let Some(n) = c.min_properties {
        checks.push(quote!(#v::min_properties(#path, #value.len(), #n)?;));
    }
    if let Some(n) = c.max_properties {
        checks.push(quote!(#v::max_properties(#path, #value.len(), #n)?;));
    }
    match &shape.ty {
        TypeRef::Named(n) => {
            if let Some(aliased) = ctx.alias_of(n) {
                checks.push(check_value(ctx, value, aliased, path));
            } else if ctx.validates(n) {
                checks.push(quote!(rt::validate::Validate::validate(#value, #path)?;));
            }
        }
        TypeRef::Array(item) if ctx.needs_check(item) => {
            let inner = check_value(ctx, quote!(item), item, quote!(&format!("{base}[{index}]")));
            checks.push(quote! { let base: &str = #path; for (index, item) in #value.iter().enumerate() { #inner } });
        }
        TypeRef::Map(item) if ctx.needs_check(item) => {
            let inner = check_value(ctx, quote!(item), item, quote!(&format!("{base}.{key}")));
            checks.push(quote! { let base: &str = #path; for (key, item) in #value.iter() { #inner } });
        }
        TypeRef::Nullable(inner) if ctx.needs_check(inner) => {
            let check = check_value(ctx, quote!(value), inner, path);
            checks.push(quote! { if let Some(value) = #value { #check } });
        }
        _ => {}
    }
    quote!( #( #checks )* )
}

fn struct_validate(ctx: &Ctx<'_>, def: &TypeDef, s: &Struct) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let checks: Vec<TokenStream> = s
        .fields
        .iter()
        .filter(|f| ctx.needs_check(&f.shape))
        .map(|f| {
            let fname = ident(&f.name);
            let wire = &f.wire;
            let path = quote!(&format!("{}.{}", path, #wire));
            match holder(f, def.usage) {
                Holder::Plain => {
                    let inner = check_value(ctx, quote!(value), &f.shape, path);
                    quote!( { let value = &self.#fname; #inner } )
                }
                Holder::Option => {
                    let inner = check_value(ctx, quote!(value), &f.shape, path);
                    quote!( if let Some(value) = &self.#fname { #inner } )
                }
                Holder::Nullable => {
                    let inner = check_value(ctx, quote!(value), &f.shape, path);
                    quote!( if let rt::Nullable::Value(value) = &self.#fname { #inner } )
                }
            }
        })
        .collect();
    let additional = s.additional.as_ref().filter(|a| ctx.needs_check(a)).map(|a| {
        let inner = check_value(ctx, quote!(item), a, quote!(&format!("{}.{}", path, key)));
        quote!( for (key, item) in &self.additional_properties { #inner } )
    });
    let path_param = if checks.is_empty() && additional.is_none() { quote!(_path) } else { quote!(path) };
    quote! {
        impl rt::validate::Validate for #name {
            fn validate(&self, #path_param: &str) -> Result<(), rt::ValidationError> {
                #( #checks )*
                #additional
                Ok(())
            }
        }
    }
}

fn error_body_impl(def: &TypeDef, acc: &ErrorAccessors) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let accessor = |steps: &Option<Vec<AccessStep>>, fn_name: &str| {
        let fn_ident = format_ident!("{}", fn_name);
        let Some(steps) = steps else { return quote!() };
        let mut expr = quote!(self);
        for (i, step) in steps.iter().enumerate() {
            let f = ident(&step.field);
            let last = i + 1 == steps.len();
            expr = match (step.optional, last) {
                (true, false) => quote!(#expr.#f.as_ref()?),
                (false, false) => quote!(#expr.#f),
                (true, true) => quote!(#expr.#f.as_deref()),
                (false, true) => quote!(Some(#expr.#f.as_str())),
            };
        }
        quote!( fn #fn_ident(&self) -> Option<&str> { #expr } )
    };
    let code = accessor(&acc.code, "code");
    let message = accessor(&acc.message, "message");
    quote! {
        impl rt::ErrorBody for #name {
            #code
            #message
        }
    }
}

fn enum_def(def: &TypeDef, e: &Enum, doc: TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let fallback = format_ident!("{}", e.fallback);
    let variants = e.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let vdoc = docs::lines_to_attrs(&format!("`{}`", v.wire.replace('`', "'")));
        quote!(#vdoc #vname,)
    });
    let pairs = e.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let wire = &v.wire;
        quote!(#vname = #wire)
    });
    // The impls (`as_str`, `From<&str>`, `From<String>`, `FromStr`, `Display`, serde) are the
    // same for every open enum: written once, in the runtime's macro (the orphan rule rules out
    // a blanket impl), so each enum costs its definition and one line per value.
    quote! {
        #doc
        ///
        /// Open enum: a value this SDK does not know yet decodes into the fallback variant and
        /// encodes back unchanged.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #variants )*
            /// A value not listed in the spec, kept as received.
            #fallback(String),
        }
        rt::__open_enum!(#name, #fallback { #( #pairs ),* });
    }
}

fn union_def(ctx: &Ctx<'_>, def: &TypeDef, u: &Union, doc: TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let open = def.usage.response;
    let variants = u.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        if v.shape.ty == TypeRef::Unit {
            let tag = v.tags.first().map(String::as_str).unwrap_or_default();
            let prop = u.discriminator.as_deref().unwrap_or_default();
            let vdoc = docs::attrs(&v.docs, &[format!("`{{\"{prop}\": \"{tag}\"}}`")]);
            return quote!(#vdoc #vname,);
        }
        let ty = boxed_type(&v.shape.ty, v.boxed);
        let vdoc = docs::lines_to_attrs(&match &v.shape.ty {
            TypeRef::Named(n) => format!("A `{n}`."),
            _ => "One of the alternatives.".to_owned(),
        });
        quote!(#vdoc #vname(#ty),)
    });
    let unknown = open.then(|| {
        quote! {
            /// A value that matches none of the known alternatives, kept as received.
            Unknown(serde_json::Value),
        }
    });
    // `From` only where it is unambiguous: a named, non-alias type held by one variant alone.
    let unique = |v: &UnionVariant| u.variants.iter().filter(|w| w.shape.ty == v.shape.ty).count() == 1;
    let froms = u
        .variants
        .iter()
        .filter(|v| !v.boxed && matches!(&v.shape.ty, TypeRef::Named(n) if ctx.alias_of(n).is_none()) && unique(v))
        .map(|v| {
            let vname = format_ident!("{}", v.name);
            let ty = rust_type(&v.shape.ty);
            quote! { impl From<#ty> for #name { fn from(value: #ty) -> Self { Self::#vname(value) } } }
        });
    let validate = def.usage.request.then(|| {
        let arms = u.variants.iter().map(|v| {
            let vname = format_ident!("{}", v.name);
            if v.shape.ty == TypeRef::Unit {
                return quote!(Self::#vname => {});
            }
            let check = check_value(ctx, quote!(value), &v.shape, quote!(path));
            quote!(Self::#vname(value) => { #check })
        });
        let unknown_arm = open.then(|| quote!(Self::Unknown(_) => {}));
        quote! {
            impl rt::validate::Validate for #name {
                #[allow(unused_variables)]
                fn validate(&self, path: &str) -> Result<(), rt::ValidationError> {
                    match self { #( #arms )* #unknown_arm }
                    Ok(())
                }
            }
        }
    });
    let serde_impls = match &u.discriminator {
        None => untagged_deserialize(def, u, open),
        Some(prop) => tagged_serde(def, u, prop, open),
    };
    let derive = if u.discriminator.is_some() {
        quote!(#[derive(Debug, Clone, PartialEq)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq, serde::Serialize)] #[serde(untagged)])
    };
    let kind_doc = match &u.discriminator {
        Some(p) => format!("Chosen by the `{p}` property."),
        None => "Untagged: decoded as the alternative that keeps the most of the JSON (the first of those on a tie)."
            .to_owned(),
    };
    let kind_doc = docs::lines_to_attrs(&kind_doc);
    quote! {
        #doc
        ///
        #kind_doc
        #derive
        #[non_exhaustive]
        pub enum #name {
            #( #variants )*
            #unknown
        }
        #( #froms )*
        #validate
        #serde_impls
    }
}

/// `Deserialize` of an untagged union: every alternative is tried, the one that keeps the most
/// of the payload wins (`rt::best_alternative`), not the first that accepts it.
fn untagged_deserialize(def: &TypeDef, u: &Union, open: bool) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let alternatives = u.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        if v.boxed {
            quote!(|v| serde::Deserialize::deserialize(v).ok().map(|x| Self::#vname(Box::new(x))))
        } else {
            quote!(|v| serde::Deserialize::deserialize(v).ok().map(Self::#vname))
        }
    });
    let none = if open {
        quote!({
            rt::note_fallback();
            Ok(Self::Unknown(value))
        })
    } else {
        let msg = format!("data did not match any variant of untagged enum {}", def.name);
        quote!(Err(serde::de::Error::custom(#msg)))
    };
    quote! {
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let alternatives: &[rt::Alternative<Self>] = &[ #( #alternatives ),* ];
                match rt::best_alternative(&value, alternatives) {
                    Some(decoded) => Ok(decoded),
                    None => #none,
                }
            }
        }
    }
}

fn tagged_serde(def: &TypeDef, u: &Union, prop: &str, open: bool) -> TokenStream {
    let name = format_ident!("{}", def.name);
    // Specs give several alternatives the same tag (OpenAI's system, user and assistant
    // messages all pin `type: message`): those are told apart as an untagged union is.
    let mut groups: Vec<(Vec<&str>, Vec<&UnionVariant>)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for tag in u.variants.iter().flat_map(|v| v.tags.iter().map(String::as_str)) {
        if seen.contains(&tag) {
            continue;
        }
        seen.push(tag);
        let holders: Vec<&UnionVariant> = u.variants.iter().filter(|v| v.tags.iter().any(|t| t == tag)).collect();
        match groups.iter_mut().find(|(_, vs)| *vs == holders) {
            Some((tags, _)) => tags.push(tag),
            None => groups.push((vec![tag], holders)),
        }
    }
    let arms = groups.iter().map(|(tags, holders)| match holders.as_slice() {
        [v] if v.shape.ty == TypeRef::Unit => {
            let vname = format_ident!("{}", v.name);
            quote!(#( Some(#tags) )|* => Ok(Self::#vname),)
        }
        [v] => {
            let vname = format_ident!("{}", v.name);
            quote! {
                #( Some(#tags) )|* => serde_json::from_value(value).map(Self::#vname).map_err(serde::de::Error::custom),
            }
        }
        several => {
            let alternatives = several.iter().map(|v| {
                let vname = format_ident!("{}", v.name);
                if v.shape.ty == TypeRef::Unit {
                    quote!(|_| Some(Self::#vname))
                } else {
                    quote!(|v| serde::Deserialize::deserialize(v).ok().map(Self::#vname))
                }
            });
            let msg = format!("no alternative tagged `{}` matches", tags.join("`, `"));
            quote! {
                #( Some(#tags) )|* => {
                    let alternatives: &[rt::Alternative<Self>] = &[ #( #alternatives ),* ];
                    rt::best_alternative(&value, alternatives).ok_or_else(|| serde::de::Error::custom(#msg))
                }
            }
        }
    });
    let (fallback, fallback_missing) = if open {
        let unknown = quote!({
            rt::note_fallback();
            Ok(Self::Unknown(value))
        });
        (quote!(_ => #unknown), unknown)
    } else {
        let msg = format!("unknown or missing `{prop}`");
        (quote!(_ => Err(serde::de::Error::custom(#msg)),), quote!(Err(serde::de::Error::custom(#msg))))
    };
    // A payload without the tag (an alternative that does not require it) is read as an
    // untagged union is.
    let untagged = u.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        if v.shape.ty == TypeRef::Unit {
            quote!(|_| None)
        } else {
            quote!(|v| serde::Deserialize::deserialize(v).ok().map(Self::#vname))
        }
    });
    let missing = quote! {
        None => {
            let alternatives: &[rt::Alternative<Self>] = &[ #( #untagged ),* ];
            if let Some(decoded) = rt::best_alternative(&value, alternatives) {
                return Ok(decoded);
            }
            #fallback_missing
        }
    };
    // The variant's own type decides the tag, so a value can never go out under another one;
    // of the variant's several tags (`web_search_preview` and a dated alias, a pinned value and
    // the schema name), the one the value holds stays.
    let ser_arms = u.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let tags = &v.tags;
        match tags.first() {
            Some(tag) if v.shape.ty == TypeRef::Unit => quote! {
                Self::#vname => rt::serialize_tag(#prop, #tag, serializer),
            },
            Some(tag) if tags.len() == 1 => quote! {
                Self::#vname(value) => rt::serialize_tagged(value, #prop, #tag, serializer),
            },
            Some(_) => quote! {
                Self::#vname(value) => rt::serialize_tagged_as(value, #prop, &[ #( #tags ),* ], serializer),
            },
            None => quote!(Self::#vname(value) => value.serialize(serializer),),
        }
    });
    let ser_unknown = open.then(|| quote!(Self::Unknown(value) => value.serialize(serializer),));
    quote! {
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self { #( #ser_arms )* #ser_unknown }
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#prop).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #( #arms )*
                    #missing
                    #fallback
                }
            }
        }
    }
}
