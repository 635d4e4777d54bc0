"""A stand-in for Harbor 2.15.1's REST API, for the contract test of templates/harbor-bootstrap.py.

It serves HTTPS on 127.0.0.1 and answers the endpoints the bootstrap script uses, with the
behaviour of Harbor's handlers that the script relies on (read in goharbor/harbor v2.15.1):
basic auth (wrong credentials make an anonymous request), exact `q=name=...` queries, 409 on a
duplicate name, proxy-cache projects only on the registry types chart 1.19.1 permits, robots
named `robot$<project>+<name>`, a robot secret set by `PATCH /robots/{id}`. Tag retention as
Harbor has it: a new proxy-cache project gets the policy `policy.WithNDaysSinceLastPull(id,
7)` (one rule, scheduled `0 0 0 * * *`) and its id as the metadata `retention_id`;
`GET /retentions/{id}` answers as go-swagger serializes it (empty fields left out, the next
run time beside a non-empty cron); `PUT /retentions/{id}` answers 404 unless the id is the
`retention_id` of the project the policy's scope names, and schedules or unschedules the policy
as the cron changes (recorded as `scheduled` in the state); `POST /retentions` answers 400 when
the project has a policy already.

Every request is checked against Harbor's API document (JSON, converted from the swagger YAML
by the test): the path template and method exist, every query parameter is declared and typed,
and the body matches the operation's schema (`$ref` resolved; types, required, properties,
enums, lengths). Unknown object properties count as violations, which is stricter than Harbor
(it ignores them) so that a misspelt field cannot pass. A bare `type: object` (no `properties`,
no `additionalProperties`) is a free-form object, as the Swagger specification has it: any
keys (a retention trigger's `settings`). As a map's values (`additionalProperties: {type:
object}`) it takes any JSON value, as Harbor does: go-swagger makes such a map
`map[string]interface{}`, and Harbor fills them with numbers, strings and booleans (a
retention rule's `params`, an artifact's `ExtraAttrs`, a schedule's `parameters`). The stand-in's own answers are checked
against the response schemas the same way. Violations are answered 400 (unknown path 404,
unknown method 405) and logged.

    harbor_standin.py serve --api-doc DOC.json --cert C --key K --log LOG.jsonl --state STATE.json
        [--seed STATE.json] [--drop N] [--down N] [--conflict KIND:NAME] [--fail 'METHOD PATH']
    harbor_standin.py validate --api-doc DOC.json < REQUESTS.json

`serve` prints `listening on 127.0.0.1:PORT` once ready; the admin password is read from the
environment variable STANDIN_ADMIN_PASSWORD. `--drop N` closes the first N connections without
an answer, `--down N` then answers 503 to the next N requests (Harbor not up yet); `--conflict
registry:NAME` (or project:, robot:) makes the first create of that name lose a race: the object
appears and the create answers 409; `--conflict retention:PROJECT` makes the first write to that
project's retention policy lose one: before a `PUT` another client replaces the project's policy
by a new default one (the `PUT` answers 404), before a `POST` it creates one (400); `--fail
'POST /api/v2.0/projects'` answers 500 to the first such request. The log holds one JSON line
per request; STATE.json is rewritten after every change (robot secrets as SHA-256 only).
`validate` reads a JSON list of requests (`{"method", "target", "body"}`) and prints the list
of violations of each.
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import ssl
import sys
import threading
import urllib.parse

sys.dont_write_bytecode = True

ROBOT_PREFIX = "robot$"
NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# Registered adapter types (src/pkg/reg/model/registry.go) and the ones chart 1.19.1 permits
# for proxy-cache projects (PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE in its core ConfigMap).
REGISTRY_TYPES = {
    "harbor",
    "docker-hub",
    "docker-registry",
    "huawei-SWR",
    "google-gcr",
    "aws-ecr",
    "azure-acr",
    "ali-acr",
    "jfrog-artifactory",
    "quay",
    "gitlab",
    "dtr",
    "tencent-tcr",
    "github-ghcr",
    "volcengine-cr",
}
PROXY_CACHE_TYPES = {
    "docker-hub",
    "harbor",
    "azure-acr",
    "ali-acr",
    "aws-ecr",
    "google-gcr",
    "docker-registry",
    "github-ghcr",
    "jfrog-artifactory",
}
# A few of the project-scope robot permissions (src/common/rbac/const.go).
ROBOT_ACCESS = {
    ("repository", "pull"),
    ("repository", "push"),
    ("repository", "list"),
    ("repository", "read"),
    ("artifact", "read"),
    ("artifact", "list"),
    ("tag", "list"),
}
TIME = "2026-01-01T00:00:00.000Z"
NEXT_RUN = "2026-01-02T00:00:00.000Z"
# policy.WithNDaysSinceLastPull: the policy Harbor gives a new proxy-cache project.
DEFAULT_RETENTION_DAYS = 7
DAILY = "0 0 0 * * *"
INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


# ---------------------------------------------------------------------------------------------
# The API document


class ApiDoc:
    def __init__(self, doc):
        self.doc = doc
        self.base = doc.get("basePath", "")
        self.templates = [(path, path.strip("/").split("/")) for path in doc["paths"]]

    def resolve(self, node):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or seen > 20:
                raise ValueError(f"unsupported $ref {ref}")
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return node

    def match(self, method, path):
        """(template, operation, path parameters) or raises Violation (404 / 405)."""
        if not path.startswith(self.base + "/"):
            raise Violation(404, f"{path} is outside the API's basePath {self.base}")
        segments = path[len(self.base) :].strip("/").split("/")
        best = None
        for template, parts in self.templates:
            if len(parts) != len(segments):
                continue
            params, literal = {}, 0
            for part, segment in zip(parts, segments):
                if part.startswith("{") and part.endswith("}"):
                    params[part[1:-1]] = urllib.parse.unquote(segment)
                elif part == segment:
                    literal += 1
                else:
                    break
            else:
                if best is None or literal > best[0]:
                    best = (literal, template, params)
        if best is None:
            raise Violation(404, f"no path in the API document matches {path}")
        _, template, params = best
        item = self.doc["paths"][template]
        operation = item.get(method.lower())
        if operation is None:
            raise Violation(405, f"{template} has no {method} operation in the API document")
        return template, operation, params, item

    def parameters(self, item, operation):
        params = [self.resolve(p) for p in item.get("parameters", [])]
        params += [self.resolve(p) for p in operation.get("parameters", [])]
        return params

    def check_request(self, method, target, headers, body):
        """Violations of one request (list of strings); raises Violation for path/method."""
        split = urllib.parse.urlsplit(target)
        template, operation, path_params, item = self.match(method, split.path)
        problems = []
        params = self.parameters(item, operation)
        declared = {(p["in"], p["name"]): p for p in params}

        for name, value in path_params.items():
            spec = declared.get(("path", name))
            if spec is None:
                problems.append(f"path parameter {name} is not declared")
            else:
                problems += self.check_simple(spec, value, f"path parameter {name}")

        query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        seen = set()
        for name, value in query:
            spec = declared.get(("query", name))
            if spec is None:
                problems.append(f"query parameter {name} is not declared for {method} {template}")
                continue
            if name in seen and spec.get("type") != "array":
                problems.append(f"query parameter {name} is repeated")
            seen.add(name)
            problems += self.check_simple(spec, value, f"query parameter {name}")

        lower_headers = {k.lower(): v for k, v in headers.items()}
        for (where, name), spec in declared.items():
            if where == "header" and name.lower() in lower_headers:
                problems += self.check_simple(spec, lower_headers[name.lower()], f"header {name}")
            if spec.get("required") and where in ("query", "header"):
                present = name in seen if where == "query" else name.lower() in lower_headers
                if not present:
                    problems.append(f"required {where} parameter {name} is missing")

        body_specs = [p for p in params if p["in"] == "body"]
        if body_specs:
            spec = body_specs[0]
            if not body:
                if spec.get("required"):
                    problems.append(f"the request body ({spec['name']}) is required")
            else:
                content_type = lower_headers.get("content-type", "").split(";")[0].strip()
                consumes = operation.get("consumes", self.doc.get("consumes", ["application/json"]))
                if content_type not in consumes:
                    problems.append(f"content type {content_type!r} is not one of {consumes}")
                try:
                    value = json.loads(body)
                except ValueError as error:
                    problems.append(f"the body is not JSON: {error}")
                else:
                    problems += self.check_schema(spec["schema"], value, "body")
        elif body:
            problems.append(f"{method} {template} takes no body")
        return template, operation, problems

    def check_simple(self, spec, text, where):
        kind = spec.get("type", "string")
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", text):
                return [f"{where} {text!r} is not an integer"]
            return self.check_schema(spec, int(text), where)
        if kind == "boolean":
            if text not in ("true", "false"):
                return [f"{where} {text!r} is not a boolean"]
            return []
        if kind == "number":
            try:
                return self.check_schema(spec, float(text), where)
            except ValueError:
                return [f"{where} {text!r} is not a number"]
        if kind == "string":
            return self.check_schema(spec, text, where)
        return [f"{where}: unsupported parameter type {kind}"]

    def check_schema(self, schema, value, where):
        schema = self.resolve(schema)
        problems = []
        if value is None:
            return [] if schema.get("x-nullable") else [f"{where} is null"]
        for part in schema.get("allOf", []):
            problems += self.check_schema(part, value, where)
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        checks = {
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
        }
        if kind is not None:
            if kind not in checks:
                return problems + [f"{where}: unsupported schema type {kind}"]
            if not checks[kind](value):
                return problems + [f"{where} is {json_type(value)}, not {kind}"]
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where} {value!r} is not one of {schema['enum']}")
        if isinstance(value, str):
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                problems.append(f"{where} is longer than {schema['maxLength']}")
            if "minLength" in schema and len(value) < schema["minLength"]:
                problems.append(f"{where} is shorter than {schema['minLength']}")
        if kind in ("integer", "number"):
            low, high = INT_RANGES.get(schema.get("format"), (None, None))
            low = schema.get("minimum", low)
            high = schema.get("maximum", high)
            if low is not None and value < low:
                problems.append(f"{where} {value} is below {low}")
            if high is not None and value > high:
                problems.append(f"{where} {value} is above {high}")
        if kind == "object":
            properties = schema.get("properties", {})
            for key in schema.get("required", []):
                if key not in value:
                    problems.append(f"{where}.{key} is required")
            extra = schema.get("additionalProperties")
            if (extra is None and not properties) or (
                isinstance(extra, dict) and self.free_form(extra)
            ):
                extra = True
            for key, item in value.items():
                if key in properties:
                    problems += self.check_schema(properties[key], item, f"{where}.{key}")
                elif isinstance(extra, dict):
                    problems += self.check_schema(extra, item, f"{where}.{key}")
                elif extra is not True:
                    problems.append(f"{where}.{key} is not a property of the schema")
        if kind == "array" and "items" in schema:
            for index, item in enumerate(value):
                problems += self.check_schema(schema["items"], item, f"{where}[{index}]")
        return problems

    def free_form(self, schema):
        """A bare `type: object`, which takes any JSON value as a map's value (see the
        module's documentation)."""
        schema = self.resolve(schema)
        constraints = set(schema) - {"type", "description"}
        return schema.get("type") == "object" and not constraints

    def check_response(self, operation, status, value):
        response = operation.get("responses", {}).get(str(status))
        if response is None or value is None:
            return []
        schema = self.resolve(response).get("schema")
        if schema is None:
            return []
        return [f"response {status}: {p}" for p in self.check_schema(schema, value, "body")]


