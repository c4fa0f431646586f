"""The seed's flow in Chromium, against a real ``tether serve`` and the emulated AWS
Organization: log in, Setup > Integrations, pick the client, Available Integrations, the
AWS tile, Install AWS with "Install All Linked Accounts", watch the validation, the linked
accounts under their parent, a child's discovery profile, Scan now, the resources and a
resource's history, and uninstall. A screenshot of every page lands in
``tests/web/screenshots/``."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

from tests.support.app import RunningServer
from tests.web.browser import create_client, login, shot
from tether.emulator import EmulatedOrganization, FaultProxy

REGIONS = ("us-east-1", "eu-west-1")
PARENT = "Landing zone"
SETUP_INTEGRATIONS = "Setup \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Integrations"


# Each AWS call this much slower while the test watches something run (the validation
# steps streaming in, a scan's progress): long enough to be seen, short enough to be quick.
# A scan runs 16 calls at a time, so it needs the longer delay to last over a second.
VALIDATION_LATENCY_MS = 100
SCAN_LATENCY_MS = 200


@dataclass(frozen=True)
class Client:
    id: str
    name: str


@dataclass
class Album:
    """Numbered screenshots of one test, in the order its pages were visited."""

    page: Page
    prefix: str
    taken: int = field(default=0)

    def name(self, what: str) -> str:
        self.taken += 1
        return f"{self.prefix}-{self.taken:02d}-{what}"

    def __call__(self, what: str) -> None:
        shot(self.page, self.name(what))


def _client(server: RunningServer, name: str) -> Client:
    created = create_client(server, name)
    return Client(created["uniqueId"], created["name"])


def _open_installed_integrations(
    page: Page, server: RunningServer, client: Client, album: Album
) -> None:
    """Log in, land on Setup > Integrations (All Clients), and pick the client."""
    login(page, server.boot["admin_user"], server.boot["admin_password"], album.name("login"))
    expect(page).to_have_url(re.compile(r"/setup/integrations$"))
    expect(page.get_by_role("heading", name="Installed Integrations", level=1)).to_be_visible()
    expect(_main_menu(page, SETUP_INTEGRATIONS)).to_have_attribute("aria-current", "page")
    album("installed-all-clients")
    page.get_by_label("Client", exact=True).select_option(label=client.name)
    expect(page).to_have_url(re.compile(rf"/setup/integrations\?client={client.id}$"))
    expect(page.get_by_text(f"No integrations installed for {client.name} yet.")).to_be_visible()


def _open_install_aws(page: Page, client: Client, album: Album) -> None:
    """From the client's installed list: Install integration, Public Cloud, the AWS tile."""
    page.get_by_role("link", name="Install integration").first.click()
    expect(page).to_have_url(re.compile(rf"/setup/integrations/available\?client={client.id}$"))
    expect(page.get_by_role("heading", name="Available Integrations", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Public Cloud")).to_be_visible()
    album("available-integrations")
    page.get_by_role("link", name="Install AWS").click()
    expect(page).to_have_url(re.compile(rf"/setup/integrations/install/aws\?client={client.id}$"))
    expect(page.get_by_role("heading", name="Install AWS Integration", level=1)).to_be_visible()


def _fill_install_form(page: Page, org: EmulatedOrganization, name: str) -> None:
    """The seed's fields for the Organization's management account, with its linked accounts."""
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Region(s)").select_option(list(REGIONS))
    page.get_by_label("AWSType").select_option("IAM with AssumeRole")
    page.get_by_label("Account Number").fill(org.trusted_account_id)
    page.get_by_label("Access Key").fill(org.trusted_keys.access_key_id)
    page.get_by_label("Security Key").fill(org.trusted_keys.secret_access_key)
    page.get_by_label("AssumeRole ARN").fill(org.role_arns[org.management_account_id])
    page.get_by_label("External ID").fill(org.external_id)
    page.get_by_label("Install All Linked Accounts").check()


def _watch_validation(page: Page) -> None:
    """Note, at each change of the Validation section, how many steps it shows and whether
    the outcome is there yet (instrumentation only: the page itself runs no inline script)."""
    page.evaluate(
        """() => {
            const section = document.getElementById("install-progress");
            window.validationSeen = [];
            new MutationObserver(() => window.validationSeen.push([
                section.querySelectorAll("#install-steps > li").length,
                section.querySelector("#install-outcome > *") !== null,
            ])).observe(section, { childList: true, subtree: true });
        }"""
    )


def _assert_steps_came_before_the_outcome(page: Page) -> None:
    seen: list[list[int | bool]] = page.evaluate("() => window.validationSeen")
    shown = [int(steps) for steps, ended in seen if steps and not ended]
    assert shown, f"no step was shown before the outcome: {seen}"
    assert max(shown) > min(shown), f"the steps came all at once: {seen}"


def _main_menu(page: Page, entry: str) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=entry)


def _steps(page: Page) -> Locator:
    return page.get_by_role("region", name="Validation").get_by_role("listitem")


def test_install_an_organization_scan_a_linked_account_and_uninstall(
    page: Page,
    console_server: RunningServer,
    aws_org: EmulatedOrganization,
    aws_faults: FaultProxy,
) -> None:
    album = Album(page, "flow")
    client = _client(console_server, "Landing Zone Ltd")
    _open_installed_integrations(page, console_server, client, album)
    album("installed-empty")
    _open_install_aws(page, client, album)
    _fill_install_form(page, aws_org, PARENT)
    album("install-aws-filled")

    # The steps appear one by one as validation runs, then the outcome.
    aws_faults.set_latency(VALIDATION_LATENCY_MS, VALIDATION_LATENCY_MS)
    _watch_validation(page)
    page.get_by_role("button", name="Install", exact=True).click()
    expect(page.get_by_role("button", name="Installing…")).to_be_disabled()
    steps = _steps(page)
    outcome = page.get_by_role("status").filter(has_text=f"Installed {PARENT}.")
    expect(outcome).to_be_visible()
    aws_faults.clear_latency()
    _assert_steps_came_before_the_outcome(page)
    for label in ("Credentials", "Account Number", "AssumeRole", "Permissions"):
        expect(steps.filter(has_text=label).first).to_contain_text("passed")
    onboarded = len(aws_org.onboarded_member_ids)
    unreachable = len(aws_org.member_account_ids) - onboarded
    expect(outcome).to_contain_text(
        f"Linked accounts: {onboarded} added, {unreachable} could not be reached"
    )
    album("install-aws-validated")

    # Setup > Integrations: the parent, with its linked accounts grouped under it.
    _main_menu(page, SETUP_INTEGRATIONS).click()
    expect(page).to_have_url(re.compile(rf"/setup/integrations\?client={client.id}$"))
    installed = page.get_by_role("table", name=f"Installed integrations of {client.name}")
    expect(installed.get_by_role("link", name=PARENT, exact=True)).to_be_visible()
    page.get_by_text(
        f"{len(aws_org.member_account_ids)} linked accounts ({onboarded} enabled, "
        f"{unreachable} failed)"
    ).click()
    linked = page.get_by_role("table", name=f"Linked accounts of {PARENT}")
    expect(linked.get_by_role("row")).to_have_count(1 + len(aws_org.member_account_ids))
    member = aws_org.onboarded_member_ids[0]
    child = f"{PARENT} / {aws_org.account(member).name}"
    child_row = linked.get_by_role("row").filter(has_text=member)
    expect(child_row).to_contain_text("enabled")
    expect(linked.get_by_role("row").filter(has_text="failed")).to_have_count(unreachable)
    album("installed-with-linked-accounts")

    child_row.get_by_role("link", name=child, exact=True).click()
    _child_integration_page(page, album, client, child, aws_faults)
    _resources(page, album, client, aws_org, member)

    # Back to the list: uninstall the parent with its linked accounts.
    _main_menu(page, SETUP_INTEGRATIONS).click()
    expect(page).to_have_url(re.compile(rf"/setup/integrations\?client={client.id}$"))
    page.get_by_role("link", name=f"Uninstall {PARENT}", exact=True).click()
    dialog = page.get_by_role("dialog", name=f"Uninstall {PARENT}")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Uninstall reason").fill("The landing zone moves to another team")
    dialog.get_by_label("Uninstall them too").check()
    album("uninstall-dialog")
    dialog.get_by_role("button", name="Uninstall").click()
    expect(page.get_by_role("status")).to_have_text(
        "Integration and its linked accounts uninstalled, with their discovery profiles, "
        "scans and inventory."
    )
    expect(page.get_by_text(f"No integrations installed for {client.name} yet.")).to_be_visible()
    expect(page.get_by_role("link", name=PARENT, exact=True)).to_have_count(0)
    album("uninstalled")


def test_a_denied_region_fails_the_install_and_stores_nothing(
    page: Page,
    console_server: RunningServer,
    aws_org: EmulatedOrganization,
    aws_faults: FaultProxy,
) -> None:
    management = aws_org.management_account_id
    aws_faults.add_rule("access_denied", account_id=management, region="eu-west-1", service="ec2")
    album = Album(page, "denied")
    client = _client(console_server, "Denied Region Ltd")
    _open_installed_integrations(page, console_server, client, album)
    _open_install_aws(page, client, album)
    _fill_install_form(page, aws_org, "Denied in Ireland")

    page.get_by_role("button", name="Install", exact=True).click()
    failed = page.get_by_role("alert").filter(has_text="Validation failed: nothing was stored.")
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("eu-west-1: access denied by IAM")
    region = _steps(page).filter(has_text="eu-west-1")
    expect(region.first).to_contain_text("failed")
    expect(region.first).to_contain_text("access denied by IAM")
    assert aws_org.trusted_keys.secret_access_key not in page.content()
    album("install-aws-failed")

    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(rf"/setup/integrations\?client={client.id}$"))
    expect(page.get_by_text(f"No integrations installed for {client.name} yet.")).to_be_visible()
    album("installed-still-empty")


