"""The CSP source that lets the OAuth login form redirect to an app
(node/web/security_headers.py): the app's origin or scheme, never anything that could
smuggle another directive into the header."""

from __future__ import annotations

import pytest

from node.web.security_headers import content_security_policy, csp_source


@pytest.mark.parametrize(
    ("uri", "source"),
    [
        ("https://app.example/oauth/callback?from=x", "https://app.example"),
        ("http://127.0.0.1:4000/callback", "http://127.0.0.1:4000"),
        ("https://[::1]:8443/cb", "https://[::1]:8443"),
        ("nl.buurtapp://oauth-callback", "nl.buurtapp:"),
        ("com.example.app:/callback", "com.example.app:"),
        ("https://app.example;script-src:*/cb", None),
        ("https://app.example,x/cb", None),
        ("https://app.example:port/cb", None),
        ("https://[::1/cb", None),
    ],
)
def test_a_redirect_uri_becomes_its_origin_or_its_scheme(uri: str, source: str | None) -> None:
    assert csp_source(uri) == source


def test_extra_form_action_sources_extend_only_form_action() -> None:
    policy = content_security_policy(("nl.buurtapp:",))
    assert "form-action 'self' nl.buurtapp:" in policy.split("; ")
    assert policy.count("nl.buurtapp:") == 1
