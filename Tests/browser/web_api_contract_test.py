#!/usr/bin/env python3
"""The JSON API against its OpenAPI document (docs/openapi/web.yaml), on the real activity-web.

Every documented operation is called as each principal (admin, security, activity, account-scoped, a token,
nobody, wrong credentials) and with hostile values in each of its parameters; every answer's status must be
documented for that operation and every JSON body must validate against the documented schema.
Usage: Tests/browser/web_api_contract_test.py BIN_DIR
"""
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml

from webharness import ROOT, TOKEN, WebServer

HOSTILE = ["<script>alert(1)</script>", "-1", "99999999999999999999999", "%00", "' OR 1=1 --", "x" * 3000, "2026-13-45", "", "ä€𝄞"]
failures = []
calls = 0


def check(cond, what):
    if not cond:
        print("FAIL " + what, flush=True)
        failures.append(what)


def auth(kind):
    if kind is None:
        return {}
    if kind == "token":
        return {"Authorization": "Bearer " + TOKEN}
    if kind == "wrong":
        return {"Authorization": "Basic " + base64.b64encode(b"admin:nope").decode()}
    return {"Authorization": "Basic " + base64.b64encode(f"{kind}:{kind}-pw".encode()).decode()}


def get(base, path, headers):
    req = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    with open(os.path.join(ROOT, "docs/openapi/web.yaml")) as f:
        spec = yaml.safe_load(f)
    components = spec["components"]

    def resolve(obj):
        while isinstance(obj, dict) and "$ref" in obj and obj["$ref"].startswith("#/components/"):
            _, _, kind, name = obj["$ref"].split("/")
            obj = components[kind][name]
        return obj

    def validate(op_path, op, status, ctype, body):
        global calls
        calls += 1
        responses = op["responses"]
        check(str(status) in responses, f"{op_path}: status {status} is not documented ({body[:120]!r})")
        if str(status) not in responses:
            return
        content = resolve(responses[str(status)]).get("content", {})
        if "application/json" in content:
            check(ctype.startswith("application/json"), f"{op_path}: {status} should be JSON, is {ctype}")
            try:
                doc = json.loads(body)
            except ValueError as e:
                check(False, f"{op_path}: {status} body is not JSON: {e}")
                return
            schema = {"allOf": [content["application/json"]["schema"]], "components": components}
            try:
                jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
            except jsonschema.ValidationError as e:
                check(False, f"{op_path}: {status} body does not match the schema: {e.message} at {list(e.absolute_path)}")
        elif "text/csv" in content:
            check(ctype.startswith("text/csv"), f"{op_path}: {status} should be CSV, is {ctype}")

    with WebServer(bin_dir) as web:
        # A real event seq and user for the path parameters.
        status, _, body = get(web.base, "/api/v1/events?limit=1", auth("admin"))
        seq = json.loads(body)["events"][0]["seq"]
        for path, item in spec["paths"].items():
            op = item["get"]
            concrete = path.replace("{user}", "alice").replace("{seq}", str(seq))
            for who in ["admin", "sec", "act", "acme", "token", None, "wrong"]:
                status, ctype, body = get(web.base, concrete, auth(who))
                validate(f"GET {concrete} as {who}", op, status, ctype, body)
            params = [resolve(p) for p in op.get("parameters", [])]
            for p in params:
                for value in HOSTILE:
                    if p["in"] == "path" and value == "":
                        continue   # an empty segment addresses another resource (/api/v1/events/ is the list)
                    if p["in"] == "query":
                        url = concrete + "?" + urllib.parse.urlencode({p["name"]: value})
                    else:
                        url = path.replace("{" + p["name"] + "}", urllib.parse.quote(value, safe="")) \
                                  .replace("{user}", "alice").replace("{seq}", str(seq))
                    status, ctype, body = get(web.base, url, auth("admin"))
                    validate(f"GET {url[:100]}", op, status, ctype, body)
                    check(status != 500, f"GET {url[:100]}: 500")
    print(f"{calls} API calls checked against docs/openapi/web.yaml", flush=True)
    if failures:
        print(f"{len(failures)} contract check(s) failed", flush=True)
        sys.exit(1)
    print("API contract tests passed", flush=True)


if __name__ == "__main__":
    main()
