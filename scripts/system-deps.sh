#!/usr/bin/env bash
# System packages eduwb needs besides Python ones: a CJK font for charts and PDFs (no tofu
# boxes; the report's typesetter, Typst, finds it through fontconfig's fc-list), poppler's
# pdftotext/pdftoppm and qpdf for the report tests, and Debian's Chromium for the browser tests
# (Playwright drives /usr/bin/chromium; no browser download).  Pango and HarfBuzz's subsetting
# library are for WeasyPrint alone, which only benchmarks/bench_layout.py and the hand-run CLI
# chain of benchmarks/bench_report.py still use (the report itself no longer does).
set -euo pipefail

# Listings are captured first: `grep -q` on a pipe could end the lister early (SIGPIPE),
# which pipefail would report as "not found".
fonts=$(fc-list 2>/dev/null || true)
libraries=$(ldconfig -p 2>/dev/null || true)

missing=()
grep -q "Noto Sans CJK SC" <<<"$fonts" || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# qpdf --check: the report tests check that the PDF's structure is sound
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
grep -q "libpangoft2-1.0" <<<"$libraries" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
# the benchmarks' WeasyPrint subsets fonts with HarfBuzz; without it every CJK PDF embeds whole fonts slowly
grep -q "libharfbuzz-subset" <<<"$libraries" || missing+=(libharfbuzz-subset0)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "eduwb needs these system packages: ${missing[*]}" >&2
  echo "install them, e.g.: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
