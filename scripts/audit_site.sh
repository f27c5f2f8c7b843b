#!/usr/bin/env bash
# Browser audit of the built site: the Nu HTML checker (vnu) over every HTML file, then
# Lighthouse (mobile, headless Debian chromium) on the home, a district, an article, a topic
# and the search page (empty, and with a query's results). Bars: 0 vnu errors; >= 95 in every
# Lighthouse category (SEO not counted on the noindex search pages). Exit status 0 when all are met, 1 when one is missed, 2 when a
# tool is missing or the build fails.
#
#   scripts/audit_site.sh              # import raw/ and build into a temporary folder, then audit
#   scripts/audit_site.sh SITE_DIR     # audit a site already built
#   scripts/audit_site.sh --no-lighthouse        # only the HTML checker
#   scripts/audit_site.sh --runs 3 --page article=/shifeng/some-slug/
#
# Needs: default-jre-headless, nodejs + npm, chromium (apt), and `npm ci` in the repository.
# JSON reports go to audit-reports/ (git-ignored). See scripts/audit_site.py for the details.
set -euo pipefail
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
exec "${PYTHON:-python3}" "$(dirname "$0")/audit_site.py" "$@"
