# Shared by scripts/shop and scripts/test: find Python 3.11+, make the virtual
# environment and install the project into it (again only when pyproject.toml changed).
#
# Environment knobs (all optional):
#   PYTHON       the interpreter to build the venv with (default: newest python3.1x found, >= 3.11)
#   VENV         where the venv lives (default: .venv in the project)
#   DJANGO_SPEC  a pip requirement that pins Django, e.g. "Django>=5.2,<5.3"
#   PIP_GROUPS   dependency groups to install (default: set by the calling script)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VENV=${VENV:-$ROOT/.venv}

python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        python_ok "$PYTHON" || { echo "PYTHON=$PYTHON is not a working Python 3.11+" >&2; exit 1; }
        echo "$PYTHON"; return
    fi
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            echo "$candidate"; return
        fi
    done
    echo "Python 3.11 or newer is needed; none was found on PATH." >&2
    exit 1
}

ensure_venv() {
    groups=$1
    if [ ! -x "$VENV/bin/python" ]; then
        python=$(find_python)
        echo ">>> creating $VENV with $($python --version 2>&1)"
        "$python" -m venv "$VENV"
    fi
    stamp="$VENV/.cml-exchange-installed"
    wanted="$(cat pyproject.toml) groups=$groups django=${DJANGO_SPEC:-}"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo ">>> installing the project into $VENV"
        # pip 25.1+ understands [dependency-groups]; older pips do not.
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
        group_args=""
        for group in $groups; do group_args="$group_args --group $group"; done
        # shellcheck disable=SC2086
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            --editable . $group_args ${DJANGO_SPEC:+"$DJANGO_SPEC"}
        printf '%s' "$wanted" > "$stamp"
    fi
}
