"""The partner API's OpenAPI 3.1 document, built from the routes themselves.

Partners generate clients from this document (docs/delivery.md), so it must say exactly what
the server does. The paths, methods and path parameters come from the blueprint's own URL
rules (a route without an entry in ``OPERATIONS`` cannot be documented and fails the tests);
the file media types come from the table the downloads use (``web.downloads.MIMETYPES``); the
bodies are checked against these schemas by Schemathesis on a live server in the test suite
(tests/integration/test_api_conformance.py).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from werkzeug.routing import PathConverter, Rule

from station.timecode import EARLIEST_DAY, LATEST_DAY
from web.app import MAX_ROW_ID, RowId
from web.downloads import MIMETYPES

BLUEPRINT = "api_v1"
PREFIX = "/api/v1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "headers": _rate_headers(),
            "content": {"application/json": {"schema": schema}}, **extra}


def _rate_headers(*more: str) -> dict[str, Any]:
    names = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", *more)
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _error(description: str, *headers: str) -> dict[str, Any]:
    return {"description": description, "headers": _rate_headers(*headers),
            "content": {"application/json": {"schema": _ref("Error")}}}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = (),
            **extra: Any) -> dict[str, Any]:
    """An object whose every property is present unless named ``optional``."""
    return {"type": "object", "properties": properties,
            "required": [name for name in properties if name not in optional], **extra}


COMMON = {
    "401": _error("Missing, unknown, expired or revoked token", "WWW-Authenticate"),
    "429": _error("Rate limit exceeded; wait Retry-After seconds", "Retry-After"),
}
NOT_FOUND = {"404": _error("No such package (or file) for this partner")}

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FILE_HEADERS = {
    **_rate_headers(),
    "ETag": {"$ref": "#/components/headers/ETag"},
    "Last-Modified": {"$ref": "#/components/headers/Last-Modified"},
    "Accept-Ranges": {"$ref": "#/components/headers/Accept-Ranges"},
    "X-Checksum-SHA256": {"$ref": "#/components/headers/X-Checksum-SHA256"},
}


def _file_responses(media_types: list[str]) -> dict[str, Any]:
    # A JSON file (the manifest, a QC report) is any JSON document; the others are bytes.
    content = {media_type: {} if media_type == "application/json" else _BINARY
               for media_type in media_types}
    return {
        "200": {"description": "The whole file", "headers": _FILE_HEADERS, "content": content},
        "206": {"description": "One byte range of the file (a single bytes range was asked "
                               "for, and If-Range, if sent, matched strongly)",
                "headers": {**_FILE_HEADERS,
                            "Content-Range": {"$ref": "#/components/headers/Content-Range"}},
                "content": content},
        "304": {"description": "Not modified: If-None-Match matched (weak comparison) or "
                               "the file is not newer than If-Modified-Since; no body",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
        "412": {"description": "If-Match did not match (strong comparison) or the file is "
                               "newer than If-Unmodified-Since; no body",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
        "416": _error("The bytes range is malformed or outside the file; Content-Range "
                      "gives the file's size", "Content-Range"),
        **NOT_FOUND, **COMMON,
    }


DOWNLOAD_DESCRIPTION = (
    "Resumable and conditional as RFC 9110 says: send `Range: bytes=N-` to resume; "
    "`If-Range` with the ETag makes sure the rest belongs to the same file (a weak tag never "
    "matches). Another range unit than bytes, or several ranges in one request, are ignored: "
    "the whole file comes back (200). The ETag is the file's SHA-256, also sent whole in "
    "`X-Checksum-SHA256`; check the assembled file against it.")

def _year_pattern(first: int, last: int) -> str:
    """A regular expression for the years first..last (1900 and 2999: ``^(19|2[0-9])``)."""
    assert (first, last) == (1900, 2999), "rewrite the pattern for the new range"
    return "^(19|2[0-9])[0-9]{2}-"


# What each route of the blueprint answers, keyed by its endpoint (the view function's name).
OPERATIONS: dict[str, dict[str, Any]] = {
    "packages": {
        "summary": "The partner's ready packages, newest first",
        "operationId": "listPackages",
        "parameters": [{
            "name": "since", "in": "query", "required": False,
            "description": "Only packages ready after this moment: an RFC 3339 date-time with "
                           f"its offset, between {EARLIEST_DAY.year} and {LATEST_DAY.year}",
            "schema": {"type": "string", "format": "date-time",
                       "pattern": _year_pattern(EARLIEST_DAY.year, LATEST_DAY.year)},
            "example": "2026-11-01T00:00:00+07:00",
        }],
        "responses": {
            "200": _json(_object({"packages": {"type": "array", "items": _ref("Package")},
                                  "now": {"type": "string", "format": "date-time",
                                          "description": "The server's time: pass it as "
                                                         "`since` next time"}}),
                         "Packages",
                         links={"GetPackage": {
                             "operationId": "getPackage",
                             "parameters": {"package_id": "$response.body#/packages/0/id"}}}),
            "400": _error("since is not an RFC 3339 date-time in the supported years"),
            **COMMON,
        },
    },
    "package": {
        "summary": "One package with its files",
        "operationId": "getPackage",
        "responses": {
            "200": _json(_ref("PackageDetail"), "Package", links={
                "GetManifest": {"operationId": "getManifest",
                                "parameters": {"package_id": "$response.body#/id"}},
                "DownloadPackage": {"operationId": "downloadPackage",
                                    "parameters": {"package_id": "$response.body#/id"}},
                "GetPackageFile": {"operationId": "getPackageFile",
                                   "parameters": {"package_id": "$response.body#/id",
                                                  "name": "$response.body#/files/0/path"}}}),
            **NOT_FOUND, **COMMON,
        },
    },
    "manifest": {
        "summary": "The package's manifest.json (schema station.package/1)",
        "operationId": "getManifest",
        "responses": {"200": _json(_ref("Manifest"), "Manifest"), **NOT_FOUND, **COMMON},
    },
    "download": {
        "summary": "The whole package as one ZIP",
        "description": DOWNLOAD_DESCRIPTION,
        "operationId": "downloadPackage",
        "responses": {**_file_responses([MIMETYPES["zip"]]),
                      "400": _error("The package is delivered as a folder: download its "
                                    "files")},
    },
    "file": {
        "summary": "One file of the package, by its path in the bag",
        "description": DOWNLOAD_DESCRIPTION + " The media type follows the file's kind.",
        "operationId": "getPackageFile",
        "responses": _file_responses(sorted(set(MIMETYPES.values())
                                            | {"application/octet-stream"})),
    },
    "upcoming": {
        "summary": "Reports planned for the partner, not yet delivered",
        "operationId": "listUpcoming",
        "responses": {"200": _json(_object({"upcoming": {"type": "array",
                                                         "items": _ref("Upcoming")}}),
                                   "Upcoming reports"), **COMMON},
    },
    "played": {
        "summary": "The channel's playout reports the clip it has just started (as-run)",
        "description": (
            "For ffplayout's external task (`task.path`): forward the JSON it passes as its "
            "argument, with the channel's playout token (`stp_...`, made with `station "
            "schedule playout-token create CHANNEL --name ...`; partner tokens are refused). "
            "The clip is matched to the plan like an imported as-run log (by the file played, "
            "near its time). The same clip sent again is the same line: 200 instead of 201."),
        "operationId": "reportPlayed",
        "security": [{"playout": []}],
        "parameters": [{
            "name": "channel", "in": "query", "required": True,
            "description": "The channel code the token belongs to", "example": "LCTV",
            "schema": {"type": "string", "minLength": 1, "maxLength": 20}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["media"],
            "description": "ffplayout's get_data_map: elapsed is the seconds already played",
            "properties": {
                "index": _nullable("integer"), "ingest": {"type": "boolean"},
                "mode": {"type": "string"}, "shift": {"type": "number"},
                "elapsed": {"type": "number", "minimum": 0},
                "media": {"type": "object", "required": ["source"], "properties": {
                    "in": {"type": "number", "minimum": 0},
                    "out": {"type": "number", "minimum": 0},
                    "duration": {"type": "number", "minimum": 0},
                    "category": {"type": "string"}, "source": {"type": "string"},
                    "title": {"type": "string"}}}},
        }}}},
        "responses": {
            "201": _json(_ref("Played"), "Recorded and reconciled"),
            "200": _json(_ref("Played"), "This clip was recorded before; nothing added"),
            "400": _error("The body is not ffplayout's task JSON (no media source, no length)"),
            **COMMON,
        },
    },
    "openapi": {
        "summary": "This document",
        "operationId": "getOpenAPI",
        "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    },
}

PARAMETER_DOCS = {
    "package_id": ("The package's id (`id` in the list)", 1),
    "name": ("The file's `path` in the package's `files`, slashes included "
             "(e.g. data/manifest.json)", "data/manifest.json"),
}

_LANGUAGE = {"type": "string", "description": "BCP 47 language tag", "example": "vi"}
_TIME = {"type": "string", "format": "date-time"}
_LOUDNESS = _nullable("object", properties={
    "integrated_lufs": _nullable("number"), "true_peak_dbtp": _nullable("number"),
    "lra_lu": _nullable("number"), "normalization_type": _nullable("string"),
    "meter": {"type": "string"}})
_MEDIA = _object({"file": {"type": "string"}, "container": _nullable("string"),
                  "duration_ms": _nullable("integer"), "bit_rate": _nullable("integer"),
                  "codec": {"type": "string"}, "width": {"type": "integer"},
                  "height": {"type": "integer"}, "fps": {"type": "number"},
                  "frame_rate": _nullable("string"), "field_order": _nullable("string"),
                  "sample_rate": {"type": "integer"}, "channels": {"type": "integer"},
                  "audio": {"type": "object"}, "loudness": _LOUDNESS},
                 optional=("codec", "width", "height", "fps", "frame_rate", "field_order",
                           "sample_rate", "channels", "audio", "loudness"))
_FILE_ENTRY = _object({"path": {"type": "string", "example": "data/manifest.json"},
                       "role": {"type": "string",
                                "enum": ["video", "audio", "subtitle", "qc", "manifest"]},
                       "language": _nullable("string"), "format": _nullable("string"),
                       "size": {"type": "integer", "minimum": 0},
                       "sha256": _nullable("string", pattern="^[0-9a-f]{64}$")})

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": {"type": "string", "description": "What went wrong, in the "
                                "language of Accept-Language (Vietnamese or English)"},
                      "status": {"type": "integer", "description": "The HTTP status"}}),
    "Package": _object({
        "id": {"type": "integer", "minimum": 1, "example": 1},
        "name": {"type": "string", "description": "ASCII bag name"},
        "number": {"type": "integer", "minimum": 1,
                   "description": "Version of this report's package for the partner"},
        "kind": {"type": "string", "enum": ["full", "supplemental"]},
        "status": {"type": "string", "enum": ["ready", "superseded"]},
        "superseded_by": _nullable("integer", description="The package that replaces it"),
        "base": _nullable("integer", description="The full package a supplemental one "
                                                 "adds to"),
        "partner": _nullable("string", description="The partner channel's code",
                             example="VTV4"),
        "report": _object({"id": {"type": "integer"}, "title": _nullable("string"),
                           "title_en": _nullable("string"), "kind": _nullable("string")}),
        "languages": {"type": "array", "items": _LANGUAGE,
                      "description": "Every language the partner has after this package"},
        "new_languages": {"type": "array", "items": _LANGUAGE,
                          "description": "Languages whose files are in this package"},
        "ready_at": _nullable("string", format="date-time"),
        "size": _nullable("integer", description="Bytes of the ZIP (or of the folder)"),
        "sha256": _nullable("string", pattern="^[0-9a-f]{64}$",
                            description="SHA-256 of the ZIP"),
        "archive": _nullable("string", description="The ZIP's file name; null for a "
                                                   "package delivered as a folder"),
    }),
    "PackageDetail": {"allOf": [_ref("Package"), _object({
        "files": {"type": "array", "items": {"allOf": [_FILE_ENTRY, _object({
            "url": {"type": "string", "format": "uri"}})]}},
        "download_url": _nullable("string", format="uri"),
        "manifest_url": {"type": "string", "format": "uri"},
    })]},
    "Manifest": _object({
        "schema": {"type": "string", "const": "station.package/1"},
        "package": _object({"name": {"type": "string"}, "number": {"type": "integer"},
                            "kind": {"type": "string", "enum": ["full", "supplemental"]},
                            "base_number": _nullable("integer"), "created_at": _TIME,
                            "created_by": _nullable("string")}),
        "spec": {"type": "object", "required": ["name", "version"],
                 "description": "The partner's delivery spec the package was built to"},
        "report": _object({"id": {"type": "integer"}, "title": {"type": "string"},
                           "title_en": _nullable("string"), "kind": {"type": "string"},
                           "original_language": _nullable("string"),
                           "reporter": _nullable("string"), "partner": _nullable("string"),
                           "due_date": _nullable("string", format="date")}),
        "media": {"type": "object", "additionalProperties": _MEDIA,
                  "description": "The renditions by kind (video, audio), measured"},
        "languages": {"type": "array", "items": _object({
            "language": _LANGUAGE,
            "files": {"type": "array", "items": {"type": "string"},
                      "description": "Paths in the bag of this language's files"},
            "approved_by": _nullable("string"), "approved_at": _nullable("string",
                                                                          format="date-time"),
            "fingerprint": _nullable("string"), "cues": {"type": "integer"},
            "qc": {"type": "object"}, "package": {"type": "integer"},
            "carried": {"type": "boolean", "description": "Delivered in an earlier "
                                                          "package (its number)"}},
            optional=("approved_by", "approved_at", "fingerprint", "cues", "qc",
                      "carried"))},
        "title_card_ms": {"type": "integer"},
        "burned_in_language": _nullable("string"),
        "station": {"type": "string"},
        "files": {"type": "array", "items": _FILE_ENTRY},
    }),
    "Played": _object({
        "created": {"type": "boolean"},
        "entry": _object({
            "id": {"type": "integer"}, "channel": {"type": "string"},
            "started_at": _TIME, "duration_s": {"type": "integer"},
            "title": {"type": "string"}, "slot_id": _nullable("integer"),
            "outcome": {"type": "string",
                        "enum": ["as_planned", "late", "short", "unplanned"]},
            "delay_s": _nullable("integer")}),
    }),
    "Upcoming": _object({
        "report": _object({"id": {"type": "integer"}, "title": {"type": "string"},
                           "title_en": _nullable("string"), "kind": {"type": "string"}}),
        "expected": _nullable("string", format="date"),
        "first_slot": _nullable("string", format="date-time"),
        "languages": {"type": "array", "items": _LANGUAGE},
    }),
}

HEADERS: dict[str, Any] = {
    "X-RateLimit-Limit": {"description": "Requests allowed per minute (per token; per "
                                         "address without a valid token)",
                          "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the current minute",
                              "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "Seconds until a request is allowed again",
                          "schema": {"type": "integer"}},
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"schema": {"type": "string"}, "example": 'Bearer realm="station"'},
    "ETag": {"description": "Strong tag: the file's SHA-256 in quotes",
             "schema": {"type": "string"}},
    "Last-Modified": {"schema": {"type": "string"}},
    "Accept-Ranges": {"schema": {"type": "string", "const": "bytes"}},
    "Content-Range": {"description": "bytes FIRST-LAST/SIZE (206) or bytes */SIZE (416)",
                      "schema": {"type": "string"}},
    "X-Checksum-SHA256": {"description": "SHA-256 of the whole file",
                          "schema": {"type": "string"}},
}

INFO = {
    "title": "Station partner API",
    "version": "1.1.0",
    "description": (
        "Delivery packages of the Radio and Television Station of Lai Châu for partner "
        "channels (VTV4, VOV5...). Authenticate with a partner token: `Authorization: Bearer "
        "stn_...` (admins create tokens with `station partner token create CHANNEL --name "
        "...`). A token sees only its own channel's packages. Package files are BagIt bags "
        "(RFC 8493): `sha256sum -c manifest-sha256.txt` inside the bag verifies them. "
        "Errors are JSON `{\"error\", \"status\"}` in the language of Accept-Language "
        "(vi or en). Webhooks: when a package is ready, Station POSTs `{\"event\": "
        "\"package.ready\", \"package\": Package}` to the partner's URL with headers "
        "`X-Station-Event`, `X-Station-Delivery`, `X-Station-Timestamp` and "
        "`X-Station-Signature: sha256=HMAC_SHA256(secret, timestamp + \".\" + body)`; answer "
        "2xx, else it is retried with exponential backoff."),
}


def _path_parameter(rule: Rule, name: str) -> dict[str, Any]:
    converter = rule._converters[name]  # werkzeug keeps each argument's converter here
    description, example = PARAMETER_DOCS[name]
    if isinstance(converter, RowId):
        schema: dict[str, Any] = {"type": "integer", "minimum": converter.min or 1,
                                  "maximum": converter.max or MAX_ROW_ID}
    elif isinstance(converter, PathConverter):
        schema = {"type": "string", "minLength": 1}
    else:
        raise TypeError(f"{rule.rule}: say how the {type(converter).__name__} converter is "
                        "documented")
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema, "example": example}


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: Rule) -> str:
    """``/api/v1/packages/<int:package_id>`` as OpenAPI writes it: ``/packages/{package_id}``."""
    path = _ARGUMENT.sub(r"{\1}", rule.rule)
    return path.removeprefix(PREFIX) or "/"


def document(app: Flask, server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the partner API as ``app`` serves it at ``server_url``."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(f"{BLUEPRINT}."):
            continue
        operation = dict(OPERATIONS[rule.endpoint.split(".", 1)[1]])
        parameters = [_path_parameter(rule, name) for name in _ARGUMENT.findall(rule.rule)]
        operation["parameters"] = parameters + operation.get("parameters", [])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule), {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A partner API token (stn_...)"},
                                "playout": {"type": "http", "scheme": "bearer",
                                            "description": "A channel's playout token "
                                                           "(stp_...)"}},
            "schemas": SCHEMAS,
            "headers": HEADERS,
        },
    }
