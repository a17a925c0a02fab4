//! Schemas -> shapes and named types, as methods of [`TypeSpace`] (which owns the types).
//! Inline objects, enums and unions get synthesized names from where they sit
//! (`CreateServiceRequest` + `autoScaling` -> `CreateServiceRequestAutoScaling`).

use super::model::*;
use super::space::TypeSpace;
use crate::naming::{self, Scope};
use crate::pointer;
use crate::resolve::RefError;
use openapiv3::{
    AdditionalProperties, AnySchema, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

/// Where an inline schema sits: the name it gets if it needs one, its file and its pointer.
#[derive(Debug, Clone)]
pub(crate) struct Hint {
    /// The type name the schema gets if it needs a named type.
    pub name: String,
    /// The file the type lands in.
    pub owner: Owner,
    /// Where the schema is.
    pub pointer: String,
}

impl Hint {
    /// The hint of a schema nested at `pointer_tokens` below this one.
    pub fn child(&self, name_suffix: &str, pointer_tokens: &[&str]) -> Hint {
        let mut pointer = self.pointer.clone();
        for t in pointer_tokens {
            pointer = pointer::append(&pointer, t);
        }
        Hint { name: format!("{}{}", self.name, naming::type_name(name_suffix)), owner: self.owner.clone(), pointer }
    }
}

/// A shape plus what the schema says about null and docs, for fields and parameters.
#[derive(Debug, Clone)]
pub(crate) struct Described {
    pub shape: Shape,
    pub nullable: bool,
    pub docs: Docs,
    pub deprecated: bool,
    pub default: Option<serde_json::Value>,
    pub read_only: bool,
    pub sensitive: bool,
}

/// An object's properties, as openapiv3 keeps them.
type Properties = indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>;

/// The property that tells a union's alternatives apart without a `discriminator`, and the
/// value of it each alternative pins, in order.
struct ImplicitTag {
    property: String,
    values: Vec<String>,
}

/// How many `allOf` parts one merge may visit (real specs use a handful).
const ALL_OF_BUDGET: usize = 10_000;

/// The state of one `allOf` merge.
#[derive(Default)]
struct AllOfMerge {
    properties: indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: Vec<String>,
    /// Pointers of the referenced parts being merged (a part met again is a cycle).
    stack: Vec<String>,
    /// Pointers of every referenced part merged.
    merged: Vec<String>,
    budget: usize,
}

impl<'a> TypeSpace<'a> {
    /// The type a schema reference names: the component's Rust name.
    pub(crate) fn resolve_schema_ref(&mut self, reference: &str, at: &str) -> TypeRef {
        let resolver = self.resolver();
        match resolver.component_name::<Schema>(reference) {
            Ok(name) => match self.component_type(&name) {
                // A reference into a `$ref` cycle has no type (the cycle is reported by validate).
                Some(rust) if resolver.follow(reference).is_ok() => TypeRef::Named(rust.to_owned()),
                _ => TypeRef::Json,
            },
            // Dangling, external and cyclic references are reported once, by the validate
            // stage; here only a reference that resolves to something other than a schema is new.
            Err(RefError::NotA(_)) => {
                self.error(at, &format!("$ref `{reference}` does not point to a schema in components.schemas"));
                TypeRef::Json
            }
            Err(_) => TypeRef::Json,
        }
    }

    /// The schema a reference ends at, through any chain of aliases.
    pub(crate) fn lookup_schema(&self, reference: &str) -> Option<&'a Schema> {
        self.resolver().component::<Schema>(reference).ok().map(|r| r.item)
    }

    /// Converts a (possibly referenced) schema.
    pub(crate) fn describe(&mut self, schema: &ReferenceOr<Schema>, hint: &Hint) -> Described {
        match schema {
            ReferenceOr::Reference { reference } => Described {
                shape: Shape::plain(self.resolve_schema_ref(reference, &hint.pointer)),
                // A reference to a nullable schema (or one with `null` among its values) is nullable.
                nullable: self.lookup_schema(reference).is_some_and(schema_admits_null),
                docs: Docs::default(),
                deprecated: false,
                default: None,
                read_only: false,
                sensitive: false,
            },
            ReferenceOr::Item(schema) => self.describe_item(schema, hint),
        }
    }

    /// Same as [`Self::describe`] for boxed schemas (properties, items).
    pub(crate) fn describe_boxed(&mut self, schema: &ReferenceOr<Box<Schema>>, hint: &Hint) -> Described {
        match schema {
            ReferenceOr::Reference { reference } => {
                self.describe(&ReferenceOr::Reference { reference: reference.clone() }, hint)
            }
            ReferenceOr::Item(schema) => self.describe_item(schema, hint),
        }
    }

    fn describe_item(&mut self, schema: &Schema, hint: &Hint) -> Described {
        let data = &schema.schema_data;
        let docs = Docs { summary: data.title.clone(), description: data.description.clone() };
        let (shape, null_in_enum) = self.shape_of(schema, hint);
        Described {
            shape,
            nullable: data.nullable || null_in_enum,
            docs,
            deprecated: data.deprecated,
            default: data.default.clone(),
            read_only: data.read_only,
            sensitive: is_sensitive(schema),
        }
    }

    /// A component schema: becomes the named type `name` itself.
    pub(crate) fn define_component(&mut self, name: &str, schema: &Schema, pointer: &str) {
        let hint =
            Hint { name: name.to_owned(), owner: Owner::Component(name.to_owned()), pointer: pointer.to_owned() };
        let docs =
            Docs { summary: schema.schema_data.title.clone(), description: schema.schema_data.description.clone() };
        let slot = self.push_type(TypeDef {
            name: name.to_owned(),
            origin: pointer.to_owned(),
            owner: hint.owner.clone(),
            docs,
            deprecated: schema.schema_data.deprecated,
            kind: TypeKind::Alias(Shape::plain(TypeRef::Json)),
            usage: Usage::default(),
        });
        self.enter(pointer);
        let kind = match self.kind_of(schema, &hint) {
            Some(kind) => kind,
            // Primitives, arrays, maps and wrappers: an alias of their shape.
            None => TypeKind::Alias(self.component_alias_shape(schema, &hint)),
        };
        self.leave();
        self.set_kind(slot, kind);
    }

    fn component_alias_shape(&mut self, schema: &Schema, hint: &Hint) -> Shape {
        match single_alternative(schema) {
            Some(inner) => self.describe(inner, hint).shape,
            None => self.anonymous_shape(schema, hint),
        }
    }

    /// If the schema needs a named type (object with properties, enum, union), its kind.
    fn kind_of(&mut self, schema: &Schema, hint: &Hint) -> Option<TypeKind> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.iter().all(Option::is_none) => {
                Some(TypeKind::Enum(self.enum_of(s.enumeration.iter().flatten().cloned().collect())))
            }
            SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Some(TypeKind::Struct(self.struct_of(
                &o.properties,
                &o.required,
                o.additional_properties.as_ref(),
                hint,
            ))),
            SchemaKind::OneOf { one_of } if one_of.len() > 1 => Some(self.union_of(one_of, schema, hint, "oneOf")),
            SchemaKind::AnyOf { any_of } if any_of.len() > 1 => Some(self.union_of(any_of, schema, hint, "anyOf")),
            SchemaKind::AllOf { all_of } if meaningful_parts(all_of).len() > 1 => self.all_of_kind(all_of, hint),
            SchemaKind::Any(any) => self.kind_of_any(any, schema, hint),
            _ => None,
        }
    }

    fn kind_of_any(&mut self, any: &AnySchema, schema: &Schema, hint: &Hint) -> Option<TypeKind> {
        if !any.properties.is_empty() {
            return Some(TypeKind::Struct(self.struct_of(
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
                hint,
            )));
        }
        if any.one_of.len() > 1 {
            return Some(self.union_of(&any.one_of, schema, hint, "oneOf"));
        }
        if any.any_of.len() > 1 {
            return Some(self.union_of(&any.any_of, schema, hint, "anyOf"));
        }
        if meaningful_parts(&any.all_of).len() > 1 {
            return self.all_of_kind(&any.all_of, hint);
        }
        let strings: Vec<String> = any.enumeration.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        if !strings.is_empty() && strings.len() == any.enumeration.iter().filter(|v| !v.is_null()).count() {
            return Some(TypeKind::Enum(self.enum_of(strings)));
        }
        None
    }

    /// The shape of a schema; the bool is true when `null` is one of its enum values.
    fn shape_of(&mut self, schema: &Schema, hint: &Hint) -> (Shape, bool) {
        let null_in_enum = null_among_values(schema);
        if let Some(inner) = single_alternative(schema) {
            let d = self.describe(inner, hint);
            return (d.shape, null_in_enum || d.nullable || parts_nullable(schema));
        }
        if needs_named_type(schema) {
            // Claim the name and the slot first, so a type comes before the types nested in it.
            let name = self.claim_type_name(&hint.name);
            let slot = self.push_type(TypeDef {
                name: name.clone(),
                origin: hint.pointer.clone(),
                owner: hint.owner.clone(),
                docs: Docs {
                    summary: schema.schema_data.title.clone(),
                    description: schema.schema_data.description.clone(),
                },
                deprecated: schema.schema_data.deprecated,
                kind: TypeKind::Alias(Shape::plain(TypeRef::Json)),
                usage: Usage::default(),
            });
            let kind = match self.kind_of(schema, hint) {
                Some(kind) => kind,
                None => TypeKind::Alias(self.anonymous_shape(schema, hint)),
            };
            self.set_kind(slot, kind);
            return (Shape::plain(TypeRef::Named(name)), null_in_enum);
        }
        (self.anonymous_shape(schema, hint), null_in_enum)
    }

    /// Shapes that need no named type: primitives, arrays, maps, free-form JSON.
    fn anonymous_shape(&mut self, schema: &Schema, hint: &Hint) -> Shape {
        let mut c = Constraints::default();
        let ty = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                c.pattern = s.pattern.clone().filter(|p| self.check_pattern(p, &hint.pointer));
                c.min_length = s.min_length.map(|v| v as u64);
                c.max_length = s.max_length.map(|v| v as u64);
                match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
                    // File content (a multipart file part, or a binary body): sent from bytes,
                    // a path or a stream, never held as a string.
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::Upload,
                    VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => TypeRef::Uuid,
                    _ => TypeRef::String,
                }
            }
            SchemaKind::Type(Type::Integer(i)) => {
                c.minimum = i.minimum.map(|m| (m as f64, i.exclusive_minimum));
                c.maximum = i.maximum.map(|m| (m as f64, i.exclusive_maximum));
                let format = match &i.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => "int32",
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int64) => "int64",
                    VariantOrUnknownOrEmpty::Unknown(f) => f.as_str(),
                    VariantOrUnknownOrEmpty::Empty => "",
                };
                TypeRef::Integer(IntWidth::from_format(format).unwrap_or(IntWidth::I64))
            }
            SchemaKind::Type(Type::Number(n)) => {
                c.minimum = n.minimum.map(|m| (m, n.exclusive_minimum));
                c.maximum = n.maximum.map(|m| (m, n.exclusive_maximum));
                TypeRef::Number {
                    single: matches!(n.format, VariantOrUnknownOrEmpty::Item(openapiv3::NumberFormat::Float)),
                }
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                let values: Vec<bool> = b.enumeration.iter().flatten().copied().collect();
                match values.as_slice() {
                    [only] => TypeRef::BoolConst(*only),
                    _ => TypeRef::Boolean,
                }
            }
            SchemaKind::Type(Type::Array(a)) => {
                c.min_items = a.min_items.map(|v| v as u64);
                c.max_items = a.max_items.map(|v| v as u64);
                let item = match &a.items {
                    Some(items) => held(self.describe_boxed(items, &hint.child("Item", &["items"]))),
                    None => {
                        self.untyped(&hint.pointer, "array without `items`: its items are any JSON value");
                        Shape::plain(TypeRef::Json)
                    }
                };
                TypeRef::Array(Box::new(item))
            }
            SchemaKind::Type(Type::Object(o)) => {
                c.min_properties = o.min_properties.map(|v| v as u64);
                c.max_properties = o.max_properties.map(|v| v as u64);
                self.map_or_object(o.additional_properties.as_ref(), hint)
            }
            SchemaKind::Any(any) => {
                if let Some(items) = &any.items {
                    TypeRef::Array(Box::new(held(self.describe_boxed(items, &hint.child("Item", &["items"])))))
                } else if any.additional_properties.is_some() || any.typ.as_deref() == Some("object") {
                    c.max_properties = any.max_properties.map(|v| v as u64);
                    self.map_or_object(any.additional_properties.as_ref(), hint)
                } else {
                    self.untyped(&hint.pointer, "no `type`: any JSON value (free-form in the spec)");
                    TypeRef::Json
                }
            }
            SchemaKind::AllOf { all_of } => {
                let reason = self.all_of_failure(all_of);
                self.warn(
                    &hint.pointer,
                    &format!("allOf whose parts cannot be merged into one object ({reason}): typed as free-form JSON"),
                );
                TypeRef::Json
            }
            SchemaKind::Not { .. } => {
                self.warn(&hint.pointer, "`not` cannot be expressed in Rust types: typed as free-form JSON");
                TypeRef::Json
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                self.untyped(&hint.pointer, "oneOf/anyOf without alternatives: any JSON value");
                TypeRef::Json
            }
        };
        Shape { ty, constraints: c }
    }

    fn map_or_object(&mut self, additional: Option<&AdditionalProperties>, hint: &Hint) -> TypeRef {
        match additional {
            Some(AdditionalProperties::Schema(s)) => {
                let value = self.describe(s, &hint.child("Value", &["additionalProperties"]));
                TypeRef::Map(Box::new(held(value)))
            }
            _ => {
                self.untyped(
                    &hint.pointer,
                    "object without `properties`: a free-form JSON object (free-form in the spec)",
                );
                TypeRef::JsonObject
            }
        }
    }

    fn struct_of(
        &mut self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        hint: &Hint,
    ) -> Struct {
        let mut scope = Scope::new();
        let mut fields = Vec::new();
        for (wire, schema) in properties {
            let child = hint.child(wire, &["properties", wire]);
            let d = self.describe_boxed(schema, &child);
            let name = scope.claim_ident(naming::snake_name(wire)).rust();
            fields.push(Field {
                wire: wire.clone(),
                name,
                shape: d.shape,
                required: required.contains(wire),
                nullable: d.nullable,
                docs: d.docs,
                deprecated: d.deprecated,
                default: d.default,
                read_only: d.read_only,
                boxed: false,
                sensitive: d.sensitive,
            });
        }
        for r in required {
            if !properties.contains_key(r) && !fields.iter().any(|f: &Field| &f.wire == r) {
                let at = format!("{}/required", hint.pointer);
                self.warn(
                    &at,
                    &format!("required property `{r}` is not declared in `properties`: typed as any JSON value"),
                );
                self.untyped(&at, &format!("required property `{r}` is not declared in `properties`: any JSON value"));
                // Required, so every valid payload has it: kept, or its output would be invalid.
                let name = scope.claim_ident(naming::snake_name(r)).rust();
                fields.push(Field {
                    wire: r.clone(),
                    name,
                    shape: Shape::plain(TypeRef::Json),
                    required: true,
                    nullable: false,
                    docs: Docs::default(),
                    deprecated: false,
                    default: None,
                    read_only: false,
                    boxed: false,
                    sensitive: false,
                });
            }
        }
        let additional = match additional {
            Some(AdditionalProperties::Schema(s)) => {
                Some(held(self.describe(s, &hint.child("Value", &["additionalProperties"]))))
            }
            // Explicitly open objects keep what they do not declare (error details, for one).
            Some(AdditionalProperties::Any(true)) => Some(Shape::plain(TypeRef::Json)),
            _ => None,
        };
        Struct { fields, additional, error_accessors: None }
    }

    /// The type of an `allOf`: its parts merged into one struct, or, when one part is a union,
    /// a union whose every alternative is merged with the other parts (see
    /// [`Self::distribute_all_of`]); `None` when neither works (then it is free-form JSON).
    fn all_of_kind(&mut self, parts: &[ReferenceOr<Schema>], hint: &Hint) -> Option<TypeKind> {
        let parts: Vec<ReferenceOr<Schema>> = meaningful_parts(parts).into_iter().cloned().collect();
        if let Some(merged) = self.merge_all_of(&parts, hint) {
            return Some(TypeKind::Struct(merged));
        }
        self.distribute_all_of(&parts, hint)
    }

    /// `allOf: [{oneOf: [A, B]}, {properties: {id}}]` is `oneOf: [allOf: [A, {id}], allOf: [B,
    /// {id}]]`: each alternative merged with the shared members (typify's way), named after the
    /// alternative (`RunToolCode`); the union keeps its discriminator, or the tag its
    /// alternatives pin. An alternative that cannot be an object while a shared part says
    /// `type: object` allows no value and is left out. One union part only.
    fn distribute_all_of(&mut self, parts: &[ReferenceOr<Schema>], hint: &Hint) -> Option<TypeKind> {
        let unions: Vec<usize> = (0..parts.len()).filter(|&i| self.union_alternatives(&parts[i]).is_some()).collect();
        let [at] = unions.as_slice() else { return None };
        let (union_schema, alternatives) = self.union_alternatives(&parts[*at])?;
        let (union_schema, alternatives) = (union_schema.clone(), alternatives.to_vec());
        let rest: Vec<ReferenceOr<Schema>> =
            parts.iter().enumerate().filter(|(i, _)| i != at).map(|(_, p)| p.clone()).collect();
        let mut shared = AllOfMerge { budget: ALL_OF_BUDGET, ..AllOfMerge::default() };
        self.collect_all_of(&rest, &mut shared, 0)?;
        let rest_is_object = rest.iter().any(|p| self.says_object(p));
        if !self.enter_distribution() {
            return None;
        }
        let discriminator = union_schema.schema_data.discriminator.as_ref();
        let implicit = if discriminator.is_none() { self.implicit_tag(&alternatives) } else { None };
        let mut scope = Scope::with_reserved(&["Unknown"]);
        let mut variants = Vec::new();
        for (i, alt) in alternatives.iter().enumerate() {
            let base = match alt {
                ReferenceOr::Reference { reference } => pointer::last_token(reference).map(|n| naming::type_name(&n)),
                ReferenceOr::Item(s) => s.schema_data.title.as_deref().map(naming::type_name),
            }
            .unwrap_or_else(|| format!("Variant{}", i + 1));
            let child = Hint {
                name: format!("{}{base}", hint.name),
                owner: hint.owner.clone(),
                pointer: pointer::append(&hint.pointer, &format!("allOf/{at}")),
            };
            let mut probe = AllOfMerge { budget: ALL_OF_BUDGET, ..AllOfMerge::default() };
            let object = self.collect_all_of(std::slice::from_ref(alt), &mut probe, 0).is_some();
            let shape = if object || self.union_alternatives(alt).is_some() {
                let mut all_of = vec![alt.clone()];
                all_of.extend(rest.iter().cloned());
                let merged = Schema { schema_data: Default::default(), schema_kind: SchemaKind::AllOf { all_of } };
                self.shape_of(&merged, &child).0
            } else if rest_is_object {
                continue;
            } else {
                held(self.describe(alt, &child))
            };
            let tags = match (&implicit, discriminator) {
                (Some(tag), _) => vec![tag.values[i].clone()],
                (None, Some(disc)) => self.discriminator_tags(alt, disc),
                (None, None) => Vec::new(),
            };
            variants.push(UnionVariant { name: scope.claim(&base), shape, tags, boxed: false, docs: Docs::default() });
        }
        self.leave_distribution();
        let discriminator = discriminator.map(|d| d.property_name.clone()).or(implicit.map(|t| t.property));
        (!variants.is_empty()).then_some(TypeKind::Union(Union { variants, discriminator }))
    }

    /// The union schema a part is (through a reference) and its alternatives, if it is one.
    fn union_alternatives<'s>(
        &'s self,
        part: &'s ReferenceOr<Schema>,
    ) -> Option<(&'s Schema, &'s [ReferenceOr<Schema>])> {
        let schema = match part {
            ReferenceOr::Reference { reference } => self.lookup_schema(reference)?,
            ReferenceOr::Item(s) => s,
        };
        match &schema.schema_kind {
            SchemaKind::OneOf { one_of: v } | SchemaKind::AnyOf { any_of: v } if v.len() > 1 => Some((schema, v)),
            SchemaKind::Any(a) if a.properties.is_empty() && a.one_of.len() > 1 => Some((schema, &a.one_of)),
            SchemaKind::Any(a) if a.properties.is_empty() && a.any_of.len() > 1 => Some((schema, &a.any_of)),
            _ => None,
        }
    }

    /// The part says `type: object` (through a reference).
    fn says_object(&self, part: &ReferenceOr<Schema>) -> bool {
        let schema = match part {
            ReferenceOr::Reference { reference } => self.lookup_schema(reference),
            ReferenceOr::Item(s) => Some(s),
        };
        schema.is_some_and(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Object(_)) => true,
            SchemaKind::Any(a) => a.typ.as_deref() == Some("object"),
            _ => false,
        })
    }

    /// Why an `allOf` neither merges nor distributes, for the warning.
    fn all_of_failure(&self, parts: &[ReferenceOr<Schema>]) -> String {
        let parts: Vec<&ReferenceOr<Schema>> = meaningful_parts(parts);
        let unions = parts.iter().filter(|p| self.union_alternatives(p).is_some()).count();
        if unions > 1 {
            return format!("{unions} of its parts are unions");
        }
        let not_object = parts.iter().position(|p| {
            let mut probe = AllOfMerge { budget: ALL_OF_BUDGET, ..AllOfMerge::default() };
            self.union_alternatives(p).is_none()
                && self.collect_all_of(std::slice::from_ref(*p), &mut probe, 0).is_none()
        });
        match not_object {
            Some(i) => format!("part {i} is not an object"),
            None => "a part contains the allOf itself".to_owned(),
        }
    }

    fn merge_all_of(&mut self, parts: &[ReferenceOr<Schema>], hint: &Hint) -> Option<Struct> {
        let mut merge = AllOfMerge { budget: ALL_OF_BUDGET, ..AllOfMerge::default() };
        self.collect_all_of(parts, &mut merge, 0)?;
        // Merging copies the parts' properties inline. A part whose properties are being
        // converted already (this allOf sits inside it) would be copied into itself forever.
        if merge.merged.iter().any(|p| self.is_expanding(p)) {
            return None;
        }
        for p in &merge.merged {
            self.enter(p);
        }
        let merged = self.struct_of(&merge.properties, &merge.required, None, hint);
        for _ in &merge.merged {
            self.leave();
        }
        Some(merged)
    }

    /// Gathers the properties of every object part of an `allOf`, through references and nested
    /// `allOf`s; `None` when a part is not an object (then the parts cannot be merged).
    fn collect_all_of(&self, parts: &[ReferenceOr<Schema>], merge: &mut AllOfMerge, depth: usize) -> Option<()> {
        if depth > 32 {
            return None;
        }
        for part in parts {
            // Each part costs one unit: parts shared at every level (`A: allOf [B, B]`,
            // `B: allOf [C, C]`, ...) would otherwise be merged an exponential number of times.
            merge.budget = merge.budget.checked_sub(1)?;
            match part {
                ReferenceOr::Reference { reference } => {
                    let target = self.resolver().component::<Schema>(reference).ok()?;
                    // A part that contains itself (through allOf) cannot be merged.
                    if merge.stack.contains(&target.pointer) {
                        return None;
                    }
                    merge.merged.push(target.pointer.clone());
                    merge.stack.push(target.pointer);
                    let merged = self.collect_all_of_part(target.item, merge, depth);
                    merge.stack.pop();
                    merged?;
                }
                ReferenceOr::Item(s) => self.collect_all_of_part(s, merge, depth)?,
            }
        }
        Some(())
    }

    fn collect_all_of_part(&self, schema: &Schema, merge: &mut AllOfMerge, depth: usize) -> Option<()> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                merge.properties.extend(o.properties.clone());
                merge.required.extend(o.required.clone());
            }
            SchemaKind::AllOf { all_of } => self.collect_all_of(all_of, merge, depth + 1)?,
            SchemaKind::Any(a) => {
                merge.properties.extend(a.properties.clone());
                merge.required.extend(a.required.clone());
                if !a.all_of.is_empty() {
                    self.collect_all_of(&a.all_of, merge, depth + 1)?;
                }
            }
            _ => return None,
        }
        Some(())
    }

    fn union_of(
        &mut self,
        alternatives: &[ReferenceOr<Schema>],
        schema: &Schema,
        hint: &Hint,
        keyword: &str,
    ) -> TypeKind {
        let discriminator = schema.schema_data.discriminator.as_ref();
        let implicit = if discriminator.is_none() { self.implicit_tag(alternatives) } else { None };
        let mut scope = Scope::with_reserved(&["Unknown"]);
        let mut variants = Vec::new();
        for (i, alt) in alternatives.iter().enumerate() {
            let index = i.to_string();
            let pointer = format!("{}/{keyword}/{index}", hint.pointer);
            if let Some(tag) = &implicit {
                variants.push(self.implicitly_tagged_variant(alt, tag, i, &pointer, hint, &mut scope));
                continue;
            }
            let child = Hint { name: format!("{}Variant{}", hint.name, i + 1), owner: hint.owner.clone(), pointer };
            let d = self.describe(alt, &child);
            let base = match (&d.shape.ty, alt) {
                (TypeRef::Named(n), ReferenceOr::Reference { .. }) => n.clone(),
                (_, ReferenceOr::Item(s)) if s.schema_data.title.is_some() => {
                    naming::type_name(s.schema_data.title.as_deref().unwrap_or_default())
                }
                (ty, _) => variant_name_for(ty, i),
            };
            let tags = discriminator.map(|disc| self.discriminator_tags(alt, disc)).unwrap_or_default();
            variants.push(UnionVariant {
                name: scope.claim(&base),
                shape: held(d),
                tags,
                boxed: false,
                docs: Docs::default(),
            });
        }
        let discriminator = discriminator.map(|d| d.property_name.clone()).or(implicit.map(|t| t.property));
        TypeKind::Union(Union { variants, discriminator })
    }

    /// The tag property of a union without a `discriminator` whose alternatives are all objects
    /// with one required property pinned to a different single string (`{"state": "creating"}`,
    /// `{"state": "attached", "instance": ...}`): what serde's internally tagged enums, and so
    /// schemars and dropshot, produce. Without it the union would be untagged, and since enums
    /// are open, the first alternative would accept every value.
    fn implicit_tag(&self, alternatives: &[ReferenceOr<Schema>]) -> Option<ImplicitTag> {
        if alternatives.len() < 2 {
            return None;
        }
        let objects: Vec<_> = alternatives.iter().map(|alt| self.object_parts(alt)).collect::<Option<_>>()?;
        let (first_properties, first_required) = objects[0];
        first_properties.keys().filter(|p| first_required.contains(p)).find_map(|property| {
            let values: Vec<String> = objects
                .iter()
                .map(|(properties, required)| {
                    required.contains(property).then(|| self.pinned_string(properties.get(property)?)).flatten()
                })
                .collect::<Option<_>>()?;
            let distinct: std::collections::BTreeSet<&String> = values.iter().collect();
            (distinct.len() == values.len()).then(|| ImplicitTag { property: property.clone(), values })
        })
    }

    /// Properties and required names of an object schema, through a reference.
    fn object_parts<'s>(&'s self, schema: &'s ReferenceOr<Schema>) -> Option<(&'s Properties, &'s [String])> {
        let schema = match schema {
            ReferenceOr::Reference { reference } => self.lookup_schema(reference)?,
            ReferenceOr::Item(s) => s,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some((&o.properties, &o.required)),
            SchemaKind::Any(a) if !a.properties.is_empty() && a.one_of.is_empty() && a.any_of.is_empty() => {
                Some((&a.properties, &a.required))
            }
            _ => None,
        }
    }

    /// The values of a discriminator that select an alternative: its mapping keys; without one,
    /// the value the alternative pins the property to (what specs written that way mean, and
    /// what payloads carry) and the schema name (the OpenAPI rule). The first is written.
    fn discriminator_tags(&self, alt: &ReferenceOr<Schema>, disc: &openapiv3::Discriminator) -> Vec<String> {
        let mut tags = Vec::new();
        if let ReferenceOr::Reference { reference } = alt {
            tags.extend(disc.mapping.iter().filter(|(_, t)| *t == reference).map(|(tag, _)| tag.clone()));
        }
        if tags.is_empty() {
            tags.extend(self.pinned_values(alt, &disc.property_name, 0));
        }
        if let ReferenceOr::Reference { reference } = alt {
            if disc.mapping.values().all(|t| t != reference) {
                tags.extend(pointer::last_token(reference).filter(|n| !tags.contains(n)));
            }
        }
        tags
    }

    /// The values an alternative pins `property` to (a string enum: usually one value, sometimes
    /// a few, as OpenAI's `web_search_preview` and its dated alias), through references and the
    /// parts of an `allOf`.
    fn pinned_values(&self, alt: &ReferenceOr<Schema>, property: &str, depth: usize) -> Vec<String> {
        let schema = match alt {
            ReferenceOr::Reference { reference } => self.lookup_schema(reference),
            ReferenceOr::Item(s) => Some(s),
        };
        let Some(schema) = schema.filter(|_| depth <= 16) else { return Vec::new() };
        let (properties, all_of) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (Some(&o.properties), None),
            SchemaKind::Any(a) => (Some(&a.properties), Some(&a.all_of)),
            SchemaKind::AllOf { all_of } => (None, Some(all_of)),
            _ => (None, None),
        };
        if let Some(prop) = properties.and_then(|p| p.get(property)) {
            let prop: Option<&Schema> = match prop {
                ReferenceOr::Reference { reference } => self.lookup_schema(reference),
                ReferenceOr::Item(s) => Some(s),
            };
            let values: Vec<String> = match prop.map(|p| &p.schema_kind) {
                Some(SchemaKind::Type(Type::String(s))) => s.enumeration.iter().flatten().cloned().collect(),
                Some(SchemaKind::Any(a)) => {
                    a.enumeration.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
                }
                _ => Vec::new(),
            };
            if !values.is_empty() {
                return values;
            }
        }
        all_of
            .into_iter()
            .flatten()
            .map(|part| self.pinned_values(part, property, depth + 1))
            .find(|v| !v.is_empty())
            .unwrap_or_default()
    }

    /// The value of a string schema that allows exactly one (`enum: [x]`, or 3.1's `const`).
    fn pinned_string(&self, schema: &ReferenceOr<Box<Schema>>) -> Option<String> {
        let schema: &Schema = match schema {
            ReferenceOr::Reference { reference } => self.lookup_schema(reference)?,
            ReferenceOr::Item(s) => s,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
                [Some(value)] => Some(value.clone()),
                _ => None,
            },
            SchemaKind::Any(a) => match a.enumeration.as_slice() {
                [serde_json::Value::String(value)] => Some(value.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// One alternative of an implicitly tagged union. An inline alternative is named after its
    /// tag (`DiskState::Attached(DiskStateAttached)`) and loses the tag property, which the
    /// union writes itself; one with nothing else is a unit variant (`DiskState::Creating`).
    /// A referenced alternative is a shared type: it keeps its name and its fields.
    fn implicitly_tagged_variant(
        &mut self,
        alt: &ReferenceOr<Schema>,
        tag: &ImplicitTag,
        index: usize,
        pointer: &str,
        hint: &Hint,
        scope: &mut Scope,
    ) -> UnionVariant {
        let value = &tag.values[index];
        let tags = vec![value.clone()];
        let tag_name = if value.is_empty() { "Empty".to_owned() } else { naming::type_name(value) };
        let schema = match alt {
            ReferenceOr::Reference { .. } => {
                let d = self.describe(
                    alt,
                    &Hint { name: String::new(), owner: hint.owner.clone(), pointer: pointer.to_owned() },
                );
                let base = match &d.shape.ty {
                    TypeRef::Named(n) => n.clone(),
                    _ => tag_name,
                };
                return UnionVariant {
                    name: scope.claim(&base),
                    shape: held(d),
                    tags,
                    boxed: false,
                    docs: Docs::default(),
                };
            }
            ReferenceOr::Item(schema) => schema,
        };
        let child =
            Hint { name: format!("{}{tag_name}", hint.name), owner: hint.owner.clone(), pointer: pointer.to_owned() };
        let mut rest = schema.clone();
        let (properties, required, additional) = match &mut rest.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (&mut o.properties, &mut o.required, &o.additional_properties),
            SchemaKind::Any(a) => (&mut a.properties, &mut a.required, &a.additional_properties),
            // `implicit_tag` accepts objects only; anything else keeps its properties.
            _ => {
                let shape = self.describe_item(schema, &child).shape;
                return UnionVariant { name: scope.claim(&tag_name), shape, tags, boxed: false, docs: Docs::default() };
            }
        };
        properties.shift_remove(&tag.property);
        required.retain(|r| r != &tag.property);
        let closed = matches!(additional, None | Some(AdditionalProperties::Any(false)));
        let (shape, docs) = if properties.is_empty() && closed {
            let data = &schema.schema_data;
            (Shape::plain(TypeRef::Unit), Docs { summary: data.title.clone(), description: data.description.clone() })
        } else {
            (self.describe_item(&rest, &child).shape, Docs::default())
        };
        UnionVariant { name: scope.claim(&tag_name), shape, tags, boxed: false, docs }
    }

    fn enum_of(&mut self, values: Vec<String>) -> Enum {
        let mut scope = Scope::new();
        let variants: Vec<EnumVariant> = values
            .into_iter()
            .map(|wire| {
                let base = if wire.is_empty() { "Empty".to_owned() } else { naming::type_name(&wire) };
                EnumVariant { name: scope.claim(&base), wire }
            })
            .collect();
        let fallback = if scope.contains("Unknown") { scope.claim("UnknownValue") } else { "Unknown".to_owned() };
        Enum { variants, fallback }
    }

    /// Patterns must compile as Rust regexes to be enforced; otherwise they are documented only.
    fn check_pattern(&mut self, pattern: &str, pointer: &str) -> bool {
        match regex_syntax::Parser::new().parse(pattern) {
            Ok(_) => true,
            Err(e) => {
                // regex-syntax puts the pattern and a caret diagram first; the reason is the last line.
                let text = e.to_string();
                let reason =
                    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim_start_matches("error: ");
                let msg = format!(
                    "pattern is not supported by Rust's regex engine, so it is not checked client-side: {reason}"
                );
                self.warn(&format!("{pointer}/pattern"), &msg);
                false
            }
        }
    }
}

/// A secret value: `format: password`, or the `x-sensitive: true` extension.
fn is_sensitive(schema: &Schema) -> bool {
    let password = matches!(&schema.schema_kind, SchemaKind::Type(Type::String(s))
        if matches!(s.format, VariantOrUnknownOrEmpty::Item(StringFormat::Password)));
    password || schema.schema_data.extensions.get("x-sensitive") == Some(&serde_json::Value::Bool(true))
}

/// The schema itself allows `null`: `nullable: true`, `null` among its enum values, or an
/// `allOf` part that only says `nullable`.
fn schema_admits_null(schema: &Schema) -> bool {
    schema.schema_data.nullable || null_among_values(schema) || parts_nullable(schema)
}

/// An `allOf` part that constrains nothing: only annotations and `nullable`
/// (`allOf: [{$ref: Union}, {nullable: true}]`).
fn annotation_only(part: &ReferenceOr<Schema>) -> bool {
    matches!(part, ReferenceOr::Item(s) if s.schema_data.discriminator.is_none()
        && matches!(&s.schema_kind, SchemaKind::Any(a) if *a == AnySchema::default()))
}

/// The parts of an `allOf` that constrain the value.
fn meaningful_parts(parts: &[ReferenceOr<Schema>]) -> Vec<&ReferenceOr<Schema>> {
    parts.iter().filter(|p| !annotation_only(p)).collect()
}

/// An `allOf` part that only says `nullable: true` makes the whole nullable.
fn parts_nullable(schema: &Schema) -> bool {
    let parts = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::Any(a) => &a.all_of,
        _ => return false,
    };
    parts.iter().any(|p| annotation_only(p) && matches!(p, ReferenceOr::Item(s) if s.schema_data.nullable))
}

