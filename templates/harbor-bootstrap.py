# harbor-bootstrap: makes a freshly installed Harbor the pull-through mirror that harbor-edge's
# node files point at, through Harbor's REST API v2.0 (Harbor 2.15.1, chart 1.19.1).
#
# Python 3 with its standard library only, because the job is JSON over verified TLS: `json`,
# `ssl` and `urllib` do that with no hand-made JSON parsing and no shell quoting. The Job runs
# it non-root on a read-only root filesystem as `python3 -I -B harbor-bootstrap.py config.json`
# (-B: no bytecode written; the script writes no file at all), on the official image
# `python:3.13-alpine@sha256:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f`
# (Python 3.13.15, Alpine 3.24; the multi-arch index digest docker-library/repo-info records).
# It needs Python 3.9 or later.
#
# ## Input
#
# The one argument is a JSON file (rendered beside this script). Every key shown is required
# (`upstreams` or `palette` by layout); any other key is an error.
#
# ```json
# {
#   "harbor_url": "https://harbor.harbor.svc",
#   "tls_server_name": "spectro.registry.local",
#   "ca_file": "/etc/harbor-bootstrap/tls/ca.crt",
#   "wait": {"attempts": 60, "interval_seconds": 10},
#   "request_timeout_seconds": 30,
#   "layout": "proxy-cache",
#   "cache_retention_days": "keep",
#   "upstreams": [
#     {"endpoint": "docker.io", "type": "docker-hub", "url": "https://hub.docker.com",
#      "project": "docker.io"},
#     {"endpoint": "registry.example.com-5000", "type": "docker-registry",
#      "url": "https://registry.example.com:5000", "project": "registry.example.com-5000"}
#   ]
# }
# ```
#
# - `harbor_url`: Harbor's base URL, https only; `ca_file`: the CA that signed Harbor's
#   certificate (`ca.crt` of `harbor-tls`). The certificate must name `tls_server_name`, or
#   the host of `harbor_url` when that is `null`: the Job connects to the chart's Service in
#   the cluster and checks the registry host's name, which every certificate of harbor-edge
#   carries (a provided one may lack the Service's name).
# - `wait`: how often to ask `GET /api/v2.0/ping` before giving up, and the pause between tries.
# - `layout` `proxy-cache`: `upstreams` lists, per mirrored registry, the name of the Harbor
#   registry endpoint, its provider type, its URL and the proxy-cache project bound to it.
#   Types and URLs as Harbor's adapters expect them: docker.io is `docker-hub` with
#   `https://hub.docker.com`, gcr.io is `google-gcr` with `https://gcr.io`, ghcr.io is
#   `github-ghcr` with `https://ghcr.io`; quay.io, registry.k8s.io and any other registry are
#   `docker-registry` with `https://<host>` (chart 1.19.1 permits no `quay` proxy cache).
#   `cache_retention_days`: what the proxy-cache projects keep, `"keep"` or a whole number of
#   days from 1 to 3650 (see Retention below).
# - `layout` `spectro-images` (Palette): instead of `upstreams`,
#   `"palette": {"project": "spectro-images", "public": false, "robot": "nodes"}`. The robot
#   (or `null` when the project is public) may only pull from that project; nodes log in as
#   `robot$<project>+<robot>` (Harbor's default robot prefix) with `HARBOR_ROBOT_SECRET`.
# - Names (endpoints, projects, robot) follow Harbor's rule `[a-z0-9]+(?:[._-][a-z0-9]+)*`
#   (a port's `:` becomes `-`); endpoint names are at most 64 characters.
#
# Secrets come from the environment only: `HARBOR_ADMIN_PASSWORD` (user `admin`) and, with a
# robot, `HARBOR_ROBOT_SECRET` (8 to 128 characters with an upper-case letter, a lower-case
# letter and a digit, Harbor's rule). Neither is ever printed.
#
# ## Behaviour
#
# Wait (bounded) for the API; check that `admin` is a system administrator; then for each
# object look it up by name, create it only when absent, and take a 409 on create as "present"
# (looked up again). An existing object that differs from what is wanted (another type or URL,
# a project bound to another registry, another visibility, a robot with other permissions) is
# reported and never changed (retention policies aside, below): Harbor cannot rebind a
# proxy-cache project, and silently widening or narrowing access is the operator's call. The
# robot's secret is set with `PATCH /robots/{id}` (Harbor ignores a secret sent on create)
# when the robot is new or cannot log in with it (checked with `GET /users/current/permissions`
# as the robot), so a rerun sends no write at all. Every step is idempotent: a run that stopped
# halfway is finished by the next.
#
# ## Retention
#
# Harbor gives every new proxy-cache project a tag retention policy (its id in the project's
# metadata `retention_id`) of one rule for every repository (`repoMatches **`) and tag
# (`matches **`, untagged artifacts included): retain what was pulled within the last 7 days,
# on the schedule `0 0 0 * * *` (daily). Nodes run images from their own store without pulling
# them again, so that rule removes what a node rebuilt during an outage needs. This policy is
# the one existing object the script changes. Once every endpoint and project is in place, it
# reads each proxy-cache project's policy (`GET /retentions/{id}`) and, when it differs,
# updates it (`PUT /retentions/{id}`) to the same rule with
# - `"keep"`: the template `always` (retain every artifact) and no schedule (an empty cron, as
#   Harbor's UI sends for the schedule "None"; Harbor drops the daily job): nothing is ever
#   removed, not even by a manual run of the policy;
# - N days: the template `nDaysSinceLastPull` with N, daily (Harbor's own policy when N is 7).
# The script sets the template, its days and the schedule (none or daily), nothing else: a
# policy with more rules, other selectors, a disabled rule or another schedule is the
# operator's, reported and left as it is; the other projects' policies are still handled, then
# the run ends with exit 1 naming it. A project without a policy gets one
# (`POST /retentions`). A 404 on update (the project has another policy by now) or a 400 on
# create because it has one by then means another client was faster: the project is read
# again and its policy handled once more.
#
# Exit codes, with one line on stderr otherwise: 0 done; 1 Harbor refused a request or holds an
# object that differs (a retention policy included); 2 the input (file or environment) is
# invalid; 3 Harbor cannot be reached or trusted (not up within the wait bound, TLS
# verification failed, connection lost).
# Connection errors and 5xx answers are retried only while waiting for the API; a 401 or 403
# ends the run at once.


