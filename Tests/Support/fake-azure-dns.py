#!/usr/bin/env python3
"""A local stand-in for the documented subset of Azure DNS and Azure AD that Meridian uses.

Token endpoint: POST /{tenant}/oauth2/token (v1, resource) or /{tenant}/oauth2/v2.0/token
(v2, scope) with grant_type=client_credentials; checks tenant, client id and secret.
Management: under /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/
dnsZones/{zone}: GET recordsets (paged by $top, nextLink), GET/PUT/DELETE {TYPE}/{name},
api-version=2018-05-01 required, Bearer token required, ETags with If-Match/If-None-Match.
Usage: fake-azure-dns.py PORT TENANT CLIENT SECRET SUBSCRIPTION GROUP ZONE [TYPE:name:value ...]
"""
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

PORT, TENANT, CLIENT, SECRET, SUB, GROUP, ZONE = sys.argv[1:8]
LOCK = threading.Lock()
TOKENS = set()
# (TYPE, lower-case relative name) -> record set as Azure returns it
SETS = {}
PREFIX = f"/subscriptions/{SUB}/resourcegroups/{GROUP}/providers/microsoft.network/dnszones/{ZONE}".lower()
RECORD_KEYS = {"A": "ARecords", "AAAA": "AAAARecords", "CNAME": "CNAMERecord", "TXT": "TXTRecords", "SOA": "SOARecord", "NS": "NSRecords"}


def record_set(rtype, name, properties):
    props = dict(properties)
    props["fqdn"] = (ZONE if name == "@" else f"{name}.{ZONE}") + "."
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/{GROUP}/providers/Microsoft.Network/dnszones/{ZONE}/{rtype}/{name}",
        "name": name, "type": f"Microsoft.Network/dnszones/{rtype}", "etag": str(uuid.uuid4()), "properties": props,
    }


SETS[("SOA", "@")] = record_set("SOA", "@", {"TTL": 3600, "SOARecord": {"host": "ns1-01.azure-dns.com.", "email": "azuredns-hostmaster.microsoft.com"}})
SETS[("NS", "@")] = record_set("NS", "@", {"TTL": 172800, "NSRecords": [{"nsdname": "ns1-01.azure-dns.com."}]})
for seed in sys.argv[8:]:
    rtype, name, value = seed.split(":", 2)
    props = {"TTL": 60, "metadata": {}}
    if rtype == "A":
        props["ARecords"] = [{"ipv4Address": value}]
    elif rtype == "TXT":
        props["TXTRecords"] = [{"value": [value]}]
    elif rtype == "CNAME":
        props["CNAMERecord"] = {"cname": value}
    SETS[(rtype, name.lower())] = record_set(rtype, name, props)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (self.command, self.path))
        sys.stdout.flush()

    def reply(self, status, body=None, headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            self.error(401, "AuthenticationFailed", "missing or invalid bearer token")
            return False
        return True

    def do_POST(self):
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
        if len(parts) >= 3 and parts[1] == "oauth2" and parts[-1] == "token":
            if parts[0] != TENANT:
                return self.reply(400, {"error": "invalid_request", "error_description": "AADSTS90002: tenant not found"})
            if form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT or form.get("client_secret") != SECRET:
                return self.reply(401, {"error": "invalid_client", "error_description": "AADSTS7000215: invalid client secret"})
            v2 = parts[2] == "v2.0"
            if (v2 and "scope" not in form) or (not v2 and "resource" not in form):
                return self.reply(400, {"error": "invalid_request", "error_description": "resource or scope missing"})
            token = "tok-" + uuid.uuid4().hex
            with LOCK:
                TOKENS.add(token)
            return self.reply(200, {"token_type": "Bearer", "expires_in": 3599 if v2 else "3599", "access_token": token})
        self.error(404, "NotFound", url.path)

    def route(self):
        """(rest of the path under the zone, query) or None after replying with an error."""
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if not self.authorized():
            return None
        if query.get("api-version") != "2018-05-01":
            self.error(400, "InvalidApiVersionParameter", "api-version 2018-05-01 required")
            return None
        path = unquote(url.path)
        if not path.lower().startswith(PREFIX):
            self.error(404, "ParentResourceNotFound", "zone not found: " + path)
            return None
        return path[len(PREFIX):].strip("/").split("/"), query

    def do_GET(self):
        routed = self.route()
        if routed is None:
            return
        rest, query = routed
        with LOCK:
            if rest == ["recordsets"]:
                items = sorted(SETS.values(), key=lambda s: (s["name"].lower(), s["type"]))
                skip = int(query.get("$skiptoken", "0"))
                top = int(query.get("$top", "3"))
                page = {"value": items[skip:skip + top]}
                if skip + top < len(items):
                    page["nextLink"] = f"http://127.0.0.1:{PORT}{PREFIX}/recordsets?api-version=2018-05-01&$top={top}&$skiptoken={skip + top}"
                return self.reply(200, page)
            if len(rest) == 2 and (rest[0].upper(), rest[1].lower()) in SETS:
                found = SETS[(rest[0].upper(), rest[1].lower())]
                return self.reply(200, found, [("ETag", found["etag"])])
        self.error(404, "NotFound", "record set not found")

    def do_PUT(self):
        routed = self.route()
        if routed is None:
            return
        rest, _ = routed
        if len(rest) != 2 or rest[0].upper() not in ("A", "AAAA", "CNAME", "TXT"):
            return self.error(400, "BadRequest", "unsupported record type")
        key = (rest[0].upper(), rest[1].lower())
        try:
            props = json.loads(self.body())["properties"]
        except (ValueError, KeyError):
            return self.error(400, "BadRequest", "body must be a record set with properties")
        if RECORD_KEYS[key[0]] not in props or "TTL" not in props:
            return self.error(400, "BadRequest", f"{RECORD_KEYS[key[0]]} and TTL are required")
        with LOCK:
            existing = SETS.get(key)
            if self.headers.get("If-None-Match") == "*" and existing:
                return self.error(412, "PreconditionFailed", "the record set exists")
            match = self.headers.get("If-Match")
            if match and (not existing or existing["etag"] != match):
                return self.error(412, "PreconditionFailed", "etag mismatch")
            if key[0] == "CNAME" and any(k[1] == key[1] and k[0] != "CNAME" for k in SETS):
                return self.error(400, "BadRequest", "a CNAME cannot share its name")
            if key[0] != "CNAME" and ("CNAME", key[1]) in SETS:
                return self.error(400, "BadRequest", "the name holds a CNAME")
            SETS[key] = record_set(key[0], rest[1], props)
            created = SETS[key]
        self.reply(200 if existing else 201, created, [("ETag", created["etag"])])

    def do_DELETE(self):
        routed = self.route()
        if routed is None:
            return
        rest, _ = routed
        key = (rest[0].upper(), rest[1].lower()) if len(rest) == 2 else None
        with LOCK:
            existing = SETS.get(key)
            match = self.headers.get("If-Match")
            if match and (not existing or existing["etag"] != match):
                return self.error(412, "PreconditionFailed", "etag mismatch")
            if existing:
                del SETS[key]
        self.reply(200 if existing else 204)


server = ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
print(f"fake Azure DNS listening on 127.0.0.1:{PORT}", flush=True)
server.serve_forever()
