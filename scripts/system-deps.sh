#!/usr/bin/env bash
# Debian packages Coverdesk needs outside Python: Chromium for the browser tests (never a
# downloaded browser), a CJK font and HarfBuzz's subsetter for WeasyPrint, poppler for PDF checks,
# pg_dump for backups of a PostgreSQL desk.
# Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail
packages=(chromium fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils postgresql-client)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (an unattended upgrade, a second checkout) instead of failing at once.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
