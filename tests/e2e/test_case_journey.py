"""A caseworker takes a new case from intake to a closure request; the supervisor closes it.

The acceptance criterion of the case workflow, in a real browser and through the UI
only: register a person, open the case, screen, record the formal identification
decision, provide a service, move prosecution to a final judgment, request closure;
the supervisor approves; the timeline shows every move with who made it and when.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CASEWORKER_NAME = "Casey Worker"
SUPERVISOR_NAME = "Sam Supervisor"
REFERENCE = re.compile(r"AGA-\d{4}-\d{5}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _track_card(page: Page, track: str) -> Locator:
    """The card of one track (Identification, Protection, Prosecution) on the case page."""
    tracks = page.get_by_role("region", name="Tracks")
    heading = page.get_by_role("heading", name=track, exact=True, level=3)
    return tracks.locator(".card").filter(has=heading)


def _move(page: Page, track: str, to_status: str, note: str = "") -> None:
    card = _track_card(page, track)
    card.get_by_label("Move to").select_option(label=to_status)
    if note:
        card.get_by_label("Note").fill(note)
    card.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Track updated.")).to_be_visible()
    expect(_track_card(page, track).get_by_text(to_status, exact=True)).to_be_visible()


def _open_case_from_list(page: Page, reference: str) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Cases").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=reference, level=1)).to_be_visible()


def test_case_from_intake_to_approved_closure(
    page: Page, live_server, browser_login, caseworker, supervisor
):
    today = timezone.localdate().isoformat()  # the app's own time zone
    # 1. Intake: register the person, then open the case.
    browser_login(caseworker)
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Victims").click()
    page.get_by_role("link", name="Register a person").click()
    expect(page.get_by_role("heading", name="Register a person")).to_be_visible()
    page.get_by_label("Legal name").fill("Journey Test Person")
    page.get_by_label("Sex/gender").select_option(label="Male")
    page.get_by_label("Age (years)").fill("27")
    page.get_by_label("Nationality").select_option(label="Philippines")
    page.get_by_label("Languages spoken").fill("Tagalog, English")
    page.get_by_role("button", name="Check and save").click()
    new_case = page.get_by_role("heading", name="New case for")
    possible_duplicate = page.get_by_role("heading", name="Possibly already registered")
    expect(new_case.or_(possible_duplicate)).to_be_visible()
    if possible_duplicate.is_visible():
        page.get_by_label("create a new record anyway").check()
        page.get_by_role("button", name="Save", exact=True).click()
    expect(new_case).to_be_visible()
    assert page.url.endswith("/cases/new/")

    page.get_by_label("Source").select_option(label="NGO outreach")
    page.get_by_label("Forced criminality", exact=True).check()
    page.get_by_label("Online fraud (scam operations)").check()
    page.get_by_label("Recruitment method").select_option(label="Social media")
    page.get_by_label("Threats", exact=True).check()
    page.get_by_label("Place of exploitation").fill("A guarded compound (fictional)")
    page.get_by_label("Risk level").select_option(label="High")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile(r"Case AGA-\d{4}-\d{5} opened\."))).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(REFERENCE)
    expect(heading).to_contain_text("Open")
    reference = REFERENCE.search(heading.inner_text()).group()
    expect(page.get_by_text(f"Caseworkers: {CASEWORKER_NAME}")).to_be_visible()
    expect(_track_card(page, "Identification").get_by_text("Not screened")).to_be_visible()

    # 2. Screening with the forced-criminality checklist, referred for identification.
    page.get_by_role("link", name="Start a screening").click()
    page.get_by_label("Indicator checklist").select_option(
        label="Forced criminality in scam operations (v1)"
    )
    page.get_by_role("button", name="Start", exact=True).click()
    expect(
        page.get_by_role("heading", name="Forced criminality in scam operations")
    ).to_be_visible()
    for indicator in (
        "Recruited by an online job advertisement",
        "Passport or phone taken on arrival",
        "Held in a guarded compound",
        "Forced to defraud people",
    ):
        page.get_by_role("group", name=indicator).get_by_label("Yes").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Answers saved.")).to_be_visible()
    expect(page.get_by_role("region", name="Suggestion (you decide)")).to_contain_text(
        "Passport or phone taken on arrival"
    )
    page.get_by_label("Refer for formal identification").check()
    page.get_by_label("Reasons").fill("Strong indicators of forced criminality.")
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page.get_by_text("Screening completed.")).to_be_visible()
    expect(page.get_by_role("heading", name=reference, level=1)).to_be_visible()
    expect(
        _track_card(page, "Identification").get_by_text("Awaiting formal decision", exact=True)
    ).to_be_visible()

    # 3. The formal identification decision.
    page.get_by_role("link", name="Record a decision").click()
    page.get_by_label("Authority").select_option(label="Police")
    page.get_by_label("Decision date").fill(today)
    page.get_by_label("Outcome").select_option(label="Identified as a victim")
    page.get_by_label("Notice given to the person on").fill(today)
    page.get_by_label("Language of the notice").fill("Tagalog")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("Identification decision recorded.")).to_be_visible()
    _open_case_from_list(page, reference)
    expect(
        _track_card(page, "Identification").get_by_text("Identified", exact=True)
    ).to_be_visible()
    expect(_track_card(page, "Protection").get_by_text("Needs assessment")).to_be_visible()

    # 4. A protection service: planned, moved to in progress, then completed with its
    #    outcome; protection completes.
    page.get_by_role("link", name="Add a service").click()
    page.get_by_role("combobox", name=re.compile(r"^Service\b")).select_option(
        label="Psychological counselling"
    )
    page.get_by_label("Start date").fill(today)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Service saved.")).to_be_visible()
    services = page.get_by_role("table", name="Protection services")
    counselling = services.get_by_role("row").filter(has_text="Psychological counselling")
    expect(counselling).to_contain_text("Planned")
    for status in ("In progress", "Completed"):
        counselling.get_by_role("link", name="Update").click()
        page.get_by_label("Move to").select_option(label=status)
        page.get_by_role("button", name="Move", exact=True).click()
        expect(page.get_by_text("Service updated.")).to_be_visible()
        expect(counselling).to_contain_text(status)
    counselling.get_by_role("link", name="Update").click()
    page.get_by_label("End date").fill(today)
    page.get_by_label("Outcome").fill("Twelve sessions held.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Service saved.")).to_be_visible()
    _open_case_from_list(page, reference)
    expect(
        _track_card(page, "Protection").get_by_text("Services in progress", exact=True)
    ).to_be_visible()
    _move(page, "Protection", "Completed", note="Counselling completed.")

    # 5. Prosecution, from not reported to a final judgment.
    expect(_track_card(page, "Prosecution").get_by_text("Not reported", exact=True)).to_be_visible()
    for status in (
        "Reported to police",
        "Under investigation",
        "Indicted",
        "At trial",
        "Judgment",
        "Final",
    ):
        _move(page, "Prosecution", status)

    # 6. The caseworker requests closure.
    closure = page.get_by_role("region", name="Closure")
    # Nothing blocks closure: the decision is recorded and no service is still open.
    expect(closure.get_by_text("still planned or in progress")).to_have_count(0)
    expect(closure.get_by_text("decision has not been recorded")).to_have_count(0)
    closure.locator("summary", has_text="Request closure").click()
    closure.get_by_label("Reason").fill("Person identified, services completed, judgment final.")
    closure.get_by_role("button", name="Request closure").click()
    expect(page.get_by_text("Closure requested; a supervisor will decide.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closure requested")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Email")).to_be_visible()

    # 7. The supervisor approves the closure.
    browser_login(supervisor)
    # Not assigned to the case, the supervisor finds it in the agency's case list.
    _open_case_from_list(page, reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closure requested")
    closure.locator("summary", has_text="Approve closure").click()
    closure.get_by_role("textbox", name="Comment").fill("Agreed.")
    closure.get_by_role("button", name="Yes, close the case").click()
    expect(page.get_by_text("Case closed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")

    # 8. The full timeline: every move, with who and when.
    page.get_by_role("link", name="Full timeline").click()
    expect(page.get_by_role("heading", name=f"Timeline of {reference}")).to_be_visible()
    entries = page.locator("#timeline > li")
    moves = [
        ("Identification", "Not screened → Screening", CASEWORKER_NAME),
        ("Identification", "Screening → Awaiting formal decision", CASEWORKER_NAME),
        ("Identification", "Awaiting formal decision → Identified", CASEWORKER_NAME),
        ("Protection", "Needs assessment → Services in progress", CASEWORKER_NAME),
        ("Protection", "Services in progress → Completed", CASEWORKER_NAME),
        ("Prosecution", "Not reported → Reported to police", CASEWORKER_NAME),
        ("Prosecution", "Reported to police → Under investigation", CASEWORKER_NAME),
        ("Prosecution", "Under investigation → Indicted", CASEWORKER_NAME),
        ("Prosecution", "Indicted → At trial", CASEWORKER_NAME),
        ("Prosecution", "At trial → Judgment", CASEWORKER_NAME),
        ("Prosecution", "Judgment → Final", CASEWORKER_NAME),
        ("Case status", "Open → Closure requested", CASEWORKER_NAME),
        ("Case status", "Closure requested → Closed", SUPERVISOR_NAME),
    ]
    expect(entries).to_have_count(len(moves))
    # Newest first: the supervisor's closure tops the list.
    for entry, (track, move, actor) in zip(entries.all(), reversed(moves), strict=True):
        expect(entry).to_contain_text(f"{track}: {move}")
        expect(entry).to_contain_text(actor)
        expect(entry.locator("time")).to_have_attribute("datetime", ISO_DATE)
    expect(entries.first).to_contain_text("Agreed.")
    expect(entries.nth(1)).to_contain_text("Person identified, services completed")
