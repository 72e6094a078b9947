#!/usr/bin/env python3
"""Print the public API of a crate, one line per item, from rustdoc's JSON output.

Usage: public_api.py DOC_DIR CRATE_NAME

DOC_DIR holds `<crate>.json` for the crate and for the workspace crates it re-exports
from, so a re-export of another workspace crate's item is followed into that crate's JSON
(its methods and fields are listed under the re-exported path). Items of other crates
are listed by their re-exported path and kind only.

Lines are `<path> (<kind>)`, and `<path> (impl <Trait> for <Type>)` for the trait impls of
a type and the implementations of a trait at `<path>`: removing one (Clone, From, a trait's
impl for `bool`...) breaks users. Auto-trait (Send, Sync...) impls and foreign blanket
impls (`impl<T> From<T> for T`) of a type are left out: rustdoc derives them, nobody
writes them. Names in impl lines are the last path segment only, so that moving a type
between modules does not change them.
"""

import json
import sys

# Formats this parser was written against; a new one may rename the fields read here.
KNOWN_FORMATS = {57}

KINDS = {
    "module": "mod",
    "struct": "struct",
    "enum": "enum",
    "union": "union",
    "variant": "variant",
    "struct_field": "field",
    "function": "fn",
    "trait": "trait",
    "trait_alias": "trait alias",
    "macro": "macro",
    "constant": "const",
    "static": "static",
    "type_alias": "type alias",
    "assoc_const": "assoc const",
    "assoc_type": "assoc type",
    # Kinds of the `paths` table, for items of crates whose JSON is not at hand.
    "proc_attribute": "attribute macro",
    "proc_derive": "derive macro",
}
PROC_MACRO_KINDS = {"bang": "macro", "attr": "attribute macro", "derive": "derive macro"}

doc_dir = sys.argv[1]
crates = {}  # crate name -> its JSON, loaded when first needed


def load(name):
    if name not in crates:
        try:
            with open(f"{doc_dir}/{name}.json") as f:
                crates[name] = json.load(f)
        except FileNotFoundError:
            crates[name] = None
            return None
        doc = crates[name]
        if doc["format_version"] not in KNOWN_FORMATS:
            sys.exit(f"{name}.json: rustdoc JSON format {doc['format_version']} not handled "
                     f"(known: {sorted(KNOWN_FORMATS)}); check scripts/public_api.py")
        # Where each of the crate's own items is defined, to follow re-exports into it.
        doc["by_path"] = {tuple(p["path"]): int(i) for i, p in doc["paths"].items()
                          if p["crate_id"] == 0}
    return crates[name]


def kind_of(item):
    (kind, inner), = item["inner"].items()
    if kind == "proc_macro":
        return PROC_MACRO_KINDS[inner["kind"]]
    return KINDS.get(kind, kind)


def type_name(ty):
    """A short rendering of a type, for the trait arguments of impl lines."""
    (kind, inner), = ty.items()
    if kind == "resolved_path":
        return inner["path"].split("::")[-1] + generic_args(inner["args"])
    if kind in ("generic", "primitive"):
        return inner
    if kind == "borrowed_ref":
        return "&" + ("mut " if inner["is_mutable"] else "") + type_name(inner["type"])
    if kind == "tuple":
        return "(" + ", ".join(type_name(t) for t in inner) + ")"
    if kind == "slice":
        return "[" + type_name(inner) + "]"
    if kind == "array":
        return "[" + type_name(inner["type"]) + "; " + inner["len"] + "]"
    if kind == "qualified_path":
        return type_name(inner["self_type"]) + "::" + inner["name"]
    return "_"


def generic_args(args):
    if not args or "angle_bracketed" not in args:
        return ""
    parts = [type_name(a["type"]) for a in args["angle_bracketed"]["args"] if "type" in a]
    return "<" + ", ".join(parts) + ">" if parts else ""


