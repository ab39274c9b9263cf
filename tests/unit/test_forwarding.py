"""The ForwardedRequest wrapper: what goes in comes out byte for byte, or is refused."""

from __future__ import annotations

import pytest

from federation.errors import MalformedDocument, NotAllowed
from federation.forwarding import (
    SIGNATURE_HEADERS,
    InboxRequest,
    forwarded_request,
    forwarded_request_activity,
)

FORWARDER = "https://wijk.example/actor"
RECEIVED = InboxRequest(
    "POST",
    "/actors/anna/inbox?x=1",
    {
        "Host": "wijk.example",
        "Date": "Sat, 05 Dec 2026 19:00:00 GMT",
        "Digest": "SHA-256=abc",
        "Signature": 'keyId="https://m.example/users/joris#main-key",signature="x"',
        "Cookie": "session=secret",
    },
    '{"type": "Like", "actor": "ü"}'.encode("utf-16"),
)


def test_a_wrapped_request_comes_out_exactly_as_received_without_other_headers() -> None:
    wrapper = forwarded_request_activity(
        "https://wijk.example/a/1", FORWARDER, RECEIVED, "L", ["P"]
    )
    unwrapped = forwarded_request(wrapper, FORWARDER)
    assert unwrapped.body == RECEIVED.body
    assert (unwrapped.method, unwrapped.target) == ("POST", "/actors/anna/inbox?x=1")
    assert set(unwrapped.headers) == {"host", "date", "digest", "signature"}
    assert set(unwrapped.headers) <= set(SIGNATURE_HEADERS)


def test_a_request_sent_to_another_host_or_not_to_an_inbox_is_refused() -> None:
    wrapper = forwarded_request_activity(
        "https://wijk.example/a/1", FORWARDER, RECEIVED, "L", ["P"]
    )
    with pytest.raises(NotAllowed, match=r"not to the forwarding node other\.example"):
        forwarded_request(wrapper, "https://other.example/actor")
    wrapper["forwardedRequest"]["target"] = "/actors/anna/outbox"
    with pytest.raises(NotAllowed, match="only a POST to an inbox"):
        forwarded_request(wrapper, FORWARDER)


@pytest.mark.parametrize(
    "spoil",
    [
        {"forwardedRequest": "text"},
        {"forwardedRequest": {"method": "POST", "target": "/inbox", "headers": {}}},
        {
            "forwardedRequest": {
                "method": "POST",
                "target": "/inbox",
                "headers": {"host": 1},
                "bodyBase64": "",
            }
        },
        {
            "forwardedRequest": {
                "method": "POST",
                "target": "/inbox",
                "headers": {"host": "wijk.example"},
                "bodyBase64": "not base64!",
            }
        },
    ],
)
def test_a_malformed_wrapper_is_refused(spoil: dict[str, object]) -> None:
    wrapper = {"type": "ForwardedRequest", "actor": FORWARDER, **spoil}
    with pytest.raises(MalformedDocument):
        forwarded_request(wrapper, FORWARDER)
