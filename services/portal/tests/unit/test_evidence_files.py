"""Evidence files handed to the browser: inline only for harmless types, names made safe."""

from portal.domain.evidence_files import content_disposition, preview_kind, shows_inline


def test_pdf_and_images_show_inline_everything_else_is_saved():
    assert shows_inline("application/pdf") and shows_inline("image/PNG; charset=binary")
    assert not shows_inline("text/html") and not shows_inline("image/svg+xml") and not shows_inline(None)
    assert preview_kind("image/jpeg") == "image" and preview_kind("application/pdf") == "pdf"
    assert preview_kind("application/vnd.ms-excel") is None


def test_the_header_keeps_the_exact_name_encoded_and_an_ascii_fallback():
    header = content_disposition("permis d'incendie é.pdf", inline=True)

    assert header.startswith('inline; filename="permis d_incendie _.pdf"')
    assert "filename*=UTF-8''permis%20d%27incendie%20%C3%A9.pdf" in header


def test_quotes_paths_and_empty_names_cannot_break_the_header():
    assert 'filename="a_b.pdf"' in content_disposition('../../a"b.pdf', inline=False)
    assert content_disposition("", inline=False).startswith('attachment; filename="evidence"')