def walk(doc, item_id, path, out, seen):
    """List the item `item_id` of `doc`, seen by users at `path`, and what it holds."""
    key = (id(doc), item_id)
    if key in seen:  # a module re-exporting one of its parents
        return
    seen = seen | {key}
    item = doc["index"].get(str(item_id))
    if item is None:
        return external(doc, item_id, path, out, seen)
    (kind, inner), = item["inner"].items()
    if kind == "use":
        if inner["id"] is None:  # a re-export rustdoc could not resolve (e.g. a primitive)
            out.add(f"{'::'.join(path[:-1] + [inner['name']])} (re-export of {inner['source']})")
            return
        if inner["is_glob"]:
            target = doc["index"].get(str(inner["id"]))
            if target is None or "module" not in target["inner"]:
                sys.exit(f"glob re-export of a non-local item at {path}: not handled")
            for child in target["inner"]["module"]["items"]:
                walk_child(doc, child, path, out, seen)
            return
        return walk(doc, inner["id"], path[:-1] + [inner["name"]], out, seen)
    out.add(f"{'::'.join(path)} ({kind_of(item)})")
    if kind == "module":
        for child in inner["items"]:
            walk_child(doc, child, path, out, seen)
    elif kind in ("struct", "variant"):
        for child in fields(inner["kind"]):
            walk_child(doc, child, path, out, seen)
    elif kind == "union":
        for child in inner["fields"]:
            walk_child(doc, child, path, out, seen)
    elif kind == "enum":
        for child in inner["variants"]:
            walk_child(doc, child, path, out, seen)
    elif kind == "trait":
        for child in inner["items"]:
            member = doc["index"][str(child)]
            member_kind = "trait method" if "function" in member["inner"] else kind_of(member)
            out.add(f"{'::'.join(path + [member['name']])} ({member_kind})")
        for impl_id in inner["implementations"]:
            impl(doc, doc["index"][str(impl_id)]["inner"]["impl"], path, out)
    if kind in ("struct", "enum", "union"):
        for impl_id in inner["impls"]:
            impl(doc, doc["index"][str(impl_id)]["inner"]["impl"], path, out)


def fields(kind):
    """The public fields of a struct or variant: `"unit"`/`"plain"` (no fields),
    `{"tuple": [id or null]}` (null: a private field) or `{"plain"/"struct": {"fields"}}`."""
    if isinstance(kind, str):
        return []
    if "tuple" in kind:
        return [f for f in kind["tuple"] if f is not None]
    (inner,) = kind.values()
    return inner["fields"]


def walk_child(doc, child_id, path, out, seen):
    child = doc["index"][str(child_id)]
    # A `use` has no name of its own; walk() names it after what it re-exports.
    return walk(doc, child_id, path + [child["name"] or ""], out, seen)


def impl(doc, inner, path, out):
    if inner["is_synthetic"] or inner["blanket_impl"] is not None:
        return
    trait = inner["trait"]
    if trait is not None:
        negative = "!" if inner["is_negative"] else ""
        name = trait["path"].split("::")[-1] + generic_args(trait["args"])
        out.add(f"{'::'.join(path)} (impl {negative}{name} for {type_name(inner['for'])})")
        return
    for member_id in inner["items"]:
        member = doc["index"][str(member_id)]
        if member["visibility"] != "public":
            continue
        member_kind = "method" if "function" in member["inner"] else kind_of(member)
        out.add(f"{'::'.join(path + [member['name']])} ({member_kind})")


def external(doc, item_id, path, out, seen):
    """An item of another crate, re-exported: follow it into that crate's JSON if at hand."""
    summary = doc["paths"][str(item_id)]
    crate = doc["external_crates"][str(summary["crate_id"])]["name"]
    other = load(crate)
    if other is not None and tuple(summary["path"]) in other["by_path"]:
        return walk(other, other["by_path"][tuple(summary["path"])], path, out, seen)
    out.add(f"{'::'.join(path)} ({KINDS.get(summary['kind'], summary['kind'])})")


def main():
    name = sys.argv[2]
    doc = load(name)
    if doc is None:
        sys.exit(f"{doc_dir}/{name}.json not found")
    out = set()
    walk(doc, doc["root"], [name], out, frozenset())
    print("\n".join(sorted(out)))


main()
