"""`GET /metrics` read by prometheus_client's own text parser (the reference Python one):
the exposition parses whole, every family has its type, and the counts follow what was done."""

import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import PASSWORD, Authd


def scrape(server):
    answer = requests.get(server.metrics_url, timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(answer.text)}


def value(families, name, sample_name=None, **labels):
    family = families[name]
    matches = [
        s.value
        for s in family.samples
        if s.name == (sample_name or name) and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(matches) == 1, (name, labels, family.samples)
    return matches[0]


def test_the_exposition_parses_and_counts_a_session():
    server = Authd(AUTHD_METRICS_BIND="127.0.0.1:0")
    try:
        assert server.metrics_url, "the metrics listener's line is in the log"
        before = scrape(server)
        server.register("metrics@example.com")
        login = requests.post(
            f"{server.url}/auth/login",
            json={"email": "metrics@example.com", "password": PASSWORD},
        ).json()
        rotated = requests.post(f"{server.url}/auth/refresh", json={"refresh_token": login["refresh_token"]})
        assert rotated.status_code == 200
        me = requests.get(f"{server.url}/auth/me", headers={"Authorization": f"Bearer {login['access_token']}"})
        assert me.status_code == 200

        after = scrape(server)

        # prometheus_client names a counter family without its `_total` suffix.
        assert after["authd_logins"].type == "counter"
        assert value(after, "authd_logins", "authd_logins_total", outcome="success") == 1
        assert value(before, "authd_refreshes", "authd_refreshes_total", outcome="rotated") == 0
        assert value(after, "authd_refreshes", "authd_refreshes_total", outcome="rotated") == 1
        requests_me = dict(method="GET", route="/auth/me", status="200")
        assert value(after, "authd_http_requests", "authd_http_requests_total", **requests_me) == 1
        duration = after["authd_http_request_duration_seconds"]
        assert duration.type == "histogram"
        count = value(after, duration.name, duration.name + "_count", method="GET", route="/auth/me")
        inf = value(after, duration.name, duration.name + "_bucket", method="GET", route="/auth/me", le="+Inf")
        assert count == inf == 1
        assert after["authd_hashing_queue_depth"].type == "gauge"
        assert value(after, "authd_hashing_workers") >= 1
        signing = [s for s in after["authd_keys"].samples if s.labels["state"] == "signing"]
        assert len(signing) == 1 and signing[0].labels["alg"] == "ES256"
        # Nothing of a credential reaches the metrics.
        text = requests.get(server.metrics_url, timeout=5).text
        for secret in (PASSWORD, login["access_token"], login["refresh_token"], "metrics@example.com"):
            assert secret not in text
    finally:
        server.stop()


def test_the_public_listener_has_no_metrics():
    server = Authd(AUTHD_METRICS_BIND="127.0.0.1:0")
    try:
        assert requests.get(f"{server.url}/metrics").status_code == 404
    finally:
        server.stop()
