"""The example due-diligence report in docs/due-diligence/, from the demo data of a running stack.

    make seed                                        # once: the demo and its people
    .venv/bin/python tools/due_diligence_example.py  # docs/due-diligence/: PDF, page 1 as PNG, CSV

Signs in to the portal as the demo's Brand A (through the gateway, with the sign-in form, as a person
would), downloads the report of the last twelve months as PDF and CSV, and turns the PDF's first page
into a PNG with pdftoppm (poppler-utils; `python3 deploy/local/stack.py browser` installs it).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

OUT = Path(__file__).resolve().parent.parent / "docs" / "due-diligence"
DEMO_MEMBER = "brand-a@demo.example.org"
DEMO_PASSWORD = "shared-audits-demo"  # pragma: allowlist secret (the demo's, development only)


def signed_in(gateway_url: str, email: str, password: str) -> httpx.Client:
    browser = httpx.Client(base_url=gateway_url, timeout=120, follow_redirects=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signin").text).group(1)
    answer = browser.post("/signin", data={"csrf_token": token, "email": email, "password": password,
                                           "next": "/member/due-diligence"})
    if answer.url.path != "/member/due-diligence":
        sys.exit(f"could not sign in as {email}: has `make seed` run? ({answer.status_code})")
    return browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--lang", default="en", help="the portal's language for the report (en, fr, zh_Hans, bn)")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: python3 deploy/local/stack.py browser installs poppler-utils")
    OUT.mkdir(parents=True, exist_ok=True)
    browser = signed_in(args.gateway, DEMO_MEMBER, DEMO_PASSWORD)
    browser.cookies.set("sa_lang", args.lang)
    suffix = "" if args.lang == "en" else f"-{args.lang}"
    try:
        for kind in ("pdf", "csv"):
            answer = browser.get(f"/member/due-diligence.{kind}")
            answer.raise_for_status()
            (OUT / f"example{suffix}.{kind}").write_bytes(answer.content)
    finally:
        browser.close()
    pdf = OUT / f"example{suffix}.pdf"
    subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf),
                    str(OUT / f"example{suffix}-page-1")], check=True)
    for path in sorted(OUT.glob(f"example{suffix}*")):
        print(f"{path.relative_to(OUT.parent.parent)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
