"""Page helpers: fetch a page through the test client and check its status; drive the login
form in a real browser (tests/e2e/)."""
from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

ARTIFACTS = Path(__file__).parent / "e2e" / "artifacts"  # browser screenshots


def get_page(client, url: str, status: int = 200, **kwargs) -> BeautifulSoup:
    """GET url, assert the status, return the parsed page."""
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    return BeautifulSoup(response.data, "html.parser")


def post_page(client, url: str, data: dict, status: int = 302, **kwargs):
    response = client.post(url, data=data, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.data[:600])
    return response


def e2e_login(page, base_url: str, username: str, password: str):
    """Sign in through the login form; returns the page after the form was submitted."""
    page.goto(f"{base_url.rstrip('/')}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form:has(#username) button[type=submit]").click()
    return page


def e2e_logout(page) -> None:
    """Sign out through the navigation bar's button."""
    with page.expect_navigation():
        page.locator("form[action$='/logout'] button[type=submit]").click()


def after_job(client, response):
    """Where a request that queued a job leads once the job has run (tests run jobs at once, see
    JOBS_IMMEDIATE): the job's page, or what the job made (an import preview), redirects followed."""
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], (
        response.status_code, response.headers.get("Location"), response.data[:300])
    return client.get(response.headers["Location"], follow_redirects=True)
