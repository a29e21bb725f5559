#!/usr/bin/env python3
"""Requests signed by the real botocore, as a server receives them.

Starts a capture server on 127.0.0.1 (an ephemeral port), makes calls through boto3's Lambda
client, through botocore's SigV4 signers directly and through the AWS CLI, and prints one JSON
document: for each request what went over the wire (method, raw request target, headers in order,
body), when it arrived, and the canonical request botocore signed. The Swift tests verify these requests with `SignatureVerifier`,
so a change in botocore's quoting or canonicalization shows up as a failing test here rather than as
403s from `pylambda serve`.

Nothing leaves the machine: the clients' endpoint is the capture server, which answers every
request with `200 {}`.
"""

import base64
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session

ACCESS_KEY_ID = "AKIAPYLAMBDATEST0001"
# '/' and '+' as in real secrets: they must survive the key derivation untouched.
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPYLAMBDAKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEPT//////////wEaDPyLambdaTestToken+/="


class CanonicalRequestLog(logging.Handler):
    """Keeps what botocore.auth logs at debug level: the canonical request of each signature."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.canonical_requests = []

    def emit(self, record):
        if record.msg.startswith("CanonicalRequest:"):
            self.canonical_requests.append(record.args[0])


class CaptureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def handle_any(self):
        received_at = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        CaptureHandler.received.append(
            {
                "method": self.command,
                # The request target exactly as it was on the request line (http.server keeps it raw).
                "target": self.path,
                "headers": [[name, value] for name, value in self.headers.items()],
                "bodyBase64": base64.b64encode(body).decode("ascii"),
                "receivedAt": received_at,
            }
        )
        answer = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


class CaptureServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # boto3 clients that are dropped reset their idle keep-alive connections: not an error.
        pass


def main():
    log = CanonicalRequestLog()
    auth_logger = logging.getLogger("botocore.auth")
    auth_logger.setLevel(logging.DEBUG)
    auth_logger.addHandler(log)

    server = CaptureServer(("127.0.0.1", 0), CaptureHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    cases = []

    def record(name, description, region, service="lambda", presigned=False, session_token=None,
               canonical_request=None):
        assert len(CaptureHandler.received) == 1, f"{name}: expected one request, got {len(CaptureHandler.received)}"
        request = CaptureHandler.received.pop()
        request.update(
            {
                "name": name,
                "description": description,
                "accessKeyID": ACCESS_KEY_ID,
                "secretAccessKey": SECRET_ACCESS_KEY,
                "sessionToken": session_token,
                "region": region,
                "service": service,
                "presigned": presigned,
                "botocoreCanonicalRequest": canonical_request or log.canonical_requests[-1],
            }
        )
        cases.append(request)

    # 1. boto3's Lambda client, exactly as users call it.
    def lambda_client(region):
        return boto3.client(
            "lambda",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(retries={"max_attempts": 1}),
        )

    zip_bytes = b"PK\x03\x04" + bytes(range(256)) * 4
    client_calls = [
        ("invoke", "us-east-1", "invoke", {"FunctionName": "my-function", "Payload": b'{"key": "value"}'}),
        ("invoke-empty-payload", "us-east-1", "invoke", {"FunctionName": "my-function"}),
        ("invoke-name-qualifier", "us-east-1", "invoke",
         {"FunctionName": "my-function:prod", "Payload": b"{}"}),
        ("invoke-arn-event-tail", "eu-west-2", "invoke",
         {"FunctionName": "arn:aws:lambda:eu-west-2:000000000000:function:my-function:7",
          "InvocationType": "Event", "LogType": "Tail", "Payload": b"[1, 2, 3]"}),
        ("invoke-qualifier-query", "ap-southeast-2", "invoke",
         {"FunctionName": "my-function", "Qualifier": "$LATEST", "InvocationType": "DryRun"}),
        ("invoke-space-in-name", "us-east-1", "invoke", {"FunctionName": "my function", "Payload": b"null"}),
        ("invoke-unicode-name", "us-east-1", "invoke", {"FunctionName": "fünction/ሴ", "Payload": b"1"}),
        ("invoke-binary-payload", "us-east-1", "invoke",
         {"FunctionName": "my-function", "Payload": bytes(range(256))}),
        ("invoke-client-context", "us-east-1", "invoke",
         {"FunctionName": "my-function", "ClientContext": base64.b64encode(b'{"custom": {"a": 1}}').decode(),
          "Payload": b"{}"}),
        ("list-functions", "us-east-1", "list_functions", {}),
        ("list-functions-paginated", "us-west-2", "list_functions",
         {"Marker": "abc/def+ghi=jkl mno~", "MaxItems": 10, "FunctionVersion": "ALL"}),
        ("get-function", "us-east-1", "get_function", {"FunctionName": "my-function", "Qualifier": "prod"}),
        ("get-function-configuration-arn", "us-east-1", "get_function_configuration",
         {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:my-function"}),
        ("create-function", "us-east-1", "create_function",
         {"FunctionName": "my-function", "Runtime": "python3.11", "Role": "arn:aws:iam::000000000000:role/r",
          "Handler": "app.handler", "Code": {"ZipFile": zip_bytes}, "MemorySize": 256, "Timeout": 30,
          "Environment": {"Variables": {"GREETING": "héllo wörld"}}, "Publish": True}),
        ("update-function-code", "us-east-1", "update_function_code",
         {"FunctionName": "my-function", "ZipFile": zip_bytes}),
        ("update-function-configuration", "us-east-1", "update_function_configuration",
         {"FunctionName": "my-function", "Timeout": 5}),
        ("publish-version", "us-east-1", "publish_version", {"FunctionName": "my-function", "Description": "v1"}),
        ("list-versions", "us-east-1", "list_versions_by_function",
         {"FunctionName": "my-function", "Marker": "2", "MaxItems": 1}),
        ("delete-function", "us-east-1", "delete_function", {"FunctionName": "my-function:prod"}),
        ("delete-function-qualifier", "us-east-1", "delete_function",
         {"FunctionName": "my-function", "Qualifier": "3"}),
    ]
    for name, region, operation, params in client_calls:
        getattr(lambda_client(region), operation)(**params)
        record(name, f"boto3 lambda.{operation}({params!r:.120})", region)

    # 2. botocore's SigV4 signers on hand-made requests, for what the client does not produce.
    session = URLLib3Session()

    def send_signed(name, description, method, target, body=b"", headers=None, region="us-east-1",
                    service="lambda", token=None, presign_expires=None, prepare=None):
        credentials = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token)
        request = AWSRequest(method=method, url=endpoint + target, data=body, headers=dict(headers or {}))
        if prepare:
            prepare(request)
        if presign_expires is None:
            SigV4Auth(credentials, service, region).add_auth(request)
        else:
            SigV4QueryAuth(credentials, service, region, expires=presign_expires).add_auth(request)
        session.send(request.prepare())
        record(name, description, region, service, presign_expires is not None, token)

    body = b'{"hello": "world"}'
    send_signed("get-no-body", "GET, no body, no query", "GET", "/2015-03-31/functions/")
    send_signed("post-empty-body", "POST with an empty body", "POST",
                "/2015-03-31/functions/my-function/invocations")
    send_signed("put-body", "PUT with a JSON body", "PUT", "/2015-03-31/functions/my-function/configuration",
                body, {"Content-Type": "application/json"})
    send_signed("encoded-colon", "a ':' percent-encoded in the path, as the client sends it", "POST",
                "/2015-03-31/functions/my-function%3Aprod/invocations", body)
    send_signed("raw-colon", "a ':' left raw in the path", "POST",
                "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations", body)
    send_signed("encoded-space-and-utf8", "%20 and percent-encoded UTF-8 in the path", "GET",
                "/2015-03-31/functions/my%20function%E1%88%B4/configuration")
    send_signed("reserved-characters", "sub-delims and other reserved characters raw in the path", "GET",
                "/2015-03-31/functions/a!$&'()*+,;=@b/configuration")
    send_signed("dot-segments", "dot segments in the path", "GET",
                "/2015-03-31/functions/./x/../my-function/configuration")
    send_signed("double-slashes", "empty path segments", "GET", "//2015-03-31//functions//")
    send_signed("query-order-and-repeats", "unsorted and repeated query keys", "GET",
                "/2015-03-31/functions/?b=2&a=3&a=1&B=0")
    send_signed("query-empty-values", "a key without '=' and a key with an empty value", "GET",
                "/2015-03-31/functions/?flag&empty=&x=1")
    send_signed("query-encoded", "percent-encoded reserved and UTF-8 characters in the query", "GET",
                "/2015-03-31/functions/?Marker=a%2Fb%2Bc%3Dd%20e%7E&name=%E1%88%B4")
    send_signed("date-header", "a Date header instead of X-Amz-Date", "POST",
                "/2015-03-31/functions/my-function/invocations", body,
                prepare=lambda request: request.headers.__setitem__("Date", "set by the signer"))
    send_signed("content-sha256-header", "an X-Amz-Content-SHA256 header carries the payload hash", "POST",
                "/2015-03-31/functions/my-function/invocations", body,
                {"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
    send_signed("extra-signed-headers", "custom headers, one repeated value with inner spaces", "POST",
                "/2015-03-31/functions/my-function/invocations", body,
                {"X-Amz-Invocation-Type": "RequestResponse", "X-Custom": "  a   b  c "})
    send_signed("session-token", "temporary credentials with a session token", "GET",
                "/2015-03-31/functions/", token=SESSION_TOKEN)
    send_signed("other-service", "signed for the service 'execute-api', not 'lambda'", "GET",
                "/2015-03-31/functions/", service="execute-api")
    send_signed("presigned-get", "a presigned GET (query-string authentication)", "GET",
                "/2015-03-31/functions/my-function%3Aprod?Qualifier=1", presign_expires=300)
    send_signed("presigned-session-token", "a presigned GET with a session token", "GET",
                "/2015-03-31/functions/", token=SESSION_TOKEN, presign_expires=60)

    # 3. The AWS CLI (v1, on botocore), as a separate process: `aws lambda ... --endpoint-url`.
    aws = shutil.which("aws")
    if aws is None:
        raise SystemExit("the AWS CLI is not installed (pip install awscli)")
    cli_calls = [
        # AWS CLI v1 sends --payload as it is (v2 would want --cli-binary-format raw-in-base64-out).
        ("cli-invoke", ["lambda", "invoke", "--function-name", "my-function:prod", "--payload", '{"from": "cli"}']),
        ("cli-get-function", ["lambda", "get-function", "--function-name",
                              "arn:aws:lambda:us-east-1:000000000000:function:my-function", "--qualifier", "2"]),
    ]
    with tempfile.TemporaryDirectory() as directory:
        environment = dict(
            os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
            AWS_DEFAULT_REGION="eu-north-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        environment.pop("AWS_SESSION_TOKEN", None)
        environment.pop("AWS_PROFILE", None)
        for name, arguments in cli_calls:
            if arguments[1] == "invoke":
                arguments = arguments + [os.path.join(directory, "response.json")]
            command = [aws, *arguments, "--endpoint-url", endpoint]
            subprocess.run(command, env=environment, check=True, stdout=subprocess.DEVNULL)
            # Its canonical request is in the CLI's process; the server's copy is checked by
            # verifying the signature instead.
            record(name, "aws " + " ".join(arguments), "eu-north-1", canonical_request="(signed by the AWS CLI)")

    server.shutdown()

    # 4. botocore's canonical path for paths no HTTP client sends as they are: the rule itself.
    signer = SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "lambda", "us-east-1")
    canonical_paths = [
        {"raw": raw, "canonical": signer._normalize_url_path(raw)}
        for raw in CANONICAL_PATH_CASES
    ]

    print(json.dumps({
        "botocoreVersion": __import__("botocore").__version__,
        "requests": cases,
        "canonicalPaths": canonical_paths,
    }, indent=1))


CANONICAL_PATH_CASES = [
    "", "/", "//", "///", "/./", "/../", "/..", "/.", "/a/./b/../c", "/a/b/..", "/a/b/../", "/a/b/.",
    "/a/b/./", "/../a", "/a/../../b", "a/b", "a/../b/", "/a//b///", "//a//b//", "/%2e%2E/x", "/.../x",
    "/a./b", "/.a/..b/", "/ሴ/", "/a b", "/a%20b", "/a:b@c", "/~user/", "/a%2Fb", "/a%2fb", "/100%",
    "/%", "/%zz", "/a+b=c;d,e", "/!$&'()*", "/[x]{y}|z^`\\", "/\t\x7f", "/é", "/2015-03-31/functions/my-function%3Aprod/invocations",
]


if __name__ == "__main__":
    main()
