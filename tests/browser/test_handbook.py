"""The Handbook for factories in the browser: found from the factory's menu, told in English and French,
accessible, with the sample sizes audit-service requires, and downloaded as a PDF that renders."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PortalWorld

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def first_page_as_png(pdf: Path, out: Path) -> Image.Image:
    """Page 1 through poppler-utils' pdftoppm (installed by the stack's browser step)."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm not found: apt-get install poppler-utils (`stack.py browser` does)"
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)],
                   check=True, timeout=60)
    return Image.open(out.with_suffix(".png")).convert("L")


def inked_share(image: Image.Image) -> float:
    """The share of pixels that are not paper-white."""
    histogram = image.histogram()
    return sum(histogram[:200]) / (image.width * image.height)


def test_the_factory_opens_the_handbook_from_its_menu_with_the_samples_the_platform_requires(
        portal_world: PortalWorld, open_as) -> None:
    page: Page = open_as(portal_world.emails["factory"])
    page.get_by_role("link", name="Handbook", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Handbook for factories")
    expect(page.get_by_role("link", name="Handbook", exact=True)).to_have_attribute("aria-current", "page")
    for workforce in (120, 800, 3000):
        required = portal_world.cast.factory.sample_size(workforce)
        rows = page.locator("table.sampling tbody tr")
        row = next(rows.nth(i) for i in range(rows.count())
                   if int(rows.nth(i).get_attribute("data-min-workers")) <= workforce
                   and (rows.nth(i).get_attribute("data-max-workers") in ("", None)
                        or workforce <= int(rows.nth(i).get_attribute("data-max-workers"))))
        expect(row.locator('[data-field="interviews"]')).to_have_text(str(required["interviews"]))
        expect(row.locator('[data-field="documents"]')).to_have_text(str(required["documents"]))
        expect(row.locator('[data-field="auditor_days"]')).to_have_text(f"{required['auditor_days']:g}")
    expect(page.get_by_role("table", name="Rule sets this edition was generated from")).to_contain_text(
        required["rule_set_version"])
    assert_accessible(page)


def test_a_member_finds_it_in_french_from_the_footer(portal_world: PortalWorld, open_as) -> None:
    page: Page = open_as(portal_world.emails["member_a"], language="fr-FR")
    page.get_by_role("contentinfo").get_by_role("link", name="Guide pour les usines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guide pour les usines")
    expect(page.get_by_role("heading", name="Entretiens, dossiers et jours-auditeur selon l'effectif")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)


def test_the_handbook_downloads_as_a_pdf_that_renders(portal_world: PortalWorld, open_as, tmp_path: Path) -> None:
    page: Page = open_as(portal_world.emails["factory"])
    page.goto("/handbook")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="English", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.startswith("handbook-en-") and download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "handbook-en.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    first = first_page_as_png(pdf, tmp_path / "page-1")
    assert first.width > 300 and first.height > 400
    assert 0.01 < inked_share(first) < 0.6, "the first page is blank (or all ink)"

    with page.expect_download() as bengali_info:
        page.get_by_role("link", name="বাংলা").click()
    bengali = tmp_path / "handbook-bn.pdf"
    bengali_info.value.save_as(bengali)
    assert 0.01 < inked_share(first_page_as_png(bengali, tmp_path / "bn-1")) < 0.6
