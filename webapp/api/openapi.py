"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 description of the API, for people and tools.

Served to anybody: it holds no data, only the shape of the routes (which all need a token).
"""

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

bp = Blueprint("api_docs", __name__)

ERROR_CODES = {
    "400": "The request is malformed; the detail says which part.",
    "401": "No valid token (or session).",
    "403": "The token's account may not do this (its role, or not on this host).",
    "404": "No such host or model.",
    "409": "The model's state forbids it (e.g. loading a model not downloaded).",
    "429": "Too many wrong tokens from this address; see Retry-After.",
    "502": "Pieces OS did not answer as expected.",
}


ACTIONS = ("download", "cancel", "load", "unload", "delete-files")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answers(ok: dict[str, Any], *errors: str) -> dict[str, Any]:
    described = {
        code: {"$ref": f"#/components/responses/Problem{code}"} for code in ("401", *errors)
    }
    return {**ok, **described}


def json_answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


HOST = {"name": "host", "in": "path", "required": True, "schema": {"type": "string"}}
MODEL_ID = {
    "name": "model_id",
    "in": "path",
    "required": True,
    "description": "The model's id, as one percent-encoded path segment.",
    "schema": {"type": "string"},
}


def document() -> dict[str, Any]:
    base = request.host_url.rstrip("/")
    model_path = "/hosts/{host}/models/{model_id}"
    paths: dict[str, Any] = {
        "/hosts": {
            "get": {
                "summary": "The Pieces OS hosts the panel manages.",
                "operationId": "listHosts",
                "responses": answers(
                    {"200": json_answer("The hosts.", ref("HostList"))},
                ),
            }
        },
        "/hosts/{host}/models": {
            "get": {
                "summary": "Every model of a host.",
                "operationId": "listModels",
                "parameters": [HOST],
                "responses": answers(
                    {"200": json_answer("The models.", ref("ModelList"))}, "404", "502"
                ),
            }
        },
        model_path: {
            "get": {
                "summary": "One model of a host.",
                "operationId": "getModel",
                "parameters": [HOST, MODEL_ID],
                "responses": answers(
                    {"200": json_answer("The model.", ref("Model"))}, "404", "502"
                ),
            }
        },
        "/events": {
            "get": {
                "summary": "Server-Sent Events of every host: hello (the hosts followed), "
                "progress, model, ending, models (each a JSON object with type and host), "
                "activity (the log, of no one host: type alone), hosts (the hosts followed "
                "from now on, when the fleet changed), and end when the token or session no "
                "longer holds.",
                "operationId": "streamEvents",
                "responses": answers(
                    {
                        "200": {
                            "description": "The stream.",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        }
                    },
                    "429",
                ),
            }
        },
        model_path + "/{action}": {
            "post": {
                "summary": "Download, cancel, load, unload or delete the files of a model, as "
                "its buttons do (the request is the confirmation). Logged under the token's "
                "account, with the token's name.",
                "operationId": "actOnModel",
                "parameters": [
                    HOST,
                    MODEL_ID,
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": list(ACTIONS)},
                    },
                ],
                "responses": answers(
                    {"202": json_answer("What the action did.", ref("ActionAnswer"))},
                    "403",
                    "404",
                    "409",
                    "502",
                ),
            }
        },
        "/activity": {
            "get": {
                "summary": "Activity log entries after an entry, oldest first.",
                "operationId": "listActivity",
                "parameters": [
                    {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 500},
                    },
                ],
                "responses": answers({"200": json_answer("The entries.", ref("EntryList"))}, "400"),
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pieces OS model panel API",
            "version": "1",
            "description": "What the panel's pages show and do, for scripts. Send an API token "
            "(made on your account page or with `pieces-admin tokens create`) as "
            "`Authorization: Bearer <token>`.",
        },
        "servers": [{"url": f"{base}/api/v1"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "responses": {
                f"Problem{code}": {
                    "description": description,
                    "content": {"application/problem+json": {"schema": ref("Problem")}},
                }
                for code, description in ERROR_CODES.items()
            },
            "schemas": SCHEMAS,
        },
    }


def nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
    "Host": {
        "type": "object",
        "required": ["name", "url", "reachable", "version"],
        "properties": {
            "name": {"type": "string"},
            "url": {"type": "string"},
            "reachable": {"type": "boolean"},
            "version": nullable("string"),
        },
    },
    "HostList": {
        "type": "object",
        "required": ["hosts"],
        "properties": {"hosts": {"type": "array", "items": ref("Host")}},
    },
    "Model": {
        "type": "object",
        "required": ["id", "name", "cloud", "downloaded", "downloading", "loaded"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "cloud": {"type": "boolean"},
            "downloaded": {"type": "boolean"},
            "downloading": {"type": "boolean"},
            "loaded": {"type": "boolean"},
            "custom": {"type": "boolean"},
            "provider": nullable("string"),
            "size_bytes": nullable("integer"),
            "ram_bytes": nullable("integer"),
            "progress": {"type": "number", "description": "Percent, while downloading."},
            "bytes_per_second": nullable("number"),
        },
    },
    "ModelList": {
        "type": "object",
        "required": ["models"],
        "properties": {"models": {"type": "array", "items": ref("Model")}},
    },
    "Entry": {
        "type": "object",
        "required": ["id", "at", "host", "user", "action", "outcome"],
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "host": {
                "type": ["string", "null"],
                "description": "None for an entry of no host (a login).",
            },
            "user": {"type": "string"},
            "via": nullable("string"),
            "action": {"type": "string"},
            "model_id": nullable("string"),
            "model_name": nullable("string"),
            "outcome": {"type": "string"},
            "detail": nullable("string"),
        },
    },
    "ActionAnswer": {
        "type": "object",
        "required": ["model", "entry"],
        "properties": {
            "model": ref("Model"),
            "entry": {"type": "integer", "description": "The activity log entry's id."},
        },
    },
    "EntryList": {
        "type": "object",
        "required": ["entries"],
        "properties": {"entries": {"type": "array", "items": ref("Entry")}},
    },
}


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
