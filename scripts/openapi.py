#!/usr/bin/env python3
"""Writes Sources/FunctionService/Resources/openapi.json, the OpenAPI 3.1 document of `pylambda serve`'s
native API. The document is written here, in one readable place, and committed; `make test` validates it
(openapi-spec-validator) and runs schemathesis against a live serve with it.

    python3 scripts/openapi.py            # rewrite the document
    python3 scripts/openapi.py --check    # fail if the committed document differs
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "Sources", "FunctionService", "Resources", "openapi.json")

NAME = {"name": "name", "in": "path", "required": True, "description": "The function's name.",
        "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"}, "example": "echo"}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def error(description, extra_headers=None):
    response = {"description": description, "content": {"application/json": {"schema": ref("Error")}}}
    if extra_headers:
        response["headers"] = extra_headers
    return response


def errors(*codes):
    texts = {
        "400": "Bad JSON, a bad name or limit, code that does not load (with the runner's error), an unsafe package (InvalidPackage) or requirements that cannot be installed (DependencyInstallFailed).",
        "401": "No key, or an unknown or revoked one.",
        "403": "The key's scope does not allow it.",
        "404": "No such function, version or invocation.",
        "409": "A conflict: a key name in use.",
        "413": "The body is larger than the limit (6 MiB for an invocation).",
        "429": "The function's concurrency is reached and its queue is full, or the call waited its whole timeout.",
        "500": "The function raised, its code failed to load in a new runner, or its result is not JSON (`X-Function-Error: Unhandled`); without that header, a fault of the service's own (InternalError).",
        "502": "The runner died or ran out of memory; the error names the cause.",
        "503": "Draining, or Docker or the registry is unreachable.",
        "504": "The call ran past its timeout.",
    }
    out = {}
    for code in codes:
        headers = None
        if code == "429":
            headers = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}}
        if code == "401":
            headers = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        if code == "500":
            headers = {"X-Function-Error": {"schema": {"type": "string"}}, "X-Invocation-Id": {"schema": {"type": "string"}}}
        out[code] = error(texts[code], headers)
    return out


INVOCATION_HEADERS = {
    "X-Invocation-Id": {"schema": {"type": "string"}, "description": "The invocation's id (see GET /v1/invocations/{id})."},
    "X-Function-Version": {"schema": {"type": "string"}, "description": "The version that ran."},
}

document = {
    "openapi": "3.1.0",
    "info": {
        "title": "PyLambda function service",
        "version": "1.0.0",
        "description": "Named, versioned Python functions, run in hardened containers (`pylambda serve`). "
                       "Every operation but /healthz needs `Authorization: Bearer <key>`.",
    },
    "servers": [{"url": "http://127.0.0.1:8900"}],
    "security": [{"bearer": []}],
    "paths": {
        "/healthz": {"get": {
            "operationId": "health", "summary": "Health: 200 once serve is ready to take calls.", "security": [],
            "responses": {"200": {"description": "Serving.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}},
                "503": {"description": "Starting: the registry is not open yet (say, its database is not reachable).",
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["status"], "properties": {"status": {"const": "starting"}}}}}}}}},
        "/metrics": {"get": {
            "operationId": "metrics", "summary": "Prometheus metrics (every function's: not for a key of one function).",
            "responses": {"200": {"description": "Prometheus text format.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                          **errors("401", "403")}}},
        "/openapi.json": {"get": {
            "operationId": "openAPI", "summary": "This document.",
            "responses": {"200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}},
                          **errors("401")}}},
        "/v1/functions": {"get": {
            "operationId": "listFunctions", "summary": "The functions, by name (admin).",
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                {"name": "marker", "in": "query", "schema": {"type": "string"}, "description": "`next_marker` of the previous page."}],
            "responses": {"200": {"description": "A page of functions.", "content": {"application/json": {"schema": ref("FunctionList")}}},
                          **errors("400", "401", "403", "503")}}},
        "/v1/functions/{name}": {
            "parameters": [NAME],
            "put": {
                "operationId": "deploy", "summary": "Deploy a new immutable version (admin).",
                "description": ("The code is checked (a package's paths, sizes and handler), its requirements are installed as "
                                "binary wheels for the runner, and it is loaded in a runner: code that does not load is refused "
                                "(400) and stores nothing. A package comes as `zip` (base64) in the JSON body, or as the raw zip "
                                "with `Content-Type: application/zip` and the settings in the query string."),
                "parameters": [
                    {"name": "handler", "in": "query", "schema": {"type": "string"}, "description": "With a zip body: `module.function` (default `main.entrypoint`)."},
                    {"name": "memory_mb", "in": "query", "schema": {"type": "integer", "minimum": 64, "maximum": 10240}, "description": "With a zip body."},
                    {"name": "timeout_s", "in": "query", "schema": {"type": "number", "minimum": 1, "maximum": 900}, "description": "With a zip body."},
                    {"name": "concurrency", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 64}, "description": "With a zip body."},
                    {"name": "runtime", "in": "query", "schema": {"type": "string", "enum": ["runc", "runsc"]}, "description": "With a zip body."},
                    {"name": "env", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True,
                     "description": "With a zip body: `KEY=VALUE`, repeated."},
                    {"name": "description", "in": "query", "schema": {"type": "string"}, "description": "With a zip body."}],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": ref("DeployRequest")},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {
                    "201": {"description": "The function was created with version 1.", "content": {"application/json": {"schema": ref("FunctionVersion")}}},
                    "200": {"description": "A new version of an existing function.", "content": {"application/json": {"schema": ref("FunctionVersion")}}},
                    **errors("400", "401", "403", "413", "429", "502", "503", "504")}},
            "get": {
                "operationId": "getFunction", "summary": "One function with its latest version and counts (admin).",
                "responses": {"200": {"description": "The function.", "content": {"application/json": {"schema": ref("Function")}}},
                              **errors("400", "401", "403", "404", "503")}},
            "delete": {
                "operationId": "deleteFunction", "summary": "Delete a function (admin): its containers go, its queued calls are cancelled.",
                "responses": {"204": {"description": "Deleted."}, **errors("400", "401", "403", "404", "503")}}},
        "/v1/functions/{name}/versions": {"get": {
            "operationId": "listVersions", "summary": "The versions, newest first (admin).", "parameters": [NAME],
            "responses": {"200": {"description": "Versions.", "content": {"application/json": {"schema": ref("VersionList")}}},
                          **errors("400", "401", "403", "404", "503")}}},
        "/v1/functions/{name}/invoke": {"post": {
            "operationId": "invoke", "summary": "Call the function with a JSON input.",
            "parameters": [
                NAME,
                {"name": "version", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}, "description": "An older version; default the latest."},
                {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["sync", "async"]}, "description": "`async` queues the call."},
                {"name": "X-Log-Tail", "in": "header", "schema": {"type": "string", "enum": ["true", "false"]},
                 "description": "`true`: the answer carries the last 4 KiB of the call's output, base64, in `X-Log-Tail`."}],
            "requestBody": {"required": False, "description": "Any JSON value (an empty body is `{}`).",
                            "content": {"application/json": {"schema": {}}}},
            "responses": {
                "200": {"description": "The function's return value, as JSON.", "headers": {**INVOCATION_HEADERS,
                        "X-Log-Tail": {"schema": {"type": "string"}, "description": "Base64 of the call's last output, when asked for."}},
                        "content": {"application/json": {"schema": {}}}},
                "202": {"description": "Queued (`mode=async`).", "headers": INVOCATION_HEADERS,
                        "content": {"application/json": {"schema": ref("AsyncAccepted")}}},
                **errors("400", "401", "403", "404", "413", "429", "500", "502", "503", "504")}}},
        "/v1/functions/{name}/invocations": {"get": {
            "operationId": "listInvocations", "summary": "The invocations of a function, newest first, a page at a time.",
            "parameters": [NAME, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                           {"name": "marker", "in": "query", "schema": {"type": "string"},
                            "description": "`next_marker` of the previous page: the records before it."}],
            "responses": {"200": {"description": "Invocation records (without async results).",
                                  "content": {"application/json": {"schema": ref("InvocationList")}}},
                          **errors("400", "401", "403", "404", "503")}}},
        "/v1/invocations/{id}": {"get": {
            "operationId": "getInvocation", "summary": "One invocation's record.",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The record.", "content": {"application/json": {"schema": ref("Invocation")}}},
                          **errors("401", "403", "404", "503")}}},
        "/v1/keys": {
            "post": {
                "operationId": "createKey", "summary": "Create an API key (admin). The secret is shown once.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CreateKeyRequest")}}},
                "responses": {"201": {"description": "The key, with its secret.", "content": {"application/json": {"schema": ref("Key")}}},
                              **errors("400", "401", "403", "409", "503")}},
            "get": {
                "operationId": "listKeys", "summary": "All keys, revoked ones included (admin).",
                "responses": {"200": {"description": "Keys (no secrets).", "content": {"application/json": {"schema": ref("KeyList")}}},
                              **errors("401", "403", "503")}}},
        "/v1/keys/{name}": {"delete": {
            "operationId": "revokeKey", "summary": "Revoke a key (admin), but not the one the request is signed with.",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Revoked."}, **errors("401", "403", "404", "503"),
                          "409": error("The key is the one this request is signed with: revoke it with another admin key, so that one is left.")}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["detail", "error"], "properties": {
                "detail": {"type": "string", "description": "One line for a person."},
                "error": {"type": "object", "required": ["type", "message", "traceback"], "properties": {
                    "type": {"type": "string", "description": "A Python exception's name, or the service's own (InvalidRequest, Unauthorized, ...)."},
                    "message": {"type": "string"},
                    "traceback": {"type": "array", "items": {"type": "string"}}}}}},
            "DeployRequest": {"type": "object", "oneOf": [{"required": ["code"]}, {"required": ["zip"]}], "additionalProperties": False, "properties": {
                "code": {"type": "string", "minLength": 1, "description": "Python source defining the handler; code that does not load is refused."},
                "zip": {"type": "string", "contentEncoding": "base64",
                        "description": "A package: modules (and optionally requirements.txt) in a zip, at most 50 MiB packed and 250 MiB unpacked with its dependencies."},
                "requirements": {"type": ["string", "null"], "description": "requirements.txt text; replaces the package's own."},
                "handler": {"type": ["string", "null"], "pattern": "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$",
                            "description": "The function to call; default `entrypoint` for code, `main.entrypoint` for a package. Two parameters make it Lambda's handler(event, context)."},
                "memory_mb": {"type": ["integer", "null"], "minimum": 64, "maximum": 10240},
                "timeout_s": {"type": ["number", "null"], "minimum": 1, "maximum": 900},
                "concurrency": {"type": ["integer", "null"], "minimum": 1, "maximum": 64},
                "env": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
                "runtime": {"enum": ["runc", "runsc", None]},
                "description": {"type": ["string", "null"]}}},
            "FunctionVersion": {"type": "object", "required": ["name", "version", "code_sha256", "code_size", "kind", "handler", "memory_mb", "timeout_s", "concurrency", "env", "runtime", "description", "created_at"], "properties": {
                "name": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
                "code_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "code_size": {"type": "integer"},
                "kind": {"type": "string", "enum": ["source", "zip"]}, "handler": {"type": "string"},
                "memory_mb": {"type": "integer"}, "timeout_s": {"type": "number"}, "concurrency": {"type": "integer"},
                "env": {"type": "array", "items": {"type": "string"}, "description": "Names of the variables set (values are not shown)."},
                "runtime": {"type": "string"}, "dependency_set": {"type": "string"}, "description": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"}}},
            "Function": {"type": "object", "required": ["name", "created_at", "latest", "versions"], "properties": {
                "name": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
                "latest": ref("FunctionVersion"), "versions": {"type": "integer"},
                "invocations": {"type": "object", "additionalProperties": {"type": "integer"}}}},
            "FunctionList": {"type": "object", "required": ["functions"], "properties": {
                "functions": {"type": "array", "items": ref("Function")}, "next_marker": {"type": "string"}}},
            "VersionList": {"type": "object", "required": ["versions"], "properties": {
                "versions": {"type": "array", "items": ref("FunctionVersion")}}},
            "AsyncAccepted": {"type": "object", "required": ["invocation_id"], "properties": {"invocation_id": {"type": "string"}}},
            "Invocation": {"type": "object", "required": ["id", "function", "version", "mode", "status", "created_at"], "properties": {
                "id": {"type": "string"}, "function": {"type": "string"}, "version": {"type": "integer"},
                "mode": {"type": "string", "enum": ["sync", "async"]},
                "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "timed_out", "interrupted", "cancelled"]},
                "created_at": {"type": "string", "format": "date-time"}, "started_at": {"type": "string", "format": "date-time"},
                "finished_at": {"type": "string", "format": "date-time"}, "duration_ms": {"type": "number"},
                "error": {"type": "object", "required": ["type", "message"], "properties": {"type": {"type": "string"}, "message": {"type": "string"}}},
                "log_tail": {"type": "string"}, "result": {"description": "An async call's JSON result."},
                "instance": {"type": "string", "description": "The serve process that runs or ran it; on a queued call, the one that took it and waits for a runner for it."}}},
            "InvocationList": {"type": "object", "required": ["invocations"], "properties": {
                "invocations": {"type": "array", "items": ref("Invocation")}, "next_marker": {"type": "string"}}},
            "CreateKeyRequest": {"type": "object", "required": ["name", "scope"], "additionalProperties": False, "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"},
                "scope": {"type": "string", "enum": ["admin", "invoke"]},
                "function": {"type": ["string", "null"], "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$", "description": "Only for invoke keys."},
                "aws": {"type": ["boolean", "null"]}}},
            "Key": {"type": "object", "required": ["name", "scope", "kind", "created_at"], "properties": {
                "name": {"type": "string"}, "scope": {"type": "string", "enum": ["admin", "invoke"]}, "function": {"type": "string"},
                "kind": {"type": "string", "enum": ["bearer", "aws"]}, "created_at": {"type": "string", "format": "date-time"},
                "revoked_at": {"type": "string", "format": "date-time"}, "key": {"type": "string"},
                "access_key_id": {"type": "string"}, "secret_access_key": {"type": "string"}}},
            "KeyList": {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": ref("Key")}}},
        },
    },
}

text = json.dumps(document, indent=2, sort_keys=False) + "\n"
if "--check" in sys.argv:
    with open(TARGET) as f:
        if f.read() != text:
            sys.exit(f"{TARGET} is out of date: run python3 scripts/openapi.py")
else:
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    with open(TARGET, "w") as f:
        f.write(text)