/// `null` is one of the schema's enum values (`enum: [tel, pro, null]`).
fn null_among_values(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Integer(i)) => i.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Number(n)) => n.enumeration.iter().any(Option::is_none),
        SchemaKind::Type(Type::Boolean(b)) => b.enumeration.iter().any(Option::is_none),
        SchemaKind::Any(a) => a.enumeration.iter().any(serde_json::Value::is_null),
        _ => false,
    }
}

/// The one schema a wrapper stands for: `allOf: [$ref]` (the 3.0 nullable-`$ref` idiom, also
/// with parts that only annotate: `allOf: [$ref, {nullable: true}]`) and single-element
/// `oneOf`/`anyOf`.
fn single_alternative(schema: &Schema) -> Option<&ReferenceOr<Schema>> {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of: v } => match meaningful_parts(v).as_slice() {
            [only] => Some(*only),
            _ => None,
        },
        SchemaKind::OneOf { one_of: v } | SchemaKind::AnyOf { any_of: v } if v.len() == 1 => v.first(),
        _ => None,
    }
}

/// Whether `kind_of` will produce a named type for this schema (checked before building it).
fn needs_named_type(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => !s.enumeration.iter().all(Option::is_none),
        SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::OneOf { one_of: v } | SchemaKind::AnyOf { any_of: v } => v.len() > 1,
        SchemaKind::AllOf { all_of: v } => meaningful_parts(v).len() > 1,
        SchemaKind::Any(a) => {
            !a.properties.is_empty()
                || a.one_of.len() > 1
                || a.any_of.len() > 1
                || meaningful_parts(&a.all_of).len() > 1
                || (!a.enumeration.is_empty() && a.enumeration.iter().all(|v| v.is_string() || v.is_null()))
        }
        _ => false,
    }
}

/// The shape of a schema where no field holds it (an array item, a map value, a union
/// alternative): an `Option` when the schema admits `null`, since no `Option` field does.
fn held(d: Described) -> Shape {
    if d.nullable {
        Shape::plain(TypeRef::Nullable(Box::new(d.shape)))
    } else {
        d.shape
    }
}

fn variant_name_for(ty: &TypeRef, index: usize) -> String {
    match ty {
        TypeRef::Nullable(s) => variant_name_for(&s.ty, index),
        TypeRef::String => "String".to_owned(),
        TypeRef::Integer(_) => "Integer".to_owned(),
        TypeRef::Number { .. } => "Number".to_owned(),
        TypeRef::Boolean | TypeRef::BoolConst(_) => "Boolean".to_owned(),
        TypeRef::Array(_) => "Array".to_owned(),
        TypeRef::Map(_) | TypeRef::JsonObject => "Object".to_owned(),
        TypeRef::Named(n) => n.clone(),
        _ => format!("Variant{}", index + 1),
    }
}
