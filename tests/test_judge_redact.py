"""Redaction: no credential leaves the process in a transcript."""

from __future__ import annotations

import json
import time

import pytest

from judge.redact import MASK, redact

SECRETS = [
    ("openai", "key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789 end", "sk-proj-AbCd"),
    ("anthropic", "ANTHROPIC sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv-0123456789xyz", "api03-AbCd"),
    ("github", "push with ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 now", "ghp_AbCd"),
    ("github oauth", "gho_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "gho_AbCd"),
    ("github pat", "github_pat_11ABCDEFG0123456789_AbCdEfGhIjKlMnOp", "11ABCDEFG"),
    ("slack", "slack xoxb-123456789012-1234567890123-AbCdEfGh", "xoxb-1234"),
    ("aws", "aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7"),
    ("google", "key=AIzaSyA-AbCdEfGhIjKlMnOpQrStUvWxYz0123456 &", "AIzaSyA"),
    ("bearer", 'curl -H "Authorization: Bearer abc123def456" https://api', "abc123def456"),
    ("bearer bare", "token is Bearer AbCdEfGhIjKlMnOpQrStUvWxYz012345", "AbCdEfGhIjKl"),
    (
        "jwt",
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlF",
        "dozjgNryP4J3",
    ),
    ("url password", "DATABASE_URL postgres://admin:hunter2@db:5432/app", "hunter2"),
    ("redis password", "redis://:s3cr3tpw@cache:6379/0", "s3cr3tpw"),
    ("env line", "DB_PASSWORD=hunter2", "hunter2"),
    ("exported env", "export GITHUB_TOKEN=abc123xyz", "abc123xyz"),
    ("quoted env", 'API_KEY = "my key value"', "my key value"),
    ("query string", "GET /login?user=bob&password=s3cret&next=1", "s3cret"),
    ("json", '{"password": "hunter2", "user": "bob"}', "hunter2"),
    ("yaml", "services:\n  db:\n    POSTGRES_PASSWORD: example-pw\n", "example-pw"),
    ("header", "X-Api-Key: 0123abcd", "0123abcd"),
    ("private key name", "private_key: AAAAB3NzaC1yc2E", "AAAAB3NzaC1yc2E"),
    ("aws secret", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI"),
    ("django secret", "DJANGO_SECRET_KEY='django-insecure-x1y2z3'", "django-insecure"),
    ("passphrase", "ssh_passphrase: correct horse", "correct horse"),
]


@pytest.mark.parametrize(("kind", "text", "secret"), SECRETS, ids=[s[0] for s in SECRETS])
def test_secret_is_replaced(kind: str, text: str, secret: str) -> None:
    redacted = redact(text)

    assert secret not in redacted
    assert MASK in redacted


def test_text_around_a_secret_is_kept() -> None:
    redacted = redact("use sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789 for the call")

    assert redacted == f"use {MASK} for the call"


def test_password_in_url_keeps_scheme_user_and_host() -> None:
    assert redact("postgres://admin:hunter2@db:5432/app") == f"postgres://admin:{MASK}@db:5432/app"


PEM_BODY = "MIIEowIBAAKCAQEAx4U1b2mGk3gW7\nZyX0a9Qm8vYt1c2p3q4r5s6t7u8v9w0\nabcd==\n"


@pytest.mark.parametrize(
    "text",
    [
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----\nafter",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}",  # cut before its end
        f"{PEM_BODY}-----END PRIVATE KEY-----\nafter",  # cut after its start
        # inside a JSON string: newlines escaped, other fields around it
        json.dumps({"a": 1, "key": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}", "b": 2}),
        json.dumps({"a": 1, "key": f"{PEM_BODY}-----END RSA PRIVATE KEY-----\n", "b": 2}),
        json.dumps({"key": f"{PEM_BODY}-----END RSA PRIVATE KEY-----".replace("\n", "\r\n")}),
    ],
    ids=["whole", "head", "tail", "json-head", "json-tail", "json-crlf-tail"],
)
def test_private_key_block_is_replaced_even_when_cut(text: str) -> None:
    redacted = redact(text)

    assert "MIIEowIBAAKCAQEA" not in redacted
    assert "ZyX0a9Qm8vYt1c2p" not in redacted
    assert MASK in redacted


@pytest.mark.parametrize(
    "text",
    [
        "risk-assessment-document-for-all-the-things-2024",
        "max_tokens=4096",
        "tokenizer = AutoTokenizer.from_pretrained(name)",
        "passwords are checked by the login form",
        "Bearer authentication is described in RFC 6750",
        "see https://example.com:8080/path@v2 and git@github.com:org/repo.git",
        "a plain sentence with the word secret in it",
        "-----BEGIN PUBLIC KEY-----",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_non_ascii_text_keeps_its_alignment() -> None:
    assert (
        redact("İstanbul ünïcode\npassword=abc\nkept") == f"İstanbul ünïcode\npassword={MASK}\nkept"
    )


def test_redacting_a_large_output_is_fast() -> None:
    chunk = "def handler(event):\n    return {'status': 200, 'body': event['path']}\n"
    text = chunk * (200_000 // len(chunk)) + "API_KEY=abc\n"

    started = time.process_time()
    redacted = redact(text)
    elapsed = time.process_time() - started

    assert redacted.endswith(f"API_KEY={MASK}\n")
    assert elapsed < 0.05