def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {dict: "object", list: "array", str: "string", float: "number"}.get(type(value), "?")


class Violation(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------------------------
# Harbor's state and handlers


class HarborError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.body = {"errors": [{"code": code, "message": message}]}


def unauthorized():
    return HarborError(401, "UNAUTHORIZED", "unauthorized")


class Harbor:
    def __init__(self, options, seed):
        self.admin_password = os.environ["STANDIN_ADMIN_PASSWORD"]
        self.registries = seed.get("registries", [])
        self.projects = seed.get("projects", [])
        self.robots = seed.get("robots", [])
        self.retentions = seed.get("retentions", [])
        # A database sequence: ids of deleted policies are not given again.
        self.last_retention_id = max([r["id"] for r in self.retentions], default=0)
        self.drop = options.drop
        self.down = options.down
        self.conflicts = set(options.conflict or [])
        self.failures = list(options.fail or [])
        self.state_path = options.state
        self.save()

    def next_id(self, items, key):
        return max([item[key] for item in items], default=0) + 1

    def next_retention_id(self):
        self.last_retention_id += 1
        return self.last_retention_id

    def save(self):
        state = {
            "registries": self.registries,
            "projects": self.projects,
            "robots": self.robots,
            "retentions": self.retentions,
        }
        with open(self.state_path + ".tmp", "w", encoding="utf-8") as file:
            json.dump(state, file, indent=1, sort_keys=True)
        os.replace(self.state_path + ".tmp", self.state_path)

    def caller(self, headers):
        """'admin', ('robot', robot) or None (anonymous) from basic auth."""
        value = headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        except ValueError:
            return None
        if user == "admin" and password == self.admin_password:
            return "admin"
        for robot in self.robots:
            if ROBOT_PREFIX + robot["name"] == user and robot["secret_sha256"] == sha256(password):
                return ("robot", robot)
        return None

    def take_conflict(self, kind, name):
        key = f"{kind}:{name}"
        if key in self.conflicts:
            self.conflicts.discard(key)
            return True
        return False

    # -- endpoints -------------------------------------------------------------------------

    def handle(self, operation_id, caller, params, query, body):
        handler = getattr(self, "op_" + operation_id, None)
        if handler is None:
            raise Violation(501, f"the stand-in does not serve {operation_id}")
        return handler(caller, params, query, body)

    def op_getPing(self, caller, params, query, body):
        return 200, "Pong", {}

    def op_getCurrentUserInfo(self, caller, params, query, body):
        if caller is None:
            raise unauthorized()
        if caller != "admin":
            raise HarborError(
                412, "PRECONDITION", "get current user not available for security context: robot"
            )
        return (
            200,
            {"user_id": 1, "username": "admin", "sysadmin_flag": True, "admin_role_in_auth": False},
            {},
        )

    def op_getCurrentUserPermissions(self, caller, params, query, body):
        if caller is None:
            raise unauthorized()
        if caller == "admin":
            return 200, [], {}
        robot = caller[1]
        return (
            200,
            [
                {
                    "resource": f"/project/{robot['project_id']}/{access['resource']}",
                    "action": access["action"],
                }
                for permission in robot["permissions"]
                for access in permission["access"]
            ],
            {},
        )

    def op_listRegistries(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        keywords = parse_q(query.get("q", ""))
        found = [r for r in self.registries if all(str(r.get(k)) == v for k, v in keywords.items())]
        if "name" in query:  # deprecated in favour of q; a fuzzy match in Harbor
            found = [r for r in found if query["name"] in r["name"]]
        return page(found, query, registry_view)

    def op_createRegistry(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        name = body.get("name", "")
        if not name or len(name) > 64:
            raise HarborError(400, "BAD_REQUEST", "the registry name must be 1 to 64 characters")
        url = normalize_url(body.get("url", ""))
        if body.get("type") not in REGISTRY_TYPES:
            raise HarborError(
                400, "BAD_REQUEST", f"adapter factory for {body.get('type')} not found"
            )
        registry = {
            "id": self.next_id(self.registries, "id"),
            "name": name,
            "type": body["type"],
            "url": url,
            "insecure": bool(body.get("insecure", False)),
            "description": body.get("description", ""),
        }
        if self.take_conflict("registry", name):
            self.registries.append(registry)
            self.save()
        if any(r["name"] == name for r in self.registries):
            raise HarborError(409, "CONFLICT", f"registry {name} already exists")
        self.registries.append(registry)
        self.save()
        return 201, None, {"Location": f"/api/v2.0/registries/{registry['id']}"}

    def op_listProjects(self, caller, params, query, body):
        keywords = parse_q(query.get("q", ""))
        visible = self.projects if caller == "admin" else [p for p in self.projects if p["public"]]
        found = [p for p in visible if all(str(p.get(k)) == v for k, v in keywords.items())]
        if "name" in query:  # a fuzzy match in Harbor, unlike q=name=...
            found = [p for p in found if query["name"] in p["name"]]
        return page(found, query, project_view)

    def op_createProject(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        name = body.get("project_name", "")
        if not NAME.match(name) or len(name) > 255:
            raise HarborError(
                400,
                "BAD_REQUEST",
                "project name is not in lower case or contains illegal characters",
            )
        public = (body.get("metadata") or {}).get("public") or "false"
        if public not in ("true", "false"):
            raise HarborError(
                400, "BAD_REQUEST", "metadata.public should only be 'true' or 'false'"
            )
        registry_id = body.get("registry_id")
        if registry_id is not None:
            registry = next((r for r in self.registries if r["id"] == registry_id), None)
            if registry is None:
                raise HarborError(500, "UNKNOWN", f"failed to get the registry {registry_id}")
            if registry["type"] not in PROXY_CACHE_TYPES:
                raise HarborError(
                    400, "BAD_REQUEST", f"unsupported registry type {registry['type']}"
                )
        project = {
            "project_id": self.next_id(self.projects, "project_id"),
            "name": name,
            "public": public == "true",
            "registry_id": registry_id or 0,
        }
        if self.take_conflict("project", name):
            self.add_project(project)
        if any(p["name"] == name for p in self.projects):
            raise HarborError(409, "CONFLICT", f"The project named {name} already exists")
        self.add_project(project)
        return 201, None, {"Location": f"/api/v2.0/projects/{project['project_id']}"}

    def add_project(self, project):
        """A new project; a proxy cache gets Harbor's default retention policy."""
        self.projects.append(project)
        if project["registry_id"]:
            self.add_default_retention(project)
        self.save()

    def add_default_retention(self, project):
        every_repository = {"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}
        every_tag = {"kind": "doublestar", "decoration": "matches", "pattern": "**"}
        rule = {
            "id": 1,
            "priority": 1,
            "disabled": False,
            "action": "retain",
            "template": "nDaysSinceLastPull",
            "params": {"nDaysSinceLastPull": DEFAULT_RETENTION_DAYS},
            "tag_selectors": [dict(every_tag, extras="")],
            "scope_selectors": {"repository": [dict(every_repository, extras="")]},
        }
        policy = {
            "algorithm": "or",
            "rules": [rule],
            "trigger": {"kind": "Schedule", "settings": {"cron": DAILY}},
            "scope": {"level": "project", "ref": project["project_id"]},
        }
        retention = {"id": self.next_retention_id(), "policy": policy, "scheduled": DAILY}
        self.retentions.append(retention)
        project["retention_id"] = retention["id"]

    def op_getProject(self, caller, params, query, body):
        # An id when it is one (the header X-Is-Resource-Name, which says otherwise, is not
        # served: the script never sends it).
        name_or_id = params["project_name_or_id"]
        by_id = name_or_id.isdigit()
        key, value = ("project_id", int(name_or_id)) if by_id else ("name", name_or_id)
        project = next((p for p in self.projects if p[key] == value), None)
        if caller != "admin" and (project is None or not project["public"]):
            raise unauthorized()
        if project is None:
            raise HarborError(404, "NOT_FOUND", f"project {name_or_id} not found")
        return 200, project_view(project), {}

    # -- tag retention (src/server/v2.0/handler/retention.go, src/controller/retention) ------

    def retention(self, policy_id):
        return next((r for r in self.retentions if r["id"] == policy_id), None)

    def op_getRetention(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        retention = self.retention(int(params["id"]))
        if retention is None:  # the manager's plain error: 500
            raise HarborError(
                500, "UNKNOWN", f"no such Retention policy with id {params['id']}"
            )
        return 200, retention_view(retention), {}

    def op_createRetention(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        policy = stored_policy(body)
        check_rules(policy)
        scope = policy["scope"]
        if scope["level"] != "project":
            raise HarborError(400, "BAD_REQUEST", f"scope {scope['level']} is not support")
        project = next((p for p in self.projects if p["project_id"] == scope["ref"]), None)
        if scope["ref"] <= 0 or project is None:
            raise HarborError(400, "BAD_REQUEST", f"invalid Project id {scope['ref']}")
        if self.take_conflict("retention", project["name"]):
            self.add_default_retention(project)
            self.save()
        if project.get("retention_id"):
            raise HarborError(
                400,
                "BAD_REQUEST",
                f"project {project['project_id']} already has retention policy "
                f"{project['retention_id']}",
            )
        check_cron(policy)
        cron = policy["trigger"]["settings"].get("cron") if policy["trigger"]["settings"] else None
        retention = {
            "id": self.next_retention_id(),
            "policy": policy,
            "scheduled": cron if policy["trigger"]["kind"] == "Schedule" and cron else None,
        }
        self.retentions.append(retention)
        project["retention_id"] = retention["id"]
        self.save()
        return 201, None, {"Location": f"/api/v2.0/retentions/{retention['id']}"}

    def op_updateRetention(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        policy_id = int(params["id"])
        policy = stored_policy(body)
        check_rules(policy)
        scope = policy["scope"]
        project = next((p for p in self.projects if p["project_id"] == scope["ref"]), None)
        if scope["level"] != "project" or project is None:
            raise HarborError(404, "NOT_FOUND", f"project {scope['ref']} not found")
        if self.take_conflict("retention", project["name"]):
            # Another client deleted the project's policy and made a new one.
            self.retentions = [r for r in self.retentions if r["id"] != project["retention_id"]]
            self.add_default_retention(project)
            self.save()
        if project.get("retention_id") != policy_id:
            raise HarborError(
                404, "NOT_FOUND", f"the retention policy id {policy_id} does not match"
            )
        check_cron(policy)
        retention = self.retention(policy_id)
        if retention is None:
            raise HarborError(500, "UNKNOWN", f"no such Retention policy with id {policy_id}")
        retention["scheduled"] = rescheduled(retention, policy)
        retention["policy"] = policy
        self.save()
        return 200, None, {}

    def op_ListRobot(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        keywords = parse_q(query.get("q", ""))
        if keywords.get("Level") != "project" or "ProjectID" not in keywords:
            raise HarborError(
                400, "BAD_REQUEST", "the stand-in lists project robots by Level and ProjectID only"
            )
        found = [r for r in self.robots if str(r["project_id"]) == keywords["ProjectID"]]
        return page(found, query, robot_view)

    def op_CreateRobot(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        name = body.get("name", "")
        if not NAME.match(name):
            raise HarborError(
                400, "BAD_REQUEST", "robot name is not in lower case or contains illegal characters"
            )
        duration = body.get("duration", 0)
        if duration != -1 and duration <= 0:
            raise HarborError(400, "BAD_REQUEST", f"bad request error duration input: {duration}")
        if body.get("level") != "project":
            raise HarborError(400, "BAD_REQUEST", "the stand-in creates project robots only")
        permissions = body.get("permissions") or []
        if len(permissions) != 1 or permissions[0].get("kind") != "project":
            raise HarborError(400, "BAD_REQUEST", "bad request permission")
        for access in permissions[0].get("access") or [None]:
            if access is None or (access.get("resource"), access.get("action")) not in ROBOT_ACCESS:
                raise HarborError(400, "BAD_REQUEST", f"bad request permission: {access}")
        project = next(
            (p for p in self.projects if p["name"] == permissions[0].get("namespace")), None
        )
        if project is None:
            raise HarborError(
                404, "NOT_FOUND", f"project {permissions[0].get('namespace')} not found"
            )
        secret = "S" + secrets.token_hex(16) + "a1"
        robot = {
            "id": self.next_id(self.robots, "id"),
            "name": f"{project['name']}+{name}",
            "project_id": project["project_id"],
            "description": body.get("description", ""),
            "duration": duration,
            "disable": bool(body.get("disable", False)),
            "permissions": [
                {
                    "kind": "project",
                    "namespace": project["name"],
                    "access": [
                        {"resource": a["resource"], "action": a["action"], "effect": ""}
                        for a in permissions[0]["access"]
                    ],
                }
            ],
            "secret_sha256": sha256(secret),
        }
        if self.take_conflict("robot", name):
            self.robots.append(robot)
            self.save()
        if any(r["name"] == robot["name"] for r in self.robots):
            raise HarborError(
                409,
                "CONFLICT",
                f"robot account {project['project_id']}:{robot['name']} already exists",
            )
        self.robots.append(robot)
        self.save()
        created = {
            "id": robot["id"],
            "name": ROBOT_PREFIX + robot["name"],
            "secret": secret,
            "creation_time": TIME,
            "expires_at": -1,
        }
        return 201, created, {"Location": f"/api/v2.0/robots/{robot['id']}"}

    def op_RefreshSec(self, caller, params, query, body):
        if caller != "admin":
            raise unauthorized()
        robot = next((r for r in self.robots if r["id"] == int(params["robot_id"])), None)
        if robot is None:
            raise HarborError(404, "NOT_FOUND", f"robot {params['robot_id']} not found")
        secret = body.get("secret", "")
        if secret:
            valid = 8 <= len(secret) <= 128 and all(
                re.search(c, secret) for c in ("[a-z]", "[A-Z]", "[0-9]")
            )
            if not valid:
                raise HarborError(
                    400,
                    "BAD_REQUEST",
                    "the secret must be 8-128, inclusively, characters long with at least "
                    "1 uppercase letter, 1 lowercase letter and 1 number",
                )
            robot["secret_sha256"] = sha256(secret)
            answer = {}
        else:
            generated = "R" + secrets.token_hex(16) + "b2"
            robot["secret_sha256"] = sha256(generated)
            answer = {"secret": generated}
        self.save()
        return 200, answer, {}


def stored_policy(body):
    """A policy as Harbor keeps it (policy.Metadata, decoded from the request through its
    swagger model): the fields it knows, Go's zero values for those left out. A policy without
    trigger or scope makes Harbor dereference nil: 500."""
    trigger, scope = body.get("trigger"), body.get("scope")
    if not trigger or not scope:
        raise HarborError(500, "UNKNOWN", "nil pointer dereference (no trigger or scope)")

    def selector(item):
        return {key: item.get(key, "") for key in ("kind", "decoration", "pattern", "extras")}

    rules = [
        {
            "id": rule.get("id", 0),
            "priority": rule.get("priority", 0),
            "disabled": rule.get("disabled", False),
            "action": rule.get("action", ""),
            "template": rule.get("template", ""),
            "params": rule.get("params") or {},
            "tag_selectors": [selector(item) for item in rule.get("tag_selectors") or []],
            "scope_selectors": {
                key: [selector(item) for item in items]
                for key, items in (rule.get("scope_selectors") or {}).items()
            },
        }
        for rule in body.get("rules") or []
    ]
    return {
        "algorithm": body.get("algorithm", ""),
        "rules": rules,
        "trigger": {"kind": trigger.get("kind", ""), "settings": trigger.get("settings")},
        "scope": {"level": scope.get("level", ""), "ref": scope.get("ref", 0)},
    }


def check_rules(policy):
    """The handler's checks: at most 15 rules, no two alike (ids aside)."""
    if len(policy["rules"]) > 15:
        raise HarborError(400, "BAD_REQUEST", "only 15 rules are allowed at most")
    seen = {}
    for index, rule in enumerate(policy["rules"]):
        key = json.dumps(dict(rule, id=0), sort_keys=True)
        if key in seen:
            raise HarborError(
                409, "CONFLICT", f"rule {index} is conflict with rule {seen[key]}"
            )
        seen[key] = index


def check_cron(policy):
    """ValidateRetentionPolicy (v2.15.1): a cron that is not a string panics (500); a non-empty
    one must parse, with seconds first and 0 (the stand-in checks the six fields and the 0)."""
    trigger = policy["trigger"]
    settings = trigger["settings"]
    if trigger["kind"] != "Schedule" or not isinstance(settings, dict) or "cron" not in settings:
        return
    cron = settings["cron"]
    if not isinstance(cron, str):
        raise HarborError(500, "UNKNOWN", "interface conversion: interface {} is not string")
    fields = cron.split(" ")
    if cron and (len(fields) != 6 or fields[0] != "0"):
        raise HarborError(
            400, "BAD_REQUEST", f"invalid cron string for scheduled tag retention: {cron}"
        )


def rescheduled(retention, policy):
    """The controller's UpdateRetention: what the scheduler runs after the update."""
    old, new = retention["policy"]["trigger"], policy["trigger"]
    old_cron = (old["settings"] or {}).get("cron")
    new_cron = (new["settings"] or {}).get("cron")
    scheduled = retention["scheduled"]
    if old["kind"] != new["kind"]:
        if old["kind"] == "Schedule":
            scheduled = None
        if new["kind"] == "Schedule":
            if not isinstance(new_cron, str) or not new_cron:
                raise HarborError(500, "UNKNOWN", "failed to schedule: empty cron")
            scheduled = new_cron
    elif new["kind"] == "Schedule":
        if old_cron != new_cron:
            if not isinstance(old_cron, str) or not isinstance(new_cron, str):
                raise HarborError(500, "UNKNOWN", "interface conversion: interface {} is nil")
            if old_cron:
                scheduled = None
            if new_cron:
                scheduled = new_cron
    elif new["kind"] != "":
        raise HarborError(500, "UNKNOWN", f"not support Trigger {new['kind']}")
    return scheduled


def retention_view(retention):
    """GET /retentions/{id}: the policy through go-swagger's model, whose fields are all
    `omitempty`; the next run time added beside a non-empty cron (the manager's GetPolicy)."""

    def compact(fields):
        return {key: value for key, value in fields.items() if value not in ("", 0, None, {}, [])}

    policy = retention["policy"]
    settings = policy["trigger"]["settings"]
    if isinstance(settings, dict) and isinstance(settings.get("cron"), str) and settings["cron"]:
        settings = dict(settings, next_scheduled_time=NEXT_RUN)
    rules = [
        compact(
            dict(
                rule,
                tag_selectors=[compact(item) for item in rule["tag_selectors"]],
                scope_selectors={
                    key: [compact(item) for item in items]
                    for key, items in rule["scope_selectors"].items()
                },
            )
        )
        for rule in policy["rules"]
    ]
    return compact(
        {
            "id": retention["id"],
            "algorithm": policy["algorithm"],
            "rules": rules,
            "trigger": compact({"kind": policy["trigger"]["kind"], "settings": settings}),
            "scope": compact(policy["scope"]),
        }
    )


def redacted(body):
    """A request body for the log: a secret only as its SHA-256."""
    if isinstance(body, dict) and isinstance(body.get("secret"), str):
        return dict(body, secret="sha256:" + sha256(body["secret"]))
    return body


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_url(url):
    """Harbor's lib.ValidateHTTPURL: trim, default http://, http(s) only, no query."""
    url = url.strip(" ").rstrip("/")
    if not url:
        raise HarborError(400, "BAD_REQUEST", "empty string")
    if "://" not in url:
        url = "http://" + url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise HarborError(400, "BAD_REQUEST", f"invalid HTTP scheme: {parts.scheme}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def parse_q(q):
    """Harbor's q: `k=v` pairs split by `,`; only exact matches are served here."""
    keywords = {}
    if not q:
        return keywords
    for pair in urllib.parse.unquote(q).split(","):
        key, _, value = pair.partition("=")
        if not key or not value:
            raise HarborError(
                400,
                "BAD_REQUEST",
                'the query string must contain "=" and the key/value cannot be empty',
            )
        if value[0] in "~[{(":
            raise HarborError(400, "BAD_REQUEST", "the stand-in serves exact matches only")
        keywords[key] = value
    return keywords


def page(items, query, view):
    number = int(query.get("page", "1"))
    size = int(query.get("page_size", "10"))
    chosen = items[(number - 1) * size : number * size]
    return 200, [view(item) for item in chosen], {"X-Total-Count": str(len(items))}


def registry_view(registry):
    view = dict(registry, status="healthy", creation_time=TIME, update_time=TIME)
    view["credential"] = {"type": "basic", "access_key": "", "access_secret": ""}
    return view


def project_view(project):
    view = {
        "project_id": project["project_id"],
        "owner_id": 1,
        "owner_name": "admin",
        "name": project["name"],
        "creation_time": TIME,
        "update_time": TIME,
        "deleted": False,
        "togglable": True,
        "repo_count": 0,
        "metadata": {"public": "true" if project["public"] else "false"},
    }
    if project.get("retention_id"):
        view["metadata"]["retention_id"] = str(project["retention_id"])
    if project["registry_id"]:
        view["registry_id"] = project["registry_id"]
    return view


def robot_view(robot):
    return {
        "id": robot["id"],
        "name": ROBOT_PREFIX + robot["name"],
        "description": robot["description"],
        "level": "project",
        "duration": robot["duration"],
        "expires_at": -1 if robot["duration"] == -1 else 1900000000,
        "disable": robot["disable"],
        "editable": True,
        "permissions": robot["permissions"],
        "creator_type": "local",
        "creator_ref": 1,
        "creation_time": TIME,
        "update_time": TIME,
    }


# ---------------------------------------------------------------------------------------------
# HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "harbor-standin"

    def log_message(self, format, *args):
        pass

    def do(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        entry = {
            "method": self.command,
            "target": self.path,
            "path": urllib.parse.urlsplit(self.path).path,
        }
        with server.lock:
            harbor = server.harbor
            if harbor.drop > 0:
                harbor.drop -= 1
                entry.update(status="dropped")
                server.log(entry)
                self.close_connection = True
                self.connection.close()
                return
            status, answer, headers, violations = self.answer(harbor, raw, entry)
            entry.update(status=status, violations=violations)
            server.log(entry)
        self.reply(status, answer, headers)

    def answer(self, harbor, raw, entry):
        """(status, answer, headers, violations) for one request."""
        api = self.server.api
        try:
            _, operation, violations = api.check_request(
                self.command, self.path, dict(self.headers), raw
            )
        except Violation as violation:
            return contract_failure(violation)
        entry["operation"] = operation.get("operationId")
        caller = harbor.caller(self.headers)
        entry["user"] = caller if caller in (None, "admin") else ROBOT_PREFIX + caller[1]["name"]
        body = json.loads(raw) if raw and not violations else None
        entry["body"] = redacted(body)
        if violations:
            return 400, error_body("CONTRACT", "; ".join(violations)), {}, violations
        if harbor.down > 0:
            harbor.down -= 1
            return 503, "503 Service Temporarily Unavailable", {}, []
        failure = f"{self.command} {entry['path']}"
        if failure in harbor.failures:
            harbor.failures.remove(failure)
            return 500, error_body("UNKNOWN", "internal server error (injected)"), {}, []
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        params = api.match(self.command, entry["path"])[2]
        try:
            status, answer, headers = harbor.handle(
                entry["operation"], caller, params, query, body or {}
            )
        except HarborError as error:
            status, answer, headers = error.status, error.body, {}
        except Violation as violation:
            return contract_failure(violation)
        if not isinstance(answer, str):
            violations = api.check_response(operation, status, answer)
        return status, answer, headers, violations

    def reply(self, status, answer, headers):
        if isinstance(answer, str):
            data, kind = answer.encode("utf-8"), "text/plain; charset=utf-8"
        elif answer is None:
            data, kind = b"", "application/json"
        else:
            data, kind = json.dumps(answer).encode("utf-8"), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do


def error_body(code, message):
    return {"errors": [{"code": code, "message": message}]}


def contract_failure(violation):
    return violation.status, error_body("CONTRACT", violation.message), {}, [violation.message]


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, options, api, seed):
        super().__init__(("127.0.0.1", 0), Handler)
        self.api = api
        self.harbor = Harbor(options, seed)
        self.lock = threading.Lock()
        self.log_file = open(options.log, "a", encoding="utf-8")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(options.cert, options.key)
        self.socket = context.wrap_socket(self.socket, server_side=True)

    def log(self, entry):
        self.log_file.write(json.dumps(entry, sort_keys=True) + "\n")
        self.log_file.flush()

    def handle_error(self, request, client_address):
        pass  # a client that gives up on TLS is the test's business, not a server error


def load_api(path):
    with open(path, encoding="utf-8") as file:
        return ApiDoc(json.load(file))


def serve(options):
    api = load_api(options.api_doc)
    seed = {}
    if options.seed:
        with open(options.seed, encoding="utf-8") as file:
            seed = json.load(file)
    server = Server(options, api, seed)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def validate(options):
    """Reads a JSON list of requests ({method, target, body?}) on stdin and prints, for each,
    the list of its violations."""
    api = load_api(options.api_doc)
    verdicts = []
    for case in json.load(sys.stdin):
        body = json.dumps(case["body"]).encode() if "body" in case else b""
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            _, _, problems = api.check_request(case["method"], case["target"], headers, body)
        except Violation as violation:
            problems = [violation.message]
        verdicts.append(problems)
    print(json.dumps(verdicts))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve")
    run.add_argument("--api-doc", required=True)
    run.add_argument("--cert", required=True)
    run.add_argument("--key", required=True)
    run.add_argument("--log", required=True)
    run.add_argument("--state", required=True)
    run.add_argument("--seed")
    run.add_argument("--drop", type=int, default=0)
    run.add_argument("--down", type=int, default=0)
    run.add_argument("--conflict", action="append")
    run.add_argument("--fail", action="append")
    check = commands.add_parser("validate")
    check.add_argument("--api-doc", required=True)
    options = parser.parse_args()
    if options.command == "serve":
        serve(options)
        return 0
    return validate(options)


if __name__ == "__main__":
    sys.exit(main())
