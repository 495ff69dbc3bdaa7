#!/usr/bin/python3
"""Recomputes SigV4 signatures made by vigil's signer with botocore (independent code).

Input: a JSON file, a list of signed requests as sigv4_botocore_test.cpp writes them (strings
hex-encoded so any byte survives). For each, the request is rebuilt as an AWS service would
verify it: a botocore AWSRequest with the method, URL and body, and the headers that the
Authorization header names in SignedHeaders (as sent, in order, repeats kept). botocore's
SigV4Auth then computes the canonical request, string to sign and signature at the request's
X-Amz-Date; all three must equal vigil's, and botocore must sign the same header list.
Exit status 0 when every request matches, 1 otherwise, 2 when botocore is missing.
"""
import json
import sys

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # python3-botocore is a test dependency (packaging/install-deps.sh)
    print(f"botocore is not installed: {e}")
    sys.exit(2)


def text(hex_string):
    return bytes.fromhex(hex_string).decode("latin-1")


def check(case):
    headers = [(text(n), text(v)) for n, v in case["headers"]]
    authorization = next(v for n, v in headers if n.lower() == "authorization")
    fields = dict(
        part.strip().split("=", 1) for part in authorization.split(" ", 1)[1].split(",")
    )
    signed = fields["SignedHeaders"].split(";")
    request = AWSRequest(
        method=case["method"], url=text(case["url"]), data=bytes.fromhex(case["body"])
    )
    for name, value in headers:
        if name.lower() in signed:
            request.headers[name] = value  # HTTPHeaders appends: repeated headers are kept
    amz_date = request.headers["X-Amz-Date"]
    request.context["timestamp"] = amz_date
    credentials = Credentials(
        case["access_key_id"], text(case["secret"]), text(case["token"]) or None
    )
    auth = SigV4Auth(credentials, case["service"], case["region"])
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    signature = auth.signature(string_to_sign, request)
    problems = []
    if auth.signed_headers(auth.headers_to_sign(request)) != fields["SignedHeaders"]:
        problems.append("signed headers differ: botocore "
                        f"{auth.signed_headers(auth.headers_to_sign(request))!r}")
    if canonical != text(case["canonical_request"]):
        problems.append(f"canonical request differs:\nbotocore {canonical!r}\n"
                        f"vigil    {text(case['canonical_request'])!r}")
    if string_to_sign != text(case["string_to_sign"]):
        problems.append(f"string to sign differs: botocore {string_to_sign!r}")
    if signature != fields["Signature"]:
        problems.append(f"signature differs: botocore {signature}, vigil {fields['Signature']}")
    expected_credential = f"{case['access_key_id']}/{auth.credential_scope(request)}"
    if fields["Credential"] != expected_credential:
        problems.append(f"credential differs: {fields['Credential']} != {expected_credential}")
    return problems


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    failed = 0
    for i, case in enumerate(cases):
        problems = check(case)
        if problems:
            failed += 1
            print(f"case {i} ({case['method']} {text(case['url'])}):")
            for p in problems:
                print("  " + p)
    print(f"{len(cases) - failed} of {len(cases)} signatures verified by botocore")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
