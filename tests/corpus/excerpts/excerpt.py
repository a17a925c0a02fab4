#!/usr/bin/env python3
"""Cuts an excerpt of an OpenAPI document: the named operations, and every component they
reach through $ref (transitively), with the document's info, servers and security schemes.

    python3 tests/corpus/excerpt.py tests/corpus/openai-3.1.yaml createTranscription > out.yaml

Used for fixtures that exercise one operation of a corpus spec too large to compile in tests.
"""
import sys
import yaml

def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/"):
                out.append(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)

def main():
    path, ops = sys.argv[1], set(sys.argv[2:])
    doc = yaml.safe_load(open(path))
    paths = {}
    for p, item in doc["paths"].items():
        kept = {m: op for m, op in item.items() if isinstance(op, dict) and op.get("operationId") in ops}
        if kept:
            if "parameters" in item:
                kept["parameters"] = item["parameters"]
            paths[p] = kept
    found = {op.get("operationId") for item in paths.values() for op in item.values() if isinstance(op, dict)}
    missing = ops - found
    if missing:
        sys.exit(f"no such operation: {', '.join(sorted(missing))}")
    for item in paths.values():
        for op in item.values():
            if isinstance(op, dict):
                op.pop("x-oaiMeta", None)
    comps, todo, seen = {}, [], set()
    refs(paths, todo)
    schemes = doc.get("components", {}).get("securitySchemes")
    while todo:
        r = todo.pop()
        if r in seen:
            continue
        seen.add(r)
        _, _, kind, name = r.split("/", 3)
        target = doc["components"][kind][name]
        comps.setdefault(kind, {})[name] = target
        refs(target, todo)
    if schemes:
        comps["securitySchemes"] = schemes
    out = {"openapi": doc["openapi"], "info": doc["info"]}
    for key in ("servers", "security"):
        if key in doc:
            out[key] = doc[key]
    out["paths"] = paths
    out["components"] = {k: dict(sorted(v.items())) for k, v in sorted(comps.items())}
    sys.stdout.write(yaml.safe_dump(out, sort_keys=False, allow_unicode=True, width=100))

main()
