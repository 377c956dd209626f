"""A caseworker logs in, switches to Traditional Chinese, and the choice sticks."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_then_switch_to_traditional_chinese(
    page: Page, live_server, browser_login, caseworker
):
    browser_login(caseworker)
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Cases", exact=True)).to_be_visible()
    # The Partnership menu opens (Bootstrap's script runs under the CSP) and lists referrals.
    navigation.get_by_role("button", name="Partnership").click()
    expect(navigation.get_by_role("link", name="Referrals")).to_be_visible()

    page.get_by_label("Language").select_option("zh-hant")
    page.get_by_role("button", name="Change language").click()

    navigation = page.get_by_role("navigation", name="主選單")
    expect(navigation.get_by_role("link", name="案件", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="登出")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hant"

    page.goto(f"{live_server.url}/partners/agencies/")
    expect(page.get_by_role("heading", name="合作機構")).to_be_visible()


def test_wrong_password_shows_an_error_next_to_the_form(page: Page, live_server, caseworker):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(caseworker.email)
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Please enter a correct email address and password")).to_be_visible()