import base64
import http.client
import json
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import NamedTuple, Optional

sys.dont_write_bytecode = True

API = "/api/v2.0"
ADMIN_USER = "admin"
PAGE_SIZE = 100
NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE in chart 1.19.1's core ConfigMap. Harbor refuses a
# proxy-cache project on any other type only after the endpoint exists; checked up front.
PROXY_CACHE_TYPES = (
    "docker-hub",
    "harbor",
    "azure-acr",
    "ali-acr",
    "aws-ecr",
    "google-gcr",
    "docker-registry",
    "github-ghcr",
    "jfrog-artifactory",
)
PULL_ONLY = {("repository", "pull")}
# Retention (see the header): the bound on days, Harbor's daily schedule (seconds first), and
# the selectors of Harbor's default rule.
MAX_RETENTION_DAYS = 3650
DAILY = "0 0 0 * * *"
EVERY_REPOSITORY = {"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}
EVERY_TAG = {"kind": "doublestar", "decoration": "matches", "pattern": "**"}

EXIT_REFUSED = 1
EXIT_INPUT = 2
EXIT_UNREACHABLE = 3


class Failure(Exception):
    """Ends the run: an exit code and the one line that explains it."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class LeftAlone(Failure):
    """A retention policy that is the operator's: reported, and the other projects' policies
    are still handled before the run ends with it."""

    def __init__(self, message):
        super().__init__(EXIT_REFUSED, message)


class Unreachable(Exception):
    """No HTTP answer (refused, reset, timed out): retried while waiting for the API only."""


def say(message):
    print(f"harbor-bootstrap: {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# Input


class Upstream(NamedTuple):
    endpoint: str
    type: str
    url: str
    project: str


class Palette(NamedTuple):
    project: str
    public: bool
    robot: Optional[str]


class Settings(NamedTuple):
    harbor_url: str
    tls_server_name: Optional[str]
    ca_file: str
    attempts: int
    interval: float
    request_timeout: float
    upstreams: list  # of Upstream; empty in the Palette layout
    retention_days: Optional[int]  # None: keep (proxy-cache layout only)
    palette: Optional[Palette]
    admin_password: str
    robot_secret: Optional[str]


def load_settings(argv, environ):
    if len(argv) != 2:
        raise Failure(EXIT_INPUT, "usage: harbor-bootstrap.py CONFIG.json")
    try:
        with open(argv[1], encoding="utf-8") as file:
            doc = json.load(file)
    except OSError as error:
        raise Failure(EXIT_INPUT, f"cannot read {argv[1]}: {error.strerror}") from None
    except ValueError as error:
        raise Failure(EXIT_INPUT, f"{argv[1]} is not JSON: {error}") from None

    config = Fields(doc, "config")
    harbor_url = config.text("harbor_url").rstrip("/")
    if not harbor_url.startswith("https://"):
        raise Failure(EXIT_INPUT, "config.harbor_url must start with https:// (TLS is verified)")
    tls_server_name = config.get("tls_server_name")
    if tls_server_name is not None and not (isinstance(tls_server_name, str) and tls_server_name):
        raise Failure(EXIT_INPUT, "config.tls_server_name must be a non-empty string or null")
    wait = Fields(config.get("wait"), "config.wait")
    attempts, interval = wait.count("attempts"), wait.number("interval_seconds")
    wait.done()
    layout = config.text("layout")
    upstreams, retention_days, palette = [], None, None
    if layout == "proxy-cache":
        upstreams = read_upstreams(config.get("upstreams"))
        retention_days = read_retention(config.get("cache_retention_days"))
    elif layout == "spectro-images":
        palette = read_palette(config.get("palette"))
    else:
        raise Failure(EXIT_INPUT, "config.layout must be proxy-cache or spectro-images")
    settings = Settings(
        harbor_url=harbor_url,
        tls_server_name=tls_server_name,
        ca_file=config.text("ca_file"),
        attempts=attempts,
        interval=interval,
        request_timeout=config.number("request_timeout_seconds"),
        upstreams=upstreams,
        retention_days=retention_days,
        palette=palette,
        admin_password=environ.get("HARBOR_ADMIN_PASSWORD", ""),
        robot_secret=environ.get("HARBOR_ROBOT_SECRET", "") if palette and palette.robot else None,
    )
    config.done()

    if not settings.admin_password:
        raise Failure(EXIT_INPUT, "HARBOR_ADMIN_PASSWORD is not set")
    if settings.robot_secret == "":
        raise Failure(EXIT_INPUT, "HARBOR_ROBOT_SECRET is not set (config.palette names a robot)")
    if settings.robot_secret is not None and not robot_secret_is_valid(settings.robot_secret):
        raise Failure(
            EXIT_INPUT,
            "HARBOR_ROBOT_SECRET must be 8 to 128 characters with an upper-case letter, "
            "a lower-case letter and a digit (Harbor's rule)",
        )
    return settings


def read_upstreams(value):
    if not isinstance(value, list) or not value:
        raise Failure(EXIT_INPUT, "config.upstreams must be a non-empty list")
    upstreams = []
    for index, item in enumerate(value):
        where = f"config.upstreams[{index}]"
        fields = Fields(item, where)
        upstream = Upstream(
            endpoint=fields.name("endpoint", 64),
            type=fields.text("type"),
            url=fields.text("url").rstrip("/"),
            project=fields.name("project", 255),
        )
        fields.done()
        if upstream.type not in PROXY_CACHE_TYPES:
            raise Failure(
                EXIT_INPUT,
                f"{where}.type {upstream.type!r} cannot back a proxy-cache project; "
                f"Harbor permits {', '.join(PROXY_CACHE_TYPES)}",
            )
        if not re.match(r"^https?://[^/?#]+", upstream.url):
            raise Failure(EXIT_INPUT, f"{where}.url must be an http(s) URL")
        upstreams.append(upstream)
    for key in ("endpoint", "project"):
        names = [getattr(upstream, key) for upstream in upstreams]
        if len(set(names)) != len(names):
            raise Failure(EXIT_INPUT, f"config.upstreams: each {key} name must appear once")
    return upstreams


def read_retention(value):
    """None for "keep", else the days."""
    if value == "keep":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_RETENTION_DAYS:
        raise Failure(
            EXIT_INPUT,
            'config.cache_retention_days must be "keep" or a whole number of days '
            f"from 1 to {MAX_RETENTION_DAYS}",
        )
    return value


def read_palette(value):
    fields = Fields(value, "config.palette")
    project, public = fields.name("project", 255), fields.flag("public")
    robot = None if fields.get("robot") is None else fields.name("robot", 255)
    fields.done()
    if robot is None and not public:
        raise Failure(EXIT_INPUT, "config.palette: a private project needs a robot for the nodes")
    return Palette(project=project, public=public, robot=robot)


def robot_secret_is_valid(secret):
    return (
        8 <= len(secret) <= 128
        and re.search("[a-z]", secret) is not None
        and re.search("[A-Z]", secret) is not None
        and re.search("[0-9]", secret) is not None
    )


class Fields:
    """Reads one JSON object strictly: typed required keys, and no key left unread."""

    def __init__(self, value, where):
        if not isinstance(value, dict):
            raise Failure(EXIT_INPUT, f"{where} must be a JSON object")
        self.value = value
        self.where = where
        self.read = set()

    def get(self, key):
        if key not in self.value:
            raise Failure(EXIT_INPUT, f"{self.where}.{key} is missing")
        self.read.add(key)
        return self.value[key]

    def text(self, key):
        value = self.get(key)
        if not isinstance(value, str) or not value:
            raise Failure(EXIT_INPUT, f"{self.where}.{key} must be a non-empty string")
        return value

    def name(self, key, max_length):
        value = self.text(key)
        if len(value) > max_length or not NAME.match(value):
            raise Failure(
                EXIT_INPUT,
                f"{self.where}.{key} {value[:80]!r} is not a Harbor name "
                f"([a-z0-9]+(?:[._-][a-z0-9]+)*, at most {max_length} characters)",
            )
        return value

    def number(self, key):
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise Failure(EXIT_INPUT, f"{self.where}.{key} must be a positive number")
        return value

    def count(self, key):
        value = self.number(key)
        if not isinstance(value, int):
            raise Failure(EXIT_INPUT, f"{self.where}.{key} must be a whole number")
        return value

    def flag(self, key):
        value = self.get(key)
        if not isinstance(value, bool):
            raise Failure(EXIT_INPUT, f"{self.where}.{key} must be true or false")
        return value

    def done(self):
        unknown = sorted(set(self.value) - self.read)
        if unknown:
            raise Failure(EXIT_INPUT, f"{self.where}: unknown key {', '.join(unknown)}")


# ---------------------------------------------------------------------------------------------
# Harbor's API


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is answered as the error it is, never followed


class NamedHTTPSHandler(urllib.request.HTTPSHandler):
    """HTTPS that checks the certificate for `server_name` (also sent as SNI) instead of the
    URL's host, which stays the address connected to and the Host header."""

    def __init__(self, context, server_name):
        super().__init__(context=context)
        self.tls_context = context
        self.server_name = server_name

    def https_open(self, req):
        context, server_name = self.tls_context, self.server_name

        class Connection(http.client.HTTPSConnection):
            def connect(self):
                http.client.HTTPConnection.connect(self)
                self.sock = context.wrap_socket(self.sock, server_hostname=server_name)

        return self.do_open(Connection, req, context=context)


class Harbor:
    def __init__(self, settings):
        self.base = settings.harbor_url
        self.server_name = settings.tls_server_name
        self.timeout = settings.request_timeout
        self.admin = (ADMIN_USER, settings.admin_password)
        try:
            context = ssl.create_default_context(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as error:
            message = f"cannot load config.ca_file {settings.ca_file}: {error}"
            raise Failure(EXIT_INPUT, message) from None
        # RFC 5280 checks (key identifiers, critical basic constraints), as Python 3.13 makes by
        # default: the same verdict on whatever Python the image has.
        context.verify_flags |= ssl.VERIFY_X509_STRICT
        # No proxy from the environment (Harbor is in the cluster) and no cookie jar: Harbor
        # skips its CSRF check for /api/ requests that carry no session cookie.
        if settings.tls_server_name is None:
            https = urllib.request.HTTPSHandler(context=context)
        else:
            https = NamedHTTPSHandler(context, settings.tls_server_name)
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), https, NoRedirect()
        )

    def send(self, method, path, query=None, body=None, auth="admin"):
        """One request: (status, headers, decoded body), or raises Unreachable."""
        url = self.base + API + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth is not None:
            user, password = self.admin if auth == "admin" else auth
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, decode(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, decode(error.read())
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                checked = f" as {self.server_name}" if self.server_name else ""
                message = (
                    f"TLS verification of {self.base}{checked} failed "
                    f"({reason.verify_message}): is config.ca_file the CA of Harbor's "
                    "certificate, and does it name the server?"
                )
                raise Failure(EXIT_UNREACHABLE, message) from None
            raise Unreachable(str(reason)) from None
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from None

    def call(self, method, path, query=None, body=None, auth="admin", expect=(200,)):
        """A request after the wait: an answer not in `expect` ends the run."""
        try:
            status, headers, data = self.send(method, path, query, body, auth)
        except Unreachable as error:
            raise Failure(EXIT_UNREACHABLE, f"{method} {API}{path}: no answer: {error}") from None
        if status not in expect:
            raise Failure(EXIT_REFUSED, refusal(method, path, status, data))
        return status, headers, data

    def list(self, path, query):
        """Every item of a list endpoint, page by page."""
        items, page = [], 1
        while True:
            _, _, data = self.call("GET", path, dict(query, page=page, page_size=PAGE_SIZE))
            if not isinstance(data, list):
                raise Failure(EXIT_REFUSED, f"GET {API}{path} did not answer a list")
            items.extend(data)
            if len(data) < PAGE_SIZE:
                return items
            page += 1

    def find(self, path, name):
        """The object of this exact name (`q=name=...`), or None."""
        found = [
            item for item in self.list(path, {"q": f"name={name}"}) if item.get("name") == name
        ]
        if len(found) > 1:
            raise Failure(EXIT_REFUSED, f"{API}{path} lists {len(found)} objects named {name}")
        return found[0] if found else None

    def create(self, path, body, what):
        """POST. Returns the created object's (id, answer), or None after a 409: someone made
        it first, so it is present and must be looked up."""
        status, headers, data = self.call("POST", path, body=body, expect=(201, 409))
        if status == 409:
            say(f"{what}: already present (409 on create)")
            return None
        if isinstance(data, dict) and isinstance(data.get("id"), int):
            return data["id"], data
        match = re.search(r"/(\d+)/?$", headers.get("Location") or "")
        if match is None:
            raise Failure(EXIT_REFUSED, f"POST {API}{path}: 201 without the new object's id")
        return int(match.group(1)), data


def decode(raw):
    try:
        return json.loads(raw.decode()) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def refusal(method, path, status, data):
    """`POST /api/v2.0/projects: 400 BAD_REQUEST: <Harbor's message>`."""
    detail = http.client.responses.get(status, "")
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        detail = f"{errors[0].get('code', detail)}: {errors[0].get('message', '')}"
    line = f"{method} {API}{path}: {status} {detail}"
    if status == 401:
        line += " (check the admin password in HARBOR_ADMIN_PASSWORD)"
    return line


# ---------------------------------------------------------------------------------------------
# Steps


def wait_for_api(harbor, attempts, interval):
    last = "no answer"
    for attempt in range(1, attempts + 1):
        try:
            status, _, _ = harbor.send("GET", "/ping", auth=None)
        except Unreachable as error:
            last = str(error)
        else:
            if status == 200:
                say(f"Harbor's API answers (attempt {attempt} of {attempts})")
                return
            if status < 500:
                message = f"GET {API}/ping: {status}: is config.harbor_url Harbor?"
                raise Failure(EXIT_REFUSED, message)
            last = f"{status} {http.client.responses.get(status, '')}"
        if attempt < attempts:
            time.sleep(interval)
    raise Failure(
        EXIT_UNREACHABLE,
        f"Harbor's API at {harbor.base} did not answer after {attempts} attempts "
        f"{interval:g}s apart (last: {last})",
    )


def check_admin(harbor):
    _, _, user = harbor.call("GET", "/users/current")
    if not isinstance(user, dict) or user.get("sysadmin_flag") is not True:
        raise Failure(EXIT_REFUSED, f"user {ADMIN_USER} is not a Harbor system administrator")


def unchanged(what, difference):
    """The failure for an existing object that is not what is wanted."""
    return Failure(
        EXIT_REFUSED,
        f"{what} {difference}; harbor-bootstrap changes no existing object: "
        "change or delete it in Harbor (or change the config), then rerun",
    )


def ensure_registry(harbor, upstream):
    """The registry endpoint for one upstream; returns its id."""
    what = f"registry endpoint {upstream.endpoint}"
    registry = harbor.find("/registries", upstream.endpoint)
    if registry is None:
        body = {
            "name": upstream.endpoint,
            "type": upstream.type,
            "url": upstream.url,
            "insecure": False,
            "description": f"Upstream of the proxy-cache project {upstream.project} (harbor-edge)",
        }
        created = harbor.create("/registries", body, what)
        if created:
            say(f"{what}: created (id {created[0]}, {upstream.type} {upstream.url})")
            return created[0]
        registry = harbor.find("/registries", upstream.endpoint)
        if registry is None:
            raise Failure(EXIT_REFUSED, f"{what}: 409 on create, yet not found by name")
    say(f"{what}: present (id {registry.get('id')})")
    actual = f"{registry.get('type')} {str(registry.get('url') or '').rstrip('/')}"
    wanted = f"{upstream.type} {upstream.url}"
    if actual != wanted:
        raise unchanged(what, f"is {actual}, not {wanted}")
    return registry["id"]


def ensure_project(harbor, name, public, registry_id=None):
    """A project of this visibility, the proxy cache of `registry_id` when one is given;
    returns its id and its metadata as listed (None when created now). Harbor cannot rebind a
    project to another registry."""
    what = f"project {name}"
    project = harbor.find("/projects", name)
    if project is None:
        metadata = {"public": "true" if public else "false"}  # a string in Harbor's API
        body = {"project_name": name, "metadata": metadata}
        if registry_id is not None:
            body["registry_id"] = registry_id
        created = harbor.create("/projects", body, what)
        if created:
            say(f"{what}: created (id {created[0]})")
            return created[0], None
        project = harbor.find("/projects", name)
        if project is None:
            raise Failure(EXIT_REFUSED, f"{what}: 409 on create, yet not found by name")
    say(f"{what}: present (id {project.get('project_id')})")
    bound_to = project.get("registry_id") or None
    if bound_to != registry_id:
        raise unchanged(what, f"is {project_kind(bound_to)}, not {project_kind(registry_id)}")
    metadata = project.get("metadata") or {}
    is_public = metadata.get("public") == "true"
    if is_public != public:
        raise unchanged(what, f"is {visibility(is_public)}, not {visibility(public)}")
    return project["project_id"], metadata


def project_kind(registry_id):
    return f"the proxy cache of registry id {registry_id}" if registry_id else "a plain project"


def visibility(public):
    return "public" if public else "private"


def ensure_retention(harbor, name, project_id, metadata, days):
    """The retention policy of proxy-cache project `name` as `days` says (None: keep); see
    Retention in the header. `metadata`: the project's, as listed, or None to read it."""
    wanted = wanted_retention(project_id, days)
    for _ in range(2):  # a policy another client replaced meanwhile is handled once more
        if metadata is None:
            metadata = read_project_metadata(harbor, project_id)
        policy_id = metadata.get("retention_id")
        if not policy_id:
            metadata = create_retention(harbor, wanted, f"retention policy of project {name}")
            if metadata is None:
                return
        elif update_retention(harbor, name, project_id, policy_id, wanted):
            return
        else:
            metadata = None
    raise Failure(
        EXIT_REFUSED,
        f"retention policy of project {name}: replaced twice by another client during the run; "
        "rerun",
    )


def update_retention(harbor, name, project_id, policy_id, wanted):
    """Reads the project's policy and updates it when it differs: True when done, False after
    a 404 on update (the project has another policy by now)."""
    if not (isinstance(policy_id, str) and policy_id.isdigit()):
        raise Failure(EXIT_REFUSED, f"project {name}: retention_id {policy_id!r} is not an id")
    what = f"retention policy {policy_id} of project {name}"
    _, _, policy = harbor.call("GET", f"/retentions/{policy_id}")
    if not isinstance(policy, dict):
        raise Failure(EXIT_REFUSED, f"GET {API}/retentions/{policy_id} did not answer a policy")
    foreign = unmanaged_parts(policy, project_id)
    if foreign:
        raise LeftAlone(
            f"{what} has {'; '.join(foreign)}: harbor-bootstrap manages one rule for every "
            "repository and tag (retain always, or by days since the last pull; no schedule or "
            "daily) and leaves this policy as it is: reduce it to such a rule or delete it in "
            f"Harbor (Projects, {name}, Policy, Tag Retention), then rerun",
        )
    now, target = managed_parts(policy), managed_parts(wanted)
    if now == target:
        say(f"{what}: {describe_retention(*now)}")
        return True
    path = f"/retentions/{policy_id}"
    status, _, _ = harbor.call("PUT", path, body=wanted, expect=(200, 404))
    if status == 404:
        say(f"{what}: 404 on update (the project has another policy by now); reading it again")
        return False
    say(f"{what}: updated: {describe_retention(*now)} -> {describe_retention(*target)}")
    return True


def wanted_retention(project_id, days):
    """Harbor's default policy (policy.WithNDaysSinceLastPull) with what harbor-bootstrap sets:
    the rule `always` and no schedule for keep, else `days` since the last pull, daily."""
    if days is None:
        template, params, cron = "always", {}, ""
    else:
        template, params, cron = "nDaysSinceLastPull", {"nDaysSinceLastPull": days}, DAILY
    rule = {
        "id": 1,
        "priority": 1,
        "disabled": False,
        "action": "retain",
        "template": template,
        "params": params,
        "tag_selectors": [dict(EVERY_TAG)],
        "scope_selectors": {"repository": [dict(EVERY_REPOSITORY)]},
    }
    return {
        "algorithm": "or",
        "rules": [rule],
        "trigger": {"kind": "Schedule", "settings": {"cron": cron}},
        "scope": {"level": "project", "ref": project_id},
    }


def managed_parts(policy):
    """(template, params, cron) of a policy of the managed shape."""
    rule = policy["rules"][0]
    cron = policy["trigger"]["settings"]["cron"]
    return rule.get("template"), rule.get("params") or {}, cron


def unmanaged_parts(policy, project_id):
    """What makes `policy` other than the one rule harbor-bootstrap manages (a list of phrases;
    empty when it is that rule). Harbor leaves out empty fields when it answers (`disabled`
    false, empty `params`, empty `extras`)."""
    found = []
    if policy.get("algorithm") != "or":
        found.append(f"algorithm {policy.get('algorithm')!r}")
    scope = policy.get("scope") or {}
    if scope.get("level") != "project" or scope.get("ref") != project_id:
        found.append(f"scope {scope.get('level')} {scope.get('ref')}")
    trigger = policy.get("trigger") or {}
    settings = trigger.get("settings") if isinstance(trigger.get("settings"), dict) else {}
    if trigger.get("kind") != "Schedule" or settings.get("cron") not in ("", DAILY):
        found.append(f"trigger {trigger.get('kind')} {settings.get('cron')!r}")
    rules = policy.get("rules") if isinstance(policy.get("rules"), list) else []
    if len(rules) != 1 or not isinstance(rules[0], dict):
        return found + [f"{len(rules)} rules"]
    rule = rules[0]
    if rule.get("disabled"):
        found.append("its rule disabled")
    if rule.get("action") != "retain":
        found.append(f"action {rule.get('action')!r}")
    template, params = rule.get("template"), rule.get("params") or {}
    days = params.get("nDaysSinceLastPull") if isinstance(params, dict) else None
    known = (template == "always" and params == {}) or (
        template == "nDaysSinceLastPull"
        and len(params) == 1
        and isinstance(days, int)
        and not isinstance(days, bool)
    )
    if not known:
        found.append(f"rule {template} {params}")
    if not is_selector_list(rule.get("tag_selectors"), EVERY_TAG, untagged=True):
        found.append(f"tag selectors {rule.get('tag_selectors')}")
    repositories = rule.get("scope_selectors")
    if not (
        isinstance(repositories, dict)
        and set(repositories) == {"repository"}
        and is_selector_list(repositories["repository"], EVERY_REPOSITORY, untagged=False)
    ):
        found.append(f"repository selectors {repositories}")
    return found


def is_selector_list(selectors, wanted, untagged):
    """Whether `selectors` is `wanted` alone; with `untagged`, its `extras` may also say
    `{"untagged": true}`, which Harbor's UI writes and which means what no extras mean."""
    if not (isinstance(selectors, list) and len(selectors) == 1 and isinstance(selectors[0], dict)):
        return False
    selector = dict(selectors[0])
    extras = selector.pop("extras", "")
    if extras and untagged and isinstance(extras, str):
        try:
            extras = "" if json.loads(extras) == {"untagged": True} else extras
        except ValueError:
            pass
    return selector == wanted and not extras


def describe_retention(template, params, cron):
    kept = (
        "retains every artifact"
        if template == "always"
        else f"retains what was pulled within {params.get('nDaysSinceLastPull')} days"
    )
    return f"{kept}, {'daily' if cron == DAILY else 'no schedule'}"


def read_project_metadata(harbor, project_id):
    _, _, project = harbor.call("GET", f"/projects/{project_id}")
    if not isinstance(project, dict):
        raise Failure(EXIT_REFUSED, f"GET {API}/projects/{project_id} did not answer a project")
    return project.get("metadata") or {}


def create_retention(harbor, wanted, what):
    """POST the policy: None when created; after a 400 because the project has a policy by now
    (Harbor's answer when another client was faster), the project's metadata as it is now."""
    status, headers, data = harbor.call("POST", "/retentions", body=wanted, expect=(201, 400))
    if status == 201:
        match = re.search(r"/(\d+)/?$", headers.get("Location") or "")
        created = f"id {match.group(1)}" if match else "no id in Location"
        say(f"{what}: created ({created}): {describe_retention(*managed_parts(wanted))}")
        return None
    metadata = read_project_metadata(harbor, wanted["scope"]["ref"])
    if not metadata.get("retention_id"):
        raise Failure(EXIT_REFUSED, refusal("POST", "/retentions", status, data))
    say(f"{what}: already present (400 on create)")
    return metadata


def ensure_robot(harbor, project, project_id, name, secret):
    """A robot that may only pull from `project`, logging in with `secret`."""
    what = f"robot {name} of project {project}"
    robot = find_robot(harbor, project, project_id, name)
    if robot is None:
        body = {
            "name": name,
            "description": f"Pulls from {project} for the cluster's nodes (harbor-edge)",
            "level": "project",
            "duration": -1,
            "disable": False,
            "permissions": [
                {
                    "kind": "project",
                    "namespace": project,
                    "access": [{"resource": r, "action": a} for r, a in sorted(PULL_ONLY)],
                }
            ],
        }
        created = harbor.create("/robots", body, what)
        if created and isinstance(created[1], dict) and isinstance(created[1].get("name"), str):
            # New, with a random secret of Harbor's making (it ignores one sent on create).
            robot_id, full_name = created[0], created[1]["name"]
            say(f"{what}: created ({full_name}, id {robot_id})")
            set_robot_secret(harbor, robot_id, full_name, secret, what)
            return
        robot = find_robot(harbor, project, project_id, name)
        if robot is None:
            raise Failure(EXIT_REFUSED, f"{what}: created, yet not listed")
    say(f"{what}: present ({robot.get('name')}, id {robot.get('id')})")
    check_robot(robot, project, what)
    if robot_can_log_in(harbor, robot["name"], secret):
        say(f"{what}: its secret is already in effect")
    else:
        set_robot_secret(harbor, robot["id"], robot["name"], secret, what)


def find_robot(harbor, project, project_id, name):
    # Listed by project; Harbor names a project robot <prefix><project>+<name> (prefix
    # `robot$` unless configured otherwise), and no project or robot name holds a `+`.
    query = {"q": f"Level=project,ProjectID={project_id}"}
    suffix = f"{project}+{name}"
    found = [r for r in harbor.list("/robots", query) if str(r.get("name", "")).endswith(suffix)]
    if len(found) > 1:
        raise Failure(EXIT_REFUSED, f"project {project} has {len(found)} robots named {name}")
    return found[0] if found else None


def check_robot(robot, project, what):
    differences = []
    if robot.get("level") != "project":
        differences.append(f"level {robot.get('level')}")
    if robot.get("disable"):
        differences.append("disabled")
    if robot.get("expires_at", -1) != -1:
        differences.append(f"expires (duration {robot.get('duration')} days)")
    granted = {
        (
            permission.get("kind"),
            permission.get("namespace"),
            access.get("resource"),
            access.get("action"),
        )
        for permission in robot.get("permissions") or []
        for access in permission.get("access") or []
    }
    if granted != {("project", project, resource, action) for resource, action in PULL_ONLY}:
        differences.append(f"may {sorted(granted)}, not only pull from {project}")
    if differences:
        raise unchanged(what, f"differs: {'; '.join(differences)}")


def set_robot_secret(harbor, robot_id, full_name, secret, what):
    harbor.call("PATCH", f"/robots/{robot_id}", body={"secret": secret})
    if not robot_can_log_in(harbor, full_name, secret):
        raise Failure(EXIT_REFUSED, f"{what}: Harbor took the secret, yet refuses it at login")
    say(f"{what}: secret set")


def robot_can_log_in(harbor, full_name, secret):
    """Whether Harbor accepts the robot's name and secret: 200, else 401 (anonymous)."""
    login = (full_name, secret)
    status, _, _ = harbor.call("GET", "/users/current/permissions", auth=login, expect=(200, 401))
    return status == 200


def run(settings):
    harbor = Harbor(settings)
    wait_for_api(harbor, settings.attempts, settings.interval)
    check_admin(harbor)
    projects = []
    for upstream in settings.upstreams:
        registry_id = ensure_registry(harbor, upstream)
        project_id, metadata = ensure_project(harbor, upstream.project, True, registry_id)
        projects.append((upstream.project, project_id, metadata))
    # After every endpoint and project, so that the cache works for every upstream whatever a
    # policy holds; a policy left to the operator ends the run once every other one is handled.
    left_alone = []
    for name, project_id, metadata in projects:
        try:
            ensure_retention(harbor, name, project_id, metadata, settings.retention_days)
        except LeftAlone as failure:
            say(failure.message)
            left_alone.append(failure.message)
    if left_alone:
        more = len(left_alone) - 1
        suffix = f" (and {more} more retention polic{'y' if more == 1 else 'ies'}: see above)"
        raise Failure(EXIT_REFUSED, left_alone[0] + (suffix if more else ""))
    if settings.palette:
        palette = settings.palette
        project_id, _ = ensure_project(harbor, palette.project, palette.public)
        if palette.robot:
            ensure_robot(harbor, palette.project, project_id, palette.robot, settings.robot_secret)
    say("done")


def main(argv, environ):
    secrets = [environ.get("HARBOR_ADMIN_PASSWORD"), environ.get("HARBOR_ROBOT_SECRET")]
    try:
        run(load_settings(argv, environ))
        return 0
    except Failure as failure:
        code, message = failure.code, failure.message
    except Exception as error:  # a bug: still one line, and no traceback holding values
        code, message = EXIT_REFUSED, f"unexpected {type(error).__name__}: {error}"
    for secret in secrets:
        if secret:
            message = message.replace(secret, "[redacted]")
    print(f"harbor-bootstrap: error: {' '.join(message.split())}", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv, os.environ))
