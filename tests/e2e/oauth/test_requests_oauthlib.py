"""requests-oauthlib as its documentation shows it for the password grant ("Legacy
Application Flow") and for automatic token refresh (auto_refresh_url + token_updater)."""

import os
import time

import pytest
from oauthlib.oauth2 import InvalidGrantError, LegacyApplicationClient
from requests_oauthlib import OAuth2Session

from conftest import PASSWORD

# oauthlib refuses http:// unless told, as its documentation says to for local testing;
# authd here listens on http://127.0.0.1 only.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

EMAIL = "oauthlib@example.com"
CLIENT_ID = "python-app"


def test_legacy_application_flow_with_automatic_refresh(authd):
    authd.register(EMAIL)
    token_url = f"{authd.url}/oauth/token"
    oauth = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))
    token = oauth.fetch_token(token_url=token_url, username=EMAIL, password=PASSWORD, client_id=CLIENT_ID)
    assert oauth.get(f"{authd.url}/auth/me").json()["email"] == EMAIL

    saved = []
    client = OAuth2Session(
        CLIENT_ID,
        token=token,
        auto_refresh_url=token_url,
        auto_refresh_kwargs={"client_id": CLIENT_ID},
        token_updater=saved.append,
    )
    time.sleep(3.5)  # the access token has expired (authd runs with no leeway)
    me = client.get(f"{authd.url}/auth/me")

    assert me.status_code == 200, me.text
    assert len(saved) == 1
    assert saved[0]["refresh_token"] != token["refresh_token"]
    assert authd.requests("POST", "/oauth/token") == 2


def test_a_wrong_password_raises_invalid_grant_error_with_its_description(authd):
    authd.register(EMAIL)
    oauth = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))

    with pytest.raises(InvalidGrantError) as refused:
        oauth.fetch_token(token_url=f"{authd.url}/oauth/token", username=EMAIL, password="wrong password, sorry", client_id=CLIENT_ID)

    assert refused.value.description == "invalid email or password"
