# Sourced by scripts/run and scripts/test: install what the workbench needs, once, on Debian or Ubuntu.
# Usage: setup_workbench [dev]

_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi
}

_missing_debs() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  echo "${missing[@]:-}"
}

setup_workbench() {
  local extra="${1:-}"
  local python="${PYTHON:-python3}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup: $python not found; install Python 3.11 or newer" >&2; return 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: $("$python" --version) is too old; the workbench needs Python 3.11 or newer" >&2; return 1
  fi
  # System libraries: WeasyPrint's Pango and HarfBuzz, a font; for the tests the sqlite3 shell, tmux, poppler and a
  # real Secret Service (GNOME Keyring in a private D-Bus session) for the keyring test.
  local debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
  if [ "$extra" = "dev" ]; then debs+=(sqlite3 tmux poppler-utils gnome-keyring libsecret-tools dbus); fi
  if command -v dpkg-query >/dev/null 2>&1; then
    local pyver; pyver="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    "$python" -c 'import ensurepip, venv' 2>/dev/null || debs+=("python${pyver}-venv")
    local missing; missing="$(_missing_debs "${debs[@]}")"
    if [ -n "$missing" ]; then
      echo "setup: installing system packages: $missing"
      _as_root apt-get update -qq && _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    fi
  else
    echo "setup: not a Debian-based system; make sure Pango, HarfBuzz and a font are installed" >&2
  fi
  # The virtual environment, reinstalled only when pyproject.toml changes.
  local stamp=".venv/.installed-${extra:-run}"
  local want; want="$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -x .venv/bin/python ]; then "$python" -m venv .venv; fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing the workbench and its Python dependencies into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ "$extra" = "dev" ]; then .venv/bin/python -m pip install --quiet -e '.[dev]'; else .venv/bin/python -m pip install --quiet -e .; fi
    echo "$want" > "$stamp"
  fi
}