def _child_integration_page(
    page: Page, album: Album, client: Client, child: str, aws_faults: FaultProxy
) -> None:
    """A linked account's integration page. As the seed says, its first scan takes the
    parent's discovery profile; from then on it is edited here for this account alone: a
    rule is added, and the next Scan now runs with it."""
    expect(page).to_have_url(re.compile(rf"/integrations/{client.id}/INTG-[0-9a-f-]+$"))
    expect(page.get_by_role("heading", name=child, level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Credentials")).to_contain_text("IAM with AssumeRole")
    expect(page.get_by_role("link", name=PARENT, exact=True).first).to_be_visible()
    album("linked-account")

    # Every AWS call a little slower, so the scan is seen running before it ends.
    aws_faults.set_latency(SCAN_LATENCY_MS, SCAN_LATENCY_MS)
    _scan_now(page, album)
    aws_faults.clear_latency()
    album("first-scan-finished")

    profiles = page.get_by_role("region", name="Discovery profiles")
    expect(profiles.get_by_text("copied from parent")).to_be_visible()
    editor = profiles.get_by_role("form", name=re.compile(r"^Edit "))
    expect(editor).to_have_count(1)
    rules = editor.get_by_role("table", name=re.compile(r"^Rules")).locator("tbody")
    before = rules.get_by_role("row").count()
    editor.get_by_role("button", name="Add rule").click()
    expect(rules.get_by_role("row")).to_have_count(before + 1)
    added = f"Rule {before + 1}"
    editor.get_by_label(f"{added} resource type").select_option("DEVICE")
    editor.get_by_label(f"{added} key").fill("Region Name")
    editor.get_by_label(f"{added} operator").select_option("Equals")
    editor.get_by_label(f"{added} value").fill(REGIONS[0])
    editor.get_by_role("button", name="Save profile").click()
    expect(profiles.get_by_role("status")).to_have_text("Saved")
    saved = profiles.get_by_role("form", name=re.compile(r"^Edit "))
    expect(saved.get_by_label(f"{added} value")).to_have_value(REGIONS[0])
    expect(profiles.get_by_text(f"{before + 1} rules")).to_be_visible()
    album("discovery-profile-saved")

    _scan_now(page)
    history = page.get_by_role("region", name="Scan history").locator("tbody").get_by_role("row")
    expect(history).to_have_count(2)
    expect(history.filter(has_text="ok")).to_have_count(2)


def _scan_now(page: Page, album: Album | None = None) -> None:
    """Scan now, and wait for the scan to end (the page reloads itself when it does); with
    an album, see its progress first (the scan must be slow enough to be seen running)."""
    page.get_by_role("button", name="Scan now").click()
    progress = page.get_by_role("region", name=re.compile(r"^(Scan in progress|Last scan)$"))
    if album is not None:
        expect(progress.get_by_role("heading", name="Scan in progress")).to_be_visible()
        expect(progress.get_by_role("progressbar").first).to_be_visible()
        album("scan-in-progress")
    expect(progress.get_by_role("heading", name="Last scan")).to_be_visible()
    expect(progress.get_by_role("status")).to_contain_text("Finished")
    expect(progress.locator(".badge").first).to_have_text("ok")
    expect(page.get_by_role("button", name="Scan now")).to_be_enabled()


def _resources(
    page: Page, album: Album, client: Client, org: EmulatedOrganization, member: str
) -> None:
    """Resources of the client, filtered to the member's EC2 instances; one's history."""
    _main_menu(page, "Resources").click()
    expect(page).to_have_url(re.compile(rf"/resources\?client={client.id}$"))
    expect(page.get_by_role("heading", name="Resources", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Resources")).to_be_visible()
    album("resources")

    page.get_by_label("Type", exact=True).select_option(label="EC2 instance")
    page.get_by_label("Account", exact=True).fill(member)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]type=[^&]+"))
    found = page.get_by_role("table", name="Resources matching the filters")
    rows = found.locator("tbody").get_by_role("row")
    expect(rows.first).to_be_visible()
    for row in rows.all():
        expect(row.get_by_role("cell").nth(1)).to_have_text("EC2 instance")
        expect(row).to_contain_text(member)
    # Every instance the emulator seeded in the member's scanned regions is listed.
    seeded = Counter(
        resource.tag_map.get("Name", resource.resource_id)
        for resource in org.resources
        if resource.account_id == member
        and resource.region in REGIONS
        and resource.resource_type == "AWS::EC2::Instance"
    )
    listed = Counter(
        rows.get_by_role("cell").filter(has=page.get_by_role("link")).all_inner_texts()
    )
    assert seeded, "the emulator seeded instances in the member account"
    assert not seeded - listed, f"missing from the list: {seeded - listed}"
    album("resources-ec2-instances")

    first = rows.first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(rf"/resources/{client.id}/\d+$"))
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    history = page.get_by_role("region", name=re.compile(r"^Change history"))
    expect(history.get_by_role("listitem").first).to_contain_text("created")
    album("resource-history")
