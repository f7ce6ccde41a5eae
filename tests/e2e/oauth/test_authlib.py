"""Authlib's OAuth2Session (requests integration) against authd, as Authlib's documentation
shows it: fetch_token with the password grant, a protected call, an automatic refresh when
the access token expires, revoke_token. No adapter, no body rewriting."""

import time

import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from conftest import PASSWORD

EMAIL = "authlib@example.com"


def session(authd, **kwargs):
    metadata = __import__("requests").get(f"{authd.url}/.well-known/oauth-authorization-server").json()
    # A public client: no secret (token_endpoint_auth_method "none", as the metadata says).
    return OAuth2Session(
        "python-app",
        token_endpoint=metadata["token_endpoint"],
        token_endpoint_auth_method=metadata["token_endpoint_auth_methods_supported"][0],
        **kwargs,
    ), metadata


def test_password_grant_protected_call_automatic_refresh_and_revocation(authd):
    authd.register(EMAIL)
    updates = []
    client, metadata = session(authd, update_token=lambda token, **kw: updates.append((token, kw)), leeway=1)

    token = client.fetch_token(metadata["token_endpoint"], username=EMAIL, password=PASSWORD)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3

    me = client.get(f"{authd.url}/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == EMAIL
    assert authd.requests("POST", "/oauth/token") == 1

    time.sleep(2.5)  # within Authlib's leeway of expiry: the next call refreshes first
    me = client.get(f"{authd.url}/auth/me")
    assert me.status_code == 200, me.text
    assert authd.requests("POST", "/oauth/token") == 2
    assert len(updates) == 1
    new_token, kw = updates[0]
    assert kw["refresh_token"] == token["refresh_token"]
    assert new_token["refresh_token"] != token["refresh_token"]

    time.sleep(3.5)  # expired outright: authd itself (leeway 0) would refuse it
    assert client.get(f"{authd.url}/auth/me").status_code == 200
    assert len(updates) == 2

    refresh_token = client.token["refresh_token"]
    answer = client.revoke_token(metadata["revocation_endpoint"], token=refresh_token, token_type_hint="refresh_token")
    assert answer.status_code == 200
    with pytest.raises(OAuthError) as refused:
        client.refresh_token(metadata["token_endpoint"], refresh_token=refresh_token)
    assert refused.value.error == "invalid_grant"


def test_a_wrong_password_raises_invalid_grant_with_a_description(authd):
    authd.register(EMAIL)
    client, metadata = session(authd)

    with pytest.raises(OAuthError) as refused:
        client.fetch_token(metadata["token_endpoint"], username=EMAIL, password="not the right password")

    assert refused.value.error == "invalid_grant"
    assert refused.value.description


def test_basic_client_authentication_with_an_empty_secret(authd):
    authd.register(EMAIL)
    metadata = __import__("requests").get(f"{authd.url}/.well-known/oauth-authorization-server").json()
    # Authlib's default method, client_secret_basic, with the empty secret of a public client.
    client = OAuth2Session("python-app", "", token_endpoint=metadata["token_endpoint"])

    token = client.fetch_token(metadata["token_endpoint"], username=EMAIL, password=PASSWORD)

    assert client.get(f"{authd.url}/auth/me").status_code == 200
    assert token["access_token"]
    unknown = OAuth2Session("someone-else", "")
    with pytest.raises(OAuthError) as refused:
        unknown.fetch_token(metadata["token_endpoint"], username=EMAIL, password=PASSWORD)
    assert refused.value.error == "invalid_client"
