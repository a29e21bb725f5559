"""The Lambda API of `pylambda serve`, driven by the real boto3 (and the AWS CLI), as users would.

Run by Tests/FunctionServiceTests/LambdaAPITests.swift against a live serve:
    python3 lambda_checks.py CHECK
with PYLAMBDA_ENDPOINT, PYLAMBDA_NATIVE_KEY (a bearer admin key), AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (an admin key from `pylambda keys create --aws`) in the environment. Each check
raises on the first thing that is not as Lambda would answer it; exit status 0 means all passed.
"""
import base64
import io
import json
import re
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

import boto3
import botocore.exceptions
from botocore.config import Config

ENDPOINT = os.environ["PYLAMBDA_ENDPOINT"]
NATIVE_KEY = os.environ["PYLAMBDA_NATIVE_KEY"]


def client(access_key=None, secret=None, region="eu-west-1"):
    return boto3.client(
        "lambda", endpoint_url=ENDPOINT, region_name=region,
        aws_access_key_id=access_key or os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or os.environ["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, read_timeout=120))


def package(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


HANDLER = """import logging, os, time

logging.getLogger().setLevel(logging.INFO)

def lambda_handler(event, context):
    print("log line from", context.function_name)
    logging.info("info from %s", os.environ["AWS_LAMBDA_FUNCTION_NAME"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("huge"):
        return "x" * (7 << 20)
    return {"event": event, "version": context.function_version, "arn": context.invoked_function_arn, "request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(), "memory": context.memory_limit_in_mb,
            "region": os.environ["AWS_REGION"], "memory_env": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
            "runner_settings": sorted(name for name in os.environ if name.startswith("RUNNER_")),
            "task_root_files": sorted(os.listdir(os.environ["LAMBDA_TASK_ROOT"])), "handler": os.environ["_HANDLER"],
            "execution_env": os.environ.get("AWS_EXECUTION_ENV")}
"""


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("expected an error")


def native(method, path, body=None):
    request = urllib.request.Request(ENDPOINT + path, method=method, data=body,
                                     headers={"Authorization": "Bearer " + NATIVE_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, json.loads(response.read() or b"null")


def check_api():
    lam = client()
    code = package({"lambda_function.py": HANDLER})
    created = lam.create_function(
        FunctionName="boto-fn", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/any",
        Handler="lambda_function.lambda_handler", Code={"ZipFile": code}, Timeout=2, MemorySize=192,
        Environment={"Variables": {"STAGE": "test"}}, Description="from boto3")
    expect(created["FunctionName"] == "boto-fn" and created["Version"] == "$LATEST", created)
    expect(created["FunctionArn"].endswith(":function:boto-fn"), created["FunctionArn"])
    expect(created["Runtime"] == "python3.11", "the configuration names the Python that really runs")
    expect(created["MemorySize"] == 192 and created["Timeout"] == 2 and created["State"] == "Active", created)
    import hashlib
    expect(created["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode(), "CodeSha256 is base64 of the zip's SHA-256")
    expect(created["CodeSize"] == len(code), created["CodeSize"])
    expect(created["Environment"]["Variables"] == {"STAGE": "test"}, created)
    conflict = error_code(lambda: lam.create_function(
        FunctionName="boto-fn", Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler", Code={"ZipFile": code}))
    expect(conflict == ("ResourceConflictException", 409), conflict)
    reserved = error_code(lambda: lam.create_function(
        FunctionName="other", Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler", Code={"ZipFile": code},
        Environment={"Variables": {"AWS_REGION": "eu-west-1"}}))
    expect(reserved == ("InvalidParameterValueException", 400), "a reserved variable: " + str(reserved))
    invalid = error_code(lambda: lam.create_function(
        FunctionName="other", Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler", Code={"ZipFile": code}, Timeout=5000))
    expect(invalid == ("InvalidParameterValueException", 400), invalid)
    expect(error_code(lambda: lam.create_function(
        FunctionName="other", Runtime="nodejs20.x", Role="r", Handler="index.handler", Code={"ZipFile": code}))[0] == "InvalidParameterValueException", "nodejs")
    broken = error_code(lambda: lam.create_function(
        FunctionName="other", Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package({"lambda_function.py": "def lambda_handler(e, c) return 1\n"})}))
    expect(broken == ("InvalidParameterValueException", 400), broken)

    # RequestResponse with the log tail.
    answer = lam.invoke(FunctionName="boto-fn", Payload=json.dumps({"n": 1}), LogType="Tail")
    expect(answer["StatusCode"] == 200 and answer["ExecutedVersion"] == "$LATEST", answer)
    result = json.loads(answer["Payload"].read())
    expect(result["event"] == {"n": 1} and result["version"] == "$LATEST", result)
    expect(result["arn"] == lam.get_function(FunctionName="boto-fn")["Configuration"]["FunctionArn"], result)
    expect(result["request_id"] == answer["ResponseMetadata"]["RequestId"], "context.aws_request_id is the request id")
    expect(0 < result["remaining_ms"] <= 2000 and result["memory"] == 192, result)
    log = base64.b64decode(answer["LogResult"]).decode()
    expect("log line from boto-fn" in log, log)
    request_id = answer["ResponseMetadata"]["RequestId"]
    expect(re.search(r"\[INFO\]\t\d{4}-\d\d-\d\dT[0-9:.]+Z\t" + re.escape(request_id) + r"\tinfo from boto-fn\n", log),
           "a log line carries the request id, as Lambda's runtime writes it: " + log)
    expect(log.startswith(f"START RequestId: {request_id} Version: $LATEST\n"), "Lambda's START line: " + log)
    report = re.search(r"\nEND RequestId: (\S+)\nREPORT RequestId: (\S+)\tDuration: ([0-9.]+) ms\tBilled Duration: (\d+) ms\tMemory Size: 192 MB\t\n$", log)
    expect(report and report[1] == report[2] == request_id, "Lambda's END and REPORT lines: " + log)
    expect(0 < float(report[3]) <= int(report[4]) < 2000, report)
    expect("[INFO]\t" in log and "\tinfo from boto-fn\n" in log, "logging.info reaches the log, as on Lambda: " + log)
    arn = lam.get_function(FunctionName="boto-fn")["Configuration"]["FunctionArn"]
    expect(result["region"] == arn.split(":")[3] and result["memory_env"] == "192", result)
    expect(result["runner_settings"] == [], "the runner's own settings are not the function's: " + str(result))
    expect(result["task_root_files"] == ["lambda_function.py"] and result["handler"] == "lambda_function.lambda_handler", result)
    expect(result["execution_env"] == "AWS_Lambda_python3.11", result)
    expect("FunctionError" not in answer, answer)

    # A function error and a timeout: 200, Unhandled, Lambda's error body.
    failed = lam.invoke(FunctionName="boto-fn", Payload=json.dumps({"fail": True}), LogType="Tail")
    body = json.loads(failed["Payload"].read())
    expect(failed["StatusCode"] == 200 and failed["FunctionError"] == "Unhandled", failed)
    expect(body["errorType"] == "ValueError" and body["errorMessage"] == "asked to fail", body)
    expect(any("lambda_function.py" in line for line in body["stackTrace"]), body)
    expect(all(entry.startswith('  File "') and entry.endswith("\n") for entry in body["stackTrace"]) and
           any('raise ValueError("asked to fail")' in entry for entry in body["stackTrace"]),
           "stackTrace is one entry per frame, as Lambda's traceback.format_list: " + str(body["stackTrace"]))
    failed_log = base64.b64decode(failed["LogResult"]).decode()
    expect("log line" in failed_log, "the tail of a failed call")
    expect("[ERROR] ValueError: asked to fail\nTraceback (most recent call last):" in failed_log, "the error is logged, as on Lambda: " + failed_log)
    timed_out = lam.invoke(FunctionName="boto-fn", Payload=json.dumps({"sleep": 10}), LogType="Tail")
    body = json.loads(timed_out["Payload"].read())
    expect(timed_out["FunctionError"] == "Unhandled" and body["errorType"] == "Sandbox.Timedout", body)
    expect("log line" in base64.b64decode(timed_out["LogResult"]).decode(), "the tail of a timed-out call")
    expect("timed out after 2.00 seconds" in body["errorMessage"], body)
    expect(re.search(r"\n\d{4}-\d\d-\d\dT[0-9:.]+Z \S+ Task timed out after 2\.00 seconds\nEND RequestId",
                     base64.b64decode(timed_out["LogResult"]).decode()), "Lambda's timeout line, before END")
    timed_out_report = re.search(r"REPORT RequestId: \S+\tDuration: ([0-9.]+) ms", base64.b64decode(timed_out["LogResult"]).decode())
    expect(timed_out_report and 1900 <= float(timed_out_report[1]) < 5000, "a timed-out call's REPORT says it ran its 2 s")
    # A result over 6 MiB is the function's error, as on Lambda; a service error would be retried
    # by boto3, running the function again.
    def calls():
        return len(native("GET", "/v1/functions/boto-fn/invocations?limit=1000")[1]["invocations"])
    before = calls()
    huge = lam.invoke(FunctionName="boto-fn", Payload=json.dumps({"huge": True}))
    body = json.loads(huge["Payload"].read())
    expect(huge["StatusCode"] == 200 and huge["FunctionError"] == "Unhandled", huge)
    expect(body["errorType"] == "Function.ResponseSizeTooLarge" and "over the limit" in body["errorMessage"], body)
    expect(calls() == before + 1, "run once")
    bad_json = error_code(lambda: lam.invoke(FunctionName="boto-fn", Payload=b"{not json"))
    expect(bad_json == ("InvalidRequestContentException", 400), bad_json)
    too_large = error_code(lambda: lam.invoke(FunctionName="boto-fn", Payload=json.dumps({"x": "a" * (7 << 20)})))
    expect(too_large == ("RequestTooLargeException", 413), too_large)

    # Event: queued durably, run once; DryRun: checked only.
    event = lam.invoke(FunctionName="boto-fn", InvocationType="Event", Payload=json.dumps({"async": True}))
    expect(event["StatusCode"] == 202, event)
    request_id = event["ResponseMetadata"]["RequestId"]
    for _ in range(600):
        status, record = native("GET", "/v1/invocations/" + request_id)
        if record["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    expect(record["status"] == "succeeded" and record["result"]["event"] == {"async": True}, record)
    bad_event = error_code(lambda: lam.invoke(FunctionName="boto-fn", InvocationType="Event", Payload=b"{not json"))
    expect(bad_event == ("InvalidRequestContentException", 400), bad_event)
    expect(lam.invoke(FunctionName="boto-fn", InvocationType="DryRun")["StatusCode"] == 204, "DryRun")
    missing = error_code(lambda: lam.invoke(FunctionName="no-such-fn", InvocationType="DryRun"))
    expect(missing == ("ResourceNotFoundException", 404), missing)
    # A name Lambda allows but PyLambda does not names no function here; creating one says why.
    expect(error_code(lambda: lam.get_function(FunctionName="MyFunction")) == ("ResourceNotFoundException", 404), "MyFunction")
    upper = error_code(lambda: lam.create_function(
        FunctionName="MyFunction", Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler", Code={"ZipFile": code}))
    expect(upper == ("InvalidParameterValueException", 400), upper)
    alias = error_code(lambda: lam.invoke(FunctionName="boto-fn", Qualifier="prod", Payload=b"{}"))
    expect(alias == ("ResourceNotFoundException", 404), "no alias exists: " + str(alias))
    # An operation PyLambda lacks is an error boto3 names, in Lambda's form.
    for unknown in (lambda: lam.list_aliases(FunctionName="boto-fn"), lambda: lam.get_account_settings(),
                    lambda: lam.list_tags(Resource=created["FunctionArn"])):
        expect(error_code(unknown) == ("UnknownOperationException", 404), error_code(unknown))

    # Reads.
    function = lam.get_function(FunctionName="boto-fn")
    expect(function["Configuration"]["Handler"] == "lambda_function.lambda_handler", function)
    expect(lam.get_function_configuration(FunctionName="boto-fn")["Description"] == "from boto3", "description")
    by_arn = lam.get_function_configuration(FunctionName=created["FunctionArn"])
    expect(by_arn["FunctionName"] == "boto-fn", "a function is found by its ARN too")

    # Update the code, then the configuration: each is what the next call runs.
    v2 = "import os\n\ndef lambda_handler(e, c):\n    return [c.function_version, c.invoked_function_arn, os.environ['AWS_LAMBDA_FUNCTION_VERSION']] if e else 'v2'\n"
    updated = lam.update_function_code(FunctionName="boto-fn", ZipFile=package({"lambda_function.py": v2}))
    expect(updated["Version"] == "$LATEST" and updated["MemorySize"] == 192, updated)
    expect(lam.invoke(FunctionName="boto-fn", Payload=b"{}")["Payload"].read() == b'"v2"', "new code runs")
    configured = lam.update_function_configuration(FunctionName="boto-fn", Timeout=5, Environment={"Variables": {"STAGE": "prod"}})
    expect(configured["Timeout"] == 5 and configured["Environment"]["Variables"] == {"STAGE": "prod"}, configured)
    # An update that changes nothing (here with parameters PyLambda ignores) makes no version.
    native_versions = len(native("GET", "/v1/functions/boto-fn/versions")[1]["versions"])
    same = lam.update_function_configuration(FunctionName="boto-fn", Timeout=5, TracingConfig={"Mode": "PassThrough"})
    expect(same["Timeout"] == 5 and same["LastModified"] == configured["LastModified"], same)
    expect(len(native("GET", "/v1/functions/boto-fn/versions")[1]["versions"]) == native_versions, "a no-op update made a version")
    for variables in ({"with-dash": "x"}, {"1ST": "x"}, {"A": "x"}, {"AWS_SESSION_TOKEN": "x"}):
        refused = error_code(lambda: lam.update_function_configuration(FunctionName="boto-fn", Environment={"Variables": variables}))
        expect(refused == ("InvalidParameterValueException", 400), f"{variables}: {refused}")
    try:
        lam.update_function_code(FunctionName="boto-fn", S3Bucket="bucket", S3Key="code.zip")
        raise AssertionError("S3 code was accepted")
    except botocore.exceptions.ClientError as error:
        expect("ZipFile only (no S3" in error.response["Error"]["Message"], error.response["Error"])

    # Publish, and call the published version by qualifier after $LATEST moved on.
    published = lam.publish_version(FunctionName="boto-fn")
    number = published["Version"]
    expect(number.isdigit() and published["FunctionArn"].endswith(":boto-fn:" + number), published)
    lam.update_function_code(FunctionName="boto-fn", ZipFile=package({"lambda_function.py": "def lambda_handler(e, c):\n    return 'v3'\n"}))
    expect(lam.invoke(FunctionName="boto-fn", Payload=b"{}")["Payload"].read() == b'"v3"', "latest")
    pinned = lam.invoke(FunctionName="boto-fn", Qualifier=number, Payload=b"{}")
    expect(pinned["Payload"].read() == b'"v2"' and pinned["ExecutedVersion"] == number, pinned)
    pinned = lam.invoke(FunctionName="boto-fn:" + number, Payload=b"{}")
    expect(pinned["ExecutedVersion"] == number, "name:qualifier")
    told = json.loads(lam.invoke(FunctionName="boto-fn", Qualifier=number, Payload=b'{"context": 1}')["Payload"].read())
    expect(told == [number, published["FunctionArn"], number], "a qualified call's context names its version: " + str(told))
    versions = lam.list_versions_by_function(FunctionName="boto-fn")["Versions"]
    expect([v["Version"] for v in versions] == ["$LATEST", number], versions)
    unpublished = error_code(lambda: lam.invoke(FunctionName="boto-fn", Qualifier="999", Payload=b"{}"))
    expect(unpublished[0] == "ResourceNotFoundException", unpublished)
    # A qualifier deletes one version, never the function; $LATEST is refused, as on Lambda.
    latest_refused = error_code(lambda: lam.delete_function(FunctionName="boto-fn", Qualifier="$LATEST"))
    expect(latest_refused == ("InvalidParameterValueException", 400), latest_refused)
    lam.delete_function(FunctionName="boto-fn", Qualifier=number)
    versions = lam.list_versions_by_function(FunctionName="boto-fn")["Versions"]
    expect([v["Version"] for v in versions] == ["$LATEST"], versions)
    deleted = error_code(lambda: lam.invoke(FunctionName="boto-fn", Qualifier=number, Payload=b"{}"))
    expect(deleted[0] == "ResourceNotFoundException", deleted)
    expect(lam.invoke(FunctionName="boto-fn", Payload=b"{}")["Payload"].read() == b'"v3"', "the function is still there")

    # ListFunctions, paginated.
    for name in ("page-a", "page-b", "page-c"):
        lam.create_function(FunctionName=name, Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler", Code={"ZipFile": code})
    first = lam.list_functions(MaxItems=2)
    expect(len(first["Functions"]) == 2 and "NextMarker" in first, first)
    rest = lam.list_functions(MaxItems=2, Marker=first["NextMarker"])
    names = [f["FunctionName"] for f in first["Functions"] + rest["Functions"]]
    paginated = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}) for f in page["Functions"]]
    expect(sorted(paginated) == ["boto-fn", "page-a", "page-b", "page-c"], paginated)
    expect(set(names) <= set(paginated) and len(names) == 4, names)

    # Delete: gone for both APIs.
    for name in ("boto-fn", "page-a", "page-b", "page-c"):
        lam.delete_function(FunctionName=name)
    gone = error_code(lambda: lam.get_function(FunctionName="boto-fn"))
    expect(gone == ("ResourceNotFoundException", 404), gone)
    expect(error_code(lambda: lam.invoke(FunctionName="boto-fn", Payload=b"{}"))[0] == "ResourceNotFoundException", "invoke after delete")
    try:
        native("GET", "/v1/functions/boto-fn")
        raise AssertionError("the native API still has it")
    except urllib.error.HTTPError as error:
        expect(error.code == 404, error.code)


def check_cli():
    lam = client()
    lam.create_function(FunctionName="cli-fn", Runtime="python3.11", Role="r", Handler="app.handler",
                        Code={"ZipFile": package({"app.py": "def handler(event, context):\n    return {'hello': event['name']}\n"})})
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "out.json")
        environment = dict(os.environ, AWS_DEFAULT_REGION="us-east-1")
        run = subprocess.run(["aws", "lambda", "invoke", "--endpoint-url", ENDPOINT, "--function-name", "cli-fn",
                              "--payload", '{"name": "ada"}', out], capture_output=True, text=True, env=environment, timeout=120)
        expect(run.returncode == 0, run.stderr)
        printed = json.loads(run.stdout)
        expect(printed["StatusCode"] == 200 and printed["ExecutedVersion"] == "$LATEST", run.stdout)
        with open(out) as result:
            expect(json.load(result) == {"hello": "ada"}, "the result file")
    lam.delete_function(FunctionName="cli-fn")


def check_auth():
    lam = client()
    lam.create_function(FunctionName="auth-fn", Runtime="python3.11", Role="r", Handler="app.handler",
                        Code={"ZipFile": package({"app.py": "def handler(event, context):\n    return 'ok'\n"})})
    wrong = error_code(lambda: client(secret="x" * 40).list_functions())
    expect(wrong == ("InvalidSignatureException", 403), wrong)
    unknown = error_code(lambda: client(access_key="AKIA0000000000000000").list_functions())
    expect(unknown == ("UnrecognizedClientException", 403), unknown)
    # A session token (exported for real AWS) with a PyLambda key: refused, saying what to unset.
    with_token = boto3.client(
        "lambda", endpoint_url=ENDPOINT, region_name="eu-west-1", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"], aws_session_token="FwoGZXIvYXdzE-from-sso",
        config=Config(retries={"max_attempts": 1}))
    try:
        with_token.list_functions()
        raise AssertionError("a session token the key does not have was accepted")
    except botocore.exceptions.ClientError as error:
        expect(error.response["Error"]["Code"] == "UnrecognizedClientException" and "unset AWS_SESSION_TOKEN" in error.response["Error"]["Message"],
               error.response["Error"])
    request = urllib.request.Request(ENDPOINT + "/2015-03-31/functions/", method="GET")
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("an unsigned request was answered")
    except urllib.error.HTTPError as error:
        expect(error.code == 403 and error.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException", error.headers)
    # An unsigned upload is refused from its head: the service answers without waiting for 100 MB.
    host, port = ENDPOINT.split("//")[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=20) as raw:
        raw.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 104857600\r\n\r\n{")
        head = raw.recv(4096).decode(errors="replace")
    expect(head.startswith("HTTP/1.1 403") and "MissingAuthenticationTokenException" in head, head)
    # Outside the code and invoke routes, bodies are small documents.
    huge = error_code(lambda: lam.update_function_configuration(FunctionName="auth-fn", Description="d" * (300 << 10)))
    expect(huge == ("RequestTooLargeException", 413), huge)
    # Any region is accepted.
    expect(client(region="ap-southeast-2").invoke(FunctionName="auth-fn", Payload=b"{}")["Payload"].read() == b'"ok"', "region")
    # An invoke-only key invokes its function and nothing else.
    invoker = os.environ["PYLAMBDA_INVOKE_ACCESS_KEY_ID"], os.environ["PYLAMBDA_INVOKE_SECRET"]
    limited = client(*invoker)
    expect(limited.invoke(FunctionName="auth-fn", Payload=b"{}")["StatusCode"] == 200, "invoke key")
    denied = error_code(lambda: limited.list_functions())
    expect(denied == ("AccessDeniedException", 403), denied)
    # Its uploads are capped like any small document: only an admin key's may be code-sized.
    big = package({"app.py": "def handler(event, context):\n    return 'ok'\n", "blob.txt": os.urandom(400 << 10).hex()})
    too_big = error_code(lambda: limited.update_function_code(FunctionName="auth-fn", ZipFile=big))
    expect(too_big == ("RequestTooLargeException", 413), too_big)
    lam.delete_function(FunctionName="auth-fn")


def check_cross():
    lam = client()
    # Native deploy, boto3 invoke.
    status, _ = native("PUT", "/v1/functions/native-fn", json.dumps({"code": "def entrypoint(data):\n    return {'native': data}\n"}).encode())
    expect(status == 201, status)
    answer = lam.invoke(FunctionName="native-fn", Payload=json.dumps({"x": 1}))
    expect(json.loads(answer["Payload"].read()) == {"native": {"x": 1}}, "native function through boto3")
    expect(lam.get_function_configuration(FunctionName="native-fn")["Handler"] == "entrypoint", "its handler")
    # boto3 create, native invoke.
    lam.create_function(FunctionName="lambda-fn", Runtime="python3.11", Role="r", Handler="lambda_function.lambda_handler",
                        Code={"ZipFile": package({"lambda_function.py": HANDLER})})
    status, result = native("POST", "/v1/functions/lambda-fn/invoke", json.dumps({"y": 2}).encode())
    expect(status == 200 and result["event"] == {"y": 2}, result)
    # A version whose module outlasts the timeout only where it is loaded again (in the runners of
    # calls that name the version): the call's timeout, as Lambda reports it, not an error of serve's.
    slow = ("import os, time\nif os.environ['AWS_LAMBDA_FUNCTION_VERSION'] != '$LATEST':\n    time.sleep(30)\n"
            "def entrypoint(data):\n    return data\n")
    status, _ = native("PUT", "/v1/functions/slow-load", json.dumps({"code": slow, "timeout_s": 1}).encode())
    expect(status == 201, status)
    expect(lam.publish_version(FunctionName="slow-load")["Version"] == "1", "published")
    answer = lam.invoke(FunctionName="slow-load", Qualifier="1", Payload=b"{}")
    body = json.loads(answer["Payload"].read())
    expect(answer["FunctionError"] == "Unhandled" and body["errorType"] == "Sandbox.Timedout", body)
    expect("timed out after 1.00 seconds" in body["errorMessage"], body)
    for name in ("native-fn", "lambda-fn", "slow-load"):
        lam.delete_function(FunctionName=name)


def readme_blocks():
    """The python and bash blocks of the README's "Use it as a local AWS Lambda" section, as written."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
    with open(readme) as file:
        text = file.read()
    section = text.split("### Use it as a local AWS Lambda", 1)[1].split("\n## ", 1)[0]
    blocks = {}
    for chunk in section.split("```")[1::2]:
        language, _, body = chunk.partition("\n")
        blocks.setdefault(language.strip(), []).append(body)
    return blocks


def check_readme():
    """The README's boto3 snippet and AWS CLI line work as written: only the key, the secret and the
    port (the README's 8900) are this test's own."""
    blocks = readme_blocks()
    key, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    python = blocks["python"][0].replace('"AKIA…"', repr(key)).replace('"…"', repr(secret))
    python = python.replace("http://127.0.0.1:8900", ENDPOINT)
    run = subprocess.run([sys.executable, "-c", python], capture_output=True, text=True, timeout=300)
    expect(run.returncode == 0, run.stderr)
    expect(json.loads(run.stdout.strip().replace("'", '"')) == {"hello": "Ada"}, run.stdout)
    cli = [block for block in blocks["bash"] if "aws lambda invoke" in block][0]
    cli = cli.replace("http://127.0.0.1:8900", ENDPOINT).replace("=AKIA…", "=" + key).replace("=…", "=" + secret)
    with tempfile.TemporaryDirectory() as directory:
        # The block itself gives the key and the region, as a reader's shell would need.
        environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
        run = subprocess.run(["bash", "-c", cli], cwd=directory, capture_output=True, text=True, env=environment, timeout=120)
        expect(run.returncode == 0, run.stderr)
        expect(json.loads(run.stdout)["StatusCode"] == 200, run.stdout)
        with open(os.path.join(directory, "out.json")) as result:
            expect(json.load(result) == {"hello": "Ada"}, "the README's out.json")
    client().delete_function(FunctionName="hello")


if __name__ == "__main__":
    {"api": check_api, "cli": check_cli, "auth": check_auth, "cross": check_cross, "readme": check_readme}[sys.argv[1]]()
    print("ok:", sys.argv[1])
